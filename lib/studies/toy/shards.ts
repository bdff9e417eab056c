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
import type { Series } from "../../core/train/history.ts";
import type { ResampleStats, ToyTrainResult } from "./config.ts";
import type { ClassifiedSweep, OutcomeTimeline } from "./analysis.ts";

type Typed = Float64Array | Float32Array | Int32Array | Uint8Array;

/** The arrays one after the other, in a new array of the first one's kind. */
function concat<T extends Typed>(arrays: T[]): T {
  const Ctor = arrays[0].constructor as { new (length: number): T };
  const out = new Ctor(arrays.reduce((s, a) => s + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a as never, at);
    at += a.length;
  }
  return out;
}

/** Row-major `[rows, width_p]` arrays side by side: `[rows, Σ width_p]`. */
function concatRows<T extends Typed>(arrays: T[], widths: number[], rows: number): T {
  const Ctor = arrays[0].constructor as { new (length: number): T };
  const total = widths.reduce((s, w) => s + w, 0);
  const out = new Ctor(rows * total);
  for (let r = 0; r < rows; r++) {
    let at = r * total;
    arrays.forEach((a, p) => {
      out.set(a.subarray(r * widths[p], (r + 1) * widths[p]) as never, at);
      at += widths[p];
    });
  }
  return out;
}

function sameSteps(steps: number[][], what: string): number[] {
  const [first] = steps;
  for (const s of steps) {
    if (s.length !== first.length || s.some((v, i) => v !== first[i])) {
      throw new Error(`the parts recorded ${what} at different steps: not parts of one run`);
    }
  }
  return first;
}

/** Series of the parts' instances side by side (`perInstance` values each). */
function concatSeries(parts: Series[], instances: number[], perInstance: number): Series {
  const steps = sameSteps(parts.map((s) => s.steps), "a series");
  parts.forEach((s, p) => {
    if (s.width !== instances[p] * perInstance) {
      throw new Error(`a part's series is ${s.width} wide, not ${instances[p]} × ${perInstance}`);
    }
  });
  const widths = parts.map((s) => s.width);
  return {
    width: widths.reduce((s, w) => s + w, 0),
    steps: [...steps],
    values: concatRows(parts.map((s) => s.values), widths, steps.length),
  };
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
  const instances = parts.map((p) => p.final.instances);
  const { n, m, bias } = parts[0].final;
  if (parts.some((p) => p.final.n !== n || p.final.m !== m || p.final.bias !== bias)) {
    throw new Error("the parts are models of different shapes: not parts of one run");
  }
  const perInstance = parts[0].final.data.length / instances[0];
  const resample = parts.every((p) => p.resample)
    ? concatResample(parts.map((p) => p.resample!))
    : undefined;
  if (!resample && parts.some((p) => p.resample)) {
    throw new Error("only some parts resampled: not parts of one run");
  }
  return {
    final: {
      instances: instances.reduce((s, c) => s + c, 0),
      n,
      m,
      bias,
      data: concat(parts.map((p) => p.final.data)),
    },
    finalLoss: concat(parts.map((p) => p.finalLoss)),
    divergedAt: concat(parts.map((p) => p.divergedAt)),
    loss: concatSeries(parts.map((p) => p.loss), instances, 1),
    snapshots: concatSeries(parts.map((p) => p.snapshots), instances, perInstance),
    engine: parts[0].engine,
    backend: parts[0].backend,
    workers: Math.max(...parts.map((p) => p.workers)),
    elapsedMs: parts.reduce((s, p) => s + p.elapsedMs, 0),
    ...(resample ? { resample } : {}),
  };
}

/** Resampling statistics: every field is instance-major (`[count, …]`). */
function concatResample(parts: ResampleStats[]): ResampleStats {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(parts[0]) as (keyof ResampleStats)[]) {
    out[key] = ArrayBuffer.isView(parts[0][key])
      ? concat(parts.map((p) => p[key] as Typed))
      : parts[0][key];
  }
  return out as unknown as ResampleStats;
}

/** The outcome timelines of the parts' instances side by side. */
export function concatTimelines(parts: OutcomeTimeline[]): OutcomeTimeline {
  const steps = sameSteps(parts.map((t) => t.steps), "outcomes");
  const widths = parts.map((t) => t.instances);
  const rows = steps.length;
  return {
    steps: [...steps],
    instances: widths.reduce((s, w) => s + w, 0),
    codes: concatRows(parts.map((t) => t.codes), widths, rows),
    symmetricFailure: concatRows(parts.map((t) => t.symmetricFailure), widths, rows),
    settled: concatRows(parts.map((t) => t.settled), widths, rows),
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
