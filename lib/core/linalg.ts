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

/** The exports of linalg.as.ts (pointers are byte offsets into the heap). */
interface ReductionKernel {
  blockTimes(A: number, n: number, m0: number, v: number, beta: number, p: number): void;
  rank2(A: number, n: number, m0: number, v: number, w: number): void;
  applyReflector(Q: number, rows: number, n: number, m0: number, v: number, beta: number): void;
  rotateRows(Qt: number, n: number, k: number, c: number, s: number): void;
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
  gatherLower(src: number, n0: number, kept: number, n: number, dst: number): void;
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
  const heap = new WasmHeap(WASM, { bytes: 8 * (2 * n * n + 2 * n) + 64 });
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
  const d = Float64Array.from({ length: n }, (_, i) => A[i * n + i]);
  const e = Float64Array.from({ length: n }, (_, i) => (i + 1 < n ? A[(i + 1) * n + i] : 0));

  // The rotations act on pairs of Q's columns: hold Q transposed (Qt, row k = column k of Q) so
  // that each runs over contiguous memory (in the kernel); the arithmetic is the same.
  const Qt = A; // A's entries are no longer needed: d and e hold T
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) Qt[c * n + r] = Q[r * n + c];
  const rotateQ = (k: number, c: number, s: number) => fn.rotateRows(Qt.byteOffset, n, k, c, s);
  tridiagonalQr(d, e, rotateQ);

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
 * Diagonalises the symmetric tridiagonal matrix with diagonal d and
 * off-diagonal e (e[i] = T[i, i+1]; e[n−1] unused) in place: afterwards d
 * holds its eigenvalues, unordered. Implicit QR steps with a Wilkinson shift
 * (a Givens rotation chasing the bulge down the band), deflating whenever an
 * off-diagonal entry becomes negligible; `rotate(k, c, s)` is told every
 * rotation in the (k, k+1) plane, for callers that accumulate eigenvectors.
 */
