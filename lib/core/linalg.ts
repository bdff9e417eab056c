/**
 * Dense linear algebra the lab needs below its models: the symmetric
 * eigendecomposition, whole ({@link symmetricEigen}) or its k leading pairs
 * ({@link symmetricEigenTop}, for PCA at a small rank: by the Lanczos iteration, checked, or by
 * the reduction below without accumulating Q). The whole one reduces the matrix to tridiagonal form with
 * Householder reflections and diagonalises that with implicit QR steps
 * (Wilkinson shifts), accumulating the transformations: O(n³), float64,
 * deterministic.
 *
 * The O(n²) loops (the reduction's trailing block times v, rank-2 update and
 * Q ← Q·H, and the QR steps' rotations) run as WebAssembly SIMD (linalg.as.ts,
 * compiled into `_linalg_wasm.ts`) with the same float64 operations in the
 * same order as the scalar loops they replaced, so the results are
 * bit-identical to them; n = 784 (MNIST's covariance), idle machine: 1.2 s
 * before, 0.52 s after. The Lanczos route's products and projections are wasm
 * SIMD too, new code with its own order of summation.
 *
 * @module
 */
import { Rng } from "./random.ts";
import { WasmHeap } from "./wasm.ts";
import { WASM } from "./_linalg_wasm.ts";

export type { WasmHeap };

/** The exports of linalg.as.ts (pointers are byte offsets into the heap). */
interface ReductionKernel {
  blockTimes(A: number, n: number, m0: number, v: number, beta: number, p: number): void;
  rank2(A: number, n: number, m0: number, v: number, w: number): void;
  applyReflector(Q: number, rows: number, n: number, m0: number, v: number, beta: number): void;
  symUpdateTimes(
    A: number,
    n: number,
    m0: number,
    v: number,
    w: number,
    u: number,
    p: number,
  ): void;
  symMatVec(A: number, n: number, x: number, y: number): void;
  projectOut(Q: number, rows: number, n: number, w: number, h: number): void;
  combineRows(Q: number, rows: number, n: number, c: number, out: number): void;
  normaliseInto(x: number, n: number, floor: number, out: number): number;
  packLower(A: number, n0: number, spans: number, count: number): void;
  tridiagonalQr(d: number, e: number, n: number, rows: number, len: number): number;
  inkedLower(A: number, n: number, flags: number): void;
  fillSigned(state: number, out: number, count: number): void;
  signRows(Z: number, k: number, n: number): void;
  tridiagonalVectors(
    d: number,
    e: number,
    n: number,
    values: number,
    k: number,
    out: number,
    starts: number,
    scratch: number,
  ): number;
}

