/**
 * `toy-bias-optimum`: the bias of the unlearnt feature in Symmetric Failure
 * (“Optimization Failure”, "What is b₇? Why can't it decrease?").
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
import {
  type BiasByNorm,
  biasByNorm,
  biasOptimumRow,
  type BiasRow,
  finalOutcomes,
  type UnlearntFeatureRow,
  unlearntFeatureRows,
} from "../analysis.ts";
import { symmetricGeometry } from "../outcomes.ts";
import { perturbedSymmetricStarts } from "../failure_states.ts";
import { biasOptimumSpec, biasVsNormSpec } from "../plots_failure.ts";
import { fromStatesMemory, trainFrom } from "./failure_common.ts";
import { toyTrainMemory } from "../memory.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { defineExperiment, type Experiment, type RunOptions } from "../../../core/experiment.ts";
import { ConfigError, type ConfigOf, int, num, withDefault } from "../../../core/config.ts";
import { sci } from "../../../core/format.ts";
import { FUSED_BACKEND } from "../../../core/train/fused.ts";
import {
  describeDivergence,
  type DivergenceReport,
  markSpec,
} from "../../../core/train/divergence.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { maxOf } from "../../../core/stats.ts";
import {
  perSeedRows,
  seedRange,
  toyTrainConfig,
  toyTrainFields,
  trainStage,
  validateToyTrainFields,
} from "./common.ts";
import { biasOptimumClaims } from "../claims.ts";

// The row types of the result, defined next to the analysis that builds them.
export type { BiasRow, UnlearntFeatureRow } from "../analysis.ts";

/**
 * The fields of `toy-bias-optimum`: the training fields (plain SGD at lr
 * 0.05 for 40,000 steps by default), the range of n, the seeds per n and the
 * noise on the Symmetric Failure starts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { biasOptimumFields } from "./bias_optimum.ts";
 * assert.deepEqual([biasOptimumFields.optimizer.default, biasOptimumFields.lr.default], ["sgd", 0.05]);
 * ```
 */
export const biasOptimumFields = {
  ...toyTrainFields,
  optimizer: withDefault(toyTrainFields.optimizer, "sgd"),
  lr: withDefault(toyTrainFields.lr, 0.05),
  steps: withDefault(toyTrainFields.steps, 40_000),
  nMin: int({ default: 5, min: 5, max: 32, doc: "smallest n" }),
  nMax: int({ default: 12, min: 5, max: 32, doc: "largest n" }),
  seeds: int({ default: 256, min: 1, max: 100_000, doc: "seeds per n" }),
  perturbation: num({
    default: 0.01,
    min: 0,
    max: 1,
    doc: "noise std on the Symmetric Failure starts",
  }),
};

/**
 * Config of `toy-bias-optimum`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type BiasOptimumConfig, toyBiasOptimum } from "./bias_optimum.ts";
 * const config: BiasOptimumConfig = configure(toyBiasOptimum, {}, "smoke");
 * assert.deepEqual([config.nMin, config.nMax, config.seeds], [5, 6, 24]);
 * ```
 */
export type BiasOptimumConfig = ConfigOf<typeof biasOptimumFields>;

/**
 * What `toy-bias-optimum` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type BiasOptimumResult, toyBiasOptimum } from "./bias_optimum.ts";
 * const config = configure(toyBiasOptimum, { nMax: 5, seeds: 2, steps: 20 });
 * const result: BiasOptimumResult = await toyBiasOptimum.run(config, { workers: 1 });
 * assert.deepEqual(Object.keys(result.fromFailure), ["n=5"]);
 * ```
 */
export interface BiasOptimumResult {
  /** One row per n. */
  rows: BiasRow[];
  /** Every unlearnt feature of every settled failure from the random starts. */
  features: UnlearntFeatureRow[];
  /** Final states of the runs started from perturbed Symmetric Failure, per n ("n=7": counts). */
  fromFailure: Record<string, Record<string, number>>;
  /** Step each run diverged at (-1: it did not): per n, the random starts, then the others. */
  divergedAt: number[];
}

/** Both parts at one n: the random starts and the perturbed Symmetric Failure starts. */
async function trainOneN(
  c: BiasOptimumConfig,
  job: { n: number; k: number; of: number; options: RunOptions },
) {
  const { n, k, of, options } = job;
  // (a) From random starts: the failures training falls into by itself.
  const random = await trainStage(
    toyTrainConfig(c, { n, m: 2, seeds: seedRange(c.seed, c.seeds) }),
    {
      run: options,
      engine: c.engine,
      label: `n=${n}`,
      from: (2 * k) / (2 * of),
      to: (2 * k + 1) / (2 * of),
    },
  );
  // (b) From the exact Symmetric Failure state plus seeded noise of std `perturbation`
  // on every parameter: does training return to it, and where does the bias settle?
  const starts = perturbedSymmetricStarts(n, {
    seeds: seedRange(c.seed, c.seeds),
    perturbation: c.perturbation,
  });
  const back = await trainFrom(
    starts,
    { optimizer: c.optimizer, lr: c.lr, steps: c.steps, divergeAbove: c.divergeAbove },
    options,
    [(2 * k + 1) / (2 * of), (2 * k + 2) / (2 * of), `n=${n}, from failure`],
  );
  return { random, back };
}

