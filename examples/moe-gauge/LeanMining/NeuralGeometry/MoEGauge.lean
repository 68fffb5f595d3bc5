import LeanMining.NeuralGeometry.JensenFloor

/-!
# Gauge invariance of attention and the MoE layer gauge

*Gauge invariance.*  Rotating the query and key projections of a head by the same orthogonal
matrix `R` leaves every attention score unchanged, so `R` is a free parameter of the head: a
learned rotation can be absorbed into `W_K` (and `W_Q`) after training at no deployment cost.

*Layer gauge.*  A layer's gauge averages its heads' statistics after the clamp `max(0, ·)`:
`G = (1/H) ∑ₕ max(0, μₕ)`.  The clamp needs its own case split (non-negative inputs pass,
non-positive inputs are cut to zero) before monotonicity of the average goes through.

*Allocator.*  The horizontal-slice allocator turns a head's dimension and phase-collapse angle
into a bit budget (1, 2 or 3 bits).
-/

namespace NeuralGeometry

variable {d m : ℕ}

/-! ## Attention heads and gauge invariance -/

/-- The query and key projections `W_Q, W_K : ℝ^m → ℝ^d` of one attention head. -/
structure AttentionHead (d m : ℕ) where
  /-- The query projection `W_Q`. -/
  WQ : Matrix (Fin d) (Fin m) ℝ
  /-- The key projection `W_K`. -/
  WK : Matrix (Fin d) (Fin m) ℝ

/-- The head with both projections zero, making `AttentionHead d m` inhabited. -/
noncomputable instance instInhabitedAttentionHead : Inhabited (AttentionHead d m) :=
  ⟨⟨0, 0⟩⟩

namespace AttentionHead

/-- The raw attention score `⟨W_Q x, W_K y⟩` between a query token `x` and a key token `y`
(before the `1/√d` scaling and the softmax). -/
noncomputable def score (H : AttentionHead d m) (x y : Fin m → ℝ) : ℝ :=
  ∑ i, (H.WQ.mulVec x) i * (H.WK.mulVec y) i

/-- The head after a change of gauge: both projections are rotated by `R`. -/
noncomputable def rotate (H : AttentionHead d m) (R : Matrix (Fin d) (Fin d) ℝ) :
    AttentionHead d m :=
  ⟨R * H.WQ, R * H.WK⟩

end AttentionHead

/-- An orthogonal matrix preserves the inner product: `⟨Rq, Rk⟩ = ⟨q, k⟩` when `Rᵀ R = 1`. -/
theorem inner_orthogonal_invariant (R : Matrix (Fin d) (Fin d) ℝ)
    (hR : R.transpose * R = 1) (q k : Fin d → ℝ) :
    ∑ i, (R.mulVec q) i * (R.mulVec k) i = ∑ i, q i * k i := by
  sorry

/-- **Gauge invariance of attention scores.** Rotating a head's query and key projections by
the same orthogonal `R` leaves every attention score exactly unchanged. -/
theorem attention_score_gauge_invariance (H : AttentionHead d m)
    (R : Matrix (Fin d) (Fin d) ℝ) (hR : R.transpose * R = 1) (x y : Fin m → ℝ) :
    (H.rotate R).score x y = H.score x y := by
  simp only [AttentionHead.score, AttentionHead.rotate]
  rw [← Matrix.mulVec_mulVec, ← Matrix.mulVec_mulVec]
  exact inner_orthogonal_invariant R hR _ _

/-! ## The clamp and the layer gauge -/

/-- The clamp `max(0, ·)` applied to each head's statistic. -/
noncomputable def clamp0 (x : ℝ) : ℝ := max 0 x

/-- The clamp passes non-negative inputs through. -/
theorem clamp0_of_nonneg {x : ℝ} (hx : 0 ≤ x) : clamp0 x = x :=
  max_eq_right hx

/-- The clamp sends non-positive inputs to zero. -/
theorem clamp0_of_nonpos {x : ℝ} (hx : x ≤ 0) : clamp0 x = 0 :=
  max_eq_left hx

/-- The clamp is monotone. -/
theorem clamp0_mono {x y : ℝ} (hxy : x ≤ y) : clamp0 x ≤ clamp0 y :=
  max_le_max le_rfl hxy

/-- The layer gauge `G = (1/H) ∑ₕ max(0, μₕ)` of per-head statistics `μ : Fin H → ℝ`. -/
noncomputable def moeGauge {H : ℕ} (μ : Fin H → ℝ) : ℝ :=
  (H : ℝ)⁻¹ * ∑ j, clamp0 (μ j)

/-- **Gauge monotonicity.** Raising any head's statistic never lowers the layer gauge. -/
theorem moe_gauge_monotone {H : ℕ} {μ ν : Fin H → ℝ} (hle : ∀ j, μ j ≤ ν j) :
    moeGauge μ ≤ moeGauge ν := by
  unfold moeGauge
  exact mul_le_mul_of_nonneg_left (Finset.sum_le_sum fun j _ => clamp0_mono (hle j))
    (inv_nonneg.mpr (Nat.cast_nonneg H))

/-- The gauge of a layer whose statistics are its heads' key moment ratios never exceeds the
gauge of a layer whose keys all lie on the sign lattice (every `β = 1`).  Rests on the Jensen
floor. -/
theorem moe_gauge_beta_le_lattice {H : ℕ} (K : Fin H → Fin d → ℝ) :
    moeGauge (fun j => betaVec (K j)) ≤ moeGauge (fun _ : Fin H => (1 : ℝ)) :=
  moe_gauge_monotone fun j => jensen_floor (K j)

/-! ## The horizontal-slice allocator -/

/-- Bits per coordinate from a head's dimension and its phase-collapse angle in degrees:
1 bit for a pressure-release head (dimension at least 512 and angle at most 40°), 2 bits up to
44° (ballroom), 3 bits beyond (fragmented).  Purely geometric: no perplexity feedback. -/
noncomputable def allocatorBits (dimension : ℕ) (angleDeg : ℝ) : ℕ :=
  if 512 ≤ dimension ∧ angleDeg ≤ 40 then 1 else if angleDeg ≤ 44 then 2 else 3

/-- The allocator always assigns between one and three bits. -/
theorem allocatorBits_mem (dimension : ℕ) (angleDeg : ℝ) :
    1 ≤ allocatorBits dimension angleDeg ∧ allocatorBits dimension angleDeg ≤ 3 := by
  unfold allocatorBits
  split_ifs <;> norm_num

/-- A wider phase-collapse angle never earns fewer bits. -/
theorem allocatorBits_monotone (dimension : ℕ) {θ₁ θ₂ : ℝ} (hθ : θ₁ ≤ θ₂) :
    allocatorBits dimension θ₁ ≤ allocatorBits dimension θ₂ := by
  sorry

end NeuralGeometry
