/**
 * The tied toy ReLU autoencoder y = ReLU(WᵀW x + b) of Anthropic's toy models
 * and of seed 001 ("Optimization Failure"), as many independent instances.
 *
 * Parameters live in one flat float64 buffer, instance after instance:
 * `[W (m rows × n columns, row-major), b (n)]`, so W's column i (feature i's
 * latent vector Wᵢ) is `W[a*n + i]` for a = 0 … m−1. Each instance's loss is
 * its own weighted MSE, the mean over its examples and features of
 * importanceᵢ · (yᵢ − xᵢ)².
 *
 * Two engines compute the same loss and gradient: tfjs ({@link toyLossTensors},
 * autodiff; the reference) and a fused float64 kernel ({@link toyLossGrad},
 * hand-derived gradient, one pass per instance; the fast path). Tests hold
 * them equal.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { deriveSeed, Rng } from "../../core/random.ts";
import type { CsrBatch } from "./data.ts";

/** Shape and initialisation of the toy model. */
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

/** Defaults: n = 7 features in m = 2 latent dimensions, bias on, W ~ N(0, 0.1²), b = 0. */
export const TOY_MODEL_DEFAULTS: ToyModelConfig = {
  n: 7,
  m: 2,
  bias: true,
  init: "normal",
  initStd: 0.1,
  biasInit: 0,
};

/** Number of parameters of one instance. */
export function toyParamCount(config: Pick<ToyModelConfig, "n" | "m" | "bias">): number {
  return config.m * config.n + (config.bias ? config.n : 0);
}

/** The parameters of a set of instances, plain and serialisable. */
export interface ToyParams {
  instances: number;
  n: number;
  m: number;
  bias: boolean;
  /** `[instances, m·n + (bias ? n : 0)]`, see the module doc for the layout. */
  data: Float64Array;
}

/** Throws a RangeError naming the first invalid field. */
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
 */
export function initToy(config: ToyModelConfig, options: { seeds: ArrayLike<number> }): ToyParams {
  validateToyModel(config);
  const { n, m, bias } = config;
  const instances = options.seeds.length;
  const p = toyParamCount(config);
  const data = new Float64Array(instances * p);
  const std = config.init === "xavier" ? Math.sqrt(2 / (m + n)) : config.initStd;
  for (let i = 0; i < instances; i++) {
    const rng = new Rng(deriveSeed(options.seeds[i], "toy-init"));
    const off = i * p;
    for (let k = 0; k < m * n; k++) data[off + k] = std * rng.normal();
    if (bias) data.fill(config.biasInit, off + m * n, off + p);
  }
  return { instances, n, m, bias, data };
}

/** W of instance i as `[m][n]` nested arrays (for analysis and display). */
export function instanceW(params: ToyParams, i: number): number[][] {
  const p = toyParamCount(params);
  const off = i * p;
  return Array.from(
    { length: params.m },
    (_, a) => Array.from(params.data.subarray(off + a * params.n, off + (a + 1) * params.n)),
  );
}

/** b of instance i (zeros when the model has no bias). */
export function instanceB(params: ToyParams, i: number): number[] {
  if (!params.bias) return new Array(params.n).fill(0);
  const p = toyParamCount(params);
  const off = i * p + params.m * params.n;
  return Array.from(params.data.subarray(off, off + params.n));
}

/** Builds parameters for one instance from W ([m][n]) and b ([n]). */
export function toyParamsFrom(W: number[][], b: number[] | null): ToyParams {
  const m = W.length;
  const n = W[0].length;
  const bias = b !== null;
  const data = new Float64Array(toyParamCount({ n, m, bias }));
  W.forEach((row, a) => data.set(row, a * n));
  if (b) data.set(b, m * n);
  return { instances: 1, n, m, bias, data };
}

