import Mathlib

/-!
# Sign quantisation of a single key and the Jensen floor

A key `k : Fin d → ℝ` is stored with one bit per coordinate: its sign code `sign k` together with
one scale `α`.  This file fixes the vocabulary used by the whole appendix:

* `l1norm`, `sqNorm`: the ℓ¹ norm and the squared ℓ² norm of a key;
* `betaVec k = ‖k‖₁² / (‖k‖₂² · d)`, the moment ratio of one key;
* `cosSign k`, the cosine of the phase-collapse angle between `k` and `sign k`;
* `residualEnergy k`, the relative energy left after the best 1-bit reconstruction.

The per-vector identities (`cos_sign_quant_formula`, `cos_sq_eq_beta`) are purely algebraic and
carry no distributional assumption.  The Jensen floor `β ≤ 1` is Cauchy–Schwarz; its proof and the
expansion behind the residual-energy formula are still open.
-/

namespace NeuralGeometry

variable {d : ℕ}

/-! ## Definitions -/

/-- The 1-bit sign of a real number.  Zero is sent to `+1`, so every coordinate of a sign code
has magnitude exactly one. -/
noncomputable def signQ (x : ℝ) : ℝ := if 0 ≤ x then 1 else -1

/-- The sign code of a key, coordinate by coordinate. -/
noncomputable def signVec (k : Fin d → ℝ) : Fin d → ℝ := fun i => signQ (k i)

/-- The ℓ¹ norm `‖k‖₁ = ∑ᵢ |kᵢ|`. -/
noncomputable def l1norm (k : Fin d → ℝ) : ℝ := ∑ i, |k i|

/-- The squared Euclidean norm `‖k‖₂² = ∑ᵢ kᵢ²`. -/
noncomputable def sqNorm (k : Fin d → ℝ) : ℝ := ∑ i, k i ^ 2

/-- The moment ratio of one key, `β(k) = ‖k‖₁² / (‖k‖₂² · d)`.  It does not change when `k` is
rescaled, and by Lean's convention `x / 0 = 0` it is `0` on the zero key. -/
noncomputable def betaVec (k : Fin d → ℝ) : ℝ := l1norm k ^ 2 / (sqNorm k * d)

/-- Cosine of the phase-collapse angle `θ_k` between a key and its sign code.  The sign code has
Euclidean length `√d`. -/
noncomputable def cosSign (k : Fin d → ℝ) : ℝ :=
  (∑ i, k i * signVec k i) / (Real.sqrt (sqNorm k) * Real.sqrt d)

/-- The phase-collapse angle `θ_k`, in degrees (the unit the horizontal-slice allocator uses). -/
noncomputable def phaseAngleDeg (k : Fin d → ℝ) : ℝ := Real.arccos (cosSign k) * 180 / Real.pi

/-- The least-squares scale of the sign code, `α* = ‖k‖₁ / d`. -/
noncomputable def alphaOpt (k : Fin d → ℝ) : ℝ := l1norm k / d

/-- Relative residual energy of the best 1-bit reconstruction `α* · sign k`:
`‖k − α* sign k‖² / ‖k‖²`. -/
noncomputable def residualEnergy (k : Fin d → ℝ) : ℝ :=
  sqNorm (fun i => k i - alphaOpt k * signVec k i) / sqNorm k

/-- A key lies on the sign lattice when every coordinate has magnitude one. -/
def OnSignLattice (s : Fin d → ℝ) : Prop := ∀ i, |s i| = 1

/-! ## Proven algebra -/

/-- A number times its own sign is its absolute value.  The two branches of the sign are
treated separately. -/
theorem mul_signQ_eq_abs (x : ℝ) : x * signQ x = |x| := by
  unfold signQ
  split_ifs with hx
  · rw [mul_one, abs_of_nonneg hx]
  · rw [mul_neg_one, abs_of_neg (not_le.mp hx)]

/-- Every entry of a sign code squares to one. -/
theorem signQ_sq (x : ℝ) : signQ x ^ 2 = 1 := by
  unfold signQ
  split_ifs <;> norm_num

/-- Pairing a key with its own sign code yields its ℓ¹ norm: `⟨k, sign k⟩ = ‖k‖₁`. -/
theorem inner_signVec_eq_l1norm (k : Fin d → ℝ) : ∑ i, k i * signVec k i = l1norm k := by
  unfold l1norm
  exact Finset.sum_congr rfl fun i _ => mul_signQ_eq_abs (k i)

