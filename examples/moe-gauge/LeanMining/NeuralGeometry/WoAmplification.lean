import LeanMining.NeuralGeometry.JensenFloor

/-!
# Average amplification of the output projection

The output projection `W_o` of an attention block maps the head's `n` coordinates to the model
width `m`.  Its root-mean-square amplification of the standard basis vectors is its Frobenius
norm divided by `√n`.  This pins down, analytically, the average part of the `W_o` share in the
residual analysis of the paper (the share of the log-perplexity gap that the moment ratio does
not explain is split between the softmax and `W_o`).
-/

namespace NeuralGeometry

variable {m n : ℕ}

/-- The squared length `‖W eⱼ‖²` of the image of the `j`-th basis vector (column `j`). -/
noncomputable def colNormSq (W : Matrix (Fin m) (Fin n) ℝ) (j : Fin n) : ℝ := ∑ i, W i j ^ 2

/-- Root-mean-square amplification of the standard basis: `√((1/n) ∑ⱼ ‖W eⱼ‖²)`. -/
noncomputable def rmsAmplification (W : Matrix (Fin m) (Fin n) ℝ) : ℝ :=
  Real.sqrt ((∑ j, colNormSq W j) / n)

/-- The Frobenius norm `‖W‖_F = √(∑ᵢ ∑ⱼ Wᵢⱼ²)`. -/
noncomputable def frobNorm (W : Matrix (Fin m) (Fin n) ℝ) : ℝ :=
  Real.sqrt (∑ i, ∑ j, W i j ^ 2)

/-- Summing the squared column lengths gives the squared Frobenius norm (swap the two sums). -/
theorem sum_colNormSq (W : Matrix (Fin m) (Fin n) ℝ) :
    ∑ j, colNormSq W j = ∑ i, ∑ j, W i j ^ 2 := by
  unfold colNormSq
  exact Finset.sum_comm

/-- **Average amplification.** For every linear map `W : ℝⁿ → ℝᵐ`, the root-mean-square
amplification of the standard basis equals `‖W‖_F / √n`. -/
theorem avg_amplification_eq_frob_div_sqrt (W : Matrix (Fin m) (Fin n) ℝ) :
    rmsAmplification W = frobNorm W / Real.sqrt n := by
  unfold rmsAmplification frobNorm
  rw [sum_colNormSq, Real.sqrt_div' _ (Nat.cast_nonneg n)]

/-- Placeholder for the split of the residual log-perplexity gap between the softmax and `W_o`;
only the average `W_o` part (`avg_amplification_eq_frob_div_sqrt`) is stated so far. -/
theorem softmax_wo_split_placeholder : True := sorry

end NeuralGeometry
