/**
 * Learning-rate schedules as a factor on each update's rate. The one the lab
 * has is the warm-up and cosine decay of Anthropic's "Superposition,
 * Memorization, and Double Descent" (2023): the rate rises linearly over the
 * first `warmup` updates and then falls along half a cosine to zero at the
 * last. The convention is that of PyTorch's `LambdaLR` with the common
 * `get_cosine_schedule_with_warmup` factor: update k (counting from 0) runs at
 * lr · f(k), with
 *
 *   f(k) = k / warmup                                        for k < warmup
 *   f(k) = ½·(1 + cos(π · (k − warmup) / (steps − warmup)))  otherwise,
 *
 * so the first update has rate 0 and the factor reaches 0 at k = steps. With
 * AdamW the factor scales the decoupled weight decay too, as a scheduler
 * changing the group's `lr` does in PyTorch.
 *
 * @module
 */

/** A learning-rate schedule: the factor of every update's rate. */
export interface WarmupCosine {
  /** Tags the schedule. */
  kind: "warmup-cosine";
  /** Updates of linear warm-up from 0. */
  warmup: number;
}

/**
 * The factor of update k (from 0) of `steps` under a warm-up-and-cosine schedule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { warmupCosineFactor } from "./schedule.ts";
 * const s = { kind: "warmup-cosine", warmup: 10 } as const;
 * assert.equal(warmupCosineFactor(s, 0, 110), 0);
 * assert.equal(warmupCosineFactor(s, 5, 110), 0.5);
 * assert.equal(warmupCosineFactor(s, 10, 110), 1);
 * assert.ok(Math.abs(warmupCosineFactor(s, 60, 110) - 0.5) < 1e-15);
 * assert.ok(Math.abs(warmupCosineFactor(s, 110, 110)) < 1e-15);
 * ```
 */
export function warmupCosineFactor(schedule: WarmupCosine, k: number, steps: number): number {
  const { warmup } = schedule;
  if (k < warmup) return k / warmup;
  const progress = (k - warmup) / Math.max(1, steps - warmup);
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** The factors of updates 0 … steps − 1, once per run (`[steps]`). */
export function scheduleFactors(schedule: WarmupCosine, steps: number): Float64Array {
  const out = new Float64Array(steps);
  for (let k = 0; k < steps; k++) out[k] = warmupCosineFactor(schedule, k, steps);
  return out;
}

/** Throws a RangeError naming what is wrong with a schedule for a run of `steps` updates. */
export function validateSchedule(schedule: WarmupCosine, steps: number): void {
  if (schedule.kind !== "warmup-cosine") {
    throw new RangeError(`schedule.kind must be "warmup-cosine", got ${String(schedule.kind)}`);
  }
  const { warmup } = schedule;
  if (!Number.isInteger(warmup) || warmup < 0 || warmup >= steps) {
    throw new RangeError(`schedule.warmup must be an integer in [0, ${steps - 1}], got ${warmup}`);
  }
}
