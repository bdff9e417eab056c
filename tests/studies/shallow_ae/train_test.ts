/** Online SGD for many shallow autoencoders at once (lib/studies/shallow_ae/train.ts). */
import assert from "node:assert/strict";
import { pcaLevels } from "../../../lib/core/pca.ts";
import {
  projectionLevels,
  settingTable,
  shallowAeOutcomes,
} from "../../../lib/studies/shallow_ae/analysis.ts";
import { spikedGaussian } from "../../../lib/studies/shallow_ae/data.ts";
import { parseSetting } from "../../../lib/studies/shallow_ae/model.ts";
import { Rng } from "../../../lib/core/random.ts";
import { trainShallowAe } from "../../../lib/studies/shallow_ae/train.ts";
import { TrainingInterrupted } from "../../../lib/core/train/checkpoint.ts";

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
    divergeAbove: 1e6,
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
  // The decoder's span, recorded beside it, against uᵀVᵀ(VVᵀ)⁻¹Vu from the final decoder.
  const R = src.componentCount;
  const u = (q: number) => src.components.subarray(q * src.dim, (q + 1) * src.dim);
  for (const inst of run.instances.filter((x) => x.divergedAt === null)) {
    for (let q = 0; q < 3; q++) {
      const want = spanShare(inst.params.v, inst.params.units, u(q));
      const got = inst.decoderCaptured[inst.decoderCaptured.length - R + q];
      assert.ok(
        Math.abs(got - want) < 1e-9,
        `${inst.setting.activation}: PC ${q + 1}: ${got} ${want}`,
      );
    }
    if (inst.params.v === inst.params.w) assert.deepEqual(inst.decoderCaptured, inst.captured);
  }
});

/** ‖P u‖² for P the projection onto the span of the K rows of `v` [K, D]: uᵀVᵀ(VVᵀ)⁻¹Vu. */
function spanShare(v: Float64Array, K: number, u: Float64Array): number {
  const D = u.length;
  const row = (k: number) => v.subarray(k * D, (k + 1) * D);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((sum, x, i) => sum + x * b[i], 0);
  // Solve (VVᵀ) a = Vu by Gaussian elimination; then ‖P u‖² = (Vu)ᵀ a.
  const G = Array.from(
    { length: K },
    (_, i) => Array.from({ length: K }, (_, j) => dot(row(i), row(j))),
  );
  const y = Array.from({ length: K }, (_, i) => dot(row(i), u));
  const a = y.slice();
  for (let c = 0; c < K; c++) {
    for (let r = c + 1; r < K; r++) {
      const f = G[r][c] / G[c][c];
      for (let j = c; j < K; j++) G[r][j] -= f * G[c][j];
      a[r] -= f * a[c];
    }
  }
  for (let c = K - 1; c >= 0; c--) {
    for (let j = c + 1; j < K; j++) a[c] -= G[c][j] * a[j];
    a[c] /= G[c][c];
  }
  return y.reduce((sum, yi, i) => sum + yi * a[i], 0);
}

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
    divergeAbove: 1e6,
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
    divergeAbove: 1e6,
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
      for (
        const key of [
          "error",
          "overlap",
          "captured",
          "decoderCaptured",
          "encoderNorm",
          "decoderNorm",
        ] as const
      ) {
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

Deno.test("trainShallowAe() marks an instance diverged once its error exceeds the config's divergeAbove", async () => {
  const src = spikedSmall();
  const config = {
    settings: [parseSetting("linear-untied-none")!],
    seeds: 1,
    seed: 0,
    units: 2,
    steps: 50,
    lr: 0.05,
    initScale: 1,
    records: 5,
    smoothing: 10,
    divergeAbove: 1e6,
  };
  const fine = await trainShallowAe(src, config);
  assert.equal(fine.instances[0].divergedAt, null);
  // Errors per coordinate are of order one here: a threshold of 1e-3 is crossed at the first step.
  const strict = await trainShallowAe(src, { ...config, divergeAbove: 1e-3 });
  assert.equal(strict.instances[0].divergedAt, 1);
  assert.ok(strict.instances[0].error.every(Number.isNaN));
});
