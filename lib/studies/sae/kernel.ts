/**
 * The sparse autoencoder's fused float64 kernel: loss and hand-derived
 * gradient of the model in `model.ts` (the research notes; Gao et al. 2024), the
 * dead-latent counters, the unit-norm decoder's projection and
 * renormalisation, and the two engines that compute pre-activations. A test
 * holds {@link saeLossGrad} equal to tfjs autodiff of `saeLossTensors`.
 *
 * The kernel takes the pre-activations `a` from outside, because they are the
 * one dense product (B × latents × dim); everything after them is sparse in h
 * and runs in plain loops: decoding and the whole backward pass touch only the
 * k (or active) latents of each example. {@link saePreActivations} computes
 * `a` in plain JavaScript; {@link TfPreActivations} computes it with one tfjs
 * matmul for all instances (about 3× faster on the wasm backend, measured at
 * d = 64 and d = 784).
 *
 * Dead latents. Counts are per example: after a batch, a latent that fired on
 * example b of B has seen B − 1 − b examples since, counting from its last
 * firing; one that did not fire adds B. The counters are updated before the
 * auxiliary latents are chosen (as OpenAI does), so a latent that fired in
 * this batch is never auxiliary in it. Two differences from OpenAI's code: it
 * counts batches, not examples, and it counts a firing only when h > 1e-3.
 * Ties in the top-k selection go to the lower latent index.
 *
 * Decoder columns have unit norm: {@link projectDecoderGrad} removes from each
 * column's gradient its component along the column before the optimizer
 * step, and {@link normalizeDecoder} rescales the columns after it.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { auxLatents, type SaeConfig, saeLayout } from "./model.ts";

/** Scales every decoder column of the instance at `offset` to unit length. */
export function normalizeDecoder(c: SaeConfig, params: Float64Array, offset = 0): void {
  const { dim, latents } = c;
  const base = offset + saeLayout(c).decoder;
  for (let j = 0; j < latents; j++) {
    const o = base + j * dim;
    let sq = 0;
    for (let i = 0; i < dim; i++) sq += params[o + i] * params[o + i];
    // A zero (or non-finite) column is left alone; divergence handling sees it.
    if (!(sq > 0) || !Number.isFinite(sq)) continue;
    const inv = 1 / Math.sqrt(sq);
    for (let i = 0; i < dim; i++) params[o + i] *= inv;
  }
}

/**
 * Removes from each decoder column's gradient its component along the column
 * (g ← g − (g·w) w, w of unit length), so a step moves the column along the
 * unit sphere to first order.
 */
export function projectDecoderGrad(
  c: SaeConfig,
  params: Float64Array,
  grad: Float64Array,
  offset = 0,
): void {
  const { dim, latents } = c;
  const base = offset + saeLayout(c).decoder;
  for (let j = 0; j < latents; j++) {
    const o = base + j * dim;
    let dot = 0;
    for (let i = 0; i < dim; i++) dot += params[o + i] * grad[o + i];
    if (dot === 0) continue;
    for (let i = 0; i < dim; i++) grad[o + i] -= dot * params[o + i];
  }
}

/**
 * Where an instance's pre-activations are: `a[b][j] = data[offset + b·stride + j] + (bias?.[j] ?? 0)`.
 * (The tfjs engine computes all instances in one matrix and adds each one's
 * folded bias in float64.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PreView } from "./kernel.ts";
 * // Two examples of three latents, written row after row.
 * const view: PreView = { data: Float64Array.from([1, 2, 3, 4, 5, 6]), offset: 0, stride: 3 };
 * assert.equal(view.data[view.offset + 1 * view.stride + 2], 6); // a[1][2]
 * ```
 */
export interface PreView {
  /** The values, `[rows, stride]` from `offset` on. */
  data: Float32Array | Float64Array;
  /** Where example 0's latent 0 is. */
  offset: number;
  /** Distance between two examples' rows. */
  stride: number;
  /** Added to latent j of every example (the tfjs engine's folded bias), `[latents]`. */
  bias?: Float64Array;
}

