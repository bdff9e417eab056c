/**
 * The fused float64 kernels of the toy autoencoder y = ReLU(WᵀW x + b): loss
 * and hand-derived gradient of one instance in one pass over its batch, with
 * no tensors and no allocation in the hot loop. This is what the fused
 * training loop (`_train_fused.ts`) and the analyses call; the readable
 * reference is `model.ts` (`toyLossTensors` under autodiff), and the
 * kernel tests hold the two equal.
 *
 * Parameters are read from the flat layout of `model.ts`: one instance is
 * `[W (m × n, row-major), b (n)]` starting at an offset into a buffer of many
 * instances, so W's column i is `params[off + a*n + i]` for a = 0 … m−1.
 *
 * The gradient of “Optimization Failure”'s loss ("Our Problem Set-Up"), by the chain rule:
 * with h = Wx, pre = Wᵀh + b, y = ReLU(pre) and d = ∂L/∂pre = 2/(B·n) ·
 * importance ⊙ (y − x) ⊙ 1[pre > 0] for a batch of B examples,
 *   ∂L/∂b = Σ d   and   ∂L/∂W = h dᵀ + (W d) xᵀ,
 * summed over the batch. The ReLU's derivative at exactly 0 is 0, as in
 * PyTorch and tfjs.
 *
 * @module
 */
import { toyParamCount, type ToyParams } from "./model.ts";
import type { CsrBatch } from "./data.ts";

/**
 * Scratch buffers for {@link toyLossGrad} and {@link toyLossGradIdentity},
 * sized for one model shape (see {@link toyScratch}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ToyScratch, toyScratch } from "./kernel.ts";
 * const scratch: ToyScratch = toyScratch(7, 2);
 * assert.equal(scratch.gram.length, 49);
 * ```
 */
export interface ToyScratch {
  /** The latent point h = Wx of the current example, `[m]`. */
  h: Float64Array;
  /** W d of the current example, `[m]` (d = ∂L/∂pre). */
  g: Float64Array;
  /** The current example, dense, `[n]` (all zeros between examples). */
  x: Float64Array;
  /** Gram matrix WᵀW, `[n, n]` (identity-data kernel). */
  gram: Float64Array;
  /** ∂L/∂pre, `[feature, example]` = `[n, n]` (identity-data kernel). */
  dpre: Float64Array;
}

/**
 * Allocates scratch space for the kernels, for n features in m latent dimensions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toyScratch } from "./kernel.ts";
 * const scratch = toyScratch(5, 2);
 * assert.deepEqual([scratch.h.length, scratch.x.length, scratch.dpre.length], [2, 5, 25]);
 * ```
 */
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
 * Fused loss and gradient of one instance on one batch, in float64 (the
 * formulas are in the module doc).
 *
 * Reads parameters at `params[off ..]`, writes the gradient to `grad[off ..]`
 * (when `grad` is not null) and returns the loss.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identityBatch } from "./data.ts";
 * import { toyParamsFrom } from "./model.ts";
 * import { toyLossGrad, toyScratch } from "./kernel.ts";
 * // W = [1, 0]: feature 1 is reconstructed, feature 2 outputs 0 on its own example.
 * const params = toyParamsFrom([[1, 0]], [0, 0]);
 * const grad = new Float64Array(params.data.length);
 * const importance = new Float64Array(2).fill(1);
 * const loss = toyLossGrad(params, params.data, 0, identityBatch(2), importance, grad, toyScratch(2, 1));
 * assert.equal(loss, 0.25); // one miss of 1 over 2 × 2 entries
 * assert.deepEqual(Array.from(grad), [0, 0, 0, 0]); // a dead ReLU passes no gradient
 * ```
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
    // h = W x over the example's non-zero entries only.
    h.fill(0);
    for (let e = e0; e < e1; e++) {
      const j = idx[e];
      const v = val[e];
      x[j] = v;
      for (let a = 0; a < m; a++) h[a] += params[off + a * n + j] * v;
    }
    // Decode feature by feature; where pre > 0, accumulate ∂L/∂b, the h dᵀ part of ∂L/∂W and g = W d.
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
    // The (W d) xᵀ part, again over the non-zero entries; x is cleared for the next example.
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
  const { gram, dpre } = scratch; // [n, n] each
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { regularPolygon } from "./closed_forms.ts";
 * import { toyParamsFrom } from "./model.ts";
 * import { toyLossGradIdentity, toyScratch } from "./kernel.ts";
 * // The regular pentagon reconstructs the five one-hot examples exactly.
 * const { W, b } = regularPolygon(5);
 * const params = toyParamsFrom(W, b);
 * const importance = new Float64Array(5).fill(1);
 * const loss = toyLossGradIdentity(params, params.data, 0, importance, null, toyScratch(5, 2));
 * assert.ok(loss < 1e-24);
 * ```
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
  const { gram, dpre } = scratch; // [n, n] each
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
 * {@link toyLossGradIdentity} for m = 2 (the write-up's latent plane), in
 * one pass over the n × n entries: each Gram entry is formed where its
 * residual needs it (twice for a symmetric pair, u·u′ + v·v′ either way
 * round, so the same number) and kept in `scratch.gram` for resampling.
 * The sums run in the same order as the generic path, so the numbers are
 * the same; it is about a third faster.
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
  const y0 = off; // row 0 of W, [n]
  const y1 = off + n; // row 1 of W, [n]
  const bOff = off + 2 * n;
  const { gram, dpre } = scratch; // [n, n] each
  const scale = 2 / (n * n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const u = params[y0 + i];
    const v = params[y1 + i];
    const bi = bias ? params[bOff + i] : 0;
    const wi = importance[i];
    let gb = 0;
    for (let k = 0; k < n; k++) {
      const s = u * params[y0 + k] + v * params[y1 + k];
      gram[i * n + k] = s;
      const pre = s + bi;
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
  return loss / (n * n);
}

/**
 * Loss of every instance on one shared batch (float64, no gradient);
 * `importance` defaults to 1 for every feature.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identityBatch } from "./data.ts";
 * import { concatToyParams, toyParamsFrom } from "./model.ts";
 * import { toyLosses } from "./kernel.ts";
 * const params = concatToyParams([toyParamsFrom([[1, 0]], null), toyParamsFrom([[0, 0]], null)]);
 * assert.deepEqual(Array.from(toyLosses(params, identityBatch(2))), [0.25, 0.5]);
 * ```
 */
export function toyLosses(
  params: ToyParams,
  batch: CsrBatch,
  importance?: Float64Array,
): Float64Array {
  const imp = importance ?? new Float64Array(params.n).fill(1);
  const p = toyParamCount(params);
  const scratch = toyScratch(params.n, params.m);
  const out = new Float64Array(params.instances); // [instances]
  for (let i = 0; i < params.instances; i++) {
    out[i] = toyLossGrad(params, params.data, i * p, batch, imp, null, scratch);
  }
  return out;
}
