/**
 * Training the step-function autoencoder (the step-function write-up): full batch, one
 * optimizer step per epoch, many variants as instances of one run (each with
 * its own seed, optimizer, learning-rate schedule, initial scale, input view
 * and, optionally, a fixed linear encoder), checkpoints and resume.
 *
 * Every instance is independent, so each is one run of the lab's loop
 * (`core/train/loop.ts`, unit "epoch"): this file gives it the instance's
 * state — one plain object with the parameter row, the optimizer's buffers,
 * the schedule's counters, the recorders and the running gradient sum — and
 * the epochs of a span. The loop reports progress, stops on the signal and,
 * with a checkpoint, saves that object as `instance-<i>.json` every
 * `checkpoint.every` epochs, at the end and when stopped. The instances of a
 * range run side by side in one thread (their loops take turns span by span)
 * so they progress together; with several workers the ranges go to threads
 * through `core/train/workers.ts`. Every number is float64 and every step
 * deterministic, so a resumed run ends bit-identical to an uninterrupted one,
 * whatever the number of workers (the checkpoints are per instance, not per
 * range).
 *
 * @module
 */
import { chooseWorkers } from "../../core/train/fused.ts";
import { type CheckpointOptions, TrainingInterrupted } from "../../core/train/checkpoint.ts";
import { defaultProgressEvery, isDiverged, runLoop, type Span } from "../../core/train/loop.ts";
import { runJobs } from "../../core/train/workers.ts";
import {
  type EncoderView,
  initStepAe,
  type StepAeConfig,
  type StepAeLayout,
  stepAeLayout,
  validateStepAe,
} from "./model.ts";
import { stepAeLossGrad, type StepAeScratch, stepAeScratch } from "./kernel.ts";
import type { OptimizerConfig } from "../../core/optim/config.ts";
import { validateOptimizer } from "../../core/optim/config.ts";
import { ArrayOptimizer, perInstanceHyper } from "../../core/optim/optimizer.ts";
import { type RecorderState, type Series, StridedRecorder } from "../../core/train/history.ts";
import { maxOf, minOf } from "../../core/stats.ts";

/**
 * How an instance's learning rate changes over training.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LrSchedule } from "./train.ts";
 * const drop: LrSchedule = { kind: "plateau", patience: 2000, minImprovement: 1e-3, lr: 1e-4 };
 * assert.equal(drop.kind, "plateau");
 * ```
 */
export type LrSchedule =
  | { kind: "constant" }
  /** Switch to `lr` at epoch `epoch`. */
  | { kind: "drop-at"; epoch: number; lr: number }
  /** Switch to `lr` once the loss has not improved by `minImprovement` (relative) for `patience` epochs. */
  | { kind: "plateau"; patience: number; minImprovement: number; lr: number };

/**
 * One instance of a step-autoencoder run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import type { StepAeVariant } from "./train.ts";
 * const seeds: StepAeVariant = {
 *   label: "write-up's setting",
 *   seed: 0,
 *   optimizer: optimizerDefaults("rmsprop", 1e-4),
 *   schedule: { kind: "constant" },
 *   initScale: 0.01,
 *   inputScale: 1,
 *   inputShift: 0,
 *   fixedEncoder: false,
 * };
 * assert.equal(seeds.optimizer.lr, 1e-4);
 * ```
 */
export interface StepAeVariant {
  /** Names the instance in results and tables (variants of one remedy share it). */
  label: string;
  /** Seed of the initialisation. */
  seed: number;
  /** Optimizer and its hyperparameters (PyTorch's rules). */
  optimizer: OptimizerConfig;
  /** How the learning rate changes over training. */
  schedule: LrSchedule;
  /** Initial weights uniform in [−initScale, initScale]. */
  initScale: number;
  /** The encoder sees inputScale·x + inputShift: the factor. */
  inputScale: number;
  /** The encoder sees inputScale·x + inputShift: the offset. */
  inputShift: number;
  /** Replace the encoder by the fixed code z = 1 − e/n (linear in the step position). */
  fixedEncoder: boolean;
  /** Override the model's output ReLU for this instance (same parameter shapes). */
  outputRelu?: boolean;
  /**
   * Hidden layer start: `uniform` like every other weight, or `knots`: unit k a
   * ramp ReLU(s·(z − t_k)) with its knot t_k spread evenly over the initial
   * codes' range and slope s = n / range, so every unit starts alive and the
   * ramps tile the code range (the shape of an exact solution).
   */
  hiddenInit?: "uniform" | "knots";
  /**
   * Encoder start: `uniform` like every other weight, or `linear`: w₁ = 1/(s·A·n)
   * everywhere and b₁ = 0, so the code starts at z = 1 − e/n (as the fixed
   * encoder) but stays trainable.
   */
  encoderInit?: "uniform" | "linear";
  /** Start from these parameters (a full row) instead of a seeded initialisation. */
  initParams?: number[];
}

