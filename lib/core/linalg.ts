/**
 * Dense linear algebra the lab needs below its models: the symmetric
 * eigendecomposition. It reduces the matrix to tridiagonal form with
 * Householder reflections and diagonalises that with implicit QR steps
 * (Wilkinson shifts), accumulating the transformations: O(n³), float64,
 * deterministic.
 *
 * The O(n²) loops (the reduction's trailing block times v, rank-2 update and
 * Q ← Q·H, and the QR steps' rotations) run as WebAssembly SIMD (linalg.as.ts, compiled into
 * `_linalg_wasm.ts`) with the same float64 operations in the same order as
 * the scalar loops they replaced, so the results are bit-identical to them.
 * n = 784 (MNIST's covariance), idle machine: 1.2 s before, 0.52 s after.
 *
 * @module
 */
import { WasmHeap } from "./wasm.ts";
import { WASM } from "./_linalg_wasm.ts";

/** The exports of linalg.as.ts (pointers are byte offsets into the heap). */
interface ReductionKernel {
  blockTimes(A: number, n: number, m0: number, v: number, beta: number, p: number): void;
  rank2(A: number, n: number, m0: number, v: number, w: number): void;
  applyReflector(Q: number, n: number, m0: number, v: number, beta: number): void;
  rotateRows(Qt: number, n: number, k: number, c: number, s: number): void;
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
    let norm = 0;
    for (let i = m0; i < n; i++) norm += A[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const x0 = A[m0 * n + k];
    const alpha = x0 > 0 ? -norm : norm;
    for (let i = m0; i < n; i++) v[i] = A[i * n + k];
    v[m0] -= alpha;
    let vv = 0;
    for (let i = m0; i < n; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    const beta = 2 / vv;
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
    fn.applyReflector(Q.byteOffset, n, m0, v.byteOffset, beta);
  }
  const d = Float64Array.from({ length: n }, (_, i) => A[i * n + i]);
  const e = Float64Array.from({ length: n }, (_, i) => (i + 1 < n ? A[(i + 1) * n + i] : 0));

  // The rotations act on pairs of Q's columns: hold Q transposed (Qt, row k = column k of Q) so
  // that each runs over contiguous memory (in the kernel); the arithmetic is the same.
  const Qt = A; // A's entries are no longer needed: d and e hold T
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) Qt[c * n + r] = Q[r * n + c];
  const rotateQ = (k: number, c: number, s: number) => fn.rotateRows(Qt.byteOffset, n, k, c, s);
  const eps = 2 ** -52;
  let hi = n - 1;
  let guard = 0;
  while (hi > 0) {
    if (++guard > 100 * n) throw new Error("symmetricEigen: no convergence");
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
      rotateQ(k, c, s);
      if (k + 1 < hi) {
        // The rotation spills onto (k, k+2): that is the bulge to chase next.
        x = e[k];
        z = -s * e[k + 1];
        e[k + 1] = c * e[k + 1];
      }
    }
  }

  const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => d[y] - d[x] || x - y);
  const values = Float64Array.from(order, (k) => d[k]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, col) => {
    for (let i = 0; i < n; i++) vectors[i * n + col] = Qt[src * n + i];
  });
  return { n, values, vectors };
}
