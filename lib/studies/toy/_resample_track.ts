/**
 * Resampling inside the fused training loop (`_train_fused.ts`): the
 * per-instance bookkeeping a range carries while it trains with a
 * {@link ToyResampleConfig}, the checks, and the measures a run returns
 * (`ResampleStats`, in `config.ts`). The rules and the event itself are in
 * `resample.ts`.
 *
 * Every instance measures, whatever its remedy (`none` too), so the
 * baseline is measured the same way: the first step its loss fell below the
 * all-learnt threshold, and, once it has resampled, the loss around its
 * first event, the spike after each event and the learnt features it lost.
 * Each instance draws from its own stream (`deriveSeed(seed,
 * "toy-resample")`), so nothing depends on the range or worker it ran in.
 *
 * @module
 */
import { deriveSeed, Rng, type RngState } from "../../core/random.ts";
import { isResampleStep, warmupFactor } from "../../core/train/resample.ts";
import type { ArrayOptimizer } from "../../core/optim/optimizer.ts";
import { symmetricFailureLoss } from "./closed_forms.ts";
import { LEARNT_LOSS_FRACTION } from "./outcomes.ts";
import { deadFeatures, resampleInstance, type ToyResampleRule } from "./resample.ts";
import type { ResampleStats, ToyResampleConfig } from "./config.ts";
import { maxOf } from "../../core/stats.ts";

/** The whole resampling state of a range: the rules, each instance's place in them, and its measures. */
export interface ResampleTrack extends ResampleStats {
  /** `[count]`: index into `rules`, −1 for none. */
  rule: Int16Array;
  /** `[count]`: 1 where the instance's rule is `silent` (it counts firings). */
  silent: Uint8Array;
  /** `[count]`: the instance's check interval (its rule's `every`; a huge number for none). */
  every: Int32Array;
  /** Each instance's resample stream (where it stands). */
  rng: RngState[];
  /** `[count, n]`: step each feature last fired (only when a rule is `silent`). */
  lastFired: Int32Array;
  /** `[count]`: step of the last event, or −1. */
  lastEvent: Int32Array;
  /** `[count]`: loss just before the last event. */
  lossBefore: Float64Array;
  /** `[count]`: highest loss since the last event. */
  peak: Float64Array;
  /** `[count, n]`: features that reconstructed their example at the last event, not yet compared. */
  learnt: Uint8Array;
}

/** What the checks compute with besides the track; fixed for the run. */
export interface ResampleRun {
  rules: (ToyResampleRule | null)[];
  shape: { n: number; m: number; bias: boolean };
  /** Parameters per instance. */
  p: number;
  steps: number;
  importance: Float64Array;
  initStd: number;
  /** Loss below which an instance counts as all learnt. */
  learntBelow: number;
  /** `[trace offset]` → column of `trace`, −1 elsewhere. */
  traceColumn: Int16Array;
  traceWidth: number;
  /** Whether some rule needs firing counts. */
  silent: boolean;
}

/** The fixed part for a run with `config` on one-hot data of n features. */
export function resampleRun(
  config: ToyResampleConfig,
  options: {
    shape: { n: number; m: number; bias: boolean };
    p: number;
    steps: number;
    importance: Float64Array;
    initStd: number;
  },
): ResampleRun {
  const last = Math.max(0, maxOf(config.trace));
  const traceColumn = new Int16Array(last + 1).fill(-1);
  config.trace.forEach((o, k) => traceColumn[o] = k);
  return {
    ...options,
    rules: config.rules,
    learntBelow: LEARNT_LOSS_FRACTION * symmetricFailureLoss(options.shape.n),
    traceColumn,
    traceWidth: config.trace.length,
    silent: config.rules.some((r) => r?.dead === "silent"),
  };
}

