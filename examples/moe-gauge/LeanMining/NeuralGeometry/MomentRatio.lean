import LeanMining.NeuralGeometry.JensenFloor

/-!
# The moment-ratio floor

For a coordinate law with `μ₁ = E|X|` and `μ₂ = E[X²]`, the moment ratio is `β = μ₁² / μ₂`.
When the coordinates of a rotated key are i.i.d., the expected 1-bit residual energy converges to
`1 − β` as the head dimension grows: the floor is a property of the coordinate law alone.

This file contains

* the closed-form ratios for the three reference laws (Gaussian `2/π`, uniform `3/4`,
  Laplace `1/2`): the algebra from the moments to the ratio is proved, while the moment integrals
  themselves are still open;
* the i.i.d. floor, split into an almost-sure limit (open) and its lift to expectations, which
  rests on the axiom `slln_expectation_lift`;
* the isotropic floor: a rotation that leaves the key law invariant cannot move the expected β.
-/

namespace NeuralGeometry

open MeasureTheory ProbabilityTheory Filter Topology

universe u

variable {d : ℕ}

/-- The moment ratio `β = μ₁² / μ₂` of a first absolute moment `μ₁` and a second moment `μ₂`. -/
noncomputable def momentRatio (μ₁ μ₂ : ℝ) : ℝ := μ₁ ^ 2 / μ₂

/-- A coordinate law in the scope of the moment-ratio floor: a probability law on `ℝ`, symmetric
about zero, with a finite second moment and not concentrated at zero. -/
structure CoordLaw where
  /-- The law of one coordinate of a rotated key. -/
  law : Measure ℝ
  /-- The law is a probability measure. -/
  isProb : IsProbabilityMeasure law
  /-- The law is symmetric about zero. -/
  symm : law.map (fun x => -x) = law
  /-- The second moment is finite. -/
  sq_integrable : Integrable (fun x => x ^ 2) law
  /-- The law is not the point mass at zero. -/
  nondegenerate : law ≠ Measure.dirac 0

namespace CoordLaw

/-- The first absolute moment `μ₁ = E|X|` of a coordinate law. -/
noncomputable def absMoment (L : CoordLaw) : ℝ := ∫ x, |x| ∂L.law

/-- The second moment `μ₂ = E[X²]` of a coordinate law. -/
noncomputable def sqMoment (L : CoordLaw) : ℝ := ∫ x, x ^ 2 ∂L.law

/-- The moment ratio of a coordinate law. -/
noncomputable def beta (L : CoordLaw) : ℝ := momentRatio L.absMoment L.sqMoment

end CoordLaw

/-- Every admissible coordinate law has `0 < β ≤ 1`: Jensen gives `(E|X|)² ≤ E[X²]`, and a law
that is not the point mass at zero has `E|X| > 0`. -/
theorem coordLaw_beta_mem (L : CoordLaw) : 0 < L.beta ∧ L.beta ≤ 1 := by
  sorry

/-! ## Closed forms: from the moments to the ratio (proved) -/

