/**
 * Numbers in notes, summaries and progress lines: one formatter for the whole
 * lab, so that every report writes a missing or non-finite value the same way
 * ("–") and no experiment keeps its own `fmt`/`pct` copy.
 *
 * Tables (CSV) keep full-precision numbers; these functions are for text only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fixed, pct, sci, share, sig } from "./format.ts";
 * assert.equal(fixed(Math.PI, 2), "3.14");
 * assert.equal(sig(0.000123456, 3), "0.000123");
 * assert.equal(sci(123456, 2), "1.23e+5");
 * assert.equal(pct(0.1234), "12.3%");
 * assert.equal(share(3, 8), "37.5%");
 * assert.equal(fixed(NaN, 2), "–");
 * ```
 *
 * @module
 */

/** What every formatter writes for a value that is missing or not finite. */
export const MISSING = "–";

function finite(v: number | null | undefined): v is number {
  return v !== null && v !== undefined && Number.isFinite(v);
}

/**
 * `v` with `digits` digits after the point (`toFixed`), or {@link MISSING}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fixed } from "./format.ts";
 * assert.equal(fixed(2.5, 3), "2.500");
 * assert.equal(fixed(null, 3), "–");
 * ```
 */
export function fixed(v: number | null | undefined, digits: number): string {
  return finite(v) ? v.toFixed(digits) : MISSING;
}

/**
 * `v` to `digits` significant digits (`toPrecision`), or {@link MISSING}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sig } from "./format.ts";
 * assert.equal(sig(2 / 3, 4), "0.6667");
 * ```
 */
export function sig(v: number | null | undefined, digits: number): string {
  return finite(v) ? v.toPrecision(digits) : MISSING;
}

/**
 * `v` in exponent notation with `digits` digits after the point (`toExponential`), or {@link MISSING}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sci } from "./format.ts";
 * assert.equal(sci(0.00042, 1), "4.2e-4");
 * ```
 */
export function sci(v: number | null | undefined, digits: number): string {
  return finite(v) ? v.toExponential(digits) : MISSING;
}

/**
 * A fraction as a percentage with `digits` decimals (0.1234 → "12.3%"), or {@link MISSING}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pct } from "./format.ts";
 * assert.equal(pct(0.5, 0), "50%");
 * ```
 */
export function pct(fraction: number | null | undefined, digits = 1): string {
  return finite(fraction) ? `${(100 * fraction).toFixed(digits)}%` : MISSING;
}

/**
 * `part` of `whole` as a percentage ("–" when `whole` is 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { share } from "./format.ts";
 * assert.equal(share(1, 3), "33.3%");
 * assert.equal(share(0, 0), "–");
 * ```
 */
export function share(part: number, whole: number, digits = 1): string {
  return whole ? pct(part / whole, digits) : MISSING;
}
