/**
 * Nonnegative matrix factorisation V ≈ WH with Lee & Seung's multiplicative
 * updates (Lee & Seung 1999, "Learning the parts of objects by non-negative
 * matrix factorization", Nature 401; the updates and their monotonicity
 * proofs are in Lee & Seung 2001, "Algorithms for non-negative matrix
 * factorization", NIPS 13), for two objectives:
 *
 *   frobenius  ‖V − WH‖²_F
 *   kl         D(V‖WH) = Σᵢⱼ Vᵢⱼ log(Vᵢⱼ / (WH)ᵢⱼ) − Vᵢⱼ + (WH)ᵢⱼ   (generalised KL)
 *
 * Layout follows scikit-learn, not the paper: V is `[n, d]` with one image
 * per row, W `[n, r]` holds the encodings (one row per image) and H `[r, d]`
 * the basis images (one per row). Lee & Seung's V is our Vᵀ. Internally H is
 * kept transposed (`Ht`, `[d, r]`) so that every inner loop runs over the r
 * components of one image or one pixel, contiguously.
 *
 * One iteration updates W, then H (scikit-learn's order):
 *
 *   frobenius  W ← W ∘ (VHᵀ) / (W·HHᵀ)          H ← H ∘ (WᵀV) / (WᵀW·H)
 *   kl         W ← W ∘ ((V/WH)·Hᵀ) / (1·Hᵀ)     H ← H ∘ (Wᵀ·(V/WH)) / (Wᵀ·1)
 *
 * Division guards copy scikit-learn 1.2's `solver="mu"` so that the two can be
 * compared number for number: a denominator that is exactly 0 is replaced by
 * {@link NMF_EPSILON} (float32's machine epsilon, 2⁻²³ ≈ 1.19e-7), as is a
 * (WH)ᵢⱼ that is exactly 0 in V/WH; a column sum of W that is 0 becomes 1;
 * and after the KL update of H, entries below float64's epsilon (2⁻⁵²) are
 * set to 0. Positive denominators are never touched, so the updates are
 * exactly Lee & Seung's wherever their proof applies, and the objective never
 * increases (tests/nmf_test.ts checks it at every iteration, allowing 1e-12
 * of the objective for rounding and for the 2⁻⁵² flush).
 *
 * V is stored sparsely (rows and columns): MNIST is 81% zeros, and only the
 * nonzeros of V enter VHᵀ, WᵀV and the KL ratio V/WH (where Vᵢⱼ = 0 the ratio
 * is 0 whatever WH is). Hand-written float64 loops beat tfjs here: tfjs-wasm
 * multiplies in float32 (too coarse to check monotonicity to 1e-12), and its
 * transposed products (WᵀV) ran 10× slower than the plain ones. Measured on
 * the 10,000 MNIST digits at r = 49, one thread: about 0.11 s per Frobenius
 * iteration and 0.2 s per KL iteration (scikit-learn 1.2 with two-thread
 * OpenBLAS on dense V: 0.03 s and 0.14 s).
 *
 * Initialisations: `random` draws |N(0, 1)| · √(mean(V)/r) for every entry
 * (scikit-learn's `init="random"`); `nndsvd` is Boutsidis & Gallopoulos's
 * nonnegative double SVD (2008, Pattern Recognition 41), built from the exact
 * leading singular vectors; `nndsvda` fills NNDSVD's zeros with mean(V)
 * (multiplicative updates can never move an entry away from 0).
 *
 * @module
 */
// The eigensolver is plain linear algebra that happens to live with PCA.
import { type Eigen, symmetricEigen } from "../../core/linalg.ts";
import { deriveSeed, Rng } from "../../core/random.ts";

/** The two objectives. */
export const NMF_OBJECTIVES = ["frobenius", "kl"] as const;
/** One of {@link NMF_OBJECTIVES}. */
export type NmfObjective = typeof NMF_OBJECTIVES[number];