function tridiagonalQr(
  d: Float64Array,
  e: Float64Array,
  rotate?: (k: number, c: number, s: number) => void,
): void {
  const n = d.length;
  const eps = 2 ** -52;
  let hi = n - 1;
  let guard = 0;
  while (hi > 0) {
    if (++guard > 100 * n) throw new Error("symmetricEigen: the QR steps did not converge");
    // Deflate: drop negligible off-diagonal entries, find the bottom unreduced block [lo, hi].
    for (let i = 0; i < hi; i++) {
      if (Math.abs(e[i]) <= eps * (Math.abs(d[i]) + Math.abs(d[i + 1]))) e[i] = 0;
    }
    while (hi > 0 && e[hi - 1] === 0) hi--;
    if (hi === 0) break;
    let lo = hi - 1;
    while (lo > 0 && e[lo - 1] !== 0) lo--;
    // Wilkinson shift from the trailing 2 × 2 block.
    const delta = (d[hi - 1] - d[hi]) / 2;
    const b2 = e[hi - 1] * e[hi - 1];
    const mu = d[hi] - b2 / (delta + (delta >= 0 ? 1 : -1) * Math.sqrt(delta * delta + b2));
    let x = d[lo] - mu;
    let z = e[lo];
    for (let k = lo; k < hi; k++) {
      // Rotation in the (k, k+1) plane that zeroes z against x.
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : -z / r;
      if (k > lo) e[k - 1] = r;
      // T ← GᵀTG on the 2 × 2 block and its neighbours.
      const dk = d[k];
      const dk1 = d[k + 1];
      const ek = e[k];
      d[k] = c * c * dk - 2 * c * s * ek + s * s * dk1;
      d[k + 1] = s * s * dk + 2 * c * s * ek + c * c * dk1;
      e[k] = c * s * (dk - dk1) + (c * c - s * s) * ek;
      rotate?.(k, c, s);
      if (k + 1 < hi) {
        // The rotation spills onto (k, k+2): that is the bulge to chase next.
        x = e[k];
        z = -s * e[k + 1];
        e[k + 1] = c * e[k + 1];
      }
    }
  }
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
  options: {
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
  } = {},
): TopEigen {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`symmetricEigenTop: k must be an integer in [1, ${n}], got ${k}`);
  }
  // 1. Split off zero rows (for a symmetric matrix, zero columns too).
  const kept: number[] = [];
  const zeroRows: number[] = [];
  // From the lower triangle alone: row i and column j of each nonzero a[i, j].
  const inked = new Uint8Array(options.lower ? n : 0);
  if (options.lower) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        if (a[i * n + j] !== 0) {
          inked[i] = 1;
          inked[j] = 1;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) {
    let nonzero = options.lower === true && inked[i] === 1;
    if (!options.lower) { for (let j = 0; j < n && !nonzero; j++) nonzero = a[i * n + j] !== 0; }
    (nonzero ? kept : zeroRows).push(i);
  }
  const m = kept.length;
  const kk = Math.min(k, m);
  const method = options.method ?? "auto";
  const tryLanczos = m > 0 && method !== "reduction" &&
    (method === "lanczos" || lanczosPays(m, kk));
  const sub = m === 0 ? null : (tryLanczos ? lanczosTop(a, n, kept, kk, options.start) : null) ??
    topOfDense(a, n, kept, kk);

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
 * The k leading eigenpairs of the rows and columns `kept` of `a` by the Lanczos iteration with
 * full reorthogonalisation (two classical Gram–Schmidt passes every step), or null when the route
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
  a: ArrayLike<number>,
  n0: number,
  kept: number[],
  k: number,
  start?: ArrayLike<number>,
): TopEigen | null {
  const n = kept.length;
  const steps = Math.min(n, 4 * k + 64);
  const rows = Math.max(steps, k + CHECK_STEPS) + 1;
  const heap = new WasmHeap(WASM, {
    bytes: 8 * (n0 * n0 + n * n + (rows + k) * n + n + 2 * rows) + 4 * n + 512,
  });
  const fn = heap.exports as unknown as ReductionKernel;
  // The block's lower triangle, gathered in wasm from a copy of the whole matrix.
  const whole = heap.f64(n0 * n0);
  whole.set(a);
  const keptAt = heap.i32(n);
  keptAt.set(kept);
  const A = heap.f64(n * n);
  fn.gatherLower(whole.byteOffset, n0, keptAt.byteOffset, n, A.byteOffset);
  const Q = heap.f64(rows * n);
  const w = heap.f64(n);
  const h = heap.f64(rows);
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
    const rng = new Rng(seed);
    for (let i = 0; i < n; i++) {
      w[i] = first === 0 && start !== undefined ? start[kept[i]] : 2 * rng.uniform() - 1;
    }
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
    const r = ritzValues(alpha, beta, m);
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
  const { d, e } = lanczosTridiagonal(search.alpha, search.beta, m);
  const S = new Float64Array(k * m);
  tridiagonalVectors(d, e, values, S);
  const Y = heap.f64(k * n); // kept for the check
  const coeff = heap.f64(m);
  for (let c = 0; c < k; c++) {
    coeff.set(S.subarray(c * m, (c + 1) * m));
    fn.combineRows(Q.byteOffset, m, n, coeff.byteOffset, Y.byteOffset + 8 * c * n);
  }
  const vectors = Y.slice();

  // 4. The check: Lanczos on the complement of the k vectors (moved to Q's first rows).
  Q.set(Y);
  const rest = run(k, CHECK_STEPS, CHECK_SEED, () => false);
  if (rest.alpha.length > 0) {
    const top = ritzValues(rest.alpha, rest.beta, rest.alpha.length).values[0];
    if (top > values[k - 1] + 64 * n * eps * Math.abs(values[0])) return null;
  }
  for (let c = 0; c < k; c++) signByLargest(vectors.subarray(c * n, (c + 1) * n));
  return { n, k, values, vectors, route: "lanczos" };
}

/** The m × m Lanczos tridiagonal as diagonal d and off-diagonal e (e[m − 1] = 0), fresh arrays. */
function lanczosTridiagonal(alpha: number[], beta: number[], m: number) {
  const d = Float64Array.from(alpha.slice(0, m));
  const e = new Float64Array(m);
  for (let t = 0; t < m - 1; t++) e[t] = beta[t];
  return { d, e };
}

/**
 * The eigenvalues of the m × m Lanczos tridiagonal (diagonal alpha, off-diagonal beta), descending,
 * and the last entry of each one's unit eigenvector (the same order).
 */
