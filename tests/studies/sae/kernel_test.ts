/**
 * The sae study's fused kernel (`lib/studies/sae/kernel.ts`) against its
 * reference (`model.ts`) through tfjs autodiff, the tfjs pre-activation engine
 * against the plain loops, the unit-norm decoder's projection and
 * renormalisation, and the dead-latent bookkeeping behind AuxK.
 */
import assert from "node:assert/strict";
import type * as tfNs from "@tensorflow/tfjs";
import {
  type AuxNorm,
  initSae,
  type SaeConfig,
  saeLayout,
  saeLossTensors,
  saeMasksTensors,
  saeTensors,
} from "../../../lib/studies/sae/model.ts";
import {
  normalizeDecoder,
  projectDecoderGrad,
  saeLossGrad,
  saePreActivations,
  saeScratch,
  TfPreActivations,
} from "../../../lib/studies/sae/kernel.ts";
import { Rng } from "../../../lib/core/random.ts";
import { loadTf } from "../../../lib/core/tf.ts";
import { BASE, randomCase, worstDifference } from "./_helpers.ts";

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

Deno.test("projectDecoderGrad() leaves each column's gradient orthogonal to it; normalizeDecoder() restores unit columns", () => {
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
