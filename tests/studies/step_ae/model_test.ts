/**
 * The reference model (`model.ts`) against the step-function write-up's Lemma 1 (equations 1–3):
 * a ReLU unit with a negative pre-activation passes no gradient to its
 * incoming weights, and earlier layers still learn from the others.
 */
import assert from "node:assert/strict";
import type * as tfNs from "@tensorflow/tfjs";
import { stepFunctions } from "../../../lib/studies/step_ae/data.ts";
import { type StepAeConfig, stepAeLayout } from "../../../lib/studies/step_ae/model.ts";
import { loadTf } from "../../../lib/core/tf.ts";
import { linear, random } from "./_helpers.ts";

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
