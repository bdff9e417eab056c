/**
 * The fused kernel (lib/studies/shallow_ae/kernel.ts) against its oracles:
 * tabulated erf values, tfjs autodiff of the reference model (model.ts) for
 * every activation × weight tying × bias mode, and the SGD update rule.
 */
import assert from "node:assert/strict";
import {
  erf,
  shallowAeForward,
  shallowAeLossGrad,
  shallowAeScratch,
  shallowAeStep,
} from "../../../lib/studies/shallow_ae/kernel.ts";
import {
  ACTIVATIONS,
  BIAS_MODES,
  cloneShallowAe,
  initShallowAe,
  shallowAeLossTensors,
  type ShallowAeSetting,
  type ShallowAeTensors,
  shallowAeTensors,
  WEIGHT_MODES,
} from "../../../lib/studies/shallow_ae/model.ts";
import { Rng } from "../../../lib/core/random.ts";
import { loadTf } from "../../../lib/core/tf.ts";

const ALL_SETTINGS: ShallowAeSetting[] = ACTIVATIONS.flatMap((activation) =>
  WEIGHT_MODES.flatMap((weights) => BIAS_MODES.map((bias) => ({ activation, weights, bias })))
);

Deno.test("erf() matches tabulated values within 1e-15", () => {
  // Values from the standard tables (Abramowitz & Stegun 7.1, extended precision).
  const table: [number, number][] = [
    [0, 0],
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [1.5, 0.9661051464753108],
    [2, 0.9953222650189527],
    [3, 0.9999779095030014],
    [4, 0.9999999845827421],
  ];
  for (const [x, want] of table) {
    assert.ok(Math.abs(erf(x) - want) <= 1e-15, `erf(${x}) = ${erf(x)}`);
    if (x !== 0) assert.equal(erf(-x), -erf(x));
  }
  assert.equal(erf(7), 1);
  assert.ok(Number.isNaN(erf(NaN)));
});

Deno.test("shallowAeLossGrad() equals tfjs autodiff of shallowAeLossTensors() for every activation, weight tying and bias mode", async () => {
  const tf = await loadTf("cpu");
  const D = 7;
  const K = 3;
  for (const [n, setting] of ALL_SETTINGS.entries()) {
    const rng = new Rng(100 + n);
    const p = initShallowAe(setting, D, K, rng, 1);
    if (setting.bias !== "none") rng.fillNormal(p.b, 0.5);
    if (setting.bias === "both") rng.fillNormal(p.c, 0.5);
    const x = rng.fillNormal(new Float64Array(D));
    const { loss, grads } = shallowAeLossGrad(p, x);

    const tied = setting.weights === "tied";
    const W = tf.variable(tf.tensor2d(Array.from(p.w), [K, D]));
    const V = tied ? W : tf.variable(tf.tensor2d(Array.from(p.v), [K, D]));
    const b = tf.variable(tf.tensor1d(Array.from(p.b)));
    const c = tf.variable(tf.tensor1d(Array.from(p.c)));
    const xs = tf.tensor2d(Array.from(x), [1, D]); // [batch = 1, D]: the loss is this sample's ℓ
    const model: ShallowAeTensors = { setting, w: W, v: V, b, c };
    const vars = [W, ...(tied ? [] : [V]), b, c];
    const { value, grads: auto } = tf.variableGrads(
      () => shallowAeLossTensors(tf, { model, x: xs }),
      vars,
    );
    const close = (ours: ArrayLike<number>, theirs: ArrayLike<number>, what: string) => {
      for (let i = 0; i < ours.length; i++) {
        const tol = 1e-4 * Math.max(1, Math.abs(theirs[i]));
        assert.ok(
          Math.abs(ours[i] - theirs[i]) <= tol,
          `${JSON.stringify(setting)} ${what}[${i}]: ${ours[i]} vs tfjs ${theirs[i]}`,
        );
      }
    };
    close([loss], [value.dataSync()[0]], "loss");
    close(grads.w, auto[W.name].dataSync(), "∂w");
    if (!tied) close(grads.v, auto[V.name].dataSync(), "∂v");
    close(grads.b, setting.bias === "none" ? new Float64Array(K) : auto[b.name].dataSync(), "∂b");
    close(grads.c, setting.bias === "both" ? auto[c.name].dataSync() : new Float64Array(D), "∂c");
    tf.dispose([W, V, b, c, xs, value, ...Object.values(auto)]);
  }
});

Deno.test("shallowAeLossTensors() on a batch is the mean of the kernel's per-sample losses", async () => {
  const tf = await loadTf("cpu");
  const D = 5;
  const K = 2;
  const N = 4;
  for (const [n, setting] of ALL_SETTINGS.entries()) {
    const rng = new Rng(300 + n);
    const p = initShallowAe(setting, D, K, rng, 1);
    if (setting.bias !== "none") rng.fillNormal(p.b, 0.5);
    if (setting.bias === "both") rng.fillNormal(p.c, 0.5);
    const rows = rng.fillNormal(new Float64Array(N * D)); // [N, D]
    const s = shallowAeScratch(D, K);
    let kernel = 0;
    for (let r = 0; r < N; r++) kernel += 0.5 * shallowAeForward(p, rows, s, r * D) / N;
    const model = shallowAeTensors(tf, p);
    const x = tf.tensor2d(Array.from(rows), [N, D]);
    const loss = shallowAeLossTensors(tf, { model, x });
    const reference = loss.dataSync()[0];
    assert.ok(
      Math.abs(kernel - reference) <= 1e-4 * Math.max(1, kernel),
      `${JSON.stringify(setting)}: kernel ${kernel} vs reference ${reference}`,
    );
    tf.dispose([model.w, model.v, model.b, model.c, x, loss]);
  }
});

Deno.test("shallowAeStep() is SGD with rate η on v and η/D on w, b and c", () => {
  const D = 9;
  const K = 2;
  const lr = 0.3;
  for (const [n, setting] of ALL_SETTINGS.entries()) {
    const rng = new Rng(7 + n);
    const p = initShallowAe(setting, D, K, rng, 1);
    if (setting.bias !== "none") rng.fillNormal(p.b, 0.5);
    const x = rng.fillNormal(new Float64Array(D));
    const { loss, grads } = shallowAeLossGrad(p, x);
    const q = cloneShallowAe(p);
    const e = shallowAeStep(q, x, lr, shallowAeScratch(D, K));
    assert.ok(Math.abs(e - (2 * loss) / D) < 1e-14);
    const near = (a: number, b: number) => Math.abs(a - b) <= 1e-13 * Math.max(1, Math.abs(b));
    for (let i = 0; i < K * D; i++) {
      assert.ok(near(q.w[i], p.w[i] - (lr / D) * grads.w[i]), `${JSON.stringify(setting)} w[${i}]`);
      if (setting.weights === "untied") assert.ok(near(q.v[i], p.v[i] - lr * grads.v[i]));
      else assert.equal(q.v, q.w);
    }
    for (let k = 0; k < K; k++) assert.ok(near(q.b[k], p.b[k] - (lr / D) * grads.b[k]));
    for (let i = 0; i < D; i++) assert.ok(near(q.c[i], p.c[i] - (lr / D) * grads.c[i]));
  }
});
