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
import { toyParamCount, validateToyModel } from "./model.ts";
import { validateOptimizer } from "../../core/optim/config.ts";
import { MAX_SEED } from "../../core/random.ts";
import { loadTf, type TfBackend } from "../../core/tf.ts";
import { abortError, chooseWorkers, FUSED_BACKEND } from "../../core/train/fused.ts";
import { concatSeriesColumns } from "../../core/train/history.ts";
import { type RangeResult, runToyRange } from "./_train_fused.ts";
import { runToyTfjs } from "./_train_tfjs.ts";
import type { ToyEngine, ToyProgress, ToyTrainConfig, ToyTrainResult } from "./config.ts";

/** How to run a toy training run (does not change its numbers, except the engine). */
export interface ToyRunOptions {
  engine?: ToyEngine;
  /** tfjs backend for `engine: "tfjs"`. */
  backend?: TfBackend;
  /** Worker threads for the fused engine: a number, or "auto" (2 for large runs, else 1). */
  workers?: number | "auto";
  /** Called every `progressEvery` steps and at the end. */
  onProgress?: (p: ToyProgress) => void | Promise<void>;
  progressEvery?: number;
  /** Stops the run (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** Throws a RangeError naming the first invalid setting of a run. */
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

const AUTO_WORKER_WORK = 4e6; // instance-steps above which a second thread pays off

/** Trains every instance of `config` and returns the run's history and final state. */
export async function trainToy(
  config: ToyTrainConfig,
  options: ToyRunOptions = {},
): Promise<ToyTrainResult> {
  validateToyTrain(config);
  const engine = options.engine ?? "fused";
  const every = options.progressEvery ?? Math.max(1, Math.floor(config.steps / 50));
  const instances = config.seeds.length;
  const started = performance.now();
  const signal = options.signal;
  const emit = async (step: number, loss: Float64Array) => {
    if (signal?.aborted) throw abortError(signal);
    if (!options.onProgress) return;
    let diverged = 0;
    for (const v of loss) if (Number.isNaN(v)) diverged++;
    await options.onProgress({
      step,
      steps: config.steps,
      loss,
      diverged,
      elapsedMs: performance.now() - started,
    });
  };

  let parts: RangeResult[];
  let workers = 1;
  let backend = FUSED_BACKEND;
  if (engine === "tfjs") {
    const tf = await loadTf(options.backend ?? "wasm");
    backend = tf.getBackend();
    parts = [await runToyTfjs(tf, config, { every, report: (p) => emit(p.step, p.loss) })];
  } else if (engine === "fused") {
    workers = chooseWorkers(options.workers ?? "auto", {
      jobs: instances,
      work: instances * config.steps,
      autoAbove: AUTO_WORKER_WORK,
    });
    if (workers === 1) {
      parts = [
        await runToyRange(config, { from: 0, to: instances }, {
          every,
          report: async (p) => {
            await emit(p.step, p.loss);
            await new Promise((r) => setTimeout(r, 0));
          },
        }),
      ];
    } else {
      parts = await runInWorkers(config, workers, every, emit, signal);
    }
  } else {
    throw new RangeError(`engine must be fused|tfjs, got ${engine}`);
  }

  const p = toyParamCount(config.model);
  const data = new Float64Array(instances * p);
  const finalLoss = new Float64Array(instances);
  const divergedAt = new Int32Array(instances);
  let off = 0;
  for (const part of parts) {
    const count = part.finalLoss.length;
    data.set(part.params, off * p);
    finalLoss.set(part.finalLoss, off);
    divergedAt.set(part.divergedAt, off);
    off += count;
  }
  const { n, m, bias } = config.model;
  return {
    final: { instances, n, m, bias, data },
    finalLoss,
    divergedAt,
    loss: concatSeriesColumns(parts.map((q) => q.loss)),
    snapshots: concatSeriesColumns(parts.map((q) => q.snapshots)),
    engine,
    backend,
    workers,
    elapsedMs: performance.now() - started,
  };
}

type WorkerMessage =
  | { type: "progress"; step: number; loss: Float64Array }
  | { type: "done"; result: RangeResult }
  | { type: "error"; message: string };

async function runInWorkers(
  config: ToyTrainConfig,
  workers: number,
  every: number,
  emit: (step: number, loss: Float64Array) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<RangeResult[]> {
  const instances = config.seeds.length;
  const bounds = Array.from(
    { length: workers + 1 },
    (_, k) => Math.round((k * instances) / workers),
  );
  const latest = new Float64Array(instances).fill(NaN);
  const steps = new Array<number>(workers).fill(0);
  let lastEmitted = 0;
  const threads: Worker[] = [];
  let chain = Promise.resolve();
  try {
    const results = await Promise.all(
      Array.from({ length: workers }, (_, k) =>
        new Promise<RangeResult>((resolve, reject) => {
          const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, {
            type: "module",
          });
          threads.push(worker);
          const onAbort = () => reject(abortError(signal!));
          signal?.addEventListener("abort", onAbort, { once: true });
          worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
            const msg = event.data;
            if (msg.type === "progress") {
              latest.set(msg.loss, bounds[k]);
              steps[k] = msg.step;
              const step = Math.min(...steps);
              if (step > lastEmitted) {
                lastEmitted = step;
                const snapshot = latest.slice();
                chain = chain.then(() => emit(step, snapshot)).catch(reject);
              }
            } else if (msg.type === "done") {
              signal?.removeEventListener("abort", onAbort);
              resolve(msg.result);
            } else {
              reject(new Error(`worker ${k} failed: ${msg.message}`));
            }
          };
          worker.onerror = (e) => {
            e.preventDefault();
            reject(new Error(`worker ${k} crashed: ${e.message}`));
          };
          worker.postMessage({ config, from: bounds[k], to: bounds[k + 1], progressEvery: every });
        })),
    );
    await chain;
    return results;
  } finally {
    for (const w of threads) w.terminate();
  }
}