/**
 * Sparse entries (example, latent, value) grouped by latent: entries of
 * latent j are `start[j] … start[j+1]`, in increasing example order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeScratch } from "./kernel.ts";
 * import { SAE_DEFAULTS } from "./model.ts";
 * const { cols } = saeScratch({ ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 }, 4);
 * assert.equal(cols.start.length, 6); // latents + 1
 * assert.equal(cols.row.length, 8); // rows · k entries at most
 * ```
 */
export interface LatentColumns {
  /** Latent j's entries are `start[j] … start[j+1]`, `[latents + 1]`. */
  start: Int32Array;
  /** Example of each entry, `[capacity]`. */
  row: Int32Array;
  /** Value of each entry, `[capacity]`. */
  val: Float64Array;
  /** Next free slot per latent while regrouping, `[latents]`. */
  cursor: Int32Array;
}

function latentColumns(latents: number, capacity: number): LatentColumns {
  return {
    start: new Int32Array(latents + 1),
    row: new Int32Array(capacity),
    val: new Float64Array(capacity),
    cursor: new Int32Array(latents),
  };
}

/** Regroups CSR entries (by example) into `out` (by latent): a counting sort. */
function toColumns(
  rowStart: Int32Array,
  idx: Int32Array,
  val: Float64Array,
  rows: number,
  out: LatentColumns,
): void {
  const latents = out.cursor.length;
  const nnz = rowStart[rows];
  out.start.fill(0);
  for (let e = 0; e < nnz; e++) out.start[idx[e] + 1]++;
  for (let j = 0; j < latents; j++) {
    out.start[j + 1] += out.start[j];
    out.cursor[j] = out.start[j];
  }
  for (let b = 0; b < rows; b++) {
    for (let e = rowStart[b]; e < rowStart[b + 1]; e++) {
      const at = out.cursor[idx[e]]++;
      out.row[at] = b;
      out.val[at] = val[e];
    }
  }
}

/**
 * Working memory of the kernel for batches of up to `rows` examples. After a
 * call to {@link saeLossGrad} it also holds the call's active and auxiliary
 * latents (the tests read them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SaeScratch, saeScratch } from "./kernel.ts";
 * import { SAE_DEFAULTS } from "./model.ts";
 * const scratch: SaeScratch = saeScratch({ ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 }, 4);
 * assert.equal(scratch.resid.length, 4 * 3); // [rows, dim]
 * ```
 */
export interface SaeScratch {
  /** Largest batch the buffers hold. */
  rows: number;
  /** Active latents of each example (h > 0), CSR: entries start[b] … start[b+1], `[rows + 1]`. */
  start: Int32Array;
  /** Latent of each active entry. */
  idx: Int32Array;
  /** h of each active entry. */
  val: Float64Array;
  /** Auxiliary latents (z > 0), CSR as above, `[rows + 1]`. */
  auxStart: Int32Array;
  /** Latent of each auxiliary entry. */
  auxIdx: Int32Array;
  /** z of each auxiliary entry. */
  auxVal: Float64Array;
  /** The active entries grouped by latent. */
  cols: LatentColumns;
  /** The auxiliary entries grouped by latent. */
  auxCols: LatentColumns;
  /** x − b_pre, `[rows, dim]`. */
  xc: Float64Array;
  /** x̂ − x, `[rows, dim]`. */
  resid: Float64Array;
  /** ê − e, `[rows, dim]`. */
  auxResid: Float64Array;
  /** Σ_b ∂L/∂a_bj, `[latents]`. */
  gA: Float64Array;
  /** Last example of the batch on which each latent fired, or −1, `[latents]`. */
  lastFired: Int32Array;
  /** Indices of the dead latents (the first `dead` count of them), `[latents]`. */
  dead: Int32Array;
  /** Values of a top-k selection, sorted descending. */
  topV: Float64Array;
  /** Latents of a top-k selection. */
  topI: Int32Array;
}

