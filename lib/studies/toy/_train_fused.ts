/**
 * The fused training step of the toy autoencoder, run by the lab's one loop
 * (`core/train/loop.ts`): float64, one pass per instance per step (loss and
 * hand-derived gradient from `kernel.ts`, optimizer update), no tensors.
 *
 * A contiguous range of instances trains as one run, so the same function
 * serves the main thread and each worker; an instance's numbers never
 * depend on which range or worker it ran in. Everything the run changes sits
 * in one {@link ToyRangeState}; what it computes with besides (optimizer
 * rule, scratch space, fixed batches) follows from the config.
 *
 * Also here, because both engines use them: the data each instance trains
 * on, and the part of the run state they share ({@link ToyTrack}).
 *
 * @module
 */
import { scheduleFactors } from "../../core/optim/schedule.ts";
import { type CsrBatch, featureImportance, openToyData, sparseFeatureBatch } from "./data.ts";
import { initToy, toyParamCount, type ToyParams } from "./model.ts";
import { toyLossGrad, toyLossGradIdentity, type ToyScratch, toyScratch } from "./kernel.ts";
import { LANE_CHUNK, type StepKernel, stepKernel } from "./_lanes.ts";
import { ArrayOptimizer, perInstanceHyper } from "../../core/optim/optimizer.ts";
import { deriveSeed, Rng, type RngState } from "../../core/random.ts";
import { type Series, StridedRecorder } from "../../core/train/history.ts";
import { isDiverged, runLoop, type Span } from "../../core/train/loop.ts";
import type { ResampleStats, ToyTrainConfig } from "./config.ts";
import {
  checkInstance,
  finishTrack,
  freshResampleTrack,
  lrFactor,
  noteFiring,
  noteLoss,
  type ResampleRun,
  resampleRun,
  type ResampleTrack,
  trackStats,
} from "./_resample_track.ts";

/** Instances `[from, to)` of a run: one job of the worker pool. */
export interface ToyRange {
  /** First instance. */
  from: number;
  /** One past the last instance. */
  to: number;
}

/** What every worker receives once: the run and its progress interval. */
export interface ToyShared {
  /** The whole run (each job trains a range of its instances). */
  config: ToyTrainConfig;
  /** Steps between progress reports and stop checks. */
  every: number;
  /** Whether ranges may train in the wasm kernels (see {@link RangeControl.kernel}). */
  kernel: boolean;
}

/** Progress of one range, after every span of the loop. */
export interface RangeProgress {
  /** Steps done. */
  step: number;
  /** `[count]`: the range's current losses (the final ones after the last step). */
  loss: Float64Array;
  /** The loop's estimate of the time left. */
  etaMs: number;
}

/** What one range returns. */
export interface RangeResult {
  /** `[count, p]`: final parameters. */
  params: Float64Array;
  /** `[count]`: loss at the final parameters (NaN once diverged). */
  finalLoss: Float64Array;
  /** `[count]`: step each instance diverged at, or -1. */
  divergedAt: Int32Array;
  /** Loss rows, `[rows, count]`. */
  loss: Series;
  /** Parameter rows, `[rows, count × p]`. */
  snapshots: Series;
  /** What resampling measured (runs with a `resample` config). */
  resample?: ResampleStats;
  /** Whether the range trained in a wasm kernel of `_lanes.ts` (absent: the tfjs engine). */
  kernel?: boolean;
}

/** How a range runs (never changes its numbers). */
export interface RangeControl {
  /** Steps between progress reports and stop checks. */
  every: number;
  /** Hears the range's progress after every span (awaited; may throw to stop). */
  report?: (p: RangeProgress) => void | Promise<void>;
  /** Stops the run after the current span (it rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Polled like `signal` (workers read a shared flag). */
  shouldStop?: () => boolean;
  /** Whether instances may train in the wasm kernels where the run fits one (default true). */
  kernel?: boolean;
}

/**
 * What both engines' run states hold besides parameters and optimizer: the
 * losses, the divergence marks, where each instance's data generator
 * stands, and the history. The recorders are held as they are: turning them
 * into plain rows (`save()`) copies every kept row, which after every span
 * would cost a long sweep about 5%, and toy runs are never checkpointed.
 */
