/**
 * lib/core/linalg.ts's symmetricEigen as plain scalar loops, as it was before
 * its reduction moved to WebAssembly (commit 69f7645): the oracle the SIMD
 * version must match bit for bit (pca_test.ts).
 *
 * @module
 */
import { scalarTridiagonalQr } from "./_scalar_tridiagonal.ts";

/** Eigenvalues (descending) and unit eigenvectors of a symmetric matrix. */
interface Eigen {
  /** Size of the matrix. */
  n: number;
  /** Eigenvalues, in descending order. */
  values: Float64Array;
  /** Column k of the row-major `[n, n]` matrix is the eigenvector of values[k]. */
  vectors: Float64Array;
}

/** The scalar eigendecomposition (see the module doc). */
export function scalarSymmetricEigen(a: ArrayLike<number>, n: number): Eigen {
  const A = Float64Array.from({ length: n * n }, (_, k) => a[k]);
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  const v = new Float64Array(n);
  const p = new Float64Array(n);

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
    let pv = 0;
    for (let i = m0; i < n; i++) {
      let sum = 0;
      for (let j = m0; j < n; j++) sum += A[i * n + j] * v[j];
      p[i] = beta * sum;
      pv += p[i] * v[i];
    }
    const K = (beta / 2) * pv;
    for (let i = m0; i < n; i++) p[i] -= K * v[i]; // p now holds w
    for (let i = m0; i < n; i++) {
      for (let j = m0; j < n; j++) A[i * n + j] -= v[i] * p[j] + p[i] * v[j];
    }
    A[m0 * n + k] = alpha;
    A[k * n + m0] = alpha;
    for (let i = m0 + 1; i < n; i++) {
      A[i * n + k] = 0;
      A[k * n + i] = 0;
    }
    // Q ← Q·H.
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let j = m0; j < n; j++) sum += Q[r * n + j] * v[j];
      const f = beta * sum;
      if (f === 0) continue;
      for (let j = m0; j < n; j++) Q[r * n + j] -= f * v[j];
    }
  }
  const d = Float64Array.from({ length: n }, (_, i) => A[i * n + i]);
  const e = Float64Array.from({ length: n }, (_, i) => (i + 1 < n ? A[(i + 1) * n + i] : 0));

  const rotateQ = (k: number, c: number, s: number) => {
    for (let r = 0; r < n; r++) {
      const a0 = Q[r * n + k];
      const a1 = Q[r * n + k + 1];
      Q[r * n + k] = c * a0 - s * a1;
      Q[r * n + k + 1] = s * a0 + c * a1;
    }
  };
  scalarTridiagonalQr(d, e, rotateQ);

  const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => d[y] - d[x] || x - y);
  const values = Float64Array.from(order, (k) => d[k]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, col) => {
    for (let i = 0; i < n; i++) vectors[i * n + col] = Q[i * n + src];
  });
  return { n, values, vectors };
}