/**
 * Scratch for `c` and batches of up to `rows` examples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeScratch } from "./kernel.ts";
 * import { SAE_DEFAULTS } from "./model.ts";
 * const scratch = saeScratch({ ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 }, 4);
 * assert.equal(scratch.idx.length, 4 * 2); // top-k: at most k active latents per example
 * ```
 */
export function saeScratch(c: SaeConfig, rows: number): SaeScratch {
  const cap = c.activation === "topk" ? c.k : c.latents;
  const aux = Math.max(1, auxLatents(c));
  const sel = Math.max(c.k, aux, 1);
  return {
    rows,
    start: new Int32Array(rows + 1),
    idx: new Int32Array(rows * cap),
    val: new Float64Array(rows * cap),
    auxStart: new Int32Array(rows + 1),
    auxIdx: new Int32Array(rows * aux),
    auxVal: new Float64Array(rows * aux),
    cols: latentColumns(c.latents, rows * cap),
    auxCols: latentColumns(c.latents, rows * aux),
    xc: new Float64Array(rows * c.dim),
    resid: new Float64Array(rows * c.dim),
    auxResid: new Float64Array(rows * c.dim),
    gA: new Float64Array(c.latents),
    lastFired: new Int32Array(c.latents),
    dead: new Int32Array(c.latents),
    topV: new Float64Array(sel),
    topI: new Int32Array(sel),
  };
}

/**
 * What one kernel call measured on its batch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeStats } from "./kernel.ts";
 * const stats: SaeStats = { loss: 0.5, recon: 0.5, aux: 0, l1: 1.2, l0: 2, dead: -1 };
 * assert.equal(stats.loss, stats.recon); // top-k without AuxK: L = L_rec
 * ```
 */
export interface SaeStats {
  /** Total loss L. */
  loss: number;
  /** L_rec (normalised by the data variance). */
  recon: number;
  /** L_aux before its coefficient (0 without dead latents). */
  aux: number;
  /** L_l1 before its coefficient: mean Σ_j h_j per example. */
  l1: number;
  /** Mean number of latents with h > 0 per example. */
  l0: number;
  /** Dead latents after this batch's counter update (−1 when no counters were given). */
  dead: number;
}

/**
 * The batch and buffers of one kernel call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SaeBatch, saeScratch } from "./kernel.ts";
 * import { SAE_DEFAULTS } from "./model.ts";
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 };
 * const batch: SaeBatch = {
 *   x: new Float64Array(2 * 3),
 *   rows: 2,
 *   pre: { data: new Float64Array(2 * 5), offset: 0, stride: 5 },
 *   variance: 1,
 *   grad: null, // forward only
 *   since: null, // no dead-latent bookkeeping
 *   scratch: saeScratch(c, 2),
 * };
 * assert.equal(batch.scratch.rows, batch.rows);
 * ```
 */
export interface SaeBatch {
  /** The examples, `[rows, dim]`. */
  x: Float64Array;
  /** Examples in the batch (at most the scratch's `rows`). */
  rows: number;
  /** Where the batch's pre-activations are. */
  pre: PreView;
  /** V: mean over examples of ‖x − mean‖² (normalises L_rec). */
  variance: number;
  /** Receives ∂L/∂params (overwritten); null for a forward pass only. */
  grad: Float64Array | null;
  /**
   * Examples since each latent last fired; updated in place. Null: no
   * bookkeeping and no AuxK (evaluation).
   */
  since: Float64Array | null;
  /** Working memory (see {@link saeScratch}). */
  scratch: SaeScratch;
  /** Offset of the instance in `params` and `grad` (default 0). */
  offset?: number;
}

/**
 * Selects the `kk` largest pre-activations `data[ro + j] (+ bias[j])` over
 * `j` in `candidates` (or 0 … n−1), sorted descending into topV/topI; ties
 * keep the lower index. Returns how many were selected. NaN counts as −∞, so
 * indices stay valid even when a diverging run produces NaN.
 */
