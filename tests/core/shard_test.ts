/**
 * Shards never change numbers: for every experiment that can be sharded, a
 * whole run and its parts (each computed alone, written to exact JSON and read
 * back, as `reproduce --shard` and `merge` do) merged give the same tables,
 * summary and figure specs. Also the `--shard` parser, the ranges, and the
 * refusals of shard sets that are not one whole sweep.
 */
import assert from "node:assert/strict";
import { type AnyExperiment, configure } from "../../lib/core/experiment.ts";
import { findExperiment } from "../../lib/registry.ts";
import {
  concatRowParts,
  parseShard,
  shardRange,
  shardSetProblem,
  type ShardStamp,
} from "../../lib/core/shard.ts";
import { fromExactJson, toExactJson } from "../../lib/core/io.ts";
import type { Value } from "../../lib/core/config.ts";

/** Summary keys that hold timing (the convention of tables_same.py): they differ run to run. */
const TIMING = /ms_|seconds|elapsed/;

/** Tables as CSV, the summary (timing aside) and the figure specs as JSON. */
function outputs(e: AnyExperiment, result: unknown, config: Record<string, Value>) {
  const a = e.artefacts(result, config);
  return {
    tables: Object.fromEntries(Object.entries(a.tables).map(([k, t]) => [k, t.toCSV()])),
    summary: JSON.stringify(a.summary, (key, v) => TIMING.test(key) ? undefined : v),
    figures: JSON.stringify(a.figures),
    // Measured cost is timing, which differs between any two runs.
    notes: a.notes.map((n) => n.replace(/costs [\d.]+ ms/, "costs … ms")),
  };
}

/** Whole run against `shards` parts merged, for experiment `id` at `overrides` (smoke profile). */
async function wholeAgainstShards(id: string, overrides: Record<string, Value>, shards: number) {
  const e = findExperiment(id)!;
  const spec = e.shard!;
  const config = configure(e, overrides, "smoke") as Record<string, Value>;
  const whole = await e.run(config, { workers: 1 });
  const total = spec.instances(config);
  const parts = [];
  for (let index = 0; index < shards; index++) {
    const { lo, hi } = shardRange(total, { index, count: shards });
    const part = await e.run(config, { workers: 2, range: { lo, hi } });
    parts.push(fromExactJson(toExactJson(part)));
  }
  const merged = spec.merge(parts as never[], config);
  const [got, want] = [outputs(e, merged, config), outputs(e, whole, config)];
  for (const key of ["tables", "summary", "figures", "notes"] as const) {
    assert.deepEqual(got[key], want[key], `${id}, ${shards} shards: the ${key} differ`);
  }
}

Deno.test("toy-seed-sweep: 3 shards of seeds merge into the whole run's tables and figures", async () => {
  await wholeAgainstShards("toy-seed-sweep", { seeds: 10, steps: 300 }, 3);
  // Enough seeds that the whole sweep keeps fewer snapshots than a shard of it alone would.
  await wholeAgainstShards("toy-seed-sweep", { seeds: 4000, steps: 400 }, 2);
});

Deno.test("toy-failure-survey: shards of (n, optimizer) jobs merge into the whole run's", async () => {
  await wholeAgainstShards(
    "toy-failure-survey",
    { seeds: 3, steps: 300, optimizers: "sgd,adam" },
    3,
  );
});

Deno.test("toy-chaos: shards of cells merge into the whole run's", async () => {
  await wholeAgainstShards("toy-chaos", { deltas: 3, lrs: 3, steps: 200 }, 4);
});

Deno.test("toy-resampling: shards of jobs merge into the whole run's", async () => {
  await wholeAgainstShards("toy-resampling", { ns: "5,6", seeds: 3, steps: 400 }, 2);
});

Deno.test("step-ae-remedies: shards of variants merge into the whole run's", async () => {
  await wholeAgainstShards(
    "step-ae-remedies",
    { n: 9, epochs: 300, seeds: 2, remedies: "baseline,adam,linear-start" },
    4,
  );
});

