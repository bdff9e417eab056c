/**
 * Training NMF (Lee & Seung 2001) on the lab's one loop
 * (`core/train/loop.ts`): {@link fitNmf} is one fit, a `runLoop` whose step
 * is one multiplicative update of kernel.ts (unit "iteration") and whose
 * state is the factors and the objective trace; {@link fitNmfJobs} runs
 * several fits of one data matrix (say, two objectives from two
 * initialisations) through `core/train/workers.ts`, the data posted once to
 * each thread. The fits are independent and each runs start to finish in
 * one thread, so the numbers do not depend on how many workers there are or
 * which one ran which fit.
 *
 * With `checkpoint`, every fit has its own file (`fit-<job>.json`), saved
 * every `every` iterations, at its end and when the run is stopped; a stop
 * (the signal) lets every fit finish its span of iterations and save, then
 * rejects with one {@link TrainingInterrupted}. `resume` continues each fit
 * from its file (finished fits are not redone).
 *
 * There is no divergence check and no `divergeAbove` field: multiplicative
 * updates keep the factors nonnegative and never increase the objective
 * (Lee & Seung 2001, theorems 1 and 2; kernel_test.ts checks it at every
 * iteration), so a fit cannot blow up.
 *
 * @module
 */
import type { NmfData } from "./data.ts";
import { checkNmfShapes, nmfStep, nmfTrackedObjective, nmfWorkspace } from "./kernel.ts";
import { cloneFactors, type NmfFactors, type NmfObjective } from "./model.ts";
import { chooseWorkers } from "../../core/train/fused.ts";
import {
  type CheckpointOptions,
  fingerprint,
  TrainingInterrupted,
} from "../../core/train/checkpoint.ts";
import { type LoopOptions, runLoop } from "../../core/train/loop.ts";
import { runJobs } from "../../core/train/workers.ts";

/**
 * What {@link fitNmf} returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NmfFit } from "../../mod.ts";
 * const fit: NmfFit = {
 *   factors: { n: 1, d: 1, r: 1, W: Float64Array.of(1), Ht: Float64Array.of(2) },
 *   history: Float64Array.of(4, 0), // one iteration: before and after
 *   final: { frobenius: 0, kl: 0 },
 *   msPerIteration: 0.1,
 * };
 * assert.equal(fit.history.length, 2);
 * ```
 */
export interface NmfFit {
  /** The factors after the last iteration. */
  factors: NmfFactors;
  /** Objective after t iterations, t = 0 … iterations. */
  history: Float64Array;
  /** Both objectives at the final factors (whichever one was minimised). */
  final: Record<NmfObjective, number>;
  /** Wall time per iteration. */
  msPerIteration: number;
}

/**
 * Everything a fit changes as it runs: the loop saves and restores it whole
 * (the updates depend on the factors alone, so nothing else is needed to
 * continue bit-identically).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NmfFitState } from "../../mod.ts";
 * const state: NmfFitState = {
 *   factors: { n: 1, d: 1, r: 1, W: Float64Array.of(1), Ht: Float64Array.of(2) },
 *   history: Float64Array.of(4, 0, 0), // a fit of 2 iterations, 1 done
 * };
 * assert.equal(state.history.length, 3);
 * ```
 */
export interface NmfFitState {
  /** The factors after the iterations done (updated in place). */
  factors: NmfFactors;
  /**
   * `[iterations + 1]`: the objective before update t + 1 at entry t (set as
   * the updates run), and after the last one at the end (set when the fit returns).
   */
  history: Float64Array;
}

/**
 * What {@link fitNmf}'s `onProgress` hears.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NmfFitProgress } from "../../mod.ts";
 * const p: NmfFitProgress = { iteration: 5, iterations: 10, objective: 2.5, elapsedMs: 50, etaMs: 50 };
 * assert.equal(p.iteration / p.iterations, 0.5);
 * ```
 */