/** A fresh track for instances `seeds` (global indices `from` …) of the run. */
export function freshResampleTrack(
  run: ResampleRun,
  config: ToyResampleConfig,
  range: { from: number; seeds: number[] },
): ResampleTrack {
  const count = range.seeds.length;
  const { n } = run.shape;
  const ints = () => new Int32Array(count);
  const minus = () => new Int32Array(count).fill(-1);
  const nan = () => new Float64Array(count).fill(NaN);
  const ruleOf = config.ruleOf.slice(range.from, range.from + count);
  const rules = ruleOf.map((r) => config.rules[r]);
  return {
    rule: Int16Array.from(ruleOf, (r, i) => (rules[i] === null ? -1 : r)),
    silent: Uint8Array.from(rules, (rule) => (rule?.dead === "silent" ? 1 : 0)),
    every: Int32Array.from(rules, (rule) => rule?.every ?? 0x7fff_ffff),
    rng: range.seeds.map((s) => new Rng(deriveSeed(s, "toy-resample")).state()),
    lastFired: new Int32Array(run.silent ? count * n : 0),
    lastEvent: minus(),
    lossBefore: nan(),
    peak: nan(),
    learnt: new Uint8Array(count * n),
    events: ints(),
    columns: ints(),
    firstEventAt: minus(),
    eventsBeforeLearnt: ints(),
    checksBeforeLearnt: ints(),
    allLearntAt: minus(),
    lost: ints(),
    firstSpike: nan(),
    maxSpike: nan(),
    firstLossBefore: nan(),
    trace: new Float64Array(count * run.traceWidth).fill(NaN),
  };
}

/**
 * Bookkeeping for instance i whose loss after `t` updates is `L`: the
 * all-learnt mark, the peak since its last event and the first event's trace.
 */
export function noteLoss(
  run: ResampleRun,
  tr: ResampleTrack,
  i: number,
  t: number,
  L: number,
): void {
  if (tr.allLearntAt[i] < 0 && L < run.learntBelow) tr.allLearntAt[i] = t;
  const e = tr.lastEvent[i];
  if (e < 0) return;
  if (!(L <= tr.peak[i])) tr.peak[i] = L;
  if (e === tr.firstEventAt[i]) {
    const since = t - e;
    if (since < run.traceColumn.length) {
      const col = run.traceColumn[since];
      if (col >= 0) tr.trace[i * run.traceWidth + col] = L;
    }
  }
}

/**
 * Marks the features of instance i that fire (output > 0 on some one-hot
 * example) at step t, from the Gram matrix WᵀW the identity kernel left in
 * `gram` and the instance's biases in `params`.
 */
export function noteFiring(
  run: ResampleRun,
  tr: ResampleTrack,
  i: number,
  t: number,
  view: { gram: Float64Array; params: Float64Array },
): void {
  const { n, m, bias } = run.shape;
  const { gram, params } = view;
  const bOff = i * run.p + m * n;
  for (let f = 0; f < n; f++) {
    const b = bias ? params[bOff + f] : 0;
    for (let k = 0; k < n; k++) {
      if (gram[f * n + k] + b > 0) {
        tr.lastFired[i * n + f] = t;
        break;
      }
    }
  }
}

/** The learning-rate factor of instance i's update number `update` (re-warmup after its last event). */
export function lrFactor(run: ResampleRun, tr: ResampleTrack, i: number, update: number): number {
  const r = tr.rule[i];
  if (r < 0 || tr.lastEvent[i] < 0) return 1;
  return warmupFactor(update - tr.lastEvent[i], run.rules[r]!.warmup);
}

/**
 * A feature "reconstructs its example" when its output there, ReLU(‖Wᵢ‖² + bᵢ),
 * is at least ¾ of the target 1: clear of a merged pair's ½ and of an unlearnt
 * feature's 1/n. Collateral damage counts features that did at an event and
 * no longer do at the next check (or the end).
 */
const RECONSTRUCTS = 0.75;