/** Eigenvalues (descending) and unit eigenvectors of a symmetric matrix. */
export interface Eigen {
  /** Size of the matrix. */
  n: number;
  /** Eigenvalues, in descending order. */
  values: Float64Array;
  /** Column k of the row-major `[n, n]` matrix is the eigenvector of values[k]. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition of the symmetric row-major `[n, n]` matrix `a`.
 *
 * 1. Householder reflections H = I − βvvᵀ reduce A to a tridiagonal T = QᵀAQ,
 *    each applied to the trailing block as a symmetric rank-2 update.
 * 2. Implicit symmetric QR steps with a Wilkinson shift (a Givens rotation
 *    chasing the bulge down the band) diagonalise T, deflating whenever an
 *    off-diagonal entry becomes negligible; Q accumulates every rotation.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): Eigen {
  // A, Q, v and p live in the memory of the SIMD kernel (linalg.as.ts), which runs the
  // reduction's O(n²) loops; everything else here reads and writes them as plain arrays.
  const heap = new WasmHeap(WASM, { bytes: 8 * (2 * n * n + 4 * n) + 128 });
  const fn = heap.exports as unknown as ReductionKernel;
  const A = heap.f64(n * n);
  for (let k = 0; k < n * n; k++) A[k] = a[k];
  const Q = heap.f64(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  const v = heap.f64(n);
  const p = heap.f64(n);

  for (let k = 0; k < n - 2; k++) {
    const m0 = k + 1;
    const { beta, alpha } = householder(A, n, k, v);
    if (beta === 0) continue;
    // p = β·A₂₂v, w = p − (β/2)(pᵀv)v, A₂₂ ← A₂₂ − vwᵀ − wvᵀ.
    fn.blockTimes(A.byteOffset, n, m0, v.byteOffset, beta, p.byteOffset);
    let pv = 0;
    for (let i = m0; i < n; i++) pv += p[i] * v[i];
    const K = (beta / 2) * pv;
    for (let i = m0; i < n; i++) p[i] -= K * v[i]; // p now holds w
    fn.rank2(A.byteOffset, n, m0, v.byteOffset, p.byteOffset);
    A[m0 * n + k] = alpha;
    A[k * n + m0] = alpha;
    for (let i = m0 + 1; i < n; i++) {
      A[i * n + k] = 0;
      A[k * n + i] = 0;
    }
    // Q ← Q·H.
    fn.applyReflector(Q.byteOffset, n, n, m0, v.byteOffset, beta);
  }
  const d = heap.f64(n);
  const e = heap.f64(n);
  for (let i = 0; i < n; i++) {
    d[i] = A[i * n + i];
    e[i] = i + 1 < n ? A[(i + 1) * n + i] : 0;
  }

  // The rotations act on pairs of Q's columns: hold Q transposed (Qt, row k = column k of Q) so
  // that each runs over contiguous memory (in the kernel); the arithmetic is the same.
  const Qt = A; // A's entries are no longer needed: d and e hold T
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) Qt[c * n + r] = Q[r * n + c];
  qrSteps(fn, d, e, n, Qt, n);

  const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => d[y] - d[x] || x - y);
  const values = Float64Array.from(order, (k) => d[k]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, col) => {
    for (let i = 0; i < n; i++) vectors[i * n + col] = Qt[src * n + i];
  });
  return { n, values, vectors };
}

/**
 * The Householder reflection H = I − βvvᵀ that maps column `r` of the row-major `[n, n]` matrix A
 * below the diagonal (entries r+1 … n−1) onto α·e_{r+1}: v (those entries, written into `v`) and
 * β = 2/vᵀv; β = 0 when the column is already zero there (no reflection).
 */
function householder(
  A: Float64Array,
  n: number,
  r: number,
  v: Float64Array,
): { beta: number; alpha: number } {
  const m0 = r + 1;
  let norm = 0;
  for (let i = m0; i < n; i++) norm += A[i * n + r] ** 2;
  norm = Math.sqrt(norm);
  if (norm === 0) return { beta: 0, alpha: 0 };
  const alpha = A[m0 * n + r] > 0 ? -norm : norm;
  for (let i = m0; i < n; i++) v[i] = A[i * n + r];
  v[m0] -= alpha;
  let vv = 0;
  for (let i = m0; i < n; i++) vv += v[i] * v[i];
  return vv === 0 ? { beta: 0, alpha: 0 } : { beta: 2 / vv, alpha };
}

/**
 * Diagonalises the symmetric tridiagonal matrix with diagonal d and off-diagonal e (e[i] =
 * T[i, i+1]; e[n−1] unused), both `[n]` views of the kernel's heap, in place: afterwards d holds
 * its eigenvalues, unordered. Implicit QR steps with a Wilkinson shift (a Givens rotation chasing
 * the bulge down the band), deflating whenever an off-diagonal entry becomes negligible, in
 * linalg.as.ts's tridiagonalQr; every rotation in the (k, k+1) plane is applied to rows k and
 * k + 1 of `rows` (`[n, len]`, in the same heap), for callers that accumulate eigenvectors.
 */
function qrSteps(
  fn: ReductionKernel,
  d: Float64Array,
  e: Float64Array,
  n: number,
  rows?: Float64Array,
  len = 0,
): void {
  if (fn.tridiagonalQr(d.byteOffset, e.byteOffset, n, rows?.byteOffset ?? 0, len) !== 0) {
    throw new Error("symmetricEigen: the QR steps did not converge");
  }
}

/**
 * Room in a kernel heap for the tridiagonal steps on matrices of up to `size` rows: T's diagonal
 * and off-diagonal, one row of rotations, and k eigenvectors by inverse iteration with their
 * random starts and the iteration's scratch.
 */
interface TridiagonalRoom {
  fn: ReductionKernel;
  d: Float64Array;
  e: Float64Array;
  z: Float64Array;
  values: Float64Array;
  out: Float64Array;
  starts: Float64Array;
  scratch: Float64Array;
  /** A generator's state (fillSigned). */
  state: Int32Array;
}

/** Heap bytes {@link tridiagonalRoom} takes. */
function tridiagonalRoomBytes(size: number, k: number): number {
  return 8 * (10 * size + k + 2 * k * size) + 16 + 8 * 16;
}

function tridiagonalRoom(heap: WasmHeap, size: number, k: number): TridiagonalRoom {
  return {
    fn: heap.exports as unknown as ReductionKernel,
    d: heap.f64(size),
    e: heap.f64(size),
    z: heap.f64(size),
    values: heap.f64(k),
    out: heap.f64(k * size),
    starts: heap.f64(k * size),
    scratch: heap.f64(7 * size),
    state: heap.i32(4),
  };
}

/**
 * `out` (a view of the room's heap) ← 2u − 1 for the uniform doubles u of `new Rng(seed)` in
 * turn, drawn in the kernel (linalg.as.ts's fillSigned: the same numbers as Rng.uniform's).
 */
function fillSigned(room: TridiagonalRoom, seed: number, out: Float64Array): void {
  room.state.set(new Rng(seed).state().words);
  room.fn.fillSigned(room.state.byteOffset, out.byteOffset, out.length);
}

/** A room of its own heap, for T of m rows and k vectors. */
function ownRoom(m: number, k: number): TridiagonalRoom {
  return tridiagonalRoom(new WasmHeap(WASM, { bytes: tridiagonalRoomBytes(m, k) }), m, k);
}

/**
 * The eigenvalues of the symmetric tridiagonal matrix with diagonal d and off-diagonal e
 * (e[i] = T[i, i+1], e[n−1] ignored), descending (on ties by position), and the last entry of
 * each one's unit eigenvector in the same order: what the Lanczos iteration's convergence test
 * needs. Implicit QR steps with Wilkinson shifts (WebAssembly), accumulating only the last row of
 * the rotations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tridiagonalEigenvalues } from "./linalg.ts";
 * // [[2, 1], [1, 2]]: eigenvalues 3 and 1, eigenvectors (1, 1)/√2 and (1, −1)/√2.
 * const { values, last } = tridiagonalEigenvalues([2, 2], [1, 0]);
 * assert.ok(Math.abs(values[0] - 3) < 1e-15 && Math.abs(values[1] - 1) < 1e-15);
 * assert.ok(Math.abs(Math.abs(last[0]) - Math.SQRT1_2) < 1e-15);
 * ```
 */
export function tridiagonalEigenvalues(
  d: ArrayLike<number>,
  e: ArrayLike<number>,
): { values: Float64Array; last: Float64Array } {
  return ritzValues(ownRoom(d.length, 0), d, e, d.length);
}

/**
 * Unit eigenvectors of the symmetric tridiagonal T (diagonal d, off-diagonal e, e[n−1] = 0) for
 * the eigenvalues `values` (descending), as the rows of a `[k, n]` array: inverse iteration from
 * seeded random starts, the vectors of a cluster kept orthogonal to each other (WebAssembly;
 * {@link symmetricEigenTop}'s Ritz vectors and its reduction's eigenvectors).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tridiagonalEigenvectors } from "./linalg.ts";
 * const z = tridiagonalEigenvectors([2, 2], [1, 0], [3]);
 * assert.ok(Math.abs(Math.abs(z[0]) - Math.SQRT1_2) < 1e-15 && Math.abs(z[0] - z[1]) < 1e-15);
 * ```
 */
export function tridiagonalEigenvectors(
  d: ArrayLike<number>,
  e: ArrayLike<number>,
  values: ArrayLike<number>,
): Float64Array {
  return tridiagonalVectors(ownRoom(d.length, values.length), d, e, values).slice();
}

/** The k leading eigenpairs of a symmetric matrix. */
export interface TopEigen {
  /** Size of the matrix. */
  n: number;
  /** Number of eigenpairs. */
  k: number;
  /** The k largest eigenvalues, descending. */
  values: Float64Array;
  /**
   * How they were found: `lanczos` (the Lanczos iteration, its answer checked) or `reduction`
   * (Householder reduction, QR steps and inverse iteration), for the rows and columns that are not
   * zero; `zero` when every row is.
   */
  route: "lanczos" | "reduction" | "zero";
  /**
   * Row c of the row-major `[k, n]` matrix is the unit eigenvector of values[c], signed so that
   * its entry of largest magnitude (the first, on ties) is positive.
   */
  vectors: Float64Array;
}

/**
 * The k largest eigenvalues of the symmetric row-major `[n, n]` matrix `a`
 * and their eigenvectors. Rows and columns that are exactly zero (pixels no
 * image ever inks) split off first: each is an eigenvector eᵢ with eigenvalue
 * 0, and the rest is the matrix without them. That rest goes one of two routes
 * (`method`; `route` in the answer says which ran):
 *
 * **Lanczos** (the default from 256 rows on with k at most an eighth of them;
 * see lanczosTop): about 2.5k products of the block with a vector, each
 * reorthogonalised twice against the basis, the Ritz pairs taken once their
 * residual bound is at rounding level, and a second short run on the rest of
 * the space that must find nothing above the k-th value, else the answer is
 * refused and the reduction runs. MNIST's covariance (717 inked pixels, k =
 * 49): about 120 steps, 34 ms warm against the reduction's 129.
 *
 * **Reduction**, the route of LAPACK's `dsyevx`:
 *
 * 1. Householder reflections reduce the block to a tridiagonal T, reading only
 *    the lower triangle; each reflection's rank-2 update and the next one's
 *    product with the block are one pass over it (linalg.as.ts). The
 *    reflectors are kept instead of being multiplied into Q.
 * 2. All eigenvalues of T by the implicit QR steps without vectors (O(n²)).
 * 3. Each wanted eigenvector of T by inverse iteration: LU with partial
 *    pivoting of T − λI, repeated solves from a fixed start until the
 *    residual ‖Tz − λz‖ is at rounding level; vectors of eigenvalues closer
 *    than 10⁻³‖T‖ are orthogonalised against each other at every solve
 *    (LAPACK's `dstein`, whose cluster rule this follows).
 * 4. The reflectors carry those k vectors back to eigenvectors of `a`.
 *
 * Eigenvalues agree with {@link symmetricEigen}'s to rounding; eigenvectors to
 * rounding over the gap to the neighbouring eigenvalue, by either route
 * (tests/core/pca_test.ts, tests/core/eigen_top_test.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricEigenTop } from "./linalg.ts";
 * // diag(1, 4, 0, 2) plus a coupling between the first two coordinates.
 * const a = [1, 1, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
 * const top = symmetricEigenTop(a, 4, 2);
 * assert.ok(Math.abs(top.values[0] - (2.5 + Math.sqrt(3.25))) < 1e-12);
 * assert.ok(Math.abs(top.values[1] - 2) < 1e-12);
 * assert.deepEqual([...top.vectors.subarray(4)], [0, 0, 0, 1]);
 * ```
 */
export function symmetricEigenTop(
  a: ArrayLike<number>,
  n: number,
  k: number,
  options: EigenTopOptions = {},
): TopEigen {
  checkK(n, k);
  const heap = new WasmHeap(WASM, { bytes: 8 * n * n + 16 + eigenTopRoom(n, k) });
  const A = heap.f64(n * n);
  A.set(a as ArrayLike<number> & { length: number });
  return symmetricEigenTopInPlace(heap, A, n, k, options);
}

/** How {@link symmetricEigenTop} chooses and starts its route. */
export interface EigenTopOptions {
  /**
   * `auto` (the default): the Lanczos route for a block of 256 rows or more with k at most an
   * eighth of them, the reduction otherwise. `lanczos` tries it at any size. Either way a
   * Lanczos answer that fails its check gives way to the reduction (`route` says which ran).
   */
  method?: "auto" | "lanczos" | "reduction";
  /** The Lanczos start vector `[n]` (default: seeded uniform entries in [−1, 1)). */
  start?: ArrayLike<number>;
  /**
   * Only the lower triangle of `a` (entries j ≤ i) holds the matrix; the rest is not read. Both
   * routes read only that triangle anyway, so the answer is the same as for the full matrix.
   */
  lower?: boolean;
}

function checkK(n: number, k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`symmetricEigenTop: k must be an integer in [1, ${n}], got ${k}`);
  }
}

