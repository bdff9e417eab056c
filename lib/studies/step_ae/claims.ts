/**
 * What the step-function experiments say about the claims of "Autoencoder
 * study for piecewise constant functions": one function per experiment,
 * reading that experiment's summary and deciding each verdict by a rule fixed
 * here. See `lib/core/claims.ts` for the ledger these rows end up in.
 *
 * @module
 */
import type { Claim, Verdict } from "../../core/claims.ts";
import { fixed, pct, sci, sig } from "../../core/format.ts";

// The summaries are plain JSON; each function names the fields it reads.
// deno-lint-ignore no-explicit-any
type Summary = Record<string, any>;

const SF = "step-functions" as const;

/** The write-up's training length (section 1.1; its figure 2 is at 557,600 epochs). */
const WRITEUP_EPOCHS = 500_000;

const SLOW = {
  id: "step-training-slow",
  writeup: SF,
  section: "1.1 Training with no constraints",
  claim: "Without constraints training is still slow: after 500,000 epochs (557,600 in its " +
    "figure) not every step function is reconstructed.",
};

function epochsOf(setting: string): number | null {
  const m = /([\d,]+) epochs/.exec(setting);
  return m ? Number(m[1].replace(/,/g, "")) : null;
}

/**
 * `step-ae`: slow training, right steps favoured, a code that is not linear,
 * and the appendix's gradients.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepAeClaims } from "./claims.ts";
 * const s = { setting: "rmsprop(lr=0.0001), 500000 epochs", n: 129, final_loss: 2.46,
 *   first_epoch_below_0_1: -1, err_left: 6, err_right: 1, latent_relative_max_deviation: 0.2,
 *   latent_r2: 0.95, diverged_at: -1,
 *   appendix_gradients: { eq10_11: 1e-16, eq12_15_printed: 0.4, eq12_15_corrected: 1e-16,
 *     eq16_18: 1e-16 } };
 * const verdicts = stepAeClaims(s).map((c) => c.verdict);
 * assert.deepEqual(verdicts, ["holds", "holds", "holds", "holds", "refuted"]);
 * ```
 */
export function stepAeClaims(s: Summary): Claim[] {
  const epochs = epochsOf(s.setting);
  const setting = `n = ${s.n}, ${s.setting}`;
  if (s.diverged_at >= 0) {
    return [{
      ...SLOW,
      measured: `the run diverged at epoch ${s.diverged_at} (${setting})`,
      verdict: "open",
    }];
  }
  const reached = s.first_epoch_below_0_1 >= 0;
  const slow: Verdict = reached && s.first_epoch_below_0_1 <= WRITEUP_EPOCHS
    ? "refuted"
    : epochs !== null && epochs >= WRITEUP_EPOCHS
    ? "holds"
    : "open";
  const ratio = s.err_left / s.err_right;
  const dev = s.latent_relative_max_deviation;
  const g = s.appendix_gradients;
  const exact = (x: number) => x < 1e-9;
  return [
    {
      ...SLOW,
      measured: reached
        ? `the loss fell below 0.1 at epoch ${s.first_epoch_below_0_1} (${setting})`
        : `the loss is ${sig(s.final_loss, 3)} at the end, never below 0.1 (${setting})` +
          (slow === "open" ? "; the write-up's length needs --profile full" : ""),
      verdict: slow,
    },
    {
      id: "step-favours-right",
      writeup: SF,
      section: "1.1 Training with no constraints",
      claim:
        "The autoencoder favours steps at large positions: reconstructions degrade from right " +
        "to left.",
      measured: `mean error of the 40 leftmost steps ${sig(s.err_left, 3)} against ` +
        `${sig(s.err_right, 3)} for the 40 rightmost (${setting}` +
        (s.n < 80 ? "; below n = 80 the two ends overlap" : "") + ")",
      verdict: ratio > 1.2 ? "holds" : ratio < 1 / 1.2 ? "refuted" : "open",
    },
    {
      id: "step-latent-not-linear",
      writeup: SF,
      section: "1.1 Training with no constraints",
      claim: "The latent code learnt without constraints is not linear in the step position.",
      measured:
        `a line through the codes leaves a largest deviation of ${pct(dev)} of their range ` +
        `(R² ${fixed(s.latent_r2, 4)}; ${setting})`,
      verdict: dev > 0.02 ? "holds" : "refuted",
    },
    ...(g
      ? [
        {
          id: "appendix-gradients",
          writeup: SF,
          section: "A Gradient computations (equations 10–11, 16–18)",
          claim:
            "The appendix's equations 10–11 and 16–18 give the gradient with respect to W₃ and " +
            "w₁ of the model without activations.",
          measured: `largest difference from the float64 kernel's gradient, over its largest ` +
            `entry, at the trained weights: ${sci(Math.max(g.eq10_11, g.eq16_18), 1)} (${setting})`,
          verdict: exact(g.eq10_11) && exact(g.eq16_18) ? "holds" : "refuted",
        } satisfies Claim,
        {
          id: "appendix-gradients-w2-b2",
          writeup: SF,
          section: "A Gradient computations (equations 12–15)",
          claim: "The appendix's equations 12–15 give the gradient with respect to w₂ and b₂.",
          measured: `as printed (W₃[r][j]) they are off by ${sci(g.eq12_15_printed, 1)} of the ` +
            `gradient's largest entry; with the index swapped (W₃[j][r], i.e. W₃ᵀ(y − x)) by ` +
            `${sci(g.eq12_15_corrected, 1)} (trained weights, ${setting})`,
          verdict: exact(g.eq12_15_printed)
            ? "holds"
            : exact(g.eq12_15_corrected)
            ? "refuted"
            : "open",
        } satisfies Claim,
      ]
      : []),
  ];
}