/**
 * Divergence over both parts at every n. A diverged run classifies as the state "diverged",
 * which none of the counts and statistics takes in; here it is counted.
 */
function biasDivergence(r: BiasOptimumResult, c: BiasOptimumConfig): DivergenceReport {
  return describeDivergence(r.divergedAt, { divergeAbove: c.divergeAbove, noun: "runs" });
}

/** Where runs diverged, per n and part. */
function divergedByN(r: BiasOptimumResult): string {
  const each = r.rows.filter((x) => x.diverged + x.diverged_from_failure > 0).map((x) =>
    `n=${x.n}: ${x.diverged} of ${x.seeds} random starts, ${x.diverged_from_failure} of ` +
    `${x.seeds} from Symmetric Failure`
  );
  return `Diverged: ${each.join("; ")}.`;
}

function biasNotes(
  r: BiasOptimumResult,
  c: BiasOptimumConfig,
  s: { worstBias: number; worstLoss: number; missing: number[]; byNorm: BiasByNorm[] },
): string[] {
  const perN = (f: (x: BiasRow) => string, sep = ", ") => r.rows.map(f).join(sep);
  const endedAs = (n: number) =>
    Object.entries(r.fromFailure[`n=${n}`] ?? {}).map(([k, v]) => `${k} ${v}`).join(", ");
  return [
    `${c.optimizer}(lr=${c.lr}), ${c.steps} steps, ${c.seeds} seeds for each n in ` +
    `${c.nMin}…${c.nMax}. From random starts, runs ending in Symmetric Failure: ` +
    `${perN((x) => `n=${x.n}: ${x.natural_symmetric_failures}`)}. From ` +
    `Symmetric Failure plus noise of std ${c.perturbation}, runs back in it at the end: ` +
    `${perN((x) => `n=${x.n}: ${x.in_symmetric_failure}`)}.`,
    `Symmetric Failure (selected on geometry only): largest relative distance of the unlearnt ` +
    `bias from 1/n ${sci(s.worstBias, 2)}, of the loss from (n−1)/n³ ${sci(s.worstLoss, 2)}.` +
    (s.missing.length
      ? ` No Symmetric Failure at n = ${s.missing.join(", ")}; from the perturbed start those ` +
        `runs ended as ${s.missing.map((n) => `n=${n}: ${endedAs(n)}`).join("; ")}.`
      : ""),
    `Every unlearnt feature of a settled failure (k ≥ 1 unlearnt): ` +
    perN(
      (x) =>
        `n=${x.n}: ${x.settled_unlearnt_features} features, worst |b·n − 1| ` +
        sci(x.settled_bias_max_rel_error, 1),
      "; ",
    ) + ".",
    `The closer an unlearnt column is to zero, the closer its bias is to 1/n: ` +
    s.byNorm.map((x) =>
      `‖Wᵢ‖ < ${x.norm_below}: ${x.features} features, median |b·n − 1| ` +
      sci(x.median_abs_rel_error, 1)
    ).join("; ") +
    ". A nonzero column shifts the best constant by the mean of Wᵢ·Wₖ over examples.",
  ];
}

/**
 * `toy-bias-optimum`: the unlearnt feature's bias against 1/n, and the loss
 * against (n−1)/n³.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { toyBiasOptimum } from "./bias_optimum.ts";
 * const config = configure(toyBiasOptimum, { nMax: 5, seeds: 2, steps: 20 });
 * const result = await toyBiasOptimum.run(config, { workers: 1 });
 * const { tables } = toyBiasOptimum.artefacts(result, config);
 * assert.deepEqual(tables.bias_optimum.array("n"), [5]);
 * ```
 */