/**
 * Heap bytes {@link symmetricEigenTopInPlace} takes beyond the matrix, for k pairs of an n × n
 * one.
 */
export function eigenTopRoom(n: number, k: number): number {
  const { rows } = lanczosSize(n, k);
  return 8 * ((rows + k) * n + n + rows) + 4 * 3 * n + 16 * 8 + tridiagonalRoomBytes(rows, k);
}

/**
 * {@link symmetricEigenTop} of the matrix whose lower triangle is in `a`, a `[n, n]` view of
 * `heap` (a WasmHeap of linalg.as.ts's kernel with {@link eigenTopRoom} bytes free), without
 * copying it: `a` is overwritten (its rows and columns that hold a nonzero are packed into its
 * first m² entries). pca_top.ts's pcaTop hands over the covariance it computed in that heap.
 * The answer is symmetricEigenTop's, bit for bit.
 */
export function symmetricEigenTopInPlace(
  heap: WasmHeap,
  a: Float64Array,
  n: number,
  k: number,
  options: Omit<EigenTopOptions, "lower"> & {
    /**
     * 1 for each row that holds a nonzero, 0 for each zero row, when the caller knows them
     * (pca.ts's momentsInHeap marks them as it finishes the covariance): they are not looked for.
     */
    inked?: Int32Array;
  } = {},
): TopEigen {
  checkK(n, k);
  const fn = heap.exports as unknown as ReductionKernel;
  // 1. Split off zero rows (for a symmetric matrix, zero columns too), found from the lower
  // triangle: each nonzero a[i, j] marks row i and row j.
  let inked = options.inked;
  if (inked === undefined) {
    inked = heap.i32(n);
    fn.inkedLower(a.byteOffset, n, inked.byteOffset);
  }
  const kept: number[] = [];
  const zeroRows: number[] = [];
  for (let i = 0; i < n; i++) (inked[i] === 1 ? kept : zeroRows).push(i);
  const m = kept.length;
  const kk = Math.min(k, m);
  // The block's lower triangle, packed in place (each entry moves to an index no later than its
  // own, so none is overwritten before it is read).
  if (m > 0 && m < n) {
    const spans: number[] = []; // runs of consecutive kept indices: start, length
    for (const i of kept) {
      if (spans.length > 0 && spans[spans.length - 2] + spans[spans.length - 1] === i) {
        spans[spans.length - 1]++;
      } else spans.push(i, 1);
    }
    const spanList = heap.i32(spans.length);
    spanList.set(spans);
    fn.packLower(a.byteOffset, n, spanList.byteOffset, spans.length / 2);
  }
  const A = a.subarray(0, m * m);
  const method = options.method ?? "auto";
  const tryLanczos = m > 0 && method !== "reduction" &&
    (method === "lanczos" || lanczosPays(m, kk));
  const start = options.start === undefined
    ? undefined
    : Float64Array.from(kept, (i) => options.start![i]);
  const sub = m === 0 ? null : (tryLanczos ? lanczosTop(heap, A, m, kk, start) : null) ??
    topOfDense(A, m, kk);

  // Merge the block's eigenpairs with the zero rows' (value 0), descending; on a tie the block's first.
  const values = new Float64Array(k);
  const vectors = new Float64Array(k * n);
  let s = 0;
  let z = 0;
  for (let c = 0; c < k; c++) {
    if (sub !== null && s < sub.k && (z >= zeroRows.length || sub.values[s] >= 0)) {
      values[c] = sub.values[s];
      for (let q = 0; q < m; q++) vectors[c * n + kept[q]] = sub.vectors[s * m + q];
      s++;
    } else {
      values[c] = 0;
      vectors[c * n + zeroRows[z++]] = 1;
    }
  }
  return { n, k, values, vectors, route: sub?.route ?? "zero" };
}

