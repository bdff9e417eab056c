/**
 * `toy-bias-optimum`: the bias of the unlearnt feature in Symmetric Failure
 * (seed 001, "What is b₇? Why can't it decrease?").
 *
 * With Wᵢ = 0 the unlearnt feature outputs the constant ReLU(bᵢ) on every
 * example; under squared error the best constant is the mean of its targets,
 * 1/n, and the loss that remains is (n−1)/n³. For n = nMin … nMax it trains
 * (a) seeds from random starts, keeping every unlearnt feature of every
 * settled failure they fall into, and (b) the same number of starts at the
 * exact Symmetric Failure state with seeded noise on every parameter, keeping
 * those back in Symmetric Failure at the end (selected on geometry only: one
 * unlearnt column, the others a regular polygon; not on bias or loss). (b)
 * gives Symmetric Failure at every n, which random starts rarely reach for
 * n ≥ 8. Each part is one batched run per n (plain SGD by default, under
 * which Symmetric Failure persists).
 *
 * @module
 */
import * as aq from "arquero";
import { finalOutcomes, finalState } from "../analysis.ts";
import { mean, quantile } from "../../../core/stats.ts";
import { symmetricFailure, symmetricFailureLoss } from "../closed_forms.ts";
import { type ToyOutcome } from "../outcomes.ts";
import { biasOptimumSpec, biasVsNormSpec } from "../plots_failure.ts";
import { deriveSeed, Rng } from "../../../core/random.ts";
import { trainFrom } from "./failure_common.ts";
import { ConfigError, type Experiment } from "../../../core/experiment.ts";
import { FUSED_BACKEND } from "../../../core/train/fused.ts";
import {
  seedRange,
  TOY_TRAIN_DEFAULTS,
  TOY_TRAIN_SPECS,
  toyTrainConfig,
  type ToyTrainFields,
  trainStage,
  validateToyTrainFields,
} from "./common.ts";

/** Config of `toy-bias-optimum`. */
export interface BiasOptimumConfig extends ToyTrainFields {
  nMin: number;
  nMax: number;
  seeds: number;
  /** Std of the seeded noise added to the exact Symmetric Failure starts. */
  perturbation: number;
}

/** One n. */
export interface BiasRow {
  n: number;
  seeds: number;
  /** Random starts that ended with one unlearnt column and the others a regular polygon. */
  natural_symmetric_failures: number;
  /** Perturbed Symmetric Failure starts that are back in it at the end (the bias and loss columns). */
  in_symmetric_failure: number;
  bias_mean: number | null;
  bias_min: number | null;
  bias_max: number | null;
  one_over_n: number;
  /** Largest |bᵢ − 1/n| / (1/n) over the instances. */
  bias_max_rel_error: number | null;
  loss_mean: number | null;
  symmetric_failure_loss: number;
  /** Largest |loss − (n−1)/n³| / ((n−1)/n³). */
  loss_max_rel_error: number | null;
  /** Unlearnt features in any settled failure (k ≥ 1 unlearnt, the rest exact). */
  settled_unlearnt_features: number;
  settled_bias_mean: number | null;
  settled_bias_min: number | null;
  settled_bias_max: number | null;
  settled_bias_max_rel_error: number | null;
}

/** One unlearnt feature of a settled failure. */
export interface UnlearntFeatureRow {
  n: number;
  seed: number;
  feature: number;
  /** Unlearnt features in its instance. */
  k: number;
  norm: number;
  bias: number;
  /** bᵢ·n − 1: the relative distance from 1/n. */
  rel_error: number;
}

/** What `toy-bias-optimum` returns. */
export interface BiasOptimumResult {
  rows: BiasRow[];
  features: UnlearntFeatureRow[];
  /** Final states of the runs started from perturbed Symmetric Failure, per n. */
  fromFailure: Record<string, Record<string, number>>;
}

/**
 * Symmetric Failure judged on geometry alone: one unlearnt column, no merged
 * pair, the learnt columns a regular polygon (the bias and the loss are free).
 */
function symmetricGeometry(o: ToyOutcome): boolean {
  return o.unlearnt.length === 1 && o.mergedPairs === 0 && o.regular;
}

