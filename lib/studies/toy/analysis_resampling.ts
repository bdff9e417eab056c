/**
 * Rows of `toy-resampling` (issue 10): one per instance (remedy × seed of one
 * optimizer and n), one per remedy setting, and the loss around the first
 * resample event. Built from a {@link ToyTrainResult} whose run had a
 * `resample` config, with its instances laid out remedy by remedy (every
 * remedy trains the same seeds).
 *
 * @module
 */
import type { ToyTrainResult } from "./config.ts";
import { finalOutcomes } from "./analysis.ts";
import { outcomeLabel, type State } from "./outcomes.ts";
import { median, quantile, wilson } from "../../core/stats.ts";
import { blankRow, divergedStep } from "../../core/train/divergence.ts";

/** Which remedies, seeds and setting a run's instances stand for (remedy-major order). */
export interface ResampleLayout {
  /** Remedy of each block of `seeds.length` instances. */
  remedies: string[];
  /** The seeds every remedy trained. */
  seeds: number[];
  /** The optimizer's name. */
  optimizer: string;
  /** Its learning rate. */
  lr: number;
  /** Features. */
  n: number;
}

/**
 * One instance of `toy-resampling`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ResampleRunRow } from "./analysis_resampling.ts";
 * const row: Pick<ResampleRunRow, "remedy" | "state"> = { remedy: "gap", state: "all learnt" };
 * assert.equal(row.state, "all learnt");
 * ```
 */
export interface ResampleRunRow {
  /** The remedy's name (with its overrides). */
  remedy: string;
  /** The optimizer's name. */
  optimizer: string;
  /** Its learning rate. */
  lr: number;
  /** Features. */
  n: number;
  /** The seed (initialisation). */
  seed: number;
  /** State at the end (`outcomes.ts`). */
  state: State;
  /** First step with the loss below the all-learnt threshold (null: never). */
  all_learnt_at: number | null;
  /** Resample events (checks that rebuilt a feature). */
  events: number;
  /** Features rebuilt. */
  columns: number;
  /** Events before first all learnt. */
  events_to_learnt: number;
  /** Checks before first all learnt. */
  checks_to_learnt: number;
  /** Features that reconstructed their example at an event and no longer did at the next check. */
  lost: number;
  /** Step of the first event (null: none). */
  first_event_at: number | null;
  /** Loss just before the first event (null: none). */
  loss_before: number | null;
  /** Highest loss until the next check minus the loss before, first event (null: none). */
  first_spike: number | null;
  /** The largest such spike (null: none). */
  max_spike: number | null;
  /** Loss at the end (null: diverged). */
  final_loss: number | null;
  /**
   * Step of divergence (null: did not diverge). A diverged instance keeps its
   * names, state, events and columns; every other field is null.
   */
  diverged_at?: number | null;
}

const orNull = (v: number) => (Number.isFinite(v) ? v : null);
const stepOrNull = (v: number) => (v >= 0 ? v : null);

/**
 * One row per instance of a resampling run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../mod.ts";
 * import { toyResampling } from "./experiments/resampling.ts";
 * const config = configure(toyResampling, { ns: "5", optimizers: "sgd", remedies: "none,gap", seeds: 2, steps: 600, every: 200, window: 100, warmup: 50 });
 * const result = await toyResampling.run(config, { workers: 1 });
 * assert.deepEqual(result.runs.map((r) => r.remedy), ["none", "none", "gap", "gap"]);
 * assert.equal(result.runs[0].events, 0); // "none" never resamples
 * ```
 */