/**
 * Whether the Lanczos route should be tried first for k of the m × m block: it does about
 * 2.5k products with the block where the reduction does m/3 passes over it, and it is not worth
 * its checks below a few hundred rows.
 */
function lanczosPays(m: number, k: number): boolean {
  return m >= 256 && 8 * k <= m;
}

/** The seeds of the Lanczos start vectors: the search, then the check of the rest of the space. */
const LANCZOS_SEED = 0x1a2c705;
const CHECK_SEED = 0xc4ec6;
/** Steps of the check's Lanczos run on the rest of the space. */
const CHECK_STEPS = 32;

/**
 * The most steps lanczosTop's search takes for k pairs of an n × n block, and the rows of its
 * basis (the search's, or the check's k fixed vectors and its steps, whichever is more, and one
 * for the last residual).
 */
function lanczosSize(n: number, k: number): { steps: number; rows: number } {
  const steps = Math.min(n, 4 * k + 64);
  return { steps, rows: Math.max(steps, k + CHECK_STEPS) + 1 };
}

/**
 * The k leading eigenpairs of the n × n matrix whose lower triangle is `A` (a view of `heap`, which
 * has room for the basis and the rest) by the Lanczos iteration with full reorthogonalisation (two classical Gram–Schmidt passes every step), or null when the route
 * cannot vouch for its answer, for the caller to fall back on the reduction ({@link topOfDense}).
 *
 * 1. From a seeded random unit vector q₀, q_{j+1} ∝ Aq_j orthogonalised against q₀ … q_j: an
 *    orthonormal basis Q of the Krylov space in which A is the tridiagonal T (αⱼ = q_jᵀAq_j,
 *    βⱼ = ‖the rest‖).
 * 2. Every 8 steps from 2k + 16 on, the eigenvalues θ of T (the QR steps) and the last row of its
 *    eigenvectors s: ‖A·Qs − θ·Qs‖ = β·|s_last| exactly in exact arithmetic, so the k largest θ
 *    are done when that is below ε·|θ₁| for every one of them.
 * 3. Eigenvectors of T for those θ by inverse iteration, carried to Q·s.
 * 4. A single start vector cannot see a second copy of a repeated eigenvalue, and a breakdown
 *    (β = 0: the start lay in an invariant subspace) hides the rest: so a second, short Lanczos
 *    run from another seed on the orthogonal complement of the k vectors must find nothing above
 *    θ_k (beyond rounding), or the answer is refused. A random start almost surely has a share of
 *    any eigenvector there, and 32 steps bring its Ritz value close to the top of the complement.
 */
