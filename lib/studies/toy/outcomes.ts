/**
 * What a trained toy autoencoder (one-hot data) ended up as.
 *
 * A feature is *unlearnt* when ‖Wᵢ‖ < {@link UNLEARNT_NORM} (0.1). On one-hot
 * data a learnt feature needs ‖Wᵢ‖² + bᵢ = 1, and a bias bᵢ ≤ 0 (which keeps
 * it silent on examples whose latent point is near the origin) makes that
 * ‖Wᵢ‖ ≥ 1 (the regular n-gon has ‖Wᵢ‖ = 1 for n = 4, 1.63 for n = 7, 4.5 for n = 20). An
 * unlearnt feature's column decays towards 0 and then stays within about
 * one optimizer step of it. The threshold sits a decade below 1.
 *
 * An unlearnt feature outputs ReLU(bᵢ) on every example; its best constant is
 * the mean of its targets, 1/n, which costs (n−1)/n³. So an instance is *all
 * learnt* when its loss is below {@link LEARNT_LOSS_FRACTION} (1%) of that cost.
 *
 * Outcomes, in order of precedence: `diverged`, `all_learnt`, `unlearnt`
 * (k ≥ 1 unlearnt features), `other` (still training, ...); {@link STATES}
 * refines them (Symmetric Failure, skewed failure, k unlearnt).
 *
 * @module
 */
import { angleDegrees, circularGaps, column } from "./geometry.ts";
import { symmetricFailureLoss } from "./closed_forms.ts";
import { maxOf, mean, std } from "../../core/stats.ts";

/** Norm below which a feature counts as unlearnt. */
export const UNLEARNT_NORM = 0.1;
/** Fraction of one unlearnt feature's cost (n−1)/n³ below which all features count as learnt. */
export const LEARNT_LOSS_FRACTION = 0.01;
/** Relative distance from 1/n within which an unlearnt feature's bias "sits at 1/n". */
export const BIAS_AT_MEAN_TOLERANCE = 0.1;

/**
 * Relative distance from k·(n−1)/n³ within which the loss of a state with k
 * unlearnt features counts as "settled": every other feature is learnt and
 * the unlearnt ones cost what they must.
 */
export const SETTLED_LOSS_TOLERANCE = 0.1;
/**
 * The learnt features form a near-regular polygon (m = 2) when their norms
 * vary by less than 5% (coefficient of variation) and no angular gap between
 * neighbours is more than 10% away from the mean gap. Measured on trained
 * failures (n = 7, 512 seeds, AdamW and SGD), these statistics are either
 * below 1e-2 or around 0.2–0.6, so the thresholds sit in the empty range.
 */
export const REGULAR_NORM_CV = 0.05;
/** See {@link REGULAR_NORM_CV}. */
export const REGULAR_GAP_DEVIATION = 0.1;
/**
 * Two learnt columns whose cosine exceeds this (8°) share a latent direction:
 * a merged pair. Both features then fire together on each other's example;
 * the best they can do is output ½ on both, which costs 1/n² per pair (more
 * than an unlearnt feature's (n−1)/n³). A regular arrangement has cosines
 * cos(2π/n) < 0.99 up to n = 44, so it is never flagged.
 */
export const MERGED_COSINE = 0.99;

/**
 * The coarse outcome of an instance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyToy, OUTCOMES } from "./outcomes.ts";
 * import { symmetricFailure, symmetricFailureLoss } from "./closed_forms.ts";
 * const { W, b } = symmetricFailure(7);
 * assert.equal(classifyToy(W, b, symmetricFailureLoss(7)).outcome, "unlearnt");
 * assert.equal(classifyToy(W, b, NaN).outcome, OUTCOMES[3]); // a non-finite loss: "diverged"
 * ```
 */
export const OUTCOMES = ["all_learnt", "unlearnt", "other", "diverged"] as const;

/**
 * One of {@link OUTCOMES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyToy, type Outcome } from "./outcomes.ts";
 * import { regularPolygon } from "./closed_forms.ts";
 * const { W, b } = regularPolygon(7); // exact reconstruction, loss 0
 * const outcome: Outcome = classifyToy(W, b, 0).outcome;
 * assert.equal(outcome, "all_learnt");
 * ```
 */
