/**
 * Seed 003's equations, checked. The appendix (equations 10–18) differentiates
 * the model without activations with loss ½ΣΣ(y − x)²; Lemma 1 (equations 1–3)
 * says that a ReLU unit with a negative pre-activation passes no gradient to
 * its incoming weights, and that earlier layers still learn from the others.
 */
import assert from "node:assert/strict";
import type * as tfNs from "@tensorflow/tfjs";
import { appendixGradients } from "../lib/studies/step_ae/analysis.ts";
import { stepFunctions } from "../lib/studies/step_ae/data.ts";
import {
  type StepAeConfig,
  stepAeLayout,
  stepAeLossGrad,
  stepAeScratch,
} from "../lib/studies/step_ae/model.ts";
import { Rng } from "../lib/core/random.ts";
import { loadTf } from "../lib/core/tf.ts";
import { autodiff } from "./_step_ae_helpers.ts";

const linear: StepAeConfig = {
  n: 9,
  amplitude: 5,
  hiddenRelu: false,
  outputRelu: false,
  outputBias: false,
  initScale: 0,
};

function random(size: number, seed: number, scale = 0.5): Float64Array {
  return new Rng(seed).fillUniform(new Float64Array(size), -scale, scale);
}

/**
 * Gradient of ½ΣΣ(y − x)² = (N/2)·MSE, N = (n + 1)·n: tfjs autodiff (float32)
 * and the lab's float64 kernel, which must agree with each other first.
 */
async function halfSumGradient(config: StepAeConfig, params: Float64Array): Promise<Float64Array> {
  const tf = await loadTf("cpu");
  const grad = new Float64Array(params.length);
  stepAeLossGrad(config, params, 0, { scale: 1, shift: 0 }, grad, stepAeScratch(config.n));
  const N = (config.n + 1) * config.n;
  const ref = autodiff(tf, config, params, { scale: 1, shift: 0 }).grad;
  const scale = Math.max(...Array.from(ref, Math.abs));
  assert.ok(maxDiff(grad, ref) < 1e-5 * scale, "kernel and autodiff disagree");
  return Float64Array.from(ref, (g) => (g * N) / 2);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let k = 0; k < a.length; k++) d = Math.max(d, Math.abs(a[k] - b[k]));
  return d;
}

// Autodiff runs in float32: tolerances are relative to the largest entry.
const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  maxDiff(a, b) < 1e-4 * Math.max(1, ...Array.from(b, Math.abs));

Deno.test("appendix eq. 10–11 (∂/∂W₃) and 16–18 (∂/∂w₁) match tfjs autodiff", async () => {
  const L = stepAeLayout(linear);
  for (const seed of [1, 2, 3]) {
    const p = random(L.size, seed);
    const ref = await halfSumGradient(linear, p);
    const eq = appendixGradients(linear, p, { literal: true });
    assert.ok(close(eq.W3, ref.subarray(L.W3, L.W3 + 81)), "eq. 10–11");
    assert.ok(close(eq.w1, ref.subarray(L.w1, L.w1 + 9)), "eq. 17–18");
  }
});

Deno.test("appendix eq. 12–15 (∂/∂w₂, ∂/∂b₂) transpose W₃: they match autodiff only after the fix", async () => {
  const L = stepAeLayout(linear);
  const p = random(L.size, 7);
  const ref = await halfSumGradient(linear, p);
  const literal = appendixGradients(linear, p, { literal: true });
  const fixed = appendixGradients(linear, p, { literal: false });
  // As printed (W₃[r][j]) the formulas miss the true gradient…
  assert.ok(maxDiff(literal.w2, ref.subarray(L.w2, L.w2 + 9)) > 0.1);
  assert.ok(maxDiff(literal.b2, ref.subarray(L.b2, L.b2 + 9)) > 0.1);
  // …with W₃[j][r] (i.e. W₃ᵀ(y − x)) they are exact…
  assert.ok(close(fixed.w2, ref.subarray(L.w2, L.w2 + 9)));
  assert.ok(close(fixed.b2, ref.subarray(L.b2, L.b2 + 9)));
  // …and the two agree when W₃ happens to be symmetric.
  const sym = p.slice();
  for (let j = 0; j < 9; j++) {
    for (let k = 0; k < j; k++) sym[L.W3 + k * 9 + j] = sym[L.W3 + j * 9 + k];
  }
  const a = appendixGradients(linear, sym, { literal: true });
  const b = appendixGradients(linear, sym, { literal: false });
  assert.ok(maxDiff(a.w2, b.w2) < 1e-12 && maxDiff(a.b2, b.b2) < 1e-12);
});

Deno.test("Lemma 1 (eq. 1–3): inactive output rows get no gradient; earlier layers learn from the rest", async () => {
  const tf = await loadTf("cpu");
  const config: StepAeConfig = { ...linear, hiddenRelu: true, outputRelu: true };
  const n = config.n;
  const L = stepAeLayout(config);
  const p = random(L.size, 11, 0.7);
  const x = stepFunctions(n, config.amplitude);
  // One example at a time (the lemma is about one example's loss).
  for (const e of [0, 4, 8]) {
    const grads = (params: Float64Array) => {
      let out: Float32Array = new Float32Array(0);
      let pre: Float32Array = new Float32Array(0);
      tf.tidy(() => {
        const xe = tf.tensor2d(Float32Array.from(x.subarray(e * n, (e + 1) * n)), [1, n]);
        const q = tf.tensor1d(Float32Array.from(params));
        const f = (v: tfNs.Tensor) => {
          const z = tf.sum(xe.mul(v.slice(L.w1, n))).add(v.slice(L.b1, 1));
          const a = tf.relu(z.mul(v.slice(L.w2, n)).add(v.slice(L.b2, n)));
          const W3 = v.slice(L.W3, n * n).reshape([n, n]);
          const u = tf.matMul(W3, a.reshape([n, 1])).reshape([n]);
          pre = Float32Array.from(u.dataSync());
          return tf.relu(u).sub(xe.reshape([n])).square().sum().mul(0.5) as tfNs.Scalar;
        };
        out = Float32Array.from(tf.grad(f)(q).dataSync());
      });
      return { grad: out, pre };
    };
    const { grad, pre } = grads(p);
    const inactive = Array.from(pre.keys()).filter((j) => pre[j] < 0);
    assert.ok(inactive.length > 0 && inactive.length < n, `example ${e}: need a mix of signs`);
    for (const j of inactive) {
      for (let k = 0; k < n; k++) assert.equal(grad[L.W3 + j * n + k], 0, `W3 row ${j}`);
    }
    // Changing an inactive row (keeping it inactive) leaves every earlier gradient unchanged.
    const j = inactive[0];
    const q = p.slice();
    for (let k = 0; k < n; k++) q[L.W3 + j * n + k] *= 1.5;
    const again = grads(q);
    assert.ok(again.pre[j] < 0);
    for (let k = 0; k < L.W3; k++) assert.ok(Math.abs(again.grad[k] - grad[k]) < 1e-6);
  }
});