/**
 * A step-autoencoder training run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { STEP_AE_DEFAULTS } from "./model.ts";
 * import type { StepAeTrainConfig } from "./train.ts";
 * const run: StepAeTrainConfig = {
 *   model: { ...STEP_AE_DEFAULTS, n: 8 },
 *   variants: [1, 2].map((seed) => ({
 *     label: "adam",
 *     seed,
 *     optimizer: optimizerDefaults("adam", 1e-3),
 *     schedule: { kind: "constant" },
 *     initScale: 0.01,
 *     inputScale: 1,
 *     inputShift: 0,
 *     fixedEncoder: false,
 *   })),
 *   epochs: 100,
 *   lossThreshold: 0.1,
 *   record: { lossEvery: 10, snapshotEvery: 50, maxRows: 64 },
 *   divergeAbove: 1e8,
 * };
 * assert.equal(run.variants.length, 2);
 * ```
 */
export interface StepAeTrainConfig {
  /** The architecture every instance shares (a variant may drop the output ReLU). */
  model: StepAeConfig;
  /** The instances, trained side by side. */
  variants: StepAeVariant[];
  /** Full-batch epochs (one optimizer step each). */
  epochs: number;
  /** The first epoch whose loss falls below this is recorded per instance. */
  lossThreshold: number;
  /** Record the loss every `lossEvery` and [w₁, z] every `snapshotEvery` epochs, in at most `maxRows` rows. */
  record: { lossEvery: number; snapshotEvery: number; maxRows: number };
  /** A loss above this (or non-finite) marks the instance diverged; it stops. */
  divergeAbove: number;
}

/**
 * What one instance ends with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { STEP_AE_DEFAULTS } from "./model.ts";
 * import { type StepAeInstanceResult, trainStepAe } from "./train.ts";
 * const { results } = await trainStepAe({
 *   model: { ...STEP_AE_DEFAULTS, n: 4 },
 *   variants: [{
 *     label: "v",
 *     seed: 0,
 *     optimizer: optimizerDefaults("rmsprop", 1e-3),
 *     schedule: { kind: "constant" },
 *     initScale: 0.01,
 *     inputScale: 1,
 *     inputShift: 0,
 *     fixedEncoder: false,
 *   }],
 *   epochs: 5,
 *   lossThreshold: 0.1,
 *   record: { lossEvery: 1, snapshotEvery: 5, maxRows: 16 },
 *   divergeAbove: 1e8,
 * });
 * const r: StepAeInstanceResult = results[0];
 * assert.equal(r.z.length, 5); // one code per step position
 * assert.equal(r.thresholdEpoch, -1); // 5 epochs are far from a loss of 0.1
 * ```
 */
export interface StepAeInstanceResult {
  /** The variant's label. */
  label: string;
  /** The final parameter row. */
  params: Float64Array;
  /** Loss after the last epoch (NaN when the instance diverged). */
  finalLoss: number;
  /** Mean squared error of each example at the end (index e = step position − 1). */
  exampleError: Float64Array;
  /** Latent code of each example at the end. */
  z: Float64Array;
  /** The loss over epochs (every `record.lossEvery` epochs and the last). */
  loss: Series;
  /** Rows of [w₁ (n), z (n + 1)] over epochs. */
  snapshots: Series;
  /** Σ over epochs of ∂MSE/∂w₁ₛ, `[n]`. */
  gradW1: Float64Array;
  /** First epoch whose loss fell below `lossThreshold` (-1: none). */
  thresholdEpoch: number;
  /** Epoch of the learning-rate drop (-1: none). */
  dropEpoch: number;
  /** Epoch the loss diverged (-1: it did not). */
  divergedAt: number;
  /** Epoch the run started from (above 0 when resumed from a checkpoint). */
  resumedFrom: number;
}

