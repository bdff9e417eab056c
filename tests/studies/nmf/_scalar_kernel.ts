/**
 * The NMF updates as plain scalar TypeScript loops: lib/studies/nmf/kernel.ts
 * as it was before its loops moved to WebAssembly (commit 69f7645), kept as the
 * oracle that the SIMD kernel is bit-identical to (kernel_test.ts).
 *
 * @module
 */
import type { NmfData } from "../../../lib/studies/nmf/data.ts";
import { NMF_EPSILON, type NmfFactors, type NmfObjective } from "../../../lib/studies/nmf/model.ts";

// Kernels. Every loop over nonzeros takes four at a time: one pass over the r
// accumulators then carries four products, which measured 1.5× faster in V8
// than one product per pass (and the order of the sums is fixed, so results
// are deterministic).

/** out[p, :] = Σ_{q ∈ nz(p)} v_pq · B[q, :]  (B `[*, r]`, out `[rows, r]`). */
function sparseTimes(
  ptr: Int32Array,
  idx: Int32Array,
  val: Float64Array,
  B: Float64Array,
  r: number,
  out: Float64Array,
): void {
  const rows = ptr.length - 1;
  const acc = new Float64Array(r);
  for (let p = 0; p < rows; p++) {
    acc.fill(0);
    const end = ptr[p + 1];
    let q = ptr[p];
    for (; q + 4 <= end; q += 4) {
      const v0 = val[q], b0 = idx[q] * r;
      const v1 = val[q + 1], b1 = idx[q + 1] * r;
      const v2 = val[q + 2], b2 = idx[q + 2] * r;
      const v3 = val[q + 3], b3 = idx[q + 3] * r;
      for (let k = 0; k < r; k++) {
        acc[k] += v0 * B[b0 + k] + v1 * B[b1 + k] + v2 * B[b2 + k] + v3 * B[b3 + k];
      }
    }
    for (; q < end; q++) {
      const v = val[q], b = idx[q] * r;
      for (let k = 0; k < r; k++) acc[k] += v * B[b + k];
    }
    out.set(acc, p * r);
  }
}

/**
 * The KL numerator: out[p, :] = Σ_{q ∈ nz(p)} (v_pq / (A[p]·B[q])) · B[q, :],
 * with a zero A[p]·B[q] replaced by NMF_EPSILON. Returns Σ v·log(A[p]·B[q])
 * over the nonzeros (for the objective; same guard).
 */
function ratioTimes(
  ptr: Int32Array,
  idx: Int32Array,
  val: Float64Array,
  A: Float64Array,
  B: Float64Array,
  r: number,
  out: Float64Array,
): number {
  const rows = ptr.length - 1;
  const acc = new Float64Array(r);
  let vlog = 0;
  for (let p = 0; p < rows; p++) {
    acc.fill(0);
    const a = p * r;
    const end = ptr[p + 1];
    let q = ptr[p];
    for (; q + 4 <= end; q += 4) {
      const b0 = idx[q] * r, b1 = idx[q + 1] * r, b2 = idx[q + 2] * r, b3 = idx[q + 3] * r;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < r; k++) {
        const ak = A[a + k];
        s0 += ak * B[b0 + k];
        s1 += ak * B[b1 + k];
        s2 += ak * B[b2 + k];
        s3 += ak * B[b3 + k];
      }
      if (s0 === 0) s0 = NMF_EPSILON;
      if (s1 === 0) s1 = NMF_EPSILON;
      if (s2 === 0) s2 = NMF_EPSILON;
      if (s3 === 0) s3 = NMF_EPSILON;
      const v0 = val[q], v1 = val[q + 1], v2 = val[q + 2], v3 = val[q + 3];
      vlog += v0 * Math.log(s0) + v1 * Math.log(s1) + v2 * Math.log(s2) + v3 * Math.log(s3);
      const c0 = v0 / s0, c1 = v1 / s1, c2 = v2 / s2, c3 = v3 / s3;
      for (let k = 0; k < r; k++) {
        acc[k] += c0 * B[b0 + k] + c1 * B[b1 + k] + c2 * B[b2 + k] + c3 * B[b3 + k];
      }
    }
    for (; q < end; q++) {
      const b = idx[q] * r;
      let s = 0;
      for (let k = 0; k < r; k++) s += A[a + k] * B[b + k];
      if (s === 0) s = NMF_EPSILON;
      vlog += val[q] * Math.log(s);
      const c = val[q] / s;
      for (let k = 0; k < r; k++) acc[k] += c * B[b + k];
    }
    out.set(acc, a);
  }
  return vlog;
}

