/**
 * One worker plumbing for every study that spreads independent instances
 * over threads (toy sweeps, the step autoencoder's variants, NMF fits).
 *
 * The main thread calls {@link runJobs} with a worker module and a list of
 * jobs; up to `workers` threads each take the next job as soon as they are
 * free, so results never depend on the number of threads — each job is
 * computed the same way wherever it runs, and results come back in job order.
 * The first jobs go out once every thread has loaded, so threads start
 * together and progress (the least step over the jobs) stays meaningful.
 * The worker module calls {@link serveJobs} with a handler that computes one
 * job.
 *
 * Stopping: a busy worker cannot read messages, so a stop raises a flag in
 * shared memory that the handler polls through `shouldStop` (pass it to
 * `runLoop`); a handler that saved its checkpoint and stopped throws
 * {@link TrainingInterrupted}, which reaches the caller as one
 * TrainingInterrupted once every worker has stopped.
 *
 * @module
 */
import { CheckpointError, TrainingInterrupted } from "./checkpoint.ts";
import { WriteError } from "../io.ts";
import { abortError } from "./loop.ts";

/** What a job handler can do besides computing. */
export interface JobContext<P> {
  /** Which job this is (its index in the caller's list). */
  index: number;
  /** Sends progress to the main thread. */
  progress: (payload: P) => void;
  /** True once the main thread asked every worker to stop. */
  shouldStop: () => boolean;
}

type ToWorker<S, J> =
  | { type: "shared"; shared: S; stop: Int32Array }
  | { type: "job"; index: number; job: J };

type FromWorker<R, P> =
  | { type: "ready" }
  | { type: "progress"; index: number; payload: P }
  | { type: "done"; index: number; result: R }
  | { type: "stopped"; index: number; where: string; checkpointDir: string | null }
  | { type: "error"; index: number; name: string; message: string };

/** How to run a list of jobs. */
export interface JobsOptions<S, P> {
  /** Threads to use (at most one per job). */
  workers: number;
  /** Sent once to every worker before its first job (large shared inputs). */
  shared?: S;
  /**
   * Progress from job `index`. Calls are awaited in order; one that throws
   * stops every worker and `runJobs` rejects with its error.
   */
  onProgress?: (index: number, payload: P) => void | Promise<void>;
  /** Stops every worker at its next check. */
  signal?: AbortSignal;
}

/**
 * Runs `jobs` in worker threads of module `url` (which calls {@link serveJobs})
 * and returns their results in job order.
 *
 * @example
 * ```ts ignore
 * const results = await runJobs<number, number>(new URL("./_worker.ts", import.meta.url), [1, 2, 3], {
 *   workers: 2,
 * });
 * ```
 */
export async function runJobs<J, R, S = undefined, P = unknown>(
  url: URL,
  jobs: J[],
  options: JobsOptions<S, P>,
): Promise<R[]> {
  const results = new Array<R>(jobs.length);
  if (jobs.length === 0) return results;
  const threads = Math.max(1, Math.min(options.workers, jobs.length));
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const onAbort = () => Atomics.store(stop, 0, 1);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const pool: Worker[] = [];
  let next = 0;
  let interrupted: TrainingInterrupted | null = null;
  let reports: Promise<void> = Promise.resolve();
  let reportError: unknown = null;
  // Jobs start once every thread has loaded its module (which can take seconds when Deno
  // type-checks it), so that no thread runs far ahead of the others.
  const waiting: (() => void)[] = [];
  const ready = (start: () => void) => {
    waiting.push(start);
    if (waiting.length === threads) { for (const go of waiting) go(); }
  };
  try {
    await Promise.all(
      Array.from({ length: threads }, (_, k) =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(url.href, { type: "module" });
          pool.push(worker);
          const give = () => {
            if (next >= jobs.length || interrupted) return resolve();
            const index = next++;
            worker.postMessage({ type: "job", index, job: jobs[index] } satisfies ToWorker<S, J>);
          };
          worker.onmessage = (event: MessageEvent<FromWorker<R, P>>) => {
            const msg = event.data;
            if (msg.type === "ready") ready(give);
            else if (msg.type === "progress") {
              reports = reports
                .then(() => reportError ? undefined : options.onProgress?.(msg.index, msg.payload))
                .catch((err) => {
                  reportError ??= err;
                  onAbort();
                });
            } else if (msg.type === "done") {
              results[msg.index] = msg.result;
              give();
            } else if (msg.type === "stopped") {
              interrupted ??= new TrainingInterrupted(msg.where, msg.checkpointDir);
              resolve();
            } else if (Atomics.load(stop, 0) === 1) {
              // The job gave up because of a stop (it had no checkpoint to save).
              resolve();
            } else {
              onAbort();
              // The errors the CLI answers in one line keep their class across the thread.
              reject(
                msg.name === "CheckpointError"
                  ? new CheckpointError(msg.message)
                  : msg.name === "WriteError"
                  ? new WriteError(msg.message)
                  : new Error(`worker ${k}: ${msg.message}`),
              );
            }
          };
          worker.onerror = (e) => {
            e.preventDefault();
            onAbort();
            reject(new Error(`worker ${k} crashed: ${e.message}`));
          };
          worker.postMessage(
            { type: "shared", shared: options.shared as S, stop } satisfies ToWorker<S, J>,
          );
        })),
    );
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    for (const w of pool) w.terminate();
  }
  await reports;
  if (reportError) throw reportError;
  if (interrupted) throw interrupted;
  if (options.signal?.aborted) throw abortError(options.signal);
  return results;
}

/**
 * The worker side of {@link runJobs}: computes each job it is sent with
 * `handler` and posts the result back (with `transfer(result)` moved, not
 * copied).
 *
 * @example
 * ```ts ignore
 * // _worker.ts
 * serveJobs<number, number>((job) => job * job);
 * ```
 */
export function serveJobs<J, R, S = undefined, P = unknown>(
  handler: (job: J, context: JobContext<P> & { shared: S }) => R | Promise<R>,
  transfer: (result: R) => Transferable[] = () => [],
): void {
  // The worker's global scope, typed by what is used here (this module is type-checked with
  // main-thread code, so it cannot take the worker lib's `self`).
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent<ToWorker<S, J>>) => void) | null;
    postMessage: (message: FromWorker<R, P>, transfer: Transferable[]) => void;
  };
  let shared: S;
  let stop: Int32Array | null = null;
  scope.onmessage = async (event) => {
    const msg = event.data;
    if (msg.type === "shared") {
      shared = msg.shared;
      stop = msg.stop;
      scope.postMessage({ type: "ready" }, []);
      return;
    }
    const { index } = msg;
    const post = (m: FromWorker<R, P>, t: Transferable[] = []) => scope.postMessage(m, t);
    try {
      const result = await handler(msg.job, {
        index,
        shared,
        progress: (payload) => post({ type: "progress", index, payload }),
        shouldStop: () => stop !== null && Atomics.load(stop, 0) === 1,
      });
      post({ type: "done", index, result }, transfer(result));
    } catch (err) {
      if (err instanceof TrainingInterrupted) {
        post({ type: "stopped", index, where: err.where, checkpointDir: err.checkpointDir });
      } else {
        post({
          type: "error",
          index,
          name: err instanceof Error ? err.name : "Error",
          message: err instanceof Error ? err.message : String(err),
        });
      }
    }
  };
}