/**
 * Progress of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StepAeProgress } from "./train.ts";
 * const halfway: StepAeProgress = {
 *   epoch: 50,
 *   epochs: 100,
 *   loss: Float64Array.of(3.2, 2.9),
 *   etaMs: 4000,
 * };
 * assert.equal(halfway.epoch / halfway.epochs, 0.5);
 * ```
 */
export interface StepAeProgress {
  /** Epochs every instance has done. */
  epoch: number;
  /** Epochs of the whole run. */
  epochs: number;
  /** Latest loss of every instance (NaN once diverged). */
  loss: Float64Array;
  /** Estimated time left (the loops' estimate, of the slowest instance). */
  etaMs: number;
  /** Current parameters of instance 0 (for live figures), when asked for. */
  params?: Float64Array;
}

/**
 * A run that was stopped after saving its checkpoint (in `checkpointDir`):
 * `epoch` is the epoch every instance had reached (each saved where its
 * loop stopped, at that epoch or one span later).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StepAeInterrupted } from "./train.ts";
 * const stop = new StepAeInterrupted(1500, "/tmp/run");
 * assert.equal(stop.epoch, 1500);
 * ```
 */
export class StepAeInterrupted extends TrainingInterrupted {
  /** The error's name. */
  override name = "StepAeInterrupted";
  /** A stop after `epoch` epochs, with the state saved in `checkpointDir` (null: not saved). */
  constructor(readonly epoch: number, checkpointDir: string | null) {
    super(`epoch ${epoch}`, checkpointDir);
  }
}

/** The fixed linear code of the fixed-encoder variant: z_e = 1 − e/n. */
export function fixedLinearCode(n: number): Float64Array {
  return Float64Array.from({ length: n + 1 }, (_, e) => 1 - e / n);
}

/**
 * The encoder view of a variant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../core/experiment.ts";
 * import { stepAe, stepAeTrainConfig } from "./experiments/step_ae.ts";
 * import { encoderView } from "./train.ts";
 * const train = stepAeTrainConfig(configure(stepAe, { n: 4, fixedEncoder: true }));
 * assert.deepEqual(encoderView(train, train.variants[0]).fixedZ, Float64Array.of(1, 0.75, 0.5, 0.25, 0));
 * ```
 */
export function encoderView(config: StepAeTrainConfig, variant: StepAeVariant): EncoderView {
  return {
    scale: variant.inputScale,
    shift: variant.inputShift,
    fixedZ: variant.fixedEncoder ? fixedLinearCode(config.model.n) : undefined,
  };
}

/** Throws a RangeError naming the first invalid setting. */
export function validateStepAeTrain(config: StepAeTrainConfig): void {
  validateStepAe(config.model);
  if (!Number.isInteger(config.epochs) || config.epochs < 1) {
    throw new RangeError(`epochs must be an integer >= 1, got ${config.epochs}`);
  }
  if (config.variants.length === 0) throw new RangeError("a run needs at least one variant");
  for (const v of config.variants) {
    validateOptimizer(v.optimizer);
    if (!(v.initScale >= 0)) throw new RangeError(`initScale must be >= 0, got ${v.initScale}`);
    if (!Number.isFinite(v.inputScale) || v.inputScale === 0) {
      throw new RangeError(`inputScale must be a nonzero number, got ${v.inputScale}`);
    }
    const s = v.schedule;
    if (s.kind !== "constant" && !(s.lr > 0)) {
      throw new RangeError(`the schedule's lr must be > 0, got ${s.lr}`);
    }
  }
}

/**
 * The model as instance `variant` computes it (its own output ReLU, if set).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../core/experiment.ts";
 * import { stepAe, stepAeTrainConfig } from "./experiments/step_ae.ts";
 * import { variantModel } from "./train.ts";
 * const train = stepAeTrainConfig(configure(stepAe, { n: 4 }));
 * const variant = { ...train.variants[0], outputRelu: false };
 * assert.equal(variantModel(train, variant).outputRelu, false);
 * ```
 */
