/**
 * The step functions of the step-function write-up ("Autoencoder study for piecewise constant
 * functions"): all n + 1 steps of length n with amplitude A. Example p
 * (p = 1 … n + 1) is x_j = A for j ≥ p and 0 before, so p = 1 is constant A
 * and p = n + 1 is all zeros.
 *
 * Arrays index from 0: example index e = p − 1 has x_j = A for j ≥ e.
 *
 * @module
 */

/**
 * The n + 1 step functions as dense rows, `[n + 1, n]` row-major.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepFunctions } from "./data.ts";
 * const x = stepFunctions(3, 5); // [4, 3]
 * assert.deepEqual(Array.from(x), [5, 5, 5, 0, 5, 5, 0, 0, 5, 0, 0, 0]);
 * ```
 */
export function stepFunctions(n: number, amplitude: number): Float64Array {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`n must be an integer >= 2, got ${n}`);
  const out = new Float64Array((n + 1) * n);
  for (let e = 0; e <= n; e++) out.fill(amplitude, e * n + e, (e + 1) * n);
  return out;
}

/**
 * Value of coordinate j (0-based) of example e (0-based, e = p − 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepValue } from "./data.ts";
 * assert.equal(stepValue(2, 1, 5), 0); // before the step
 * assert.equal(stepValue(2, 2, 5), 5);
 * ```
 */
export function stepValue(e: number, j: number, amplitude: number): number {
  return j >= e ? amplitude : 0;
}