/**
 * G = AᵀA for A `[m, r]` (G `[r, r]`, symmetric), summed over blocks of 256
 * rows that are then added up, which keeps the rounding of long sums small.
 */
function gram(A: Float64Array, m: number, r: number, G: Float64Array): void {
  G.fill(0);
  const part = new Float64Array(r * r);
  for (let start = 0; start < m; start += 256) {
    gramRows(A, start, Math.min(m, start + 256), r, part);
    for (let q = 0; q < r * r; q++) G[q] += part[q];
  }
  for (let a = 0; a < r; a++) {
    for (let b = 0; b < a; b++) G[b * r + a] = G[a * r + b];
  }
}

/** The lower triangle of Σ_{i ∈ [from, to)} A[i]ᵀA[i] into G. */
function gramRows(A: Float64Array, from: number, to: number, r: number, G: Float64Array): void {
  G.fill(0);
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const o0 = i * r, o1 = o0 + r, o2 = o1 + r, o3 = o2 + r;
    for (let a = 0; a < r; a++) {
      const x0 = A[o0 + a], x1 = A[o1 + a], x2 = A[o2 + a], x3 = A[o3 + a];
      const g = a * r;
      for (let b = 0; b <= a; b++) {
        G[g + b] += x0 * A[o0 + b] + x1 * A[o1 + b] + x2 * A[o2 + b] + x3 * A[o3 + b];
      }
    }
  }
  for (; i < to; i++) {
    const o = i * r;
    for (let a = 0; a < r; a++) {
      const x = A[o + a];
      const g = a * r;
      for (let b = 0; b <= a; b++) G[g + b] += x * A[o + b];
    }
  }
}

/** out = A·G for A `[m, r]` and G `[r, r]`. */
function timesSquare(
  A: Float64Array,
  m: number,
  r: number,
  G: Float64Array,
  out: Float64Array,
): void {
  const acc = new Float64Array(r);
  for (let i = 0; i < m; i++) {
    acc.fill(0);
    const o = i * r;
    let a = 0;
    for (; a + 4 <= r; a += 4) {
      const x0 = A[o + a], x1 = A[o + a + 1], x2 = A[o + a + 2], x3 = A[o + a + 3];
      const g0 = a * r, g1 = g0 + r, g2 = g1 + r, g3 = g2 + r;
      for (let b = 0; b < r; b++) {
        acc[b] += x0 * G[g0 + b] + x1 * G[g1 + b] + x2 * G[g2 + b] + x3 * G[g3 + b];
      }
    }
    for (; a < r; a++) {
      const x = A[o + a];
      const g = a * r;
      for (let b = 0; b < r; b++) acc[b] += x * G[g + b];
    }
    out.set(acc, o);
  }
}

/** Column sums of A `[m, r]`. */
function columnSums(A: Float64Array, m: number, r: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < r; k++) out[k] += A[i * r + k];
  }
}

/** aᵀb, summed in blocks of 256 (rounding grows with √blocks, not with the length). */
function dot(a: Float64Array, b: Float64Array): number {
  let total = 0;
  for (let start = 0; start < a.length; start += 256) {
    const end = Math.min(a.length, start + 256);
    let s = 0;
    for (let k = start; k < end; k++) s += a[k] * b[k];
    total += s;
  }
  return total;
}

// ---------------------------------------------------------------------------
// One iteration and the objectives.

/** Scratch buffers of one factorisation (reused across iterations). */
export interface NmfWorkspace {
  /** `[n, r]` numerator of the W update. */
  nw: Float64Array;
  /** `[d, r]` numerator of the H update. */
  nh: Float64Array;
  /** `[n, r]` denominator of the W update. */
  dw: Float64Array;
  /** `[d, r]` denominator of the H update. */
  dh: Float64Array;
  /** `[r, r]`: HHᵀ. */
  hht: Float64Array;
  /** `[r, r]`: WᵀW. */
  wtw: Float64Array;
  /** Whether `wtw` holds WᵀW of the current W (the Frobenius H update leaves it so). */
  wtwFresh: boolean;
  /** `[r]`: the column sums of W. */
  sw: Float64Array;
  /** `[r]`: the column sums of Ht (H's row sums). */
  sh: Float64Array;
}

