import LeanMining.NeuralGeometry.JensenFloor

/-!
# DC-mean centering, the local Hessian of β and last-mile hardness

*DC-mean centering.*  The mean of a key's coordinates is its component along the all-ones
direction `𝟙`.  Removing it splits the energy as `‖k‖² = ‖k − m𝟙‖² + d m²`; the part along `𝟙`
already lies on the sign lattice, and the rotation is left to act on the `(d − 1)`-dimensional
complement.

*Local Hessian.*  Move away from a sign-lattice point `s` along a tangent direction `v ⟂ s` (the
first-order effect of a small rotation).  For small steps the loss `1 − β(s + t v)` is exactly
`t² ‖v‖² / (d + t² ‖v‖²)`: a local minimum with curvature `2‖v‖²/d`, whose slope vanishes as the
key approaches the lattice (the "last mile").
-/

namespace NeuralGeometry

variable {d : ℕ}

/-! ## DC-mean centering -/

/-- The DC mean of a key, `m = (∑ᵢ kᵢ) / d`. -/
noncomputable def dcMean (k : Fin d → ℝ) : ℝ := (∑ i, k i) / d

/-- The centred key `k − m𝟙`. -/
noncomputable def center (k : Fin d → ℝ) : Fin d → ℝ := fun i => k i - dcMean k

/-- Centring loses nothing: adding the mean back recovers each coordinate. -/
theorem center_add_dcMean (k : Fin d → ℝ) (i : Fin d) : center k i + dcMean k = k i :=
  sub_add_cancel (k i) (dcMean k)

/-- The centred key has no component along `𝟙`. -/
theorem center_sum_eq_zero (hd : 0 < d) (k : Fin d → ℝ) : ∑ i, center k i = 0 := by
  sorry

/-- **DC-mean centering.** The energy of a key splits into the energy of the centred key and the
energy `d m²` of its mean along `𝟙`. -/
theorem dc_mean_centering (k : Fin d → ℝ) :
    sqNorm k = sqNorm (center k) + d * dcMean k ^ 2 := by
  sorry

/-- A non-zero mean is energy that centring removes strictly: the rotation then only has to
handle the smaller centred part. -/
theorem dc_mean_centering_strict (hd : 0 < d) (k : Fin d → ℝ) (hm : dcMean k ≠ 0) :
    sqNorm (center k) < sqNorm k := by
  rw [dc_mean_centering k]
  exact lt_add_of_pos_right _ (mul_pos (Nat.cast_pos.mpr hd)
    (lt_of_le_of_ne (sq_nonneg _) (Ne.symm (pow_ne_zero 2 hm))))

/-! ## Local Hessian and last-mile hardness -/

/-- The loss `t ↦ 1 − β(s + t v)` along the direction `v` from the point `s`. -/
noncomputable def lossAlong (s v : Fin d → ℝ) (t : ℝ) : ℝ :=
  1 - betaVec (fun i => s i + t * v i)

/-- **Exact local expansion.** For `s` on the sign lattice, `v ⟂ s` and steps small enough that
no coordinate changes sign (`|t vᵢ| < 1`), `1 − β(s + t v) = t²‖v‖² / (d + t²‖v‖²)`. -/
theorem beta_local_expansion (hd : 0 < d) (s v : Fin d → ℝ) (hs : OnSignLattice s)
    (horth : ∑ i, s i * v i = 0) (t : ℝ) (ht : ∀ i, |t * v i| < 1) :
    lossAlong s v t = t ^ 2 * sqNorm v / (d + t ^ 2 * sqNorm v) := by
  sorry

/-- **Local Hessian.** At a sign-lattice point the loss is stationary along every tangent
direction `v`, with second derivative `2‖v‖²/d`. -/
theorem beta_local_hessian (hd : 0 < d) (s v : Fin d → ℝ) (hs : OnSignLattice s)
    (horth : ∑ i, s i * v i = 0) :
    HasDerivAt (lossAlong s v) 0 0 ∧
      HasDerivAt (deriv (lossAlong s v)) (2 * sqNorm v / d) 0 := by
  sorry

/-- The curvature `2‖v‖²/d` that `beta_local_hessian` computes is non-negative.  This is only
the sign of that number: that the lattice is a local minimum follows once
`beta_local_hessian` itself is proved. -/
theorem beta_local_hessian_nonneg (v : Fin d → ℝ) : 0 ≤ 2 * sqNorm v / d :=
  div_nonneg (mul_nonneg zero_le_two (sqNorm_nonneg v)) (Nat.cast_nonneg d)

/-- **Last-mile hardness.** Close to the lattice the loss is at most `t²‖v‖²/d`: halving the
remaining step only quarters the gap, and the slope available to a first-order optimiser shrinks
linearly with it. -/
theorem last_mile_hardness (hd : 0 < d) (s v : Fin d → ℝ) (hs : OnSignLattice s)
    (horth : ∑ i, s i * v i = 0) (t : ℝ) (ht : ∀ i, |t * v i| < 1) :
    lossAlong s v t ≤ t ^ 2 * sqNorm v / d := by
  rw [beta_local_expansion hd s v hs horth t ht]
  -- left: `a / (d + a) ≤ a / d` for `a = t²‖v‖² ≥ 0` and `d > 0`
  sorry

end NeuralGeometry