export interface ToyTrack {
  /** `[count]`: loss at the last step (the final loss once the run ends; NaN once diverged). */
  loss: Float64Array;
  /** `[count]`: step each instance diverged at, or -1. */
  divergedAt: Int32Array;
  /** Generator of each instance's fresh batches (empty when the data is a fixed set). */
  data: RngState[];
  /** Loss rows, `[rows, count]`. */
  lossRows: StridedRecorder;
  /** Parameter rows, `[rows, count × p]`. */
  snapshots: StridedRecorder;
}

/**
 * Everything a fused range changes while it trains: the one object the loop
 * holds and hands to every span.
 */
interface ToyRangeState extends ToyTrack {
  /** `[count, p]`: parameters, instance by instance (W row-major `[m, n]`, then b `[n]`). */
  params: Float64Array;
  /** The optimizer's buffers (each `[count, p]`, empty when its rule does not use it) and step counts `[count]`. */
  optimizer: { state: Float64Array[]; steps: Uint32Array };
  /** Resampling's bookkeeping (runs with a `resample` config). */
  resample?: ResampleTrack;
}

/** Initial parameters of the whole run (given, or seeded). */
export function initialParams(config: ToyTrainConfig): ToyParams {
  if (config.init) return config.init;
  return initToy(config.model, { seeds: config.seeds });
}

/**
 * The batch each instance trains on at every step when its data is a fixed
 * set (one-hot examples, or sparse with `examples` > 0), else null (fresh
 * batches, see {@link freshBatch}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { RECORD_DEFAULTS, type ToyTrainConfig } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * import { fixedBatches } from "./_train_fused.ts";
 * const config: ToyTrainConfig = {
 *   model: TOY_MODEL_DEFAULTS,
 *   data: { kind: "identity" },
 *   importanceDecay: 1,
 *   optimizer: optimizerDefaults("sgd", 0.1),
 *   steps: 10,
 *   seeds: [0, 1],
 *   record: RECORD_DEFAULTS,
 *   divergeAbove: 1e6,
 * };
 * assert.deepEqual(fixedBatches(config, [0, 1])?.map((b) => b.rows), [7, 7]); // the one-hot rows
 * const data = { kind: "sparse", sparsity: 0.5, examples: 0, batchSize: 4 } as const;
 * assert.equal(fixedBatches({ ...config, data }, [0, 1]), null);
 * ```
 */
export function fixedBatches(config: ToyTrainConfig, seeds: number[]): CsrBatch[] | null {
  const streams = seeds.map((s) => openToyData(config.data, config.model.n, s));
  return streams.every((s) => s.fixed) ? streams.map((s) => s.next()) : null;
}

/**
 * A fresh track of `seeds.length` instances of `p` parameters: no loss yet,
 * nothing diverged, empty recorders, and each instance's data generator
 * where `openToyData` starts it (none when the data is a fixed set).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { RECORD_DEFAULTS, type ToyTrainConfig } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * import { freshTrack } from "./_train_fused.ts";
 * const config: ToyTrainConfig = {
 *   model: TOY_MODEL_DEFAULTS,
 *   data: { kind: "identity" },
 *   importanceDecay: 1,
 *   optimizer: optimizerDefaults("sgd", 0.1),
 *   steps: 10,
 *   seeds: [0, 1],
 *   record: RECORD_DEFAULTS,
 *   divergeAbove: 1e6,
 * };
 * const data = { kind: "sparse", sparsity: 0.5, examples: 0, batchSize: 4 } as const;
 * const track = freshTrack({ ...config, data }, [0, 1], 21);
 * assert.deepEqual(Array.from(track.divergedAt), [-1, -1]);
 * assert.equal(track.data.length, 2); // one generator per instance
 * assert.equal(track.snapshots.width, 2 * 21);
 * ```
 */
export function freshTrack(config: ToyTrainConfig, seeds: number[], p: number): ToyTrack {
  const count = seeds.length;
  const rec = config.record;
  const fresh = config.data.kind === "sparse" && config.data.examples === 0;
  return {
    loss: new Float64Array(count),
    divergedAt: new Int32Array(count).fill(-1),
    data: fresh ? seeds.map((s) => new Rng(deriveSeed(s, "toy-data")).state()) : [],
    // Sized for the run's length: a short run of many instances never fills the capacity.
    lossRows: new StridedRecorder(count, {
      stride: rec.lossEvery,
      capacity: rec.maxLossRows,
      until: config.steps,
    }),
    snapshots: new StridedRecorder(count * p, {
      stride: rec.snapshotEvery,
      capacity: rec.maxSnapshots,
      until: config.steps,
    }),
  };
}