/-- The squared norm is never negative. -/
theorem sqNorm_nonneg (k : Fin d → ℝ) : 0 ≤ sqNorm k := by
  unfold sqNorm
  exact Finset.sum_nonneg fun i _ => sq_nonneg (k i)

/-- The moment ratio of a key is never negative. -/
theorem betaVec_nonneg (k : Fin d → ℝ) : 0 ≤ betaVec k := by
  unfold betaVec
  exact div_nonneg (sq_nonneg _) (mul_nonneg (sqNorm_nonneg k) (Nat.cast_nonneg d))

/-- **Cosine formula.** `cos θ_k = ‖k‖₁ / (‖k‖₂ · √d)`.  Algebraic: it holds for every key, with
no assumption on how `k` is distributed. -/
theorem cos_sign_quant_formula (k : Fin d → ℝ) :
    cosSign k = l1norm k / (Real.sqrt (sqNorm k) * Real.sqrt d) := by
  unfold cosSign
  rw [inner_signVec_eq_l1norm]

/-- The squared phase-collapse cosine is the moment ratio: `cos² θ_k = β(k)`. -/
theorem cos_sq_eq_beta (k : Fin d → ℝ) : cosSign k ^ 2 = betaVec k := by
  rw [cos_sign_quant_formula, div_pow, mul_pow, Real.sq_sqrt (sqNorm_nonneg k),
    Real.sq_sqrt (Nat.cast_nonneg d), betaVec]

/-! ## Open: the residual expansion and the floor itself -/

/-- Expanding the square: `‖k − a · sign k‖² = ‖k‖² − 2a‖k‖₁ + a²d`. -/
theorem sqNorm_sub_smul_signVec (k : Fin d → ℝ) (a : ℝ) :
    sqNorm (fun i => k i - a * signVec k i) = sqNorm k - 2 * a * l1norm k + a ^ 2 * d := by
  sorry

/-- **Residual-energy formula.** The best 1-bit reconstruction of a non-zero key leaves exactly
the fraction `1 − β(k)` of its energy. -/
theorem residual_energy_formula (hd : 0 < d) (k : Fin d → ℝ) (hk : 0 < sqNorm k) :
    residualEnergy k = 1 - betaVec k := by
  have hS : sqNorm k ≠ 0 := hk.ne'
  have hd' : (d : ℝ) ≠ 0 := Nat.cast_ne_zero.mpr hd.ne'
  rw [residualEnergy, sqNorm_sub_smul_signVec, alphaOpt, betaVec]
  -- left: a rational identity in `‖k‖₂²`, `‖k‖₁` and `d`, to be closed with `hS` and `hd'`
  sorry

/-- The relative residual lies in `[0, 1]`, so its absolute value is at most one (on the zero key
it is `0 / 0 = 0`). -/
theorem residualEnergy_abs_le_one (k : Fin d → ℝ) : |residualEnergy k| ≤ 1 := by
  sorry

/-- **Jensen floor.** `β(k) ≤ 1` for every key: Cauchy–Schwarz gives `‖k‖₁² ≤ d · ‖k‖₂²`. -/
theorem jensen_floor (k : Fin d → ℝ) : betaVec k ≤ 1 := by
  sorry

/-- **Equality case of the floor.** A non-zero key reaches `β = 1` exactly when all of its
coordinates share one magnitude, i.e. when it is a rescaled point of the sign lattice. -/
theorem jensen_floor_eq_iff (k : Fin d → ℝ) (hk : k ≠ 0) :
    betaVec k = 1 ↔ ∃ c : ℝ, ∀ i, |k i| = c := by
  sorry

/-- The residual energy of a non-zero key is `sin² θ_k`: what the phase-collapse angle costs. -/
theorem residual_eq_sin_sq (hd : 0 < d) (k : Fin d → ℝ) (hk : 0 < sqNorm k) :
    residualEnergy k = Real.sin (Real.arccos (cosSign k)) ^ 2 := by
  have hc : cosSign k ^ 2 ≤ 1 := by
    rw [cos_sq_eq_beta]
    exact jensen_floor k
  rw [residual_energy_formula hd k hk, ← cos_sq_eq_beta, Real.sin_arccos,
    Real.sq_sqrt (sub_nonneg.mpr hc)]

end NeuralGeometry
