/**
 * The fused float64 loops of the NMF study: the multiplicative updates and
 * objectives of model.ts (Lee & Seung 2001), written for speed and held equal
 * to model.ts's tfjs reference by tests/studies/nmf/kernel_test.ts.
 *
 * V is stored sparsely (rows and columns, data.ts): MNIST is 81% zeros, and
 * only the nonzeros of V enter VHᵀ, WᵀV and the KL ratio V/WH (where Vᵢⱼ = 0
 * the ratio is 0 whatever WH is). H is kept transposed (`Ht`, `[d, r]`) so
 * that every inner loop runs over the r components of one image or one pixel,
 * contiguously.
 *
 * The products that cost (VB and VᵀA for sparse V, the KL ratios, AᵀA and
 * A·G) run in WebAssembly with 128-bit SIMD (kernel.as.ts, compiled into
 * `_kernel_wasm.ts`); this file lays out their memory and does the cheap
 * element-wise parts. The SIMD loops perform the same float64 operations in
 * the same order as the scalar loops they replaced, so the numbers are
 * bit-identical to them (kernel_identity_test.ts checks it against a copy of
 * those loops). Measured on the 10,000 MNIST digits at r = 49, one thread, idle
 * machine: 74 ms per Frobenius iteration and 123 ms per KL iteration, against
 * 125 ms and 238 ms for the scalar loops (scikit-learn 1.2's `solver="mu"`
 * on two threads, dense V: 49 ms and 136 ms). VᵀW is summed row by row
 * ({@link columnTimes}), which reads W in order instead of at random.
 *
 * The division guards are model.ts's (scikit-learn's), so the objective never
 * increases: tests/studies/nmf/kernel_test.ts checks it at every iteration,
 * allowing 1e-12 of the objective for rounding and for the 2⁻⁵² flush.
 *
 * @module
 */
import type { NmfData } from "./data.ts";
import { NMF_EPSILON, type NmfFactors, type NmfObjective } from "./model.ts";
import { WasmHeap } from "../../core/wasm.ts";
import { WASM } from "./_kernel_wasm.ts";

/** The exports of kernel.as.ts (pointers are byte offsets into the heap). */
interface KernelExports {
  sparseTimes(
    ptr: number,
    idx: number,
    val: number,
    rows: number,
    B: number,
    r: number,
    out: number,
  ): void;
  klRatios(
    ptr: number,
    idx: number,
    val: number,
    rows: number,
    A: number,
    B: number,
    r: number,
    coef: number,
    withLog: number,
  ): number;
  scatterTimes(
    ptr: number,
    idx: number,
    val: number,
    rows: number,
    A: number,
    r: number,
    pos: number,
    full: number,
    part: number,
    out: number,
    d: number,
  ): void;
  gramRows(A: number, from: number, to: number, r: number, G: number): void;
  timesSquare(A: number, m: number, r: number, G: number, out: number): void;
}

/** V by rows (CSR) in the heap: every product walks V row by row (see {@link columnTimes}). */
interface HeapSparse {
  ptr: Int32Array;
  idx: Int32Array;
  val: Float64Array;
  /** Rows of the layout. */
  rows: number;
}

/**
 * The data and factors of one factorisation in a kernel's memory, with the
 * scratch arrays the updates write.
 */
interface Bound {
  data: NmfData;
  fn: KernelExports;
  /** V by rows. */
  byRow: HeapSparse;
  /** `[nnz]`: each nonzero's place in its column (columns list rows in ascending order). */
  pos: Int32Array;
  /** `[d]`: how many of column j's nonzeros fall in groups of four (see {@link columnTimes}). */
  full: Int32Array;
  /** `[d, r]`: the open groups of {@link columnTimes}. */
  open: Float64Array;
  /** `[nnz]`: the KL ratios of the current pass. */
  coef: Float64Array;
  /** `[n, r]` and `[d, r]`: the factors while an update runs. */
  W: Float64Array;
  Ht: Float64Array;
  /** `[r, r]`: one block's AᵀA. */
  part: Float64Array;
}

/** A CSR layout copied into the heap. */
function heapSparse(heap: WasmHeap, ptr: Int32Array, idx: Int32Array, val: Float64Array) {
  const out = {
    ptr: heap.i32(ptr.length),
    idx: heap.i32(idx.length),
    val: heap.f64(val.length),
    rows: ptr.length - 1,
  };
  out.ptr.set(ptr);
  out.idx.set(idx);
  out.val.set(val);
  return out;
}