interface RemedySummary {
  remedy: string;
  change: string;
  seeds: number;
  reached_threshold: number;
  epochs_to_threshold: number | null;
  latent_r2: number;
  latent_relative_max_deviation: number;
}

/**
 * `step-ae-remedies`: the write-up's goal, a latent code linear in the step
 * position with fast training.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remediesClaims } from "./claims.ts";
 * const row = { remedy: "linear-adam", change: "fixed linear encoder, Adam", seeds: 3,
 *   reached_threshold: 3, epochs_to_threshold: 12000, latent_r2: 1,
 *   latent_relative_max_deviation: 0 };
 * const s = { n: 129, epochs: 20000, threshold: 0.1, remedies: [row],
 *   seconds_to_threshold: [{ remedy: "linear-adam", seconds: 5 }] };
 * assert.equal(remediesClaims(s)[0].verdict, "holds");
 * ```
 */
export function remediesClaims(s: Summary): Claim[] {
  const rows = s.remedies as RemedySummary[];
  const good = rows.filter((r) =>
    r.reached_threshold === r.seeds && r.seeds > 0 && r.latent_relative_max_deviation < 0.01
  ).sort((a, b) => (a.epochs_to_threshold ?? Infinity) - (b.epochs_to_threshold ?? Infinity));
  const best = good[0];
  const setting = `n = ${s.n}, ${s.epochs.toLocaleString("en-US")} epochs, loss threshold ` +
    `${s.threshold}, ${rows.length} settings`;
  return [{
    id: "step-linear-and-fast",
    writeup: SF,
    section: "1 Encoder Linearity (the stated goal)",
    claim: "A latent code linear in the step position and fast training can be had together.",
    measured: best
      ? `${best.change}: every seed below the threshold, median epoch ` +
        `${Math.round(best.epochs_to_threshold!).toLocaleString("en-US")}, code ` +
        (best.latent_relative_max_deviation < 1e-6
          ? "exactly linear"
          : `within ${pct(best.latent_relative_max_deviation, 2)} of a line`) +
        ` (${setting})`
      : `no setting got every seed below the threshold with a code within 1% of a line (${setting})`,
    verdict: best ? "holds" : "open",
  }];
}