function lanczosTop(
  heap: WasmHeap,
  A: Float64Array,
  n: number,
  k: number,
  start?: ArrayLike<number>,
): TopEigen | null {
  const { steps, rows } = lanczosSize(n, k);
  const fn = heap.exports as unknown as ReductionKernel;
  const Q = heap.f64(rows * n);
  const w = heap.f64(n);
  const h = heap.f64(rows);
  const room = tridiagonalRoom(heap, rows, k);
  const eps = 2 ** -52;

  // A Lanczos run with basis rows from `first` on, orthogonal to the rows before it (the check's
  // fixed vectors): T's diagonal and off-diagonal, and whether the space ran out (a breakdown).
  const run = (
    first: number,
    limit: number,
    seed: number,
    done: (m: number, alpha: number[], beta: number[]) => boolean,
  ) => {
    const alpha: number[] = [];
    const beta: number[] = [];
    if (first === 0 && start !== undefined) w.set(start);
    else fillSigned(room, seed, w);
    for (let pass = 0; pass < 2 && first > 0; pass++) {
      fn.projectOut(Q.byteOffset, first, n, w.byteOffset, h.byteOffset);
    }
    if (fn.normaliseInto(w.byteOffset, n, 0, Q.byteOffset + 8 * first * n) === 0) {
      return { alpha, beta, exhausted: true };
    }
    let scale = 0; // ‖T‖ so far, roughly
    for (let j = first; j < first + limit; j++) {
      fn.symMatVec(A.byteOffset, n, Q.byteOffset + 8 * j * n, w.byteOffset);
      fn.projectOut(Q.byteOffset, j + 1, n, w.byteOffset, h.byteOffset);
      let aj = h[j];
      fn.projectOut(Q.byteOffset, j + 1, n, w.byteOffset, h.byteOffset);
      aj += h[j];
      alpha.push(aj);
      scale = Math.max(scale, Math.abs(aj) + (beta.length > 0 ? beta[beta.length - 1] : 0));
      // Breakdown: what is left of Aq_j is rounding, so the basis spans an invariant subspace.
      const floor = 64 * n * eps * scale;
      const size = fn.normaliseInto(w.byteOffset, n, floor, Q.byteOffset + 8 * (j + 1) * n);
      if (size <= floor) return { alpha, beta, exhausted: true };
      beta.push(size);
      if (done(alpha.length, alpha, beta)) return { alpha, beta, exhausted: false };
    }
    return { alpha, beta, exhausted: false };
  };

  // 1–2. The search, stopping when the k largest Ritz pairs have converged.
  const converged: { values?: Float64Array } = {};
  const search = run(0, steps, LANCZOS_SEED, (m, alpha, beta) => {
    if (m < 2 * k + 16 || (m % 8 !== 0 && m !== steps)) return false;
    const r = ritzValues(room, alpha, beta, m);
    for (let c = 0; c < k; c++) {
      if (beta[m - 1] * Math.abs(r.last[c]) > eps * Math.abs(r.values[0])) return false;
    }
    converged.values = r.values;
    return true;
  });
  if (search.exhausted || converged.values === undefined) return null;
  const m = search.alpha.length;
  const values = converged.values.slice(0, k);

  // 3. Ritz vectors.
  // T's eigenvectors s (the rows of S, in the heap), then Q·s.
  const S = tridiagonalVectors(room, search.alpha, search.beta, values);
  const Y = heap.f64(k * n); // kept for the check
  for (let c = 0; c < k; c++) {
    fn.combineRows(Q.byteOffset, m, n, S.byteOffset + 8 * c * m, Y.byteOffset + 8 * c * n);
  }

  // 4. The check: Lanczos on the complement of the k vectors (moved to Q's first rows).
  Q.set(Y);
  const rest = run(k, CHECK_STEPS, CHECK_SEED, () => false);
  if (rest.alpha.length > 0) {
    const top = ritzValues(room, rest.alpha, rest.beta, rest.alpha.length).values[0];
    if (top > values[k - 1] + 64 * n * eps * Math.abs(values[0])) return null;
  }
  fn.signRows(Y.byteOffset, k, n);
  return { n, k, values, vectors: Y.slice(), route: "lanczos" };
}