/** Binds `ws` to `data` (a heap of its own the first time, or for other data) and copies `f` in. */
function bind(data: NmfData, f: NmfFactors, ws: NmfWorkspace): Bound {
  let k = BOUND.get(ws);
  if (!k || k.data !== data) {
    const { n, d, r } = f;
    const nnz = data.rowVal.length;
    // Every array of Bound and of the workspace below, with 16 bytes of alignment slack each:
    // int32 ptr, idx, pos, full; float64 val, coef, [n, r] × 3, [d, r] × 4, [r, r] × 3.
    const bytes = 4 * (n + 1 + 2 * nnz + d) + 8 * (2 * nnz + 3 * n * r + 4 * d * r + 3 * r * r) +
      16 * 16;
    const heap = new WasmHeap(WASM, { bytes, imports: { log: Math.log } });
    k = {
      data,
      fn: heap.exports as unknown as KernelExports,
      byRow: heapSparse(heap, data.rowPtr, data.rowCol, data.rowVal),
      pos: heap.i32(nnz),
      full: heap.i32(d),
      open: heap.f64(d * r),
      coef: heap.f64(nnz),
      W: heap.f64(n * r),
      Ht: heap.f64(d * r),
      part: heap.f64(r * r),
    };
    ws.nw = heap.f64(n * r);
    ws.dw = heap.f64(n * r);
    ws.nh = heap.f64(d * r);
    ws.dh = heap.f64(d * r);
    ws.hht = heap.f64(r * r);
    ws.wtw = heap.f64(r * r);
    for (let q = 0; q < nnz; q++) k.pos[q] = k.full[data.rowCol[q]]++; // counts, for now
    for (let j = 0; j < d; j++) k.full[j] -= k.full[j] % 4;
    BOUND.set(ws, k);
  }
  k.W.set(f.W);
  k.Ht.set(f.Ht);
  return k;
}

/** out[i, :] = Σ_{q ∈ nz(i)} val_q · B[col(q), :] over V's rows (B `[d, r]`, out `[n, r]`). */
function rowTimes(k: Bound, val: Float64Array, B: Float64Array, r: number, out: Float64Array) {
  const { ptr, idx, rows } = k.byRow;
  k.fn.sparseTimes(
    ptr.byteOffset,
    idx.byteOffset,
    val.byteOffset,
    rows,
    B.byteOffset,
    r,
    out.byteOffset,
  );
}

/**
 * out = VᵀA (`[d, r]`) for A `[n, r]`, with every sum grouped as a pass over
 * V's columns would group it (out[j, :] = Σ over column j's nonzeros, four at
 * a time, then one at a time), computed row by row so that A is read in order
 * rather than at random: 2.5× faster on MNIST with A = W.
 */
function columnTimes(k: Bound, val: Float64Array, A: Float64Array, r: number, out: Float64Array) {
  const { ptr, idx, rows } = k.byRow;
  k.fn.scatterTimes(
    ptr.byteOffset,
    idx.byteOffset,
    val.byteOffset,
    rows,
    A.byteOffset,
    r,
    k.pos.byteOffset,
    k.full.byteOffset,
    k.open.byteOffset,
    out.byteOffset,
    out.length / r,
  );
}

/**
 * The KL ratios into `k.coef`: v_iq / (A[i]·B[q]) for every nonzero of V by
 * rows, with a zero A[i]·B[q] replaced by NMF_EPSILON. With `withLog`, returns
 * Σ v·log(A[i]·B[q]) over the nonzeros (for the objective; same guard), else 0.
 */
function klRatios(k: Bound, A: Float64Array, B: Float64Array, r: number, withLog: boolean): number {
  const { ptr, idx, val, rows } = k.byRow;
  return k.fn.klRatios(
    ptr.byteOffset,
    idx.byteOffset,
    val.byteOffset,
    rows,
    A.byteOffset,
    B.byteOffset,
    r,
    k.coef.byteOffset,
    withLog ? 1 : 0,
  );
}

/**
 * G = AᵀA for A `[m, r]` (G `[r, r]`, symmetric), summed over blocks of 256
 * rows that are then added up, which keeps the rounding of long sums small.
 */
function gram(k: Bound, A: Float64Array, m: number, r: number, G: Float64Array): void {
  G.fill(0);
  const part = k.part;
  for (let start = 0; start < m; start += 256) {
    k.fn.gramRows(A.byteOffset, start, Math.min(m, start + 256), r, part.byteOffset);
    for (let q = 0; q < r * r; q++) G[q] += part[q];
  }
  for (let a = 0; a < r; a++) {
    for (let b = 0; b < a; b++) G[b * r + a] = G[a * r + b];
  }
}

