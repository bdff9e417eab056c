/**
 * Training the step-function autoencoder (seed 003): full batch, one
 * optimizer step per epoch, many variants as instances of one run (each with
 * its own seed, optimizer, learning-rate schedule, initial scale, input view
 * and, optionally, a fixed linear encoder), checkpoints and resume.
 *
 * Every instance is independent, so its state is saved to its own file
 * (`instance-<i>.json`, written atomically) every `checkpointEvery` epochs and
 * when the run is stopped. Resuming loads those files and continues; because
 * every number is float64 and every step deterministic, a resumed run ends
 * bit-identical to an uninterrupted one, whatever the number of workers.
 *
 * @module
 */
import { chooseWorkers } from "../../core/train/fused.ts";
import {
  CheckpointError,
  type CheckpointOptions,
  loadCheckpoint,
  saveCheckpoint,
  TrainingInterrupted,
} from "../../core/train/checkpoint.ts";
import {
  type EncoderView,
  initStepAe,
  type StepAeConfig,
  stepAeLayout,
  stepAeLossGrad,
  stepAeScratch,
  validateStepAe,
} from "./model.ts";
import type { OptimizerConfig } from "../../core/optim/config.ts";
import { validateOptimizer } from "../../core/optim/config.ts";
import { ArrayOptimizer, perInstanceHyper } from "../../core/optim/optimizer.ts";
import { type RecorderState, type Series, StridedRecorder } from "../../core/train/history.ts";

/** How an instance's learning rate changes over training. */
export type LrSchedule =
  | { kind: "constant" }
  /** Switch to `lr` at epoch `epoch`. */
  | { kind: "drop-at"; epoch: number; lr: number }
  /** Switch to `lr` once the loss has not improved by `minImprovement` (relative) for `patience` epochs. */
  | { kind: "plateau"; patience: number; minImprovement: number; lr: number };