export function variantModel(config: StepAeTrainConfig, variant: StepAeVariant): StepAeConfig {
  return { ...config.model, outputRelu: variant.outputRelu ?? config.model.outputRelu };
}

/**
 * Everything one instance's run changes: the object the loop saves and
 * restores whole (`instance-<i>.json`).
 */
interface InstanceState {
  /** `[P]`: the parameter row (layout of `stepAeLayout`). */
  params: Float64Array;
  /** The optimizer's buffers (each `[P]`, empty when its rule does not use it) and its step count `[1]`. */
  optimizer: { state: Float64Array[]; steps: Uint32Array };
  /** Current learning rate. */
  lr: number;
  /** Epoch of the learning-rate drop (-1: not yet). */
  dropEpoch: number;
  /** Best loss so far (for the plateau schedule). */
  best: number;
  /** Epochs since `best` last improved. */
  sinceBest: number;
  /** The loss recorder (width 1). */
  loss: RecorderState;
  /** Rows of [w₁ (n), z (n + 1)] over epochs. */
  snapshots: RecorderState;
  /** `[n]`: Σ over epochs of ∂MSE/∂w₁ₛ. */
  gradW1: Float64Array;
  /** First epoch below the loss threshold (-1: not yet). */
  thresholdEpoch: number;
  /** Epoch the loss diverged (-1: it did not). */
  divergedAt: number;
  /** Loss of the last epoch trained (NaN before the first and once diverged). */
  lastLoss: number;
}

/** What one instance's run computes with besides its state; fixed for the run. */
interface InstanceRun {
  config: StepAeTrainConfig;
  variant: StepAeVariant;
  /** The model as this instance computes it (its own output ReLU). */
  model: StepAeConfig;
  view: EncoderView;
  layout: StepAeLayout;
  optimizer: ArrayOptimizer;
  /** `[P]`: gradient of the current epoch. */
  grad: Float64Array;
  scratch: StepAeScratch;
  /** `[2n + 1]`: [w₁ (n), z (n + 1)] of the last loss computed. */
  snapRow: Float64Array;
  /** The state the recorders and optimizer are attached to (see {@link attach}). */
  attached: Attached | null;
}

/** Recorders rebuilt from a state, recording until the state is saved again. */
interface Attached {
  state: InstanceState;
  loss: StridedRecorder;
  snapshots: StridedRecorder;
}

/** The fixed parts of instance `i`'s run: its model, view, optimizer and buffers. */
function prepareInstance(config: StepAeTrainConfig, i: number): InstanceRun {
  const variant = config.variants[i];
  const layout = stepAeLayout(config.model);
  const n = config.model.n;
  return {
    config,
    variant,
    model: variantModel(config, variant),
    view: encoderView(config, variant),
    layout,
    optimizer: new ArrayOptimizer(
      variant.optimizer,
      layout.size,
      perInstanceHyper(variant.optimizer, 1),
    ),
    grad: new Float64Array(layout.size),
    scratch: stepAeScratch(n),
    snapRow: new Float64Array(2 * n + 1),
    attached: null,
  };
}

/**
 * Points the run at `state`: the optimizer steps the state's own buffers
 * (copied in once when the state comes from a checkpoint) and the recorders
 * continue from the state's.
 */
function attach(run: InstanceRun, state: InstanceState): Attached {
  if (run.attached?.state === state) return run.attached;
  const opt = run.optimizer;
  if (state.optimizer.state !== opt.state) {
    state.optimizer.state.forEach((a, j) => opt.state[j].set(a));
    opt.steps.set(state.optimizer.steps);
    state.optimizer = { state: opt.state, steps: opt.steps };
  }
  run.attached = {
    state,
    loss: StridedRecorder.restore(state.loss, { until: run.config.epochs }),
    snapshots: StridedRecorder.restore(state.snapshots, { until: run.config.epochs }),
  };
  return run.attached;
}