export type Outcome = typeof OUTCOMES[number];

/**
 * Finer states, in display order:
 * - `all learnt`;
 * - `symmetric failure`: one unlearnt feature with its bias at 1/n, settled,
 *   the others a near-regular polygon;
 * - `skewed failure`: one unlearnt feature, settled, but the learnt polygon is
 *   irregular or the bias is away from 1/n (the write-up's skew stage);
 * - `merged features`: no unlearnt feature, but p ≥ 1 pairs of columns share a
 *   direction, settled at a loss of p/n²;
 * - `1 unlearnt`: one unlearnt feature, not settled (others still learning);
 * - `2 unlearnt`, `3+ unlearnt`; `other`; `diverged`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyToy, STATES } from "./outcomes.ts";
 * import { mergedPair } from "./closed_forms.ts";
 * const { W, b } = mergedPair(7);
 * const o = classifyToy(W, b, 1 / 49); // a merged pair settles at 1/n²
 * assert.equal(o.state, "merged features");
 * assert.equal(STATES.indexOf(o.state), 3);
 * ```
 */
export const STATES = [
  "all learnt",
  "symmetric failure",
  "skewed failure",
  "merged features",
  "1 unlearnt",
  "2 unlearnt",
  "3+ unlearnt",
  "other",
  "diverged",
] as const;

/**
 * One of {@link STATES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyToy, type State } from "./outcomes.ts";
 * import { identityLoss } from "./analysis.ts";
 * import { symmetricFailure } from "./closed_forms.ts";
 * const { W, b } = symmetricFailure(7);
 * b[6] = 0.16; // 12% above 1/7: the loss still settles, the bias is no longer at 1/n
 * const state: State = classifyToy(W, b, identityLoss(W, b)).state;
 * assert.equal(state, "skewed failure");
 * ```
 */
export type State = typeof STATES[number];

/**
 * Classification of one instance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyToy, type ToyOutcome } from "./outcomes.ts";
 * import { symmetricFailure, symmetricFailureLoss } from "./closed_forms.ts";
 * const { W, b } = symmetricFailure(7);
 * const o: ToyOutcome = classifyToy(W, b, symmetricFailureLoss(7));
 * assert.deepEqual([o.outcome, o.state, o.unlearnt], ["unlearnt", "symmetric failure", [7]]);
 * assert.equal(o.unlearntBias, 1 / 7);
 * assert.ok(o.settled && o.regular && o.biasAtMean && o.mergedPairs === 0);
 * ```
 */
export interface ToyOutcome {
  /** The coarse outcome (one of {@link OUTCOMES}). */
  outcome: Outcome;
  /** The finer state (one of {@link STATES}), which refines `outcome`. */
  state: State;
  /** Unlearnt features, numbered from 1. */
  unlearnt: number[];
  /** Mean bias of the unlearnt features (NaN when there are none). */
  unlearntBias: number;
  /** Whether every unlearnt feature's bias is within 10% of 1/n (false when there are none). */
  biasAtMean: boolean;
  /** Pairs of learnt columns that share a direction (cosine > 0.99). */
  mergedPairs: number;
  /**
   * A settled failure (one-hot data only): k unlearnt features and p merged
   * pairs, k + p ≥ 1, and a loss within 10% of k·(n−1)/n³ + p/n², i.e.
   * everything else reconstructed exactly.
   */
  settled: boolean;
  /**
   * Whether the learnt features form a near-regular polygon (m = 2, and
   * judged only when at least one feature is unlearnt; false otherwise).
   */
  regular: boolean;
  /** Symmetric Failure: settled, one unlearnt feature, bias at 1/n, regular polygon. */
  symmetricFailure: boolean;
}

/** Coefficient of variation of the learnt norms and the largest relative gap deviation. */
export function polygonIrregularity(
  W: number[][],
  learnt: number[],
): { normCv: number; gapDeviation: number } {
  if (W.length === 2) {
    const n = W[0].length;
    const flat = new Float64Array(2 * n);
    flat.set(W[0]);
    flat.set(W[1], n);
    const isLearnt = new Uint8Array(n);
    for (const f of learnt) isLearnt[f - 1] = 1;
    return planarIrregularity(flat, 0, n, isLearnt, planarScratch(n));
  }
  const norms = learnt.map((f) => Math.hypot(...column(W, f - 1)));
  return { normCv: std(norms) / mean(norms), gapDeviation: NaN };
}