/** The initialisations. */
export const NMF_INITS = ["random", "nndsvd", "nndsvda"] as const;
/** One of {@link NMF_INITS}. */
export type NmfInit = typeof NMF_INITS[number];

/** What replaces a zero denominator (float32's machine epsilon, as scikit-learn's NMF). */
export const NMF_EPSILON = 2 ** -23;

/** NNDSVD sets entries below this to 0 (scikit-learn's default `eps`). */
export const NNDSVD_TRUNCATE = 1e-6;

/** A nonnegative matrix V `[n, d]` stored by rows and by columns (nonzeros only). */
export interface NmfData {
  n: number;
  d: number;
  /** Row i's nonzeros are rowCol/rowVal[rowPtr[i] … rowPtr[i+1]). */
  rowPtr: Int32Array;
  rowCol: Int32Array;
  rowVal: Float64Array;
  /** Column j's nonzeros are colRow/colVal[colPtr[j] … colPtr[j+1]). */
  colPtr: Int32Array;
  colRow: Int32Array;
  colVal: Float64Array;
  /** Σ V, Σ V², Σ V log V over the nonzeros (constants of the objectives). */
  sum: number;
  sumSq: number;
  sumVlogV: number;
}

/** Factors of V ≈ WH. */
export interface NmfFactors {
  n: number;
  d: number;
  r: number;
  /** Encodings, `[n, r]`. */
  W: Float64Array;
  /** Basis images transposed, `[d, r]` (Ht[j·r + k] = H[k, j]). */
  Ht: Float64Array;
}

/**
 * Stores the row-major `[n, d]` matrix `values` for NMF. Throws a RangeError
 * naming the first negative or non-finite entry.
 */
export function nmfData(values: ArrayLike<number>, n: number, d: number): NmfData {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1) {
    throw new RangeError(`nmfData needs n, d >= 1, got n=${n}, d=${d}`);
  }
  if (values.length !== n * d) {
    throw new RangeError(`nmfData: ${values.length} values for a ${n}×${d} matrix`);
  }
  let nnz = 0;
  const colCount = new Int32Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = values[i * d + j];
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new RangeError(
          `NMF needs finite nonnegative data; entry (${i}, ${j}) is ${v}`,
        );
      }
      if (v !== 0) {
        nnz++;
        colCount[j]++;
      }
    }
  }
  const rowPtr = new Int32Array(n + 1);
  const rowCol = new Int32Array(nnz);
  const rowVal = new Float64Array(nnz);
  const colPtr = new Int32Array(d + 1);
  for (let j = 0; j < d; j++) colPtr[j + 1] = colPtr[j] + colCount[j];
  const colRow = new Int32Array(nnz);
  const colVal = new Float64Array(nnz);
  const fill = colPtr.slice(0, d);
  let p = 0;
  let sum = 0;
  let sumSq = 0;
  let sumVlogV = 0;
  for (let i = 0; i < n; i++) {
    rowPtr[i] = p;
    // Row totals first: the long sums then add n numbers, not n·d.
    let s1 = 0, s2 = 0, s3 = 0;
    for (let j = 0; j < d; j++) {
      const v = values[i * d + j];
      if (v === 0) continue;
      rowCol[p] = j;
      rowVal[p++] = v;
      colRow[fill[j]] = i;
      colVal[fill[j]++] = v;
      s1 += v;
      s2 += v * v;
      s3 += v * Math.log(v);
    }
    sum += s1;
    sumSq += s2;
    sumVlogV += s3;
  }
  rowPtr[n] = p;
  return { n, d, rowPtr, rowCol, rowVal, colPtr, colRow, colVal, sum, sumSq, sumVlogV };
}

/** V as a dense row-major `[n, d]` array. */
export function nmfDense(data: NmfData): Float64Array {
  const out = new Float64Array(data.n * data.d);
  for (let i = 0; i < data.n; i++) {
    for (let q = data.rowPtr[i]; q < data.rowPtr[i + 1]; q++) {
      out[i * data.d + data.rowCol[q]] = data.rowVal[q];
    }
  }
  return out;
}