export interface NmfFitProgress {
  /** Updates done. */
  iteration: number;
  /** Updates of the fit. */
  iterations: number;
  /** The objective before the last of them. */
  objective: number;
  /** Wall time of the fit so far (including time before a resume). */
  elapsedMs: number;
  /** Estimated time left. */
  etaMs: number;
}

/**
 * How {@link fitNmf} runs: the objective and length decide the numbers; the
 * rest only watches, stops or saves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NmfFitOptions } from "../../mod.ts";
 * const options: NmfFitOptions = { objective: "kl", iterations: 10, progressEvery: 5 };
 * assert.equal(options.objective, "kl");
 * ```
 */
export interface NmfFitOptions {
  /** The objective to minimise. */
  objective: NmfObjective;
  /** Multiplicative-update iterations (an integer >= 0). */
  iterations: number;
  /** Hears where the fit stands after every span of iterations. */
  onProgress?: (p: NmfFitProgress) => void | Promise<void>;
  /** Iterations between progress reports and stop checks (default: a fiftieth of the fit). */
  progressEvery?: number;
  /** Stops the fit after its current span (saving first, with `checkpoint`). */
  signal?: AbortSignal;
  /** Polled like `signal` (workers read a shared flag). */
  shouldStop?: () => boolean;
  /** Saves the state as `name` in `dir` every `every` iterations, at the end and on a stop. */
  checkpoint?: LoopOptions["checkpoint"];
}

/**
 * Runs `iterations` multiplicative updates from `start` (which is copied) on
 * the core loop. `onProgress` hears every `progressEvery` iterations (and at
 * every checkpoint); an aborted `signal` (or `shouldStop()` returning true)
 * ends the fit after its current span: with `checkpoint` it saves and throws
 * a `TrainingInterrupted`, else it throws the signal's reason. A resumed fit
 * gives the same numbers as an unbroken one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitNmf, nmfData, nmfInit } from "../../mod.ts";
 * const data = nmfData([1, 2, 3, 4, 5, 6], 2, 3);
 * const start = nmfInit(data, { rank: 1, init: "random", seed: 0 });
 * const fit = await fitNmf(data, start, { objective: "frobenius", iterations: 50 });
 * assert.ok(fit.history[50] <= fit.history[0]);
 * ```
 */
export async function fitNmf(
  data: NmfData,
  start: NmfFactors,
  options: NmfFitOptions,
): Promise<NmfFit> {
  const { objective, iterations, checkpoint } = options;
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new RangeError(`iterations must be an integer >= 0, got ${iterations}`);
  }
  checkNmfShapes(data, start);
  const ws = nmfWorkspace(start); // scratch buffers only: nothing in them outlives an update
  const { state, elapsedMs } = await runLoop<NmfFitState>({
    steps: iterations,
    unit: "iteration",
    progressEvery: options.progressEvery ?? Math.max(1, Math.floor(iterations / 50)),
    init: () => ({ factors: cloneFactors(start), history: new Float64Array(iterations + 1) }),
    key: checkpoint && {
      objective,
      iterations,
      shape: [data.n, data.d, start.r],
      data: fingerprint(data.rowPtr, data.rowCol, data.rowVal),
      start: fingerprint(start.W, start.Ht),
    },
    advance: (s, { from, to }) => {
      for (let t = from; t < to; t++) s.history[t] = nmfStep(data, s.factors, objective, ws);
    },
    progress: (s, at) =>
      options.onProgress?.({
        iteration: at.step,
        iterations,
        objective: s.history[at.step - 1],
        elapsedMs: at.elapsedMs,
        etaMs: at.etaMs,
      }),
  }, { signal: options.signal, shouldStop: options.shouldStop, checkpoint });
  const { factors: f, history } = state;
  history[iterations] = nmfTrackedObjective(data, f, objective, ws);
  const other: NmfObjective = objective === "frobenius" ? "kl" : "frobenius";
  const final = {
    [objective]: history[iterations],
    [other]: nmfTrackedObjective(data, f, other, ws),
  } as Record<NmfObjective, number>;
  return {
    factors: f,
    history,
    final,
    msPerIteration: iterations > 0 ? elapsedMs / iterations : 0,
  };
}

