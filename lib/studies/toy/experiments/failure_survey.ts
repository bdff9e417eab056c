/**
 * `toy-failure-survey`: how often the toy autoencoder fails, whether it
 * recovers, and how long that takes, across optimizers, learning rates and
 * n (“Optimization Failure”: "Symmetric Failure" as a local optimum, "Asymmetric
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
  type OptimizerTally,
  surveyByOptimizer,
  type SurveyCell,
  type SurveyFractionRow,
  type SurveyRunRow,
  surveySettings,
  surveyTableRows,
} from "../analysis.ts";
import { OPTIMIZER_NAMES, type OptimizerName } from "../../../core/optim/config.ts";
import { surveyFractionsSpec, type SurveyGridRow, surveyGridSpec } from "../plots_failure.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { defineExperiment, type Experiment, fusedMeta } from "../../../core/experiment.ts";
import { mergeRowParts } from "../../../core/shard.ts";
import { ConfigError, type ConfigOf, int, list, listItems } from "../../../core/config.ts";
import {
  describeDivergence,
  type DivergenceReport,
  markFigures,
} from "../../../core/train/divergence.ts";
import {
  baseLr,
  optimizerLrFields,
  perSeedRows,
  seedRange,
  TOY_TRAIN_DEFAULTS,
  toyTrainConfig,
  toyTrainFields,
  trainStage,
  validateSeedRange,
  validateToyTrainFields,
} from "./common.ts";
import { MAX_SEED } from "../../../core/random.ts";
import type { ToyTrainConfig } from "../config.ts";
import { largestRunMemory } from "../memory.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { failureSurveyClaims } from "../claims.ts";

// The row types of the result, defined next to the analysis that builds them.
export type { SurveyCell, SurveyFractionRow, SurveyRunRow } from "../analysis.ts";

/**
 * The fields of `toy-failure-survey`: the range of n, the optimizers and
 * their learning rates, and the seeds of every setting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { surveyFields } from "./failure_survey.ts";
 * assert.equal(surveyFields.optimizers.default, "sgd,adam,adamw");
 * assert.equal(surveyFields.initStd.default, 0.1);
 * ```
 */
export const surveyFields = {
  nMin: int({ default: 5, min: 5, max: 32, doc: "smallest n" }),
  nMax: int({ default: 12, min: 5, max: 32, doc: "largest n" }),
  optimizers: list({
    default: "sgd,adam,adamw",
    values: OPTIMIZER_NAMES,
    doc: "optimizers to survey",
  }),
  lrFactors: list({
    default: "0.3,1,3",
    min: 0,
    exclusiveMin: true,
    doc: "multipliers of the base lr",
  }),
  ...optimizerLrFields,
  steps: int({ default: 25_000, min: 1, max: 10_000_000, doc: "training steps" }),
  seeds: int({ default: 96, min: 1, max: 100_000, doc: "seeds per setting" }),
  seed: int({ default: 0, min: 0, max: MAX_SEED, doc: "first seed" }),
  initStd: toyTrainFields.initStd,
  divergeAbove: toyTrainFields.divergeAbove,
};

/**
 * Config of `toy-failure-survey`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type SurveyConfig, toyFailureSurvey } from "./failure_survey.ts";
 * const config: SurveyConfig = configure(toyFailureSurvey, {}, "smoke");
 * assert.deepEqual([config.nMin, config.nMax, config.lrFactors], [5, 6, "1"]);
 * ```
 */
export type SurveyConfig = ConfigOf<typeof surveyFields>;

/**
 * What `toy-failure-survey` returns: one cell per (n, optimizer, learning
 * rate), one row per instance, and the state fractions over training.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type SurveyResult, toyFailureSurvey } from "./failure_survey.ts";
 * const config = configure(toyFailureSurvey, { nMax: 5, optimizers: "sgd", lrFactors: "1", seeds: 2, steps: 20 });
 * const result: SurveyResult = await toyFailureSurvey.run(config, { workers: 1 });
 * assert.deepEqual([result.cells.length, result.runs.length], [1, 2]);
 * ```
 */