function ritzValues(
  alpha: number[],
  beta: number[],
  m: number,
): { values: Float64Array; last: Float64Array } {
  const { d, e } = lanczosTridiagonal(alpha, beta, m);
  // The last row of the accumulated rotations, which starts as e_{m−1}ᵀ.
  const z = new Float64Array(m);
  z[m - 1] = 1;
  tridiagonalQr(d, e, (t, c, s) => {
    const a0 = z[t];
    const a1 = z[t + 1];
    z[t] = c * a0 - s * a1;
    z[t + 1] = s * a0 + c * a1;
  });
  const order = Array.from(d.keys()).sort((x, y) => d[y] - d[x] || x - y);
  return {
    values: Float64Array.from(order, (t) => d[t]),
    last: Float64Array.from(order, (t) => z[t]),
  };
}

/** The reduction route of symmetricEigenTop on the rows and columns `kept` of `a`, which has no zero row. */
function topOfDense(a: ArrayLike<number>, n0: number, kept: number[], k: number): TopEigen {
  const n = kept.length;
  const heap = new WasmHeap(WASM, { bytes: 8 * (n * n + n * (n + 1) / 2 + k * n + 6 * n) + 256 });
  const fn = heap.exports as unknown as ReductionKernel;
  const A = heap.f64(n * n); // lower triangle used
  for (let i = 0; i < n; i++) {
    const src = kept[i] * n0;
    for (let j = 0; j <= i; j++) A[i * n + j] = a[src + kept[j]];
  }
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
    const values = b.d.slice();
    tridiagonalQr(values, b.e.slice());
    for (const value of values) found.push({ value, block });
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
    const out = new Float64Array(rows.length * size);
    tridiagonalVectors(b.d, b.e, Float64Array.from(rows, (c) => values[c]), out);
    rows.forEach((c, q) => Z.set(out.subarray(q * size, (q + 1) * size), c * n + b.lo));
  });
  for (let r = n - 3; r >= 0; r--) {
    if (betas[r] === 0) continue;
    const m0 = r + 1;
    fn.applyReflector(Z.byteOffset, k, n, m0, V.byteOffset + 8 * (start[r] - m0), betas[r]);
  }
  const vectors = Z.slice();
  for (let c = 0; c < k; c++) signByLargest(vectors.subarray(c * n, (c + 1) * n));
  return { n, k, values, vectors, route: "reduction" };
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
 * Unit eigenvectors of the symmetric tridiagonal T (diagonal d, off-diagonal e) for the
 * eigenvalues `values` (descending), by inverse iteration, into the rows of `out` `[k, n]`.
 */
