/**
 * The shallow autoencoder of Refinetti & Goldt (ICML 2022), as seed 002
 * writes it:
 *
 *   λₖ = wₖ·x / √D (+ bₖ)        k = 1 … K hidden units
 *   x̂  = Σₖ vₖ g(λₖ) (+ c)
 *
 * with g one of linear, erf(·/√2), the logistic sigmoid or ReLU; tied
 * weights (vₖ = wₖ) or untied; and optional trainable biases: `encoder`
 * adds bₖ to each pre-activation, `both` also adds an output bias c ∈ ℝᴰ.
 *
 * Training is online SGD on the per-sample loss ℓ = ½‖x − x̂‖², one fresh
 * sample per step. The decoder weights v move with rate η and the encoder
 * weights w with rate η/D, the paper's scaling (the encoder's gradient carries
 * a 1/√D and acts through D coordinates at once). Tied weights get the sum of
 * both gradients at the encoder's rate. Both biases also move with η/D: at
 * rate η the output bias c alone would jitter around the data's mean by
 * about √(η/2) per coordinate, an excess error of ≈ η/2 that has nothing to
 * do with the architecture. The error reported everywhere is the
 * mean squared error per coordinate, ‖x − x̂‖²/D, whose population value is
 * the paper's pmse.
 *
 * One instance's parameters live in plain float64 arrays; a sweep steps many
 * instances on the same sample (see train/shallow_ae_train.ts).
 *
 * @module
 */
import type { Rng } from "../../core/random.ts";

/** Activation functions g of the hidden layer. */
export const ACTIVATIONS = ["linear", "erf", "sigmoid", "relu"] as const;
/** One of {@link ACTIVATIONS}. */
export type Activation = typeof ACTIVATIONS[number];

/** Which biases are trained: none, the hidden units' (bₖ), or those and the output's (c). */
export const BIAS_MODES = ["none", "encoder", "both"] as const;
/** One of {@link BIAS_MODES}. */
export type BiasMode = typeof BIAS_MODES[number];

/** Weight sharing between encoder and decoder. */
export const WEIGHT_MODES = ["untied", "tied"] as const;
/** One of {@link WEIGHT_MODES}. */
export type WeightMode = typeof WEIGHT_MODES[number];

/** One architecture of the comparison. */
export interface ShallowAeSetting {
  activation: Activation;
  weights: WeightMode;
  bias: BiasMode;
}

/** The label used in tables, figures and `--set show=...`: `activation-weights-bias`. */
export function settingLabel(s: ShallowAeSetting): string {
  return `${s.activation}-${s.weights}-${s.bias}`;
}

/** Parses a {@link settingLabel} (undefined when it is not one). */
export function parseSetting(label: string): ShallowAeSetting | undefined {
  const [activation, weights, bias, ...rest] = label.split("-");
  if (rest.length > 0) return undefined;
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) return undefined;
  if (!(WEIGHT_MODES as readonly string[]).includes(weights)) return undefined;
  if (!(BIAS_MODES as readonly string[]).includes(bias)) return undefined;
  return { activation, weights, bias } as ShallowAeSetting;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * The error function, within a few ulp (1e-15 absolute). Uses the series
 * erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), whose terms are
 * all positive (no cancellation); beyond |x| = 6, erf is ±1 in float64.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return x > 0 ? 1 : -1;
  const x2 = a * a;
  let term = a;
  let sum = a;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  const y = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  return x < 0 ? -y : y;
}

const SQRT1_2 = Math.SQRT1_2;
const ERF_SLOPE = Math.sqrt(2 / Math.PI);

/** g(λ) for an activation. */
export function activate(activation: Activation, x: number): number {
  switch (activation) {
    case "linear":
      return x;
    case "erf":
      return erf(x * SQRT1_2);
    case "sigmoid":
      return 1 / (1 + Math.exp(-x));
    case "relu":
      return x > 0 ? x : 0;
  }
}

/** g′(λ) for an activation (ReLU′(0) = 0, as PyTorch). */
export function activateSlope(activation: Activation, x: number): number {
  switch (activation) {
    case "linear":
      return 1;
    case "erf":
      return ERF_SLOPE * Math.exp(-0.5 * x * x);
    case "sigmoid": {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 - s);
    }
    case "relu":
      return x > 0 ? 1 : 0;
  }
}

/** One autoencoder's parameters. With tied weights `v` is the same array as `w`. */
export interface ShallowAeParams {
  setting: ShallowAeSetting;
  dim: number;
  units: number;
  /** Encoder rows wₖ, `[K, D]` row-major. */
  w: Float64Array;
  /** Decoder columns vₖ, `[K, D]` row-major (the array `w` itself when tied). */
  v: Float64Array;
  /** Hidden biases bₖ (all zero and never trained when bias is `none`). */
  b: Float64Array;
  /** Output bias c (zero and never trained unless bias is `both`). */
  c: Float64Array;
}

/**
 * Initial parameters: encoder entries N(0, initScale²) (so λₖ is of order
 * initScale at the start), decoder entries N(0, 1/D), biases zero. Draws w
 * first, then v, so instances of different settings that share a stream start
 * from the same encoder.
 */
