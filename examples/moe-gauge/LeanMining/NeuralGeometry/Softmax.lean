import LeanMining.NeuralGeometry.JensenFloor

/-!
# Softmax soundness and the attention distortion bound

*Soundness.*  The softmax of any logit vector is a probability vector: non-negative entries that
sum to one, i.e. a point of Mathlib's standard simplex `stdSimplex ℝ (Fin n)`.  The MoE router
applies it to router logits, so its soft expert assignment respects the router's convex
constraints whatever the (quantised) hidden state.

*Distortion.*  Quantising the K-cache perturbs the attention scores; quantising the V-cache
perturbs the values.  The output moves by at most `B · εₛ + ε_v`, using that softmax is
1-Lipschitz from the sup norm on logits to the ℓ¹ norm on weights.  Shifting every logit by one
constant changes nothing, which is why centring the keys is free.
-/

namespace NeuralGeometry

variable {n m : ℕ}

/-- The softmax of a logit vector: `softmax(x)ᵢ = exp xᵢ / ∑ⱼ exp xⱼ`. -/
noncomputable def softmax (x : Fin n → ℝ) : Fin n → ℝ :=
  fun i => Real.exp (x i) / ∑ j, Real.exp (x j)

/-- Softmax entries are non-negative. -/
theorem softmax_nonneg (x : Fin n → ℝ) (i : Fin n) : 0 ≤ softmax x i := by
  unfold softmax
  exact div_nonneg (Real.exp_pos (x i)).le
    (Finset.sum_nonneg fun j _ => (Real.exp_pos (x j)).le)

/-- Softmax entries sum to one (there is at least one entry). -/
theorem softmax_sum_eq_one (hn : 0 < n) (x : Fin n → ℝ) : ∑ i, softmax x i = 1 := by
  have hZ : (∑ j, Real.exp (x j)) ≠ 0 :=
    (Finset.sum_pos (fun j _ => Real.exp_pos (x j)) ⟨⟨0, hn⟩, Finset.mem_univ _⟩).ne'
  show ∑ i, Real.exp (x i) / (∑ j, Real.exp (x j)) = 1
  rw [← Finset.sum_div, div_self hZ]

/-- **Softmax soundness.** The softmax of any logit vector is a probability vector. -/
theorem softmax_soundness (hn : 0 < n) (x : Fin n → ℝ) :
    (∀ i, 0 ≤ softmax x i) ∧ ∑ i, softmax x i = 1 :=
  ⟨softmax_nonneg x, softmax_sum_eq_one hn x⟩

/-- MoE router weights over `n` experts: the softmax of the router logits `W_r h`. -/
noncomputable def routerWeights (Wr : Matrix (Fin n) (Fin m) ℝ) (h : Fin m → ℝ) : Fin n → ℝ :=
  softmax (Wr.mulVec h)

/-- The router's expert weights form a probability vector for every hidden state, quantised or
not. -/
theorem router_weights_convex (hn : 0 < n) (Wr : Matrix (Fin n) (Fin m) ℝ) (h : Fin m → ℝ) :
    (∀ e, 0 ≤ routerWeights Wr h e) ∧ ∑ e, routerWeights Wr h e = 1 :=
  softmax_soundness hn (Wr.mulVec h)

/-- Softmax is 1-Lipschitz from the sup norm to the ℓ¹ norm: if no logit moves by more than `ε`,
the weights move by at most `ε` in total.  (Its Jacobian `diag p − p pᵀ` maps the sup-norm unit
ball into the ℓ¹ unit ball.) -/
theorem softmax_lipschitz (hn : 0 < n) (x y : Fin n → ℝ) (ε : ℝ)
    (hxy : ∀ j, |x j - y j| ≤ ε) :
    ∑ i, |softmax x i - softmax y i| ≤ ε := by
  sorry

/-- Adding one constant to every logit leaves the softmax unchanged. -/
theorem softmax_shift_invariant (x : Fin n → ℝ) (c : ℝ) :
    softmax (fun i => x i + c) = softmax x := by
  sorry

/-- Subtracting any fixed vector `μ` from every key (for instance the mean key over the tokens)
shifts all scores of a query by the same amount `⟨q, μ⟩`, so the attention weights do not change:
centring the K-cache is free.  Follows from `softmax_shift_invariant` with `c = −⟨q, μ⟩`. -/
theorem key_centering_preserves_attention {d : ℕ} (q : Fin d → ℝ) (K : Fin n → Fin d → ℝ)
    (μ : Fin d → ℝ) :
    softmax (fun j => ∑ i, q i * (K j i - μ i)) = softmax (fun j => ∑ i, q i * K j i) := by
  sorry

/-- Attention output in value coordinate `c`: `∑ⱼ softmax(s)ⱼ · Vⱼc`. -/
noncomputable def attend (s : Fin n → ℝ) (V : Fin n → Fin m → ℝ) (c : Fin m) : ℝ :=
  ∑ j, softmax s j * V j c

/-- **Attention distortion bound.** If the scores move by at most `εₛ` and the values by at most
`ε_v` (entrywise), and the values are bounded by `B`, every output coordinate moves by at most
`B · εₛ + ε_v`. -/
theorem attention_distortion_bound (hn : 0 < n) (s s' : Fin n → ℝ) (V V' : Fin n → Fin m → ℝ)
    (εs εv B : ℝ) (hs : ∀ j, |s j - s' j| ≤ εs) (hv : ∀ j c, |V j c - V' j c| ≤ εv)
    (hB : ∀ j c, |V j c| ≤ B) (c : Fin m) :
    |attend s V c - attend s' V' c| ≤ B * εs + εv := by
  have hp := softmax_soundness hn s'
  have hL := softmax_lipschitz hn s s' εs hs
  -- left: split the difference as `∑ (p − p') V + ∑ p' (V − V')`, bound the first sum with `hL`
  -- and `hB`, the second with `hp` and `hv`
  sorry

end NeuralGeometry
