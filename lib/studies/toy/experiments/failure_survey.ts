/**
 * `toy-failure-survey`: how often the toy autoencoder fails, whether it
 * recovers, and how long that takes, across optimizers, learning rates and
 * n (seed 001: "Symmetric Failure" as a local optimum, "Asymmetric
 * Recovery" as a rare escape: about 1 in 100 seeds there).
 *
 * For every n and optimizer one batched run trains `seeds` seeds at each
 * learning rate (the optimizer's base rate times each factor; per-instance
 * learning rates, the same seeds at every rate). Every instance is classified
 * at every snapshot and its failure history extracted: when it first settled
 * into a failure, which kind, whether and when it recovered.
 *
 * @module
 */
import * as aq from "arquero";
import {
  type FailureHistory,
  failureHistory,
  finalOutcomes,
  outcomeFractions,
  outcomeTimeline,
  type RecoveryStats,
  recoveryStats,
} from "../analysis.ts";
import { OPTIMIZER_NAMES, type OptimizerName } from "../../../core/optim/config.ts";
import { surveyFractionsSpec, surveyGridSpec } from "../plots_failure.ts";
import { ConfigError, type Experiment, fusedMeta, listItems } from "../../../core/experiment.ts";
import {
  seedRange,
  TOY_TRAIN_DEFAULTS,
  toyTrainConfig,
  trainStage,
  validateSeedRange,
  validateToyTrainFields,
} from "./common.ts";
import { MAX_SEED } from "../../../core/random.ts";

/** Config of `toy-failure-survey`. */
export interface SurveyConfig {
  [key: string]: number | string | boolean | null;
  nMin: number;
  nMax: number;
  /** Comma-separated optimizers. */
  optimizers: string;
  /** Comma-separated multipliers of each optimizer's base learning rate. */
  lrFactors: string;
  /** Base learning rates. */
  sgdLr: number;
  adamLr: number;
  rmspropLr: number;
  steps: number;
  seeds: number;
  seed: number;
  initStd: number;
}

/** One (n, optimizer, learning rate). */
export interface SurveyCell extends RecoveryStats {
  n: number;
  optimizer: OptimizerName;
  lr: number;
  setting: string;
  /** Share of instances in each state at the end. */
  final: Record<string, number>;
  /** Of the instances ever in Symmetric Failure, the share still in it at the end. */
  symmetricStillAtEnd: number | null;
}

/** What `toy-failure-survey` returns. */
export interface SurveyResult {
  cells: SurveyCell[];
  runs: Record<string, number | string | boolean | null>[];
  fractions: { setting: string; n: number; step: number; outcome: string; fraction: number }[];
}

function baseLr(c: SurveyConfig, optimizer: OptimizerName): number {
  return optimizer === "sgd" ? c.sgdLr : optimizer === "rmsprop" ? c.rmspropLr : c.adamLr;
}