export const toyBiasOptimum: Experiment<BiasOptimumConfig, BiasOptimumResult> = {
  id: "toy-bias-optimum",
  title: "Toy autoencoder: the unlearnt feature's bias sits at 1/n",
  description:
    "For n = 5 … 12, trains seeds, keeps those that end in Symmetric Failure and compares the " +
    "unlearnt feature's bias with 1/n (the mean of its targets, the best constant output under " +
    "squared error) and the loss with (n−1)/n³.",
  defaults: {
    ...TOY_TRAIN_DEFAULTS,
    optimizer: "sgd",
    lr: 0.05,
    steps: 40_000,
    nMin: 5,
    nMax: 12,
    seeds: 256,
    perturbation: 0.01,
  },
  fields: {
    ...TOY_TRAIN_SPECS,
    nMin: { type: "int", min: 5, max: 32, doc: "smallest n" },
    nMax: { type: "int", min: 5, max: 32, doc: "largest n" },
    seeds: { type: "int", min: 1, max: 100_000, doc: "seeds per n" },
    perturbation: {
      type: "number",
      min: 0,
      max: 1,
      doc: "noise std on the Symmetric Failure starts",
    },
  },
  profiles: {
    smoke: { nMax: 6, seeds: 24, steps: 3000 },
    quick: {},
    full: { seeds: 2048, steps: 50_000 },
  },
  validate(c) {
    validateToyTrainFields(c);
    if (c.nMin > c.nMax) {
      throw new ConfigError(`nMin=${c.nMin} is not allowed: it must be <= nMax=${c.nMax}`);
    }
  },
  async run(c, options) {
    const started = performance.now();
    const ns = Array.from({ length: c.nMax - c.nMin + 1 }, (_, k) => c.nMin + k);
    const rows: BiasRow[] = [];
    const features: UnlearntFeatureRow[] = [];
    const fromFailure: BiasOptimumResult["fromFailure"] = {};
    let workers = 1;
    for (const [k, n] of ns.entries()) {
      // (a) From random starts: the failures training falls into by itself.
      const run = await trainStage(
        toyTrainConfig(c, { n, m: 2, seeds: seedRange(c.seed, c.seeds) }),
        {
          run: options,
          engine: c.engine,
          label: `n=${n}`,
          from: (2 * k) / (2 * ns.length),
          to: (2 * k + 1) / (2 * ns.length),
        },
      );
      workers = Math.max(workers, run.workers);
      const outcomes = finalOutcomes(run, { oneHot: true });
      const natural = outcomes.filter(symmetricGeometry).length;
      // (b) From the exact Symmetric Failure state plus seeded noise of std `perturbation`
      // on every parameter: does training return to it, and where does the bias settle?
      const starts = seedRange(c.seed, c.seeds).map((seed) => {
        const rng = new Rng(deriveSeed(seed, "bias-optimum-start"));
        const s = symmetricFailure(n);
        return {
          W: s.W.map((row) => row.map((v) => v + c.perturbation * rng.normal())),
          b: s.b.map((v) => v + c.perturbation * rng.normal()),
        };
      });
      const back = await trainFrom(
        starts,
        { optimizer: c.optimizer, lr: c.lr, steps: c.steps },
        options,
        [(2 * k + 1) / (2 * ns.length), (2 * k + 2) / (2 * ns.length), `n=${n}, from failure`],
      );
      const backOutcomes = finalOutcomes(back, { oneHot: true });
      const tally: Record<string, number> = {};
      for (const o of backOutcomes) tally[o.state] = (tally[o.state] ?? 0) + 1;
      fromFailure[`n=${n}`] = tally;
      // Selected on geometry alone, not on the bias or the loss, so that both can be
      // compared freely.
      const sf = backOutcomes.flatMap((o, i) =>
        symmetricGeometry(o) ? [{ o, loss: back.finalLoss[i] }] : []
      );
      const biases = sf.map((x) => x.o.unlearntBias);
      // Every unlearnt feature of a settled failure, whatever k: each outputs a constant.
      const settledFeatures = outcomes.flatMap((o, i) => {
        if (!o.settled || o.unlearnt.length === 0) return [];
        const { W, b } = finalState(run.final, i);
        return o.unlearnt.map((f) => ({
          n,
          seed: c.seed + i,
          feature: f,
          k: o.unlearnt.length,
          norm: Math.hypot(W[0][f - 1], W[1][f - 1]),
          bias: b[f - 1],
          rel_error: b[f - 1] * n - 1,
        }));
      });
      features.push(...settledFeatures);
      const settledBiases = settledFeatures.map((x) => x.bias);
      const losses = sf.map((x) => x.loss);
      const ref = symmetricFailureLoss(n);
      const meanOrNull = (xs: number[]) => (xs.length ? mean(xs) : null);
      rows.push({
        n,
        seeds: c.seeds,
        natural_symmetric_failures: natural,
        in_symmetric_failure: sf.length,
        bias_mean: meanOrNull(biases),
        bias_min: biases.length ? Math.min(...biases) : null,
        bias_max: biases.length ? Math.max(...biases) : null,
        one_over_n: 1 / n,
        bias_max_rel_error: biases.length
          ? Math.max(...biases.map((b) => Math.abs(b * n - 1)))
          : null,
        loss_mean: meanOrNull(losses),
        symmetric_failure_loss: ref,
        loss_max_rel_error: losses.length
          ? Math.max(...losses.map((l) => Math.abs(l - ref) / ref))
          : null,
        settled_unlearnt_features: settledBiases.length,
        settled_bias_mean: meanOrNull(settledBiases),
        settled_bias_min: settledBiases.length ? Math.min(...settledBiases) : null,
        settled_bias_max: settledBiases.length ? Math.max(...settledBiases) : null,
        settled_bias_max_rel_error: settledBiases.length
          ? Math.max(...settledBiases.map((b) => Math.abs(b * n - 1)))
          : null,
      });
    }
    return {
      rows,
      features,
      fromFailure,
      meta: {
        engine: c.engine,
        backend: c.engine === "tfjs" ? options.backend ?? "wasm" : FUSED_BACKEND,
        workers,
        elapsedMs: performance.now() - started,
      },
    };
  },
  artefacts(r, c) {
    const measured = r.rows.filter((x) => x.in_symmetric_failure > 0);
    const worstBias = Math.max(0, ...measured.map((x) => x.bias_max_rel_error ?? 0));
    const worstLoss = Math.max(0, ...measured.map((x) => x.loss_max_rel_error ?? 0));
    const missing = r.rows.filter((x) => x.in_symmetric_failure === 0).map((x) => x.n);
    // How close the bias sits to 1/n, against how close the column is to zero.
    const byNorm = [1e-3, 1e-2, 0.1].map((limit) => {
      const errs = r.features.filter((x) => x.norm < limit).map((x) => Math.abs(x.rel_error))
        .sort((a, b) => a - b);
      return {
        norm_below: limit,
        features: errs.length,
        median_abs_rel_error: errs.length ? quantile(errs, 0.5) : null,
        p90_abs_rel_error: errs.length ? quantile(errs, 0.9) : null,
      };
    });
    return {
      summary: {
        setting: `${c.optimizer}(lr=${c.lr}), ${c.steps} steps, ${c.seeds} seeds per n`,
        rows: r.rows,
        final_states_from_failure: r.fromFailure,
        unlearnt_bias_by_norm: byNorm,
        worst_bias_rel_error: worstBias,
        worst_loss_rel_error: worstLoss,
        n_without_symmetric_failure: missing,
      },
      tables: { bias_optimum: aq.from(r.rows), unlearnt_features: aq.from(r.features) },
      figures: {
        unlearnt_bias_vs_norm: biasVsNormSpec(r.features),
        bias_optimum: biasOptimumSpec(
          r.rows.filter((x) => x.settled_unlearnt_features > 0).map((x) => ({
            n: x.n,
            bias_mean: x.settled_bias_mean!,
            bias_min: x.settled_bias_min!,
            bias_max: x.settled_bias_max!,
            loss_mean: x.loss_mean,
          })),
        ),
      },
      notes: [
        `${c.optimizer}(lr=${c.lr}), ${c.steps} steps, ${c.seeds} seeds for each n in ` +
        `${c.nMin}…${c.nMax}. From random starts, runs ending in Symmetric Failure: ` +
        `${r.rows.map((x) => `n=${x.n}: ${x.natural_symmetric_failures}`).join(", ")}. From ` +
        `Symmetric Failure plus noise of std ${c.perturbation}, runs back in it at the end: ` +
        `${r.rows.map((x) => `n=${x.n}: ${x.in_symmetric_failure}`).join(", ")}.`,
        `Symmetric Failure (selected on geometry only): largest relative distance of the unlearnt ` +
        `bias from 1/n ${worstBias.toExponential(2)}, of the loss from (n−1)/n³ ` +
        `${worstLoss.toExponential(2)}.` +
        (missing.length
          ? ` No Symmetric Failure at n = ${missing.join(", ")}; from the perturbed start those ` +
            `runs ended as ${
              missing.map((n) =>
                `n=${n}: ${
                  Object.entries(r.fromFailure[`n=${n}`] ?? {}).map(([k, v]) => `${k} ${v}`).join(
                    ", ",
                  )
                }`
              ).join("; ")
            }.`
          : ""),
        `Every unlearnt feature of a settled failure (k ≥ 1 unlearnt): ` +
        r.rows.map((x) =>
          `n=${x.n}: ${x.settled_unlearnt_features} features, worst |b·n − 1| ` +
          `${
            x.settled_bias_max_rel_error === null
              ? "–"
              : x.settled_bias_max_rel_error.toExponential(1)
          }`
        ).join("; ") + ".",
        `The closer an unlearnt column is to zero, the closer its bias is to 1/n: ` +
        byNorm.map((x) =>
          `‖Wᵢ‖ < ${x.norm_below}: ${x.features} features, median |b·n − 1| ${
            x.median_abs_rel_error === null ? "–" : x.median_abs_rel_error.toExponential(1)
          }`
        ).join("; ") +
        ". A nonzero column shifts the best constant by the mean of Wᵢ·Wₖ over examples.",
      ],
    };
  },
};
