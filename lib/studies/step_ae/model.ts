/**
 * The autoencoder of the step-function write-up ("Autoencoder study for piecewise constant
 * functions") for the n + 1 step functions of length n, written as the
 * readable reference: a tfjs forward pass and loss that a reader can follow
 * line by line and that the tests differentiate with autodiff.
 *
 *   encoder  z = w₁·x̃ + b₁                 (n → 1, no activation)
 *   decoder  a = ReLU(w₂ z + b₂)            (1 → n)
 *            y = ReLU(W₃ a [+ b₃])          (n → n)
 *
 * x̃ = s·x + c is what the encoder sees (s = 1, c = 0 by default; the
 * remedies rescale or centre it); the target is always x. Options drop either
 * activation (the write-up's appendix differentiates the model without them) and
 * add the output bias b₃. The loss is PyTorch's MSELoss: the mean of
 * (y − x)² over all (n + 1)·n entries.
 *
 * Parameters of one instance lie in one float64 row:
 * `[w₁ (n), b₁, w₂ (n), b₂ (n), W₃ (n × n, row-major: W₃[j][k] at j·n + k), b₃ (n, if on)]`.
 *
 * Training does not run this code: `kernel.ts` computes the same loss and its
 * gradient in float64 at O(n²) per epoch by using the structure of the data,
 * and a test holds the two equal.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { deriveSeed, Rng } from "../../core/random.ts";

/**
 * Architecture and initialisation of the step-function autoencoder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StepAeConfig } from "./model.ts";
 * const linear: StepAeConfig = {
 *   n: 9,
 *   amplitude: 5,
 *   hiddenRelu: false,
 *   outputRelu: false,
 *   outputBias: false,
 *   initScale: 0,
 * };
 * assert.equal(linear.hiddenRelu, false);
 * ```
 */
export interface StepAeConfig {
  /** Signal length (the data has n + 1 examples). */
  n: number;
  /** Step height A. */
  amplitude: number;
  /** ReLU on the decoder's hidden layer a (false: a = w₂z + b₂). */
  hiddenRelu: boolean;
  /** ReLU on the output y (false: y = W₃a [+ b₃]). */
  outputRelu: boolean;
  /** Whether the last layer has a bias b₃. */
  outputBias: boolean;
  /** Weights start uniform in [−initScale, initScale] (biases too, as PyTorch's Linear). */
  initScale: number;
}

/**
 * The write-up's defaults: n = 129, A = 5, ReLUs on, no output bias, init scale 0.01.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STEP_AE_DEFAULTS } from "./model.ts";
 * assert.equal(STEP_AE_DEFAULTS.n, 129);
 * assert.equal(STEP_AE_DEFAULTS.amplitude, 5);
 * ```
 */
export const STEP_AE_DEFAULTS: StepAeConfig = {
  n: 129,
  amplitude: 5,
  hiddenRelu: true,
  outputRelu: true,
  outputBias: false,
  initScale: 0.01,
};

/**
 * Offsets of each parameter block in an instance's row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type StepAeLayout, stepAeLayout } from "./model.ts";
 * const layout: StepAeLayout = stepAeLayout({ n: 3, outputBias: false });
 * assert.equal(layout.b3, -1);
 * ```
 */
export interface StepAeLayout {
  /** Encoder weights w₁, n entries. */
  w1: number;
  /** Encoder bias b₁, one entry. */
  b1: number;
  /** Hidden weights w₂, n entries. */
  w2: number;
  /** Hidden biases b₂, n entries. */
  b2: number;
  /** Output weights W₃, n × n entries, row-major (W₃[j][k] at W3 + j·n + k). */
  W3: number;
  /** Output biases b₃, n entries; -1 when there is no output bias. */
  b3: number;
  /** Length of the whole row. */
  size: number;
}

/**
 * Where each block sits in a parameter row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepAeLayout } from "./model.ts";
 * const L = stepAeLayout({ n: 4, outputBias: true });
 * assert.deepEqual([L.w1, L.b1, L.w2, L.b2, L.W3, L.b3], [0, 4, 5, 9, 13, 29]);
 * assert.equal(L.size, 33); // 3n + 1 + n² + n
 * ```
 */
export function stepAeLayout(config: Pick<StepAeConfig, "n" | "outputBias">): StepAeLayout {
  const n = config.n;
  const w1 = 0;
  const b1 = n;
  const w2 = n + 1;
  const b2 = 2 * n + 1;
  const W3 = 3 * n + 1;
  const b3 = config.outputBias ? W3 + n * n : -1;
  return { w1, b1, w2, b2, W3, b3, size: W3 + n * n + (config.outputBias ? n : 0) };
}

/**
 * Throws a RangeError naming the first invalid field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STEP_AE_DEFAULTS, validateStepAe } from "./model.ts";
 * assert.throws(() => validateStepAe({ ...STEP_AE_DEFAULTS, n: 1 }), /n must be an integer >= 2/);
 * ```
 */
export function validateStepAe(config: StepAeConfig): void {
  const { n, amplitude, initScale } = config;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`n must be an integer >= 2, got ${n}`);
  if (!(Number.isFinite(amplitude) && amplitude > 0)) {
    throw new RangeError(`amplitude must be a number > 0, got ${amplitude}`);
  }
  if (!(Number.isFinite(initScale) && initScale >= 0)) {
    throw new RangeError(`initScale must be a number >= 0, got ${initScale}`);
  }
}