/-- Gaussian moments `μ₁ = √(2v/π)` and `μ₂ = v` give `β = 2/π`. -/
theorem gaussian_ratio_of_moments (v : ℝ) (hv : 0 < v) :
    momentRatio (Real.sqrt (2 * v / Real.pi)) v = 2 / Real.pi := by
  rw [momentRatio, Real.sq_sqrt (div_nonneg (mul_nonneg zero_le_two hv.le) Real.pi_pos.le),
    div_right_comm, mul_div_assoc, div_self hv.ne', mul_one]

/-- Uniform moments on `[-1, 1]`, `μ₁ = 1/2` and `μ₂ = 1/3`, give `β = 3/4`. -/
theorem uniform_ratio_of_moments : momentRatio (1 / 2) (1 / 3) = 3 / 4 := by
  unfold momentRatio
  norm_num

/-- Laplace moments with scale `b`, `μ₁ = b` and `μ₂ = 2b²`, give `β = 1/2`. -/
theorem laplace_ratio_of_moments (b : ℝ) (hb : b ≠ 0) : momentRatio b (2 * b ^ 2) = 1 / 2 := by
  unfold momentRatio
  rw [div_eq_iff (mul_ne_zero two_ne_zero (pow_ne_zero 2 hb))]
  ring

/-! ## Closed forms: the moment integrals (open) -/

/-- First absolute moment of the centred Gaussian with variance `v`: `E|X| = √(2v/π)`. -/
theorem gaussian_abs_moment (v : NNReal) :
    ∫ x, |x| ∂(gaussianReal 0 v) = Real.sqrt (2 * v / Real.pi) := by
  sorry

/-- Second moment of the centred Gaussian with variance `v`: `E[X²] = v`. -/
theorem gaussian_sq_moment (v : NNReal) : ∫ x, x ^ 2 ∂(gaussianReal 0 v) = v := by
  sorry

/-- **Gaussian floor.** `β(N(0, v)) = 2/π ≈ 0.637` for every variance `v > 0`: the value that
data-independent rotations are pinned to. -/
theorem gaussian_moment_ratio_floor_eq (v : NNReal) (hv : 0 < v) :
    momentRatio (∫ x, |x| ∂(gaussianReal 0 v)) (∫ x, x ^ 2 ∂(gaussianReal 0 v)) =
      2 / Real.pi := by
  rw [gaussian_abs_moment, gaussian_sq_moment]
  exact gaussian_ratio_of_moments v (NNReal.coe_pos.mpr hv)

/-- First absolute moment of the uniform law on `[-1, 1]` (density `1/2`). -/
theorem uniform_abs_moment : (∫ x in (-1 : ℝ)..1, |x|) / 2 = 1 / 2 := by
  sorry

/-- Second moment of the uniform law on `[-1, 1]` (density `1/2`). -/
theorem uniform_sq_moment : (∫ x in (-1 : ℝ)..1, x ^ 2) / 2 = 1 / 3 := by
  sorry

/-- **Uniform floor.** The uniform law on `[-1, 1]` has `β = 3/4`: the light-tailed limit that a
learned rotation approaches. -/
theorem uniform_moment_ratio_floor_eq :
    momentRatio ((∫ x in (-1 : ℝ)..1, |x|) / 2) ((∫ x in (-1 : ℝ)..1, x ^ 2) / 2) = 3 / 4 := by
  rw [uniform_abs_moment, uniform_sq_moment]
  exact uniform_ratio_of_moments

/-- The Laplace density with scale `b`: `x ↦ exp(−|x|/b) / (2b)`. -/
noncomputable def laplacePdf (b x : ℝ) : ℝ := Real.exp (-|x| / b) / (2 * b)

/-- First absolute moment of the Laplace law with scale `b`: `E|X| = b`. -/
theorem laplace_abs_moment (b : ℝ) (hb : 0 < b) : ∫ x, |x| * laplacePdf b x = b := by
  sorry

/-- Second moment of the Laplace law with scale `b`: `E[X²] = 2b²`. -/
theorem laplace_sq_moment (b : ℝ) (hb : 0 < b) : ∫ x, x ^ 2 * laplacePdf b x = 2 * b ^ 2 := by
  sorry

/-- **Laplace floor.** The Laplace law has `β = 1/2` whatever its scale: the heavy-tailed worst
case among the reference laws. -/
theorem laplace_moment_ratio_floor_eq (b : ℝ) (hb : 0 < b) :
    momentRatio (∫ x, |x| * laplacePdf b x) (∫ x, x ^ 2 * laplacePdf b x) = 1 / 2 := by
  rw [laplace_abs_moment b hb, laplace_sq_moment b hb]
  exact laplace_ratio_of_moments b hb.ne'

/-! ## The i.i.d. floor -/

/-- **Measure-theoretic plumbing, assumed.** Almost-sure convergence of random variables bounded
by one lifts to convergence of their expectations.  This is a special case of dominated
convergence (`MeasureTheory.tendsto_integral_of_dominated_convergence` with the constant bound
`1`, integrable under a probability measure); it is taken as an axiom until that glue is written,
and the appendix lists it as the only project axiom. -/
axiom slln_expectation_lift {Ω : Type u} [MeasurableSpace Ω] (μ : Measure Ω)
    [IsProbabilityMeasure μ] (Y : ℕ → Ω → ℝ) (c : ℝ)
    (hmeas : ∀ n, AEStronglyMeasurable (Y n) μ) (hbound : ∀ n, ∀ᵐ ω ∂μ, |Y n ω| ≤ 1)
    (hlim : ∀ᵐ ω ∂μ, Tendsto (fun n => Y n ω) atTop (𝓝 c)) :
    Tendsto (fun n => ∫ ω, Y n ω ∂μ) atTop (𝓝 c)

/-- The residual energy of the first `n` coordinates of a random key, as a random variable. -/
noncomputable def residualSeq {Ω : Type*} (X : ℕ → Ω → ℝ) (n : ℕ) (ω : Ω) : ℝ :=
  residualEnergy (fun i : Fin n => X i ω)

/-- With measurable coordinates, each residual is a random variable. -/
theorem residualSeq_aestronglyMeasurable {Ω : Type*} [MeasurableSpace Ω] (μ : Measure Ω)
    (X : ℕ → Ω → ℝ) (hX : ∀ i, Measurable (X i)) (n : ℕ) :
    AEStronglyMeasurable (residualSeq X n) μ := by
  sorry

/-- Almost-sure limit: for pairwise independent, identically distributed coordinates with a
finite, non-zero second moment, the residual energy of the first `n` coordinates tends to
`1 − β` almost surely.  Two applications of Mathlib's `ProbabilityTheory.strong_law_ae` (to `|X|`
and to `X²`) plus `residual_energy_formula`; the bookkeeping is not written yet. -/
theorem residual_ae_limit {Ω : Type*} [MeasurableSpace Ω] (μ : Measure Ω)
    [IsProbabilityMeasure μ] (X : ℕ → Ω → ℝ)
    (hindep : Pairwise fun i j => IndepFun (X i) (X j) μ)
    (hident : ∀ i, IdentDistrib (X i) (X 0) μ μ)
    (hsq : Integrable (fun ω => X 0 ω ^ 2) μ) (hpos : 0 < ∫ ω, X 0 ω ^ 2 ∂μ) :
    ∀ᵐ ω ∂μ, Tendsto (fun n => residualSeq X n ω) atTop
      (𝓝 (1 - momentRatio (∫ ω, |X 0 ω| ∂μ) (∫ ω, X 0 ω ^ 2 ∂μ))) := by
  sorry