function selectTop(
  data: Float32Array | Float64Array,
  ro: number,
  bias: Float64Array | undefined,
  n: number,
  candidates: Int32Array | null,
  kk: number,
  topV: Float64Array,
  topI: Int32Array,
): number {
  const m = Math.min(kk, n);
  let filled = 0;
  let threshold = -Infinity;
  for (let c = 0; c < n; c++) {
    const j = candidates ? candidates[c] : c;
    let v = bias ? data[ro + j] + bias[j] : data[ro + j];
    // The common case: below the current k-th largest.
    if (filled === m && !(v > threshold)) continue;
    if (v !== v) v = -Infinity;
    let pos = filled < m ? filled : m - 1;
    // Strictly greater moves up, so an equal earlier value stays ahead.
    while (pos > 0 && v > topV[pos - 1]) {
      topV[pos] = topV[pos - 1];
      topI[pos] = topI[pos - 1];
      pos--;
    }
    topV[pos] = v;
    topI[pos] = j;
    if (filled < m) filled++;
    threshold = topV[m - 1];
  }
  return filled;
}

/**
 * Decoding: adds Σ_j v_bj d_j to each row b of `target` (`[rows, dim]`) for
 * the CSR entries (`start`, `idx`, `val`). Four decoder rows per pass over
 * the target row, through typed-array views: V8 then keeps the loop tight
 * (about 2.5× a plain indexed loop, measured).
 */
function decodeRows(
  start: Int32Array,
  idx: Int32Array,
  val: Float64Array,
  rows: number,
  decoder: { params: Float64Array; D: number; dim: number },
  target: Float64Array,
): void {
  const { params, D, dim } = decoder;
  const row = (j: number) => params.subarray(D + j * dim, D + (j + 1) * dim);
  for (let b = 0; b < rows; b++) {
    const t = target.subarray(b * dim, (b + 1) * dim);
    const end = start[b + 1];
    let e = start[b];
    for (; e + 3 < end; e += 4) {
      const p0 = row(idx[e]), p1 = row(idx[e + 1]), p2 = row(idx[e + 2]), p3 = row(idx[e + 3]);
      const h0 = val[e], h1 = val[e + 1], h2 = val[e + 2], h3 = val[e + 3];
      for (let i = 0; i < dim; i++) t[i] += h0 * p0[i] + h1 * p1[i] + h2 * p2[i] + h3 * p3[i];
    }
    for (; e < end; e++) {
      const p = row(idx[e]);
      const h = val[e];
      for (let i = 0; i < dim; i++) t[i] += h * p[i];
    }
  }
}

/**
 * Backward through a decoder term scale · Σ_b ‖resid_b‖², resid_b = Σ_j v_bj
 * d_j + (terms without these latents), for the entries of `cols`: adds the
 * decoder and encoder gradients of their latents and collects ∂L/∂a in gA.
 * `extra` is added to every ∂L/∂a (the L1 penalty's λ/B).
 *
 * Latent by latent, four examples per pass: a latent's decoder row, its
 * gradient rows and four residual rows are read once for four entries.
 */
