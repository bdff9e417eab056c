/**
 * Boundary checks shared by the config validators: errors name the field,
 * the value and what is allowed (`RangeError: k must be an integer >= 1 and
 * <= 4, got 5`).
 *
 * @module
 */

/**
 * Throws a RangeError unless `value` is an integer in [`min`, `max`];
 * `maxNote` follows the upper bound in the message.
 *
 * @example
 * ```ts
 * import { assertInteger } from "./validate.ts";
 * assertInteger(3, "k", { min: 1, max: 4 }); // passes
 * ```
 */
export function assertInteger(
  value: number,
  name: string,
  range: { min: number; max?: number; maxNote?: string },
): void {
  const { min, max = Infinity, maxNote = "" } = range;
  if (!Number.isInteger(value) || value < min || value > max) {
    const upper = max === Infinity ? "" : ` and <= ${max}${maxNote}`;
    throw new RangeError(`${name} must be an integer >= ${min}${upper}, got ${value}`);
  }
}
