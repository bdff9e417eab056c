/**
 * `toy-seed-sweep`: many seeds of one toy-autoencoder configuration, trained
 * as the instances of one run, and what becomes of each over training: all
 * features learnt, k features unlearnt (Symmetric Failure when k = 1 and the
 * rest are perfect), or something else (“Optimization Failure”, "Optimization Failure
 * Mode: Symmetric Failure" and "Asymmetric Recovery").
 *
 * @module
 */
import * as aq from "arquero";
import {
  type ClassifiedSweep,
  finalOutcomes,
  lossRows,
  outcomeFractions,
  outcomeTimeline,
  type RecoveryStats,
  subTimeline,
  sweepRunRows,
  type SweepStats,
  sweepStats,
  undiverged,
} from "../analysis.ts";
import { outcomeLabel, STATES } from "../outcomes.ts";
import { symmetricFailureLoss } from "../closed_forms.ts";
import type { ToyDataConfig } from "../data.ts";
import type { ToyTrainConfig } from "../config.ts";
import { toyTrainMemory } from "../memory.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { finalLossHistogramSpec, lossCurvesSpec, outcomeFractionsSpec } from "../plots.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { defineExperiment, type Experiment, mergedMeta } from "../../../core/experiment.ts";
import { concatClassifiedSweeps } from "../shards.ts";
import {
  describeDivergence,
  type DivergenceReport,
  markSpec,
} from "../../../core/train/divergence.ts";
import { type ConfigOf, int, num, oneOf, withDefault } from "../../../core/config.ts";
import { share, sig } from "../../../core/format.ts";
import {
  perSeedRows,
  seedRange,
  thin,
  toyTrainConfig,
  toyTrainFields,
  trainStage,
  validateSeedRange,
  validateShape,
  validateToyTrainFields,
} from "./common.ts";
import { seedSweepClaims } from "../claims.ts";

// The row types of the result, defined next to the analysis that builds them.
export type { ClassifiedSweep } from "../analysis.ts";

/**
 * The fields of `toy-seed-sweep`: the training fields (25,000 steps by
 * default), the model's shape, the number of seeds and the data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seedSweepFields } from "./seed_sweep.ts";
 * assert.equal(seedSweepFields.steps.default, 25_000);
 * assert.deepEqual(seedSweepFields.data.values, ["identity", "sparse"]);
 * ```
 */
export const seedSweepFields = {
  ...toyTrainFields,
  steps: withDefault(toyTrainFields.steps, 25_000),
  n: int({ default: 7, min: 2, max: 64, doc: "features (input dimension)" }),
  m: int({ default: 2, min: 1, max: 63, doc: "latent dimension" }),
  // A million seeds fit in shards (deno task reproduce --shard); the memory check says when a
  // whole run, or its merge, would not fit the machine.
  seeds: int({ default: 512, min: 1, max: 1_000_000, doc: "number of seeds (instances)" }),
  data: oneOf(["identity", "sparse"], {
    default: "identity",
    doc: "one-hot examples or sparse features",
  }),
  sparsity: num({ default: 0.9, min: 0, max: 0.999999, doc: "sparse data: P(feature off)" }),
  examples: int({
    default: 0,
    min: 0,
    max: 1_000_000,
    doc: "sparse data: fixed set size T (0: fresh)",
  }),
  batchSize: int({
    default: 256,
    min: 1,
    max: 65_536,
    doc: "sparse data: batch size of fresh batches",
  }),
  importance: num({
    default: 1,
    min: 0,
    exclusiveMin: true,
    max: 1,
    doc: "feature importance decay (1: equal)",
  }),
};

/**
 * Config of `toy-seed-sweep`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type SeedSweepConfig, toySeedSweep } from "./seed_sweep.ts";
 * const config: SeedSweepConfig = configure(toySeedSweep, { optimizer: "sgd", lr: 0.1 }, "smoke");
 * assert.deepEqual([config.seeds, config.steps], [32, 400]);
 * ```
 */
export type SeedSweepConfig = ConfigOf<typeof seedSweepFields>;

/**
 * What a sweep returns: the seeds, the run, and every seed's outcome at the
 * end and at every snapshot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type SeedSweepResult, toySeedSweep } from "./seed_sweep.ts";
 * const config = configure(toySeedSweep, { seeds: 2, steps: 20 });
 * const result: SeedSweepResult = await toySeedSweep.run(config, { workers: 1 });
 * assert.equal(result.outcomes.length, 2);
 * ```
 */
export type SeedSweepResult = ClassifiedSweep;

