/**
 * The fused float64 path of the shallow autoencoder (model.ts): one sample's
 * forward pass, the hand-derived gradient of ℓ = ½‖x − x̂‖², and the online
 * SGD step the training loop (train.ts) runs for every instance, all on
 * plain arrays and reused scratch buffers. A test holds the loss and
 * gradient equal to tfjs autodiff of model.ts's reference.
 *
 * Backpropagating ℓ through x̂ = Σₖ vₖ g(λₖ) + c with e = x − x̂:
 *
 *   ∂ℓ/∂vₖ = −e g(λₖ)         ∂ℓ/∂c = −e
 *   ∂ℓ/∂λₖ = −(vₖ·e) g′(λₖ)   ∂ℓ/∂wₖ = ∂ℓ/∂λₖ · x/√D,  ∂ℓ/∂bₖ = ∂ℓ/∂λₖ
 *
 * and tied weights get the sum of both roles' gradients.
 *
 * The step (the research notes, after Refinetti & Goldt 2022) moves the decoder
 * weights v with rate η and the encoder weights w with rate η/D, the paper's
 * scaling (the encoder's gradient carries a 1/√D and acts through D
 * coordinates at once). Tied weights get the summed gradient at the
 * encoder's rate. Both biases also move with η/D: at rate η the output bias
 * c alone would jitter around the data's mean by about √(η/2) per
 * coordinate, an excess error of ≈ η/2 that has nothing to do with the
 * architecture. The error reported everywhere is the mean squared error per
 * coordinate, ‖x − x̂‖²/D, whose population value is the paper's pmse.
 *
 * @module
 */
import type { Activation, ShallowAeParams } from "./model.ts";

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

/** Reusable buffers for {@link shallowAeStep} and friends. */
export interface ShallowAeScratch {
  /** Pre-activations λₖ. */
  lambda: Float64Array; // [K]
  /** Hidden activities g(λₖ). */
  h: Float64Array; // [K]
  /** Slopes g′(λₖ). */
  slope: Float64Array; // [K]
  /** Residual e = x − x̂. */
  err: Float64Array; // [D]
  /** vₖ·e per unit. */
  ve: Float64Array; // [K]
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

/**
 * Gradients of ℓ = ½‖x − x̂‖² (tied: `w` holds the sum of both roles, `v` is empty).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ShallowAeGrads } from "./kernel.ts";
 * const grads: ShallowAeGrads = {
 *   w: new Float64Array(6),
 *   v: new Float64Array(0), // tied
 *   b: new Float64Array(2),
 *   c: new Float64Array(3),
 * };
 * assert.equal(grads.w.length, 2 * 3);
 * ```
 */
export interface ShallowAeGrads {
  /** ∂ℓ/∂w (tied: plus ∂ℓ/∂v). */
  w: Float64Array; // [K, D]
  /** ∂ℓ/∂v (length 0 when tied). */
  v: Float64Array; // [K, D]
  /** ∂ℓ/∂b (zero when bias is `none`). */
  b: Float64Array; // [K]
  /** ∂ℓ/∂c (zero unless bias is `both`). */
  c: Float64Array; // [D]
}

/**
 * ℓ = ½‖x − x̂‖² on one sample `x` `[D]` and its hand-derived gradient with
 * respect to every parameter, in float64, for tests and notebooks (training
 * uses the fused {@link shallowAeStep}, which applies the same gradient).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initShallowAe, Rng, shallowAeLossGrad } from "../../mod.ts";
 * const p = initShallowAe({ activation: "linear", weights: "untied", bias: "none" }, 3, 1, new Rng(0));
 * p.v.fill(0); // x̂ = 0: ℓ = ½‖x‖² and ∂ℓ/∂w = 0 (no signal reaches the encoder)
 * const { loss, grads } = shallowAeLossGrad(p, [1, 2, 2]);
 * assert.equal(loss, 4.5);
 * assert.ok(grads.w.every((g) => g === 0));
 * ```
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