/** The basis images H `[r, d]` (row k is basis image k). */
export function nmfBasis(f: NmfFactors): Float64Array {
  const H = new Float64Array(f.r * f.d);
  for (let j = 0; j < f.d; j++) {
    for (let k = 0; k < f.r; k++) H[k * f.d + j] = f.Ht[j * f.r + k];
  }
  return H;
}

/** The reconstruction WH `[n, d]` (row i reconstructs image i). */
export function nmfReconstruct(f: NmfFactors, rows?: number[]): Float64Array {
  const { d, r, W, Ht } = f;
  const picks = rows ?? Array.from({ length: f.n }, (_, i) => i);
  const out = new Float64Array(picks.length * d);
  picks.forEach((i, row) => {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += W[i * r + k] * Ht[j * r + k];
      out[row * d + j] = s;
    }
  });
  return out;
}

// ---------------------------------------------------------------------------
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
function timesSquare(A: Float64Array, m: number, r: number, G: Float64Array, out: Float64Array) {
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

/** Scratch buffers of one factorisation (reused across iterations). */
export interface NmfWorkspace {
  /** `[n, r]` numerator of the W update. */
  nw: Float64Array;
  /** `[d, r]` numerator of the H update. */
  nh: Float64Array;
  /** `[n, r]` / `[d, r]` denominators. */
  dw: Float64Array;
  dh: Float64Array;
  /** `[r, r]`: HHᵀ and WᵀW. */
  hht: Float64Array;
  wtw: Float64Array;
  /** Whether `wtw` holds WᵀW of the current W (the Frobenius H update leaves it so). */
  wtwFresh: boolean;
  /** `[r]` sums. */
  sw: Float64Array;
  sh: Float64Array;
}

/** Buffers for factors of this shape. */
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

function checkShapes(data: NmfData, f: NmfFactors): void {
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
 */
export function nmfStep(
  data: NmfData,
  f: NmfFactors,
  objective: NmfObjective,
  ws: NmfWorkspace = nmfWorkspace(f),
): number {
  checkShapes(data, f);
  const { n, d, r, W, Ht } = f;
  // Also leaves the W update's numerator and the sums it needs in `ws`.
  const before = trackedObjective(data, f, objective, ws);
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
function trackedObjective(
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

/**
 * The objective at `f`, evaluated directly: ‖V − WH‖²_F from the residual of
 * every entry (O(n·d·r)), or D(V‖WH) with (WH)ᵢⱼ = 0 read as NMF_EPSILON
 * where Vᵢⱼ > 0 (as scikit-learn does).
 */
export function nmfObjective(data: NmfData, f: NmfFactors, objective: NmfObjective): number {
  checkShapes(data, f);
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

// ---------------------------------------------------------------------------
// Initialisation.

/** The leading singular triplets of V: V ≈ U·diag(s)·Vᵀ restricted to k. */
export interface SingularTriplets {
  k: number;
  /** Singular values, descending. */
  s: Float64Array;
  /** Left singular vectors as columns of `[n, k]`. */
  u: Float64Array;
  /** Right singular vectors as columns of `[d, k]`. */
  v: Float64Array;
}

/**
 * The k leading singular triplets of V from the eigendecomposition of the
 * smaller Gram matrix (VᵀV `[d, d]` when d ≤ n, else VVᵀ `[n, n]`): its
 * eigenvectors give one side, σ = √λ, and the other side is V·v/σ (or Vᵀ·u/σ).
 * Squaring the matrix loses the smallest singular values' accuracy, not the
 * leading ones NNDSVD needs. A σ of 0 gives zero vectors.
 */
export function topSingularTriplets(data: NmfData, k: number): SingularTriplets {
  const { n, d } = data;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, d)) {
    throw new RangeError(`k must be an integer in [1, ${Math.min(n, d)}], got ${k}`);
  }
  const s = new Float64Array(k);
  const u = new Float64Array(n * k);
  const v = new Float64Array(d * k);
  if (d <= n) {
    const G = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      for (let a = data.rowPtr[i]; a < data.rowPtr[i + 1]; a++) {
        const ja = data.rowCol[a];
        const va = data.rowVal[a];
        for (let b = data.rowPtr[i]; b <= a; b++) G[ja * d + data.rowCol[b]] += va * data.rowVal[b];
      }
    }
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) G[b * d + a] = G[a * d + b];
    singularFromGram(symmetricEigen(G, d), {
      k,
      s,
      near: v,
      far: u,
      ptr: data.rowPtr,
      idx: data.rowCol,
      val: data.rowVal,
    });
  } else {
    const dense = nmfDense(data);
    const G = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b <= a; b++) {
        let t = 0;
        for (let j = 0; j < d; j++) t += dense[a * d + j] * dense[b * d + j];
        G[a * n + b] = t;
        G[b * n + a] = t;
      }
    }
    singularFromGram(symmetricEigen(G, n), {
      k,
      s,
      near: u,
      far: v,
      ptr: data.colPtr,
      idx: data.colRow,
      val: data.colVal,
    });
  }
  return { k, s, u, v };
}