/** out = A·G for A `[m, r]` and G `[r, r]`, in the heap. */
function timesSquare(
  k: Bound,
  A: Float64Array,
  shape: { m: number; r: number },
  G: Float64Array,
  out: Float64Array,
): void {
  k.fn.timesSquare(A.byteOffset, shape.m, shape.r, G.byteOffset, out.byteOffset);
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

/** Each workspace's kernel memory, made when it first meets its data (its arrays then live there). */
const BOUND = new WeakMap<NmfWorkspace, Bound>();

/**
 * Buffers for factors of this shape. The WebAssembly memory behind them is
 * made when the workspace first meets its data, and reused for as long as the
 * data is the same object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfWorkspace } from "./kernel.ts";
 * const ws = nmfWorkspace({ n: 4, d: 3, r: 2, W: new Float64Array(8), Ht: new Float64Array(6) });
 * assert.deepEqual([ws.nw.length, ws.nh.length, ws.hht.length], [4 * 2, 3 * 2, 2 * 2]);
 * ```
 */
export function nmfWorkspace(f: NmfFactors): NmfWorkspace {
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
export function checkNmfShapes(data: NmfData, f: NmfFactors): void {
  if (f.n !== data.n || f.d !== data.d || f.W.length !== f.n * f.r || f.Ht.length !== f.d * f.r) {
    throw new RangeError(
      `factors are for ${f.n}×${f.d} (rank ${f.r}); the data is ${data.n}×${data.d}`,
    );
  }
}

/**
 * One multiplicative-update iteration (W, then H) in place. Returns the
 * objective at the factors as they were on entry, which the W update
 * computes on the way (for free apart from one log per nonzero for KL).
 *
 * The Frobenius value comes from ‖V‖² − 2⟨W, VHᵀ⟩ + ⟨WᵀW, HHᵀ⟩, whose
 * rounding error is about 1e-15·‖V‖²; {@link nmfObjective} evaluates the
 * residual directly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfData, nmfInit, nmfObjective, nmfStep, nmfWorkspace } from "../../mod.ts";
 * const data = nmfData([1, 2, 0, 0, 1, 3, 2, 0, 1], 3, 3); // [3, 3]
 * const f = nmfInit(data, { rank: 2, init: "random", seed: 0 });
 * const ws = nmfWorkspace(f); // reused across iterations
 * const before = nmfObjective(data, f, "kl");
 * const tracked = nmfStep(data, f, "kl", ws); // updates f in place
 * assert.ok(Math.abs(tracked - before) < 1e-12 * before);
 * assert.ok(nmfObjective(data, f, "kl") <= before);
 * ```
 */
export function nmfStep(
  data: NmfData,
  f: NmfFactors,
  objective: NmfObjective,
  ws: NmfWorkspace = nmfWorkspace(f),
): number {
  checkNmfShapes(data, f);
  const k = bind(data, f, ws);
  const { n, d, r } = f;
  const { W, Ht } = k; // the heap's copies of f.W and f.Ht
  // Also leaves the W update's numerator and the sums it needs in `ws`.
  const before = trackedObjective(k, f, objective, ws);
  if (objective === "frobenius") {
    // W ← W ∘ VHᵀ / (W·HHᵀ).
    timesSquare(k, W, { m: n, r }, ws.hht, ws.dw);
    for (let q = 0; q < n * r; q++) {
      const den = ws.dw[q];
      W[q] *= ws.nw[q] / (den === 0 ? NMF_EPSILON : den);
    }
    // H ← H ∘ WᵀV / (WᵀW·H), in the transposed layout: Ht ← Ht ∘ VᵀW / (Ht·WᵀW).
    gram(k, W, n, r, ws.wtw);
    columnTimes(k, k.byRow.val, W, r, ws.nh);
    timesSquare(k, Ht, { m: d, r }, ws.wtw, ws.dh);
    for (let q = 0; q < d * r; q++) {
      const den = ws.dh[q];
      Ht[q] *= ws.nh[q] / (den === 0 ? NMF_EPSILON : den);
    }
    ws.wtwFresh = true;
  } else {
    // W ← W ∘ ((V/WH)·Hᵀ) / (1·Hᵀ); the denominator is H's row sums.
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < r; c++) {
        const den = ws.sh[c];
        W[i * r + c] *= ws.nw[i * r + c] / (den === 0 ? NMF_EPSILON : den);
      }
    }
    // H ← H ∘ (Wᵀ·(V/WH)) / (Wᵀ·1); the denominator is W's column sums (0 → 1).
    // The ratios of the new W, taken row by row (each is one dot product, whatever the order).
    klRatios(k, W, Ht, r, false);
    columnTimes(k, k.coef, W, r, ws.nh);
    columnSums(W, n, r, ws.sw);
    for (let j = 0; j < d; j++) {
      for (let c = 0; c < r; c++) {
        const den = ws.sw[c];
        const h = Ht[j * r + c] * ws.nh[j * r + c] / (den === 0 ? 1 : den);
        Ht[j * r + c] = h < Number.EPSILON ? 0 : h;
      }
    }
    ws.wtwFresh = false;
  }
  f.W.set(W);
  f.Ht.set(Ht);
  return before;
}