/**
 * The eigenvalues of the m × m tridiagonal with diagonal alpha and off-diagonal beta (the first
 * m − 1 entries), descending, and the last entry of each one's unit eigenvector (the same order),
 * computed in `room`.
 */
function ritzValues(
  room: TridiagonalRoom,
  alpha: ArrayLike<number>,
  beta: ArrayLike<number>,
  m: number,
): { values: Float64Array; last: Float64Array } {
  const { d, e, z } = room;
  for (let t = 0; t < m; t++) {
    d[t] = alpha[t];
    e[t] = t < m - 1 ? beta[t] : 0;
    z[t] = 0;
  }
  // The last row of the accumulated rotations, which starts as e_{m−1}ᵀ: z as an [m, 1] matrix.
  z[m - 1] = 1;
  qrSteps(room.fn, d, e, m, z, 1);
  const order = Array.from({ length: m }, (_, t) => t).sort((x, y) => d[y] - d[x] || x - y);
  return {
    values: Float64Array.from(order, (t) => d[t]),
    last: Float64Array.from(order, (t) => z[t]),
  };
}

/** The reduction route of symmetricEigenTop on the lower triangle of `a` `[n, n]`, which has no zero row. */
function topOfDense(a: ArrayLike<number>, n: number, k: number): TopEigen {
  const heap = new WasmHeap(WASM, {
    bytes: 8 * (n * n + n * (n + 1) / 2 + k * n + 6 * n) + 256 + tridiagonalRoomBytes(n, k),
  });
  const fn = heap.exports as unknown as ReductionKernel;
  const room = tridiagonalRoom(heap, n, k);
  const A = heap.f64(n * n); // lower triangle used
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = a[i * n + j];
  // The reflectors: v of reflection r (entries r+1 … n−1) at V[start[r] …], its β in betas[r].
  const V = heap.f64(n * (n + 1) / 2);
  const start = new Int32Array(Math.max(n - 2, 0));
  const betas = new Float64Array(Math.max(n - 2, 0));
  let v = heap.f64(n);
  let u = heap.f64(n); // the next reflection's vector
  const w = heap.f64(n);
  const p = heap.f64(n);
  const zero = heap.f64(n);
  const d = new Float64Array(n);
  const e = new Float64Array(n);

  const reflector = (r: number, into: Float64Array) => {
    into.fill(0);
    return householder(A, n, r, into);
  };

  // 2. The reduction. p = β·A₂₂v arrives from the previous pass (the first from a pass that
  // changes nothing: v = w = 0 there).
  let next = n > 2 ? reflector(0, u) : { beta: 0, alpha: 0 };
  p.fill(0);
  if (n > 2) {
    fn.symUpdateTimes(
      A.byteOffset,
      n,
      1,
      zero.byteOffset,
      zero.byteOffset,
      u.byteOffset,
      p.byteOffset,
    );
  }
  let offset = 0;
  for (let r = 0; r < n - 2; r++) {
    const m0 = r + 1;
    [v, u] = [u, v];
    const { beta, alpha } = next;
    d[r] = A[r * n + r];
    e[r] = beta === 0 ? A[m0 * n + r] : alpha;
    start[r] = offset;
    betas[r] = beta;
    for (let i = m0; i < n; i++) V[offset + i - m0] = v[i];
    offset += n - m0;
    // w = p − (β/2)(pᵀv)v with p = β·A₂₂v.
    let pv = 0;
    for (let i = m0; i < n; i++) pv += (p[i] *= beta) * v[i];
    const K = (beta / 2) * pv;
    for (let i = m0; i < n; i++) w[i] = p[i] - K * v[i];
    // Update column m0 first: the next reflection is built from it.
    for (let i = m0; i < n; i++) A[i * n + m0] -= v[i] * w[m0] + w[i] * v[m0];
    next = r + 1 < n - 2 ? reflector(r + 1, u) : (u.fill(0), { beta: 0, alpha: 0 });
    p.fill(0);
    fn.symUpdateTimes(
      A.byteOffset,
      n,
      m0 + 1,
      v.byteOffset,
      w.byteOffset,
      u.byteOffset,
      p.byteOffset,
    );
  }
  if (n >= 2) {
    d[n - 2] = A[(n - 2) * n + n - 2];
    e[n - 2] = A[(n - 1) * n + n - 2];
  }
  d[n - 1] = A[(n - 1) * n + n - 1];

  // 3. Eigenvalues of T, block by block: T splits where an off-diagonal entry is negligible (the
  // QR steps' deflation test), and there each eigenvector is exactly zero outside its block.
  const eps = 2 ** -52;
  const blocks: { lo: number; d: Float64Array; e: Float64Array }[] = [];
  for (let lo = 0, i = 0; i < n; i++) {
    if (i === n - 1 || Math.abs(e[i]) <= eps * (Math.abs(d[i]) + Math.abs(d[i + 1]))) {
      const off = e.slice(lo, i + 1);
      off[i - lo] = 0;
      blocks.push({ lo, d: d.slice(lo, i + 1), e: off });
      lo = i + 1;
    }
  }
  const found: { value: number; block: number }[] = [];
  blocks.forEach((b, block) => {
    const size = b.d.length;
    room.d.set(b.d);
    room.e.set(b.e);
    qrSteps(fn, room.d, room.e, size);
    for (const value of room.d.subarray(0, size)) found.push({ value, block });
  });
  found.sort((a, b) => b.value - a.value || a.block - b.block);
  const wanted = found.slice(0, k);
  const values = Float64Array.from(wanted, (w) => w.value);

  // 4. Eigenvectors of T, each within its block; 5. back through the reflectors (the rows of Z are
  // the vectors).
  const Z = heap.f64(k * n);
  blocks.forEach((b, block) => {
    const rows = wanted.flatMap((w, c) => (w.block === block ? [c] : []));
    if (rows.length === 0) return;
    const size = b.d.length;
    const out = tridiagonalVectors(room, b.d, b.e, Float64Array.from(rows, (c) => values[c]));
    rows.forEach((c, q) => Z.set(out.subarray(q * size, (q + 1) * size), c * n + b.lo));
  });
  for (let r = n - 3; r >= 0; r--) {
    if (betas[r] === 0) continue;
    const m0 = r + 1;
    fn.applyReflector(Z.byteOffset, k, n, m0, V.byteOffset + 8 * (start[r] - m0), betas[r]);
  }
  fn.signRows(Z.byteOffset, k, n);
  return { n, k, values, vectors: Z.slice(), route: "reduction" };
}

