/** Shallow autoencoders against PCA (seed 002, Refinetti & Goldt). */
import assert from "node:assert/strict";
import { imageSource } from "../lib/studies/shallow_ae/image_source.ts";
import { pcaLevels } from "../lib/core/pca.ts";
import {
  levelsReached,
  pcaGap,
  projectionLevels,
  settingTable,
  shallowAeOutcomes,
} from "../lib/studies/shallow_ae/analysis.ts";
import type { Images } from "../lib/core/data/images.ts";
import { spikedGaussian } from "../lib/studies/shallow_ae/data.ts";
import { ConfigError, configure, resolveConfig } from "../lib/core/experiment.ts";
import { shallowAe } from "../lib/studies/shallow_ae/experiments/shallow_ae.ts";
import {
  ACTIVATIONS,
  BIAS_MODES,
  cloneShallowAe,
  erf,
  initShallowAe,
  parseSetting,
  shallowAeLossGrad,
  shallowAeScratch,
  type ShallowAeSetting,
  shallowAeStep,
  WEIGHT_MODES,
} from "../lib/studies/shallow_ae/model.ts";
import { Rng } from "../lib/core/random.ts";
import { loadTf } from "../lib/core/tf.ts";
import { trainShallowAe } from "../lib/studies/shallow_ae/train.ts";
import { TrainingInterrupted } from "../lib/core/train/checkpoint.ts";

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

Deno.test("shallowAeLossGrad() equals tfjs autodiff for every activation, weight tying and bias mode", async () => {
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
    const xs = tf.tensor1d(Array.from(x));
    type T = ReturnType<typeof tf.tensor>;
    const g = (t: T): T => {
      switch (setting.activation) {
        case "linear":
          return t;
        case "erf":
          return tf.erf(t.mul(Math.SQRT1_2));
        case "sigmoid":
          return tf.sigmoid(t);
        case "relu":
          return tf.relu(t);
      }
    };
    const f = () => {
      let lam: T = W.matMul(xs.reshape([D, 1])).reshape([K]).mul(1 / Math.sqrt(D));
      if (setting.bias !== "none") lam = lam.add(b);
      let xhat: T = V.transpose().matMul(g(lam).reshape([K, 1])).reshape([D]);
      if (setting.bias === "both") xhat = xhat.add(c);
      return xs.sub(xhat).square().sum().mul(0.5) as ReturnType<typeof tf.scalar>;
    };
    const vars = [W, ...(tied ? [] : [V]), b, c] as ReturnType<typeof tf.variable>[];
    const { value, grads: auto } = tf.variableGrads(f, vars);
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

Deno.test("spikedGaussian() has the covariance it promises", () => {
  const src = spikedGaussian({ dim: 20, spikes: [5, 9, 3], noise: 0.5, seed: 3 });
  assert.deepEqual(src.spikes, [9, 5, 3]);
  const D = 20;
  const u = src.components;
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      let dot = 0;
      for (let i = 0; i < D; i++) dot += u[a * D + i] * u[b * D + i];
      assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-14);
    }
  }
  const rng = new Rng(1);
  const x = new Float64Array(D);
  const N = 100_000;
  const along = [0, 0, 0];
  let total = 0;
  for (let n = 0; n < N; n++) {
    src.sample(rng, x);
    for (let r = 0; r < 3; r++) {
      let dot = 0;
      for (let i = 0; i < D; i++) dot += u[r * D + i] * x[i];
      along[r] += dot * dot;
    }
    for (let i = 0; i < D; i++) total += x[i] * x[i];
  }
  // Sample variances within 3% (their relative standard error is √(2/N) ≈ 0.45%).
  [9, 5, 3].forEach((v, r) => assert.ok(Math.abs(along[r] / N / v - 1) < 0.03, `spike ${r}`));
  const trace = 9 + 5 + 3 + 17 * 0.5;
  assert.ok(Math.abs(total / N / trace - 1) < 0.01);
  assert.throws(
    () => spikedGaussian({ dim: 5, spikes: [2, 0.5], noise: 1, seed: 0 }),
    /every spike must exceed the noise floor/,
  );
});

