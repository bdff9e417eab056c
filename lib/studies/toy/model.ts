/**
 * The tied toy ReLU autoencoder y = ReLU(WᵀW x + b) of Anthropic's "Toy Models
 * of Superposition" and of “Optimization Failure” ("Our Problem Set-Up"), as many independent
 * instances: the readable reference.
 *
 * One instance encodes x ∈ ℝⁿ to the latent point h = Wx ∈ ℝᵐ and decodes it
 * with the same matrix, y = ReLU(Wᵀh + b). Its loss is a weighted mean squared
 * error, the mean over its examples and features of importanceᵢ · (yᵢ − xᵢ)².
 * This file holds the parameters (layout, initialisation, conversions) and
 * the forward pass and loss in tfjs ({@link toyForwardTensors},
 * {@link toyLossTensors}), which autodiff differentiates. The fused float64
 * loop that training runs is in `kernel.ts`; a test holds the two equal.
 *
 * Parameters live in one flat float64 buffer, instance after instance:
 * `[W (m rows × n columns, row-major), b (n)]`, so W's column i (feature i's
 * latent vector Wᵢ) is `W[a*n + i]` for a = 0 … m−1.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { deriveSeed, Rng } from "../../core/random.ts";

/**
 * Shape and initialisation of the toy model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ToyModelConfig, TOY_MODEL_DEFAULTS } from "./model.ts";
 * const noBias: ToyModelConfig = { ...TOY_MODEL_DEFAULTS, n: 5, bias: false };
 * assert.equal(noBias.m, 2);
 * ```
 */
export interface ToyModelConfig {
  /** Input (feature) dimension. */
  n: number;
  /** Latent dimension. */
  m: number;
  /** Whether the model has a trainable bias b (false: y = ReLU(WᵀWx)). */
  bias: boolean;
  /** Initialisation of W: normal with std `initStd`, or Xavier-normal (std √(2/(m+n))). */
  init: "normal" | "xavier";
  /** Standard deviation of the normal initialisation. */
  initStd: number;
  /** Initial value of every bias entry. */
  biasInit: number;
}

/**
 * Defaults: n = 7 features in m = 2 latent dimensions, bias on, W ~ N(0, 0.1²), b = 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * assert.deepEqual([TOY_MODEL_DEFAULTS.n, TOY_MODEL_DEFAULTS.m], [7, 2]);
 * ```
 */
export const TOY_MODEL_DEFAULTS: ToyModelConfig = {
  n: 7,
  m: 2,
  bias: true,
  init: "normal",
  initStd: 0.1,
  biasInit: 0,
};

/**
 * Number of parameters of one instance: m·n for W, plus n for b.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toyParamCount } from "./model.ts";
 * assert.equal(toyParamCount({ n: 7, m: 2, bias: true }), 21);
 * assert.equal(toyParamCount({ n: 7, m: 2, bias: false }), 14);
 * ```
 */
export function toyParamCount(config: Pick<ToyModelConfig, "n" | "m" | "bias">): number {
  return config.m * config.n + (config.bias ? config.n : 0);
}

/**
 * The parameters of a set of instances, plain and serialisable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ToyParams } from "./model.ts";
 * // One instance of n = 2, m = 1: W = [1, 2], b = [0, −1].
 * const params: ToyParams = { instances: 1, n: 2, m: 1, bias: true, data: Float64Array.of(1, 2, 0, -1) };
 * assert.equal(params.data.length, params.instances * (params.m * params.n + params.n));
 * ```
 */
export interface ToyParams {
  /** Number of independent models. */
  instances: number;
  /** Input (feature) dimension. */
  n: number;
  /** Latent dimension. */
  m: number;
  /** Whether each instance carries a bias b after its W. */
  bias: boolean;
  /** `[instances, m·n + (bias ? n : 0)]`, see the module doc for the layout. */
  data: Float64Array;
}