/**
 * The next fresh batch of an instance whose data generator is `rng` (as
 * `openToyData` draws it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { RECORD_DEFAULTS, type ToyTrainConfig } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * import { Rng } from "../../core/random.ts";
 * import { openToyData } from "./data.ts";
 * import { freshBatch, freshTrack } from "./_train_fused.ts";
 * const config: ToyTrainConfig = {
 *   model: TOY_MODEL_DEFAULTS,
 *   data: { kind: "identity" },
 *   importanceDecay: 1,
 *   optimizer: optimizerDefaults("sgd", 0.1),
 *   steps: 10,
 *   seeds: [0, 1],
 *   record: RECORD_DEFAULTS,
 *   divergeAbove: 1e6,
 * };
 * const data = { kind: "sparse", sparsity: 0.5, examples: 0, batchSize: 4 } as const;
 * const [state] = freshTrack({ ...config, data }, [3], 21).data;
 * const batch = freshBatch({ ...config, data }, Rng.fromState(state));
 * assert.deepEqual(batch, openToyData(data, 7, 3).next()); // instance 3's first batch
 * ```
 */
export function freshBatch(config: ToyTrainConfig, rng: Rng): CsrBatch {
  if (config.data.kind !== "sparse") throw new Error("fresh batches need sparse data");
  const { batchSize, sparsity } = config.data;
  return sparseFeatureBatch(rng, { rows: batchSize, n: config.model.n, sparsity });
}

/** What a range computes with besides its state; fixed for the run. */
interface RangeRun {
  config: ToyTrainConfig;
  range: ToyRange;
  shape: { n: number; m: number; bias: boolean };
  /** Parameters per instance. */
  p: number;
  /** Instances in the range. */
  count: number;
  /** Steps the state's own optimizer buffers (see {@link attach}). */
  optimizer: ArrayOptimizer;
  /** `[count, p]`: gradient of the current step. */
  grad: Float64Array;
  scratch: ToyScratch;
  /** `[n]`: loss weight of each feature. */
  importance: Float64Array;
  /** Each instance's batch when the data is a fixed set, else null. */
  batches: CsrBatch[] | null;
  /** Whether the data is the complete one-hot dataset, for which the specialised kernel needs no batch. */
  identity: boolean;
  /** Parameter indices (within an instance) that never move. */
  frozen: number[];
  /** `[frozen]`: their values, held across an optimizer step. */
  held: Float64Array;
  /** What resampling computes with, or null without it. */
  resample: ResampleRun | null;
  /** `[steps]`: the learning-rate schedule's factor of each update, or null without one. */
  schedule: Float64Array | null;
  /** The wasm kernel of the run's fast path, or null when the run takes the scalar path. */
  kernel: StepKernel | null;
}

function prepareRange(config: ToyTrainConfig, range: ToyRange, useKernel: boolean): RangeRun {
  const { n, m, bias } = config.model;
  const p = toyParamCount(config.model);
  const count = range.to - range.from;
  const all = perInstanceHyper(config.optimizer, config.seeds.length, {
    lr: config.lrs,
    weightDecay: config.weightDecays,
  });
  const frozen = config.frozen ?? [];
  const importance = featureImportance(n, config.importanceDecay);
  const optimizer = new ArrayOptimizer(config.optimizer, p, {
    lr: all.lr.slice(range.from, range.to),
    weightDecay: all.weightDecay.slice(range.from, range.to),
  });
  const schedule = config.schedule ? scheduleFactors(config.schedule, config.steps) : null;
  const batches = fixedBatches(config, config.seeds.slice(range.from, range.to));
  return {
    config,
    range,
    shape: { n, m, bias },
    p,
    count,
    optimizer,
    grad: new Float64Array(count * p),
    scratch: toyScratch(n, m),
    importance,
    batches,
    identity: config.data.kind === "identity" && !config.data.omit?.length,
    frozen,
    held: new Float64Array(frozen.length),
    resample: config.resample
      ? resampleRun(config.resample, {
        shape: { n, m, bias },
        p,
        steps: config.steps,
        importance,
        initStd: config.model.initStd,
      })
      : null,
    schedule,
    kernel: useKernel ? stepKernel(config, { p, optimizer, importance, schedule, batches }) : null,
  };
}