export interface SurveyResult {
  /** One per (n, optimizer, learning rate), n first. */
  cells: SurveyCell[];
  /** One per instance, in the order of the cells. */
  runs: SurveyRunRow[];
  /** State fractions over training, per setting and n. */
  fractions: SurveyFractionRow[];
}

/** Divergence over every instance of the survey. */
function surveyDivergence(r: SurveyResult, c: SurveyConfig): DivergenceReport {
  return describeDivergence(r.runs.map((x) => x.diverged_at_step), {
    divergeAbove: c.divergeAbove,
  });
}

function surveyNotes(
  r: SurveyResult,
  c: SurveyConfig,
  byOptimizer: Record<string, OptimizerTally>,
): string[] {
  const div = surveyDivergence(r, c);
  const diverged = r.cells.filter((x) => x.diverged > 0).map((x) =>
    `n=${x.n} ${x.setting} (${x.diverged} of ${x.seeds})`
  );
  const notes = [
    `${c.seeds} seeds (from ${c.seed}) per setting, ${c.steps} steps, n = ${c.nMin}…${c.nMax}, ` +
    `optimizers ${c.optimizers}, learning rates = base × ${c.lrFactors} (sgd ${c.sgdLr}, ` +
    `adam/adamw ${c.adamLr}, rmsprop ${c.rmspropLr}); W ~ N(0, ${c.initStd}²), b = 0.`,
    ...(div.note ? [`${div.note} Diverged seeds by setting: ${diverged.join(", ")}.`] : []),
    ...Object.entries(byOptimizer).map(([opt, s]) =>
      `${opt}: ${s.failed} of ${s.instances} instances settled into a failure and ${s.recovered} ` +
      `recovered; ${s.ever_symmetric} passed through Symmetric Failure, ${s.recovered_from_symmetric} ` +
      `of them recovered and ${s.symmetric_still_at_end} were still in it at the end.`
    ),
  ];
  const seedLike = seedSetting(r, c);
  if (seedLike) {
    notes.push(
      `The write-up's setting (AdamW, lr ${c.adamLr}, n = 7): ${seedLike.symmetric} of ${seedLike.instances} ` +
        `seeds were in Symmetric Failure at some point and ${seedLike.recoveredFromSymmetric} of ` +
        `them recovered within ${c.steps} steps (“Optimization Failure” says such recovery “doesn't happen very much”).`,
    );
  }
  return notes;
}

/** The cell of the write-up's own setting (AdamW at the base lr, n = 7), when surveyed. */
function seedSetting(r: SurveyResult, c: SurveyConfig): SurveyCell | undefined {
  return r.cells.find((x) => x.optimizer === "adamw" && x.n === 7 && x.lr === c.adamLr);
}

/**
 * The cells of one survey heatmap: each cell's value and seed count from
 * `cell`, or why it has none. A setting whose every seed diverged has
 * nothing to show.
 */
function surveyGrid(
  r: SurveyResult,
  cell: (x: SurveyCell) => { value: number | null; count: [number, number]; blank: string },
): SurveyGridRow[] {
  return r.cells.map((x) => {
    const base = { setting: x.setting, n: x.n };
    if (!x.instances) {
      return { ...base, value: null, count: `0/${x.seeds}`, blank: "all\ndiverged" };
    }
    const { value, count, blank } = cell(x);
    const shown = value !== null && Number.isFinite(value);
    return {
      ...base,
      value: shown ? value : null,
      count: `${count[0]}/${count[1]}`,
      blank: shown ? null : blank,
    };
  });
}