/**
 * Throws a RangeError naming the first invalid field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_MODEL_DEFAULTS, validateToyModel } from "./model.ts";
 * validateToyModel(TOY_MODEL_DEFAULTS);
 * assert.throws(() => validateToyModel({ ...TOY_MODEL_DEFAULTS, m: 0 }), /m must be an integer >= 1/);
 * ```
 */
export function validateToyModel(config: ToyModelConfig): void {
  const { n, m, initStd } = config;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`n must be an integer >= 2, got ${n}`);
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`m must be an integer >= 1, got ${m}`);
  if (!(Number.isFinite(initStd) && initStd >= 0)) {
    throw new RangeError(`initStd must be a finite number >= 0, got ${initStd}`);
  }
  if (config.init !== "normal" && config.init !== "xavier") {
    throw new RangeError(`init must be normal|xavier, got ${config.init}`);
  }
  if (!Number.isFinite(config.biasInit)) {
    throw new RangeError(`biasInit must be a finite number, got ${config.biasInit}`);
  }
}

/**
 * Initialises one instance per seed. Instance i's weights depend only on
 * `seeds[i]`, never on the other instances.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initToy, TOY_MODEL_DEFAULTS } from "./model.ts";
 * const sweep = initToy(TOY_MODEL_DEFAULTS, { seeds: [3, 4] });
 * const alone = initToy(TOY_MODEL_DEFAULTS, { seeds: [4] });
 * assert.deepEqual(sweep.data.subarray(21), alone.data); // the same seed, the same weights
 * ```
 */
export function initToy(config: ToyModelConfig, options: { seeds: ArrayLike<number> }): ToyParams {
  validateToyModel(config);
  const { n, m, bias } = config;
  const instances = options.seeds.length;
  const p = toyParamCount(config);
  const data = new Float64Array(instances * p); // [instances, p]
  const std = config.init === "xavier" ? Math.sqrt(2 / (m + n)) : config.initStd;
  for (let i = 0; i < instances; i++) {
    const rng = new Rng(deriveSeed(options.seeds[i], "toy-init"));
    const off = i * p;
    for (let k = 0; k < m * n; k++) data[off + k] = std * rng.normal();
    if (bias) data.fill(config.biasInit, off + m * n, off + p);
  }
  return { instances, n, m, bias, data };
}

/**
 * W of instance i as `[m][n]` nested arrays (for analysis and display).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instanceW, toyParamsFrom } from "./model.ts";
 * const params = toyParamsFrom([[1, 2, 3], [4, 5, 6]], null);
 * assert.deepEqual(instanceW(params, 0), [[1, 2, 3], [4, 5, 6]]);
 * ```
 */
export function instanceW(params: ToyParams, i: number): number[][] {
  const p = toyParamCount(params);
  const off = i * p;
  return Array.from(
    { length: params.m },
    (_, a) => Array.from(params.data.subarray(off + a * params.n, off + (a + 1) * params.n)),
  );
}

/**
 * b of instance i (zeros when the model has no bias).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instanceB, toyParamsFrom } from "./model.ts";
 * assert.deepEqual(instanceB(toyParamsFrom([[1, 2]], [0.5, -1]), 0), [0.5, -1]);
 * assert.deepEqual(instanceB(toyParamsFrom([[1, 2]], null), 0), [0, 0]);
 * ```
 */
export function instanceB(params: ToyParams, i: number): number[] {
  if (!params.bias) return new Array(params.n).fill(0);
  const p = toyParamCount(params);
  const off = i * p + params.m * params.n;
  return Array.from(params.data.subarray(off, off + params.n));
}

/**
 * Builds parameters for one instance from W (`[m][n]`) and b (`[n]`, or null for no bias).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toyParamsFrom } from "./model.ts";
 * const params = toyParamsFrom([[1, 0], [0, 1]], [0, 0]);
 * assert.deepEqual([params.instances, params.n, params.m, params.bias], [1, 2, 2, true]);
 * assert.deepEqual(Array.from(params.data), [1, 0, 0, 1, 0, 0]);
 * ```
 */
