/**
 * Small statistics shared by the analyses.
 *
 * @module
 */

/**
 * The least of `values`, exactly as `Math.min(...values)` would give it (NaN if
 * any value is NaN, Infinity when empty, -0 below 0), but in a loop: spreading
 * an array of more than about 100,000 numbers into a call overflows the stack,
 * and the lab's rows grow with the config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { minOf } from "./stats.ts";
 * assert.equal(minOf(new Float64Array(200_000).fill(3)), 3); // Math.min(...) would throw here
 * assert.equal(minOf(new Set([0.5, -2, 7])), -2);
 * assert.ok(Object.is(minOf([0, -0]), -0));
 * assert.equal(minOf([]), Infinity);
 * ```
 */
export function minOf(values: ArrayLike<number> | Iterable<number>): number {
  // NaN sticks once taken: no later comparison with it is true.
  return fold(
    values,
    Infinity,
    (held, v) => v !== v || v < held || (v === held && Object.is(v, -0)),
  );
}

/**
 * The greatest of `values`, exactly as `Math.max(...values)` would give it (NaN if
 * any value is NaN, -Infinity when empty, 0 above -0), without the spread that
 * overflows the stack on long arrays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maxOf } from "./stats.ts";
 * assert.equal(maxOf(Array.from({ length: 200_000 }, (_, i) => i)), 199_999);
 * assert.ok(Number.isNaN(maxOf([1, NaN, 2])));
 * assert.ok(Object.is(maxOf([-0, 0]), 0));
 * assert.equal(maxOf([]), -Infinity);
 * ```
 */
export function maxOf(values: ArrayLike<number> | Iterable<number>): number {
  return fold(
    values,
    -Infinity,
    (held, v) => v !== v || v > held || (v === held && Object.is(held, -0)),
  );
}

/** `start`, replaced by each value of `values` that `takes` over the value held so far. */
function fold(
  values: ArrayLike<number> | Iterable<number>,
  start: number,
  takes: (held: number, v: number) => boolean,
): number {
  let held = start;
  const list = values as ArrayLike<number>;
  if (typeof list.length === "number") {
    // Arrays and typed arrays by index: no iterator to allocate on the hot paths.
    for (let i = 0; i < list.length; i++) if (takes(held, list[i])) held = list[i];
  } else {
    for (const v of values as Iterable<number>) if (takes(held, v)) held = v;
  }
  return held;
}

/** Arithmetic mean, summed in order (NaN for an empty list); arrays and typed arrays alike. */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return sum / xs.length;
}

/** Population standard deviation (NaN for an empty list): the mean squared deviation, rooted. */
export function std(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  const mu = mean(xs);
  let sq = 0;
  for (let i = 0; i < xs.length; i++) sq += (xs[i] - mu) ** 2;
  return Math.sqrt(sq / xs.length);
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

/**
 * Wilson score interval of a proportion: `k` successes in `n` trials, at
 * `z` standard errors (1.96: 95%). Stays inside [0, 1] and is honest at
 * k = 0 or k = n, where the normal approximation collapses to a point.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wilson } from "./stats.ts";
 * const { low, high } = wilson(0, 1000);
 * assert.equal(low, 0);
 * assert.ok(high > 0.003 && high < 0.004); // no success in 1,000 still allows about 0.4%
 * assert.deepEqual(wilson(0, 0), { low: NaN, high: NaN });
 * ```
 */
export function wilson(k: number, n: number, z = 1.96): { low: number; high: number } {
  if (n <= 0) return { low: NaN, high: NaN };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
