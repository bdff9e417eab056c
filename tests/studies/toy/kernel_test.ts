/**
 * The fused kernels (`kernel.ts`) against the reference model (`model.ts`):
 * the loss and gradient of tfjs autodiff, the identity-data specialisation
 * against the general kernel, and the hand-derived gradients of the tilted
 * Symmetric Failure state (“Optimization Failure”).
 */
import assert from "node:assert/strict";
import { identityBatch, sparseFeatureBatch, toDense } from "../../../lib/studies/toy/data.ts";
import { toyLossTensors, toyParamsFrom } from "../../../lib/studies/toy/model.ts";
import { toyLossGrad, toyLossGradIdentity, toyScratch } from "../../../lib/studies/toy/kernel.ts";
import { symmetricFailure } from "../../../lib/studies/toy/closed_forms.ts";
import { Rng } from "../../../lib/core/random.ts";
import { loadTf } from "../../../lib/core/tf.ts";
import type { Tensor } from "@tensorflow/tfjs";
import { fusedGrad, maxAbsDiff, randomState } from "./_kernel_helpers.ts";

Deno.test("toyLossGrad() matches tfjs autodiff on sparse data, with and without bias", async () => {
  const tf = await loadTf("cpu");
  const rng = new Rng(11);
  for (
    const [n, m, bias, decay] of [[7, 2, true, 1], [12, 3, true, 0.9], [5, 2, false, 0.8]] as const
  ) {
    const { W, b } = randomState(rng, n, m);
    const batch = sparseFeatureBatch(rng, { rows: 16, n, sparsity: 0.6 });
    const importance = Float64Array.from({ length: n }, (_, i) => decay ** i);
    const fused = fusedGrad(W, bias ? b : null, batch, importance);
    let lossT = NaN;
    let gW: ArrayLike<number> = [];
    let gb: ArrayLike<number> = [];
    tf.tidy(() => {
      const Wt = tf.tensor3d([W], [1, m, n], "float32");
      const bt = tf.tensor2d([b], [1, n], "float32");
      const x = tf.tensor2d(Float32Array.from(toDense(batch)), [batch.rows, n]);
      const imp = tf.tensor1d(Float32Array.from(importance));
      if (bias) {
        const f = (w: Tensor, bb: Tensor) => toyLossTensors(tf, w, bb, x, imp).sum();
        const g = tf.grads(f)([Wt, bt]);
        [lossT, gW, gb] = [f(Wt, bt).dataSync()[0], g[0].dataSync(), g[1].dataSync()];
      } else {
        const f = (w: Tensor) => toyLossTensors(tf, w, null, x, imp).sum();
        const g = tf.grads(f)([Wt]);
        [lossT, gW] = [f(Wt).dataSync()[0], g[0].dataSync()];
      }
    });
    assert.ok(Math.abs(fused.loss - lossT) < 1e-6, `loss ${fused.loss} vs ${lossT}`);
    assert.ok(maxAbsDiff(fused.grad.subarray(0, m * n), gW) < 1e-6, "gradient of W");
    if (bias) assert.ok(maxAbsDiff(fused.grad.subarray(m * n), gb) < 1e-6, "gradient of b");
  }
});

Deno.test("toyLossGradIdentity() equals toyLossGrad() on the identity dataset", () => {
  const rng = new Rng(5);
  for (const [n, m, bias] of [[7, 2, true], [9, 3, true], [6, 2, false]] as const) {
    const { W, b } = randomState(rng, n, m, 0.8);
    const params = toyParamsFrom(W, bias ? b : null);
    const importance = Float64Array.from({ length: n }, (_, i) => 0.95 ** i);
    const g1 = new Float64Array(params.data.length);
    const g2 = new Float64Array(params.data.length);
    const scratch = toyScratch(n, m);
    const l1 = toyLossGrad(params, params.data, 0, identityBatch(n), importance, g1, scratch);
    const l2 = toyLossGradIdentity(params, params.data, 0, importance, g2, scratch);
    assert.ok(Math.abs(l1 - l2) < 1e-14);
    assert.ok(maxAbsDiff(g1, g2) < 1e-14);
  }
});

/**
 * “Optimization Failure”, "When can the gradient favor more tilt": with per-example loss
 * ℓ(x) = ½‖y − x‖², in the tilted Symmetric Failure state (W₇ = a·Wₖ small,
 * the whole polygon positive in dimension 7):
 *   ∂ℓ(x₇)/∂W₇ = 2(‖W₇‖² + b₇ − 1)·W₇,
 *   Σⱼ ∂ℓ(xⱼ)/∂W₇ = Σⱼ (W₇ᵀWⱼ + b₇)·Wⱼ = W₇ · Σⱼ (Ŵ₇ᵀWⱼ)²  (regular polygon),
 * and ("Small asymmetry favoring tilt") ∂ℓ(xⱼ)/∂Wⱼ = (W₇ᵀWⱼ + b₇)·W₇ for j ≠ 7.
 * The lab's loss is the mean over n examples and n features of (y − x)², i.e.
 * (2/n²)·Σₓ ℓ(x), so its gradient is 2/n² times the write-up's sums.
 */
Deno.test("the write-up's hand-derived gradients of the tilted Symmetric Failure state hold", () => {
  const n = 7;
  for (const [a, k] of [[0.06, 5], [-0.04, 2], [0.02, 0]] as const) {
    const { W, b } = symmetricFailure(n);
    const last = n - 1;
    W[0][last] = a * W[0][k];
    W[1][last] = a * W[1][k];
    const w7 = [W[0][last], W[1][last]];
    const norm7 = Math.hypot(...w7);
    const unit = w7.map((v) => v / norm7);
    // Precondition of the derivation: dimension 7 is positive on every learnt example.
    for (let j = 0; j < last; j++) assert.ok(w7[0] * W[0][j] + w7[1] * W[1][j] + b[last] > 0);

    const { grad } = fusedGrad(W, b, identityBatch(n), new Float64Array(n).fill(1));
    const scale = 2 / n ** 2;
    let sumSq = 0;
    for (let j = 0; j < last; j++) sumSq += (unit[0] * W[0][j] + unit[1] * W[1][j]) ** 2;
    const coef = 2 * (norm7 ** 2 + b[last] - 1) + sumSq;
    for (let r = 0; r < 2; r++) {
      const expected = scale * coef * w7[r];
      const got = grad[r * n + last];
      assert.ok(Math.abs(got - expected) < 1e-12, `a=${a}: ∂L/∂W₇[${r}] ${got} vs ${expected}`);
    }
    // The untilting force: the gradient on W₇ points along +W₇ (descent shrinks it).
    assert.ok(coef > 0);
    for (let j = 0; j < last; j++) {
      const dot = w7[0] * W[0][j] + w7[1] * W[1][j] + b[last];
      for (let r = 0; r < 2; r++) {
        const expected = scale * dot * w7[r];
        const got = grad[r * n + j];
        assert.ok(Math.abs(got - expected) < 1e-12, `∂L/∂W${j + 1}[${r}] ${got} vs ${expected}`);
      }
    }
  }
});