export function resampleRunRows(run: ToyTrainResult, layout: ResampleLayout): ResampleRunRow[] {
  const st = run.resample;
  if (!st) throw new RangeError("the run had no resample config");
  const outcomes = finalOutcomes(run, { oneHot: true });
  const S = layout.seeds.length;
  return layout.remedies.flatMap((remedy, r) =>
    layout.seeds.map((seed, s) => {
      const i = r * S + s;
      const hasEvent = st.firstEventAt[i] >= 0;
      const row: ResampleRunRow = {
        remedy,
        optimizer: layout.optimizer,
        lr: layout.lr,
        n: layout.n,
        seed,
        state: outcomeLabel(outcomes[i]),
        all_learnt_at: stepOrNull(st.allLearntAt[i]),
        events: st.events[i],
        columns: st.columns[i],
        events_to_learnt: st.eventsBeforeLearnt[i],
        checks_to_learnt: st.checksBeforeLearnt[i],
        lost: st.lost[i],
        first_event_at: stepOrNull(st.firstEventAt[i]),
        loss_before: hasEvent ? orNull(st.firstLossBefore[i]) : null,
        first_spike: hasEvent ? orNull(st.firstSpike[i]) : null,
        max_spike: hasEvent ? orNull(st.maxSpike[i]) : null,
        final_loss: orNull(run.finalLoss[i]),
        diverged_at: stepOrNull(run.divergedAt[i]),
      };
      const keep: (keyof ResampleRunRow)[] = ["remedy", "optimizer", "lr", "n", "seed", "state"];
      return row.diverged_at === null
        ? row
        : blankRow(row, [...keep, "events", "columns", "diverged_at"]) as ResampleRunRow;
    })
  );
}

/**
 * One remedy under one optimizer at one n, over its seeds: the row of
 * `remedies.csv`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RemedyRow } from "./analysis_resampling.ts";
 * const row: Pick<RemedyRow, "remedy" | "all_learnt_fraction"> = { remedy: "none", all_learnt_fraction: 0 };
 * assert.equal(row.all_learnt_fraction, 0);
 * ```
 */
export interface RemedyRow {
  /** The remedy's name (with its overrides). */
  remedy: string;
  /** The optimizer's name. */
  optimizer: string;
  /** Its learning rate. */
  lr: number;
  /** Features. */
  n: number;
  /** Seeds in the group. */
  seeds: number;
  /** Seeds all learnt at the end. */
  all_learnt: number;
  /** Share of the seeds that did not diverge all learnt at the end (NaN: every seed diverged). */
  all_learnt_fraction: number;
  /** 95% Wilson interval of the fraction. */
  ci_low: number;
  /** Upper end of the 95% Wilson interval of the fraction. */
  ci_high: number;
  /** Seeds that diverged: left out of every share, mean and quantile of the row. */
  diverged: number;
  /** Seeds ending in Symmetric Failure, with unlearnt features (any k), with merged features. */
  symmetric_failure: number;
  /** Seeds ending with unlearnt features (any number, Symmetric Failure included). */
  unlearnt: number;
  /** Seeds ending with merged features. */
  merged: number;
  /** Over the seeds all learnt at the end: steps to first all learnt (median, 90th percentile). */
  median_steps_to_learnt: number | null;
  /** 90th percentile of the same. */
  p90_steps_to_learnt: number | null;
  /** The same in step equivalents, counting each check as one full-data pass. */
  median_compute_to_learnt: number | null;
  /** Mean events per seed, and before all learnt (over the seeds all learnt at the end). */
  mean_events: number;
  /** Mean events before all learnt, over the seeds all learnt at the end. */
  mean_events_to_learnt: number | null;
  /** Learnt features lost per event. */
  lost_per_event: number | null;
  /** Seeds that lost a learnt feature after an event. */
  seeds_with_loss: number;
  /** First-event loss spike over the seeds that resampled (median, 90th percentile). */
  median_spike: number | null;
  /** 90th percentile of the same. */
  p90_spike: number | null;
}

function quantileOrNull(xs: number[], q: number): number | null {
  if (xs.length === 0) return null;
  return quantile([...xs].sort((a, b) => a - b), q);
}

