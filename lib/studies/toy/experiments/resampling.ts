/**
 * `toy-resampling`: does resampling dead features fix the toy autoencoder's
 * optimization failures, and what does better (“Optimization Failure”, last section;
 * issue 10, part 1)?
 *
 * For every n and optimizer one batched run trains the same `seeds` seeds
 * under every remedy (`resample.ts`: `none`, Anthropic's procedure, its
 * published variants, one knob at a time, and the lab's `gap` and `kick`).
 * Remedies are instances of one run, so up to the first check every remedy
 * follows the same trajectory as `none` for the same seed: the comparison is
 * paired. Measured per instance: the state at the end, the first step all
 * learnt, events, learnt features lost after an event, and the loss around
 * the first event (`analysis_resampling.ts`).
 *
 * @module
 */
import * as aq from "arquero";
import {
  type EventLossRow,
  eventLossRows,
  learntTimeRows,
  type RemedyRow,
  remedyRows,
  type ResampleRunRow,
  resampleRunRows,
} from "../analysis_resampling.ts";
import { remedyRule, type ResampleSchedule, TOY_REMEDIES } from "../resample.ts";
import { eventLossSpec, learntTimeSpec, remedySuccessSpec } from "../plots_resampling.ts";
import { OPTIMIZER_NAMES, type OptimizerName } from "../../../core/optim/config.ts";
import { defineExperiment, type Experiment, fusedMeta } from "../../../core/experiment.ts";
import { mergeRowParts } from "../../../core/shard.ts";
import {
  ConfigError,
  type ConfigOf,
  int,
  list,
  listItems,
  num,
  text,
} from "../../../core/config.ts";
import { pct } from "../../../core/format.ts";
import {
  blankRow,
  describeDivergence,
  type DivergenceReport,
  markSpec,
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
import type { Spec } from "../../../core/plots/render.ts";
import { maxOf } from "../../../core/stats.ts";
import { resamplingClaims } from "../claims.ts";

// The row types of the result, defined next to the analysis that builds them.
export type { EventLossRow, RemedyRow, ResampleRunRow } from "../analysis_resampling.ts";

/**
 * The remedies `toy-resampling` compares by default: every named one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REMEDY_NAMES } from "./resampling.ts";
 * assert.equal(REMEDY_NAMES[0], "none");
 * ```
 */
export const REMEDY_NAMES: readonly string[] = Object.keys(TOY_REMEDIES);

/**
 * The fields of `toy-resampling`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resamplingFields } from "./resampling.ts";
 * assert.equal(resamplingFields.every.default, 2500);
 * assert.equal(resamplingFields.optimizers.default, "sgd,adam,adamw");
 * ```
 */
export const resamplingFields = {
  ns: list({ default: "7", min: 3, doc: "feature counts n (m = 2); one run per n and optimizer" }),
  optimizers: list({
    default: "sgd,adam,adamw",
    values: OPTIMIZER_NAMES,
    doc: "optimizers (PyTorch's rules)",
  }),
  ...optimizerLrFields,
  remedies: text({
    default: REMEDY_NAMES.join(","),
    doc: `remedies, each a name (${REMEDY_NAMES.join(", ")}) with optional +key=value overrides`,
  }),
  seeds: int({ default: 200, min: 1, max: 100_000, doc: "seeds per remedy and setting" }),
  seed: int({ default: 0, min: 0, max: MAX_SEED, doc: "first seed" }),
  steps: int({ default: 25_000, min: 2, max: 10_000_000, doc: "training steps" }),
  every: int({ default: 2500, min: 1, doc: "steps between resample checks" }),
  window: int({
    default: 1250,
    min: 1,
    doc: "silent rule: steps without firing that make a feature dead",
  }),
  warmup: int({ default: 1000, min: 0, doc: "re-warmup steps of the remedies that re-warm" }),
  kick: num({
    default: 0.1,
    min: 0,
    exclusiveMin: true,
    max: 0.999,
    doc: "kick: shortening of the gap's neighbours",
  }),
  initStd: toyTrainFields.initStd,
  divergeAbove: toyTrainFields.divergeAbove,
};

/**
 * Config of `toy-resampling`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type ResamplingConfig, toyResampling } from "./resampling.ts";
 * const config: ResamplingConfig = configure(toyResampling, {}, "smoke");
 * assert.equal(config.ns, "5");
 * ```
 */
export type ResamplingConfig = ConfigOf<typeof resamplingFields>;

/**
 * What `toy-resampling` returns: one row per instance and the loss around
 * the first events.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type ResamplingResult, toyResampling } from "./resampling.ts";
 * const config = configure(toyResampling, { ns: "5", optimizers: "sgd", remedies: "none,anthropic", seeds: 2, steps: 600, every: 200 });
 * const result: ResamplingResult = await toyResampling.run(config, { workers: 1 });
 * assert.equal(result.runs.length, 4);
 * ```
 */
export interface ResamplingResult {
  /** One per instance: remedy-major within each (n, optimizer). */
  runs: ResampleRunRow[];
  /** Loss around the first event, per remedy, optimizer and n. */
  events: EventLossRow[];
}

function schedule(c: ResamplingConfig): ResampleSchedule {
  return { every: c.every, window: c.window, warmup: c.warmup, kick: c.kick };
}

/** Updates after the first event at which its loss is kept: 0, 1, 2, 5, 10, 20, … up to `every`. */
function traceOffsets(every: number): number[] {
  const out = [0];
  for (let d = 1; d <= every && d <= 32_767; d *= 10) {
    for (const k of [1, 2, 5]) if (k * d <= every && k * d <= 32_767) out.push(k * d);
  }
  return out;
}

function runConfig(
  c: ResamplingConfig,
  job: { n: number; optimizer: OptimizerName; remedies: string[]; seeds: number[] },
): ToyTrainConfig {
  const { n, optimizer, remedies, seeds } = job;
  const config = toyTrainConfig(
    {
      ...TOY_TRAIN_DEFAULTS,
      optimizer,
      lr: baseLr(c, optimizer),
      steps: c.steps,
      initStd: c.initStd,
      divergeAbove: c.divergeAbove,
    },
    { n, m: 2, seeds: remedies.flatMap(() => seeds) },
  );
  // The measures come from the resampling track; history would only cost memory.
  config.record = { lossEvery: c.steps, snapshotEvery: c.steps, maxLossRows: 2, maxSnapshots: 2 };
  config.resample = {
    rules: remedies.map((r) => remedyRule(r, schedule(c))),
    ruleOf: remedies.flatMap((_, r) => seeds.map(() => r)),
    trace: traceOffsets(c.every),
  };
  return config;
}

function validate(c: ResamplingConfig): void {
  for (const item of listItems(c.ns)) {
    const n = Number(item);
    if (!Number.isInteger(n) || n < 3 || n > 64) {
      throw new ConfigError(`ns=${c.ns} is not allowed: each n must be an integer in [3, 64]`);
    }
  }
  const remedies = listItems(c.remedies);
  if (remedies.length === 0) throw new ConfigError("remedies is empty: name at least one");
  if (new Set(remedies).size !== remedies.length) {
    throw new ConfigError(`remedies=${c.remedies} names a remedy twice`);
  }
  for (const r of remedies) {
    try {
      remedyRule(r, schedule(c));
    } catch (e) {
      throw new ConfigError(`remedies: ${(e as Error).message}`);
    }
  }
  if (c.every >= c.steps) {
    throw new ConfigError(
      `every=${c.every} is not allowed: it must be < steps=${c.steps} to check at all`,
    );
  }
  validateSeedRange(c.seed, c.seeds, "seeds");
  for (const opt of listItems(c.optimizers)) {
    validateToyTrainFields({ ...TOY_TRAIN_DEFAULTS, optimizer: opt as OptimizerName });
  }
}

/** The remedy row that did best in a setting: most seeds all learnt, then the fastest median. */
function best(rows: RemedyRow[]): RemedyRow {
  return [...rows].sort((a, b) =>
    b.all_learnt - a.all_learnt ||
    (a.median_steps_to_learnt ?? Infinity) - (b.median_steps_to_learnt ?? Infinity)
  )[0];
}

function settingNotes(rows: RemedyRow[]): string[] {
  const settings = [...new Set(rows.map((r) => `${r.optimizer}|${r.n}`))];
  return settings.map((key) => {
    const g = rows.filter((r) => `${r.optimizer}|${r.n}` === key);
    const none = g.find((r) => r.remedy === "none");
    const anthropic = g.find((r) => r.remedy === "anthropic");
    const top = best(g);
    const share = (r: RemedyRow) =>
      `${pct(r.all_learnt_fraction)} (95% CI ${pct(r.ci_low)}–${pct(r.ci_high)})`;
    const diverged = g.reduce((k, r) => k + r.diverged, 0);
    if (g.every((r) => r.diverged === r.seeds)) {
      return `${g[0].optimizer} (lr ${g[0].lr}), n = ${g[0].n}: every run of every remedy ` +
        "diverged; nothing to compare.";
    }
    return `${g[0].optimizer} (lr ${g[0].lr}), n = ${g[0].n}, ${g[0].seeds} seeds` +
      (diverged ? ` (${diverged} of ${g.length * g[0].seeds} runs diverged, left out)` : "") +
      ": " +
      (none ? `no resampling ${share(none)} all learnt; ` : "") +
      (anthropic
        ? `Anthropic's rule ${share(anthropic)} after ${
          anthropic.mean_events.toFixed(1)
        } events per seed; `
        : "") +
      `best ${top.remedy} ${share(top)}` +
      (top.median_steps_to_learnt !== null
        ? `, median ${top.median_steps_to_learnt} steps to all learnt`
        : "") +
      ".";
  });
}

function goalNote(rows: RemedyRow[]): string[] {
  const sgd7 = rows.filter((r) => r.optimizer === "sgd" && r.n === 7);
  if (sgd7.length === 0) return [];
  const top = best(sgd7);
  const met = sgd7.filter((r) => r.all_learnt_fraction >= 0.95).map((r) => r.remedy);
  return [
    met.length
      ? `Goal (≥ 95% of SGD seeds at n = 7 all learnt): met by ${met.join(", ")}.`
      : `Goal (≥ 95% of SGD seeds at n = 7 all learnt): not met; the best, ${top.remedy}, reaches ` +
        `${pct(top.all_learnt_fraction)}; ${top.unlearnt} seeds end with unlearnt features and ` +
        `${top.merged} with merged ones.`,
  ];
}

/** The remedies the event-loss figure draws when they ran: Anthropic's, one change each, and the lab's. */
const FEATURED = [
  "anthropic",
  "pick-e1",
  "scale-1",
  "no-reset",
  "rewarm",
  "arena",
  "fresh",
  "gap",
  "kick",
];

function figures(
  c: ResamplingConfig,
  r: ResamplingResult,
  rows: RemedyRow[],
): Record<string, Spec> {
  const remedies = listItems(c.remedies);
  const ns = listItems(c.ns).map(Number);
  const focus = ns.includes(7) ? 7 : ns[0];
  const optimizers = listItems(c.optimizers);
  // Ten colours read apart: the featured remedies when present, else the first ten that resampled.
  const resampled = remedies.filter((x) => r.events.some((e) => e.remedy === x));
  const featured = resampled.filter((x) => FEATURED.includes(x));
  const shown = featured.length ? featured : resampled.slice(0, 10);
  const { mark } = resamplingDivergence(r, c);
  const marked = (spec: Spec) => markSpec(spec, mark);
  return {
    success: marked(remedySuccessSpec(rows, {
      title: `Share of ${c.seeds} seeds with every feature learnt after ${c.steps} steps`,
      remedies,
      optimizers,
    })),
    time_to_learnt: marked(learntTimeSpec(learntTimeRows(r.runs).filter((t) => t.n === focus), {
      title:
        `Steps to all learnt at n = ${focus} (seeds that got there; 10–90%, quartiles, median)`,
      remedies,
      optimizers,
    })),
    event_loss: marked(
      eventLossSpec(r.events.filter((e) => e.n === focus && shown.includes(e.remedy)), {
        title:
          `Loss around the first resample event at n = ${focus} (median and quartiles over seeds)`,
        optimizers,
      }),
    ),
  };
}

/** Divergence over every instance of every job. */
function resamplingDivergence(r: ResamplingResult, c: ResamplingConfig): DivergenceReport {
  return describeDivergence(r.runs.map((x) => x.diverged_at ?? null), {
    divergeAbove: c.divergeAbove,
  });
}

/** A `remedies.csv` row: a group whose every seed diverged keeps only its names and counts. */
function remedyTableRow(row: RemedyRow) {
  const keep: (keyof RemedyRow)[] = ["remedy", "optimizer", "lr", "n", "seeds", "diverged"];
  return row.diverged < row.seeds ? row : blankRow(row, keep);
}

/**
 * `toy-resampling`: remedies for optimization failure, as instances of one
 * batched run per n and optimizer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { toyResampling } from "./resampling.ts";
 * const config = configure(toyResampling, { ns: "5", optimizers: "sgd", remedies: "none,gap", seeds: 2, steps: 600, every: 200 });
 * const result = await toyResampling.run(config, { workers: 1 });
 * const { tables } = toyResampling.artefacts(result, config);
 * assert.deepEqual(tables.remedies.array("remedy"), ["none", "gap"]);
 * assert.throws(() => configure(toyResampling, { remedies: "anthropic+scale=0" }), /scale must be > 0/);
 * ```
 */
export const toyResampling: Experiment<typeof resamplingFields, ResamplingResult> =
  defineExperiment({
    id: "toy-resampling",
    title: "Toy autoencoder: resampling dead features, its variants, and remedies that do better",
    description:
      "Trains the same seeds under every remedy as instances of one batched run per n and optimizer: " +
      "no resampling, Anthropic's procedure translated to y = ReLU(WᵀWx + b), its published variants " +
      "(picking rule, scale, optimizer reset, re-warmup, fresh weights), and the lab's own placements " +
      "(the widest gap of the learnt polygon; a kick to its neighbours). Reports the share of seeds all " +
      "learnt, the time and compute to get there, learnt features lost, and the loss around the events.",
    fields: resamplingFields,
    profiles: {
      smoke: { ns: "5", seeds: 8, steps: 1200, every: 100, window: 50, warmup: 50 },
      quick: {},
      full: { ns: "5,6,7,8,9,10,11,12", seeds: 1000 },
    },
    validate,
    memory(c) {
      // The jobs run one after the other: the largest n is the peak, with the optimizer that
      // keeps the most buffers; the rows of every job are kept.
      const seeds = seedRange(c.seed, c.seeds);
      const remedies = listItems(c.remedies);
      const ns = listItems(c.ns).map(Number);
      const optimizers = listItems(c.optimizers) as OptimizerName[];
      const n = maxOf(ns);
      const runs = optimizers.map((optimizer) => runConfig(c, { n, optimizer, remedies, seeds }));
      const rows = ns.length * optimizers.length * remedies.length * c.seeds;
      const events = rows * traceOffsets(c.every).length;
      return memoryEstimate([...largestRunMemory(runs), perSeedRows(rows), {
        what: `loss rows around the events: ${events}`,
        bytes: events * 256,
        heap: true,
      }], ["seeds", "remedies", "ns"]);
    },
    async run(c, options) {
      const started = performance.now();
      const ns = listItems(c.ns).map(Number);
      const optimizers = listItems(c.optimizers) as OptimizerName[];
      const remedies = listItems(c.remedies);
      const seeds = seedRange(c.seed, c.seeds);
      const jobs = ns.flatMap((n) => optimizers.map((optimizer) => ({ n, optimizer })));
      const result: ResamplingResult = { runs: [], events: [] };
      let workers = 1;
      // A shard runs its range of the jobs (each job's seeds and rows are its own).
      const { lo, hi } = options.range ?? { lo: 0, hi: jobs.length };
      for (const [j, { n, optimizer }] of jobs.entries()) {
        if (j < lo || j >= hi) continue;
        const config = runConfig(c, { n, optimizer, remedies, seeds });
        const run = await trainStage(config, {
          run: options,
          label: `n=${n} ${optimizer}, ${remedies.length} remedies × ${seeds.length} seeds`,
          from: (j - lo) / (hi - lo),
          to: (j - lo + 1) / (hi - lo),
        });
        workers = Math.max(workers, run.workers);
        const layout = { remedies, seeds, optimizer, lr: baseLr(c, optimizer), n };
        for (const row of resampleRunRows(run, layout)) result.runs.push(row);
        const trace = config.resample!.trace;
        for (const row of eventLossRows(run, { ...layout, trace })) result.events.push(row);
      }
      return { ...result, meta: fusedMeta({ workers, elapsedMs: performance.now() - started }) };
    },
    // Shards are ranges of the (n, optimizer) jobs, n first: each job is one batched run of its
    // remedies × seeds, and its rows depend on nothing else.
    shard: {
      unit: "jobs (n × optimizer)",
      instances: (c) => listItems(c.ns).length * listItems(c.optimizers).length,
      merge: mergeRowParts,
    },
    claims: resamplingClaims,
    artefacts(r, c) {
      const rows = remedyRows(r.runs);
      const div = resamplingDivergence(r, c);
      return {
        summary: {
          setting: { ...c },
          remedies: rows.map((x) => ({
            remedy: x.remedy,
            optimizer: x.optimizer,
            n: x.n,
            seeds: x.seeds,
            all_learnt_fraction: x.all_learnt_fraction,
            ci_low: x.ci_low,
            ci_high: x.ci_high,
            median_steps_to_learnt: x.median_steps_to_learnt,
          })),
          goal_sgd_n7: rows.filter((x) =>
            x.optimizer === "sgd" && x.n === 7 && x.all_learnt_fraction >= 0.95
          )
            .map((x) => x.remedy),
          divergence: div.summary,
        },
        tables: {
          remedies: aq.from(rows.map(remedyTableRow)),
          runs: aq.from(r.runs),
          event_loss: aq.from(r.events),
        },
        figures: figures(c, r, rows),
        notes: [
          `${c.seeds} seeds (from ${c.seed}) per remedy and setting, ${c.steps} steps, checks every ` +
          `${c.every} steps (none in the last ${c.every}), W ~ N(0, ${c.initStd}²), b = 0, one-hot data, m = 2. ` +
          `"All learnt": loss below 1% of (n−1)/n³ at the end.`,
          ...(div.note ? [div.note] : []),
          ...settingNotes(rows),
          ...goalNote(rows),
        ],
      };
    },
  });
