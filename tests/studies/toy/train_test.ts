/**
 * The toy training loop (`train.ts`): independence of instances, determinism,
 * workers, divergence, the two engines, frozen parameters, memory, the data
 * streams, progress and stopping.
 */
import assert from "node:assert/strict";
import { trainToy } from "../../../lib/studies/toy/train.ts";
import type { ToyProgress } from "../../../lib/studies/toy/config.ts";
import { initToy, toyParamCount } from "../../../lib/studies/toy/model.ts";
import { toyLossGrad, toyScratch } from "../../../lib/studies/toy/kernel.ts";
import { featureImportance, identityBatch, openToyData } from "../../../lib/studies/toy/data.ts";
import { ArrayOptimizer, perInstanceHyper } from "../../../lib/core/optim/optimizer.ts";
import { loadTf } from "../../../lib/core/tf.ts";
import { toyRun } from "../../helpers.ts";

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

Deno.test("trainToy() draws each instance's fresh batches from its openToyData stream, one per step", async () => {
  const data = { kind: "sparse", sparsity: 0.6, examples: 0, batchSize: 5 } as const;
  const config = toyRun({ optimizerName: "sgd", lr: 0.1, seeds: [11], data, steps: 30 });
  const run = await trainToy(config, { workers: 1 });
  // The same steps by hand: kernel, then the optimizer, on the stream's next batch.
  const { n, m, bias } = config.model;
  const params = initToy(config.model, { seeds: config.seeds }).data;
  const grad = new Float64Array(params.length);
  const importance = featureImportance(n, 1);
  const scratch = toyScratch(n, m);
  const stream = openToyData(data, n, 11);
  const opt = new ArrayOptimizer(
    config.optimizer,
    params.length,
    perInstanceHyper(config.optimizer, 1),
  );
  for (let t = 0; t < config.steps; t++) {
    toyLossGrad({ n, m, bias }, params, 0, stream.next(), importance, grad, scratch);
    opt.stepInstance(params, grad, 0);
  }
  const last = toyLossGrad({ n, m, bias }, params, 0, stream.next(), importance, null, scratch);
  assert.deepEqual(run.final.data, params);
  assert.equal(run.finalLoss[0], last);
});

Deno.test("trainToy() reports every progressEvery steps and at the end, with an ETA, for 1 and 2 workers", async () => {
  const config = toyRun({ seeds: [0, 1, 2, 3, 4], steps: 95 });
  for (const workers of [1, 2]) {
    const seen: ToyProgress[] = [];
    const run = await trainToy(config, {
      workers,
      progressEvery: 20,
      onProgress: (p) => void seen.push({ ...p, loss: p.loss.slice() }),
    });
    assert.deepEqual(seen.map((p) => p.step), [20, 40, 60, 80, 95], `${workers} workers`);
    assert.ok(seen.every((p) => p.steps === 95 && p.loss.length === 5 && p.etaMs >= 0));
    assert.equal(seen.at(-1)!.etaMs, 0);
    assert.deepEqual(seen.at(-1)!.loss, run.finalLoss);
  }
});

Deno.test("trainToy() stopped by its signal rejects with the signal's reason, on every engine and worker count", async () => {
  const config = toyRun({ seeds: [0, 1, 2, 3], steps: 1_000_000 });
  const tf = await loadTf("wasm");
  const tensors = tf.memory().numTensors;
  for (const options of [{ workers: 1 }, { workers: 2 }, { engine: "tfjs" as const }]) {
    const controller = new AbortController();
    let reports = 0;
    await assert.rejects(
      trainToy(config, {
        ...options,
        progressEvery: 100,
        signal: controller.signal,
        onProgress: (p) => {
          reports++;
          if (p.step >= 200) controller.abort(new Error("stop here"));
        },
      }),
      /stop here/,
    );
    // A run that ignored the signal would report 10,000 times; workers report on their own
    // clocks and may each finish a few intervals before the stop reaches them (10 were seen once
    // on a loaded machine during the full suite).
    assert.ok(reports < 50, `${JSON.stringify(options)}: ${reports} reports after the stop`);
  }
  assert.equal(tf.memory().numTensors, tensors, "the stopped tfjs run freed its tensors");
});

Deno.test("trainToy() on workers stops every worker when onProgress throws, and rejects with its error", async () => {
  const config = toyRun({ seeds: [0, 1, 2, 3], steps: 1_000_000 });
  await assert.rejects(
    trainToy(config, {
      workers: 2,
      progressEvery: 100,
      onProgress: (p) => {
        if (p.step === 300) throw new Error("plot failed");
      },
    }),
    /plot failed/,
  );
});