/**
 * One {@link RemedyRow} per (remedy, optimizer, n) of the instance rows, in
 * the order they first appear.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../mod.ts";
 * import { remedyRows } from "./analysis_resampling.ts";
 * import { toyResampling } from "./experiments/resampling.ts";
 * const config = configure(toyResampling, { ns: "5", optimizers: "sgd", remedies: "none,gap", seeds: 2, steps: 600, every: 200, window: 100, warmup: 50 });
 * const rows = remedyRows((await toyResampling.run(config, { workers: 1 })).runs);
 * assert.deepEqual(rows.map((r) => [r.remedy, r.seeds]), [["none", 2], ["gap", 2]]);
 * ```
 */
export function remedyRows(runs: ResampleRunRow[]): RemedyRow[] {
  const groups = new Map<string, ResampleRunRow[]>();
  for (const r of runs) {
    const key = `${r.remedy}|${r.optimizer}|${r.lr}|${r.n}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((all) => {
    // Every statistic is over the seeds that did not diverge.
    const g = all.filter((r) => divergedStep(r.diverged_at) === null);
    const count = (s: (r: ResampleRunRow) => boolean) => g.filter(s).length;
    const learnt = g.filter((r) => r.state === "all learnt");
    const at = learnt.map((r) => r.all_learnt_at).filter((v): v is number => v !== null);
    const compute = learnt.map((r) => (r.all_learnt_at ?? 0) + r.checks_to_learnt);
    const events = g.reduce((s, r) => s + r.events, 0);
    const lost = g.reduce((s, r) => s + r.lost, 0);
    const spikes = g.map((r) => r.first_spike).filter((v): v is number => v !== null);
    const { low, high } = wilson(learnt.length, g.length);
    return {
      remedy: all[0].remedy,
      optimizer: all[0].optimizer,
      lr: all[0].lr,
      n: all[0].n,
      seeds: all.length,
      all_learnt: learnt.length,
      all_learnt_fraction: learnt.length / g.length,
      ci_low: low,
      ci_high: high,
      diverged: all.length - g.length,
      symmetric_failure: count((r) => r.state === "symmetric failure"),
      unlearnt: count((r) => / unlearnt|symmetric|skewed/.test(r.state)),
      merged: count((r) => r.state === "merged features"),
      median_steps_to_learnt: quantileOrNull(at, 0.5),
      p90_steps_to_learnt: quantileOrNull(at, 0.9),
      median_compute_to_learnt: quantileOrNull(compute, 0.5),
      mean_events: events / g.length,
      mean_events_to_learnt: learnt.length
        ? learnt.reduce((s, r) => s + r.events_to_learnt, 0) / learnt.length
        : null,
      lost_per_event: events ? lost / events : null,
      seeds_with_loss: count((r) => r.lost > 0),
      median_spike: quantileOrNull(spikes, 0.5),
      p90_spike: quantileOrNull(spikes, 0.9),
    };
  });
}

/**
 * The loss around the first event of one remedy's seeds, at one offset:
 * median and quartiles over the seeds that resampled. Offset −1 is the loss
 * just before the event, offset o ≥ 0 the loss o updates after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EventLossRow } from "./analysis_resampling.ts";
 * const before: EventLossRow = { remedy: "gap", optimizer: "sgd", n: 7, offset: -1, median: 0.035, q25: 0.035, q75: 0.035, seeds: 100 };
 * assert.equal(before.offset, -1);
 * ```
 */
export interface EventLossRow {
  /** The remedy's name (with its overrides). */
  remedy: string;
  /** The optimizer's name. */
  optimizer: string;
  /** Features. */
  n: number;
  /** Updates after the first event (−1: just before it). */
  offset: number;
  /** Median loss over the seeds. */
  median: number;
  /** First quartile. */
  q25: number;
  /** Third quartile. */
  q75: number;
  /** Seeds with a first event (and a finite loss at this offset). */
  seeds: number;
}

/**
 * {@link EventLossRow}s of one run, for every remedy that resampled at least
 * once (over its seeds that did not diverge).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../mod.ts";
 * import { toyResampling } from "./experiments/resampling.ts";
 * const config = configure(toyResampling, { ns: "5", optimizers: "sgd", remedies: "none,gap", seeds: 2, steps: 600, every: 200, window: 100, warmup: 50 });
 * const { events } = await toyResampling.run(config, { workers: 1 });
 * assert.ok(events.every((e) => e.remedy === "gap")); // "none" has no event to centre on
 * ```
 */
export function eventLossRows(
  run: ToyTrainResult,
  layout: ResampleLayout & { trace: number[] },
): EventLossRow[] {
  const st = run.resample!;
  const S = layout.seeds.length;
  const K = layout.trace.length;
  const rows: EventLossRow[] = [];
  layout.remedies.forEach((remedy, r) => {
    const offsets = [-1, ...layout.trace];
    for (const [k, offset] of offsets.entries()) {
      const values: number[] = [];
      for (let s = 0; s < S; s++) {
        const i = r * S + s;
        if (st.firstEventAt[i] < 0 || run.divergedAt[i] >= 0) continue;
        const v = k === 0 ? st.firstLossBefore[i] : st.trace[i * K + k - 1];
        if (Number.isFinite(v)) values.push(v);
      }
      if (values.length === 0) continue;
      values.sort((a, b) => a - b);
      rows.push({
        remedy,
        optimizer: layout.optimizer,
        n: layout.n,
        offset,
        median: median(values),
        q25: quantile(values, 0.25),
        q75: quantile(values, 0.75),
        seeds: values.length,
      });
    }
  });
  return rows;
}

/**
 * Steps to all learnt of one (remedy, optimizer, n), over the seeds that
 * ended all learnt: 10th, 25th, 50th, 75th and 90th percentiles.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LearntTimeRow } from "./analysis_resampling.ts";
 * const row: LearntTimeRow = { remedy: "gap", optimizer: "sgd", n: 7, seeds: 3, p10: 1, q25: 2, median: 3, q75: 4, p90: 5 };
 * assert.ok(row.q25 <= row.median);
 * ```
 */
export interface LearntTimeRow {
  /** The remedy. */
  remedy: string;
  /** The optimizer. */
  optimizer: string;
  /** Features. */
  n: number;
  /** Seeds all learnt at the end. */
  seeds: number;
  /** 10th percentile. */
  p10: number;
  /** First quartile. */
  q25: number;
  /** Median. */
  median: number;
  /** Third quartile. */
  q75: number;
  /** 90th percentile. */
  p90: number;
}

/**
 * Quantiles of the steps to all learnt per (remedy, optimizer, n), over the
 * seeds that ended all learnt (groups with none are left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { learntTimeRows, type ResampleRunRow } from "./analysis_resampling.ts";
 * const base = { remedy: "gap", optimizer: "sgd", lr: 0.1, n: 7, state: "all learnt" } as const;
 * const runs = [3000, 4000, 5000].map((at, seed) => ({ ...base, seed, all_learnt_at: at }) as ResampleRunRow);
 * const [row] = learntTimeRows(runs);
 * assert.deepEqual([row.median, row.seeds], [4000, 3]);
 * ```
 */
export function learntTimeRows(runs: ResampleRunRow[]): LearntTimeRow[] {
  const groups = new Map<string, { remedy: string; optimizer: string; n: number; at: number[] }>();
  for (const r of runs) {
    if (r.state !== "all learnt" || r.all_learnt_at === null) continue;
    const key = `${r.remedy}|${r.optimizer}|${r.n}`;
    const g = groups.get(key) ?? { remedy: r.remedy, optimizer: r.optimizer, n: r.n, at: [] };
    g.at.push(r.all_learnt_at);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ at, ...g }) => {
    at.sort((a, b) => a - b);
    return {
      ...g,
      seeds: at.length,
      p10: quantile(at, 0.1),
      q25: quantile(at, 0.25),
      median: quantile(at, 0.5),
      q75: quantile(at, 0.75),
      p90: quantile(at, 0.9),
    };
  });
}