/** A fresh range: its slice of the initial parameters, zero moments, empty history. */
function initialState(run: RangeRun): ToyRangeState {
  const { config, range, p, optimizer } = run;
  const seeds = config.seeds.slice(range.from, range.to);
  return {
    // Only this range's instances (each start depends on its own seed alone): drawing every
    // instance and slicing would hold the whole run's parameters in every worker for a moment.
    params: config.init
      ? config.init.data.slice(range.from * p, range.to * p)
      : initToy(config.model, { seeds }).data,
    optimizer: { state: optimizer.state, steps: optimizer.steps },
    ...freshTrack(config, seeds, p),
    ...(run.resample && config.resample
      ? { resample: freshResampleTrack(run.resample, config.resample, { from: range.from, seeds }) }
      : {}),
  };
}

/**
 * Points the optimizer at the buffers of `s`, copying them in once when the
 * state was made elsewhere, so that it steps the state's own arrays.
 */
function attach(run: RangeRun, s: ToyRangeState): void {
  const opt = run.optimizer;
  if (s.optimizer.state === opt.state) return;
  s.optimizer.state.forEach((a, j) => opt.state[j].set(a));
  opt.steps.set(s.optimizer.steps);
  s.optimizer = { state: opt.state, steps: opt.steps };
}

/** Instance i's loss (and gradient into `g`, when given) at the state's parameters. */
type LossGrad = (off: number, i: number, g: Float64Array | null) => number;

/** The loss of `s`, drawing fresh batches from `rngs` (the specialised kernel needs no batch). */
function lossGradOf(run: RangeRun, s: ToyRangeState, rngs: Rng[]): LossGrad {
  const { config, shape, importance, batches, scratch } = run;
  const { params } = s;
  return run.identity
    ? (off, _i, g) => toyLossGradIdentity(shape, params, off, importance, g, scratch)
    : (off, i, g) =>
      toyLossGrad(
        shape,
        params,
        off,
        batches ? batches[i] : freshBatch(config, rngs[i]),
        importance,
        g,
        scratch,
      );
}

/**
 * Snapshot rows one pass of {@link advance} holds at most: its buffer is that
 * many rows of every parameter of the range, beside the recorder's own.
 */
const PASS_SNAPSHOTS = 4;
/** Loss rows one pass holds at most. */
const PASS_LOSSES = 64;

/** Steps `[from, to)` of a span, and the steps within them that get a row of each recorder. */
interface Pass {
  from: number;
  to: number;
  /** Steps of the snapshot rows (parameters before that step's update). */
  snapAt: number[];
  /** Steps of the loss rows (the loss that step computed). */
  lossAt: number[];
}

/** A span cut where a pass's buffers would fill, with the rows each piece records. */
function passes(s: ToyRangeState, span: Span): Pass[] {
  const snapAt = s.snapshots.plan(span.from, span.to);
  const lossAt = s.lossRows.plan(span.from, span.to);
  const out: Pass[] = [];
  let a = 0;
  let b = 0;
  for (let from = span.from; from < span.to;) {
    const to = Math.min(
      span.to,
      snapAt[a + PASS_SNAPSHOTS] ?? span.to,
      lossAt[b + PASS_LOSSES] ?? span.to,
    );
    const a0 = a;
    const b0 = b;
    while (a < snapAt.length && snapAt[a] < to) a++;
    while (b < lossAt.length && lossAt[b] < to) b++;
    out.push({ from, to, snapAt: snapAt.slice(a0, a), lossAt: lossAt.slice(b0, b) });
    from = to;
  }
  return out;
}

/**
 * Update `t` of live instance i: its loss and gradient, the divergence
 * mark, resampling's bookkeeping and the optimizer step.
 */
type InstanceStep = (i: number, t: number) => void;

function instanceStep(run: RangeRun, s: ToyRangeState, lossGrad: LossGrad): InstanceStep {
  const { p, optimizer, grad, frozen, held } = run;
  const { params, loss, divergedAt } = s;
  const rr = run.resample;
  const tr = s.resample;
  // What resampling reads and changes, gathered once per span (no allocation per step).
  const rs = { params, optimizer, gram: run.scratch.gram };
  const limit = run.config.divergeAbove;
  // The schedule's factor of every update (exactly 1 without one, which leaves the rate as it is).
  const { schedule } = run;
  return (i, t) => {
    const off = i * p;
    const L = lossGrad(off, i, grad);
    if (isDiverged(L, limit)) {
      divergedAt[i] = t;
      loss[i] = NaN;
      return;
    }
    loss[i] = L;
    if (tr !== undefined) {
      noteLoss(rr!, tr, i, t, L);
      if (tr.silent[i]) noteFiring(rr!, tr, i, t, rs);
    }
    for (let k = 0; k < frozen.length; k++) held[k] = params[off + frozen[k]];
    const scale = (tr ? lrFactor(rr!, tr, i, t + 1) : 1) * (schedule ? schedule[t] : 1);
    optimizer.stepInstance(params, grad, i, scale);
    for (let k = 0; k < frozen.length; k++) params[off + frozen[k]] = held[k];
    if (tr !== undefined && (t + 1) % tr.every[i] === 0) checkInstance(rr!, tr, i, t + 1, rs);
  };
}