/**
 * One fit to run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NmfJob } from "../../mod.ts";
 * const start = { n: 1, d: 1, r: 1, W: Float64Array.of(1), Ht: Float64Array.of(1) };
 * const job: NmfJob = { objective: "frobenius", start, iterations: 5 };
 * assert.equal(job.start.r, 1);
 * ```
 */
export interface NmfJob {
  /** The objective to minimise. */
  objective: NmfObjective;
  /** The starting factors (copied, never changed). */
  start: NmfFactors;
  /** Multiplicative-update iterations. */
  iterations: number;
}

/**
 * How to run the fits (never changes their numbers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NmfJobOptions } from "../../mod.ts";
 * const options: NmfJobOptions = { workers: 1, onProgress: (done, total) => void (done / total) };
 * assert.equal(options.workers, 1);
 * ```
 */
export interface NmfJobOptions {
  /** Worker threads: a number, or "auto" (2 when the work is large, else 1). */
  workers?: number | "auto";
  /** Hears the iterations done over all jobs, out of `total`. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
  /** Stops every fit after its current span (saving first, with `checkpoint`). */
  signal?: AbortSignal;
  /** Checkpoints of the fits (one file per job in `dir`). */
  checkpoint?: CheckpointOptions;
}

/**
 * A job as {@link fitNmfJob} takes it (and a worker is sent it): the fit and
 * its checkpoint file, if any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NmfJobRun } from "./train.ts";
 * const start = { n: 1, d: 1, r: 1, W: Float64Array.of(1), Ht: Float64Array.of(1) };
 * const run: NmfJobRun = {
 *   objective: "kl", start, iterations: 5,
 *   checkpoint: { dir: "/tmp/nmf", every: 5, resume: false, name: "fit-0" },
 * };
 * assert.equal(run.checkpoint?.name, "fit-0");
 * ```
 */
export interface NmfJobRun extends NmfJob {
  /** The fit's own checkpoint file. */
  checkpoint?: LoopOptions["checkpoint"];
}

/**
 * One job of {@link fitNmfJobs}, as the main thread and the workers run it:
 * {@link fitNmf} with the job's settings, telling `onIteration` the updates
 * done as it goes and once more at the end (a fit resumed finished reports
 * nothing on the way).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfData, nmfInit } from "../../mod.ts";
 * import { fitNmfJob } from "./train.ts";
 * const data = nmfData([1, 2, 0, 0, 1, 3], 2, 3);
 * const start = nmfInit(data, { rank: 1, init: "random", seed: 0 });
 * const heard: number[] = [];
 * await fitNmfJob(data, { objective: "kl", start, iterations: 2 }, {
 *   onIteration: (done) => void heard.push(done),
 * });
 * assert.deepEqual(heard, [1, 2, 2]);
 * ```
 */
export async function fitNmfJob(
  data: NmfData,
  job: NmfJobRun,
  hooks: Pick<NmfFitOptions, "signal" | "shouldStop"> & {
    onIteration: (done: number) => void | Promise<void>;
  },
): Promise<NmfFit> {
  const fit = await fitNmf(data, job.start, {
    objective: job.objective,
    iterations: job.iterations,
    signal: hooks.signal,
    shouldStop: hooks.shouldStop,
    checkpoint: job.checkpoint,
    onProgress: (p) => hooks.onIteration(p.iteration),
  });
  await hooks.onIteration(job.iterations);
  return fit;
}

/** Multiply-adds above which "auto" starts a second thread (about a second of work). */
const AUTO_WORKER_WORK = 1e9;

/** How the runs of {@link fitNmfJobs} report: `done[job]` is kept current, `tell` passes it on. */
interface JobsProgress {
  done: number[];
  tell: () => void | Promise<void>;
  signal?: AbortSignal;
}

