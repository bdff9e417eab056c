/**
 * The sae study's readable reference (`lib/studies/sae/model.ts`): the tied
 * start, the top-k forward pass and the loss it feeds, and the config checks.
 * The kernel is held equal to this reference in `kernel_test.ts`.
 */
import assert from "node:assert/strict";
import {
  initSae,
  type SaeConfig,
  saeForwardTensors,
  saeLayout,
  saeLossTensors,
  saeMasksTensors,
  saeTensors,
  validateSae,
} from "../../../lib/studies/sae/model.ts";
import { loadTf } from "../../../lib/core/tf.ts";
import { Rng } from "../../../lib/core/random.ts";
import { BASE } from "./_helpers.ts";

Deno.test("initSae() starts tied: unit decoder columns, encoder = decoder, b_e = 0, b_pre = preBias", () => {
  const c = { ...BASE, latents: 9 };
  const L = saeLayout(c);
  const preBias = Array.from({ length: c.dim }, (_, i) => i / 10);
  const p = initSae(c, { seed: 4, preBias });
  for (let j = 0; j < c.latents; j++) {
    const column = p.subarray(L.decoder + j * c.dim, L.decoder + (j + 1) * c.dim);
    assert.ok(Math.abs(Math.hypot(...column) - 1) < 1e-12, `column ${j}`);
  }
  assert.deepEqual(p.subarray(L.encoder, L.encoderBias), p.subarray(L.decoder, L.preBias));
  assert.ok(p.subarray(L.encoderBias, L.decoder).every((v) => v === 0));
  assert.deepEqual(Array.from(p.subarray(L.preBias)), preBias);
  assert.deepEqual(initSae(c, { seed: 4, preBias }), p, "the same seed gives the same start");
  assert.throws(() => initSae(c, { seed: 4, preBias: [1] }), /preBias needs 7 values, got 1/);
});

Deno.test("saeForwardTensors() keeps each example's k largest pre-activations through a ReLU; saeLossTensors() is its normalised squared error", async () => {
  const tf = await loadTf("cpu");
  const c: SaeConfig = { ...BASE, auxCoef: 0 };
  const rows = 5;
  const rng = new Rng(11);
  const params = initSae(c, { seed: 11 });
  for (let i = 0; i < params.length; i++) params[i] += 0.3 * rng.normal();
  const xs = rng.fillNormal(new Float64Array(rows * c.dim));
  const p = saeTensors(tf, c, params);
  const x = tf.tensor2d(Float32Array.from(xs), [rows, c.dim]);
  const out = saeForwardTensors(tf, c, p, x);
  assert.deepEqual(out.pre.shape, [rows, c.latents]);
  assert.deepEqual(out.recon.shape, [rows, c.dim]);
  const pre = out.pre.arraySync() as number[][];
  const code = out.code.arraySync() as number[][];
  for (let b = 0; b < rows; b++) {
    const kth = [...pre[b]].sort((u, v) => v - u)[c.k - 1];
    for (let j = 0; j < c.latents; j++) {
      const want = pre[b][j] >= kth ? Math.max(0, pre[b][j]) : 0;
      assert.equal(code[b][j], want, `example ${b}, latent ${j}`);
    }
  }
  const variance = 1.3;
  const masks = saeMasksTensors(tf, c, p, x, { variance });
  const loss = saeLossTensors(c, p, x, { variance, masks }).arraySync() as number;
  const sq = out.recon.sub(x).square().sum().arraySync() as number;
  assert.ok(Math.abs(loss - sq / (rows * variance)) < 1e-6 * Math.max(1, loss), `${loss}`);
  // ReLU keeps every positive pre-activation.
  const relu = saeForwardTensors(tf, { ...c, activation: "relu" }, p, x);
  assert.deepEqual(relu.code.arraySync(), out.pre.relu().arraySync());
  tf.dispose([out.pre, out.keep, out.code, out.recon, relu.pre, relu.keep, relu.code, relu.recon]);
});

Deno.test("validateSae() names the first bad setting", () => {
  assert.throws(() => validateSae({ ...BASE, k: 13 }), /k must be an integer >= 1 and <= 12/);
  assert.throws(
    () => validateSae({ ...BASE, activation: "gelu" as SaeConfig["activation"] }),
    /activation must be one of topk\|relu, got gelu/,
  );
  assert.throws(() => validateSae({ ...BASE, l1: -1 }), /l1 must be a finite number >= 0, got -1/);
  // k is only checked for top-k.
  validateSae({ ...BASE, activation: "relu", k: 13 });
});
