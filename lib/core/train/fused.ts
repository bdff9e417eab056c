/**
 * What the fused (plain-JavaScript, float64) trainers share: the backend name
 * they report, how many worker threads a run gets, and the error a stopped
 * run throws. Worker counts never change a run's numbers; they only split
 * independent instances (or fits) between threads.
 *
 * @module
 */

/** What `backend` says for a fused engine: plain JavaScript in float64, no tfjs. */
export const FUSED_BACKEND = "js-float64";

/** What `backend` says for a fused engine whose loops run as WebAssembly SIMD (float64). */
export const WASM_SIMD_BACKEND = "wasm-simd-float64";

/**
 * Worker threads for a run of `jobs` independent pieces: a number as asked
 * (at most one per job), or with "auto" a second thread when `work` reaches
 * `autoAbove` (in the caller's unit of work) and the machine has two cores.
 */
export function chooseWorkers(
  requested: number | "auto",
  run: { jobs: number; work: number; autoAbove: number },
): number {
  const { jobs, work, autoAbove } = run;
  if (requested === "auto") {
    const cores = navigator.hardwareConcurrency ?? 1;
    return work < autoAbove ? 1 : Math.max(1, Math.min(2, cores, jobs));
  }
  if (!Number.isInteger(requested) || requested < 1) {
    throw new RangeError(`workers must be an integer >= 1 or "auto", got ${requested}`);
  }
  return Math.max(1, Math.min(requested, jobs));
}
