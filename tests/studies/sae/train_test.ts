/**
 * The sae trainer (`lib/studies/sae/train.ts`): the unit-norm decoder after
 * real steps, PyTorch's Adam step on the projected gradient, a 120-step replay
 * of a PyTorch reference, determinism, checkpoints and resume, tensor leaks,
 * divergence and abort, recovery of known directions, and the image stream.
 */
import assert from "node:assert/strict";
import { initSae, type SaeConfig, saeLayout } from "../../../lib/studies/sae/model.ts";
import {
  normalizeDecoder,
  projectDecoderGrad,
  saeLossGrad,
  saePreActivations,
  saeScratch,
  type SaeStats,
} from "../../../lib/studies/sae/kernel.ts";
import { type SaeData, saeImageData, saeSuperpositionData } from "../../../lib/studies/sae/data.ts";
import { type SaeTrainConfig, trainSae } from "../../../lib/studies/sae/train.ts";
import { saeRecovery } from "../../../lib/studies/sae/analysis.ts";
import type { Images } from "../../../lib/core/data/images.ts";
import { optimizerDefaults } from "../../../lib/core/optim/config.ts";
import { loadTf } from "../../../lib/core/tf.ts";
import { TrainingInterrupted } from "../../../lib/core/train/checkpoint.ts";
import { smallRun, worstDifference } from "./_helpers.ts";

/** Trains with checkpoints and stops (as Ctrl-C does) once step `step` is done. */
function trainStoppedAt(
  config: Parameters<typeof trainSae>[0],
  data: Parameters<typeof trainSae>[1],
  options: {
    tf: NonNullable<Parameters<typeof trainSae>[2]>["tf"];
    checkpoint: NonNullable<Parameters<typeof trainSae>[2]>["checkpoint"];
    step: number;
  },
): ReturnType<typeof trainSae> {
  const stop = new AbortController();
  return trainSae(config, data, {
    tf: options.tf,
    checkpoint: options.checkpoint,
    signal: stop.signal,
    progressEvery: 1,
    onProgress: (p) => {
      if (p.step === options.step) stop.abort(new Error("ctrl-c"));
    },
  });
}

Deno.test("trainSae() keeps every decoder column at unit length", async () => {
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
    await Deno.readTextFile(new URL("../../../data/reference/sae_torch.json", import.meta.url)),
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
      await assert.rejects(
        trainStoppedAt(config, data, { tf, checkpoint, step: 25 }),
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

/** smallRun()'s two variants followed by resampling ones (checks every 10 steps, a short window). */
function withResampling(over: Partial<SaeTrainConfig> = {}): SaeTrainConfig {
  const base = smallRun(over);
  const rule = {
    every: 10,
    window: 64,
    sample: 96,
    pick: "e4",
    place: "input",
    scale: 0.2,
    reset: true,
    warmup: 0,
  } as const;
  const [topk, relu] = base.variants;
  return {
    ...base,
    variants: [
      ...base.variants,
      { ...topk, label: "topk-resample", resample: rule },
      { ...topk, label: "topk-dictlearn", resample: { ...rule, pick: "e1", warmup: 5 } },
      { ...topk, label: "topk-fresh", resample: { ...rule, place: "fresh", reset: false } },
      { ...relu, label: "relu-resample", resample: rule },
    ],
  };
}

Deno.test("trainSae(): instances without resampling are bit-identical whether or not others resample (hybrid and js)", async () => {
  const tf = await loadTf("wasm");
  const data = saeSuperpositionData({ dim: 16, features: 24, active: 2, seed: 4 }, {
    evalRows: 128,
  });
  for (const engine of ["hybrid", "js"] as const) {
    const plain = await trainSae(smallRun({ steps: 60, engine }), data, { tf });
    const mixed = await trainSae(withResampling({ steps: 60, engine }), data, { tf });
    plain.results.forEach((a, i) => {
      const b = mixed.results[i];
      assert.deepEqual(
        new Uint8Array(b.params.buffer),
        new Uint8Array(a.params.buffer),
        `${engine}: ${a.label}`,
      );
      assert.equal(JSON.stringify(b.history), JSON.stringify(a.history));
      assert.deepEqual(b.since, a.since);
      assert.deepEqual(b.resamples, []);
    });
    // The resampling instances did resample.
    assert.ok(mixed.results.slice(2).some((r) => r.resamples.length > 0), engine);
  }
});

Deno.test("trainSae() with resampling resumed from a checkpoint ends bit-identical (hybrid and js)", async () => {
  const tf = await loadTf("wasm");
  const data = saeSuperpositionData({ dim: 16, features: 24, active: 2, seed: 4 }, {
    evalRows: 128,
  });
  for (const engine of ["hybrid", "js"] as const) {
    const config = withResampling({ steps: 60, engine });
    const whole = await trainSae(config, data, { tf });
    // Events before and after the stop, and one whose trace the stop cuts.
    const steps = whole.results.flatMap((r) => r.resamples.map((e) => e.step));
    assert.ok(steps.some((s) => s < 23) && steps.some((s) => s > 23), `${engine}: ${steps}`);
    const dir = await Deno.makeTempDir();
    try {
      const checkpoint = { dir, every: 7, resume: false, name: "superposition" };
      await assert.rejects(
        trainStoppedAt(config, data, { tf, checkpoint, step: 23 }),
        TrainingInterrupted,
      );
      const resumed = await trainSae(config, data, {
        tf,
        checkpoint: { ...checkpoint, resume: true },
      });
      whole.results.forEach((a, i) => {
        const b = resumed.results[i];
        assert.deepEqual(
          new Uint8Array(b.params.buffer),
          new Uint8Array(a.params.buffer),
          `${engine}: ${a.label}`,
        );
        assert.equal(JSON.stringify(b.history), JSON.stringify(a.history));
        assert.equal(JSON.stringify(b.resamples), JSON.stringify(a.resamples));
        assert.deepEqual(b.since, a.since);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});
