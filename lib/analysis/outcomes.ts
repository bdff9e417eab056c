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
 * (k ≥ 1 unlearnt features), `other` (still training, skewed, ...).
 *
 * @module
 */
import { column } from "./geometry.ts";
import { symmetricFailureLoss } from "./closed_forms.ts";

/** Norm below which a feature counts as unlearnt. */
export const UNLEARNT_NORM = 0.1;
/** Fraction of one unlearnt feature's cost (n−1)/n³ below which all features count as learnt. */
export const LEARNT_LOSS_FRACTION = 0.01;
/** Relative distance from 1/n within which an unlearnt feature's bias "sits at 1/n". */
export const BIAS_AT_MEAN_TOLERANCE = 0.1;

/** Relative distance from (n−1)/n³ within which a one-unlearnt state's loss counts as Symmetric Failure. */
export const SYMMETRIC_FAILURE_LOSS_TOLERANCE = 0.1;

/** The outcome labels. */
export const OUTCOMES = ["all_learnt", "unlearnt", "other", "diverged"] as const;
/** One of {@link OUTCOMES}. */
export type Outcome = typeof OUTCOMES[number];

/** Classification of one instance. */
export interface ToyOutcome {
  outcome: Outcome;
  /** Unlearnt features, numbered from 1. */
  unlearnt: number[];
  /** Mean bias of the unlearnt features (NaN when there are none). */
  unlearntBias: number;
  /** Whether every unlearnt feature's bias is within 10% of 1/n (false when there are none). */
  biasAtMean: boolean;
  /**
   * Symmetric Failure (one-hot data): exactly one unlearnt feature, its bias at
   * 1/n, and a loss within 10% of (n−1)/n³, i.e. every other feature learnt.
   */
  symmetricFailure: boolean;
}

/**
 * Classifies one instance from its W (`[m][n]`), b and loss. The loss test
 * for `all_learnt` assumes one-hot (identity) data, where a perfect
 * reconstruction exists; pass `oneHot: false` for other data, and an instance
 * with no unlearnt feature is then `other`.
 */
export function classifyToy(
  W: number[][],
  b: number[],
  loss: number,
  options: { oneHot?: boolean } = {},
): ToyOutcome {
  const n = W[0].length;
  const finite = Number.isFinite(loss) && W.every((row) => row.every(Number.isFinite));
  if (!finite) {
    return {
      outcome: "diverged",
      unlearnt: [],
      unlearntBias: NaN,
      biasAtMean: false,
      symmetricFailure: false,
    };
  }
  const unlearnt: number[] = [];
  for (let i = 0; i < n; i++) {
    if (Math.hypot(...column(W, i)) < UNLEARNT_NORM) unlearnt.push(i + 1);
  }
  const biases = unlearnt.map((f) => b[f - 1]);
  const unlearntBias = biases.length ? biases.reduce((s, v) => s + v, 0) / biases.length : NaN;
  const biasAtMean = biases.length > 0 &&
    biases.every((v) => Math.abs(v - 1 / n) <= BIAS_AT_MEAN_TOLERANCE / n);
  let outcome: Outcome;
  const oneHot = options.oneHot ?? true;
  if (oneHot && loss < LEARNT_LOSS_FRACTION * symmetricFailureLoss(n)) outcome = "all_learnt";
  else if (unlearnt.length > 0) outcome = "unlearnt";
  else outcome = "other";
  const sfLoss = symmetricFailureLoss(n);
  const symmetricFailure = oneHot && unlearnt.length === 1 && biasAtMean &&
    Math.abs(loss - sfLoss) <= SYMMETRIC_FAILURE_LOSS_TOLERANCE * sfLoss;
  return { outcome, unlearnt, unlearntBias, biasAtMean, symmetricFailure };
}

/** A display label that also says how many features are unlearnt ("2 unlearnt", "3+ unlearnt"). */
export function outcomeLabel(o: ToyOutcome): string {
  switch (o.outcome) {
    case "all_learnt":
      return "all learnt";
    case "unlearnt":
      return o.unlearnt.length >= 3 ? "3+ unlearnt" : `${o.unlearnt.length} unlearnt`;
    default:
      return o.outcome;
  }
}