function dataConfig(c: SeedSweepConfig): ToyDataConfig {
  if (c.data === "identity") return { kind: "identity" };
  return { kind: "sparse", sparsity: c.sparsity, examples: c.examples, batchSize: c.batchSize };
}

/**
 * The one training run of a sweep, or of a shard's range of its seeds: the range trains with the
 * whole sweep's plan (how many snapshots to keep depends on how many seeds there are in all).
 */
function sweepTrainConfig(c: SeedSweepConfig, range?: { lo: number; hi: number }): ToyTrainConfig {
  const config = toyTrainConfig(c, {
    n: c.n,
    m: c.m,
    seeds: seedRange(c.seed, c.seeds),
    data: dataConfig(c),
    importanceDecay: c.importance,
  });
  return range ? { ...config, seeds: config.seeds.slice(range.lo, range.hi) } : config;
}

function sweepNotes(
  r: SeedSweepResult,
  c: SeedSweepConfig,
  s: SweepStats & { setting: string; stride: number; div: DivergenceReport },
): string[] {
  const { seeds, train } = r;
  const { counts, recovery } = s;
  return [
    `${seeds.length} seeds (${seeds[0]}–${seeds[seeds.length - 1]}), ${s.setting}, ${c.data} ` +
    `data, ${train.engine} engine on ${train.backend}; states read every ${s.stride} steps.`,
    ...(s.div.note ? [s.div.note] : []),
    `A feature counts as unlearnt when ‖Wᵢ‖ < 0.1; "all learnt" means loss < 1% of ` +
    `(n−1)/n³ = ${sig(symmetricFailureLoss(c.n), 4)}, the cost of one unlearnt feature. A ` +
    `failure is "settled" when k features are unlearnt and the loss is within 10% of ` +
    `k·(n−1)/n³. At step 0 (W ~ N(0, ${c.initStd}²)) most columns are shorter than 0.1, so ` +
    `early snapshots read as unlearnt.`,
    `At the end: ${STATES.filter((l) => counts[l]).map((l) => `${l} ${counts[l]}`).join(", ")}.`,
    recoveryNote(recovery),
  ];
}

/** What became of the settled failures, without a median of nothing when none recovered. */
function recoveryNote(recovery: RecoveryStats): string {
  if (recovery.failed === 0) return "No seed reached a settled failure.";
  const { median, p10, p90 } = recovery.duration;
  const recovered = recovery.recovered === 0
    ? "none of them recovered to all learnt"
    : `${recovery.recovered} of them (${share(recovery.recovered, recovery.failed)}) recovered ` +
      `to all learnt, after a median of ${median} steps (10–90%: ${p10}–${p90})`;
  const symmetric = recovery.symmetric === 0
    ? "None was in Symmetric Failure at any point."
    : `${recovery.symmetric} were in Symmetric Failure at some point; ` +
      `${recovery.recoveredFromSymmetric} of those recovered ` +
      `(${share(recovery.recoveredFromSymmetric, recovery.symmetric)}).`;
  return `${recovery.failed} seeds reached a settled failure; ${recovered}. ${symmetric}`;
}

function sweepFigures(
  r: SeedSweepResult,
  c: SeedSweepConfig,
  s: { setting: string; fractions: ReturnType<typeof outcomeFractions>; div: DivergenceReport },
): Record<string, Spec> {
  const { seeds, train, outcomes } = r;
  const kept = undiverged(train);
  const sfLoss = symmetricFailureLoss(c.n);
  // The first 64 seeds' loss curves, 150 points each: enough to see the plateaus.
  const curveSeeds = seeds.slice(0, Math.min(64, seeds.length));
  const curves = curveSeeds.flatMap((seed, i) =>
    thin(lossRows(train, i), 150).map((row) => ({
      ...row,
      seed,
      label: outcomeLabel(outcomes[i]),
    }))
  );
  return {
    outcome_fractions: markSpec(
      outcomeFractionsSpec(s.fractions, {
        title: `State of ${kept.length} seeds over training (${s.setting})`,
      }),
      s.div.mark,
    ),
    final_loss: markSpec(
      finalLossHistogramSpec(
        kept.map((i) => ({
          log10_loss: Math.log10(train.finalLoss[i]),
          outcome: outcomeLabel(outcomes[i]),
        })),
        {
          title: `Final loss by state (${s.setting})`,
          reference: { value: sfLoss, label: "(n−1)/n³" },
        },
      ),
      s.div.mark,
    ),
    // A diverged seed's curve stops where it diverged (lossRows keeps finite losses only).
    loss_curves: markSpec(
      lossCurvesSpec(curves, {
        title: `Loss of the first ${curveSeeds.length} seeds (${s.setting})`,
      }),
      s.div.curveMark,
    ),
  };
}

