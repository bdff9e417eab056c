/**
 * Tests of lib/core/stats.ts: `minOf` and `maxOf` against `Math.min` and
 * `Math.max` (the same value, bit for bit, NaN and signed zeros included)
 * and on arrays too long to spread into a call.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { maxOf, minOf } from "../../lib/core/stats.ts";

/** Long enough that `Math.min(...values)` overflows the stack (on this machine it does from somewhere past 125,000). */
const LONG = 1_000_000;

/** Numbers with the edge values drawn often: NaN, ±0 and ±Infinity. */
const edgy = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, 0, -0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MAX_VALUE),
  fc.integer({ min: -3, max: 3 }),
);

Deno.test("minOf and maxOf: the empty list gives Infinity and -Infinity, as Math.min() and Math.max()", () => {
  assert.equal(minOf([]), Infinity);
  assert.equal(maxOf([]), -Infinity);
  assert.equal(minOf(new Set<number>()), Infinity);
  assert.equal(maxOf(new Float64Array(0)), -Infinity);
});

Deno.test("minOf and maxOf: NaN anywhere gives NaN", () => {
  for (const xs of [[NaN], [NaN, 1], [1, NaN], [1, NaN, -Infinity], [-Infinity, Infinity, NaN]]) {
    assert.ok(Number.isNaN(minOf(xs)), `minOf(${xs})`);
    assert.ok(Number.isNaN(maxOf(xs)), `maxOf(${xs})`);
    assert.ok(Number.isNaN(minOf(new Set(xs))), `minOf(new Set(${xs}))`);
  }
});

Deno.test("minOf and maxOf: -0 sorts below 0 in either order", () => {
  assert.ok(Object.is(minOf([0, -0]), -0));
  assert.ok(Object.is(minOf([-0, 0]), -0));
  assert.ok(Object.is(maxOf([0, -0]), 0));
  assert.ok(Object.is(maxOf([-0, 0]), 0));
  assert.ok(Object.is(minOf([-0]), -0));
  assert.ok(Object.is(maxOf([-0]), -0));
  assert.ok(Object.is(minOf([1, -0, 0, 2]), -0));
  assert.ok(Object.is(maxOf([-1, 0, -0, -2]), 0));
});

Deno.test("minOf and maxOf: typed arrays, sets, map keys and generators", () => {
  assert.equal(minOf(Int32Array.of(4, -7, 2)), -7);
  assert.equal(maxOf(Float32Array.of(0.5, 3, -1)), 3);
  assert.equal(minOf(new Map([[5, "a"], [2, "b"], [9, "c"]]).keys()), 2);
  function* counting() {
    for (let i = 10; i > 0; i--) yield i;
  }
  assert.equal(minOf(counting()), 1);
  assert.equal(maxOf(counting()), 10);
});

Deno.test("minOf and maxOf: arrays too long for Math.min(...xs) still give the extremes", () => {
  assert.throws(() => Math.min(...new Float64Array(LONG)), RangeError);
  const xs = Array.from({ length: LONG }, (_, i) => (i * 7919) % LONG - LONG / 2);
  assert.equal(minOf(xs), -LONG / 2);
  assert.equal(maxOf(xs), LONG / 2 - 1);
  const typed = Float64Array.from(xs);
  typed[LONG - 1] = NaN;
  assert.ok(Number.isNaN(minOf(typed)));
  assert.ok(Number.isNaN(maxOf(typed)));
});

Deno.test("minOf and maxOf: property, equal to Math.min and Math.max bit for bit", () => {
  fc.assert(
    fc.property(fc.array(edgy, { maxLength: 40 }), (xs) => {
      assert.ok(Object.is(minOf(xs), Math.min(...xs)), `minOf(${xs.map(String)})`);
      assert.ok(Object.is(maxOf(xs), Math.max(...xs)), `maxOf(${xs.map(String)})`);
      // The iterator path agrees with the indexed one.
      assert.ok(Object.is(minOf(xs.values()), Math.min(...xs)));
      assert.ok(Object.is(maxOf(xs.values()), Math.max(...xs)));
    }),
    { seed: 1, numRuns: 2000 },
  );
});