/** The variant's starting parameters: seeded, or given, then the fixed, linear or knot starts. */
function initialParams(run: InstanceRun): Float64Array {
  const { config, variant: v, layout: L } = run;
  const n = config.model.n;
  const params = v.initParams
    ? Float64Array.from(v.initParams)
    : initStepAe({ ...config.model, initScale: v.initScale }, v.seed);
  if (params.length !== L.size) {
    throw new RangeError(`initParams has ${params.length} values; the model needs ${L.size}`);
  }
  if (v.fixedEncoder) params.fill(0, L.w1, L.w1 + n + 1); // the encoder is not used
  if (v.encoderInit === "linear" && !v.fixedEncoder) {
    // z_e = s·A·Σ_{j≥e} w1_j + c·Σ_j w1_j + b1 with w1 constant: linear in e.
    const w = 1 / (v.inputScale * config.model.amplitude * n);
    params.fill(w, L.w1, L.w1 + n);
    params[L.b1] = -v.inputShift * w * n;
  }
  if (v.hiddenInit === "knots") {
    const { scratch } = run;
    stepAeLossGrad(run.model, params, 0, run.view, null, scratch);
    let lo = Infinity;
    let hi = -Infinity;
    for (const z of scratch.z) {
      lo = Math.min(lo, z);
      hi = Math.max(hi, z);
    }
    const range = hi > lo ? hi - lo : 1;
    const slope = n / range;
    for (let k = 0; k < n; k++) {
      const knot = lo + ((k + 0.5) * range) / n;
      params[L.w2 + k] = slope;
      params[L.b2 + k] = -slope * knot;
    }
  }
  return params;
}

/** A fresh instance: its starting parameters, zero moments, empty recorders. */
function initialState(run: InstanceRun): InstanceState {
  const { config, optimizer } = run;
  const n = config.model.n;
  return {
    params: initialParams(run),
    optimizer: { state: optimizer.state, steps: optimizer.steps },
    lr: run.variant.optimizer.lr,
    dropEpoch: -1,
    best: Infinity,
    sinceBest: 0,
    loss: new StridedRecorder(1, {
      stride: config.record.lossEvery,
      capacity: config.record.maxRows,
      until: config.epochs,
    }).save(),
    snapshots: new StridedRecorder(2 * n + 1, {
      stride: config.record.snapshotEvery,
      capacity: config.record.maxRows,
      until: config.epochs,
    }).save(),
    gradW1: new Float64Array(n),
    thresholdEpoch: -1,
    divergedAt: -1,
    lastLoss: NaN,
  };
}

/** [w₁ (n), z (n + 1)]: the encoder row and the codes of the loss just computed. */
function snapshotRow(run: InstanceRun, params: Float64Array): Float64Array {
  const { w1 } = run.layout;
  const n = run.config.model.n;
  run.snapRow.set(params.subarray(w1, w1 + n));
  run.snapRow.set(run.scratch.z, n);
  return run.snapRow;
}

/** The learning-rate schedule, decided on epoch `e`'s loss. */
function updateSchedule(s: InstanceState, sched: LrSchedule, loss: number, e: number): void {
  if (loss < s.best * (1 - (sched.kind === "plateau" ? sched.minImprovement : 0))) {
    s.best = loss;
    s.sinceBest = 0;
  } else {
    s.sinceBest++;
  }
  if (s.dropEpoch < 0) {
    const drop = (sched.kind === "drop-at" && e >= sched.epoch) ||
      (sched.kind === "plateau" && s.sinceBest >= sched.patience);
    if (drop) {
      s.lr = sched.lr;
      s.dropEpoch = e;
    }
  }
}

/**
 * The loop's steps `from + 1` … `to`, i.e. epochs `from` … `to − 1`: each
 * computes the loss and gradient, records, updates the schedule and takes
 * one optimizer step. A diverged instance stays frozen.
 */
function advance(run: InstanceRun, s: InstanceState, span: Span): void {
  const rec = attach(run, s);
  const { config, view, layout: L, optimizer, grad } = run;
  const n = config.model.n;
  for (let e = span.from; e < span.to && s.divergedAt < 0; e++) {
    const loss = stepAeLossGrad(run.model, s.params, 0, view, grad, run.scratch);
    if (isDiverged(loss, config.divergeAbove)) {
      s.divergedAt = e;
      s.lastLoss = NaN;
      break;
    }
    s.lastLoss = loss;
    if (rec.loss.wants(e)) rec.loss.record(e, [loss]);
    if (rec.snapshots.wants(e)) rec.snapshots.record(e, snapshotRow(run, s.params));
    if (s.thresholdEpoch < 0 && loss < config.lossThreshold) s.thresholdEpoch = e;
    if (view.fixedZ) {
      grad.fill(0, L.w1, L.w1 + n + 1);
    } else {
      for (let j = 0; j < n; j++) s.gradW1[j] += grad[L.w1 + j];
    }
    updateSchedule(s, run.variant.schedule, loss, e);
    optimizer.hyper.lr[0] = s.lr;
    optimizer.stepInstance(s.params, grad, 0);
  }
  // The loop may save the state now: it must hold the recorders' rows.
  s.loss = rec.loss.save();
  s.snapshots = rec.snapshots.save();
}

