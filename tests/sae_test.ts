/**
 * Sparse autoencoders (seed 002): the fused kernel against tfjs autodiff, the
 * training loop against a PyTorch reference,
 * the unit-norm decoder, dead-latent bookkeeping and AuxK's choice of
 * latents, the Adam step, determinism, divergence, recovery of known
 * directions, the data streams and the experiment's config errors.
 */
import assert from "node:assert/strict";
import type * as tfNs from "@tensorflow/tfjs";
import {
  type AuxNorm,
  initSae,
  normalizeDecoder,
  projectDecoderGrad,
  type SaeConfig,
  saeLayout,
  saeLossGrad,
  saeLossTensors,
  saeMasksTensors,
  saePreActivations,
  saeScratch,
  type SaeStats,
  saeTensors,
  TfPreActivations,
} from "../lib/studies/sae/model.ts";
import {
  type SaeData,
  saeImageData,
  saeSuperpositionData,
  type SaeTrainConfig,
  trainSae,
} from "../lib/studies/sae/train.ts";
import {
  superpositionDirections,
  superpositionSample,
  SuperpositionStream,
} from "../lib/studies/sae/data.ts";
import type { Images } from "../lib/core/data/images.ts";
import { directionRecovery, maxCosines } from "../lib/studies/sae/analysis.ts";
import { optimizerDefaults } from "../lib/core/optim/config.ts";
import { Rng } from "../lib/core/random.ts";
import { loadTf } from "../lib/core/tf.ts";
import { TrainingInterrupted } from "../lib/core/train/checkpoint.ts";
import { resolveConfig } from "../lib/core/experiment.ts";
import { sae, saeRecovery } from "../lib/studies/sae/experiments/sae.ts";

const BASE: SaeConfig = {
  dim: 7,
  latents: 12,
  activation: "topk",
  k: 3,
  auxCoef: 0.5,
  auxNorm: "residual",
  deadAfter: 5,
  l1: 0,
};

/** Random parameters (unit decoder columns plus noise on everything) and data. */
function randomCase(c: SaeConfig, seed: number, rows: number) {
  const rng = new Rng(seed);
  const params = initSae(c, { seed });
  for (let i = 0; i < params.length; i++) params[i] += 0.3 * rng.normal();
  const x = rng.fillNormal(new Float64Array(rows * c.dim));
  const pre = new Float64Array(rows * c.latents);
  saePreActivations(c, params, { x, rows, out: pre });
  return { params, x, pre };
}

function worstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

Deno.test("saeLossGrad() equals tfjs autodiff: top-k with AuxK (both normalisations), top-k, ReLU + L1", async () => {
  const tf = await loadTf("cpu");
  const cases: [string, Partial<SaeConfig>][] = [
    ["top-k + AuxK, residual norm", {}],
    ["top-k + AuxK, data norm", { auxNorm: "data" as AuxNorm }],
    ["top-k + AuxK, wide", { dim: 10, latents: 40, k: 5 }],
    ["top-k, no AuxK", { auxCoef: 0 }],
    ["ReLU + L1", { activation: "relu", l1: 0.3 }],
  ];
  for (const [name, over] of cases) {
    const c = { ...BASE, ...over };
    for (const seed of [1, 2]) {
      const rows = 6;
      const { params, x, pre } = randomCase(c, 100 * seed + c.latents, rows);
      // Half the latents have not fired for a long time.
      const since = new Float64Array(c.latents);
      for (let j = 0; j < c.latents; j += 2) since[j] = 100;
      const scratch = saeScratch(c, rows);
      const grad = new Float64Array(params.length);
      const variance = 1.7;
      const stats = saeLossGrad(c, params, {
        x,
        rows,
        pre: { data: pre, offset: 0, stride: c.latents },
        variance,
        grad,
        since,
        scratch,
      });
      if (c.auxCoef > 0 && c.activation === "topk") {
        assert.ok(scratch.auxStart[rows] > 0, `${name}: the case must exercise AuxK`);
      }
      // The same selections in tfjs (dead = the kernel's updated counters), then autodiff.
      const dead = Float32Array.from(since, (v) => (v >= c.deadAfter ? 1 : 0));
      const p = saeTensors(tf, c, params);
      const xt = tf.tensor2d(Float32Array.from(x), [rows, c.dim]);
      const masks = saeMasksTensors(tf, c, p, xt, { variance, dead });
      const f = (...t: tfNs.Tensor[]) =>
        saeLossTensors(
          c,
          {
            encoder: t[0] as tfNs.Tensor2D,
            encoderBias: t[1] as tfNs.Tensor1D,
            decoder: t[2] as tfNs.Tensor2D,
            preBias: t[3] as tfNs.Tensor1D,
          },
          xt,
          { variance, masks },
        );
      const inputs = [p.encoder, p.encoderBias, p.decoder, p.preBias];
      const g = tf.grads(f)(inputs);
      const loss = f(...inputs).arraySync() as number;
      const L = saeLayout(c);
      const ref = new Float64Array(params.length);
      ref.set(g[0].dataSync(), L.encoder);
      ref.set(g[1].dataSync(), L.encoderBias);
      ref.set(g[2].dataSync(), L.decoder);
      ref.set(g[3].dataSync(), L.preBias);
      const scale = Math.max(1e-3, ...Array.from(ref, Math.abs));
      assert.ok(
        Math.abs(stats.loss - loss) < 1e-5 * Math.max(1, loss),
        `${name}: loss ${stats.loss} vs ${loss}`,
      );
      const worst = worstDifference(grad, ref);
      assert.ok(worst < 1e-5 * scale, `${name} seed ${seed}: gradient off by ${worst} (${scale})`);
    }
  }
});