/**
 * The k leading triplets from the eigendecomposition of one side's Gram
 * matrix: σ = √λ into `s`, that side's singular vectors (`near`, `[m, k]`)
 * from the eigenvectors, and the other side's (`far`, `[rows, k]`) as
 * (V·near)/σ, with V's nonzeros stored by the far side's rows (`ptr`, `idx`
 * into near, `val`).
 */
function singularFromGram(
  eig: Eigen,
  o: {
    k: number;
    s: Float64Array;
    near: Float64Array;
    far: Float64Array;
    ptr: Int32Array;
    idx: Int32Array;
    val: Float64Array;
  },
): void {
  const { k, s, near, far, ptr, idx, val } = o;
  const m = eig.n;
  const rows = ptr.length - 1;
  for (let c = 0; c < k; c++) {
    const sigma = Math.sqrt(Math.max(eig.values[c], 0));
    s[c] = sigma;
    if (sigma === 0) continue;
    for (let j = 0; j < m; j++) near[j * k + c] = eig.vectors[j * m + c];
    for (let i = 0; i < rows; i++) {
      let t = 0;
      for (let q = ptr[i]; q < ptr[i + 1]; q++) t += val[q] * near[idx[q] * k + c];
      far[i * k + c] = t / sigma;
    }
  }
}

/**
 * NNDSVD (Boutsidis & Gallopoulos 2008) as scikit-learn writes it: the
 * leading triplet's absolute values; for every further triplet (σ, x, y),
 * the positive parts (x₊, y₊) or the negative parts (x₋, y₋), whichever
 * pair has the larger product of norms m, scaled to √(σ·m)·x₊/‖x₊‖ (and
 * likewise for y); entries below {@link NNDSVD_TRUNCATE} become 0. With
 * `fill: "mean"` (NNDSVDa) the zeros are then set to mean(V). Flipping the
 * sign of a singular pair swaps the positive and negative parts, so the
 * result does not depend on the eigensolver's signs.
 */
