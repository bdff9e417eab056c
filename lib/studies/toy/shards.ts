/**
 * Putting the parts of a sharded toy sweep back together (see
 * `lib/core/shard.ts`): each part is the result of the same run on a range of
 * the instances, so the whole run's result is the parts' instances side by
 * side, in order. Arrays laid out instance-major (`[instances, …]`) are
 * concatenated; step-major ones (`[rows, instances]`: the loss and snapshot
 * series, the outcome timeline) are concatenated row by row. The parts must
 * agree on everything that is not per instance (recorded steps, widths per
 * instance); a disagreement means they are not parts of one run, and throws.
 *
 * @module
 */
import { concatColumns, concatSeriesColumns } from "../../core/train/history.ts";
import type { ToyTrainResult } from "./config.ts";
import type { ClassifiedSweep, OutcomeTimeline } from "./analysis.ts";
import { concatToyParams } from "./model.ts";
import { concatResampleStats } from "./train.ts";

/** One-dimensional arrays one after the other (a single row of columns). */
function join<T extends Float64Array | Int32Array>(arrays: T[]): T {
  return concatColumns(arrays, arrays.map((a) => a.length), 1);
}

/**
 * The training result of all the parts' instances, in part order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainToy } from "./train.ts";
 * import { concatTrainResults } from "./shards.ts";
 * import { TOY_TRAIN_DEFAULTS, toyTrainConfig } from "./experiments/common.ts";
 * const settings = { ...TOY_TRAIN_DEFAULTS, steps: 20 };
 * const run = (seeds: number[]) =>
 *   trainToy(toyTrainConfig(settings, { n: 3, m: 2, seeds }), { workers: 1 });
 * const whole = await run([1, 2, 3]);
 * const merged = concatTrainResults([await run([1]), await run([2, 3])]);
 * assert.deepEqual(merged.final.data, whole.final.data);
 * assert.deepEqual(merged.loss.values, whole.loss.values);
 * ```
 */
export function concatTrainResults(parts: ToyTrainResult[]): ToyTrainResult {
  const some = parts.filter((p) => p.resample).length;
  if (some !== 0 && some !== parts.length) {
    throw new Error("only some parts resampled: not parts of one run");
  }
  return {
    final: concatToyParams(parts.map((p) => p.final)),
    finalLoss: join(parts.map((p) => p.finalLoss)),
    divergedAt: join(parts.map((p) => p.divergedAt)),
    loss: concatSeriesColumns(parts.map((p) => p.loss)),
    snapshots: concatSeriesColumns(parts.map((p) => p.snapshots)),
    engine: parts[0].engine,
    backend: parts[0].backend,
    workers: Math.max(...parts.map((p) => p.workers)),
    elapsedMs: parts.reduce((s, p) => s + p.elapsedMs, 0),
    ...(some ? { resample: concatResampleStats(parts.map((p) => p.resample!)) } : {}),
  };
}

/** The outcome timelines of the parts' instances side by side. */
export function concatTimelines(parts: OutcomeTimeline[]): OutcomeTimeline {
  const [first] = parts;
  if (
    parts.some((t) =>
      t.steps.length !== first.steps.length || t.steps.some((v, k) => v !== first.steps[k])
    )
  ) {
    throw new Error("the parts recorded outcomes at different steps: not parts of one run");
  }
  const widths = parts.map((t) => t.instances);
  const join = (key: "codes" | "symmetricFailure" | "settled") =>
    concatColumns(parts.map((t) => t[key]), widths, first.steps.length);
  return {
    steps: [...first.steps],
    instances: widths.reduce((s, w) => s + w, 0),
    codes: join("codes"),
    symmetricFailure: join("symmetricFailure"),
    settled: join("settled"),
  };
}

/** A classified sweep of all the parts' seeds, in part order. */
export function concatClassifiedSweeps(parts: ClassifiedSweep[]): ClassifiedSweep {
  return {
    seeds: parts.flatMap((p) => p.seeds),
    train: concatTrainResults(parts.map((p) => p.train)),
    outcomes: parts.flatMap((p) => p.outcomes),
    timeline: concatTimelines(parts.map((p) => p.timeline)),
  };
}
