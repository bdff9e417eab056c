/**
 * `toy-seed-sweep`: many seeds of one toy-autoencoder configuration, trained
 * as the instances of one run, and what becomes of each over training: all
 * features learnt, k features unlearnt (Symmetric Failure when k = 1 and the
 * rest are perfect), or something else (seed 001, "Optimization Failure
 * Mode: Symmetric Failure" and "Asymmetric Recovery").
 *
 * @module
 */
import * as aq from "arquero";
import {
  failureHistory,
  finalOutcomes,
  lossRows,
  outcomeFractions,
  type OutcomeTimeline,
  outcomeTimeline,
  recoveryStats,
} from "../analysis.ts";
import { outcomeLabel, STATES, type ToyOutcome } from "../outcomes.ts";
import { symmetricFailureLoss } from "../closed_forms.ts";
import type { ToyDataConfig } from "../data.ts";
import { finalLossHistogramSpec, lossCurvesSpec, outcomeFractionsSpec } from "../plots.ts";
import type { ToyTrainResult } from "../config.ts";
import type { Experiment } from "../../../core/experiment.ts";
import {
  seedRange,
  thin,
  TOY_TRAIN_DEFAULTS,
  TOY_TRAIN_SPECS,
  toyTrainConfig,
  type ToyTrainFields,
  trainStage,
  validateSeedRange,
  validateShape,
  validateToyTrainFields,
} from "./common.ts";

/** Config of `toy-seed-sweep`. */
export interface SeedSweepConfig extends ToyTrainFields {
  n: number;
  m: number;
  /** Number of seeds (instances): seed, seed+1, … */
  seeds: number;
  data: "identity" | "sparse";
  /** Sparse data: probability that a feature is off. */
  sparsity: number;
  /** Sparse data: a fixed set of this many examples per seed; 0 draws fresh batches. */
  examples: number;
  /** Sparse data with fresh batches: examples per step. */
  batchSize: number;
  /** Feature i's loss weight is importance^i (1: plain MSE). */
  importance: number;
}

/** What a sweep returns. */
export interface SeedSweepResult {
  seeds: number[];
  train: ToyTrainResult;
  outcomes: ToyOutcome[];
  timeline: OutcomeTimeline;
}

function dataConfig(c: SeedSweepConfig): ToyDataConfig {
  if (c.data === "identity") return { kind: "identity" };
  return { kind: "sparse", sparsity: c.sparsity, examples: c.examples, batchSize: c.batchSize };
}

/** First step from which an instance's label stays `label` to the end of the run (-1 if never). */
function settledAt(t: OutcomeTimeline, i: number, code: number): number {
  let since = -1;
  for (let k = 0; k < t.steps.length; k++) {
    if (t.codes[k * t.instances + i] === code) {
      if (since < 0) since = t.steps[k];
    } else {
      since = -1;
    }
  }
  return since;
}