/**
 * The objective from the products the W update needs (cheap; see
 * {@link nmfStep}'s rounding note). Leaves in `ws`: for Frobenius VHᵀ (`nw`),
 * HHᵀ and WᵀW; for KL (V/WH)·Hᵀ (`nw`) and the column sums of Ht and W.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfData, nmfInit, nmfObjective, nmfWorkspace } from "../../mod.ts";
 * import { nmfTrackedObjective } from "./kernel.ts";
 * const data = nmfData([1, 2, 0, 0, 1, 3, 2, 0, 1], 3, 3);
 * const f = nmfInit(data, { rank: 2, init: "random", seed: 0 });
 * const tracked = nmfTrackedObjective(data, f, "frobenius", nmfWorkspace(f));
 * const direct = nmfObjective(data, f, "frobenius");
 * assert.ok(Math.abs(tracked - direct) < 1e-12 * direct);
 * ```
 */
export function nmfTrackedObjective(
  data: NmfData,
  f: NmfFactors,
  objective: NmfObjective,
  ws: NmfWorkspace,
): number {
  checkNmfShapes(data, f);
  return trackedObjective(bind(data, f, ws), f, objective, ws);
}

/** {@link nmfTrackedObjective} on factors already copied into the heap. */
function trackedObjective(
  k: Bound,
  shape: { n: number; d: number; r: number },
  objective: NmfObjective,
  ws: NmfWorkspace,
): number {
  const { n, d, r } = shape;
  const { data, W, Ht } = k;
  if (objective === "frobenius") {
    rowTimes(k, k.byRow.val, Ht, r, ws.nw);
    gram(k, Ht, d, r, ws.hht);
    if (!ws.wtwFresh) gram(k, W, n, r, ws.wtw);
    return data.sumSq - 2 * dot(W, ws.nw) + dot(ws.wtw, ws.hht);
  }
  const vlogWH = klRatios(k, W, Ht, r, true);
  rowTimes(k, k.coef, Ht, r, ws.nw);
  columnSums(Ht, d, r, ws.sh);
  columnSums(W, n, r, ws.sw);
  // D(V‖WH) = Σ V log V − Σ V log WH − Σ V + Σ WH, and Σ WH = (1ᵀW)(H1).
  return data.sumVlogV - vlogWH - data.sum + dot(ws.sw, ws.sh);
}

/**
 * The objective at `f`, evaluated directly: ‖V − WH‖²_F from the residual of
 * every entry (O(n·d·r)), or D(V‖WH) with (WH)ᵢⱼ = 0 read as NMF_EPSILON
 * where Vᵢⱼ > 0 (as scikit-learn does).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfData, nmfObjective } from "../../mod.ts";
 * const data = nmfData([1, 2, 2, 4], 2, 2); // [2, 2], exactly rank 1
 * const f = { n: 2, d: 2, r: 1, W: Float64Array.of(1, 2), Ht: Float64Array.of(1, 2) };
 * assert.equal(nmfObjective(data, f, "frobenius"), 0);
 * assert.equal(nmfObjective(data, f, "kl"), 0);
 * ```
 */
export function nmfObjective(data: NmfData, f: NmfFactors, objective: NmfObjective): number {
  checkNmfShapes(data, f);
  const { n, d, r, W, Ht } = f;
  if (objective === "frobenius") {
    const row = new Float64Array(d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      row.fill(0);
      for (let q = data.rowPtr[i]; q < data.rowPtr[i + 1]; q++) {
        row[data.rowCol[q]] = data.rowVal[q];
      }
      const o = i * r;
      let rowTotal = 0;
      for (let j = 0; j < d; j++) {
        let s = 0;
        const h = j * r;
        for (let k = 0; k < r; k++) s += W[o + k] * Ht[h + k];
        const e = row[j] - s;
        rowTotal += e * e;
      }
      total += rowTotal;
    }
    return total;
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * r;
    let rowTotal = 0;
    for (let q = data.rowPtr[i]; q < data.rowPtr[i + 1]; q++) {
      const h = data.rowCol[q] * r;
      let s = 0;
      for (let k = 0; k < r; k++) s += W[o + k] * Ht[h + k];
      if (s === 0) s = NMF_EPSILON;
      const v = data.rowVal[q];
      rowTotal += v * Math.log(v / s) - v;
    }
    total += rowTotal;
  }
  const sw = new Float64Array(r);
  const sh = new Float64Array(r);
  columnSums(W, n, r, sw);
  columnSums(Ht, d, r, sh);
  return total + dot(sw, sh);
}