/** Scratch space of {@link planarIrregularity}: the learnt features' norms and angles. */
interface PlanarScratch {
  norms: Float64Array;
  angles: Float64Array;
  gaps: Float64Array;
  /** classifyParams's: every feature's norm, and whether it is learnt. */
  featureNorms: Float64Array;
  learnt: Uint8Array;
}

let scratch: PlanarScratch | null = null;

/** Scratch for n features (the module's own, grown when n needs more). */
function planarScratch(n: number): PlanarScratch {
  if (scratch === null || scratch.norms.length < n) {
    scratch = {
      norms: new Float64Array(n),
      angles: new Float64Array(n),
      gaps: new Float64Array(n),
      featureNorms: new Float64Array(n),
      learnt: new Uint8Array(n),
    };
  }
  return scratch;
}

/**
 * {@link polygonIrregularity} for m = 2, reading W from a flat row (row 0 at
 * `offset`, row 1 at `offset + n`) over the features with `isLearnt[j]` set,
 * with no allocation: classification runs it for every seed at every
 * snapshot. The numbers are those of `featureRows` and `adjacentGaps`
 * (Math.hypot norms, `angleDegrees`, `circularGaps` of the sorted angles).
 */
function planarIrregularity(
  data: ArrayLike<number>,
  offset: number,
  n: number,
  isLearnt: ArrayLike<number>,
  s: PlanarScratch,
): { normCv: number; gapDeviation: number } {
  const { norms, angles, gaps } = s;
  let count = 0;
  for (let j = 0; j < n; j++) {
    if (!isLearnt[j]) continue;
    const x = data[offset + j];
    const y = data[offset + n + j];
    norms[count] = Math.hypot(x, y);
    angles[count++] = angleDegrees(x, y);
  }
  const learntNorms = norms.subarray(0, count);
  const normCv = std(learntNorms) / mean(learntNorms);
  if (count < 2) return { normCv, gapDeviation: NaN };
  circularGaps(angles.subarray(0, count).sort(), count, gaps);
  const meanGap = 360 / count;
  for (let k = 0; k < count; k++) gaps[k] = Math.abs(gaps[k] - meanGap);
  return { normCv, gapDeviation: maxOf(gaps.subarray(0, count)) / meanGap };
}

const DIVERGED: ToyOutcome = {
  outcome: "diverged",
  state: "diverged",
  unlearnt: [],
  unlearntBias: NaN,
  biasAtMean: false,
  mergedPairs: 0,
  settled: false,
  regular: false,
  symmetricFailure: false,
};

/**
 * Classifies one instance from its W (`[m][n]`), b and loss. The loss tests
 * (all learnt, settled) assume one-hot (identity) data, where a perfect
 * reconstruction exists; with `oneHot: false` only the norms decide and an
 * instance with no unlearnt feature is `other`.
 */
export function classifyToy(
  W: number[][],
  b: number[],
  loss: number,
  options: { oneHot?: boolean } = {},
): ToyOutcome {
  const m = W.length;
  const n = W[0].length;
  const data = new Float64Array(m * n + n);
  W.forEach((row, a) => data.set(row, a * n));
  data.set(b, m * n);
  return classifyParams({ n, m, bias: true }, data, 0, loss, options);
}

/**
 * {@link classifyToy} reading W and b straight from a flat parameter row
 * (`[W row-major, b]` at `offset`, the layout of `models/toy_relu.ts`), so
 * that classifying every instance at every snapshot allocates little.
 */