/** Stacks single- or multi-instance parameter sets of the same shape. */
export function concatToyParams(parts: ToyParams[]): ToyParams {
  const [first] = parts;
  const instances = parts.reduce((s, q) => s + q.instances, 0);
  const data = new Float64Array(instances * toyParamCount(first));
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

/** Scratch buffers for {@link toyLossGrad}, sized for one model shape. */
export interface ToyScratch {
  h: Float64Array;
  g: Float64Array;
  x: Float64Array;
  /** Gram matrix WᵀW, `[n, n]` (identity-data kernel). */
  gram: Float64Array;
  /** ∂L/∂pre, `[feature, example]` (identity-data kernel). */
  dpre: Float64Array;
}

/** Allocates scratch space for {@link toyLossGrad}. */
export function toyScratch(n: number, m: number): ToyScratch {
  return {
    h: new Float64Array(m),
    g: new Float64Array(m),
    x: new Float64Array(n),
    gram: new Float64Array(n * n),
    dpre: new Float64Array(n * n),
  };
}

/**
 * Fused loss and gradient of one instance on one batch, in float64.
 *
 * With h = Wx, pre = Wᵀh + b, y = ReLU(pre) and
 * d = ∂L/∂pre = 2/(B·n) · importance ⊙ (y − x) ⊙ 1[pre > 0]:
 * ∂L/∂b = Σ d and ∂L/∂W = h dᵀ + (W d) xᵀ, summed over the batch.
 * The ReLU's derivative at exactly 0 is 0, as in PyTorch and tfjs.
 *
 * Reads parameters at `params[off ..]`, writes the gradient to `grad[off ..]`
 * (when `grad` is not null) and returns the loss.
 */
export function toyLossGrad(
  shape: { n: number; m: number; bias: boolean },
  params: Float64Array,
  off: number,
  batch: CsrBatch,
  importance: Float64Array,
  grad: Float64Array | null,
  scratch: ToyScratch,
): number {
  const { n, m, bias } = shape;
  const bOff = off + m * n;
  const { h, g, x } = scratch;
  const { start, idx, val, rows } = batch;
  if (grad) grad.fill(0, off, off + m * n + (bias ? n : 0));
  const scale = 2 / (rows * n);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const e0 = start[r];
    const e1 = start[r + 1];
    h.fill(0);
    for (let e = e0; e < e1; e++) {
      const j = idx[e];
      const v = val[e];
      x[j] = v;
      for (let a = 0; a < m; a++) h[a] += params[off + a * n + j] * v;
    }
    g.fill(0);
    for (let i = 0; i < n; i++) {
      let pre = bias ? params[bOff + i] : 0;
      for (let a = 0; a < m; a++) pre += params[off + a * n + i] * h[a];
      const res = (pre > 0 ? pre : 0) - x[i];
      loss += importance[i] * res * res;
      if (grad !== null && pre > 0) {
        const d = scale * importance[i] * res;
        if (bias) grad[bOff + i] += d;
        for (let a = 0; a < m; a++) {
          grad[off + a * n + i] += h[a] * d;
          g[a] += params[off + a * n + i] * d;
        }
      }
    }
    for (let e = e0; e < e1; e++) {
      const j = idx[e];
      x[j] = 0;
      if (grad !== null) {
        const v = val[e];
        for (let a = 0; a < m; a++) grad[off + a * n + j] += g[a] * v;
      }
    }
  }
  return loss / (rows * n);
}

/**
 * The part of the identity-data kernels after WᵀW is in `scratch.gram`:
 * residuals of pre = G + b against the targets, the loss (returned, already
 * divided by n²), ∂L/∂pre into `scratch.dpre` and ∂L/∂b into `grad`.
 */
function identityResiduals(
  n: number,
  bias: boolean,
  params: Float64Array,
  bOff: number,
  importance: Float64Array,
  grad: Float64Array | null,
  scratch: ToyScratch,
): number {
  const { gram, dpre } = scratch;
  const scale = 2 / (n * n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const bi = bias ? params[bOff + i] : 0;
    const wi = importance[i];
    let gb = 0;
    for (let k = 0; k < n; k++) {
      const pre = gram[i * n + k] + bi;
      if (pre > 0) {
        const res = i === k ? pre - 1 : pre;
        loss += wi * res * res;
        const d = scale * wi * res;
        dpre[i * n + k] = d;
        gb += d;
      } else {
        if (i === k) loss += wi;
        dpre[i * n + k] = 0;
      }
    }
    if (grad !== null && bias) grad[bOff + i] = gb;
  }
  return loss / (n * n);
}

/**
 * {@link toyLossGrad} specialised to the identity dataset (X = Iₙ), about
 * twice as fast. Example k is eₖ, so pre = G + b with G = WᵀW (symmetric);
 * with D[i][k] = ∂L/∂pre of feature i on example k, ∂L/∂b = D·1 and
 * ∂L/∂W = W (D + Dᵀ).
 */
