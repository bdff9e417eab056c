/**
 * Trains many independent toy autoencoders as one run.
 *
 * `engine: "fused"` (default) runs the float64 fused loop, split over
 * `workers` threads by contiguous instance ranges; `engine: "tfjs"` runs the
 * batched tfjs reference on the chosen backend. Both return the same
 * {@link ToyTrainResult}. With the fused engine the result is bit-identical
 * whatever the number of workers.
 *
 * @module
 */
import { validateSchedule } from "../../core/optim/schedule.ts";
import { toyParamCount, validateToyModel } from "./model.ts";
import { validateOptimizer } from "../../core/optim/config.ts";
import { MAX_SEED } from "../../core/random.ts";
import { loadTf, type TfBackend } from "../../core/tf.ts";
import { chooseWorkers, FUSED_BACKEND, WASM_SIMD_BACKEND } from "../../core/train/fused.ts";
import { concatFlat, concatSeriesColumns } from "../../core/train/history.ts";
import { runJobs } from "../../core/train/workers.ts";
import {
  type RangeControl,
  type RangeProgress,
  type RangeResult,
  runToyRange,
  type ToyRange,
  type ToyShared,
} from "./_train_fused.ts";
import { runToyTfjs } from "./_train_tfjs.ts";
import { maxOf, minOf } from "../../core/stats.ts";
import type {
  ResampleStats,
  ToyEngine,
  ToyProgress,
  ToyTrainConfig,
  ToyTrainResult,
} from "./config.ts";

/**
 * How to run a toy training run (does not change its numbers, except the engine).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ToyRunOptions } from "./train.ts";
 * const options: ToyRunOptions = { engine: "fused", workers: 2, progressEvery: 100 };
 * assert.equal(options.workers, 2);
 * ```
 */
export interface ToyRunOptions {
  /** The engine: `"fused"` (default, float64) or `"tfjs"` (float32 autodiff). */
  engine?: ToyEngine;
  /** tfjs backend for `engine: "tfjs"`. */
  backend?: TfBackend;
  /** Worker threads for the fused engine: a number, or "auto" (2 for large runs, else 1). */
  workers?: number | "auto";
  /** Called every `progressEvery` steps and at the end. */
  onProgress?: (p: ToyProgress) => void | Promise<void>;
  /** Steps between progress reports (default: a fiftieth of the run). */
  progressEvery?: number;
  /** Stops the run (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /**
   * Whether the fused engine may train in its wasm SIMD kernels where the run
   * fits one (default true; `backend` says whether one ran). The numbers are
   * the same bits either way: false is for measuring the scalar path.
   */
  kernel?: boolean;
}

/**
 * Throws a RangeError naming the first invalid setting of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { RECORD_DEFAULTS, type ToyTrainConfig } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * import { validateToyTrain } from "./train.ts";
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
 * validateToyTrain(config);
 * assert.throws(() => validateToyTrain({ ...config, lrs: [0.1] }), /lrs needs one value per seed/);
 * ```
 */