function surveyFigures(r: SurveyResult, c: SurveyConfig): Record<string, Spec> {
  const midN = Math.min(c.nMax, Math.max(c.nMin, 7));
  const settings = [...new Set(r.cells.map((x) => x.setting))];
  // Why n starts where it does (nMin's minimum is 5) and how many seeds each cell holds.
  const range = [
    `n = ${c.nMin}…${c.nMax} features in m = 2; ${c.seeds} seeds a cell, ${c.steps} steps.`,
    "n starts at 5 at the lowest: from there the learnt (n−1)-gon's biases are ≤ 0,",
    "so Symmetric Failure is an exact state.",
  ];
  const durations = r.cells.filter((x) => x.instances && x.recovered).map((x) => x.duration.median);
  const figures: Record<string, Spec> = {
    survey_all_learnt: surveyGridSpec(
      surveyGrid(r, (x) => {
        const share = x.final["all learnt"] ?? 0;
        return { value: share, count: [Math.round(share * x.instances), x.instances], blank: "" };
      }),
      {
        title: `Share of seeds with every feature learnt after ${c.steps} steps`,
        subtitle: [...range, "Below each share: seeds all learnt / seeds that did not diverge."],
        value: "all learnt",
        scheme: "greens",
        domain: [0, 1],
      },
    ),
    survey_symmetric_recovery: surveyGridSpec(
      surveyGrid(r, (x) => ({
        value: x.symmetric ? x.recoveredFromSymmetric / x.symmetric : null,
        count: [x.recoveredFromSymmetric, x.symmetric],
        blank: "never in\nSym. Failure",
      })),
      {
        title: "Of the seeds that were in Symmetric Failure, the share that recovered",
        subtitle: [
          ...range,
          "Below each share: recovered / seeds ever in Symmetric Failure;",
          "grey: no seed of the cell was ever in it.",
        ],
        value: "recovered",
        scheme: "oranges",
        domain: [0, 1],
      },
    ),
    survey_failure_duration: surveyGridSpec(
      surveyGrid(r, (x) => ({
        value: x.recovered ? x.duration.median : null,
        count: [x.recovered, x.failed],
        blank: x.failed ? "none\nrecovered" : "none\nfailed",
      })),
      {
        title: "Median steps from settling into a failure to every feature learnt",
        subtitle: [
          ...range,
          "Median over the recovered seeds; below it: recovered / seeds that settled into",
          "a failure; grey: none failed, or none of those recovered.",
        ],
        value: "steps",
        format: ".0f",
        scheme: "purples",
        domain: [0, durations.length ? Math.max(...durations) : 1],
      },
    ),
    survey_fractions: surveyFractionsSpec(
      r.fractions.filter((f) => f.n === midN),
      { title: `States over training at n = ${midN}`, columns: Math.min(3, settings.length) },
    ),
  };
  const { mark } = surveyDivergence(r, c);
  return markFigures(figures, mark);
}

/** The learning rates of one optimizer: each factor times its base lr. */
function surveyLrs(c: SurveyConfig, optimizer: OptimizerName): number[] {
  // Rounded so that 0.3 × 1 reads 0.3, not 0.30000000000000004.
  return listItems(c.lrFactors).map((f) =>
    Number((Number(f) * baseLr(c, optimizer)).toPrecision(6))
  );
}

/** One job's run: every learning rate × every seed, at one n and optimizer. */
function surveyTrainConfig(
  c: SurveyConfig,
  job: { n: number; optimizer: OptimizerName; seeds: number[] },
): ToyTrainConfig {
  const { n, optimizer, seeds } = job;
  const lrs = surveyLrs(c, optimizer);
  const config = toyTrainConfig(
    {
      ...TOY_TRAIN_DEFAULTS,
      optimizer,
      lr: lrs[0],
      steps: c.steps,
      initStd: c.initStd,
      divergeAbove: c.divergeAbove,
    },
    { n, m: 2, seeds: lrs.flatMap(() => seeds) },
  );
  config.lrs = lrs.flatMap((lr) => seeds.map(() => lr));
  config.record.snapshotEvery = Math.max(1, Math.floor(c.steps / 100));
  return config;
}

/**
 * `toy-failure-survey`: failures and recoveries across optimizers, learning
 * rates and n.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { toyFailureSurvey } from "./failure_survey.ts";
 * const config = configure(toyFailureSurvey, { nMax: 5, optimizers: "adam", lrFactors: "1,3", seeds: 2, steps: 20 });
 * const result = await toyFailureSurvey.run(config, { workers: 1 });
 * const { tables } = toyFailureSurvey.artefacts(result, config);
 * assert.deepEqual(tables.survey.array("lr"), [0.001, 0.003]);
 * assert.throws(() => configure(toyFailureSurvey, { nMin: 8, nMax: 6 }), /nMin=8 is not allowed/);
 * ```
 */