function tridiagonalVectors(
  d: Float64Array,
  e: Float64Array,
  values: Float64Array,
  out: Float64Array,
): void {
  const n = d.length;
  const eps = 2 ** -52;
  let norm = 0; // ‖T‖₁
  for (let i = 0; i < n; i++) {
    norm = Math.max(norm, Math.abs(d[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0) + Math.abs(e[i]));
  }
  if (n === 1) {
    out[0] = 1;
    return;
  }
  const clusterGap = 1e-3 * norm;
  const tolerance = 16 * n * eps * norm; // residual at rounding level
  const lu = shiftedLu(n);
  const y = new Float64Array(n);
  const rng = new Rng(0x5eed);
  let clusterStart = 0;
  let previous = Infinity;
  for (let c = 0; c < values.length; c++) {
    let lambda = values[c];
    if (previous - lambda > clusterGap) clusterStart = c;
    // Shifts of one cluster stay apart by a few ulps, so that each solve singles out its vector.
    else if (previous - lambda < 10 * eps * Math.abs(lambda)) {
      lambda = previous - 10 * eps * Math.abs(lambda);
    }
    previous = lambda;
    factorShifted(d, e, lambda, lu, eps * norm);

    const z = new Float64Array(n);
    // A seeded random start, as dstein's: almost surely not orthogonal to the eigenvector.
    for (let i = 0; i < n; i++) z[i] = 2 * rng.uniform() - 1;
    // Solve until the residual is at rounding level, then twice more (as dstein): each solve
    // shrinks the other eigenvectors' share by |λ − λⱼ| / gap.
    let converged = false;
    let extra = 2;
    for (let iteration = 0; iteration < 10 && extra > 0; iteration++) {
      if (converged) extra--;
      y.set(z);
      solveShifted(lu, y);
      for (let q = clusterStart; q < c; q++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += y[i] * out[q * n + i];
        for (let i = 0; i < n; i++) y[i] -= dot * out[q * n + i];
      }
      let size = 0;
      for (let i = 0; i < n; i++) size += y[i] * y[i];
      size = Math.sqrt(size);
      for (let i = 0; i < n; i++) z[i] = y[i] / size;
      converged = tridiagonalResidual(d, e, values[c], z) <= tolerance;
    }
    out.set(z, c * n);
    if (!converged) {
      throw new Error(
        `symmetricEigenTop: inverse iteration for eigenvalue ${values[c]} did not converge`,
      );
    }
  }
}

/** LU factors of a shifted tridiagonal T − λI with partial pivoting (LAPACK's dgttrf layout). */
interface ShiftedLu {
  /** L's multipliers. */
  lower: Float64Array;
  /** U's diagonal. */
  diag: Float64Array;
  /** U's first superdiagonal. */
  up1: Float64Array;
  /** U's second superdiagonal (filled by row swaps). */
  up2: Float64Array;
  /** 1 where rows i and i + 1 were swapped. */
  swapped: Uint8Array;
}

function shiftedLu(n: number): ShiftedLu {
  return {
    lower: new Float64Array(n),
    diag: new Float64Array(n),
    up1: new Float64Array(n),
    up2: new Float64Array(n),
    swapped: new Uint8Array(n),
  };
}

/**
 * Factors T − λI (diagonal d, off-diagonal e) into `lu`. A pivot that comes out exactly zero means
 * λ is exact; `tiny` in its place still points the solve along the eigenvector.
 */
function factorShifted(
  d: Float64Array,
  e: Float64Array,
  lambda: number,
  lu: ShiftedLu,
  tiny: number,
): void {
  const n = d.length;
  const { lower, diag, up1, up2, swapped } = lu;
  for (let i = 0; i < n; i++) {
    diag[i] = d[i] - lambda;
    up1[i] = e[i];
    up2[i] = 0;
    swapped[i] = 0;
  }
  for (let i = 0; i < n - 1; i++) {
    const sub = e[i];
    if (Math.abs(diag[i]) >= Math.abs(sub)) {
      const f = diag[i] === 0 ? 0 : sub / diag[i];
      lower[i] = f;
      diag[i + 1] -= f * up1[i];
    } else {
      const f = diag[i] / sub;
      swapped[i] = 1;
      diag[i] = sub;
      lower[i] = f;
      const t = up1[i];
      up1[i] = diag[i + 1];
      diag[i + 1] = t - f * diag[i + 1];
      if (i < n - 2) {
        up2[i] = up1[i + 1];
        up1[i + 1] = -f * up1[i + 1];
      }
    }
  }
  for (let i = 0; i < n; i++) if (diag[i] === 0) diag[i] = tiny;
}

/** Solves (T − λI)·x = y in place with the factors of {@link factorShifted} (n ≥ 2). */
function solveShifted(lu: ShiftedLu, y: Float64Array): void {
  const { lower, diag, up1, up2, swapped } = lu;
  const n = y.length;
  for (let i = 0; i < n - 1; i++) {
    if (swapped[i]) {
      const t = y[i];
      y[i] = y[i + 1];
      y[i + 1] = t - lower[i] * y[i + 1];
    } else y[i + 1] -= lower[i] * y[i];
  }
  y[n - 1] /= diag[n - 1];
  y[n - 2] = (y[n - 2] - up1[n - 2] * y[n - 1]) / diag[n - 2];
  for (let i = n - 3; i >= 0; i--) {
    y[i] = (y[i] - up1[i] * y[i + 1] - up2[i] * y[i + 2]) / diag[i];
  }
}

/** ‖T·z − λ·z‖₂ for the tridiagonal T (diagonal d, off-diagonal e). */
function tridiagonalResidual(d: Float64Array, e: Float64Array, lambda: number, z: Float64Array) {
  const n = d.length;
  let residual = 0;
  for (let i = 0; i < n; i++) {
    const t = (d[i] - lambda) * z[i] + (i > 0 ? e[i - 1] * z[i - 1] : 0) +
      (i < n - 1 ? e[i] * z[i + 1] : 0);
    residual += t * t;
  }
  return Math.sqrt(residual);
}
