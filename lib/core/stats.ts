/**
 * Small statistics shared by the analyses.
 *
 * @module
 */

/** Arithmetic mean (NaN for an empty list). */
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : NaN;
}

/** Population standard deviation (NaN for an empty list). */
export function std(xs: readonly number[]): number {
  const mu = mean(xs);
  return Math.sqrt(mean(xs.map((v) => (v - mu) ** 2)));
}

/** Quantile of sorted numbers with linear interpolation (NaN when empty). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Median (NaN for an empty list). */
export function median(xs: readonly number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}