export const toyBiasOptimum: Experiment<typeof biasOptimumFields, BiasOptimumResult> =
  defineExperiment({
    id: "toy-bias-optimum",
    title: "Toy autoencoder: the unlearnt feature's bias sits at 1/n",
    description:
      "For n = 5 … 12, trains seeds, keeps those that end in Symmetric Failure and compares the " +
      "unlearnt feature's bias with 1/n (the mean of its targets, the best constant output under " +
      "squared error) and the loss with (n−1)/n³.",
    fields: biasOptimumFields,
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
    memory(c) {
      // Per n, the random starts' result is kept while the runs from the failure train.
      const n = c.nMax;
      const seeds = seedRange(c.seed, c.seeds);
      const random = toyTrainConfig(c, { n, m: 2, seeds });
      const back = { optimizer: c.optimizer, lr: c.lr, steps: c.steps };
      return memoryEstimate([
        ...toyTrainMemory(random, { engine: c.engine }),
        ...fromStatesMemory(c.seeds, n, back),
        perSeedRows(2 * c.seeds * (c.nMax - c.nMin + 1)),
      ], ["seeds", "nMax"]);
    },
    async run(c, options) {
      const started = performance.now();
      const ns = Array.from({ length: c.nMax - c.nMin + 1 }, (_, k) => c.nMin + k);
      const result: BiasOptimumResult = { rows: [], features: [], fromFailure: {}, divergedAt: [] };
      let workers = 1;
      for (const [k, n] of ns.entries()) {
        const { random, back } = await trainOneN(c, { n, k, of: ns.length, options });
        workers = Math.max(workers, random.workers);
        const outcomes = finalOutcomes(random, { oneHot: true });
        const backOutcomes = finalOutcomes(back, { oneHot: true });
        const tally: Record<string, number> = {};
        for (const o of backOutcomes) tally[o.state] = (tally[o.state] ?? 0) + 1;
        result.fromFailure[`n=${n}`] = tally;
        const features = unlearntFeatureRows(random, { outcomes, seed: c.seed });
        for (const row of features) result.features.push(row);
        // Selected on geometry alone, not on the bias or the loss, so that both can be
        // compared freely.
        const symmetric = backOutcomes.flatMap((o, i) =>
          symmetricGeometry(o) ? [{ bias: o.unlearntBias, loss: back.finalLoss[i] }] : []
        );
        // A diverged run has the state "diverged": it is in none of the counts, only here.
        const diverged = (run: typeof random) => run.divergedAt.filter((s) => s >= 0).length;
        for (const run of [random, back]) {
          for (const at of run.divergedAt) result.divergedAt.push(at);
        }
        result.rows.push(biasOptimumRow(n, {
          seeds: c.seeds,
          natural: outcomes.filter(symmetricGeometry).length,
          symmetric,
          features,
          diverged: { random: diverged(random), fromFailure: diverged(back) },
        }));
      }
      return {
        ...result,
        meta: {
          engine: c.engine,
          backend: c.engine === "tfjs" ? options.backend ?? "wasm" : FUSED_BACKEND,
          workers,
          elapsedMs: performance.now() - started,
        },
      };
    },
    claims: biasOptimumClaims,
    artefacts(r, c) {
      const measured = r.rows.filter((x) => x.in_symmetric_failure > 0);
      const worstBias = Math.max(0, maxOf(measured.map((x) => x.bias_max_rel_error ?? 0)));
      const worstLoss = Math.max(0, maxOf(measured.map((x) => x.loss_max_rel_error ?? 0)));
      const missing = r.rows.filter((x) => x.in_symmetric_failure === 0).map((x) => x.n);
      const byNorm = biasByNorm(r.features, [1e-3, 1e-2, 0.1]);
      const div = biasDivergence(r, c);
      const mark = (spec: Spec) => markSpec(spec, div.mark);
      return {
        summary: {
          setting: `${c.optimizer}(lr=${c.lr}), ${c.steps} steps, ${c.seeds} seeds per n`,
          rows: r.rows,
          final_states_from_failure: r.fromFailure,
          unlearnt_bias_by_norm: byNorm,
          worst_bias_rel_error: worstBias,
          worst_loss_rel_error: worstLoss,
          n_without_symmetric_failure: missing,
          divergence: div.summary,
        },
        tables: { bias_optimum: aq.from(r.rows), unlearnt_features: aq.from(r.features) },
        figures: {
          unlearnt_bias_vs_norm: mark(biasVsNormSpec(r.features)),
          bias_optimum: mark(biasOptimumSpec(
            r.rows.filter((x) => x.settled_unlearnt_features > 0).map((x) => ({
              n: x.n,
              bias_mean: x.settled_bias_mean!,
              bias_min: x.settled_bias_min!,
              bias_max: x.settled_bias_max!,
              loss_mean: x.loss_mean,
            })),
          )),
        },
        notes: [
          ...biasNotes(r, c, { worstBias, worstLoss, missing, byNorm }).slice(0, 1),
          ...(div.note ? [`${div.note} ${divergedByN(r)}`] : []),
          ...biasNotes(r, c, { worstBias, worstLoss, missing, byNorm }).slice(1),
        ],
      };
    },
  });