/**
 * One instance's parameters drawn uniformly in [−initScale, initScale] from its seed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initStepAe, STEP_AE_DEFAULTS } from "./model.ts";
 * const params = initStepAe({ ...STEP_AE_DEFAULTS, n: 4 }, 0); // [3n + 1 + n²]
 * assert.equal(params.length, 29);
 * assert.ok(params.every((v) => Math.abs(v) <= 0.01));
 * ```
 */
export function initStepAe(config: StepAeConfig, seed: number): Float64Array {
  validateStepAe(config);
  const layout = stepAeLayout(config);
  const rng = new Rng(deriveSeed(seed, "step-ae-init"));
  const out = new Float64Array(layout.size);
  rng.fillUniform(out, -config.initScale, config.initScale);
  return out;
}

/**
 * How the encoder of one instance sees its input, and whether it is trained.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EncoderView } from "./model.ts";
 * const centred: EncoderView = { scale: 1, shift: -2.5 }; // x̃ = x − A/2 for A = 5
 * assert.equal(centred.fixedZ, undefined);
 * ```
 */
export interface EncoderView {
  /** x̃ = scale·x + shift: the factor. */
  scale: number;
  /** x̃ = scale·x + shift: the offset. */
  shift: number;
  /** A fixed latent code z_e per example, `[n + 1]` (the encoder is then not used or trained). */
  fixedZ?: Float64Array;
}

/**
 * tfjs forward pass of `instances` autoencoders on the dense data.
 * `p` holds the parameter rows `[instances, size]`; `xIn` is the encoder's
 * view of the data `[instances, n + 1, n]`; `fixedZ`, when not null, replaces
 * the encoder's codes `[instances, n + 1]`. Returns y, `[instances, n + 1, n]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { stepFunctions } from "./data.ts";
 * import { initStepAe, STEP_AE_DEFAULTS, stepAeForwardTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const config = { ...STEP_AE_DEFAULTS, n: 3, initScale: 0.5 };
 * const params = initStepAe(config, 1);
 * const y = tf.tidy(() => {
 *   const xIn = tf.tensor3d(Float32Array.from(stepFunctions(3, 5)), [1, 4, 3]); // [1, n + 1, n]
 *   const p = tf.tensor2d(Float32Array.from(params), [1, params.length]); // [1, size]
 *   return stepAeForwardTensors(tf, config, p, xIn, null);
 * });
 * assert.deepEqual(y.shape, [1, 4, 3]);
 * y.dispose();
 * ```
 */
export function stepAeForwardTensors(
  tf: typeof tfNs,
  config: StepAeConfig,
  p: tfNs.Tensor2D,
  xIn: tfNs.Tensor3D,
  fixedZ: tfNs.Tensor2D | null,
): tfNs.Tensor3D {
  const n = config.n;
  const L = stepAeLayout(config);
  const instances = p.shape[0];
  const take = (start: number, size: number) => tf.slice(p, [0, start], [instances, size]);
  const z = fixedZ
    ? fixedZ.expandDims(2) // [I, n+1, 1]
    : tf.matMul(xIn, take(L.w1, n).expandDims(2)).add(take(L.b1, 1).expandDims(1)); // [I, n+1, 1]
  let a = tf.mul(z, take(L.w2, n).expandDims(1)).add(take(L.b2, n).expandDims(1)); // [I, n+1, n]
  if (config.hiddenRelu) a = tf.relu(a);
  const W3 = take(L.W3, n * n).reshape([instances, n, n]); // [I, j, k]
  let y = tf.matMul(a, W3, false, true); // [I, n+1, n]
  if (L.b3 >= 0) y = y.add(take(L.b3, n).expandDims(1));
  if (config.outputRelu) y = tf.relu(y);
  return y as tfNs.Tensor3D;
}

/**
 * tfjs per-instance loss `[instances]`: mean over (n + 1)·n entries of (y − x)²,
 * with `x` the targets `[n + 1, n]` and the other arguments as in
 * {@link stepAeForwardTensors}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { stepFunctions } from "./data.ts";
 * import { STEP_AE_DEFAULTS, stepAeLayout, stepAeLossTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const config = { ...STEP_AE_DEFAULTS, n: 3 };
 * const size = stepAeLayout(config).size;
 * const loss = tf.tidy(() => {
 *   const x = tf.tensor2d(Float32Array.from(stepFunctions(3, 5)), [4, 3]); // [n + 1, n]
 *   const p = tf.zeros([1, size]) as typeof x; // all-zero weights: y = 0
 *   return stepAeLossTensors(tf, config, p, x, x.expandDims(0), null).dataSync()[0];
 * });
 * assert.ok(Math.abs(loss - 12.5) < 1e-6); // half the entries are A = 5: mean of 25 and 0
 * ```
 */
export function stepAeLossTensors(
  tf: typeof tfNs,
  config: StepAeConfig,
  p: tfNs.Tensor2D,
  x: tfNs.Tensor2D,
  xIn: tfNs.Tensor3D,
  fixedZ: tfNs.Tensor2D | null,
): tfNs.Tensor1D {
  const y = stepAeForwardTensors(tf, config, p, xIn, fixedZ);
  return y.sub(x.expandDims(0)).square().mean([1, 2]) as tfNs.Tensor1D;
}
