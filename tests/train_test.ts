/** The training loop: independence of instances, determinism, workers, divergence, memory. */
import assert from "node:assert/strict";
import { concatSeriesColumns, StridedRecorder } from "../lib/core/train/history.ts";
import { trainToy } from "../lib/studies/toy/train.ts";
import { toyParamCount } from "../lib/studies/toy/model.ts";
import { identityBatch } from "../lib/studies/toy/data.ts";
import { loadTf } from "../lib/core/tf.ts";
import { toyRun } from "./helpers.ts";

Deno.test("trainToy() keeps instances independent: a seed trains the same alone or in a sweep", async () => {
  const data = { kind: "sparse", sparsity: 0.7, examples: 0, batchSize: 8 } as const;
  const sweep = await trainToy(toyRun({ seeds: [3, 4, 5, 6], data, steps: 150 }), { workers: 1 });
  const alone = await trainToy(toyRun({ seeds: [5], data, steps: 150 }), { workers: 1 });
  const p = toyParamCount(sweep.final);
  assert.deepEqual(alone.final.data, sweep.final.data.slice(2 * p, 3 * p));
  assert.equal(alone.finalLoss[0], sweep.finalLoss[2]);
});

Deno.test("trainToy() gives bit-identical results for 1 and 2 workers and on reruns", async () => {
  const config = toyRun({ seeds: Array.from({ length: 9 }, (_, i) => 100 + i), steps: 300 });
  const one = await trainToy(config, { workers: 1 });
  const two = await trainToy(config, { workers: 2 });
  const again = await trainToy(config, { workers: 2 });
  assert.equal(two.workers, 2);
  for (const r of [two, again]) {
    assert.deepEqual(r.final.data, one.final.data);
    assert.deepEqual(r.loss, one.loss);
    assert.deepEqual(r.snapshots, one.snapshots);
  }
});

Deno.test("trainToy() marks a diverging instance and lets the others carry on unchanged", async () => {
  const seeds = [0, 1, 2];
  const base = toyRun({ optimizerName: "sgd", lr: 0.1, seeds, steps: 100 });
  const calm = await trainToy(base);
  const wild = await trainToy({ ...base, lrs: [0.1, 1e6, 0.1] });
  assert.equal(calm.divergedAt.join(), "-1,-1,-1");
  assert.ok(wild.divergedAt[1] >= 0, "instance 1 should diverge");
  assert.ok(Number.isNaN(wild.finalLoss[1]));
  assert.equal(wild.divergedAt[0], -1);
  const p = toyParamCount(calm.final);
  assert.deepEqual(wild.final.data.slice(0, p), calm.final.data.slice(0, p));
  assert.deepEqual(wild.final.data.slice(2 * p), calm.final.data.slice(2 * p));
  // Its loss history is NaN from the step it diverged at.
  const col = wild.loss.steps.findIndex((s) => s > wild.divergedAt[1]);
  assert.ok(Number.isNaN(wild.loss.values[col * 3 + 1]));
});

Deno.test("the fused and tfjs engines agree on sparse data with fresh batches and importance", async () => {
  const config = toyRun({
    seeds: [7, 8],
    steps: 120,
    importanceDecay: 0.9,
    data: { kind: "sparse", sparsity: 0.5, examples: 0, batchSize: 16 },
    model: { n: 6, m: 2, bias: true, init: "xavier", initStd: 0, biasInit: 0 },
  });
  const fused = await trainToy(config);
  const tfjs = await trainToy(config, { engine: "tfjs", backend: "wasm" });
  assert.equal(tfjs.backend, "wasm");
  let worst = 0;
  fused.final.data.forEach((v, k) => worst = Math.max(worst, Math.abs(v - tfjs.final.data[k])));
  assert.ok(worst < 1e-3, `engines differ by ${worst}`);
});