/** What instance `run` ends with: its final loss, outputs and records. */
function instanceResult(
  run: InstanceRun,
  s: InstanceState,
  resumedFrom: number,
): StepAeInstanceResult {
  const rec = attach(run, s);
  const { epochs } = run.config;
  const { scratch } = run;
  const diverged = s.divergedAt >= 0;
  const finalLoss = diverged
    ? NaN
    : stepAeLossGrad(run.model, s.params, 0, run.view, null, scratch);
  if (diverged) {
    scratch.exampleError.fill(NaN);
    scratch.z.fill(NaN);
  } else {
    rec.loss.finish(epochs, [finalLoss]);
    rec.snapshots.finish(epochs, snapshotRow(run, s.params));
  }
  return {
    label: run.variant.label,
    params: s.params,
    finalLoss,
    exampleError: scratch.exampleError.slice(),
    z: scratch.z.slice(),
    loss: rec.loss.series(),
    snapshots: rec.snapshots.series(),
    gradW1: s.gradW1,
    thresholdEpoch: s.thresholdEpoch,
    dropEpoch: s.dropEpoch,
    divergedAt: s.divergedAt,
    resumedFrom,
  };
}

/** Where one instance stands, as its loop reports it. */
export interface StepAeInstanceProgress {
  /** The instance's index in the run's variants. */
  instance: number;
  /** Epochs it has done. */
  epoch: number;
  /** Its loss at the last epoch trained (NaN once diverged). */
  loss: number;
  /** Its loop's estimate of the time left. */
  etaMs: number;
  /** Its parameters, for instance 0 only (live figures). */
  params?: Float64Array;
}

/** How {@link trainStepAeRange} runs (never changes its numbers). */
export interface StepAeRangeControl {
  /** Epochs between progress reports and stop checks. */
  every?: number;
  /** Each instance saves `instance-<i>.json` here every `every` epochs and when stopped. */
  checkpoint?: CheckpointOptions;
  /** Stops the run after the current span. */
  signal?: AbortSignal;
  /** Polled like `signal` (workers read a shared flag). */
  shouldStop?: () => boolean;
  /** Each instance stops, as if signalled, once it has done this many epochs. */
  stopAt?: number;
  /** Each instance's progress, after every span (awaited). */
  report?: (p: StepAeInstanceProgress) => void | Promise<void>;
}

/** Instance `i` of `config` through the loop, from its checkpoint when resuming. */
async function trainInstance(
  config: StepAeTrainConfig,
  i: number,
  control: StepAeRangeControl,
): Promise<StepAeInstanceResult> {
  const run = prepareInstance(config, i);
  const report = (s: InstanceState, epoch: number, etaMs: number) =>
    control.report?.({
      instance: i,
      epoch,
      loss: s.lastLoss,
      etaMs,
      params: i === 0 ? s.params.slice() : undefined,
    });
  const cp = control.checkpoint;
  const { state, resumedFrom } = await runLoop<InstanceState>({
    steps: config.epochs,
    unit: "epoch",
    progressEvery: control.every,
    init: () => initialState(run),
    // The data (the n + 1 step functions) follows from the config.
    key: config,
    advance: (s, span) => advance(run, s, span),
    progress: (s, at) => report(s, at.step, at.etaMs),
  }, {
    signal: control.signal,
    shouldStop: control.shouldStop,
    stopAt: control.stopAt,
    checkpoint: cp ? { ...cp, name: `instance-${i}` } : undefined,
  });
  // A run resumed at its end does not report on its own.
  if (resumedFrom === config.epochs) await report(state, resumedFrom, 0);
  return instanceResult(run, state, resumedFrom);
}