export function validateToyTrain(config: ToyTrainConfig): void {
  validateToyModel(config.model);
  validateOptimizer(config.optimizer);
  const { steps, seeds, record } = config;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`steps must be an integer >= 1, got ${steps}`);
  }
  if (seeds.length < 1) throw new RangeError("a run needs at least one seed (instance)");
  for (const s of seeds) {
    if (!Number.isInteger(s) || s < 0 || s > MAX_SEED) {
      throw new RangeError(`seed must be an integer in [0, ${MAX_SEED}], got ${s}`);
    }
  }
  for (
    const [name, list] of [["lrs", config.lrs], ["weightDecays", config.weightDecays]] as const
  ) {
    if (list && list.length !== seeds.length) {
      throw new RangeError(
        `${name} needs one value per seed (${seeds.length}), got ${list.length}`,
      );
    }
  }
  if (config.schedule) validateSchedule(config.schedule, steps);
  if (config.lrs?.some((v) => !(v > 0 && Number.isFinite(v)))) {
    throw new RangeError("every per-instance lr must be a finite number > 0");
  }
  if (config.init) {
    const { init, model } = config;
    if (init.instances !== seeds.length || init.n !== model.n || init.m !== model.m) {
      throw new RangeError(
        `init holds ${init.instances} instances of n=${init.n}, m=${init.m}; the run needs ` +
          `${seeds.length} of n=${model.n}, m=${model.m}`,
      );
    }
    if (init.bias !== model.bias) throw new RangeError("init and model disagree about the bias");
  }
  const p = toyParamCount(config.model);
  for (const k of config.frozen ?? []) {
    if (!Number.isInteger(k) || k < 0 || k >= p) {
      throw new RangeError(`frozen parameter index must be an integer in [0, ${p - 1}], got ${k}`);
    }
  }
  const d = config.data;
  if (d.kind === "identity" && d.omit) {
    for (const f of d.omit) {
      if (!Number.isInteger(f) || f < 0 || f >= config.model.n) {
        throw new RangeError(`omit must list features in [0, ${config.model.n - 1}], got ${f}`);
      }
    }
    if (d.omit.length >= config.model.n) throw new RangeError("omit leaves no example to train on");
  }
  if (d.kind === "sparse") {
    if (!(d.sparsity >= 0 && d.sparsity < 1)) {
      throw new RangeError(`sparsity must be in [0, 1), got ${d.sparsity}`);
    }
    if (!Number.isInteger(d.examples) || d.examples < 0) {
      throw new RangeError(
        `examples must be an integer >= 0 (0: fresh batches), got ${d.examples}`,
      );
    }
    if (d.examples === 0 && (!Number.isInteger(d.batchSize) || d.batchSize < 1)) {
      throw new RangeError(`batchSize must be an integer >= 1, got ${d.batchSize}`);
    }
  }
  if (config.resample) validateResample(config);
  if (!(config.importanceDecay > 0 && config.importanceDecay <= 1)) {
    throw new RangeError(`importanceDecay must be in (0, 1], got ${config.importanceDecay}`);
  }
  for (const key of ["lossEvery", "snapshotEvery"] as const) {
    if (!Number.isInteger(record[key]) || record[key] < 1) {
      throw new RangeError(`${key} must be an integer >= 1, got ${record[key]}`);
    }
  }
  for (const key of ["maxLossRows", "maxSnapshots"] as const) {
    if (!Number.isInteger(record[key]) || record[key] < 2) {
      throw new RangeError(`${key} must be an integer >= 2, got ${record[key]}`);
    }
  }
}

function validateResample(config: ToyTrainConfig): void {
  const r = config.resample!;
  const d = config.data;
  if (d.kind !== "identity" || d.omit?.length) {
    throw new RangeError(
      "resampling needs the complete one-hot data (data.kind identity, no omit)",
    );
  }
  if (r.ruleOf.length !== config.seeds.length) {
    throw new RangeError(
      `resample.ruleOf needs one rule per seed (${config.seeds.length}), got ${r.ruleOf.length}`,
    );
  }
  if (r.rules.length === 0 || r.rules.length > 32_767) {
    throw new RangeError(`resample.rules must hold 1 to 32767 rules, got ${r.rules.length}`);
  }
  for (const k of r.ruleOf) {
    if (!Number.isInteger(k) || k < 0 || k >= r.rules.length) {
      throw new RangeError(`resample.ruleOf must index rules [0, ${r.rules.length - 1}], got ${k}`);
    }
  }
  r.trace.forEach((o, k) => {
    if (!Number.isInteger(o) || o < 0 || o > 32_767 || (k > 0 && o <= r.trace[k - 1])) {
      throw new RangeError(
        `resample.trace must be ascending integers in [0, 32767], got ${r.trace}`,
      );
    }
  });
  if (
    r.rules.some((rule) => rule?.place === "gap" || rule?.place === "kick") && config.model.m !== 2
  ) {
    throw new RangeError(`the gap and kick placements need m = 2, got m = ${config.model.m}`);
  }
}