Deno.test("projectionLevels() on many samples approaches the population pcaLevels()", () => {
  const src = spikedGaussian({ dim: 16, spikes: [8, 4], noise: 1, seed: 2 });
  const levels = pcaLevels(src.variances, 2);
  assert.deepEqual(
    levels.map((v) => +v.toFixed(12)),
    [26 / 16, 18 / 16, 14 / 16].map((v) => +v.toFixed(12)),
  );
  const N = 40_000;
  const rows = new Float64Array(N * 16);
  const rng = new Rng(9);
  const x = new Float64Array(16);
  for (let n = 0; n < N; n++) {
    src.sample(rng, x);
    rows.set(x, n * 16);
  }
  const held = projectionLevels(src.components, 2, rows, N, 16);
  held.forEach((v, k) =>
    assert.ok(Math.abs(v / levels[k] - 1) < 0.02, `level ${k}: ${v} vs ${levels[k]}`)
  );
});

Deno.test("levelsReached() and pcaGap() follow their definitions", () => {
  const levels = [1.6, 1.3, 1.1, 1.0];
  assert.equal(levelsReached(1.0, levels, 0.05), 3);
  assert.equal(levelsReached(1.004, levels, 0.05), 3); // within 5% of the last gain (0.1)
  assert.equal(levelsReached(1.006, levels, 0.05), 2);
  assert.equal(levelsReached(1.2, levels, 0.05), 1);
  assert.equal(levelsReached(1.5, levels, 0.05), 0);
  assert.equal(levelsReached(NaN, levels, 0.05), 0);
  assert.ok(Math.abs(pcaGap(1.05, levels) - 0.5) < 1e-12);
  assert.equal(pcaGap(1.1, levels), 1);
});

const spikedSmall = () => spikedGaussian({ dim: 30, spikes: [31, 21, 11], noise: 1, seed: 0 });

function testSet(src: ReturnType<typeof spikedSmall>, count: number) {
  const rng = new Rng(77);
  const rows = new Float64Array(count * src.dim);
  const x = new Float64Array(src.dim);
  for (let n = 0; n < count; n++) {
    src.sample(rng, x);
    rows.set(x, n * src.dim);
  }
  return { rows, count, levels: projectionLevels(src.components, 3, rows, count, src.dim) };
}

Deno.test("a linear autoencoder reaches the PCA error; untied erf too; tied erf does not", async () => {
  const src = spikedSmall();
  const settings = ["linear-untied-none", "erf-untied-none", "erf-tied-none"].map((s) =>
    parseSetting(s)!
  );
  const run = await trainShallowAe(src, {
    settings,
    seeds: 2,
    seed: 0,
    units: 3,
    steps: 40_000,
    lr: 0.05,
    initScale: 1,
    records: 30,
    smoothing: 200,
  });
  const outcomes = shallowAeOutcomes(run, testSet(src, 4000), pcaLevels(src.variances, 3), 0.05);
  const table = settingTable(outcomes);
  const verdict = Object.fromEntries(table.map((s) => [s.setting, s]));
  assert.equal(verdict["linear-untied-none"].verdict, "reaches PCA");
  assert.equal(verdict["erf-untied-none"].verdict, "reaches PCA");
  assert.equal(verdict["erf-tied-none"].verdict, "does not reach");
  assert.ok(verdict["erf-tied-none"].maxLevels < 3);
  // The encoder's span holds the three spikes at the end of a linear run.
  const lin = run.instances[0];
  const last = lin.captured.length - 3;
  for (let r = 0; r < 3; r++) assert.ok(lin.captured[last + r] > 0.95, `PC ${r + 1}`);
});

Deno.test("training is byte-identical for a seed; a diverging setting is recorded, not thrown", async () => {
  const src = spikedSmall();
  const config = {
    settings: [parseSetting("relu-untied-both")!, parseSetting("linear-tied-none")!],
    seeds: 2,
    seed: 5,
    units: 2,
    steps: 3000,
    lr: 0.05,
    initScale: 1,
    records: 10,
    smoothing: 100,
  };
  const a = await trainShallowAe(src, config);
  const b = await trainShallowAe(src, config);
  for (let i = 0; i < a.instances.length; i++) {
    assert.deepEqual(
      new Uint8Array(a.instances[i].params.w.buffer),
      new Uint8Array(b.instances[i].params.w.buffer),
    );
    assert.deepEqual(a.instances[i].error, b.instances[i].error);
  }
  const wild = await trainShallowAe(src, { ...config, lr: 50 });
  assert.ok(wild.instances.every((i) => i.divergedAt !== null));
  const outcomes = shallowAeOutcomes(wild, testSet(src, 100), pcaLevels(src.variances, 2), 0.05);
  assert.ok(outcomes.every((o) => Number.isNaN(o.error) && !o.reached));
  assert.ok(settingTable(outcomes).every((s) => s.verdict === "diverged"));
});

