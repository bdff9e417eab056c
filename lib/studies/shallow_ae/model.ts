/**
 * The shallow autoencoder of Refinetti & Goldt (ICML 2022), as the research notes
 * writes it: the readable reference, in tfjs, that the fused kernel
 * (kernel.ts) is held equal to by a test.
 *
 *   λₖ = wₖ·x / √D (+ bₖ)        k = 1 … K hidden units
 *   x̂  = Σₖ vₖ g(λₖ) (+ c)
 *   ℓ  = ½‖x − x̂‖²
 *
 * with g one of linear, erf(·/√2), the logistic sigmoid or ReLU; tied
 * weights (vₖ = wₖ) or untied; and optional trainable biases: `encoder`
 * adds bₖ to each pre-activation, `both` also adds an output bias c ∈ ℝᴰ.
 * The 1/√D keeps λₖ of order one when the entries of wₖ are, whatever D.
 *
 * Here are the settings, the plain float64 parameters with their
 * initialisation, and the forward pass and loss on tensors. How the
 * parameters are trained (online SGD, encoder rate η/D) is in kernel.ts.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import type { Rng } from "../../core/random.ts";

/**
 * Activation functions g of the hidden layer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ACTIVATIONS } from "./model.ts";
 * assert.ok(ACTIVATIONS.includes("erf"));
 * ```
 */
export const ACTIVATIONS = ["linear", "erf", "sigmoid", "relu"] as const;
/**
 * One of {@link ACTIVATIONS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Activation } from "./model.ts";
 * const g: Activation = "relu";
 * assert.equal(g, "relu");
 * ```
 */
export type Activation = typeof ACTIVATIONS[number];

/**
 * Which biases are trained: none, the hidden units' (bₖ), or those and the output's (c).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BIAS_MODES } from "./model.ts";
 * assert.deepEqual([...BIAS_MODES], ["none", "encoder", "both"]);
 * ```
 */
export const BIAS_MODES = ["none", "encoder", "both"] as const;
/**
 * One of {@link BIAS_MODES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BiasMode } from "./model.ts";
 * const bias: BiasMode = "encoder";
 * assert.equal(bias, "encoder");
 * ```
 */
export type BiasMode = typeof BIAS_MODES[number];

/**
 * Weight sharing between encoder and decoder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WEIGHT_MODES } from "./model.ts";
 * assert.deepEqual([...WEIGHT_MODES], ["untied", "tied"]);
 * ```
 */
export const WEIGHT_MODES = ["untied", "tied"] as const;
/**
 * One of {@link WEIGHT_MODES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WeightMode } from "./model.ts";
 * const weights: WeightMode = "tied";
 * assert.equal(weights, "tied");
 * ```
 */
export type WeightMode = typeof WEIGHT_MODES[number];

/**
 * One architecture of the comparison.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settingLabel, type ShallowAeSetting } from "./model.ts";
 * const s: ShallowAeSetting = { activation: "erf", weights: "tied", bias: "none" };
 * assert.equal(settingLabel(s), "erf-tied-none");
 * ```
 */
export interface ShallowAeSetting {
  /** The hidden layer's g. */
  activation: Activation;
  /** Whether the decoder shares the encoder's weights. */
  weights: WeightMode;
  /** Which biases are trained. */
  bias: BiasMode;
}

/**
 * The label used in tables, figures and `--set show=...`: `activation-weights-bias`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settingLabel } from "./model.ts";
 * assert.equal(settingLabel({ activation: "relu", weights: "untied", bias: "both" }), "relu-untied-both");
 * ```
 */
export function settingLabel(s: ShallowAeSetting): string {
  return `${s.activation}-${s.weights}-${s.bias}`;
}

/**
 * Parses a {@link settingLabel} (undefined when it is not one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSetting } from "./model.ts";
 * assert.deepEqual(parseSetting("erf-tied-encoder"), { activation: "erf", weights: "tied", bias: "encoder" });
 * assert.equal(parseSetting("tanh-tied-none"), undefined);
 * ```
 */
export function parseSetting(label: string): ShallowAeSetting | undefined {
  const [activation, weights, bias, ...rest] = label.split("-");
  if (rest.length > 0) return undefined;
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) return undefined;
  if (!(WEIGHT_MODES as readonly string[]).includes(weights)) return undefined;
  if (!(BIAS_MODES as readonly string[]).includes(bias)) return undefined;
  return { activation, weights, bias } as ShallowAeSetting;
}