function backwardColumns(
  cols: LatentColumns,
  model: { params: Float64Array; grad: Float64Array; D: number; E: number; dim: number },
  term: { scale: number; extra: number; resid: Float64Array; xc: Float64Array },
  gA: Float64Array,
): void {
  const { params, grad, D, E, dim } = model;
  const { scale, extra, resid, xc } = term;
  const latents = cols.cursor.length;
  const r = (b: number) => resid.subarray(b * dim, (b + 1) * dim);
  const xr = (b: number) => xc.subarray(b * dim, (b + 1) * dim);
  for (let j = 0; j < latents; j++) {
    const e0 = cols.start[j];
    const e1 = cols.start[j + 1];
    if (e0 === e1) continue;
    const p = params.subarray(D + j * dim, D + (j + 1) * dim);
    const gD = grad.subarray(D + j * dim, D + (j + 1) * dim);
    const gE = grad.subarray(E + j * dim, E + (j + 1) * dim);
    let gSum = 0;
    let e = e0;
    for (; e + 3 < e1; e += 4) {
      const b0 = cols.row[e], b1 = cols.row[e + 1], b2 = cols.row[e + 2], b3 = cols.row[e + 3];
      const r0 = r(b0), r1 = r(b1), r2 = r(b2), r3 = r(b3);
      const s0 = scale * cols.val[e], s1 = scale * cols.val[e + 1];
      const s2 = scale * cols.val[e + 2], s3 = scale * cols.val[e + 3];
      let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
      for (let i = 0; i < dim; i++) {
        const w = p[i], a0 = r0[i], a1 = r1[i], a2 = r2[i], a3 = r3[i];
        d0 += w * a0;
        d1 += w * a1;
        d2 += w * a2;
        d3 += w * a3;
        gD[i] += s0 * a0 + s1 * a1 + s2 * a2 + s3 * a3;
      }
      const g0 = scale * d0 + extra, g1 = scale * d1 + extra;
      const g2 = scale * d2 + extra, g3 = scale * d3 + extra;
      const x0 = xr(b0), x1 = xr(b1), x2 = xr(b2), x3 = xr(b3);
      for (let i = 0; i < dim; i++) gE[i] += g0 * x0[i] + g1 * x1[i] + g2 * x2[i] + g3 * x3[i];
      gSum += g0 + g1 + g2 + g3;
    }
    for (; e < e1; e++) {
      const b = cols.row[e];
      const r0 = r(b);
      const s0 = scale * cols.val[e];
      let d0 = 0;
      for (let i = 0; i < dim; i++) {
        const a0 = r0[i];
        d0 += p[i] * a0;
        gD[i] += s0 * a0;
      }
      const g0 = scale * d0 + extra;
      const x0 = xr(b);
      for (let i = 0; i < dim; i++) gE[i] += g0 * x0[i];
      gSum += g0;
    }
    gA[j] += gSum;
  }
}

/**
 * Loss and gradient of one instance on one batch, given its pre-activations.
 * Fills the scratch's active and auxiliary latents (tests read them) and
 * updates the dead-latent counters when `since` is given. The gradient is
 * the plain gradient of L; project it with {@link projectDecoderGrad} before
 * an optimizer step.
 *
 * Decoding goes example by example; the backward pass goes latent by latent
 * (entries regrouped by a counting sort), so each parameter row is read and
 * written once per batch while the examples' residuals stay in cache.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeLossGrad, saePreActivations, saeScratch } from "./kernel.ts";
 * import { initSae, SAE_DEFAULTS } from "./model.ts";
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 };
 * const params = initSae(c, { seed: 0 });
 * const x = Float64Array.from([1, 0, 0, 0, 1, 0]); // [2, 3]
 * const pre = new Float64Array(2 * 5); // [2, 5]
 * saePreActivations(c, params, { x, rows: 2, out: pre });
 * const grad = new Float64Array(params.length);
 * const stats = saeLossGrad(c, params, {
 *   x,
 *   rows: 2,
 *   pre: { data: pre, offset: 0, stride: 5 },
 *   variance: 1,
 *   grad,
 *   since: new Float64Array(5),
 *   scratch: saeScratch(c, 2),
 * });
 * assert.ok(stats.l0 <= c.k && stats.dead === 0);
 * assert.ok(grad.some((g) => g !== 0));
 * ```
 */