/**
 * Flips z in place so that its entry of largest magnitude (the first, on ties) is positive: the
 * sign convention of {@link symmetricEigenTop}'s vectors and of PCA's components.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signByLargest } from "./linalg.ts";
 * const z = Float64Array.of(0.5, -2, 1);
 * signByLargest(z);
 * assert.deepEqual([...z], [-0.5, 2, -1]);
 * ```
 */
export function signByLargest(z: Float64Array): void {
  let best = 0;
  for (let i = 1; i < z.length; i++) if (Math.abs(z[i]) > Math.abs(z[best])) best = i;
  if (z[best] < 0) { for (let i = 0; i < z.length; i++) z[i] = -z[i]; }
}

/**
 * Unit eigenvectors of the symmetric tridiagonal T (diagonal d, off-diagonal e; its last entry is
 * taken as 0) for the eigenvalues `values` (descending), by inverse iteration in `room`: the rows
 * of the returned `[k, n]` view of room.out.
 *
 * Each eigenvalue's shifted T − λI is factored with partial pivoting and solved from a seeded
 * random start (as LAPACK's dstein) until the residual is at rounding level, then twice more,
 * each solve shrinking the other eigenvectors' share by |λ − λⱼ| / gap. Values closer than 10⁻³‖T‖
 * form a cluster: each solve is orthogonalised against the cluster's vectors found so far, and
 * shifts that coincide are moved a few ulps apart so that each solve singles out its own vector.
 */
function tridiagonalVectors(
  room: TridiagonalRoom,
  d: ArrayLike<number>,
  e: ArrayLike<number>,
  values: ArrayLike<number>,
): Float64Array {
  const n = d.length;
  const k = values.length;
  for (let i = 0; i < n; i++) {
    room.d[i] = d[i];
    room.e[i] = i < n - 1 ? e[i] : 0;
  }
  for (let c = 0; c < k; c++) room.values[c] = values[c];
  // The starts are drawn in turn from one seeded stream, n entries a vector.
  fillSigned(room, 0x5eed, room.starts.subarray(0, k * n));
  const failed = room.fn.tridiagonalVectors(
    room.d.byteOffset,
    room.e.byteOffset,
    n,
    room.values.byteOffset,
    k,
    room.out.byteOffset,
    room.starts.byteOffset,
    room.scratch.byteOffset,
  );
  if (failed >= 0) {
    throw new Error(
      `symmetricEigenTop: inverse iteration for eigenvalue ${values[failed]} did not converge`,
    );
  }
  return room.out.subarray(0, k * n);
}