Deno.test("parseShard() reads i/N, Slurm's and Kubernetes' task numbers, and refuses the rest", () => {
  assert.deepEqual(parseShard(" 0/1 ", {}), { index: 0, count: 1 });
  const slurm = {
    SLURM_ARRAY_TASK_ID: "5",
    SLURM_ARRAY_TASK_COUNT: "4",
    SLURM_ARRAY_TASK_MIN: "2",
  };
  assert.deepEqual(parseShard("auto", slurm), { index: 3, count: 4 });
  assert.deepEqual(parseShard("auto/3", { JOB_COMPLETION_INDEX: "2" }), { index: 2, count: 3 });
  assert.deepEqual(parseShard("auto/3", { SLURM_ARRAY_TASK_ID: "1" }), { index: 1, count: 3 });
  for (
    const [text, env, why] of [
      ["3", {}, /--shard 3: is not of the form i\/N; use i\/N/],
      ["1/0", {}, /the count must be at least 1/],
      ["-1/4", {}, /is not of the form i\/N/],
      ["4/4", {}, /the index must be below the count/],
      ["auto", {}, /needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT .*got null and null/],
      ["auto", { SLURM_ARRAY_TASK_ID: "x", SLURM_ARRAY_TASK_COUNT: "2" }, /got "x" and "2"/],
      ["auto/4", { JOB_COMPLETION_INDEX: "4" }, /the index must be below the count/],
      ["auto/4", {}, /needs JOB_COMPLETION_INDEX/],
      ["auto/x", {}, /N must be a whole number/],
      ["1/1000001", {}, /is not of the form/],
    ] as const
  ) {
    assert.throws(() => parseShard(text, env as Record<string, string>), why, text);
  }
});

Deno.test("shardRange() covers every instance exactly once, sizes within one", () => {
  for (const total of [1, 7, 10, 1000]) {
    for (const count of [1, 2, 3, 7]) {
      if (count > total) continue;
      const ranges = Array.from(
        { length: count },
        (_, index) => shardRange(total, { index, count }),
      );
      assert.equal(ranges[0].lo, 0);
      assert.equal(ranges.at(-1)!.hi, total);
      for (let i = 1; i < count; i++) assert.equal(ranges[i].lo, ranges[i - 1].hi);
      const sizes = ranges.map((r) => r.hi - r.lo);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }
  }
});

Deno.test("shardSetProblem() names a missing, doubled or mismatched shard; none for a whole set", () => {
  const stamp = (index: number, over: Partial<ShardStamp> = {}) => ({
    dir: `s${index}`,
    stamp: {
      format: "lab-shard/1",
      id: "x",
      profile: "smoke",
      config: {},
      overrides: {},
      configDigest: "d1",
      index,
      count: 3,
      lo: index,
      hi: index + 1,
      total: 3,
      code: "c1",
      ...over,
    } as ShardStamp,
  });
  assert.equal(shardSetProblem([stamp(0), stamp(1), stamp(2)]), null);
  assert.match(shardSetProblem([stamp(0), stamp(2)])!, /^x: shard 1 of 3 missing/);
  assert.match(
    shardSetProblem([stamp(0), stamp(1), stamp(1), stamp(2)])!,
    /shard 1\/3 is given twice/,
  );
  assert.match(
    shardSetProblem([stamp(0), stamp(1, { configDigest: "d2" }), stamp(2)])!,
    /s1 is a shard of another config than s0/,
  );
  assert.match(
    shardSetProblem([stamp(0), stamp(1), stamp(2, { code: "c2" })])!,
    /s2 was computed by another version of the lab than s0/,
  );
  assert.match(shardSetProblem([stamp(0), stamp(1, { count: 2 })])!, /the counts differ/);
  assert.equal(shardSetProblem([]), "no shards given");
});

Deno.test("concatRowParts() joins rows and refuses parts that disagree elsewhere", () => {
  assert.deepEqual(concatRowParts([{ a: [1], b: "k", meta: 1 }, { a: [2, 3], b: "k", meta: 2 }]), {
    a: [1, 2, 3],
    b: "k",
  });
  assert.throws(() => concatRowParts([{ b: NaN }, { b: 0 }]), /field b differs/);
});