export function nndsvd(
  data: NmfData,
  rank: number,
  options: { fill?: "zeros" | "mean"; svd?: SingularTriplets } = {},
): NmfFactors {
  const { n, d } = data;
  const svd = options.svd ?? topSingularTriplets(data, rank);
  if (svd.k < rank) throw new RangeError(`nndsvd needs ${rank} singular triplets, got ${svd.k}`);
  const r = rank;
  const W = new Float64Array(n * r);
  const Ht = new Float64Array(d * r);
  const k = svd.k;
  const x = new Float64Array(n);
  const y = new Float64Array(d);
  for (let c = 0; c < r; c++) {
    for (let i = 0; i < n; i++) x[i] = svd.u[i * k + c];
    for (let j = 0; j < d; j++) y[j] = svd.v[j * k + c];
    const sigma = svd.s[c];
    if (c === 0) {
      const root = Math.sqrt(sigma);
      for (let i = 0; i < n; i++) W[i * r] = root * Math.abs(x[i]);
      for (let j = 0; j < d; j++) Ht[j * r] = root * Math.abs(y[j]);
      continue;
    }
    let xp = 0, xn = 0, yp = 0, yn = 0;
    for (const t of x) t > 0 ? (xp += t * t) : (xn += t * t);
    for (const t of y) t > 0 ? (yp += t * t) : (yn += t * t);
    xp = Math.sqrt(xp);
    xn = Math.sqrt(xn);
    yp = Math.sqrt(yp);
    yn = Math.sqrt(yn);
    const mp = xp * yp;
    const mn = xn * yn;
    const positive = mp > mn;
    const m = positive ? mp : mn;
    if (m === 0) continue;
    const lambda = Math.sqrt(sigma * m);
    const xs = lambda / (positive ? xp : xn);
    const ys = lambda / (positive ? yp : yn);
    for (let i = 0; i < n; i++) {
      const t = positive ? Math.max(x[i], 0) : Math.max(-x[i], 0);
      W[i * r + c] = xs * t;
    }
    for (let j = 0; j < d; j++) {
      const t = positive ? Math.max(y[j], 0) : Math.max(-y[j], 0);
      Ht[j * r + c] = ys * t;
    }
  }
  const mean = data.sum / (n * d);
  const fill = options.fill === "mean" ? mean : 0;
  for (let q = 0; q < W.length; q++) if (W[q] < NNDSVD_TRUNCATE) W[q] = fill;
  for (let q = 0; q < Ht.length; q++) if (Ht[q] < NNDSVD_TRUNCATE) Ht[q] = fill;
  return { n, d, r, W, Ht };
}

/**
 * Random factors: every entry |N(0, 1)|·√(mean(V)/r), so that WH starts at
 * the data's scale (scikit-learn's `init="random"`; its numbers differ since
 * the generators differ). H and W use separate streams derived from `seed`.
 */
export function nmfRandomInit(data: NmfData, rank: number, seed: number): NmfFactors {
  const { n, d } = data;
  const r = rank;
  const scale = Math.sqrt(data.sum / (n * d) / r);
  const hRng = new Rng(deriveSeed(seed, "nmf-init", "H"));
  const wRng = new Rng(deriveSeed(seed, "nmf-init", "W"));
  const Ht = new Float64Array(d * r);
  // Drawn in H's row-major order [r, d], stored transposed.
  for (let k = 0; k < r; k++) {
    for (let j = 0; j < d; j++) Ht[j * r + k] = scale * Math.abs(hRng.normal());
  }
  const W = new Float64Array(n * r);
  for (let q = 0; q < n * r; q++) W[q] = scale * Math.abs(wRng.normal());
  return { n, d, r, W, Ht };
}

/** Initial factors by `init` (`svd` lets several NNDSVD runs share one decomposition). */
export function nmfInit(
  data: NmfData,
  options: { rank: number; init: NmfInit; seed: number; svd?: SingularTriplets },
): NmfFactors {
  const { rank, init } = options;
  const limit = init === "random" ? Infinity : Math.min(data.n, data.d);
  if (!Number.isInteger(rank) || rank < 1 || rank > limit) {
    throw new RangeError(
      `rank must be an integer in [1, ${limit}] for init=${init}, got ${rank}`,
    );
  }
  if (init === "random") return nmfRandomInit(data, rank, options.seed);
  return nndsvd(data, rank, { fill: init === "nndsvda" ? "mean" : "zeros", svd: options.svd });
}

/** A copy of factors. */
export function cloneFactors(f: NmfFactors): NmfFactors {
  return { ...f, W: f.W.slice(), Ht: f.Ht.slice() };
}

/** What {@link fitNmf} returns. */
export interface NmfFit {
  factors: NmfFactors;
  /** Objective after t iterations, t = 0 … iterations. */
  history: Float64Array;
  /** Both objectives at the final factors (whichever one was minimised). */
  final: Record<NmfObjective, number>;
  /** Wall time per iteration. */
  msPerIteration: number;
}