Deno.test("TfPreActivations (one matmul for all instances) equals the plain loops", async () => {
  const tf = await loadTf("wasm");
  const c = { ...BASE, dim: 20, latents: 33 };
  const rows = 9;
  const cases = [1, 2, 3].map((s) => randomCase(c, s, rows));
  const engine = new TfPreActivations(tf, c, cases.length);
  cases.forEach((k, i) => engine.load(i, k.params));
  const x = cases[0].x;
  const out = engine.compute(x, rows);
  for (const [i, k] of cases.entries()) {
    const ref = new Float64Array(rows * c.latents);
    saePreActivations(c, k.params, { x, rows, out: ref });
    const view = engine.view(i, out);
    let worst = 0;
    for (let b = 0; b < rows; b++) {
      for (let j = 0; j < c.latents; j++) {
        const a = view.data[view.offset + b * view.stride + j] + view.bias![j];
        worst = Math.max(worst, Math.abs(a - ref[b * c.latents + j]));
      }
    }
    assert.ok(worst < 1e-4, `instance ${i}: pre-activations differ by ${worst}`);
  }
});

Deno.test("projectDecoderGrad() leaves each column's gradient orthogonal to it; training keeps unit columns", async () => {
  const c = { ...BASE, latents: 20 };
  const rng = new Rng(5);
  const params = initSae(c, { seed: 5 });
  const grad = rng.fillNormal(new Float64Array(params.length));
  const L = saeLayout(c);
  const before = grad.slice();
  projectDecoderGrad(c, params, grad);
  for (let j = 0; j < c.latents; j++) {
    let dot = 0;
    let moved = 0;
    for (let i = 0; i < c.dim; i++) {
      const o = L.decoder + j * c.dim + i;
      dot += grad[o] * params[o];
      moved += (grad[o] - before[o]) ** 2;
    }
    assert.ok(Math.abs(dot) < 1e-12, `column ${j}: projected gradient · column = ${dot}`);
    assert.ok(moved > 0, `column ${j}: the projection changed nothing`);
  }
  // Only the decoder block is projected.
  assert.deepEqual(grad.subarray(0, L.decoder), before.subarray(0, L.decoder));

  // normalizeDecoder() after a step puts every column back on the unit sphere.
  const stepped = params.slice();
  for (let i = L.decoder; i < L.preBias; i++) stepped[i] += 0.2 * rng.normal();
  normalizeDecoder(c, stepped);
  for (let j = 0; j < c.latents; j++) {
    let sq = 0;
    for (let i = 0; i < c.dim; i++) sq += stepped[L.decoder + j * c.dim + i] ** 2;
    assert.ok(Math.abs(Math.sqrt(sq) - 1) < 1e-12);
  }

  // After real training steps.
  const data = saeSuperpositionData({ dim: 16, features: 24, active: 2, seed: 1 }, {
    evalRows: 64,
  });
  const run = await trainSae(smallRun({ steps: 40 }), data, {});
  for (const res of run.results) {
    const RL = saeLayout(res.config);
    for (let j = 0; j < res.config.latents; j++) {
      let sq = 0;
      for (let i = 0; i < 16; i++) sq += res.params[RL.decoder + j * 16 + i] ** 2;
      assert.ok(Math.abs(Math.sqrt(sq) - 1) < 1e-12, `${res.label} column ${j}: norm² ${sq}`);
    }
  }
});

