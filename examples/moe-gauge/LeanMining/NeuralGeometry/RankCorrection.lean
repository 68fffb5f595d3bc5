import LeanMining.NeuralGeometry.JensenFloor

/-!
# Rank-r residual correction

After 1-bit quantisation a fraction `1 − β₁ᵦ` of the key energy is left as residual.  Correcting
that residual with its best rank-`r` approximation (truncated SVD, optimal by Eckart–Young)
removes the fraction `γ_r` of it, the share of Frobenius energy held by the top `r` singular
values.  The composite therefore behaves like a quantiser with effective moment ratio
`1 − (1 − β₁ᵦ)(1 − γ_r)`.  The composition is algebra and is proved; Eckart–Young is only
reserved by name.
-/

namespace NeuralGeometry

variable {d : ℕ}

/-- Effective moment ratio of 1-bit quantisation followed by a correction that removes the
fraction `γ` of the residual energy: `1 − (1 − β₁)(1 − γ)`. -/
noncomputable def effectiveBeta (β₁ γ : ℝ) : ℝ := 1 - (1 - β₁) * (1 - γ)

/-- **Rank-r correction.** The effective ratio is `β₁` plus the share `γ` of what was missing. -/
theorem rank_r_correction (β₁ γ : ℝ) : effectiveBeta β₁ γ = β₁ + γ * (1 - β₁) := by
  unfold effectiveBeta
  ring

/-- A correction that removes a non-negative share never lowers the moment ratio. -/
theorem rank_r_correction_improves (β₁ γ : ℝ) (hβ : β₁ ≤ 1) (hγ : 0 ≤ γ) :
    β₁ ≤ effectiveBeta β₁ γ := by
  rw [rank_r_correction]
  exact le_add_of_nonneg_right (mul_nonneg hγ (sub_nonneg.mpr hβ))

/-- Composing the two residuals: if 1-bit quantisation leaves `E₁ = (1 − β₁) E` and the rank-`r`
step keeps `E₂ = (1 − γ) E₁`, the final residual is `(1 − effectiveBeta β₁ γ) E`. -/
theorem rank_r_residual_energy (E E₁ E₂ β₁ γ : ℝ) (h₁ : E₁ = (1 - β₁) * E)
    (h₂ : E₂ = (1 - γ) * E₁) : E₂ = (1 - effectiveBeta β₁ γ) * E := by
  rw [h₂, h₁]
  unfold effectiveBeta
  ring

/-- The share `γ_r` of Frobenius energy held by the first `r` entries of a list of singular
values `σ` (sorted in decreasing order by the caller). -/
noncomputable def energyCaptured (σ : Fin d → ℝ) (r : ℕ) : ℝ :=
  (∑ i ∈ Finset.univ.filter (fun i : Fin d => i.val < r), σ i ^ 2) / ∑ i, σ i ^ 2

/-- The captured share is never negative. -/
theorem energyCaptured_nonneg (σ : Fin d → ℝ) (r : ℕ) : 0 ≤ energyCaptured σ r := by
  unfold energyCaptured
  exact div_nonneg (Finset.sum_nonneg fun i _ => sq_nonneg (σ i))
    (Finset.sum_nonneg fun i _ => sq_nonneg (σ i))

/-- The captured share is at most one. -/
theorem energyCaptured_le_one (σ : Fin d → ℝ) (r : ℕ) : energyCaptured σ r ≤ 1 := by
  sorry

/-- With the captured share of any singular-value list, the rank-`r` correction never lowers a
moment ratio that respects the Jensen floor. -/
theorem effective_beta_with_energy (β₁ : ℝ) (hβ : β₁ ≤ 1) (σ : Fin d → ℝ) (r : ℕ) :
    β₁ ≤ effectiveBeta β₁ (energyCaptured σ r) :=
  rank_r_correction_improves β₁ _ hβ (energyCaptured_nonneg σ r)

/-- Placeholder for the Eckart–Young theorem in Frobenius norm: the truncated SVD is the best
rank-`r` approximation, so it removes exactly the share `γ_r`. -/
theorem eckart_young_placeholder : True := by sorry

end NeuralGeometry