export function saeLossGrad(
  c: SaeConfig,
  params: Float64Array,
  batch: SaeBatch,
): SaeStats {
  const { x, rows, pre, variance, grad, since, scratch: s } = batch;
  const off = batch.offset ?? 0;
  const { dim, latents } = c;
  if (rows > s.rows) throw new RangeError(`scratch holds ${s.rows} rows, got ${rows}`);
  const L = saeLayout(c);
  const E = off + L.encoder;
  const BE = off + L.encoderBias;
  const D = off + L.decoder;
  const BP = off + L.preBias;
  const { data, stride, bias } = pre;
  const topk = c.activation === "topk";

  // x − b_pre (the encoder's input, needed for its gradient).
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < dim; i++) s.xc[b * dim + i] = x[b * dim + i] - params[BP + i];
  }

  // Active latents: top-k then ReLU, or ReLU.
  let nnz = 0;
  let l1Sum = 0;
  for (let b = 0; b < rows; b++) {
    s.start[b] = nnz;
    const ro = pre.offset + b * stride;
    if (topk) {
      const got = selectTop(data, ro, bias, latents, null, c.k, s.topV, s.topI);
      for (let r = 0; r < got; r++) {
        const v = s.topV[r];
        if (v > 0) {
          s.idx[nnz] = s.topI[r];
          s.val[nnz] = v;
          nnz++;
          l1Sum += v;
        }
      }
    } else {
      for (let j = 0; j < latents; j++) {
        const v = bias ? data[ro + j] + bias[j] : data[ro + j];
        if (v > 0) {
          s.idx[nnz] = j;
          s.val[nnz] = v;
          nnz++;
          l1Sum += v;
        }
      }
    }
  }
  s.start[rows] = nnz;
  toColumns(s.start, s.idx, s.val, rows, s.cols);

  // Decode: resid = b_pre + Σ h_j d_j − x.
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < dim; i++) s.resid[b * dim + i] = params[BP + i] - x[b * dim + i];
  }
  decodeRows(s.start, s.idx, s.val, rows, { params, D, dim }, s.resid);
  let sq = 0;
  for (let k = 0; k < rows * dim; k++) sq += s.resid[k] * s.resid[k];
  const recon = sq / (rows * variance);

  // Dead-latent counters, then the auxiliary latents among the dead.
  let deadCount = -1;
  let auxNnz = 0;
  let aux = 0;
  let auxNorm = 0;
  const kAux = since ? auxLatents(c) : 0;
  if (since) {
    // A latent's entries are in example order: its last one is its last firing.
    s.lastFired.fill(-1);
    for (let j = 0; j < latents; j++) {
      const end = s.cols.start[j + 1];
      if (end > s.cols.start[j]) s.lastFired[j] = s.cols.row[end - 1];
    }
    deadCount = 0;
    for (let j = 0; j < latents; j++) {
      since[j] = s.lastFired[j] >= 0 ? rows - 1 - s.lastFired[j] : since[j] + rows;
      if (since[j] >= c.deadAfter) s.dead[deadCount++] = j;
    }
  }
  s.auxStart.fill(0, 0, rows + 1);
  if (kAux > 0 && deadCount > 0) {
    for (let b = 0; b < rows; b++) {
      s.auxStart[b] = auxNnz;
      const ro = pre.offset + b * stride;
      const got = selectTop(data, ro, bias, deadCount, s.dead, kAux, s.topV, s.topI);
      for (let r = 0; r < got; r++) {
        const v = s.topV[r];
        if (!(v > 0)) continue;
        s.auxIdx[auxNnz] = s.topI[r];
        s.auxVal[auxNnz] = v;
        auxNnz++;
      }
    }
    s.auxStart[rows] = auxNnz;
    toColumns(s.auxStart, s.auxIdx, s.auxVal, rows, s.auxCols);
    // ê − e = ê + (x̂ − x).
    s.auxResid.set(s.resid.subarray(0, rows * dim));
    decodeRows(s.auxStart, s.auxIdx, s.auxVal, rows, { params, D, dim }, s.auxResid);
    let auxSq = 0;
    for (let k = 0; k < rows * dim; k++) auxSq += s.auxResid[k] * s.auxResid[k];
    if (c.auxNorm === "data") {
      auxNorm = rows * variance;
    } else {
      // Σ_b ‖e_b − ē‖² with e = −resid.
      for (let i = 0; i < dim; i++) {
        let m = 0;
        for (let b = 0; b < rows; b++) m += s.resid[b * dim + i];
        m /= rows;
        for (let b = 0; b < rows; b++) auxNorm += (s.resid[b * dim + i] - m) ** 2;
      }
    }
    // A batch whose residuals do not spread (one example, say) has no AuxK term (OpenAI: nan_to_num).
    aux = auxNorm > 0 ? auxSq / auxNorm : 0;
  }

  const l1 = l1Sum / rows;
  const l1Coef = topk ? 0 : c.l1;
  const loss = recon + (aux > 0 ? c.auxCoef * aux : 0) + l1Coef * l1;
  const stats: SaeStats = { loss, recon, aux, l1, l0: nnz / rows, dead: deadCount };
  if (!grad) return stats;

  // Backward. Only active (and auxiliary) latents carry gradient.
  grad.fill(0, off, off + L.size);
  s.gA.fill(0);
  const cMain = 2 / (rows * variance);
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < dim; i++) grad[BP + i] += cMain * s.resid[b * dim + i];
  }
  const model = { params, grad, D, E, dim };
  backwardColumns(
    s.cols,
    model,
    { scale: cMain, extra: l1Coef / rows, resid: s.resid, xc: s.xc },
    s.gA,
  );
  if (auxNnz > 0 && aux > 0) {
    backwardColumns(
      s.auxCols,
      model,
      { scale: (2 * c.auxCoef) / auxNorm, extra: 0, resid: s.auxResid, xc: s.xc },
      s.gA,
    );
  }
  // b_e collects Σ_b ∂L/∂a; b_pre loses W_eᵀ of the same sums (it enters as −b_pre).
  for (let j = 0; j < latents; j++) {
    const g = s.gA[j];
    if (g === 0) continue;
    grad[BE + j] = g;
    const eO = E + j * dim;
    for (let i = 0; i < dim; i++) grad[BP + i] -= g * params[eO + i];
  }
  return stats;
}

