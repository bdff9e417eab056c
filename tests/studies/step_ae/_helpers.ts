/** Shared by the step-autoencoder tests: tfjs autodiff of the reference model (`model.ts`). */
import type * as tfNs from "@tensorflow/tfjs";
import { stepFunctions } from "../../../lib/studies/step_ae/data.ts";
import { Rng } from "../../../lib/core/random.ts";
import {
  type EncoderView,
  type StepAeConfig,
  stepAeLossTensors,
} from "../../../lib/studies/step_ae/model.ts";

/** Loss and gradient of one instance by tfjs autodiff (float32). */
export function autodiff(
  tf: typeof tfNs,
  config: StepAeConfig,
  params: Float64Array,
  view: EncoderView,
): { loss: number; grad: Float32Array } {
  const n = config.n;
  let loss = NaN;
  let grad = new Float32Array(0);
  tf.tidy(() => {
    const x = tf.tensor2d(Float32Array.from(stepFunctions(n, config.amplitude)), [n + 1, n]);
    const xIn = x.mul(view.scale).add(view.shift).expandDims(0) as tfNs.Tensor3D;
    const fixed = view.fixedZ ? tf.tensor2d(Float32Array.from(view.fixedZ), [1, n + 1]) : null;
    const p = tf.tensor2d(Float32Array.from(params), [1, params.length]);
    const f = (q: tfNs.Tensor) =>
      stepAeLossTensors(tf, config, q as tfNs.Tensor2D, x, xIn, fixed).sum();
    const { value, grads } = tf.valueAndGrads(f)([p]);
    loss = value.dataSync()[0];
    grad = Float32Array.from(grads[0].dataSync());
  });
  return { loss, grad };
}

/** The write-up's autoencoder with every nonlinearity off (a linear map), n = 9. */
export const linear: StepAeConfig = {
  n: 9,
  amplitude: 5,
  hiddenRelu: false,
  outputRelu: false,
  outputBias: false,
  initScale: 0,
};

/** `size` seeded uniform values in [−scale, scale). */
export function random(size: number, seed: number, scale = 0.5): Float64Array {
  return new Rng(seed).fillUniform(new Float64Array(size), -scale, scale);
}