/**
 * One autoencoder's parameters in float64. With tied weights `v` is the same array as `w`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initShallowAe, type ShallowAeParams } from "./model.ts";
 * import { Rng } from "../../core/random.ts";
 * const p: ShallowAeParams = initShallowAe({ activation: "linear", weights: "untied", bias: "none" }, 4, 2, new Rng(0));
 * assert.equal(p.w.length, p.units * p.dim);
 * ```
 */
export interface ShallowAeParams {
  /** The architecture these parameters belong to. */
  setting: ShallowAeSetting;
  /** Input dimension D. */
  dim: number;
  /** Hidden units K. */
  units: number;
  /** Encoder rows wₖ. */
  w: Float64Array; // [K, D]
  /** Decoder columns vₖ (the array `w` itself when tied). */
  v: Float64Array; // [K, D]
  /** Hidden biases bₖ (all zero and never trained when bias is `none`). */
  b: Float64Array; // [K]
  /** Output bias c (zero and never trained unless bias is `both`). */
  c: Float64Array; // [D]
}

/**
 * Initial parameters: encoder entries N(0, initScale²) (so λₖ is of order
 * initScale at the start), decoder entries N(0, 1/D), biases zero. Draws w
 * first, then v, so instances of different settings that share a stream start
 * from the same encoder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initShallowAe } from "./model.ts";
 * import { Rng } from "../../core/random.ts";
 * const p = initShallowAe({ activation: "erf", weights: "tied", bias: "both" }, 5, 3, new Rng(1));
 * assert.equal(p.v, p.w); // tied: one array
 * assert.deepEqual([...p.b], [0, 0, 0]);
 * ```
 */
export function initShallowAe(
  setting: ShallowAeSetting,
  dim: number,
  units: number,
  rng: Rng,
  initScale = 1,
): ShallowAeParams {
  const w = rng.fillNormal(new Float64Array(units * dim), initScale); // [K, D]
  const decoder = rng.fillNormal(new Float64Array(units * dim), 1 / Math.sqrt(dim)); // [K, D]
  const v = setting.weights === "tied" ? w : decoder;
  return { setting, dim, units, w, v, b: new Float64Array(units), c: new Float64Array(dim) };
}

/** A deep copy (tied copies stay tied). */
export function cloneShallowAe(p: ShallowAeParams): ShallowAeParams {
  const w = p.w.slice();
  return {
    ...p,
    w,
    v: p.setting.weights === "tied" ? w : p.v.slice(),
    b: p.b.slice(),
    c: p.c.slice(),
  };
}

/**
 * One autoencoder's parameters as tfjs tensors (float32), for the reference
 * forward pass. Variables work too (tests differentiate through them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initShallowAe, loadTf, Rng, shallowAeTensors, type ShallowAeTensors } from "../../mod.ts";
 * const tf = await loadTf("cpu");
 * const setting = { activation: "relu", weights: "untied", bias: "none" } as const;
 * const model: ShallowAeTensors = shallowAeTensors(tf, initShallowAe(setting, 4, 2, new Rng(0)));
 * assert.deepEqual(model.v.shape, [2, 4]);
 * tf.dispose([model.w, model.v, model.b, model.c]);
 * ```
 */
export interface ShallowAeTensors {
  /** The architecture: which activation, whether tied, which biases count. */
  setting: ShallowAeSetting;
  /** Encoder rows wₖ. */
  w: tfNs.Tensor2D; // [K, D]
  /** Decoder columns vₖ (the tensor `w` itself when tied). */
  v: tfNs.Tensor2D; // [K, D]
  /** Hidden biases bₖ (ignored when bias is `none`). */
  b: tfNs.Tensor1D; // [K]
  /** Output bias c (ignored unless bias is `both`). */
  c: tfNs.Tensor1D; // [D]
}

/**
 * Copies float64 parameters into float32 tensors (tied: `v` is `w`). The
 * caller disposes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initShallowAe, loadTf, Rng, shallowAeTensors } from "../../mod.ts";
 * const tf = await loadTf("cpu");
 * const setting = { activation: "erf", weights: "tied", bias: "encoder" } as const;
 * const model = shallowAeTensors(tf, initShallowAe(setting, 6, 3, new Rng(2)));
 * assert.equal(model.v, model.w);
 * assert.deepEqual(model.b.shape, [3]);
 * tf.dispose([model.w, model.b, model.c]);
 * ```
 */