/** Feature f's output on its own one-hot example. */
function ownOutput(
  shape: { n: number; m: number; bias: boolean },
  params: Float64Array,
  off: number,
  f: number,
): number {
  let pre = shape.bias ? params[off + shape.m * shape.n + f] : 0;
  for (let a = 0; a < shape.m; a++) pre += params[off + a * shape.n + f] ** 2;
  return pre > 0 ? pre : 0;
}

/** Closes instance i's last event: its spike and the learnt features it lost since. */
function closeEvent(run: ResampleRun, tr: ResampleTrack, i: number, params: Float64Array): void {
  if (tr.lastEvent[i] < 0) return;
  const { n } = run.shape;
  const off = i * run.p;
  for (let f = 0; f < n; f++) {
    if (!tr.learnt[i * n + f]) continue;
    tr.learnt[i * n + f] = 0;
    if (ownOutput(run.shape, params, off, f) < RECONSTRUCTS) tr.lost[i]++;
  }
  const spike = tr.peak[i] - tr.lossBefore[i];
  if (Number.isNaN(tr.firstSpike[i])) tr.firstSpike[i] = spike;
  if (!(spike <= tr.maxSpike[i])) tr.maxSpike[i] = spike;
}

/**
 * After `update` updates of a live instance i: if its rule checks now,
 * close its last event, find its dead features and rebuild them (resetting
 * the optimizer state of what changed when the rule says so).
 */
export function checkInstance(
  run: ResampleRun,
  tr: ResampleTrack,
  i: number,
  update: number,
  state: { params: Float64Array; optimizer: ArrayOptimizer },
): void {
  const r = tr.rule[i];
  if (r < 0) return;
  const rule = run.rules[r]!;
  if (!isResampleStep(update, rule.every, run.steps)) return;
  const { params, optimizer } = state;
  const { n } = run.shape;
  const off = i * run.p;
  closeEvent(run, tr, i, params);
  const before = tr.allLearntAt[i] < 0;
  if (before) tr.checksBeforeLearnt[i]++;
  const dead = deadFeatures(
    run.shape,
    params,
    off,
    rule,
    (f) => update - tr.lastFired[i * n + f],
  );
  if (dead.length === 0) return;
  const draws = Rng.fromState(tr.rng[i]);
  const event = resampleInstance(run.shape, params, off, {
    rule,
    dead,
    importance: run.importance,
    initStd: run.initStd,
    draws,
  });
  tr.rng[i] = draws.state();
  if (rule.reset) optimizer.resetState(i, event.changed);
  const touched = new Set(event.changed.map((k) => k % n));
  for (let f = 0; f < n; f++) {
    const keep = !touched.has(f) && ownOutput(run.shape, params, off, f) >= RECONSTRUCTS;
    tr.learnt[i * n + f] = keep ? 1 : 0;
  }
  if (tr.firstEventAt[i] < 0) {
    tr.firstEventAt[i] = update;
    tr.firstLossBefore[i] = event.lossBefore;
  }
  tr.events[i]++;
  tr.columns[i] += dead.length;
  if (before) tr.eventsBeforeLearnt[i]++;
  tr.lastEvent[i] = update;
  tr.lossBefore[i] = event.lossBefore;
  tr.peak[i] = event.lossBefore;
}

/** At the end of the run: closes every instance's last event. */
export function finishTrack(run: ResampleRun, tr: ResampleTrack, params: Float64Array): void {
  for (let i = 0; i < tr.rule.length; i++) closeEvent(run, tr, i, params);
}

/** The fields of {@link ResampleStats}: what a range returns of its track. */
const STAT_KEYS = [
  "events",
  "columns",
  "firstEventAt",
  "eventsBeforeLearnt",
  "checksBeforeLearnt",
  "allLearntAt",
  "lost",
  "firstSpike",
  "maxSpike",
  "firstLossBefore",
  "trace",
] as const satisfies readonly (keyof ResampleStats)[];

/** The measures of a track (what a range returns). */
export function trackStats(tr: ResampleTrack): ResampleStats {
  return Object.fromEntries(STAT_KEYS.map((k) => [k, tr[k]])) as unknown as ResampleStats;
}
