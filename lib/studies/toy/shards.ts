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
import { concatColumns } from "../../core/train/history.ts";
import { WASM_SIMD_BACKEND } from "../../core/train/fused.ts";
import type { ToyTrainResult } from "./config.ts";
import type { ClassifiedSweep, OutcomeTimeline } from "./analysis.ts";
import { concatToyParams } from "./model.ts";
import { concatRanges } from "./train.ts";

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
  return {
    ...concatRanges(parts, concatToyParams(parts.map((p) => p.final))),
    engine: parts[0].engine,
    // As trainToy says it: the wasm kernels ran when any range of the run had one.
    backend: parts.find((p) => p.backend === WASM_SIMD_BACKEND)?.backend ?? parts[0].backend,
    workers: Math.max(...parts.map((p) => p.workers)),
    elapsedMs: parts.reduce((s, p) => s + p.elapsedMs, 0),
  };
}

/** The outcome timelines of the parts' instances side by side. */
function concatTimelines(parts: OutcomeTimeline[]): OutcomeTimeline {
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