/** The runs one after another on this thread. */
async function fitInTurn(data: NmfData, runs: NmfJobRun[], at: JobsProgress): Promise<NmfFit[]> {
  const fits: NmfFit[] = [];
  for (const [index, run] of runs.entries()) {
    const onIteration = (iteration: number) => {
      at.done[index] = iteration;
      return at.tell();
    };
    fits.push(await fitNmfJob(data, run, { signal: at.signal, onIteration }));
  }
  return fits;
}

/** The runs on `workers` threads, longest first (a KL iteration costs about two Frobenius ones). */
async function fitInWorkers(
  data: NmfData,
  runs: NmfJobRun[],
  at: JobsProgress & { workers: number },
): Promise<NmfFit[]> {
  const cost = (j: NmfJob) => j.iterations * (j.objective === "kl" ? 2 : 1);
  const order = runs.map((_, k) => k).sort((a, b) => cost(runs[b]) - cost(runs[a]) || a - b);
  // runJobs awaits each report in order; one that throws stops every worker.
  const results = await runJobs<NmfJobRun, NmfFit, NmfData, number>(
    new URL("./_worker.ts", import.meta.url),
    order.map((k) => runs[k]),
    {
      workers: at.workers,
      shared: data,
      signal: at.signal,
      onProgress: (i, iteration) => {
        at.done[order[i]] = iteration;
        return at.tell();
      },
    },
  );
  const fits = new Array<NmfFit>(runs.length);
  order.forEach((k, i) => (fits[k] = results[i]));
  return fits;
}

/**
 * Fits every job and returns the fits in job order, with the number of
 * threads used: with one thread the jobs run in turn here, with more they go
 * to worker threads (the data posted once to each), longest first, to
 * whichever is free. A stop rejects with one {@link TrainingInterrupted}
 * that counts the iterations done over all fits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitNmfJobs, nmfData, nmfInit } from "../../mod.ts";
 * const data = nmfData([1, 2, 0, 0, 1, 3], 2, 3);
 * const start = nmfInit(data, { rank: 1, init: "nndsvda", seed: 0 });
 * const jobs = [{ objective: "frobenius", start, iterations: 5 }, { objective: "kl", start, iterations: 5 }] as const;
 * const { fits, workers } = await fitNmfJobs(data, [...jobs], { workers: 1 });
 * assert.equal(workers, 1);
 * assert.ok(fits[1].final.kl <= fits[1].history[0]);
 * ```
 */
export async function fitNmfJobs(
  data: NmfData,
  jobs: NmfJob[],
  options: NmfJobOptions = {},
): Promise<{ fits: NmfFit[]; workers: number }> {
  const nnz = data.rowPtr[data.n];
  const workers = chooseWorkers(options.workers ?? "auto", {
    jobs: jobs.length,
    work: jobs.reduce((s, j) => s + 4 * nnz * j.start.r * j.iterations, 0),
    autoAbove: AUTO_WORKER_WORK,
  });
  const cp = options.checkpoint;
  const runs: NmfJobRun[] = jobs.map((job, index) => ({
    ...job,
    checkpoint: cp && { dir: cp.dir, every: cp.every, resume: cp.resume, name: `fit-${index}` },
  }));
  const total = jobs.reduce((s, j) => s + j.iterations, 0);
  const done = new Array<number>(jobs.length).fill(0);
  const doneSoFar = () => done.reduce((s, x) => s + x, 0);
  const at = { done, tell: () => options.onProgress?.(doneSoFar(), total), signal: options.signal };
  try {
    const fits = workers === 1
      ? await fitInTurn(data, runs, at)
      : await fitInWorkers(data, runs, { ...at, workers });
    return { fits, workers };
  } catch (err) {
    if (!(err instanceof TrainingInterrupted)) throw err;
    throw new TrainingInterrupted(`${doneSoFar()} of ${total} NMF iterations`, err.checkpointDir);
  }
}