/**
 * One pass: each instance in turn through the pass's steps (its parameters,
 * moments and branch pattern stay hot, which is what makes this order about
 * a third faster than step by step), its recorded rows written into the
 * pass's buffers, which are then recorded in step order. Where the run fits
 * a wasm kernel, instances go through it ({@link trainInKernel}).
 * Instances never read each other, so every number is what the step-by-step
 * order gives.
 */
function trainPass(run: RangeRun, s: ToyRangeState, pass: Pass, step: InstanceStep): void {
  const { p, count, kernel } = run;
  const { snapAt, lossAt } = pass;
  // Float32 like the recorder's rows, so the rounding happens once, here.
  const rows: PassRows = {
    snaps: new Float32Array(snapAt.length * count * p), // [snapAt, count × p]
    losses: new Float64Array(lossAt.length * count), // [lossAt, count]
  };
  const job: PassJob = { run, s, pass, rows, step };
  for (let i = 0; i < count; i++) {
    if (kernel && i + kernel.width <= count && trainInKernel(job, i)) {
      i += kernel.width - 1;
      continue;
    }
    instanceSteps(job, i, { t: pass.from, a: 0, b: 0 });
  }
  const width = count * p;
  const { snaps, losses } = rows;
  snapAt.forEach((t, a) => s.snapshots.record(t, snaps.subarray(a * width, (a + 1) * width)));
  lossAt.forEach((t, b) => s.lossRows.record(t, losses.subarray(b * count, (b + 1) * count)));
}

/** A pass's recorded rows, filled instance by instance. */
interface PassRows {
  /** `[snapAt, count × p]`. */
  snaps: Float32Array;
  /** `[lossAt, count]`. */
  losses: Float64Array;
}

/** What a pass's instances train with and write to. */
interface PassJob {
  run: RangeRun;
  s: ToyRangeState;
  pass: Pass;
  rows: PassRows;
  step: InstanceStep;
}

/** Where an instance stands in a pass: its next step, and its next snapshot and loss row. */
interface PassAt {
  t: number;
  a: number;
  b: number;
}

/** Instance i through the rest of the pass from `at`, one scalar step at a time. */
function instanceSteps(job: PassJob, i: number, at: PassAt): void {
  const { run, s, pass, rows, step } = job;
  const { p, count } = run;
  const { params, loss, divergedAt } = s;
  const { to, snapAt, lossAt } = pass;
  const { snaps, losses } = rows;
  const off = i * p;
  let { a, b } = at;
  for (let t = at.t; t < to; t++) {
    if (t === snapAt[a]) snaps.set(params.subarray(off, off + p), (a++ * count + i) * p);
    if (divergedAt[i] < 0) step(i, t);
    if (t === lossAt[b]) losses[b++ * count + i] = loss[i];
  }
}

/**
 * Instances i … i + width − 1 through the pass in the run's wasm kernel, in
 * runs of updates cut at the pass's snapshot rows; false (nothing done) when
 * they cannot train together. Should one diverge, all finish the pass on the
 * scalar path from the update where it did, which marks it.
 */