/**
 * `toy-seed-sweep`: many seeds of one configuration as one batched run, and
 * the state of every seed over training.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { toySeedSweep } from "./seed_sweep.ts";
 * const config = configure(toySeedSweep, { seeds: 4, steps: 40 });
 * const result = await toySeedSweep.run(config, { workers: 1 });
 * const { tables, summary } = toySeedSweep.artefacts(result, config);
 * assert.equal(tables.runs.numRows(), 4);
 * assert.equal(summary.seeds, 4);
 * ```
 */
export const toySeedSweep: Experiment<typeof seedSweepFields, SeedSweepResult> = defineExperiment({
  id: "toy-seed-sweep",
  title: "Toy autoencoder: what becomes of each seed",
  description:
    "Trains many seeds of y = ReLU(WᵀWx + b) (n features, m latent dimensions, one-hot data by " +
    "default) as one batched run, classifies every seed at every snapshot (all learnt, k unlearnt, " +
    "other, diverged) and plots the fractions over training. “Optimization Failure” reads Symmetric Failure as a " +
    "local optimum (its AdamW run stayed in it from step 3,000 to 25,000); the outcome fractions test " +
    "that: whether failures persist or recover under the chosen optimizer and learning rate.",
  fields: seedSweepFields,
  profiles: {
    smoke: { seeds: 32, steps: 400 },
    quick: {},
    full: { seeds: 4000, steps: 25_000 },
  },
  validate(c) {
    validateShape(c.n, c.m);
    validateToyTrainFields(c);
    validateSeedRange(c.seed, c.seeds, "seeds");
  },
  memory(c, context) {
    const config = sweepTrainConfig(c, context.range);
    return memoryEstimate([
      ...toyTrainMemory(config, { engine: c.engine }),
      perSeedRows(config.seeds.length),
    ], ["seeds", "n", "m"]);
  },
  async run(c, options) {
    const config = sweepTrainConfig(c, options.range);
    const seeds = config.seeds;
    const train = await trainStage(config, {
      run: options,
      engine: c.engine,
      label: `${seeds.length} seeds`,
      from: 0,
      to: 0.95,
    });
    const oneHot = c.data === "identity";
    const timeline = outcomeTimeline(train, { oneHot });
    const outcomes = finalOutcomes(train, { oneHot });
    await options.onProgress?.({ fraction: 1, message: "classified every seed" });
    return {
      seeds,
      train,
      outcomes,
      timeline,
      meta: {
        engine: train.engine,
        backend: train.backend,
        workers: train.workers,
        elapsedMs: train.elapsedMs,
      },
    };
  },
  // Shards are ranges of seeds: each seed's start and data stream come from its own seed.
  shard: {
    unit: "seeds",
    instances: (c) => c.seeds,
    merge: (parts) => ({ ...concatClassifiedSweeps(parts), meta: mergedMeta(parts) }),
  },
  claims: seedSweepClaims,
  artefacts(r, c) {
    const { seeds, timeline } = r;
    const stats = sweepStats(r);
    const { counts } = stats;
    // Every share is over the seeds that did not diverge; the diverged are counted apart.
    const kept = undiverged(r.train);
    const fractions = outcomeFractions(subTimeline(timeline, kept));
    const div = describeDivergence(r.train.divergedAt, {
      divergeAbove: c.divergeAbove,
      noun: "seeds",
    });
    const stride = timeline.steps.length > 1 ? timeline.steps[1] - timeline.steps[0] : c.steps;
    const setting = `n=${c.n}, m=${c.m}, ${c.optimizer}(lr=${c.lr}), ${c.steps} steps`;
    return {
      summary: {
        seeds: seeds.length,
        n: c.n,
        m: c.m,
        optimizer: c.optimizer,
        lr: c.lr,
        steps: c.steps,
        data: c.data,
        snapshot_stride: stride,
        counts,
        fractions: Object.fromEntries(
          STATES.filter((l) => counts[l] && l !== "diverged").map((l) => [
            l,
            counts[l] / kept.length,
          ]),
        ),
        recovery: stats.recovery,
        diverged: counts["diverged"] ?? 0,
        divergence: div.summary,
        symmetric_failure_loss: symmetricFailureLoss(c.n),
        median_final_loss: stats.medianFinalLoss,
        mean_symmetric_failure_bias: stats.meanSymmetricFailureBias,
        one_over_n: 1 / c.n,
      },
      tables: { runs: aq.from(sweepRunRows(r)), outcome_fractions: aq.from(fractions) },
      figures: sweepFigures(r, c, { setting, fractions, div }),
      notes: sweepNotes(r, c, { ...stats, setting, stride, div }),
    };
  },
});
