/**
 * The fused kernel (`kernel.ts`) against the reference model (`model.ts`):
 * its loss and hand-derived gradient against tfjs autodiff of the reference
 * loss, and its reconstructions against the reference forward pass.
 */
import assert from "node:assert/strict";
import type * as tfNs from "@tensorflow/tfjs";
import {
  stepAeLossGrad,
  stepAeOutputs,
  stepAeScratch,
} from "../../../lib/studies/step_ae/kernel.ts";
import {
  type EncoderView,
  type StepAeConfig,
  stepAeForwardTensors,
  stepAeLayout,
} from "../../../lib/studies/step_ae/model.ts";
import { stepFunctions } from "../../../lib/studies/step_ae/data.ts";
import { Rng } from "../../../lib/core/random.ts";
import { loadTf } from "../../../lib/core/tf.ts";
import { autodiff } from "./_helpers.ts";

const base: StepAeConfig = {
  n: 11,
  amplitude: 5,
  hiddenRelu: true,
  outputRelu: true,
  outputBias: false,
  initScale: 0.3,
};

function randomParams(config: StepAeConfig, seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(stepAeLayout(config).size);
  return rng.fillUniform(out, -0.6, 0.6);
}

const cases: [Partial<StepAeConfig>, EncoderView][] = [
  [{}, { scale: 1, shift: 0 }],
  [{ outputBias: true }, { scale: 1, shift: 0 }],
  [{ hiddenRelu: false }, { scale: 1, shift: 0 }],
  [{ outputRelu: false }, { scale: 0.2, shift: -0.5 }],
  [{ hiddenRelu: false, outputRelu: false, outputBias: true }, { scale: 1, shift: 0 }],
  [{ n: 30, amplitude: 1 }, { scale: 1, shift: 0.1 }],
  [{}, { scale: 1, shift: 0, fixedZ: Float64Array.from({ length: 12 }, (_, e) => 1 - e / 11) }],
];

Deno.test("stepAeLossGrad() equals tfjs autodiff for every architecture option", async () => {
  const tf = await loadTf("cpu");
  for (const [k, [over, view]] of cases.entries()) {
    const config = { ...base, ...over };
    for (const seed of [1, 2, 3]) {
      const params = randomParams(config, 100 * k + seed);
      const grad = new Float64Array(params.length);
      const loss = stepAeLossGrad(config, params, 0, view, grad, stepAeScratch(config.n));
      const ref = autodiff(tf, config, params, view);
      const scale = Math.max(1e-3, ...Array.from(ref.grad, Math.abs));
      assert.ok(
        Math.abs(loss - ref.loss) < 1e-5 * Math.max(1, ref.loss),
        `case ${k}: loss ${loss} vs ${ref.loss}`,
      );
      let worst = 0;
      grad.forEach((g, i) => worst = Math.max(worst, Math.abs(g - ref.grad[i])));
      assert.ok(
        worst < 1e-4 * scale,
        `case ${k} seed ${seed}: gradient differs by ${worst} (scale ${scale})`,
      );
    }
  }
});

Deno.test("stepAeOutputs() reconstructs what stepAeForwardTensors() computes (float32 tolerance)", async () => {
  const tf = await loadTf("cpu");
  for (const [k, [over, view]] of cases.entries()) {
    const config = { ...base, ...over };
    const n = config.n;
    const params = randomParams(config, 100 * k + 1);
    const out = stepAeOutputs(config, params, view);
    const ref = tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(stepFunctions(n, config.amplitude)), [n + 1, n]);
      const xIn = x.mul(view.scale).add(view.shift).expandDims(0); // [1, n + 1, n]
      const p = tf.tensor2d(Float32Array.from(params), [1, params.length]); // [1, size]
      const fixed = view.fixedZ ? tf.tensor2d(Float32Array.from(view.fixedZ), [1, n + 1]) : null;
      return stepAeForwardTensors(tf, config, p, xIn as tfNs.Tensor3D, fixed).dataSync();
    });
    const scale = Math.max(1, ...Array.from(ref, Math.abs));
    let worst = 0;
    out.y.forEach((y, i) => worst = Math.max(worst, Math.abs(y - ref[i])));
    assert.ok(worst < 1e-5 * scale, `case ${k}: reconstructions differ by ${worst}`);
  }
});
