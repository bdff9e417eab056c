/**
 * Tests of the one training loop (`lib/core/train/loop.ts`) and the worker
 * plumbing (`lib/core/train/workers.ts`): the span schedule, progress and
 * ETA, stop and resume bit-identical, refused checkpoints, divergence's one
 * meaning, and jobs that come back in order whatever the number of threads.
 */
import assert from "node:assert/strict";
import {
  CheckpointError,
  saveCheckpoint,
  TrainingInterrupted,
} from "../../../lib/core/train/checkpoint.ts";
import { isDiverged, type LoopProgress, runLoop } from "../../../lib/core/train/loop.ts";
import { runJobs } from "../../../lib/core/train/workers.ts";
import { Rng } from "../../../lib/core/random.ts";
import type { TestJob } from "./_jobs_worker.ts";

const workerUrl = new URL("./_jobs_worker.ts", import.meta.url);

/** A seeded random walk: a state with a generator inside, advanced one draw per step. */
function walk(steps: number) {
  return {
    steps,
    init: () => ({ x: 0, rng: new Rng(7).state(), path: [] as number[] }),
    key: { steps },
    advance: (s: { x: number; rng: ReturnType<Rng["state"]>; path: number[] }, span: {
      from: number;
      to: number;
    }) => {
      const rng = Rng.fromState(s.rng);
      for (let t = span.from + 1; t <= span.to; t++) {
        s.x += rng.normal();
        s.path.push(s.x);
      }
      s.rng = rng.state();
    },
  };
}