/** One instance of a step-autoencoder run. */
export interface StepAeVariant {
  label: string;
  seed: number;
  optimizer: OptimizerConfig;
  schedule: LrSchedule;
  /** Initial weights uniform in [−initScale, initScale]. */
  initScale: number;
  /** The encoder sees inputScale·x + inputShift. */
  inputScale: number;
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

/** A step-autoencoder training run. */
export interface StepAeTrainConfig {
  model: StepAeConfig;
  variants: StepAeVariant[];
  epochs: number;
  /** The first epoch whose loss falls below this is recorded per instance. */
  lossThreshold: number;
  record: { lossEvery: number; snapshotEvery: number; maxRows: number };
  /** A loss above this (or non-finite) marks the instance diverged; it stops. */
  divergeAbove: number;
}

/** Everything about one instance that a checkpoint keeps. */
export interface StepAeInstanceState {
  /** Optimizer steps taken (= epochs done). */
  epoch: number;
  params: Float64Array;
  optState: Float64Array[];
  lr: number;
  dropEpoch: number;
  best: number;
  sinceBest: number;
  loss: RecorderState;
  /** Rows of [w₁ (n), z (n + 1)] over epochs. */
  snapshots: RecorderState;
  /** Σ over epochs of ∂MSE/∂w₁ₛ. */
  gradW1: Float64Array;
  thresholdEpoch: number;
  divergedAt: number;
}

/** What one instance ends with. */
export interface StepAeInstanceResult {
  label: string;
  params: Float64Array;
  finalLoss: number;
  /** Mean squared error of each example at the end (index e = step position − 1). */
  exampleError: Float64Array;
  /** Latent code of each example at the end. */
  z: Float64Array;
  loss: Series;
  snapshots: Series;
  gradW1: Float64Array;
  thresholdEpoch: number;
  dropEpoch: number;
  divergedAt: number;
  /** Epoch the run started from (above 0 when resumed from a checkpoint). */
  resumedFrom: number;
}

/** Progress of a run. */
export interface StepAeProgress {
  epoch: number;
  epochs: number;
  /** Current loss of every instance. */
  loss: Float64Array;
  /** Current parameters of instance 0 (for live figures), when asked for. */
  params?: Float64Array;
}

/** A run that was stopped; its state is in the checkpoint directory. */
export class StepAeInterrupted extends TrainingInterrupted {
  override name = "StepAeInterrupted";
  constructor(readonly epoch: number, checkpointDir: string | null) {
    super(`epoch ${epoch}`, checkpointDir);
  }
}

/** The fixed linear code of the fixed-encoder variant: z_e = 1 − e/n. */
export function fixedLinearCode(n: number): Float64Array {
  return Float64Array.from({ length: n + 1 }, (_, e) => 1 - e / n);
}

/** The encoder view of a variant. */
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

/** The model as instance `variant` computes it (its own output ReLU, if set). */
export function variantModel(config: StepAeTrainConfig, variant: StepAeVariant): StepAeConfig {
  return { ...config.model, outputRelu: variant.outputRelu ?? config.model.outputRelu };
}

function newState(config: StepAeTrainConfig, i: number, opt: ArrayOptimizer): StepAeInstanceState {
  const v = config.variants[i];
  const n = config.model.n;
  const L = stepAeLayout(config.model);
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
    const scratch = stepAeScratch(n);
    stepAeLossGrad(variantModel(config, v), params, 0, encoderView(config, v), null, scratch);
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
  return {
    epoch: 0,
    params,
    optState: opt.state.map((s) => s.slice()),
    lr: v.optimizer.lr,
    dropEpoch: -1,
    best: Infinity,
    sinceBest: 0,
    loss: new StridedRecorder(1, {
      stride: config.record.lossEvery,
      capacity: config.record.maxRows,
    }).save(),
    snapshots: new StridedRecorder(2 * n + 1, {
      stride: config.record.snapshotEvery,
      capacity: config.record.maxRows,
    }).save(),
    gradW1: new Float64Array(n),
    thresholdEpoch: -1,
    divergedAt: -1,
  };
}

/** Writes instance i's state into `dir` (atomically). */
export async function saveInstance(
  dir: string,
  config: StepAeTrainConfig,
  i: number,
  state: StepAeInstanceState,
): Promise<void> {
  await saveCheckpoint(dir, `instance-${i}`, { key: config, state });
}

/** Reads instance i's state from `dir`, or null when there is none. Refuses a checkpoint of another config. */
export function loadInstance(
  dir: string,
  config: StepAeTrainConfig,
  i: number,
): Promise<StepAeInstanceState | null> {
  return loadCheckpoint<StepAeInstanceState>(dir, `instance-${i}`, config);
}

/** Controls of {@link runStepAeRange}. */
export interface RangeControl {
  /** Report (and check for a stop) every this many epochs. */
  every: number;
  report: (epoch: number, loss: Float64Array, params: Float64Array) => void | Promise<void>;
  /** Asked at every report; true stops the run after saving. */
  shouldStop: () => boolean;
  checkpoint: CheckpointOptions | null;
}

/**
 * Trains instances `[from, to)`; used by the main thread and by workers.
 * Returns the results, or throws {@link StepAeInterrupted} once stopped.
 */
export async function runStepAeRange(
  config: StepAeTrainConfig,
  range: { from: number; to: number },
  control: RangeControl,
): Promise<StepAeInstanceResult[]> {
  const { model, epochs } = config;
  const n = model.n;
  const L = stepAeLayout(model);
  const P = L.size;
  const scratch = stepAeScratch(n);
  const grad = new Float64Array(P);
  const ids = Array.from({ length: range.to - range.from }, (_, k) => range.from + k);
  const views = ids.map((i) => encoderView(config, config.variants[i]));
  const models = ids.map((i) => variantModel(config, config.variants[i]));
  const opts = ids.map((i) => {
    const optimizer = config.variants[i].optimizer;
    return new ArrayOptimizer(optimizer, P, perInstanceHyper(optimizer, 1));
  });
  const states: StepAeInstanceState[] = [];
  for (const [k, i] of ids.entries()) {
    const saved = control.checkpoint?.resume
      ? await loadInstance(control.checkpoint.dir, config, i)
      : null;
    states.push(saved ?? newState(config, i, opts[k]));
  }
  // Restore optimizer state and recorders.
  opts.forEach((opt, k) => {
    opt.state.forEach((buf, j) => buf.set(states[k].optState[j]));
    opt.steps[0] = states[k].epoch;
  });
  const lossRec = states.map((s) => StridedRecorder.restore(s.loss));
  const snapRec = states.map((s) => StridedRecorder.restore(s.snapshots));
  const current = new Float64Array(ids.length).fill(NaN);
  // [w₁ (n), z (n + 1)] of the instance whose loss was computed last.
  const snapRow = new Float64Array(2 * n + 1);
  const snapshotRow = (params: Float64Array) => {
    snapRow.set(params.subarray(L.w1, L.w1 + n));
    snapRow.set(scratch.z, n);
    return snapRow;
  };

  const save = async () => {
    if (!control.checkpoint) return;
    for (const [k, i] of ids.entries()) {
      const s = states[k];
      s.optState = opts[k].state.map((b) => b.slice());
      s.loss = lossRec[k].save();
      s.snapshots = snapRec[k].save();
      await saveInstance(control.checkpoint.dir, config, i, s);
    }
  };

  const stepOne = (k: number) => {
    const s = states[k];
    const v = config.variants[ids[k]];
    if (s.divergedAt >= 0) {
      s.epoch++;
      return;
    }
    const loss = stepAeLossGrad(models[k], s.params, 0, views[k], grad, scratch);
    const e = s.epoch;
    if (!(loss <= config.divergeAbove)) {
      s.divergedAt = e;
      current[k] = NaN;
      s.epoch++;
      return;
    }
    current[k] = loss;
    if (lossRec[k].wants(e)) lossRec[k].record(e, [loss]);
    if (snapRec[k].wants(e)) snapRec[k].record(e, snapshotRow(s.params));
    if (s.thresholdEpoch < 0 && loss < config.lossThreshold) s.thresholdEpoch = e;
    if (views[k].fixedZ) {
      grad.fill(0, L.w1, L.w1 + n + 1);
    } else {
      for (let j = 0; j < n; j++) s.gradW1[j] += grad[L.w1 + j];
    }
    // Learning-rate schedule, decided on this epoch's loss.
    const sched = v.schedule;
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
    opts[k].hyper.lr[0] = s.lr;
    opts[k].stepInstance(s.params, grad, 0);
    s.epoch++;
  };

  let epoch = Math.min(...states.map((s) => s.epoch));
  if (states.some((s) => s.epoch !== epoch)) {
    throw new CheckpointError(
      "checkpoints of one run disagree about the epoch; remove them and start again",
    );
  }
  const resumedFrom = epoch;
  const nextCheckpoint = () =>
    control.checkpoint
      ? Math.ceil((epoch + 1) / control.checkpoint.every) * control.checkpoint.every
      : Infinity;
  let checkpointAt = nextCheckpoint();
  while (epoch < epochs) {
    const stop = Math.min(
      epochs,
      Math.ceil((epoch + 1) / control.every) * control.every,
      checkpointAt,
    );
    for (; epoch < stop; epoch++) for (let k = 0; k < ids.length; k++) stepOne(k);
    if (epoch === checkpointAt) {
      await save();
      checkpointAt = nextCheckpoint();
    }
    if (epoch % control.every === 0 || epoch === epochs) {
      await control.report(epoch, current, states[0].params);
      if (control.shouldStop() && epoch < epochs) {
        await save();
        throw new StepAeInterrupted(epoch, control.checkpoint?.dir ?? null);
      }
    }
  }
  if (control.checkpoint) await save();

  return ids.map((i, k) => {
    const s = states[k];
    const diverged = s.divergedAt >= 0;
    const finalLoss = diverged
      ? NaN
      : stepAeLossGrad(models[k], s.params, 0, views[k], null, scratch);
    if (diverged) {
      scratch.exampleError.fill(NaN);
      scratch.z.fill(NaN);
    } else {
      lossRec[k].finish(epochs, [finalLoss]);
      snapRec[k].finish(epochs, snapshotRow(s.params));
    }
    return {
      label: config.variants[i].label,
      params: s.params,
      finalLoss,
      exampleError: scratch.exampleError.slice(),
      z: scratch.z.slice(),
      loss: lossRec[k].series(),
      snapshots: snapRec[k].series(),
      gradW1: s.gradW1,
      thresholdEpoch: s.thresholdEpoch,
      dropEpoch: s.dropEpoch,
      divergedAt: s.divergedAt,
      resumedFrom,
    };
  });
}

/** How to run a step-autoencoder training (never changes its numbers). */
export interface StepAeRunOptions {
  /** Worker threads: a number or "auto" (2 when there are several instances and many epochs). */
  workers?: number | "auto";
  /** Save every instance's state here every `every` epochs and on a stop. */
  checkpoint?: CheckpointOptions;
  onProgress?: (p: StepAeProgress) => void | Promise<void>;
  progressEvery?: number;
  /** Stops the run: state is saved and {@link StepAeInterrupted} thrown. */
  signal?: AbortSignal;
}

type WorkerMessage =
  | { type: "progress"; epoch: number; loss: Float64Array }
  | { type: "done"; results: StepAeInstanceResult[] }
  | { type: "stopped"; epoch: number }
  | { type: "error"; message: string; checkpoint: boolean };

/** Trains every variant of `config` and returns one result per variant. */
export async function trainStepAe(
  config: StepAeTrainConfig,
  options: StepAeRunOptions = {},
): Promise<{ results: StepAeInstanceResult[]; workers: number; elapsedMs: number }> {
  validateStepAeTrain(config);
  const started = performance.now();
  const every = options.progressEvery ??
    Math.max(1, Math.min(5000, Math.floor(config.epochs / 100)));
  const instances = config.variants.length;
  const workers = chooseWorkers(options.workers ?? "auto", {
    jobs: instances,
    work: config.epochs * instances,
    autoAbove: 20_000,
  });
  const signal = options.signal;
  const emit = async (epoch: number, loss: Float64Array, params?: Float64Array) => {
    await options.onProgress?.({ epoch, epochs: config.epochs, loss, params });
  };

  if (workers <= 1) {
    const results = await runStepAeRange(config, { from: 0, to: instances }, {
      every,
      checkpoint: options.checkpoint ?? null,
      shouldStop: () => signal?.aborted ?? false,
      report: async (epoch, loss, params) => {
        await emit(epoch, loss.slice(), params.slice());
        await new Promise((r) => setTimeout(r, 0));
      },
    });
    return { results, workers: 1, elapsedMs: performance.now() - started };
  }

  const bounds = Array.from(
    { length: workers + 1 },
    (_, k) => Math.round((k * instances) / workers),
  );
  const latest = new Float64Array(instances).fill(NaN);
  const epochs = new Array<number>(workers).fill(0);
  let lastEmitted = 0;
  let chain = Promise.resolve();
  const threads: Worker[] = [];
  try {
    const parts = await Promise.all(
      Array.from(
        { length: workers },
        (_, k) =>
          new Promise<StepAeInstanceResult[] | { stopped: number }>((resolve, reject) => {
            const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, {
              type: "module",
            });
            threads.push(worker);
            const onAbort = () => worker.postMessage({ type: "stop" });
            signal?.addEventListener("abort", onAbort, { once: true });
            worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
              const msg = event.data;
              if (msg.type === "progress") {
                latest.set(msg.loss, bounds[k]);
                epochs[k] = msg.epoch;
                const epoch = Math.min(...epochs);
                if (epoch > lastEmitted) {
                  lastEmitted = epoch;
                  const snapshot = latest.slice();
                  chain = chain.then(() => emit(epoch, snapshot)).catch(reject);
                }
              } else if (msg.type === "done") {
                signal?.removeEventListener("abort", onAbort);
                resolve(msg.results);
              } else if (msg.type === "stopped") {
                resolve({ stopped: msg.epoch });
              } else {
                // A checkpoint that does not fit stays a CheckpointError (one line in the CLI).
                reject(
                  msg.checkpoint
                    ? new CheckpointError(msg.message)
                    : new Error(`worker ${k} failed: ${msg.message}`),
                );
              }
            };
            worker.onerror = (e) => {
              e.preventDefault();
              reject(new Error(`worker ${k} crashed: ${e.message}`));
            };
            worker.postMessage({
              type: "start",
              config,
              from: bounds[k],
              to: bounds[k + 1],
              every,
              checkpoint: options.checkpoint ?? null,
            });
          }),
      ),
    );
    await chain;
    const stopped = parts.filter((p): p is { stopped: number } => !Array.isArray(p));
    if (stopped.length > 0) {
      throw new StepAeInterrupted(
        Math.min(...stopped.map((p) => p.stopped)),
        options.checkpoint?.dir ?? null,
      );
    }
    return {
      results: (parts as StepAeInstanceResult[][]).flat(),
      workers,
      elapsedMs: performance.now() - started,
    };
  } finally {
    for (const w of threads) w.terminate();
  }
}
