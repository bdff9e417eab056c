/**
 * Closed-form states of the toy autoencoder on one-hot data (m = 2), used as
 * references and test oracles (“Optimization Failure”).
 *
 * - Regular n-gon: columns of W at angles 2πi/n with ‖Wᵢ‖² = 1/(1 − cos(2π/n))
 *   and bᵢ = −cos(2π/n)/(1 − cos(2π/n)). Each feature's own example gives
 *   ‖Wᵢ‖² + bᵢ = 1; its neighbours give exactly 0; all others are negative, so
 *   the reconstruction is exact (loss 0).
 * - Symmetric Failure: one feature with Wᵢ = 0 and bᵢ = 1/n (the mean of its
 *   targets), the others a regular (n−1)-gon. The unlearnt feature outputs 1/n
 *   on every example, which costs (n−1)/n³ of mean squared error; for n ≥ 5
 *   the (n−1)-gon's biases are ≤ 0, so nothing else is lost.
 *
 * @module
 */

/**
 * ‖Wᵢ‖² and bᵢ of the regular k-gon solution.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { regularPolygonScale } from "./closed_forms.ts";
 * const { normSq, bias } = regularPolygonScale(6); // cos 60° = ½
 * assert.ok(Math.abs(normSq - 2) < 1e-12 && Math.abs(bias + 1) < 1e-12);
 * ```
 */
export function regularPolygonScale(k: number): { normSq: number; bias: number } {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer >= 2, got ${k}`);
  const c = Math.cos((2 * Math.PI) / k);
  return { normSq: 1 / (1 - c), bias: -c / (1 - c) };
}

/**
 * W (`[2][n]`) and b of the regular n-gon, rotated by `rotation` radians.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { regularPolygon } from "./closed_forms.ts";
 * const { W, b } = regularPolygon(5);
 * // Each feature's own output is ‖Wᵢ‖² + bᵢ = 1.
 * assert.ok(Math.abs(W[0][0] ** 2 + W[1][0] ** 2 + b[0] - 1) < 1e-12);
 * ```
 */
export function regularPolygon(n: number, rotation = 0): { W: number[][]; b: number[] } {
  const { normSq, bias } = regularPolygonScale(n);
  const r = Math.sqrt(normSq);
  const angles = Array.from({ length: n }, (_, i) => rotation + (2 * Math.PI * i) / n);
  return {
    W: [angles.map((a) => r * Math.cos(a)), angles.map((a) => r * Math.sin(a))],
    b: new Array(n).fill(bias),
  };
}

/**
 * The Symmetric Failure state: feature `unlearnt` (0-based, default the last)
 * has Wᵢ = 0 and bᵢ = 1/n; the other n − 1 form a regular (n−1)-gon.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricFailure } from "./closed_forms.ts";
 * const { W, b } = symmetricFailure(7, { unlearnt: 2 });
 * assert.deepEqual([W[0][2], W[1][2], b[2]], [0, 0, 1 / 7]);
 * ```
 */
export function symmetricFailure(
  n: number,
  options: { unlearnt?: number; rotation?: number } = {},
): { W: number[][]; b: number[] } {
  if (!Number.isInteger(n) || n < 3) throw new RangeError(`n must be an integer >= 3, got ${n}`);
  const unlearnt = options.unlearnt ?? n - 1;
  const ring = regularPolygon(n - 1, options.rotation ?? 0);
  const W: number[][] = [[], []];
  const b: number[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (i === unlearnt) {
      W[0].push(0);
      W[1].push(0);
      b.push(1 / n);
    } else {
      W[0].push(ring.W[0][k]);
      W[1].push(ring.W[1][k]);
      b.push(ring.b[k]);
      k++;
    }
  }
  return { W, b };
}

/**
 * Loss of the Symmetric Failure state, (n−1)/n³ (n ≥ 5): the cost of one unlearnt feature.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricFailureLoss } from "./closed_forms.ts";
 * assert.equal(symmetricFailureLoss(7), 6 / 343);
 * ```
 */
export function symmetricFailureLoss(n: number): number {
  return (n - 1) / n ** 3;
}

/**
 * A merged pair: the regular (n−1)-gon with feature n sharing feature 1's
 * column, both biases lowered by ½ so that the pair outputs ½ on each of their
 * two examples. Its loss is 1/n² (four errors of ½ over n² entries), higher
 * than Symmetric Failure's (n−1)/n³; trained models with plain SGD often end
 * here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergedPair } from "./closed_forms.ts";
 * const { W, b } = mergedPair(7);
 * // Feature 7 shares feature 1's column; both biases are ½ lower than the ring's.
 * assert.deepEqual([W[0][6], W[1][6]], [W[0][0], W[1][0]]);
 * assert.equal(b[6], b[0]);
 * ```
 */
export function mergedPair(n: number, rotation = 0): { W: number[][]; b: number[] } {
  if (!Number.isInteger(n) || n < 5) throw new RangeError(`n must be an integer >= 5, got ${n}`);
  const ring = regularPolygon(n - 1, rotation);
  const W = [[...ring.W[0], ring.W[0][0]], [...ring.W[1], ring.W[1][0]]];
  const b = [...ring.b, ring.b[0] - 0.5];
  b[0] -= 0.5;
  return { W, b };
}