/**
 * Trains instances `[from, to)` of `config` side by side in this thread, one
 * loop each (the main thread with one worker; each worker with its range).
 * When one instance fails or is stopped the others stop at their next span
 * (saving their checkpoints), and the first error is thrown once all have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../core/experiment.ts";
 * import { stepAe, stepAeTrainConfig } from "./experiments/step_ae.ts";
 * import { trainStepAeRange } from "./train.ts";
 * const train = stepAeTrainConfig(configure(stepAe, { n: 4, epochs: 20 }));
 * const seen: number[] = [];
 * const [r] = await trainStepAeRange(train, { from: 0, to: 1 }, {
 *   every: 10,
 *   report: (p) => void seen.push(p.epoch),
 * });
 * assert.deepEqual(seen, [10, 20]);
 * assert.equal(r.resumedFrom, 0);
 * ```
 */
export async function trainStepAeRange(
  config: StepAeTrainConfig,
  range: { from: number; to: number },
  control: StepAeRangeControl = {},
): Promise<StepAeInstanceResult[]> {
  const failures: unknown[] = [];
  const shouldStop = () => failures.length > 0 || control.shouldStop?.() === true;
  const runs: Promise<StepAeInstanceResult>[] = [];
  for (let i = range.from; i < range.to; i++) {
    runs.push(
      trainInstance(config, i, { ...control, shouldStop }).catch((error) => {
        // A stop at `stopAt` reaches every instance at that same epoch by itself; only a failure
        // (or a signal, which each loop reads) stops the others early.
        if (!(error instanceof TrainingInterrupted && control.stopAt !== undefined)) {
          failures.push(error);
        }
        throw error;
      }),
    );
  }
  const settled = await Promise.allSettled(runs);
  if (failures.length > 0) throw failures[0];
  const stopped = settled.find((r) => r.status === "rejected");
  if (stopped) throw (stopped as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<StepAeInstanceResult>).value);
}

/**
 * The run's progress from its instances': the epoch every instance has
 * reached, each one's latest loss, and the slowest one's time left.
 */
class RunProgress {
  readonly #epochs: number;
  /** `[instances]`: epochs done. */
  readonly #reached: Float64Array;
  /** `[instances]`: latest loss. */
  readonly #loss: Float64Array;
  /** `[instances]`: latest time-left estimate. */
  readonly #eta: Float64Array;
  #params: Float64Array | undefined;
  #shown = 0;

  constructor(config: StepAeTrainConfig) {
    const instances = config.variants.length;
    this.#epochs = config.epochs;
    this.#reached = new Float64Array(instances);
    this.#loss = new Float64Array(instances).fill(NaN);
    this.#eta = new Float64Array(instances).fill(NaN);
  }