/**
 * Pre-activations `a = W_e (x − b_pre) + b_e` in plain JavaScript, written to
 * `out[offset + b·stride + j]`. Blocks of 4 examples × 2 latents keep eight
 * sums in registers (about 2× a plain dot-product loop).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saePreActivations } from "./kernel.ts";
 * import { initSae, SAE_DEFAULTS } from "./model.ts";
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 };
 * const params = initSae(c, { seed: 0 }); // tied start, b_e = b_pre = 0
 * const out = new Float64Array(1 * 5); // [1, latents]
 * saePreActivations(c, params, { x: Float64Array.from([0, 0, 0]), rows: 1, out });
 * assert.deepEqual(Array.from(out), [0, 0, 0, 0, 0]);
 * ```
 */
export function saePreActivations(
  c: Pick<SaeConfig, "dim" | "latents">,
  params: Float64Array,
  target: { x: Float64Array; rows: number; out: Float64Array; offset?: number; stride?: number },
): void {
  const { dim, latents } = c;
  const { x, rows, out } = target;
  const stride = target.stride ?? latents;
  const oOff = target.offset ?? 0;
  const L = saeLayout(c);
  const xc = new Float64Array(rows * dim);
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < dim; i++) xc[b * dim + i] = x[b * dim + i] - params[L.preBias + i];
  }
  const E = L.encoder;
  const BE = L.encoderBias;
  let b = 0;
  for (; b + 3 < rows; b += 4) {
    const x0 = b * dim, x1 = x0 + dim, x2 = x1 + dim, x3 = x2 + dim;
    let j = 0;
    for (; j + 1 < latents; j += 2) {
      const w0 = E + j * dim, w1 = w0 + dim;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let i = 0; i < dim; i++) {
        const c0 = params[w0 + i], c1 = params[w1 + i];
        const a0 = xc[x0 + i], a1 = xc[x1 + i], a2 = xc[x2 + i], a3 = xc[x3 + i];
        s00 += a0 * c0;
        s01 += a0 * c1;
        s10 += a1 * c0;
        s11 += a1 * c1;
        s20 += a2 * c0;
        s21 += a2 * c1;
        s30 += a3 * c0;
        s31 += a3 * c1;
      }
      const b0 = params[BE + j], b1 = params[BE + j + 1];
      const o = oOff + b * stride + j;
      out[o] = s00 + b0;
      out[o + 1] = s01 + b1;
      out[o + stride] = s10 + b0;
      out[o + stride + 1] = s11 + b1;
      out[o + 2 * stride] = s20 + b0;
      out[o + 2 * stride + 1] = s21 + b1;
      out[o + 3 * stride] = s30 + b0;
      out[o + 3 * stride + 1] = s31 + b1;
    }
    for (; j < latents; j++) {
      for (let r = 0; r < 4; r++) out[oOff + (b + r) * stride + j] = dotRow(b + r, j);
    }
  }
  for (; b < rows; b++) {
    for (let j = 0; j < latents; j++) out[oOff + b * stride + j] = dotRow(b, j);
  }

  function dotRow(row: number, j: number): number {
    let s = params[BE + j];
    for (let i = 0; i < dim; i++) s += params[E + j * dim + i] * xc[row * dim + i];
    return s;
  }
}