export function scalarWorkspace(f: NmfFactors): NmfWorkspace {
  const { n, d, r } = f;
  return {
    nw: new Float64Array(n * r),
    nh: new Float64Array(d * r),
    dw: new Float64Array(n * r),
    dh: new Float64Array(d * r),
    hht: new Float64Array(r * r),
    wtw: new Float64Array(r * r),
    wtwFresh: false,
    sw: new Float64Array(r),
    sh: new Float64Array(r),
  };
}

/** Throws a RangeError unless `f` has the shape of factors of `data`. */
function checkNmfShapes(data: NmfData, f: NmfFactors): void {
  if (f.n !== data.n || f.d !== data.d || f.W.length !== f.n * f.r || f.Ht.length !== f.d * f.r) {
    throw new RangeError(
      `factors are for ${f.n}×${f.d} (rank ${f.r}); the data is ${data.n}×${data.d}`,
    );
  }
}

export function scalarNmfStep(
  data: NmfData,
  f: NmfFactors,
  objective: NmfObjective,
  ws: NmfWorkspace = scalarWorkspace(f),
): number {
  checkNmfShapes(data, f);
  const { n, d, r, W, Ht } = f;
  // Also leaves the W update's numerator and the sums it needs in `ws`.
  const before = nmfTrackedObjective(data, f, objective, ws);
  if (objective === "frobenius") {
    // W ← W ∘ VHᵀ / (W·HHᵀ).
    timesSquare(W, n, r, ws.hht, ws.dw);
    for (let k = 0; k < n * r; k++) {
      const den = ws.dw[k];
      W[k] *= ws.nw[k] / (den === 0 ? NMF_EPSILON : den);
    }
    // H ← H ∘ WᵀV / (WᵀW·H), in the transposed layout: Ht ← Ht ∘ VᵀW / (Ht·WᵀW).
    gram(W, n, r, ws.wtw);
    sparseTimes(data.colPtr, data.colRow, data.colVal, W, r, ws.nh);
    timesSquare(Ht, d, r, ws.wtw, ws.dh);
    for (let k = 0; k < d * r; k++) {
      const den = ws.dh[k];
      Ht[k] *= ws.nh[k] / (den === 0 ? NMF_EPSILON : den);
    }
    ws.wtwFresh = true;
  } else {
    // W ← W ∘ ((V/WH)·Hᵀ) / (1·Hᵀ); the denominator is H's row sums.
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < r; k++) {
        const den = ws.sh[k];
        W[i * r + k] *= ws.nw[i * r + k] / (den === 0 ? NMF_EPSILON : den);
      }
    }
    // H ← H ∘ (Wᵀ·(V/WH)) / (Wᵀ·1); the denominator is W's column sums (0 → 1).
    ratioTimes(data.colPtr, data.colRow, data.colVal, Ht, W, r, ws.nh);
    columnSums(W, n, r, ws.sw);
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < r; k++) {
        const den = ws.sw[k];
        const h = Ht[j * r + k] * ws.nh[j * r + k] / (den === 0 ? 1 : den);
        Ht[j * r + k] = h < Number.EPSILON ? 0 : h;
      }
    }
    ws.wtwFresh = false;
  }
  return before;
}

/**
 * The objective from the products the W update needs (cheap; see
 * {@link nmfStep}'s rounding note). Leaves in `ws`: for Frobenius VHᵀ (`nw`),
 * HHᵀ and WᵀW; for KL (V/WH)·Hᵀ (`nw`) and the column sums of Ht and W.
 */
function nmfTrackedObjective(
  data: NmfData,
  f: NmfFactors,
  objective: NmfObjective,
  ws: NmfWorkspace,
): number {
  const { n, d, r, W, Ht } = f;
  if (objective === "frobenius") {
    sparseTimes(data.rowPtr, data.rowCol, data.rowVal, Ht, r, ws.nw);
    gram(Ht, d, r, ws.hht);
    if (!ws.wtwFresh) gram(W, n, r, ws.wtw);
    return data.sumSq - 2 * dot(W, ws.nw) + dot(ws.wtw, ws.hht);
  }
  const vlogWH = ratioTimes(data.rowPtr, data.rowCol, data.rowVal, W, Ht, r, ws.nw);
  columnSums(Ht, d, r, ws.sh);
  columnSums(W, n, r, ws.sw);
  // D(V‖WH) = Σ V log V − Σ V log WH − Σ V + Σ WH, and Σ WH = (1ᵀW)(H1).
  return data.sumVlogV - vlogWH - data.sum + dot(ws.sw, ws.sh);
}