export function classifyParams(
  shape: { n: number; m: number; bias: boolean },
  data: ArrayLike<number>,
  offset: number,
  loss: number,
  options: { oneHot?: boolean } = {},
): ToyOutcome {
  const { n, m } = shape;
  const w = (a: number, j: number) => data[offset + a * n + j];
  const bias = (j: number) => (shape.bias ? data[offset + m * n + j] : 0);
  if (!Number.isFinite(loss)) return { ...DIVERGED, unlearnt: [] };
  // Scratch, not new arrays: this runs for every seed at every snapshot of a sweep.
  const space = planarScratch(n);
  const norms = space.featureNorms;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let a = 0; a < m; a++) s += w(a, j) * w(a, j);
    if (!Number.isFinite(s)) return { ...DIVERGED, unlearnt: [] };
    norms[j] = Math.sqrt(s);
  }
  const unlearnt: number[] = [];
  for (let j = 0; j < n; j++) if (norms[j] < UNLEARNT_NORM) unlearnt.push(j + 1);
  const k = unlearnt.length;
  let biasSum = 0;
  let biasAtMean = k > 0;
  for (const f of unlearnt) {
    const v = bias(f - 1);
    biasSum += v;
    if (Math.abs(v - 1 / n) > BIAS_AT_MEAN_TOLERANCE / n) biasAtMean = false;
  }
  const unlearntBias = k ? biasSum / k : NaN;
  const oneHot = options.oneHot ?? true;
  const sfLoss = symmetricFailureLoss(n);
  const allLearnt = oneHot && loss < LEARNT_LOSS_FRACTION * sfLoss;
  let mergedPairs = 0;
  for (let x = 0; x < n; x++) {
    if (norms[x] < UNLEARNT_NORM) continue;
    for (let y = x + 1; y < n; y++) {
      if (norms[y] < UNLEARNT_NORM) continue;
      let dot = 0;
      for (let a = 0; a < m; a++) dot += w(a, x) * w(a, y);
      if (dot / (norms[x] * norms[y]) > MERGED_COSINE) mergedPairs++;
    }
  }
  const expected = k * sfLoss + mergedPairs / (n * n);
  const settled = oneHot && k + mergedPairs > 0 &&
    Math.abs(loss - expected) <= SETTLED_LOSS_TOLERANCE * expected;
  // Regularity matters only next to an unlearnt feature; it needs the angles.
  let regular = false;
  if (m === 2 && k >= 1 && n - k >= 3) {
    const learnt = space.learnt;
    for (let j = 0; j < n; j++) learnt[j] = norms[j] >= UNLEARNT_NORM ? 1 : 0;
    const { normCv, gapDeviation } = planarIrregularity(data, offset, n, learnt, space);
    regular = normCv < REGULAR_NORM_CV && gapDeviation < REGULAR_GAP_DEVIATION;
  }
  const symmetricFailure = settled && k === 1 && mergedPairs === 0 && biasAtMean && regular;
  const outcome: Outcome = allLearnt ? "all_learnt" : k > 0 ? "unlearnt" : "other";
  let state: State;
  if (allLearnt) state = "all learnt";
  else if (symmetricFailure) state = "symmetric failure";
  else if (settled && k === 1) state = "skewed failure";
  else if (settled && k === 0) state = "merged features";
  else if (k === 1) state = "1 unlearnt";
  else if (k === 2) state = "2 unlearnt";
  else if (k >= 3) state = "3+ unlearnt";
  else state = "other";
  return {
    outcome,
    state,
    unlearnt,
    unlearntBias,
    biasAtMean,
    mergedPairs,
    settled,
    regular,
    symmetricFailure,
  };
}

/** The display label of an instance's state (one of {@link STATES}). */
export function outcomeLabel(o: ToyOutcome): State {
  return o.state;
}

/**
 * Symmetric Failure judged on geometry alone: one unlearnt column, no merged
 * pair, the learnt columns a regular polygon (the bias and the loss are free,
 * so that both can be compared with their closed forms; toy-bias-optimum).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyToy, symmetricGeometry } from "./outcomes.ts";
 * import { symmetricFailure } from "./closed_forms.ts";
 * const { W, b } = symmetricFailure(7);
 * b[6] = 0.5; // far from 1/n: not Symmetric Failure, but the same geometry
 * const o = classifyToy(W, b, 1, { oneHot: true });
 * assert.equal(o.symmetricFailure, false);
 * assert.equal(symmetricGeometry(o), true);
 * ```
 */
export function symmetricGeometry(o: ToyOutcome): boolean {
  return o.unlearnt.length === 1 && o.mergedPairs === 0 && o.regular;
}