export function shallowAeTensors(tf: typeof tfNs, p: ShallowAeParams): ShallowAeTensors {
  const w = tf.tensor2d(Float32Array.from(p.w), [p.units, p.dim]);
  return {
    setting: p.setting,
    w,
    v: p.setting.weights === "tied" ? w : tf.tensor2d(Float32Array.from(p.v), [p.units, p.dim]),
    b: tf.tensor1d(Float32Array.from(p.b)),
    c: tf.tensor1d(Float32Array.from(p.c)),
  };
}

/** g applied elementwise. */
function activationTensors(tf: typeof tfNs, g: Activation, lambda: tfNs.Tensor2D): tfNs.Tensor2D {
  switch (g) {
    case "linear":
      return lambda;
    case "erf":
      return tf.erf(lambda.mul(Math.SQRT1_2));
    case "sigmoid":
      return tf.sigmoid(lambda);
    case "relu":
      return tf.relu(lambda);
  }
}

/**
 * The reconstructions x̂ = Σₖ vₖ g(wₖ·x/√D + bₖ) + c of a batch of rows `x`
 * `[batch, D]`, returned as `[batch, D]`. Biases enter only as the setting
 * says.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initShallowAe, loadTf, Rng, shallowAeForwardTensors, shallowAeTensors } from "../../mod.ts";
 * const tf = await loadTf("cpu");
 * const setting = { activation: "sigmoid", weights: "untied", bias: "both" } as const;
 * const model = shallowAeTensors(tf, initShallowAe(setting, 4, 2, new Rng(0)));
 * const x = tf.tensor2d([[1, 0, 0, 0], [0, 1, 0, 0], [0.5, -1, 2, 0]]); // [batch, D]
 * const xhat = shallowAeForwardTensors(tf, { model, x });
 * assert.deepEqual(xhat.shape, [3, 4]);
 * tf.dispose([model.w, model.v, model.b, model.c, x, xhat]);
 * ```
 */
export function shallowAeForwardTensors(
  tf: typeof tfNs,
  input: { model: ShallowAeTensors; x: tfNs.Tensor2D },
): tfNs.Tensor2D {
  const { model, x } = input;
  const { activation, bias } = model.setting;
  const dim = x.shape[1];
  let lambda = tf.matMul(x, model.w, false, true).mul(1 / Math.sqrt(dim)) as tfNs.Tensor2D; // [batch, K]
  if (bias !== "none") lambda = lambda.add(model.b); // [batch, K]
  const h = activationTensors(tf, activation, lambda); // [batch, K]
  let xhat: tfNs.Tensor2D = tf.matMul(h, model.v); // [batch, D]
  if (bias === "both") xhat = xhat.add(model.c); // [batch, D]
  return xhat;
}

/**
 * The loss ℓ = ½‖x − x̂‖² averaged over the rows of `x` `[batch, D]` (a
 * scalar; with one row it is that sample's loss, the one SGD steps on).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initShallowAe, loadTf, Rng, shallowAeLossTensors, shallowAeTensors } from "../../mod.ts";
 * const tf = await loadTf("cpu");
 * const setting = { activation: "linear", weights: "untied", bias: "none" } as const;
 * const p = initShallowAe(setting, 3, 1, new Rng(0));
 * p.v.fill(0); // x̂ = 0, so ℓ = ½‖x‖²
 * const model = shallowAeTensors(tf, p);
 * const x = tf.tensor2d([[1, 2, 2]]);
 * const loss = shallowAeLossTensors(tf, { model, x });
 * assert.ok(Math.abs(loss.dataSync()[0] - 4.5) < 1e-6);
 * tf.dispose([model.w, model.v, model.b, model.c, x, loss]);
 * ```
 */
export function shallowAeLossTensors(
  tf: typeof tfNs,
  input: { model: ShallowAeTensors; x: tfNs.Tensor2D },
): tfNs.Scalar {
  const xhat = shallowAeForwardTensors(tf, input); // [batch, D]
  const squared = tf.sub(input.x, xhat).square().sum(1); // [batch]: ‖x − x̂‖²
  return squared.mean().mul(0.5) as tfNs.Scalar;
}