export const toyFailureSurvey: Experiment<typeof surveyFields, SurveyResult> = defineExperiment({
  id: "toy-failure-survey",
  title: "Toy autoencoder: failures and recoveries across optimizers, learning rates and n",
  description:
    "For n = nMin … nMax and each optimizer, trains seeds at several learning rates as one batched " +
    "run, classifies every seed at every snapshot and records its failure history: when it settled " +
    "into a failure (Symmetric Failure, skewed, merged features, k unlearnt), whether it recovered " +
    "and after how many steps. Answers, per setting, whether Symmetric Failure is a resting state " +
    "or a transient.",
  fields: surveyFields,
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
  memory(c) {
    // The jobs run one after the other: the largest n is the peak, with the optimizer that
    // keeps the most buffers; the rows of every job are kept.
    const seeds = seedRange(c.seed, c.seeds);
    const optimizers = listItems(c.optimizers) as OptimizerName[];
    const runs = optimizers.map((optimizer) =>
      surveyTrainConfig(c, { n: c.nMax, optimizer, seeds })
    );
    const rows = (c.nMax - c.nMin + 1) * optimizers.length *
      listItems(c.lrFactors).length * c.seeds;
    return memoryEstimate(
      [...largestRunMemory(runs), perSeedRows(rows)],
      ["seeds", "lrFactors", "nMax"],
    );
  },
  async run(c, options) {
    const started = performance.now();
    const ns = Array.from({ length: c.nMax - c.nMin + 1 }, (_, k) => c.nMin + k);
    const optimizers = listItems(c.optimizers) as OptimizerName[];
    const seeds = seedRange(c.seed, c.seeds);
    const result: SurveyResult = { cells: [], runs: [], fractions: [] };
    const jobs = ns.flatMap((n) => optimizers.map((optimizer) => ({ n, optimizer })));
    let workers = 1;
    // A shard runs its range of the jobs (each job's seeds and rows are its own).
    const { lo, hi } = options.range ?? { lo: 0, hi: jobs.length };
    for (const [j, { n, optimizer }] of jobs.entries()) {
      if (j < lo || j >= hi) continue;
      const lrs = surveyLrs(c, optimizer);
      const config = surveyTrainConfig(c, { n, optimizer, seeds });
      const run = await trainStage(config, {
        run: options,
        label: `n=${n} ${optimizer}`,
        from: (j - lo) / (hi - lo),
        to: (j - lo + 1) / (hi - lo),
      });
      workers = Math.max(workers, run.workers);
      const rows = surveySettings(run, { n, optimizer, lrs, seeds });
      for (const row of rows.cells) result.cells.push(row);
      for (const row of rows.runs) result.runs.push(row);
      for (const row of rows.fractions) result.fractions.push(row);
    }
    return { ...result, meta: fusedMeta({ workers, elapsedMs: performance.now() - started }) };
  },
  // Shards are ranges of the (n, optimizer) jobs, n first: each job is one batched run of its
  // learning rates × seeds, and its rows depend on nothing else.
  shard: {
    unit: "jobs (n × optimizer)",
    instances: (c) => (c.nMax - c.nMin + 1) * listItems(c.optimizers).length,
    merge: mergeRowParts,
  },
  claims: failureSurveyClaims,
  artefacts(r, c) {
    const byOptimizer = surveyByOptimizer(r.cells);
    const seedLike = seedSetting(r, c);
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
        divergence: surveyDivergence(r, c).summary,
      },
      tables: {
        survey: aq.from(surveyTableRows(r.cells)),
        runs: aq.from(r.runs),
        fractions: aq.from(r.fractions),
      },
      figures: surveyFigures(r, c),
      notes: surveyNotes(r, c, byOptimizer),
    };
  },
});