/** Where a fit stands after `iteration` updates (what a checkpoint keeps). */
export interface NmfFitState {
  iteration: number;
  factors: NmfFactors;
  /** Objective before each update so far (entries 0 … iteration − 1 are set). */
  history: Float64Array;
  /** Wall time of the updates so far. */
  elapsedMs: number;
}

/**
 * Runs `iterations` multiplicative updates from `start` (which is copied).
 * `onProgress` hears the iteration count every `progressEvery` iterations;
 * an aborted `signal` (or `shouldStop()` returning true) ends the fit between
 * iterations: `checkpoint.save` hears its state, then the signal's reason (or
 * an Error "stopped") is thrown. With `checkpoint`, the state is also saved
 * every `checkpoint.every` iterations and at the end; `resumeFrom` continues
 * a saved state and gives the same numbers as an unbroken fit (the updates
 * depend on the factors alone).
 *
 * @example
 * ```ts
 * import { fitNmf, nmfData, nmfInit } from "./model.ts";
 * const data = nmfData([1, 2, 3, 4, 5, 6], 2, 3);
 * const start = nmfInit(data, { rank: 1, init: "random", seed: 0 });
 * const fit = await fitNmf(data, start, { objective: "frobenius", iterations: 50 });
 * console.assert(fit.history[50] <= fit.history[0]);
 * ```
 */
export async function fitNmf(
  data: NmfData,
  start: NmfFactors,
  options: {
    objective: NmfObjective;
    iterations: number;
    onProgress?: (iteration: number, objective: number) => void | Promise<void>;
    progressEvery?: number;
    signal?: AbortSignal;
    shouldStop?: () => boolean;
    checkpoint?: { every: number; save: (state: NmfFitState) => void | Promise<void> };
    resumeFrom?: NmfFitState | null;
  },
): Promise<NmfFit> {
  const { objective, iterations, checkpoint } = options;
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new RangeError(`iterations must be an integer >= 0, got ${iterations}`);
  }
  const from = options.resumeFrom ?? null;
  if (from && !(Number.isInteger(from.iteration) && from.iteration <= iterations)) {
    throw new RangeError(`cannot resume at iteration ${from.iteration} of ${iterations}`);
  }
  const f = cloneFactors(from ? from.factors : start);
  checkShapes(data, f);
  const ws = nmfWorkspace(f);
  const history = new Float64Array(iterations + 1);
  if (from) history.set(from.history.subarray(0, from.iteration));
  const every = options.progressEvery ?? Math.max(1, Math.floor(iterations / 50));
  const before = from?.elapsedMs ?? 0;
  const started = performance.now();
  const state = (t: number): NmfFitState => ({
    iteration: t,
    factors: f,
    history,
    elapsedMs: before + performance.now() - started,
  });
  for (let t = from?.iteration ?? 0; t < iterations; t++) {
    if (options.signal?.aborted || options.shouldStop?.()) {
      await checkpoint?.save(state(t));
      throw options.signal?.aborted ? options.signal.reason : new Error("stopped");
    }
    history[t] = nmfStep(data, f, objective, ws);
    if (options.onProgress && (t + 1) % every === 0) await options.onProgress(t + 1, history[t]);
    if (checkpoint && (t + 1) % checkpoint.every === 0 && t + 1 < iterations) {
      await checkpoint.save(state(t + 1));
    }
  }
  const elapsed = before + performance.now() - started;
  if (checkpoint) await checkpoint.save(state(iterations));
  history[iterations] = trackedObjective(data, f, objective, ws);
  const other: NmfObjective = objective === "frobenius" ? "kl" : "frobenius";
  const final = {
    [objective]: history[iterations],
    [other]: trackedObjective(data, f, other, ws),
  } as Record<NmfObjective, number>;
  return { factors: f, history, final, msPerIteration: iterations > 0 ? elapsed / iterations : 0 };
}