function trainInKernel(job: PassJob, i: number): boolean {
  const { run, s, pass, rows } = job;
  const kernel = run.kernel!;
  const { width, out } = kernel;
  const { p, count } = run;
  const { params, loss, divergedAt } = s;
  for (let q = 0; q < width; q++) if (divergedAt[i + q] >= 0) return false;
  if (!kernel.load(params, i)) return false;
  const { to, snapAt, lossAt } = pass;
  const { snaps, losses } = rows;
  let a = 0;
  let b = 0;
  for (let t = pass.from; t < to;) {
    if (t === snapAt[a]) {
      for (let q = 0; q < width; q++) kernel.copyParams(q, snaps, (a * count + i + q) * p);
      a++;
    }
    const want = Math.min(to, snapAt[a] ?? to, t + LANE_CHUNK) - t;
    const done = kernel.run(i, t, want);
    for (; b < lossAt.length && lossAt[b] < t + done; b++) {
      const j = width * (lossAt[b] - t);
      for (let q = 0; q < width; q++) losses[b * count + i + q] = out[j + q];
    }
    if (done > 0) { for (let q = 0; q < width; q++) loss[i + q] = out[width * (done - 1) + q]; }
    t += done;
    if (done < want) {
      kernel.store(params, i);
      for (let q = 0; q < width; q++) instanceSteps(job, i + q, { t, a, b });
      return true;
    }
  }
  kernel.store(params, i);
  return true;
}

/**
 * The loop's steps `from + 1` … `to`, i.e. updates `from` … `to − 1`: each
 * records, computes every live instance's loss and gradient, marks the
 * diverged and steps the others — instance by instance over a pass of
 * steps ({@link trainPass}). The last span also evaluates the final
 * parameters.
 */
function advance(run: RangeRun, s: ToyRangeState, span: Span): void {
  attach(run, s);
  const rngs = s.data.map((r) => Rng.fromState(r));
  const lossGrad = lossGradOf(run, s, rngs);
  const step = instanceStep(run, s, lossGrad);
  for (const pass of passes(s, span)) trainPass(run, s, pass, step);
  if (span.to === run.config.steps) finish(run, s, lossGrad);
  s.data = rngs.map((r) => r.state());
}

/** After the last step: every live instance's final loss (diverged at `steps` if it is), and the last rows. */
function finish(run: RangeRun, s: ToyRangeState, lossGrad: LossGrad): void {
  const { steps, divergeAbove } = run.config;
  const { loss, divergedAt } = s;
  for (let i = 0; i < run.count; i++) {
    if (divergedAt[i] >= 0) continue;
    const L = lossGrad(i * run.p, i, null);
    if (isDiverged(L, divergeAbove)) {
      divergedAt[i] = steps;
      loss[i] = NaN;
    } else {
      loss[i] = L;
      if (run.resample && s.resample) noteLoss(run.resample, s.resample, i, steps, L);
    }
  }
  if (run.resample && s.resample) finishTrack(run.resample, s.resample, s.params);
  s.lossRows.finish(steps, loss);
  s.snapshots.finish(steps, s.params);
}

/**
 * Trains instances `[from, to)` of `config` on the core loop: progress after
 * every `every` steps (and at the end, with the final losses), stop checks
 * at the same points.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { RECORD_DEFAULTS, type ToyTrainConfig } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * import { runToyRange } from "./_train_fused.ts";
 * const config: ToyTrainConfig = {
 *   model: TOY_MODEL_DEFAULTS,
 *   data: { kind: "identity" },
 *   importanceDecay: 1,
 *   optimizer: optimizerDefaults("sgd", 0.1),
 *   steps: 10,
 *   seeds: [0, 1],
 *   record: RECORD_DEFAULTS,
 *   divergeAbove: 1e6,
 * };
 * const seen: number[] = [];
 * const part = await runToyRange(config, { from: 1, to: 2 }, {
 *   every: 4,
 *   report: (p) => void seen.push(p.step),
 * });
 * assert.deepEqual(seen, [4, 8, 10]);
 * assert.equal(part.finalLoss.length, 1); // instance 1 only
 * ```
 */
export async function runToyRange(
  config: ToyTrainConfig,
  range: ToyRange,
  control: RangeControl,
): Promise<RangeResult> {
  const run = prepareRange(config, range, control.kernel ?? true);
  const { state } = await runLoop<ToyRangeState>({
    steps: config.steps,
    progressEvery: control.every,
    init: () => initialState(run),
    advance: (s, span) => advance(run, s, span),
    progress: (s, at) => control.report?.({ step: at.step, loss: s.loss, etaMs: at.etaMs }),
  }, { signal: control.signal, shouldStop: control.shouldStop });
  return {
    params: state.params,
    finalLoss: state.loss,
    divergedAt: state.divergedAt,
    loss: state.lossRows.series(),
    snapshots: state.snapshots.series(),
    ...(state.resample ? { resample: trackStats(state.resample) } : {}),
    kernel: run.kernel !== null,
  };
}