Deno.test("dead latents: counters per example, dead after the window, AuxK picks at most 2k of the dead with a > 0", () => {
  // Encoder rows are zero except latent 2's, so a = b_e except where x[0] is large.
  const c: SaeConfig = { ...BASE, dim: 3, latents: 12, k: 2, deadAfter: 21, auxCoef: 1 / 32 };
  const L = saeLayout(c);
  const params = new Float64Array(L.size);
  const bias = [9, 8, 1, 1, 1, 1, -1, -1, 0.5, 0.4, 0.3, 0.2];
  bias.forEach((b, j) => (params[L.encoderBias + j] = b));
  params[L.encoder + 2 * c.dim] = 1; // latent 2 reads x[0]
  for (let j = 0; j < c.latents; j++) params[L.decoder + j * c.dim + (j % c.dim)] = 1;
  const rows = 8;
  const since = new Float64Array(c.latents);
  const scratch = saeScratch(c, rows);
  const pre = new Float64Array(rows * c.latents);
  const step = (x: Float64Array) => {
    saePreActivations(c, params, { x, rows, out: pre });
    return saeLossGrad(c, params, {
      x,
      rows,
      pre: { data: pre, offset: 0, stride: c.latents },
      variance: 1,
      grad: new Float64Array(L.size),
      since,
      scratch,
    });
  };
  // Batch 1: latent 2 wins the top-2 on example 3 only (a = 1 + 100).
  const x1 = new Float64Array(rows * c.dim);
  x1[3 * c.dim] = 100;
  let stats = step(x1);
  assert.equal(since[0], 0, "latent 0 fires on the last example");
  assert.equal(since[2], rows - 1 - 3, "latent 2 last fired on example 3");
  assert.equal(since[5], rows, "latent 5 never fired in this batch");
  assert.equal(stats.dead, 0);
  // Batch 2 (no spike): nothing is dead yet at 16 < 21 examples.
  const x0 = new Float64Array(rows * c.dim);
  stats = step(x0);
  assert.equal(stats.dead, 0);
  assert.equal(scratch.auxStart[rows], 0, "no AuxK without dead latents");
  assert.equal(since[5], 2 * rows);
  assert.equal(since[2], rows - 1 - 3 + rows);
  // Batch 3: 24 examples without firing: latents 3…11 are dead; latent 2 (at 20) is not.
  stats = step(x0);
  const dead = Array.from(since, (s, j) => (s >= c.deadAfter ? j : -1)).filter((j) => j >= 0);
  assert.deepEqual(dead, [3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(stats.dead, dead.length);
  // The 2k = 4 dead latents with the largest (positive) pre-activations: 3, 4, 5 (a = 1), 8 (0.5).
  for (let b = 0; b < rows; b++) {
    const chosen = Array.from(
      scratch.auxIdx.subarray(scratch.auxStart[b], scratch.auxStart[b + 1]),
    );
    assert.deepEqual(chosen, [3, 4, 5, 8], `example ${b}`);
  }
  // Batch 4: latent 2 is dead too; AuxK takes the top 2k = 4 dead latents with a > 0.
  stats = step(x0);
  assert.equal(stats.dead, 10);
  for (let b = 0; b < rows; b++) {
    const chosen = Array.from(
      scratch.auxIdx.subarray(scratch.auxStart[b], scratch.auxStart[b + 1]),
    );
    assert.ok(chosen.length <= 2 * c.k, `example ${b}: ${chosen.length} auxiliary latents`);
    for (const j of chosen) assert.ok(since[j] >= c.deadAfter, `latent ${j} is not dead`);
    assert.deepEqual(chosen, [2, 3, 4, 5], `example ${b}`);
  }
  // Every example here is the same, so the residuals do not spread: with the residual
  // normalisation the AuxK term is 0 (OpenAI's nan_to_num); with the data's variance it is not.
  assert.equal(stats.aux, 0);
  const dataNorm = saeLossGrad({ ...c, auxNorm: "data" }, params, {
    x: x0,
    rows,
    pre: { data: pre, offset: 0, stride: c.latents },
    variance: 1,
    grad: null,
    since: since.slice(),
    scratch,
  });
  assert.ok(dataNorm.aux > 0);
  // With fewer dead latents than 2k, AuxK uses those there are (and only positive ones).
  const c2 = { ...c, k: 5 };
  const s2 = saeScratch(c2, rows);
  const since2 = Float64Array.from(since, (_, j) => (j === 6 || j === 8 ? 1e9 : 0));
  saePreActivations(c2, params, { x: x0, rows, out: pre });
  saeLossGrad(c2, params, {
    x: x0,
    rows,
    pre: { data: pre, offset: 0, stride: c.latents },
    variance: 1,
    grad: null,
    since: since2,
    scratch: s2,
  });
  for (let b = 0; b < rows; b++) {
    const chosen = Array.from(s2.auxIdx.subarray(s2.auxStart[b], s2.auxStart[b + 1]));
    assert.deepEqual(chosen, [8], "latent 6 is dead but its pre-activation is negative");
  }
});

/** A small two-instance run (top-k with AuxK and ReLU + L1). */
function smallRun(over: Partial<SaeTrainConfig> = {}): SaeTrainConfig {
  return {
    model: { dim: 16, latents: 32, deadAfter: 500, auxNorm: "residual" },
    variants: [
      { label: "topk", activation: "topk", k: 2, auxCoef: 1 / 32, l1: 0, seed: 3 },
      { label: "relu", activation: "relu", k: 2, auxCoef: 0, l1: 0.3, seed: 3 },
    ],
    steps: 30,
    batch: 32,
    optimizer: optimizerDefaults("adam", 3e-3),
    evalEvery: 10,
    divergeAbove: 1e6,
    engine: "js",
    ...over,
  };
}

Deno.test("trainSae() takes PyTorch's Adam step on the projected gradient, then renormalises", async () => {
  const data = saeSuperpositionData({ dim: 16, features: 24, active: 2, seed: 2 }, {
    evalRows: 64,
  });
  const config = smallRun({ steps: 3, variants: [smallRun().variants[0]] });
  const run = await trainSae(config, data, {});
  // The same three steps by hand, with Adam written out (β = 0.9, 0.999, ε = 1e-8).
  const c: SaeConfig = { ...config.model, activation: "topk", k: 2, auxCoef: 1 / 32, l1: 0 };
  const p = initSae(c, { seed: 3, preBias: data.mean });
  const m = new Float64Array(p.length);
  const v = new Float64Array(p.length);
  const since = new Float64Array(c.latents);
  const scratch = saeScratch(c, config.batch);
  const x = new Float64Array(config.batch * c.dim);
  const pre = new Float64Array(config.batch * c.latents);
  const grad = new Float64Array(p.length);
  const lr = config.optimizer.lr;
  for (let t = 1; t <= 3; t++) {
    data.batch(t - 1, config.batch, x);
    saePreActivations(c, p, { x, rows: config.batch, out: pre });
    saeLossGrad(c, p, {
      x,
      rows: config.batch,
      pre: { data: pre, offset: 0, stride: c.latents },
      variance: data.variance,
      grad,
      since,
      scratch,
    });
    projectDecoderGrad(c, p, grad);
    for (let i = 0; i < p.length; i++) {
      m[i] = 0.9 * m[i] + 0.1 * grad[i];
      v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i];
      const mHat = m[i] / (1 - 0.9 ** t);
      const vHat = v[i] / (1 - 0.999 ** t);
      p[i] -= (lr * mHat) / (Math.sqrt(vHat) + 1e-8);
    }
    normalizeDecoder(c, p);
  }
  const worst = worstDifference(run.results[0].params, p);
  assert.ok(worst < 1e-12, `parameters differ by ${worst}`);
  assert.deepEqual(run.results[0].since, since);
});

/** data/reference/sae_torch.json, made by scripts/reference/sae_torch.py. */
interface SaeTorchFixture {
  data: { dim: number; mean: number[]; variance: number; batches: number[] };
  runs: {
    name: string;
    config: SaeTrainConfig;
    init: number[][];
    torch: {
      /** Per step, the same numbers as saeLossGrad() reports. */
      history: (SaeStats & { step: number })[];
      params: number[];
      since: number[];
    }[];
  }[];
}

Deno.test("trainSae() follows PyTorch (autograd + torch.optim.Adam) for 120 steps: top-k, AuxK (both norms), ReLU + L1; both engines", async () => {
  const fixture: SaeTorchFixture = JSON.parse(
    await Deno.readTextFile(new URL("../data/reference/sae_torch.json", import.meta.url)),
  );
  const { dim, variance, batches } = fixture.data;
  const mean = Float64Array.from(fixture.data.mean);
  const data: SaeData = {
    name: "fixture",
    dim,
    batch(step, rows, out) {
      out.set(batches.slice(step * rows * dim, (step + 1) * rows * dim));
    },
    variance,
    mean,
    // Evaluation is not part of the reference; any held-out rows do.
    evalX: Float64Array.from(batches.slice(0, 4 * dim)),
    evalRows: 4,
    evalDeviation: 1,
  };
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-12, Math.abs(b));
  let auxSteps = 0;
  for (const run of fixture.runs) {
    const result = await trainSae(run.config, data, {});
    run.config.variants.forEach((v, i) => {
      const where = `${run.name}/${v.label}`;
      // The fixture starts where trainSae() starts.
      const start = initSae({ ...run.config.model, ...v }, { seed: v.seed, preBias: mean });
      assert.deepEqual(Array.from(start), run.init[i], `${where}: initialisation`);
      const ours = result.results[i];
      const theirs = run.torch[i];
      const rows = ours.history.filter((r) => r.step > 0);
      assert.equal(rows.length, theirs.history.length, where);
      let worst = 0;
      rows.forEach((r, t) => {
        const h = theirs.history[t];
        assert.equal(r.step, h.step);
        assert.equal(r.train_l0, h.l0, `${where} step ${h.step}: L0`);
        assert.equal(
          Math.round(r.dead_fraction * run.config.model.latents),
          h.dead,
          `${where} step ${h.step}: dead latents`,
        );
        for (const key of ["loss", "recon", "aux", "l1"] as const) {
          worst = Math.max(worst, h[key] === 0 ? Math.abs(r[key]) : rel(r[key], h[key]));
        }
        if (h.aux > 0) auxSteps++;
      });
      assert.ok(worst < 1e-9, `${where}: losses differ by ${worst} (relative)`);
      const dp = worstDifference(ours.params, theirs.params);
      assert.ok(dp < 1e-10, `${where}: parameters differ by ${dp}`);
      assert.deepEqual(Array.from(ours.since), theirs.since, `${where}: dead-latent counters`);
    });
  }
  // The reference exercises AuxK, not only the main loss.
  assert.ok(auxSteps > 100, `AuxK was active on ${auxSteps} steps`);
  // The hybrid engine's float32 pre-activations stay close (6e-8 measured).
  const tf = await loadTf("wasm");
  for (const run of fixture.runs) {
    const result = await trainSae({ ...run.config, engine: "hybrid" }, data, { tf });
    result.results.forEach((ours, i) => {
      const dp = worstDifference(ours.params, run.torch[i].params);
      assert.ok(dp < 1e-6, `hybrid ${run.name}/${ours.label}: parameters differ by ${dp}`);
    });
  }
});