export function initShallowAe(
  setting: ShallowAeSetting,
  dim: number,
  units: number,
  rng: Rng,
  initScale = 1,
): ShallowAeParams {
  const w = rng.fillNormal(new Float64Array(units * dim), initScale);
  const decoder = rng.fillNormal(new Float64Array(units * dim), 1 / Math.sqrt(dim));
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

/** Reusable buffers for {@link shallowAeStep} and friends. */
export interface ShallowAeScratch {
  lambda: Float64Array;
  h: Float64Array;
  slope: Float64Array;
  err: Float64Array;
  /** vₖ·e per unit. */
  ve: Float64Array;
}

/** Buffers for a model of this size. */
export function shallowAeScratch(dim: number, units: number): ShallowAeScratch {
  return {
    lambda: new Float64Array(units),
    h: new Float64Array(units),
    slope: new Float64Array(units),
    err: new Float64Array(dim),
    ve: new Float64Array(units),
  };
}

/**
 * Forward pass on one sample `x` (at `offset` in its array): fills λ, g(λ),
 * g′(λ) and e = x − x̂ in `s`, and returns ‖e‖².
 */
export function shallowAeForward(
  p: ShallowAeParams,
  x: ArrayLike<number>,
  s: ShallowAeScratch,
  offset = 0,
): number {
  const { dim: D, units: K, w, v, b, c } = p;
  const act = p.setting.activation;
  const scale = 1 / Math.sqrt(D);
  const err = s.err;
  for (let i = 0; i < D; i++) err[i] = x[offset + i] - c[i];
  for (let k = 0; k < K; k++) {
    const o = k * D;
    let dot = 0;
    for (let i = 0; i < D; i++) dot += w[o + i] * x[offset + i];
    const lambda = dot * scale + b[k];
    s.lambda[k] = lambda;
    const h = activate(act, lambda);
    s.h[k] = h;
    s.slope[k] = activateSlope(act, lambda);
    if (h !== 0) { for (let i = 0; i < D; i++) err[i] -= v[o + i] * h; }
  }
  let sq = 0;
  for (let i = 0; i < D; i++) sq += err[i] * err[i];
  return sq;
}

/** Gradients of ℓ = ½‖x − x̂‖² (tied: `w` holds the sum of both roles, `v` is unused). */
export interface ShallowAeGrads {
  w: Float64Array;
  v: Float64Array;
  b: Float64Array;
  c: Float64Array;
}

/**
 * ℓ = ½‖x − x̂‖² and its gradient with respect to every parameter, for tests
 * and notebooks (training uses the fused {@link shallowAeStep}).
 */
export function shallowAeLossGrad(
  p: ShallowAeParams,
  x: ArrayLike<number>,
): { loss: number; grads: ShallowAeGrads } {
  const { dim: D, units: K } = p;
  const s = shallowAeScratch(D, K);
  const loss = 0.5 * shallowAeForward(p, x, s);
  const scale = 1 / Math.sqrt(D);
  const gw = new Float64Array(K * D);
  const gv = new Float64Array(K * D);
  const gb = new Float64Array(K);
  const gc = new Float64Array(D);
  const tied = p.setting.weights === "tied";
  for (let k = 0; k < K; k++) {
    const o = k * D;
    let ve = 0;
    for (let i = 0; i < D; i++) ve += p.v[o + i] * s.err[i];
    const dl = -ve * s.slope[k];
    for (let i = 0; i < D; i++) {
      gw[o + i] = dl * scale * x[i];
      gv[o + i] = -s.err[i] * s.h[k];
    }
    if (tied) { for (let i = 0; i < D; i++) gw[o + i] += gv[o + i]; }
    if (p.setting.bias !== "none") gb[k] = dl;
  }
  if (p.setting.bias === "both") { for (let i = 0; i < D; i++) gc[i] = -s.err[i]; }
  return { loss, grads: { w: gw, v: tied ? new Float64Array(0) : gv, b: gb, c: gc } };
}

/**
 * One online SGD step on sample `x` (at `offset`): decoder weights with rate
 * `lr`, encoder weights and both biases with `lr / D`. Returns the
 * sample's squared error per coordinate ‖x − x̂‖²/D before the step.
 */
export function shallowAeStep(
  p: ShallowAeParams,
  x: ArrayLike<number>,
  lr: number,
  s: ShallowAeScratch,
  offset = 0,
): number {
  const { dim: D, units: K, w, v, b, c } = p;
  const sq = shallowAeForward(p, x, s, offset);
  const err = s.err;
  const lrEnc = lr / D;
  const scale = 1 / Math.sqrt(D);
  const tied = p.setting.weights === "tied";
  const bias = p.setting.bias;
  // vₖ·e first: every unit's encoder gradient needs the decoder before its update.
  for (let k = 0; k < K; k++) {
    const o = k * D;
    let ve = 0;
    for (let i = 0; i < D; i++) ve += v[o + i] * err[i];
    s.ve[k] = ve;
  }
  for (let k = 0; k < K; k++) {
    const o = k * D;
    const back = s.ve[k] * s.slope[k]; // −∂ℓ/∂λₖ
    const gx = lrEnc * back * scale;
    const h = s.h[k];
    if (tied) {
      const ge = lrEnc * h;
      for (let i = 0; i < D; i++) w[o + i] += gx * x[offset + i] + ge * err[i];
    } else {
      if (gx !== 0) { for (let i = 0; i < D; i++) w[o + i] += gx * x[offset + i]; }
      const gd = lr * h;
      if (gd !== 0) { for (let i = 0; i < D; i++) v[o + i] += gd * err[i]; }
    }
    if (bias !== "none") b[k] += lrEnc * back;
  }
  if (bias === "both") { for (let i = 0; i < D; i++) c[i] += lrEnc * err[i]; }
  return sq / D;
}

/** Mean squared error per coordinate over rows `[count, D]` of `data`. */
export function shallowAeError(p: ShallowAeParams, data: ArrayLike<number>, count: number): number {
  const s = shallowAeScratch(p.dim, p.units);
  let total = 0;
  for (let r = 0; r < count; r++) total += shallowAeForward(p, data, s, r * p.dim);
  return total / (count * p.dim);
}