/**
 * Pre-activations of several instances with one tfjs matmul:
 * `a = x·W_eᵀ + (b_e − W_e b_pre)`, the bias folded per instance in float64.
 * The encoders are stacked as a float32 `[instances·latents, dim]` matrix and
 * transposed by tfjs before the product (its wasm matmul is several times
 * slower with a transposed operand than a transpose and a plain product).
 * Instance i's view: offset i·latents, stride instances·latents.
 */
export class TfPreActivations {
  readonly #tf: typeof tfNs;
  readonly #dim: number;
  readonly #latents: number;
  readonly #instances: number;
  readonly #w: Float32Array;
  readonly #bias: Float64Array[];

  constructor(tf: typeof tfNs, c: Pick<SaeConfig, "dim" | "latents">, instances: number) {
    this.#tf = tf;
    this.#dim = c.dim;
    this.#latents = c.latents;
    this.#instances = instances;
    this.#w = new Float32Array(c.dim * c.latents * instances);
    this.#bias = Array.from({ length: instances }, () => new Float64Array(c.latents));
  }

  /** Copies instance `i`'s encoder and folded bias from `params` at `offset` (after every update). */
  load(i: number, params: Float64Array, offset = 0): void {
    const d = this.#dim;
    const n = this.#latents;
    const L = saeLayout({ dim: d, latents: n });
    const E = offset + L.encoder;
    const BE = offset + L.encoderBias;
    const BP = offset + L.preBias;
    this.#w.set(params.subarray(E, E + n * d), i * n * d);
    const bias = this.#bias[i];
    for (let j = 0; j < n; j++) {
      const eO = E + j * d;
      let folded = params[BE + j];
      for (let t = 0; t < d; t++) folded -= params[eO + t] * params[BP + t];
      bias[j] = folded;
    }
  }

  /** Pre-activations of `rows` examples for every instance: `[rows, instances·latents]`. */
  compute(x: Float64Array, rows: number): Float32Array {
    const tf = this.#tf;
    const d = this.#dim;
    const width = this.#latents * this.#instances;
    const xs = new Float32Array(rows * d);
    xs.set(x.subarray(0, rows * d));
    const out = tf.tidy(() =>
      tf.matMul(tf.tensor2d(xs, [rows, d]), tf.transpose(tf.tensor2d(this.#w, [width, d])))
    );
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  /** The view of instance `i` in a result of {@link compute}. */
  view(i: number, data: Float32Array): PreView {
    return {
      data,
      offset: i * this.#latents,
      stride: this.#latents * this.#instances,
      bias: this.#bias[i],
    };
  }
}
