/**
 * Several NMF fits of one data matrix (say, two objectives from two
 * initialisations), spread over worker threads. The fits are independent and
 * each runs start to finish in one thread, so the numbers do not depend on
 * how many workers there are or which one ran which fit.
 *
 * With `checkpoint`, every fit saves its state (`fit-<job>.json`) every
 * `every` iterations, at its end and when the run is stopped; a stop (the
 * signal) asks every thread to finish its iteration, save and return, then
 * rejects with {@link TrainingInterrupted}. `resume` continues each fit from
 * its file (finished fits are not redone).
 *
 * @module
 */
import {
  fitNmf,
  type NmfData,
  type NmfFactors,
  type NmfFit,
  type NmfFitState,
  type NmfObjective,
} from "./model.ts";
import { abortError, chooseWorkers } from "../../core/train/fused.ts";
import {
  type CheckpointOptions,
  fingerprint,
  loadCheckpoint,
  saveCheckpoint,
  TrainingInterrupted,
} from "../../core/train/checkpoint.ts";

/** One fit to run. */
export interface NmfJob {
  objective: NmfObjective;
  start: NmfFactors;
  iterations: number;
}

/** How to run the fits (never changes their numbers). */
export interface NmfJobOptions {
  /** Worker threads: a number, or "auto" (2 when the work is large, else 1). */
  workers?: number | "auto";
  /** Hears the iterations done over all jobs, out of `total`. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
  signal?: AbortSignal;
  /** Checkpoints of the fits (one file per job in `dir`). */
  checkpoint?: CheckpointOptions;
}

/** Where a job's checkpoint goes and what it is stamped with (sent to workers as is). */
export interface NmfJobCheckpoint {
  dir: string;
  name: string;
  key: unknown;
  every: number;
}

/** Saves a fit's state as `cp` says (the worker and the main thread share it). */
export function nmfCheckpointSaver(cp: NmfJobCheckpoint) {
  return {
    every: cp.every,
    save: (state: NmfFitState) => saveCheckpoint(cp.dir, cp.name, { key: cp.key, state }),
  };
}

/** Multiply-adds above which "auto" starts a second thread (about a second of work). */
const AUTO_WORKER_WORK = 1e9;

type WorkerMessage =
  | { type: "progress"; index: number; iteration: number }
  | { type: "done"; index: number; fit: NmfFit }
  | { type: "stopped"; index: number }
  | { type: "error"; message: string };

/**
 * Fits every job and returns the fits in job order, with the number of
 * threads used. Jobs are handed out longest first (KL iterations cost about
 * twice Frobenius ones) to whichever worker is free.
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
  const total = jobs.reduce((s, j) => s + j.iterations, 0);
  const done = new Array<number>(jobs.length).fill(0);
  const every = (j: NmfJob) => Math.max(1, Math.floor(j.iterations / 50));
  const doneSoFar = () => done.reduce((s, x) => s + x, 0);
  const report = () => options.onProgress?.(doneSoFar(), total);
  const signal = options.signal;

  // Checkpoints: each job's file, its stamp, and (on resume) where it stood.
  const cp = options.checkpoint;
  const dataPrint = cp ? fingerprint(data.rowPtr, data.rowCol, data.rowVal) : "";
  const plans: (NmfJobCheckpoint | null)[] = jobs.map((job, index) =>
    cp
      ? {
        dir: cp.dir,
        name: `fit-${index}`,
        every: cp.every,
        key: {
          objective: job.objective,
          iterations: job.iterations,
          shape: [data.n, data.d, job.start.r],
          data: dataPrint,
          start: fingerprint(job.start.W, job.start.Ht),
        },
      }
      : null
  );
  const resumeFrom: (NmfFitState | null)[] = [];
  for (const plan of plans) {
    resumeFrom.push(
      plan && cp?.resume ? await loadCheckpoint<NmfFitState>(plan.dir, plan.name, plan.key) : null,
    );
  }
  resumeFrom.forEach((r, index) => (done[index] = r?.iteration ?? 0));
  const interrupted = () =>
    new TrainingInterrupted(
      `${doneSoFar()} of ${total} NMF iterations`,
      cp?.dir ?? null,
    );

  if (workers === 1) {
    const fits: NmfFit[] = [];
    for (const [index, job] of jobs.entries()) {
      try {
        fits.push(
          await fitNmf(data, job.start, {
            objective: job.objective,
            iterations: job.iterations,
            progressEvery: every(job),
            signal,
            resumeFrom: resumeFrom[index],
            checkpoint: plans[index] ? nmfCheckpointSaver(plans[index]) : undefined,
            onProgress: async (iteration) => {
              done[index] = iteration;
              await report();
              // Let an abort or a progress redraw through.
              await new Promise((r) => setTimeout(r, 0));
            },
          }),
        );
      } catch (err) {
        if (cp && signal?.aborted) throw interrupted();
        throw err;
      }
    }
    return { fits, workers };
  }

  const cost = (j: NmfJob) => j.iterations * (j.objective === "kl" ? 2 : 1);
  const queue = jobs.map((_, k) => k).sort((a, b) => cost(jobs[b]) - cost(jobs[a]) || a - b);
  const fits = new Array<NmfFit>(jobs.length);
  const threads: Worker[] = [];
  // Raised on a stop: each worker ends its fit after the current iteration.
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  let chain = Promise.resolve();
  try {
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal, "NMF"));
      let finished = 0;
      let busy = 0;
      let stopping = false;
      const settleStop = () => {
        if (stopping && busy === 0) reject(cp ? interrupted() : abortError(signal!, "NMF"));
      };
      signal?.addEventListener("abort", () => {
        stopping = true;
        Atomics.store(stopFlag, 0, 1);
        settleStop();
      }, { once: true });
      const next = (worker: Worker) => {
        const index = stopping ? undefined : queue.shift();
        if (index === undefined) return settleStop();
        const job = jobs[index];
        busy++;
        worker.postMessage({
          type: "job",
          index,
          objective: job.objective,
          start: job.start,
          iterations: job.iterations,
          every: every(job),
          checkpoint: plans[index],
          resumeFrom: resumeFrom[index],
        });
      };
      for (let k = 0; k < workers; k++) {
        const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, {
          type: "module",
        });
        threads.push(worker);
        worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
          const msg = event.data;
          if (msg.type === "progress") {
            done[msg.index] = msg.iteration;
            chain = chain.then(report).catch(reject);
          } else if (msg.type === "done") {
            busy--;
            fits[msg.index] = msg.fit;
            done[msg.index] = jobs[msg.index].iterations;
            if (++finished === jobs.length) resolve();
            else next(worker);
          } else if (msg.type === "stopped") {
            busy--;
            settleStop();
          } else {
            reject(new Error(`NMF worker ${k} failed: ${msg.message}`));
          }
        };
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`NMF worker ${k} crashed: ${e.message}`));
        };
        worker.postMessage({ type: "data", data, stopFlag });
        next(worker);
      }
    });
    await chain;
  } finally {
    for (const w of threads) w.terminate();
  }
  return { fits, workers };
}
