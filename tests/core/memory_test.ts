/**
 * lib/core/memory.ts and the check every experiment's `run` makes (issue 11,
 * item 4): estimates sum their terms, the check refuses in one line naming
 * the largest terms and the knobs, budgets come from the machine or the
 * caller, and a run refused leaves before it allocates anything.
 */
import assert from "node:assert/strict";
import {
  checkMemory,
  formatBytes,
  largestStage,
  MEMORY_HEADROOM,
  memoryBudget,
  memoryEstimate,
  MemoryLimitError,
  parseBytes,
} from "../../lib/core/memory.ts";
import { ConfigError } from "../../lib/core/config.ts";
import {
  checkRunMemory,
  configure,
  defineExperiment,
  fusedMeta,
} from "../../lib/core/experiment.ts";
import { int } from "../../lib/core/config.ts";
import { toySeedSweep } from "../../lib/studies/toy/experiments/seed_sweep.ts";

Deno.test("memoryEstimate() sums its terms largest first, heap apart; largestStage() keeps the peak", () => {
  const e = memoryEstimate([
    { what: "a", bytes: 1 },
    { what: "none", bytes: 0 },
    { what: "b", bytes: 5, heap: true },
    { what: "c", bytes: 3 },
  ], ["x", "y", "x"]);
  assert.deepEqual(e.terms.map((t) => t.what), ["b", "c", "a"]);
  assert.deepEqual([e.bytes, e.heapBytes, e.knobs], [9, 5, ["x", "y"]]);
  const peak = largestStage([e, memoryEstimate([{ what: "d", bytes: 20 }], ["z"])]);
  assert.deepEqual([peak.bytes, peak.terms[0].what, peak.knobs], [20, "d", ["z", "x", "y"]]);
  assert.equal(largestStage([]).bytes, 0);
});

Deno.test("formatBytes() and parseBytes() read and write sizes in decimal units", () => {
  assert.deepEqual(
    [1, 999, 1000, 12_345, 3.28e9, 26.2e9, 1.2e13].map(formatBytes),
    ["1 B", "999 B", "1 kB", "12 kB", "3.3 GB", "26 GB", "12 TB"],
  );
  assert.deepEqual(
    ["8GB", "8 gb", "500MB", "1.5e9", "42", "2TB"].map(parseBytes),
    [8e9, 8e9, 5e8, 1.5e9, 42, 2e12],
  );
  for (const bad of ["", "GB", "-1GB", "0", "8 GiB", "eight", "1e999", "8GB8"]) {
    assert.equal(parseBytes(bad), null, bad);
  }
});

Deno.test("checkMemory() refuses what exceeds the budget less its headroom, in one line naming terms and knobs", () => {
  const budget = { bytes: 10e9, heapBytes: 4e9, source: "the machine has 10 GB available" };
  const fits = (bytes: number, heap = false) =>
    checkMemory("x", memoryEstimate([{ what: "t", bytes, heap }], ["seeds"]), budget);
  fits(10e9 * (1 - MEMORY_HEADROOM)); // exactly at the line
  assert.throws(() => fits(10e9 * (1 - MEMORY_HEADROOM) + 1), MemoryLimitError);
  const estimate = memoryEstimate([
    { what: "snapshots of 9 instances", bytes: 20e9 },
    { what: "parameters of 9 instances", bytes: 6e9 },
    { what: "small", bytes: 1e3 },
  ], ["seeds", "n", "m"]);
  assert.throws(() => checkMemory("toy-seed-sweep", estimate, budget), (err) => {
    assert.ok(err instanceof MemoryLimitError && err instanceof ConfigError);
    assert.equal(
      err.message,
      "toy-seed-sweep: this config needs about 26 GB (snapshots of 9 instances: 20 GB; " +
        "parameters of 9 instances: 6 GB), the machine has 10 GB available; lower seeds, n or m",
    );
    return true;
  });
  // The heap has its own, smaller limit: 4 GB of objects fail although 10 GB are free.
  assert.throws(
    () => fits(3.9e9, true),
    /^MemoryLimitError: x: this config needs about 3.9 GB of JavaScript heap \(t: 3.9 GB\), the heap has room for 4 GB; lower seeds$/,
  );
});

Deno.test("memoryBudget() takes the machine's available memory, lowered by maxBytes", () => {
  const machine = memoryBudget();
  assert.ok(machine !== null, "Deno.systemMemoryInfo() is readable under -A");
  assert.ok(machine.bytes > 0 && machine.bytes <= Deno.systemMemoryInfo().total);
  assert.match(machine.source, /^the machine has .+ available$/);
  assert.ok(machine.heapBytes > 0);
  const given = memoryBudget({ maxBytes: 5e8 })!;
  assert.deepEqual([given.bytes, given.source], [5e8, "the budget given is 500 MB"]);
  // A budget above what the machine has does not raise it.
  assert.match(memoryBudget({ maxBytes: 1e18 })!.source, /^the machine has /);
});

Deno.test("an experiment's run refuses a config over the budget before it runs, and the issue's sweep is refused", async () => {
  let ran = false;
  const fields = { n: int({ default: 3, min: 1, doc: "size" }) };
  const big = defineExperiment<typeof fields, { n: number }>({
    id: "big",
    title: "Big",
    description: "Needs n GB.",
    fields,
    profiles: { smoke: {}, quick: {}, full: {} },
    memory: (c) => memoryEstimate([{ what: `${c.n} GB of rows`, bytes: c.n * 1e9 }], ["n"]),
    run: (c) => {
      ran = true;
      return Promise.resolve({ n: c.n, meta: fusedMeta({ workers: 1, elapsedMs: 0 }) });
    },
    artefacts: () => ({ summary: {}, tables: {}, figures: {}, notes: [] }),
  });
  await assert.rejects(
    () => big.run({ n: 3 }, { maxMemory: 2e9 }),
    /^MemoryLimitError: big: this config needs about 3 GB \(3 GB of rows: 3 GB\), the budget given is 2 GB; lower n$/,
  );
  assert.equal(ran, false);
  assert.equal((await big.run({ n: 1 }, { maxMemory: 2e9 })).n, 1);
  assert.ok(ran);
  // Issue 11: seeds=100000 n=64 m=63 steps=1 once died in `Array buffer allocation failed`.
  const sweep = configure(toySeedSweep, { seeds: 100_000, n: 64, m: 63, steps: 1 });
  const started = performance.now();
  await assert.rejects(
    () => toySeedSweep.run(sweep, { maxMemory: 16e9 }),
    /^MemoryLimitError: toy-seed-sweep: this config needs about 27 GB \(parameters, gradient and 2 optimizer buffers of 100000 instances × 4096 parameters: 13 GB; snapshots of 100000 instances × 4096 parameters × 2 rows: 9.8 GB\), the budget given is 16 GB; lower seeds, n or m$/,
  );
  assert.ok(performance.now() - started < 1000, "refused before any work");
  checkRunMemory(toySeedSweep, configure(toySeedSweep, {}, "full"), { maxMemory: 2e9 });
});