Deno.test("the tfjs engine does not leak tensors over a long run", async () => {
  const tf = await loadTf("wasm");
  const config = toyRun({ seeds: [0, 1, 2], steps: 1000 });
  const during: number[] = [];
  const before = tf.memory().numTensors;
  // Instance 1 diverges, which swaps the active mask.
  const run = await trainToy({
    ...config,
    optimizer: { ...config.optimizer, name: "sgd" },
    lrs: [0.1, 1e4, 0.1],
  }, {
    engine: "tfjs",
    progressEvery: 100,
    onProgress: (p) => {
      if (p.step < p.steps) during.push(tf.memory().numTensors);
    },
  });
  assert.ok(run.divergedAt[1] > 0);
  assert.ok(during.length >= 9);
  assert.ok(during.every((v) => v === during[0]), `tensor count moved: ${during}`);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("StridedRecorder keeps memory bounded with evenly spaced rows", () => {
  const rec = new StridedRecorder(2, { stride: 1, capacity: 8 });
  for (let t = 0; t < 1000; t++) if (rec.wants(t)) rec.record(t, [t, -t]);
  rec.finish(1000, [1000, -1000]);
  const s = rec.series();
  assert.ok(s.steps.length <= 9);
  assert.ok(s.steps.length >= 5);
  const gaps = s.steps.slice(1, -1).map((v, k) => v - s.steps[k]);
  assert.ok(gaps.every((g) => g === gaps[0]), `uneven rows ${s.steps}`);
  assert.equal(s.steps[0], 0);
  assert.equal(s.steps.at(-1), 1000);
  s.steps.forEach((step, k) => assert.equal(s.values[2 * k + 1], -step));
  const joined = concatSeriesColumns([s, s]);
  assert.equal(joined.width, 4);
  assert.equal(joined.values[joined.width * 3 + 2], s.values[2 * 3]);
});

Deno.test("trainToy() rejects bad settings with a message naming the field", async () => {
  await assert.rejects(
    () => trainToy(toyRun({ steps: 0 })),
    /steps must be an integer >= 1, got 0/,
  );
  await assert.rejects(() => trainToy(toyRun({ lrs: [1, 2] })), /lrs needs one value per seed/);
  await assert.rejects(
    () => trainToy(toyRun({ optimizer: { ...toyRun().optimizer, lr: -1 } })),
    /lr must be a finite number > 0, got -1/,
  );
  await assert.rejects(
    () => trainToy(toyRun({ model: { ...toyRun().model, n: 1 } })),
    /n must be an integer >= 2, got 1/,
  );
});

Deno.test("frozen parameters never move and omitted examples are left out, in both engines", async () => {
  const n = 7;
  const frozen = Array.from({ length: 2 * n + n }, (_, k) => k).filter((k) => k % n !== n - 1 // everything but feature 7's column and bias
  );
  const config = toyRun({
    seeds: [1, 2],
    steps: 150,
    frozen,
    data: { kind: "identity", omit: [2] },
  });
  const fused = await trainToy(config);
  const tfjs = await trainToy(config, { engine: "tfjs" });
  const init = (await trainToy({ ...config, steps: 1 })).snapshots; // row 0 is the initial state
  const p = toyParamCount(fused.final);
  for (let i = 0; i < 2; i++) {
    for (const k of frozen) {
      assert.ok(Math.abs(fused.final.data[i * p + k] - init.values[i * p + k]) < 1e-7);
      assert.ok(Math.abs(tfjs.final.data[i * p + k] - init.values[i * p + k]) < 1e-7);
    }
  }
  let moved = 0;
  for (let i = 0; i < 2; i++) {
    moved += Math.abs(fused.final.data[i * p + n - 1] - init.values[i * p + n - 1]);
  }
  assert.ok(moved > 1e-4, "the free parameters should move");
  let worst = 0;
  fused.final.data.forEach((v, k) => worst = Math.max(worst, Math.abs(v - tfjs.final.data[k])));
  assert.ok(worst < 1e-5, `engines differ by ${worst}`);
  // Six of seven one-hot rows: the loss is a mean over 6 × 7 entries.
  assert.equal(identityBatch(n, [2]).rows, 6);
});