/-- From an almost-sure limit of the residuals to the limit of their expectations.  Proved from
the plumbing axiom `slln_expectation_lift` alone. -/
theorem expected_residual_limit_of_ae {Ω : Type*} [MeasurableSpace Ω] (μ : Measure Ω)
    [IsProbabilityMeasure μ] (X : ℕ → Ω → ℝ) (c : ℝ)
    (hmeas : ∀ n, AEStronglyMeasurable (residualSeq X n) μ)
    (hbound : ∀ n, ∀ᵐ ω ∂μ, |residualSeq X n ω| ≤ 1)
    (hlim : ∀ᵐ ω ∂μ, Tendsto (fun n => residualSeq X n ω) atTop (𝓝 c)) :
    Tendsto (fun n => ∫ ω, residualSeq X n ω ∂μ) atTop (𝓝 c) :=
  slln_expectation_lift μ (residualSeq X) c hmeas hbound hlim

/-- **Moment-ratio floor for i.i.d. coordinates.** If the coordinates of a rotated key are
pairwise independent and identically distributed with a finite, non-zero second moment, the
expected residual energy of 1-bit sign quantisation converges to `1 − β`, `β = (E|X|)² / E[X²]`,
as the head dimension grows.  (Symmetry of the law, assumed in the paper, is not needed.) -/
theorem iid_coord_moment_ratio_floor {Ω : Type*} [MeasurableSpace Ω] (μ : Measure Ω)
    [IsProbabilityMeasure μ] (X : ℕ → Ω → ℝ) (hX : ∀ i, Measurable (X i))
    (hindep : Pairwise fun i j => IndepFun (X i) (X j) μ)
    (hident : ∀ i, IdentDistrib (X i) (X 0) μ μ)
    (hsq : Integrable (fun ω => X 0 ω ^ 2) μ) (hpos : 0 < ∫ ω, X 0 ω ^ 2 ∂μ) :
    Tendsto (fun n => ∫ ω, residualSeq X n ω ∂μ) atTop
      (𝓝 (1 - momentRatio (∫ ω, |X 0 ω| ∂μ) (∫ ω, X 0 ω ^ 2 ∂μ))) :=
  expected_residual_limit_of_ae μ X _
    (fun n => residualSeq_aestronglyMeasurable μ X hX n)
    (fun n => Filter.Eventually.of_forall fun ω =>
      residualEnergy_abs_le_one (fun i : Fin n => X i ω))
    (residual_ae_limit μ X hindep hident hsq hpos)

/-! ## The isotropic floor -/

/-- **Isotropic floor.** If the law `μ` of the keys is invariant under an orthogonal matrix `R`,
then rotating by `R` leaves the expected moment ratio unchanged.  For an isotropic law every
rotation is of this kind: no data-independent rotation can move β, which for Gaussian keys
stays at `2/π`. -/
theorem isotropic_floor (μ : Measure (Fin d → ℝ)) (R : Matrix (Fin d) (Fin d) ℝ)
    (hR : R.transpose * R = 1) (hinv : μ.map (fun k => R.mulVec k) = μ) :
    ∫ k, betaVec (R.mulVec k) ∂μ = ∫ k, betaVec k ∂μ := by
  sorry

/-- Placeholder for the CLT statement behind the isotropic floor: after a data-independent
rotation, each coordinate of a high-dimensional key is close to Gaussian. -/
theorem clt_attractor_placeholder : True := sorry

end NeuralGeometry