  /** Takes an instance's report; returns the run's progress when every instance got further. */
  update(p: StepAeInstanceProgress): StepAeProgress | null {
    this.#reached[p.instance] = p.epoch;
    this.#loss[p.instance] = p.loss;
    this.#eta[p.instance] = p.etaMs;
    if (p.params) this.#params = p.params;
    const epoch = minOf(this.#reached);
    if (epoch <= this.#shown) return null;
    this.#shown = epoch;
    return {
      epoch,
      epochs: this.#epochs,
      loss: this.#loss.slice(),
      etaMs: maxOf(this.#eta),
      params: this.#params,
    };
  }

  /** The epoch a stopped run reached: the least of its unfinished instances'. */
  stoppedAt(): number {
    const open = [...this.#reached].filter((e) => e < this.#epochs);
    return open.length > 0 ? minOf(open) : this.#epochs;
  }
}

/**
 * How to run a step-autoencoder training (never changes its numbers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StepAeRunOptions } from "./train.ts";
 * const seen: number[] = [];
 * const options: StepAeRunOptions = {
 *   workers: 1,
 *   progressEvery: 100,
 *   onProgress: (p) => void seen.push(p.epoch),
 * };
 * assert.equal(options.workers, 1);
 * ```
 */
export interface StepAeRunOptions {
  /** Worker threads: a number or "auto" (2 when there are several instances and many epochs). */
  workers?: number | "auto";
  /** Save every instance's state here every `every` epochs, at the end and on a stop. */
  checkpoint?: CheckpointOptions;
  /** Called each time every instance has done another `progressEvery` epochs, and at the end. */
  onProgress?: (p: StepAeProgress) => void | Promise<void>;
  /** Epochs between progress reports (default: about 1% of the run, at most 5000). */
  progressEvery?: number;
  /**
   * Stops the run: with a checkpoint the state is saved and
   * {@link StepAeInterrupted} thrown, without one the signal's reason.
   */
  signal?: AbortSignal;
  /** Every instance stops, as if signalled, once it has done this many epochs. */
  stopAt?: number;
}

/**
 * What every worker (`_worker.ts`) gets once: the run and how to run it;
 * its jobs are then ranges of instances.
 */
export interface StepAeWorkerShared {
  /** The run. */
  config: StepAeTrainConfig;
  /** Epochs between progress reports and stop checks. */
  every: number;
  /** Where each instance saves its checkpoint, if anywhere. */
  checkpoint: CheckpointOptions | undefined;
  /** Each instance stops, as if signalled, once it has done this many epochs. */
  stopAt?: number;
}

/** The ranges of instances, one per worker, through `core/train/workers.ts`. */
async function trainInWorkers(
  shared: StepAeWorkerShared,
  run: {
    workers: number;
    signal?: AbortSignal;
    progress: RunProgress;
    onProgress?: StepAeRunOptions["onProgress"];
  },
): Promise<StepAeInstanceResult[]> {
  const instances = shared.config.variants.length;
  const { workers, progress, onProgress } = run;
  const bounds = Array.from(
    { length: workers + 1 },
    (_, k) => Math.round((k * instances) / workers),
  );
  const ranges = bounds.slice(1).map((to, k) => ({ from: bounds[k], to }));
  // runJobs awaits each report in order; one that throws stops every worker.
  const results = await runJobs<
    { from: number; to: number },
    StepAeInstanceResult[],
    StepAeWorkerShared,
    StepAeInstanceProgress
  >(new URL("./_worker.ts", import.meta.url), ranges, {
    workers,
    shared,
    signal: run.signal,
    onProgress: (_, p) => {
      const q = progress.update(p);
      return q ? onProgress?.(q) : undefined;
    },
  });
  return results.flat();
}

/**
 * Trains every variant of `config` and returns one result per variant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../core/experiment.ts";
 * import { stepAe, stepAeTrainConfig } from "./experiments/step_ae.ts";
 * import { trainStepAe } from "./train.ts";
 * const train = stepAeTrainConfig(configure(stepAe, { n: 4, epochs: 10 }));
 * const { results, workers } = await trainStepAe(train, { workers: 1 });
 * assert.equal(workers, 1);
 * assert.ok(results[0].finalLoss < results[0].loss.values[0]); // ten steps lower the loss
 * ```
 */
export async function trainStepAe(
  config: StepAeTrainConfig,
  options: StepAeRunOptions = {},
): Promise<{ results: StepAeInstanceResult[]; workers: number; elapsedMs: number }> {
  validateStepAeTrain(config);
  const started = performance.now();
  const instances = config.variants.length;
  const workers = chooseWorkers(options.workers ?? "auto", {
    jobs: instances,
    work: config.epochs * instances,
    autoAbove: 20_000,
  });
  const every = options.progressEvery ?? Math.min(5000, defaultProgressEvery(config.epochs));
  const { checkpoint, signal, onProgress, stopAt } = options;
  const progress = new RunProgress(config);
  try {
    // One worker: the instances train in this thread.
    const results = workers <= 1
      ? await trainStepAeRange(config, { from: 0, to: instances }, {
        every,
        checkpoint,
        signal,
        stopAt,
        report: (p) => {
          const q = progress.update(p);
          return q ? onProgress?.(q) : undefined;
        },
      })
      : await trainInWorkers({ config, every, checkpoint, stopAt }, {
        workers,
        signal,
        progress,
        onProgress,
      });
    return { results, workers, elapsedMs: performance.now() - started };
  } catch (err) {
    // The loops stop where their spans end; the run says the epoch all of them reached.
    if (err instanceof TrainingInterrupted) {
      throw new StepAeInterrupted(progress.stoppedAt(), err.checkpointDir);
    }
    throw err;
  }
}