Deno.test("runLoop() advances in spans that end at every progress and checkpoint point", async () => {
  const dir = await Deno.makeTempDir();
  const spans: [number, number][] = [];
  const reports: LoopProgress[] = [];
  await runLoop({
    steps: 23,
    progressEvery: 10,
    init: () => ({}),
    advance: (_, { from, to }) => {
      spans.push([from, to]);
    },
    progress: (_, at) => {
      reports.push(at);
    },
  }, { checkpoint: { dir, every: 4, resume: false, name: "spans" } });
  assert.deepEqual(spans, [
    [0, 4],
    [4, 8],
    [8, 10],
    [10, 12],
    [12, 16],
    [16, 20],
    [20, 23],
  ]);
  assert.deepEqual(reports.map((r) => r.step), [4, 8, 10, 12, 16, 20, 23]);
  assert.ok(reports.every((r) => r.steps === 23 && r.unit === "step" && r.elapsedMs >= 0));
  assert.equal(reports.at(-1)!.etaMs, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runLoop() stopped and resumed ends bit-identical to an uninterrupted run", async () => {
  const whole = await runLoop({ ...walk(50), progressEvery: 5 });
  const dir = await Deno.makeTempDir();
  const checkpoint = { dir, every: 10, resume: false, name: "walk" };
  let calls = 0;
  await assert.rejects(
    runLoop({ ...walk(50), progressEvery: 5 }, {
      checkpoint,
      shouldStop: () => ++calls === 3, // after step 15
    }),
    (err: unknown) => err instanceof TrainingInterrupted && /step 15 of walk/.test(err.message),
  );
  const resumed = await runLoop({ ...walk(50), progressEvery: 5 }, {
    checkpoint: { ...checkpoint, resume: true },
  });
  assert.equal(resumed.resumedFrom, 15);
  assert.deepEqual(resumed.state, whole.state);
  // A finished run resumes at its end, without advancing.
  let advanced = false;
  const again = await runLoop({
    ...walk(50),
    advance: () => {
      advanced = true;
    },
  }, { checkpoint: { ...checkpoint, resume: true } });
  assert.equal(advanced, false);
  assert.deepEqual(again.state, whole.state);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runLoop() refuses a checkpoint made for another run", async () => {
  const dir = await Deno.makeTempDir();
  await runLoop(walk(5), { checkpoint: { dir, every: 5, resume: false, name: "w" } });
  await assert.rejects(
    runLoop(walk(6), { checkpoint: { dir, every: 5, resume: true, name: "w" } }),
    (err: unknown) => err instanceof CheckpointError && /another configuration/.test(err.message),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runLoop() with stopAt stops at that step as if signalled, and resumes bit-identical", async () => {
  const whole = await runLoop({ ...walk(50), progressEvery: 7 });
  const dir = await Deno.makeTempDir();
  const checkpoint = { dir, every: 10, resume: false, name: "walk" };
  await assert.rejects(
    runLoop({ ...walk(50), progressEvery: 7 }, { checkpoint, stopAt: 12 }),
    (err: unknown) => err instanceof TrainingInterrupted && /step 12 of walk/.test(err.message),
  );
  const resumed = await runLoop({ ...walk(50), progressEvery: 7 }, {
    checkpoint: { ...checkpoint, resume: true },
  });
  assert.equal(resumed.resumedFrom, 12);
  assert.deepEqual(resumed.state, whole.state);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runLoop() refuses an intact checkpoint of another shape or past the run's end", async () => {
  const dir = await Deno.makeTempDir();
  const key = { format: "loop-1", run: { steps: 5 } };
  const fresh = walk(5).init();
  const cases: [unknown, RegExp][] = [
    [{ step: 3, elapsedMs: 0, state: { x: 0, path: [] } }, /state.rng is missing/],
    [{ step: 3, elapsedMs: 0, state: null }, /state is null, expected object/],
    [{ step: 3, elapsedMs: 0 }, /state is missing/],
    [{ step: 9, elapsedMs: 0, state: fresh }, /stands at step 9 of a run of 5/],
    [{ step: 2.5, elapsedMs: 0, state: fresh }, /stands at step 2.5 of a run of 5/],
  ];
  for (const [state, why] of cases) {
    await saveCheckpoint(dir, "w", { key, state });
    await assert.rejects(
      runLoop(walk(5), { checkpoint: { dir, every: 5, resume: true, name: "w" } }),
      (err: unknown) => err instanceof CheckpointError && why.test(err.message),
      String(why),
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runLoop() without a checkpoint rethrows the signal's reason", async () => {
  const controller = new AbortController();
  controller.abort(new Error("stop now"));
  await assert.rejects(
    runLoop({ ...walk(20), progressEvery: 2 }, { signal: controller.signal }),
    /stop now/,
  );
});

Deno.test("isDiverged() means not finite or above the limit", () => {
  assert.deepEqual(
    [1, 1e6, 1e6 + 1, NaN, Infinity, -Infinity].map((l) => isDiverged(l, 1e6)),
    [false, false, true, true, true, true],
  );
});

const jobs = (n: number): TestJob[] =>
  Array.from({ length: n }, (_, k) => ({ value: k + 1, steps: k + 1 }));

Deno.test("runJobs() returns results in job order, the same for 1 and 2 workers", async () => {
  const progress: number[] = [];
  const one = await runJobs(workerUrl, jobs(5), { workers: 1, shared: { offset: 10 } });
  const two = await runJobs(workerUrl, jobs(5), {
    workers: 2,
    shared: { offset: 10 },
    onProgress: (index, step) => {
      if (index === 4) progress.push(step as number);
    },
  });
  assert.deepEqual(one, two);
  assert.deepEqual(
    one.map((r) => (r as { square: number }).square),
    [1, 4, 9, 16, 25],
  );
  assert.deepEqual(progress, [1, 2, 3, 4, 5]);
});

Deno.test("runJobs() passes a job's error on, keeping CheckpointError", async () => {
  await assert.rejects(
    runJobs(workerUrl, [{ value: 1, steps: 1, fail: "bad input" }], {
      workers: 1,
      shared: { offset: 0 },
    }),
    /worker 0: bad input/,
  );
  await assert.rejects(
    runJobs(workerUrl, [{ value: 1, steps: 1, fail: "stale", failAsCheckpoint: true }], {
      workers: 1,
      shared: { offset: 0 },
    }),
    (err: unknown) => err instanceof CheckpointError && err.message === "stale",
  );
});

Deno.test("runJobs() stopped by a signal saves each job's checkpoint; resuming gives the same results", async () => {
  const dir = await Deno.makeTempDir();
  const list: TestJob[] = [1, 2, 3].map((value) => ({ value, steps: 40, dir, sleepMs: 2 }));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  await assert.rejects(
    runJobs(workerUrl, list, { workers: 2, shared: { offset: 0 }, signal: controller.signal }),
    (err: unknown) => err instanceof TrainingInterrupted && err.checkpointDir === dir,
  );
  const resumed = await runJobs(workerUrl, list.map((j) => ({ ...j, resume: true, sleepMs: 0 })), {
    workers: 2,
    shared: { offset: 0 },
  });
  const fresh = await runJobs(workerUrl, list.map((j) => ({ ...j, dir: undefined, sleepMs: 0 })), {
    workers: 1,
    shared: { offset: 0 },
  });
  assert.deepEqual(resumed, fresh);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runJobs() awaits progress in order; a progress callback that throws stops the jobs", async () => {
  const seen: number[] = [];
  await runJobs(workerUrl, [{ value: 1, steps: 5 }], {
    workers: 1,
    shared: { offset: 0 },
    onProgress: async (_, step) => {
      await new Promise((r) => setTimeout(r, 1));
      seen.push(step as number);
    },
  });
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  await assert.rejects(
    runJobs(workerUrl, [{ value: 1, steps: 400, sleepMs: 1 }], {
      workers: 1,
      shared: { offset: 0 },
      onProgress: (_, step) => {
        if (step === 3) throw new Error("the figure could not be drawn");
      },
    }),
    /the figure could not be drawn/,
  );
});