export const toyFailureSurvey: Experiment<SurveyConfig, SurveyResult> = {
  id: "toy-failure-survey",
  title: "Toy autoencoder: failures and recoveries across optimizers, learning rates and n",
  description:
    "For n = nMin … nMax and each optimizer, trains seeds at several learning rates as one batched " +
    "run, classifies every seed at every snapshot and records its failure history: when it settled " +
    "into a failure (Symmetric Failure, skewed, merged features, k unlearnt), whether it recovered " +
    "and after how many steps. Answers, per setting, whether Symmetric Failure is a resting state " +
    "or a transient.",
  defaults: {
    nMin: 5,
    nMax: 12,
    optimizers: "sgd,adam,adamw",
    lrFactors: "0.3,1,3",
    sgdLr: 0.1,
    adamLr: 1e-3,
    rmspropLr: 1e-3,
    steps: 25_000,
    seeds: 96,
    seed: 0,
    initStd: TOY_TRAIN_DEFAULTS.initStd,
  },
  fields: {
    nMin: { type: "int", min: 5, max: 32, doc: "smallest n" },
    nMax: { type: "int", min: 5, max: 32, doc: "largest n" },
    optimizers: { type: "list", values: OPTIMIZER_NAMES, doc: "optimizers to survey" },
    lrFactors: { type: "list", min: 0, exclusiveMin: true, doc: "multipliers of the base lr" },
    sgdLr: { type: "number", min: 0, exclusiveMin: true, doc: "base lr of sgd" },
    adamLr: { type: "number", min: 0, exclusiveMin: true, doc: "base lr of adam and adamw" },
    rmspropLr: { type: "number", min: 0, exclusiveMin: true, doc: "base lr of rmsprop" },
    steps: { type: "int", min: 1, max: 10_000_000, doc: "training steps" },
    seeds: { type: "int", min: 1, max: 100_000, doc: "seeds per setting" },
    seed: { type: "int", min: 0, max: MAX_SEED, doc: "first seed" },
    initStd: { type: "number", min: 0, doc: "std of the normal initialisation" },
  },
  profiles: {
    smoke: { nMax: 6, seeds: 8, steps: 1500, lrFactors: "1" },
    quick: {},
    full: { seeds: 512, steps: 100_000 },
  },
  validate(c) {
    if (c.nMin > c.nMax) {
      throw new ConfigError(`nMin=${c.nMin} is not allowed: it must be <= nMax=${c.nMax}`);
    }
    validateSeedRange(c.seed, c.seeds, "seeds");
    for (const opt of listItems(c.optimizers)) {
      validateToyTrainFields({ ...TOY_TRAIN_DEFAULTS, optimizer: opt as OptimizerName });
    }
  },
  async run(c, options) {
    const started = performance.now();
    const ns = Array.from({ length: c.nMax - c.nMin + 1 }, (_, k) => c.nMin + k);
    const optimizers = listItems(c.optimizers) as OptimizerName[];
    const factors = listItems(c.lrFactors).map(Number);
    const seeds = seedRange(c.seed, c.seeds);
    const cells: SurveyCell[] = [];
    const runs: SurveyResult["runs"] = [];
    const fractions: SurveyResult["fractions"] = [];
    const jobs = ns.flatMap((n) => optimizers.map((optimizer) => ({ n, optimizer })));
    let workers = 1;
    for (const [j, { n, optimizer }] of jobs.entries()) {
      // Rounded so that 0.3 × 1 reads 0.3, not 0.30000000000000004.
      const lrs = factors.map((f) => Number((f * baseLr(c, optimizer)).toPrecision(6)));
      const instanceLrs = lrs.flatMap((lr) => seeds.map(() => lr));
      const config = toyTrainConfig(
        { ...TOY_TRAIN_DEFAULTS, optimizer, lr: lrs[0], steps: c.steps, initStd: c.initStd },
        { n, m: 2, seeds: lrs.flatMap(() => seeds) },
      );
      config.lrs = instanceLrs;
      config.record.snapshotEvery = Math.max(1, Math.floor(c.steps / 100));
      const run = await trainStage(config, {
        run: options,
        label: `n=${n} ${optimizer}`,
        from: j / jobs.length,
        to: (j + 1) / jobs.length,
      });
      workers = Math.max(workers, run.workers);
      const timeline = outcomeTimeline(run, { oneHot: true });
      const outcomes = finalOutcomes(run, { oneHot: true });
      lrs.forEach((lr, l) => {
        const index = seeds.map((_, s) => l * seeds.length + s);
        const histories: FailureHistory[] = index.map((i) => failureHistory(timeline, i));
        const setting = `${optimizer} lr=${lr}`;
        const final: Record<string, number> = {};
        for (const i of index) final[outcomes[i].state] = (final[outcomes[i].state] ?? 0) + 1;
        for (const state of Object.keys(final)) final[state] /= seeds.length;
        const everSymmetric = index.filter((_, s) => histories[s].symmetricAt !== null);
        const stillSymmetric = everSymmetric.filter((i) => outcomes[i].symmetricFailure).length;
        cells.push({
          n,
          optimizer,
          lr,
          setting,
          final,
          symmetricStillAtEnd: everSymmetric.length ? stillSymmetric / everSymmetric.length : null,
          ...recoveryStats(histories),
        });
        index.forEach((i, s) => {
          const h = histories[s];
          runs.push({
            n,
            optimizer,
            lr,
            seed: seeds[s],
            outcome: outcomes[i].state,
            failed_at_step: h.failedAt,
            failure_kind: h.failureKind,
            symmetric_at_step: h.symmetricAt,
            recovered_at_step: h.recoveredAt,
            skewed_before_recovery: h.failedAt === null ? null : h.skewed,
            final_loss: Number.isFinite(run.finalLoss[i]) ? run.finalLoss[i] : null,
          });
        });
        // State fractions over time for this setting (a sub-timeline of its instances).
        const sub = {
          ...timeline,
          instances: index.length,
          codes: new Uint8Array(timeline.steps.length * index.length),
        };
        for (let k = 0; k < timeline.steps.length; k++) {
          index.forEach((i, s) => {
            sub.codes[k * index.length + s] = timeline.codes[k * timeline.instances + i];
          });
        }
        for (const f of outcomeFractions(sub)) fractions.push({ setting, n, ...f });
      });
    }
    return {
      cells,
      runs,
      fractions,
      meta: fusedMeta({ workers, elapsedMs: performance.now() - started }),
    };
  },
  artefacts(r, c) {
    const grid = (value: (x: SurveyCell) => number | null) =>
      r.cells.map((x) => ({ setting: x.setting, n: x.n, value: value(x) }));
    const verdict = (x: SurveyCell) =>
      x.symmetric === 0
        ? "never seen"
        : x.symmetricStillAtEnd! >= 0.5
        ? "resting state"
        : x.recoveredFromSymmetric / x.symmetric >= 0.5
        ? "transient"
        : "mixed";
    const table = aq.from(r.cells.map((x) => ({
      n: x.n,
      optimizer: x.optimizer,
      lr: x.lr,
      seeds: x.instances,
      all_learnt_at_end: x.final["all learnt"] ?? 0,
      symmetric_failure_at_end: x.final["symmetric failure"] ?? 0,
      merged_at_end: x.final["merged features"] ?? 0,
      failed: x.failed,
      recovered: x.recovered,
      still_failing: x.stillFailing,
      ever_symmetric: x.symmetric,
      recovered_from_symmetric: x.recoveredFromSymmetric,
      symmetric_still_at_end: x.symmetricStillAtEnd,
      symmetric_verdict: verdict(x),
      failure_steps_median: x.recovered ? x.duration.median : null,
      symmetric_to_recovery_median: x.recoveredFromSymmetric
        ? x.durationFromSymmetric.median
        : null,
      recovered_via_skew: x.recoveredViaSkew,
    })));
    const midN = Math.min(c.nMax, Math.max(c.nMin, 7));
    const settings = [...new Set(r.cells.map((x) => x.setting))];
    const byOptimizer = Object.fromEntries(
      [...new Set(r.cells.map((x) => x.optimizer))].map((opt) => {
        const mine = r.cells.filter((x) => x.optimizer === opt);
        const sum = (f: (x: SurveyCell) => number) => mine.reduce((s, x) => s + f(x), 0);
        return [opt, {
          instances: sum((x) => x.instances),
          failed: sum((x) => x.failed),
          recovered: sum((x) => x.recovered),
          ever_symmetric: sum((x) => x.symmetric),
          recovered_from_symmetric: sum((x) => x.recoveredFromSymmetric),
          symmetric_still_at_end: sum((x) =>
            Math.round((x.symmetricStillAtEnd ?? 0) * x.symmetric)
          ),
          verdicts: Object.fromEntries(mine.map((x) => [`n=${x.n} lr=${x.lr}`, verdict(x)])),
        }];
      }),
    );
    const seedLike = r.cells.find((x) => x.optimizer === "adamw" && x.n === 7 && x.lr === c.adamLr);
    const notes = [
      `${c.seeds} seeds (from ${c.seed}) per setting, ${c.steps} steps, n = ${c.nMin}…${c.nMax}, ` +
      `optimizers ${c.optimizers}, learning rates = base × ${c.lrFactors} (sgd ${c.sgdLr}, ` +
      `adam/adamw ${c.adamLr}, rmsprop ${c.rmspropLr}); W ~ N(0, ${c.initStd}²), b = 0.`,
      ...Object.entries(byOptimizer).map(([opt, s]) =>
        `${opt}: ${s.failed} of ${s.instances} instances settled into a failure and ${s.recovered} ` +
        `recovered; ${s.ever_symmetric} passed through Symmetric Failure, ${s.recovered_from_symmetric} ` +
        `of them recovered and ${s.symmetric_still_at_end} were still in it at the end.`
      ),
    ];
    if (seedLike) {
      notes.push(
        `The seed's setting (AdamW, lr ${c.adamLr}, n = 7): ${seedLike.symmetric} of ${seedLike.instances} ` +
          `seeds were in Symmetric Failure at some point and ${seedLike.recoveredFromSymmetric} of ` +
          `them recovered within ${c.steps} steps (seed 001 reports about 1 recovery in 100 seeds).`,
      );
    }
    return {
      summary: {
        setting: { ...c },
        by_optimizer: byOptimizer,
        seed_setting: seedLike
          ? {
            ever_symmetric: seedLike.symmetric,
            recovered_from_symmetric: seedLike.recoveredFromSymmetric,
            instances: seedLike.instances,
            median_steps_symmetric_to_recovery: seedLike.durationFromSymmetric.median,
          }
          : null,
      },
      tables: { survey: table, runs: aq.from(r.runs), fractions: aq.from(r.fractions) },
      figures: {
        survey_all_learnt: surveyGridSpec(grid((x) => x.final["all learnt"] ?? 0), {
          title: `Share of seeds with every feature learnt after ${c.steps} steps`,
          value: "all learnt",
          scheme: "greens",
        }),
        survey_symmetric_recovery: surveyGridSpec(
          grid((x) => (x.symmetric ? x.recoveredFromSymmetric / x.symmetric : null)),
          {
            title: "Of the seeds that were in Symmetric Failure, the share that recovered",
            value: "recovered",
            scheme: "oranges",
          },
        ),
        survey_failure_duration: surveyGridSpec(
          grid((x) => (x.recovered ? x.duration.median : null)),
          {
            title: "Median steps from settling into a failure to every feature learnt",
            value: "steps",
            format: ".0f",
            scheme: "purples",
          },
        ),
        survey_fractions: surveyFractionsSpec(
          r.fractions.filter((f) => f.n === midN),
          { title: `States over training at n = ${midN}`, columns: Math.min(3, settings.length) },
        ),
      },
      notes,
    };
  },
};