Deno.test("trainShallowAe() resumed from a checkpoint ends bit-identical; another config is refused", async () => {
  const src = spikedSmall();
  const config = {
    settings: [parseSetting("erf-untied-both")!, parseSetting("relu-tied-encoder")!],
    seeds: 2,
    seed: 9,
    units: 2,
    steps: 2000,
    lr: 0.05,
    initScale: 1,
    records: 12,
    smoothing: 100,
  };
  const whole = await trainShallowAe(src, config);
  const dir = await Deno.makeTempDir();
  try {
    const checkpoint = { dir, every: 300, resume: false, name: "spiked" };
    const stop = new AbortController();
    await assert.rejects(
      trainShallowAe(src, config, {
        checkpoint,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.step >= 700) stop.abort(new Error("ctrl-c"));
        },
      }),
      (err: Error) => err instanceof TrainingInterrupted && /step 7\d0 of spiked/.test(err.message),
    );
    const reported: number[] = [];
    const resumed = await trainShallowAe(src, config, {
      checkpoint: { ...checkpoint, resume: true },
      onProgress: (p) => void reported.push(p.step),
    });
    assert.ok(reported[0] > 700, `the resumed run started over (first report at ${reported[0]})`);
    whole.instances.forEach((a, i) => {
      const b = resumed.instances[i];
      for (const key of ["w", "v", "b", "c"] as const) {
        assert.deepEqual(b.params[key], a.params[key], `instance ${i}: ${key}`);
      }
      // Tied weights stay one array after a resume.
      assert.equal(b.params.v === b.params.w, a.params.v === a.params.w);
      for (const key of ["error", "overlap", "captured", "encoderNorm", "decoderNorm"] as const) {
        assert.deepEqual(b[key], a[key], `instance ${i}: ${key}`);
      }
    });
    // The finished run's checkpoint gives the result again without training.
    const again = await trainShallowAe(src, config, {
      checkpoint: { ...checkpoint, resume: true },
    });
    assert.deepEqual(again.instances[0].params.w, whole.instances[0].params.w);
    await assert.rejects(
      trainShallowAe(src, { ...config, lr: 0.04 }, { checkpoint: { ...checkpoint, resume: true } }),
      /made with another configuration/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("imageSource() centres and scales the training split and holds out the rest", () => {
  const side = 4;
  const count = 60;
  const rng = new Rng(4);
  const pixels = new Float32Array(count * side * side);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.uniform();
  const images: Images = {
    count,
    width: side,
    height: side,
    pixels,
    labels: new Int32Array(count),
    source: "test",
  };
  const src = imageSource(images, { trainCount: 50, testCount: 10, componentCount: 3, name: "t" });
  const D = 16;
  let total = 0;
  for (let i = 0; i < D; i++) {
    let m = 0;
    for (let r = 0; r < 50; r++) m += src.train[r * D + i];
    assert.ok(Math.abs(m / 50) < 1e-12);
  }
  for (const v of src.train) total += v * v;
  assert.ok(Math.abs(total / (50 * D) - 1) < 1e-12);
  assert.ok(Math.abs((pixels[50 * D] - src.mean[0]) / src.scale - src.test[0]) < 1e-6);
  assert.equal(src.componentCount, 3);
  assert.throws(
    () => imageSource(images, { trainCount: 50, testCount: 11, componentCount: 3, name: "t" }),
    /exceeds the 60 images/,
  );
});

Deno.test("shallow-ae rejects bad settings in one line", () => {
  const bad: [string, string, RegExp][] = [
    ["spikes", "3,0.5", /spikes=3,0\.5 is not allowed: every spike must exceed noise=1/],
    ["units", "101", /units=101 must be at most dim=100/],
    ["show", "relu-tied-none,tanh-tied-none", /show=.* is not allowed/],
    ["activations", "linear,tanh", /activations=linear,tanh is not allowed/],
    ["mnistTrain", "9000", /mnistTrain \+ mnistTest = 11000 is not allowed/],
  ];
  for (const [key, value, message] of bad) {
    assert.throws(() => resolveConfig(shallowAe, "quick", [[key, value]]), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${key}: ${e}`);
      assert.match(e.message, message);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
  assert.throws(
    () => configure(shallowAe, { activations: "linear", show: "relu-untied-both" }),
    /relu-untied-both is not in the grid/,
  );
});