export function toyLossGradIdentity(
  shape: { n: number; m: number; bias: boolean },
  params: Float64Array,
  off: number,
  importance: Float64Array,
  grad: Float64Array | null,
  scratch: ToyScratch,
): number {
  const { n, m, bias } = shape;
  if (m === 2) return identityPlanar(n, bias, params, off, importance, grad, scratch);
  const bOff = off + m * n;
  const { gram, dpre } = scratch;
  for (let i = 0; i < n; i++) {
    for (let k = i; k < n; k++) {
      let s = 0;
      for (let a = 0; a < m; a++) s += params[off + a * n + i] * params[off + a * n + k];
      gram[i * n + k] = s;
      gram[k * n + i] = s;
    }
  }
  const loss = identityResiduals(n, bias, params, bOff, importance, grad, scratch);
  if (grad !== null) {
    for (let j = 0; j < n; j++) {
      for (let a = 0; a < m; a++) {
        let s = 0;
        for (let i = 0; i < n; i++) {
          s += params[off + a * n + i] * (dpre[i * n + j] + dpre[j * n + i]);
        }
        grad[off + a * n + j] = s;
      }
    }
  }
  return loss;
}

/**
 * {@link toyLossGradIdentity} for m = 2 (the seed's latent plane), with the two
 * rows of W held in locals; same arithmetic, about a third faster.
 */
function identityPlanar(
  n: number,
  bias: boolean,
  params: Float64Array,
  off: number,
  importance: Float64Array,
  grad: Float64Array | null,
  scratch: ToyScratch,
): number {
  const y0 = off;
  const y1 = off + n;
  const bOff = off + 2 * n;
  const { gram, dpre } = scratch;
  for (let i = 0; i < n; i++) {
    const u = params[y0 + i];
    const v = params[y1 + i];
    for (let k = i; k < n; k++) {
      const s = u * params[y0 + k] + v * params[y1 + k];
      gram[i * n + k] = s;
      gram[k * n + i] = s;
    }
  }
  const loss = identityResiduals(n, bias, params, bOff, importance, grad, scratch);
  if (grad !== null) {
    for (let j = 0; j < n; j++) {
      let s0 = 0;
      let s1 = 0;
      for (let i = 0; i < n; i++) {
        const c = dpre[i * n + j] + dpre[j * n + i];
        s0 += params[y0 + i] * c;
        s1 += params[y1 + i] * c;
      }
      grad[y0 + j] = s0;
      grad[y1 + j] = s1;
    }
  }
  return loss;
}

/** Loss of every instance on one shared batch (float64, no gradient). */
export function toyLosses(
  params: ToyParams,
  batch: CsrBatch,
  importance?: Float64Array,
): Float64Array {
  const imp = importance ?? new Float64Array(params.n).fill(1);
  const p = toyParamCount(params);
  const scratch = toyScratch(params.n, params.m);
  const out = new Float64Array(params.instances);
  for (let i = 0; i < params.instances; i++) {
    out[i] = toyLossGrad(params, params.data, i * p, batch, imp, null, scratch);
  }
  return out;
}

/**
 * tfjs forward pass. `W` is `[instances, m, n]`, `b` is `[instances, n]` or
 * null, `x` is `[batch, n]` (shared) or `[instances, batch, n]`. Returns y,
 * `[instances, batch, n]`.
 */
export function toyForwardTensors(
  tf: typeof tfNs,
  W: tfNs.Tensor,
  b: tfNs.Tensor | null,
  x: tfNs.Tensor,
): tfNs.Tensor {
  const instances = W.shape[0];
  const x3 = x.rank === 2 ? tf.broadcastTo(x, [instances, x.shape[0], x.shape[1]!]) : x;
  const h = tf.matMul(x3, W, false, true); // [instances, batch, m]
  let pre = tf.matMul(h, W); // [instances, batch, n]
  if (b !== null) pre = pre.add(b.expandDims(1));
  return tf.relu(pre);
}

/** tfjs per-instance loss `[instances]`: weighted MSE over examples and features. */
export function toyLossTensors(
  tf: typeof tfNs,
  W: tfNs.Tensor,
  b: tfNs.Tensor | null,
  x: tfNs.Tensor,
  importance: tfNs.Tensor,
): tfNs.Tensor {
  const y = toyForwardTensors(tf, W, b, x);
  const err = y.sub(x).square().mul(importance); // [instances, batch, n]
  return err.mean([1, 2]);
}