Deno.test("trainSae() is deterministic: the same config and seeds give byte-identical results (hybrid and js)", async () => {
  const tf = await loadTf("wasm");
  const data = () =>
    saeSuperpositionData({ dim: 16, features: 24, active: 2, seed: 4 }, { evalRows: 128 });
  for (const engine of ["hybrid", "js"] as const) {
    const config = smallRun({ steps: 60, engine });
    const a = await trainSae(config, data(), { tf });
    const b = await trainSae(config, data(), { tf });
    for (let i = 0; i < a.results.length; i++) {
      assert.deepEqual(
        new Uint8Array(a.results[i].params.buffer),
        new Uint8Array(b.results[i].params.buffer),
        `${engine}: instance ${i}`,
      );
      assert.equal(JSON.stringify(a.results[i].history), JSON.stringify(b.results[i].history));
    }
    // A different initialisation seed gives a different result.
    const other = await trainSae(
      { ...config, variants: config.variants.map((v) => ({ ...v, seed: 99 })) },
      data(),
      { tf },
    );
    assert.notDeepEqual(other.results[0].params, a.results[0].params);
  }
});

Deno.test("trainSae() resumed from a checkpoint ends bit-identical (hybrid and js); another config is refused", async () => {
  const tf = await loadTf("wasm");
  const data = saeSuperpositionData({ dim: 16, features: 24, active: 2, seed: 4 }, {
    evalRows: 128,
  });
  for (const engine of ["hybrid", "js"] as const) {
    // deadAfter 64: latents die and AuxK acts before and after the stop.
    const config = smallRun({ steps: 60, engine, model: { ...smallRun().model, deadAfter: 64 } });
    const whole = await trainSae(config, data, { tf });
    const dir = await Deno.makeTempDir();
    try {
      const checkpoint = { dir, every: 7, resume: false, name: "superposition" };
      const stop = new AbortController();
      await assert.rejects(
        trainSae(config, data, {
          tf,
          checkpoint,
          signal: stop.signal,
          progressEvery: 1,
          onProgress: (p) => {
            if (p.step === 25) stop.abort(new Error("ctrl-c"));
          },
        }),
        (err: Error) =>
          err instanceof TrainingInterrupted && /step 25 of superposition/.test(err.message),
      );
      const reported: number[] = [];
      const resumed = await trainSae(config, data, {
        tf,
        checkpoint: { ...checkpoint, resume: true },
        progressEvery: 1,
        onProgress: (p) => void reported.push(p.step),
      });
      assert.equal(reported[0], 26, "the resumed run continues after step 25");
      whole.results.forEach((a, i) => {
        const b = resumed.results[i];
        assert.deepEqual(
          new Uint8Array(b.params.buffer),
          new Uint8Array(a.params.buffer),
          `${engine}: instance ${i}`,
        );
        assert.equal(JSON.stringify(b.history), JSON.stringify(a.history));
        assert.deepEqual(b.since, a.since);
        assert.deepEqual(b.evalFrequency, a.evalFrequency);
      });
      await assert.rejects(
        trainSae({ ...config, batch: 16 }, data, {
          tf,
          checkpoint: { ...checkpoint, resume: true },
        }),
        /made with another configuration/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("trainSae() frees every tensor it makes (hybrid engine)", async () => {
  const tf = await loadTf("wasm");
  const data = saeSuperpositionData({ dim: 16, features: 24, active: 2, seed: 4 }, {
    evalRows: 128,
  });
  await trainSae(smallRun({ engine: "hybrid", steps: 5 }), data, { tf });
  const before = tf.memory().numTensors;
  await trainSae(smallRun({ engine: "hybrid", steps: 40 }), data, { tf });
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("a diverging run is recorded as diverged (NaN final loss), never thrown", async () => {
  const data = saeSuperpositionData({ dim: 16, features: 24, active: 2, seed: 1 }, {
    evalRows: 64,
  });
  // A learning rate far too large blows the loss past divergeAbove within a few steps.
  const big = await trainSae(smallRun({ optimizer: optimizerDefaults("adam", 10) }), data, {});
  for (const res of big.results) {
    assert.ok(res.divergedAt >= 1 && res.divergedAt < 30, `${res.label}: ${res.divergedAt}`);
    assert.ok(Number.isNaN(res.finalLoss));
    const row = res.history[res.history.length - 1];
    assert.equal(row.step, res.divergedAt);
    assert.ok(!(row.loss <= 1e6), `recorded loss ${row.loss}`);
  }
  // Data that turns NaN at step 8: every instance stops there, the rows before it stay.
  const poisoned = {
    ...data,
    batch(step: number, rows: number, out: Float64Array) {
      data.batch(step, rows, out);
      if (step >= 7) out.fill(NaN);
    },
  };
  const nan = await trainSae(smallRun(), poisoned, {});
  for (const res of nan.results) {
    assert.equal(res.divergedAt, 8);
    assert.ok(Number.isNaN(res.history[res.history.length - 1].loss));
    assert.equal(res.history[0].step, 0);
  }
  // The experiment's artefacts still build from a run whose every instance diverged.
  const config = resolveConfig(sae, "smoke", [["lr", "10"], ["mnistSteps", "0"], ["engine", "js"]]);
  const result = await sae.run(config, {});
  const art = sae.artefacts(result, config);
  const models = art.summary.models as { diverged: number; recovered: number }[];
  assert.ok(models.every((m) => m.diverged === 1 && Number.isNaN(m.recovered)));
});

Deno.test("trainSae() stops with its signal's reason when aborted (Ctrl-C)", async () => {
  const data = saeSuperpositionData({ dim: 16, features: 24, active: 2, seed: 1 }, {
    evalRows: 64,
  });
  const controller = new AbortController();
  let last = 0;
  await assert.rejects(
    trainSae(smallRun({ steps: 10_000 }), data, {
      signal: controller.signal,
      progressEvery: 5,
      onProgress: (p) => {
        last = p.step;
        if (p.step === 20) controller.abort(new Error("stopped by test"));
      },
    }),
    /stopped by test/,
  );
  assert.equal(last, 20);
});

Deno.test("a top-k SAE recovers > 90% of the true directions on easy data (k = the true sparsity)", async () => {
  for (const seed of [0, 1, 2]) {
    const data = saeSuperpositionData({ dim: 32, features: 48, active: 3, seed }, {
      evalRows: 512,
    });
    const run = await trainSae(
      {
        model: { dim: 32, latents: 64, deadAfter: 5000, auxNorm: "residual" },
        variants: [{ label: "topk", activation: "topk", k: 3, auxCoef: 1 / 32, l1: 0, seed: 7 }],
        steps: 800,
        batch: 128,
        optimizer: optimizerDefaults("adam", 3e-3),
        evalEvery: 800,
        divergeAbove: 1e6,
        engine: "js",
      },
      data,
      {
        metrics: (params, offset, config) => ({
          recovered: saeRecovery(config, params, data.directions, offset).recovered,
        }),
      },
    );
    const res = run.results[0];
    const start = res.history[0];
    const end = res.history[res.history.length - 1];
    assert.ok(
      (start.recovered as number) < 0.1,
      `seed ${seed}: ${start.recovered} before training`,
    );
    assert.ok((end.recovered as number) > 0.9, `seed ${seed}: recovered ${end.recovered}`);
    assert.ok(end.eval_nmse < 0.1, `seed ${seed}: normalised MSE ${end.eval_nmse}`);
    assert.ok(Math.abs(end.eval_l0 - 3) < 0.1, `seed ${seed}: L0 ${end.eval_l0}`);
  }
});

Deno.test("superposition data: unit directions, `active` distinct ones per example, reproducible batches", () => {
  const config = { dim: 8, features: 20, active: 3, seed: 9 };
  const t = superpositionDirections(config);
  for (let f = 0; f < config.features; f++) {
    const norm = Math.hypot(...t.subarray(f * 8, (f + 1) * 8));
    assert.ok(Math.abs(norm - 1) < 1e-12);
  }
  const stream = new SuperpositionStream(config);
  const out = new Float64Array(50 * 8);
  const batch = stream.batch(3, 50, out);
  for (let r = 0; r < 50; r++) {
    const chosen = batch.features.subarray(r * 3, (r + 1) * 3);
    assert.equal(new Set(chosen).size, 3);
    const expect = new Float64Array(8);
    chosen.forEach((f, a) => {
      const m = batch.magnitudes[r * 3 + a];
      assert.ok(m > 0 && m <= 1);
      for (let i = 0; i < 8; i++) expect[i] += m * t[f * 8 + i];
    });
    assert.ok(worstDifference(expect, out.subarray(r * 8, (r + 1) * 8)) < 1e-12);
  }
  const again = stream.batch(3, 50, new Float64Array(50 * 8));
  assert.deepEqual(again.x, out);
  assert.notDeepEqual(stream.batch(4, 50, new Float64Array(50 * 8)).x, out);
  assert.throws(
    () => superpositionSample({ ...config, active: 21 }, t, new Rng(1), 2),
    /active must be an integer >= 1 and <= 20, got 21/,
  );
});

Deno.test("saeImageData() shows each training image once per epoch and holds out the rest", () => {
  const count = 10;
  const images: Images = {
    count,
    width: 2,
    height: 1,
    pixels: Float32Array.from({ length: count * 2 }, (_, k) => Math.floor(k / 2) / 16),
    labels: new Int32Array(count),
    source: "test",
  };
  const data = saeImageData(images, { trainRows: 7, evalRows: 3, seed: 1 });
  const seen: number[] = [];
  const out = new Float64Array(2 * 2);
  for (let step = 0; step < 7; step++) {
    data.batch(step, 2, out);
    seen.push(out[0] * 16, out[2] * 16);
  }
  // 14 draws = two epochs of the 7 training images, each a permutation.
  assert.deepEqual([...seen.slice(0, 7)].sort(), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...seen.slice(7)].sort(), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(data.evalX, (v) => v * 16), [7, 7, 8, 8, 9, 9]);
  assert.throws(
    () => saeImageData(images, { trainRows: 8, evalRows: 3, seed: 1 }),
    /trainRows \+ evalRows must be <= 10 images, got 8 \+ 3/,
  );
});

Deno.test("maxCosines() finds permuted, rescaled directions and ignores the sign of none", () => {
  const truth = Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const decoder = Float64Array.from([0, 2, 0, 0, 0, 0.5, 3, 0, 0, 1, 1, 0]);
  const mc = maxCosines(decoder, truth, { latents: 4, count: 3, dim: 3 });
  assert.deepEqual(Array.from(mc), [1, 1, 1]);
  const flipped = maxCosines(decoder.map((v) => -v), truth, { latents: 4, count: 3, dim: 3 });
  assert.deepEqual(Array.from(flipped), [0, 0, 0], "a negated direction is not a match");
  const rec = directionRecovery([0.95, 0.5, 0.91, 0.9]);
  assert.ok(Math.abs(rec.meanMaxCos - 0.815) < 1e-12);
  assert.equal(rec.recovered, 0.5, "0.9 itself is not above 0.9");
});

Deno.test("sae config errors are one line naming the key and what is allowed", () => {
  const cases: [string, string][][] = [
    [["k", "300"]],
    [["latents", "16"], ["k", "17"]],
    [["active", "300"]],
    [["mnistK", "999"]],
    [["models", "topk,sparse"]],
    [["auxNorm", "batch"]],
    [["l1", "-1"]],
    [["engine", "gpu"]],
  ];
  const expected = [
    /^ConfigError: k=300 is not allowed with latents=256: k must be <= latents \(top-k keeps k of the latents\)$/,
    /^ConfigError: k=17 is not allowed with latents=16: k must be <= latents/,
    /^ConfigError: active=300 is not allowed with features=256: active must be <= features/,
    /^ConfigError: mnistK=999 is not allowed with mnistLatents=256: mnistK must be <= mnistLatents/,
    /^ConfigError: models=topk,sparse is not allowed: models must be a comma-separated list of topk\|topk-auxk\|relu-l1$/,
    /^ConfigError: auxNorm=batch is not allowed: auxNorm must be one of residual\|data$/,
    /^ConfigError: l1=-1 is not allowed: l1 must be a comma-separated list of numbers >= 0$/,
    /^ConfigError: engine=gpu is not allowed: engine must be one of hybrid\|js$/,
  ];
  cases.forEach((sets, i) => {
    assert.throws(() => resolveConfig(sae, "quick", sets), (err: Error) => {
      const text = `${err.name}: ${err.message}`;
      assert.match(text, expected[i]);
      assert.ok(!text.includes("\n"));
      return true;
    });
  });
  const ok = resolveConfig(sae, "smoke", [["k", "3"], ["l1", "0.2,0.5"]]);
  assert.equal(ok.k, 3);
  assert.equal(ok.latents, 32);
});