export function toyParamsFrom(W: number[][], b: number[] | null): ToyParams {
  const m = W.length;
  const n = W[0].length;
  const bias = b !== null;
  const data = new Float64Array(toyParamCount({ n, m, bias })); // [1, p]
  W.forEach((row, a) => data.set(row, a * n));
  if (b) data.set(b, m * n);
  return { instances: 1, n, m, bias, data };
}

/**
 * Stacks single- or multi-instance parameter sets of the same shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concatToyParams, instanceW, toyParamsFrom } from "./model.ts";
 * const both = concatToyParams([toyParamsFrom([[1, 2]], null), toyParamsFrom([[3, 4]], null)]);
 * assert.equal(both.instances, 2);
 * assert.deepEqual(instanceW(both, 1), [[3, 4]]);
 * ```
 */
export function concatToyParams(parts: ToyParams[]): ToyParams {
  const [first] = parts;
  const instances = parts.reduce((s, q) => s + q.instances, 0);
  const data = new Float64Array(instances * toyParamCount(first)); // [instances, p]
  let off = 0;
  for (const q of parts) {
    if (q.n !== first.n || q.m !== first.m || q.bias !== first.bias) {
      throw new RangeError("concatToyParams needs parameter sets of one shape");
    }
    data.set(q.data, off);
    off += q.data.length;
  }
  return { instances, n: first.n, m: first.m, bias: first.bias, data };
}

/**
 * The forward pass of every instance at once: h = Wx, y = ReLU(Wᵀh + b).
 * `W` is `[instances, m, n]`, `b` is `[instances, n]` or null (no bias), `x`
 * is `[batch, n]` (one batch shared by every instance) or
 * `[instances, batch, n]`. Returns y, `[instances, batch, n]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { toyForwardTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const W = tf.tensor3d([[[1, 0, -1]]]); // one instance, m = 1, n = 3
 * const y = toyForwardTensors(tf, W, null, tf.eye(3)); // the three one-hot examples
 * assert.deepEqual(y.shape, [1, 3, 3]);
 * assert.deepEqual(Array.from(y.dataSync()), [1, 0, 0, 0, 0, 0, 0, 0, 1]); // ReLU(WᵀW)
 * ```
 */
export function toyForwardTensors(
  tf: typeof tfNs,
  W: tfNs.Tensor,
  b: tfNs.Tensor | null,
  x: tfNs.Tensor,
): tfNs.Tensor {
  const instances = W.shape[0];
  const x3 = x.rank === 2 ? tf.broadcastTo(x, [instances, x.shape[0], x.shape[1]!]) : x; // [instances, batch, n]
  const h = tf.matMul(x3, W, false, true); // [instances, batch, m]
  let pre = tf.matMul(h, W); // [instances, batch, n]
  if (b !== null) pre = pre.add(b.expandDims(1)); // b: [instances, 1, n], broadcast over the batch
  return tf.relu(pre);
}

/**
 * The loss of every instance, `[instances]`: importance-weighted squared
 * error, the mean over examples and features (shapes as in
 * {@link toyForwardTensors}; `importance` is `[n]`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { toyLossTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const W = tf.tensor3d([[[1, 0]], [[0, 0]]]); // two instances, m = 1, n = 2
 * const loss = toyLossTensors(tf, W, null, tf.eye(2), tf.ones([2]));
 * // Instance 0 reconstructs e₁ and misses e₂; instance 1 misses both: 1/4 and 2/4.
 * assert.deepEqual(Array.from(loss.dataSync()), [0.25, 0.5]);
 * ```
 */
export function toyLossTensors(
  tf: typeof tfNs,
  W: tfNs.Tensor,
  b: tfNs.Tensor | null,
  x: tfNs.Tensor,
  importance: tfNs.Tensor,
): tfNs.Tensor {
  const y = toyForwardTensors(tf, W, b, x); // [instances, batch, n]
  const err = y.sub(x).square().mul(importance); // [instances, batch, n]
  return err.mean([1, 2]);
}
