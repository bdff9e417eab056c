/**
 * How sparse a vector is, two ways: Hoyer's measure (Hoyer 2004, "Non-negative
 * matrix factorization with sparseness constraints", JMLR 5), which is 0 when
 * every entry has the same magnitude and 1 when one entry carries everything,
 * and the fraction of entries that are near zero relative to the vector's
 * largest magnitude. Used to put NMF's parts next to PCA's wholes.
 *
 * @module
 */

/** Entries at most this fraction of the vector's largest magnitude count as near zero. */
export const NEAR_ZERO = 0.01;

/**
 * Hoyer's sparseness (√m − ‖x‖₁/‖x‖₂) / (√m − 1) of the m entries of `x`
 * (signs ignored); NaN for an all-zero vector or m = 1.
 *
 * @example
 * ```ts
 * import { hoyerSparsity } from "./analysis.ts";
 * console.assert(hoyerSparsity([0, 0, 3, 0]) === 1);
 * console.assert(hoyerSparsity([2, -2, 2, 2]) === 0);
 * ```
 */
export function hoyerSparsity(x: ArrayLike<number>): number {
  const m = x.length;
  let l1 = 0;
  let l2 = 0;
  for (let k = 0; k < m; k++) {
    l1 += Math.abs(x[k]);
    l2 += x[k] * x[k];
  }
  if (m < 2 || l2 === 0) return NaN;
  const root = Math.sqrt(m);
  // Clamp: rounding can push the ratio a hair outside [1, √m].
  return Math.min(1, Math.max(0, (root - l1 / Math.sqrt(l2)) / (root - 1)));
}

/** Fraction of entries with |xₖ| ≤ relTol·maxₖ|xₖ| (NaN for an all-zero vector). */
export function nearZeroFraction(x: ArrayLike<number>, relTol = NEAR_ZERO): number {
  let max = 0;
  for (let k = 0; k < x.length; k++) max = Math.max(max, Math.abs(x[k]));
  if (max === 0) return NaN;
  let count = 0;
  for (let k = 0; k < x.length; k++) if (Math.abs(x[k]) <= relTol * max) count++;
  return count / x.length;
}

/** Both measures averaged over the rows of a row-major `[rows, cols]` matrix (all-zero rows skipped). */
export function rowSparsity(
  m: ArrayLike<number>,
  rows: number,
  cols: number,
  options: { relTol?: number } = {},
): { hoyer: number; nearZero: number; rows: number } {
  let hoyer = 0;
  let nearZero = 0;
  let counted = 0;
  const row = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) row[j] = m[i * cols + j];
    const h = hoyerSparsity(row);
    const z = nearZeroFraction(row, options.relTol);
    if (Number.isNaN(z)) continue;
    // A single-entry row has a near-zero fraction but no Hoyer value.
    if (!Number.isNaN(h)) hoyer += h;
    nearZero += z;
    counted++;
  }
  return {
    hoyer: counted > 0 && cols > 1 ? hoyer / counted : NaN,
    nearZero: counted > 0 ? nearZero / counted : NaN,
    rows: counted,
  };
}