export const toySeedSweep: Experiment<SeedSweepConfig, SeedSweepResult> = {
  id: "toy-seed-sweep",
  title: "Toy autoencoder: what becomes of each seed",
  description:
    "Trains many seeds of y = ReLU(WᵀWx + b) (n features, m latent dimensions, one-hot data by " +
    "default) as one batched run, classifies every seed at every snapshot (all learnt, k unlearnt, " +
    "other, diverged) and plots the fractions over training. Seed 001 reports Symmetric Failure as a " +
    "stable local optimum under AdamW; the outcome fractions show whether failures persist or recover " +
    "under the chosen optimizer and learning rate.",
  defaults: {
    ...TOY_TRAIN_DEFAULTS,
    n: 7,
    m: 2,
    steps: 25_000,
    seeds: 512,
    data: "identity",
    sparsity: 0.9,
    examples: 0,
    batchSize: 256,
    importance: 1,
  },
  fields: {
    ...TOY_TRAIN_SPECS,
    n: { type: "int", min: 2, max: 64, doc: "features (input dimension)" },
    m: { type: "int", min: 1, max: 63, doc: "latent dimension" },
    seeds: { type: "int", min: 1, max: 100_000, doc: "number of seeds (instances)" },
    data: {
      type: "enum",
      values: ["identity", "sparse"],
      doc: "one-hot examples or sparse features",
    },
    sparsity: { type: "number", min: 0, max: 0.999999, doc: "sparse data: P(feature off)" },
    examples: {
      type: "int",
      min: 0,
      max: 1_000_000,
      doc: "sparse data: fixed set size T (0: fresh)",
    },
    batchSize: {
      type: "int",
      min: 1,
      max: 65_536,
      doc: "sparse data: batch size of fresh batches",
    },
    importance: {
      type: "number",
      min: 0,
      exclusiveMin: true,
      max: 1,
      doc: "feature importance decay (1: equal)",
    },
  },
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
  async run(c, options) {
    const seeds = seedRange(c.seed, c.seeds);
    const config = toyTrainConfig(c, {
      n: c.n,
      m: c.m,
      seeds,
      data: dataConfig(c),
      importanceDecay: c.importance,
    });
    const train = await trainStage(config, {
      run: options,
      engine: c.engine,
      label: `${c.seeds} seeds`,
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
  artefacts(r, c) {
    const { train, outcomes, timeline, seeds } = r;
    const n = c.n;
    const sfLoss = symmetricFailureLoss(n);
    const histories = seeds.map((_, i) => failureHistory(timeline, i));
    const runs = aq.from(seeds.map((seed, i) => {
      const o = outcomes[i];
      const h = histories[i];
      return {
        seed,
        outcome: outcomeLabel(o),
        n_unlearnt: o.unlearnt.length,
        unlearnt_features: o.unlearnt.join(";"),
        unlearnt_bias: Number.isNaN(o.unlearntBias) ? null : o.unlearntBias,
        bias_at_1_over_n: o.unlearnt.length ? o.biasAtMean : null,
        symmetric_failure: o.symmetricFailure,
        outcome_since_step: settledAt(timeline, i, STATES.indexOf(outcomeLabel(o))),
        failed_at_step: h.failedAt,
        failure_kind: h.failureKind,
        symmetric_at_step: h.symmetricAt,
        recovered_at_step: h.recoveredAt,
        failure_steps: h.failedAt === null
          ? null
          : (h.recoveredAt ?? timeline.steps[timeline.steps.length - 1]) - h.failedAt,
        skewed_before_recovery: h.failedAt === null ? null : h.skewed,
        failure_episodes: h.episodes,
        final_loss: Number.isNaN(train.finalLoss[i]) ? null : train.finalLoss[i],
        diverged_at_step: train.divergedAt[i] >= 0 ? train.divergedAt[i] : null,
      };
    }));
    const fractions = outcomeFractions(timeline);
    const counts: Record<string, number> = {};
    for (const o of outcomes) counts[outcomeLabel(o)] = (counts[outcomeLabel(o)] ?? 0) + 1;
    const sfBiases = outcomes.flatMap((o) => (o.symmetricFailure ? [o.unlearntBias] : []));
    const finite = [...train.finalLoss].filter(Number.isFinite).sort((a, b) => a - b);
    const recovery = recoveryStats(histories);
    const stride = timeline.steps.length > 1 ? timeline.steps[1] - timeline.steps[0] : c.steps;

    const curveSeeds = seeds.slice(0, Math.min(64, seeds.length));
    const curves = curveSeeds.flatMap((seed, i) =>
      thin(lossRows(train, i), 150).map((row) => ({
        ...row,
        seed,
        label: outcomeLabel(outcomes[i]),
      }))
    );
    const setting = `n=${n}, m=${c.m}, ${c.optimizer}(lr=${c.lr}), ${c.steps} steps`;
    const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : "–");
    const notes = [
      `${seeds.length} seeds (${seeds[0]}–${seeds[seeds.length - 1]}), ${setting}, ${c.data} ` +
      `data, ${train.engine} engine on ${train.backend}; states read every ${stride} steps.`,
      `A feature counts as unlearnt when ‖Wᵢ‖ < 0.1; "all learnt" means loss < 1% of ` +
      `(n−1)/n³ = ${sfLoss.toPrecision(4)}, the cost of one unlearnt feature. A failure is ` +
      `"settled" when k features are unlearnt and the loss is within 10% of k·(n−1)/n³. At step 0 ` +
      `(W ~ N(0, ${c.initStd}²)) most columns are shorter than 0.1, so early snapshots read as unlearnt.`,
      `At the end: ${STATES.filter((l) => counts[l]).map((l) => `${l} ${counts[l]}`).join(", ")}.`,
      `${recovery.failed} seeds reached a settled failure; ${recovery.recovered} of them ` +
      `(${pct(recovery.recovered, recovery.failed)}) recovered to all learnt, after a median of ` +
      `${recovery.duration.median} steps (10–90%: ${recovery.duration.p10}–${recovery.duration.p90}). ` +
      `${recovery.symmetric} were in Symmetric Failure at some point; ${recovery.recoveredFromSymmetric} ` +
      `of those recovered (${pct(recovery.recoveredFromSymmetric, recovery.symmetric)}).`,
    ];
    return {
      summary: {
        seeds: seeds.length,
        n,
        m: c.m,
        optimizer: c.optimizer,
        lr: c.lr,
        steps: c.steps,
        data: c.data,
        snapshot_stride: stride,
        counts,
        fractions: Object.fromEntries(
          STATES.filter((l) => counts[l]).map((l) => [l, counts[l] / seeds.length]),
        ),
        recovery,
        diverged: counts["diverged"] ?? 0,
        symmetric_failure_loss: sfLoss,
        median_final_loss: finite.length ? finite[Math.floor(finite.length / 2)] : null,
        mean_symmetric_failure_bias: sfBiases.length
          ? sfBiases.reduce((s, v) => s + v, 0) / sfBiases.length
          : null,
        one_over_n: 1 / n,
      },
      tables: { runs, outcome_fractions: aq.from(fractions) },
      figures: {
        outcome_fractions: outcomeFractionsSpec(fractions, {
          title: `State of ${seeds.length} seeds over training (${setting})`,
        }),
        final_loss: finalLossHistogramSpec(
          seeds.map((_, i) => ({
            log10_loss: Math.log10(train.finalLoss[i]),
            outcome: outcomeLabel(outcomes[i]),
          })),
          {
            title: `Final loss by state (${setting})`,
            reference: { value: sfLoss, label: "(n−1)/n³" },
          },
        ),
        loss_curves: lossCurvesSpec(curves, {
          title: `Loss of the first ${curveSeeds.length} seeds (${setting})`,
        }),
      },
      notes,
    };
  },
};
