/**
 * Pieces of dead-unit resampling that every study shares (Bricken et al.,
 * "Towards Monosemanticity", 2023, appendix "Autoencoder Resampling"; the
 * variants of ARENA, saprmarks/dictionary_learning and Neel Nanda's 1L SAE
 * as issue 10 lists them): which example a dead unit is rebuilt from, how a
 * resample is scheduled, and the learning-rate re-warmup after one.
 *
 * The picking rule. Given every candidate example's squared reconstruction
 * error ‖e‖², example k is picked with probability ∝ ‖e_k‖^p: Anthropic
 * samples ∝ the square of the (squared-error) loss, p = 4, as does ARENA;
 * dictionary_learning samples ∝ ‖e‖, p = 1. One uniform draw u ∈ [0, 1)
 * picks one example ({@link pickWeighted}), so a reference implementation
 * given the same u picks the same example.
 *
 * What a study does with the picked example (the new weights), and what
 * "dead" means, is the study's business: the toy model's columns are
 * encoder and decoder at once, an SAE's latents are not.
 *
 * @module
 */

/**
 * Picking rules: probability ∝ ‖e‖ (`e1`), ‖e‖² (`e2`) or ‖e‖⁴ (`e4`,
 * Anthropic's and ARENA's), where e is an example's reconstruction error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RESAMPLE_PICKS } from "./resample.ts";
 * assert.deepEqual([...RESAMPLE_PICKS], ["e1", "e2", "e4"]);
 * ```
 */
export const RESAMPLE_PICKS = ["e1", "e2", "e4"] as const;

/**
 * One of {@link RESAMPLE_PICKS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pickExponent, type ResamplePick } from "./resample.ts";
 * const anthropic: ResamplePick = "e4";
 * assert.equal(pickExponent(anthropic), 4);
 * ```
 */
export type ResamplePick = typeof RESAMPLE_PICKS[number];

/**
 * The exponent p of a picking rule (probability ∝ ‖e‖^p).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pickExponent } from "./resample.ts";
 * assert.deepEqual(["e1", "e2", "e4"].map((r) => pickExponent(r as "e1")), [1, 2, 4]);
 * ```
 */
export function pickExponent(pick: ResamplePick): number {
  return pick === "e1" ? 1 : pick === "e2" ? 2 : 4;
}

/**
 * Turns squared errors ‖e_k‖² into picking weights ‖e_k‖^p in place
 * (non-finite or negative entries weigh 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pickWeights } from "./resample.ts";
 * assert.deepEqual(Array.from(pickWeights(Float64Array.of(4, 9), "e1")), [2, 3]);
 * assert.deepEqual(Array.from(pickWeights(Float64Array.of(4, NaN), "e4")), [16, 0]);
 * ```
 */
export function pickWeights(errSq: Float64Array, pick: ResamplePick): Float64Array {
  const half = pickExponent(pick) / 2;
  for (let k = 0; k < errSq.length; k++) {
    const s = errSq[k];
    errSq[k] = s > 0 && Number.isFinite(s)
      ? (half === 1 ? s : half === 2 ? s * s : Math.sqrt(s))
      : 0;
  }
  return errSq;
}

/**
 * The index picked by one uniform draw `u` ∈ [0, 1) with probabilities ∝
 * `weights`: the first k whose cumulative weight exceeds u · Σw (what
 * `torch.multinomial` does in distribution; with an explicit u a reference
 * can repeat the pick exactly). When no weight is positive every index is
 * equally likely: ⌊u · n⌋.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pickWeighted } from "./resample.ts";
 * const w = [1, 0, 3]; // P = 1/4, 0, 3/4
 * assert.deepEqual([0.1, 0.25, 0.9].map((u) => pickWeighted(w, u)), [0, 2, 2]);
 * assert.equal(pickWeighted([0, 0], 0.6), 1); // nothing positive: uniform
 * ```
 */
export function pickWeighted(weights: ArrayLike<number>, u: number): number {
  const n = weights.length;
  if (n === 0) throw new RangeError("pickWeighted needs at least one weight");
  let total = 0;
  for (let k = 0; k < n; k++) total += weights[k] > 0 ? weights[k] : 0;
  if (!(total > 0) || !Number.isFinite(total)) return Math.min(n - 1, Math.floor(u * n));
  const target = u * total;
  let cum = 0;
  let last = 0;
  for (let k = 0; k < n; k++) {
    if (!(weights[k] > 0)) continue;
    cum += weights[k];
    last = k;
    if (cum > target) return k;
  }
  return last; // rounding left u · Σw at the very top
}

/**
 * Whether the resampling check runs after update `step` (1-based count of
 * updates done): every `every` updates, except in the last `every` of the
 * run, so that each resample has a whole interval to settle before the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isResampleStep } from "./resample.ts";
 * const at = [1000, 2000, 3000, 4000].filter((t) => isResampleStep(t, 1000, 4000));
 * assert.deepEqual(at, [1000, 2000, 3000]);
 * ```
 */
export function isResampleStep(step: number, every: number, steps: number): boolean {
  return every > 0 && step % every === 0 && step + every <= steps;
}

/**
 * The learning-rate factor of an instance `sinceResample` updates after its
 * last resample, with a linear re-warmup over `warmup` updates
 * (dictionary_learning re-warms over 1,000): the first update after a
 * resample runs at 1/warmup of the rate. 1 when there is no warmup or no
 * resample yet (`sinceResample` < 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { warmupFactor } from "./resample.ts";
 * assert.deepEqual([1, 500, 1000, 5000].map((s) => warmupFactor(s, 1000)), [0.001, 0.5, 1, 1]);
 * assert.equal(warmupFactor(-1, 1000), 1);
 * assert.equal(warmupFactor(3, 0), 1);
 * ```
 */
export function warmupFactor(sinceResample: number, warmup: number): number {
  if (warmup <= 0 || sinceResample < 0 || sinceResample >= warmup) return 1;
  return sinceResample / warmup;
}