const AUTO_WORKER_WORK = 4e6; // instance-steps (at n = 7, one-hot) above which a second thread pays off

/**
 * A step's cost relative to the one-hot n = 7 run the threshold above was measured on: outputs
 * (n) times examples per step. Sparse data at n = 1,000 with 30 examples costs about 600 times as
 * much per step, so a handful of such instances already fills two threads.
 */
function stepCost(config: ToyTrainConfig): number {
  const { n } = config.model;
  const data = config.data;
  const rows = data.kind === "identity"
    ? n - (data.omit?.length ?? 0)
    : data.examples > 0
    ? data.examples
    : data.batchSize;
  return Math.max(1, (n * rows) / 49);
}

/**
 * Trains every instance of `config` and returns the run's history and final state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { RECORD_DEFAULTS } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * import { trainToy } from "./train.ts";
 * // Three seeds of the write-up's setting, 200 Adam steps on the one-hot examples.
 * const run = await trainToy({
 *   model: TOY_MODEL_DEFAULTS,
 *   data: { kind: "identity" },
 *   importanceDecay: 1,
 *   optimizer: optimizerDefaults("adam", 1e-2),
 *   steps: 200,
 *   seeds: [0, 1, 2],
 *   record: RECORD_DEFAULTS,
 *   divergeAbove: 1e6,
 * });
 * assert.equal(run.final.instances, 3);
 * const first = run.loss.values[0]; // instance 0 before the first step
 * assert.ok(run.finalLoss[0] < first);
 * ```
 */
export async function trainToy(
  config: ToyTrainConfig,
  options: ToyRunOptions = {},
): Promise<ToyTrainResult> {
  validateToyTrain(config);
  const engine = options.engine ?? "fused";
  if (config.schedule && engine !== "fused") {
    throw new RangeError("a learning-rate schedule needs the fused engine (engine=fused)");
  }
  const every = options.progressEvery ?? Math.max(1, Math.floor(config.steps / 50));
  const instances = config.seeds.length;
  const started = performance.now();
  const kernel = options.kernel ?? true;
  const control = {
    every,
    kernel,
    report: reporter(config, options, started),
    signal: options.signal,
  };

  let parts: RangeResult[];
  let workers = 1;
  let backend = FUSED_BACKEND;
  if (engine === "tfjs") {
    if (config.resample) {
      throw new RangeError(
        "resampling runs on the fused engine only (engine=fused); tfjs has none",
      );
    }
    const tf = await loadTf(options.backend ?? "wasm");
    backend = tf.getBackend();
    parts = [await runToyTfjs(tf, config, control)];
  } else if (engine === "fused") {
    workers = chooseWorkers(options.workers ?? "auto", {
      jobs: instances,
      work: instances * config.steps * stepCost(config),
      autoAbove: AUTO_WORKER_WORK,
    });
    parts = workers === 1
      ? [await runToyRange(config, { from: 0, to: instances }, control)]
      : await runInWorkers(config, workers, control);
    // The hot loop ran as WebAssembly SIMD where a range had a kernel (`_lanes.ts`).
    if (parts.some((q) => q.kernel)) backend = WASM_SIMD_BACKEND;
  } else {
    throw new RangeError(`engine must be fused|tfjs, got ${engine}`);
  }
  return {
    ...joinRanges(config, parts),
    engine,
    backend,
    workers,
    elapsedMs: performance.now() - started,
  };
}

/** Turns a range's progress into the run's {@link ToyProgress} for `options.onProgress`. */
function reporter(
  config: ToyTrainConfig,
  options: ToyRunOptions,
  started: number,
): (p: RangeProgress) => Promise<void> {
  return async ({ step, loss, etaMs }) => {
    if (!options.onProgress) return;
    let diverged = 0;
    for (const v of loss) if (Number.isNaN(v)) diverged++;
    await options.onProgress({
      step,
      steps: config.steps,
      loss,
      diverged,
      elapsedMs: performance.now() - started,
      etaMs,
    });
  };
}

/** The worker ranges' results as the run's. */
function joinRanges(config: ToyTrainConfig, parts: RangeResult[]): ToyTrainArrays {
  const { n, m, bias } = config.model;
  const final = {
    instances: config.seeds.length,
    n,
    m,
    bias,
    data: concatFlat(parts.map((q) => q.params)),
  };
  return concatRanges(parts.map((q) => ({ ...q, final })), final);
}

/** What a toy run computes for its instances: the arrays {@link concatRanges} joins. */
export type ToyTrainArrays = Pick<
  ToyTrainResult,
  "final" | "finalLoss" | "divergedAt" | "loss" | "snapshots" | "resample"
>;

/**
 * The arrays of consecutive instance ranges of one run (workers, shards), one
 * after the other: final losses, divergence steps and resampling measures are
 * `[count, …]` and join end to end; the loss and snapshot series join column
 * by column. `final` is the joined parameters (the caller knows how its
 * parts hold them). Throws when only some parts resampled: they are not
 * parts of one run.
 */
export function concatRanges(
  parts: Omit<ToyTrainArrays, "final">[],
  final: ToyTrainArrays["final"],
): ToyTrainArrays {
  const some = parts.filter((q) => q.resample).length;
  if (some !== 0 && some !== parts.length) {
    throw new Error("only some parts resampled: not parts of one run");
  }
  return {
    final,
    finalLoss: concatFlat(parts.map((q) => q.finalLoss)),
    divergedAt: concatFlat(parts.map((q) => q.divergedAt)),
    loss: concatSeriesColumns(parts.map((q) => q.loss)),
    snapshots: concatSeriesColumns(parts.map((q) => q.snapshots)),
    ...(some ? { resample: concatResampleStats(parts.map((q) => q.resample!)) } : {}),
  };
}

/** Resampling measures of consecutive instance ranges, one after the other: every field is `[count, …]`. */
function concatResampleStats(parts: ResampleStats[]): ResampleStats {
  const keys = Object.keys(parts[0]) as (keyof ResampleStats)[];
  return Object.fromEntries(
    keys.map((k) => [k, concatFlat(parts.map((q) => q[k] as Int32Array))]),
  ) as unknown as ResampleStats;
}

const WORKER_URL = new URL("./_worker.ts", import.meta.url);

/**
 * Trains `workers` contiguous instance ranges in worker threads, one job
 * each. The run reports a step once every range has reached it, with each
 * instance's latest loss and the slowest range's time left; a report that
 * throws stops every worker and the run rejects with its error.
 */
async function runInWorkers(
  config: ToyTrainConfig,
  workers: number,
  control: Omit<RangeControl, "shouldStop">,
): Promise<RangeResult[]> {
  const instances = config.seeds.length;
  const bounds = Array.from(
    { length: workers + 1 },
    (_, k) => Math.round((k * instances) / workers),
  );
  const ranges = bounds.slice(0, -1).map((from, k) => ({ from, to: bounds[k + 1] }));
  const loss = new Float64Array(instances).fill(NaN);
  const reached = new Array<number>(workers).fill(0);
  const eta = new Array<number>(workers).fill(NaN);
  let shown = 0;
  // runJobs awaits each report in order; one that throws stops every worker.
  const onProgress = (k: number, p: RangeProgress) => {
    loss.set(p.loss, bounds[k]);
    reached[k] = p.step;
    eta[k] = p.etaMs;
    const step = minOf(reached);
    if (step <= shown) return;
    shown = step;
    return control.report?.({ step, loss: loss.slice(), etaMs: maxOf(eta) });
  };
  return await runJobs<ToyRange, RangeResult, ToyShared, RangeProgress>(WORKER_URL, ranges, {
    workers,
    shared: { config, every: control.every, kernel: control.kernel ?? true },
    onProgress,
    signal: control.signal,
  });
}
