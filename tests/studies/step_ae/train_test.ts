/**
 * The step-autoencoder trainer (`train.ts`): PyTorch's RMSprop and Adam
 * trajectories, a stopped and resumed run against an uninterrupted one,
 * checkpoints, the ramp-knot and fixed-encoder starts, and divergence.
 */
import assert from "node:assert/strict";
import { deadUnits, latentLinearity } from "../../../lib/studies/step_ae/analysis.ts";
import { stepAeOutputs } from "../../../lib/studies/step_ae/kernel.ts";
import { initStepAe, STEP_AE_DEFAULTS } from "../../../lib/studies/step_ae/model.ts";
import { optimizerDefaults } from "../../../lib/core/optim/config.ts";
import {
  encoderView,
  fixedLinearCode,
  StepAeInterrupted,
  type StepAeTrainConfig,
  type StepAeVariant,
  trainStepAe,
} from "../../../lib/studies/step_ae/train.ts";

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../../../data/reference/step_ae_torch.json", import.meta.url)),
) as {
  n: number;
  amplitude: number;
  epochs: number;
  init: number[];
  rmsprop: { loss: number[]; final: number[] };
  adam: { loss: number[]; final: number[] };
};

function variant(over: Partial<StepAeVariant> = {}): StepAeVariant {
  return {
    label: "v",
    seed: 0,
    optimizer: optimizerDefaults("rmsprop", 1e-3),
    schedule: { kind: "constant" },
    initScale: 0.01,
    inputScale: 1,
    inputShift: 0,
    fixedEncoder: false,
    ...over,
  };
}

Deno.test("trainStepAe() follows PyTorch's RMSprop and Adam trajectories (float64, 300 epochs)", async () => {
  for (const name of ["rmsprop", "adam"] as const) {
    const config: StepAeTrainConfig = {
      model: { ...STEP_AE_DEFAULTS, n: fixture.n, amplitude: fixture.amplitude },
      variants: [variant({ optimizer: optimizerDefaults(name, 1e-3), initParams: fixture.init })],
      epochs: fixture.epochs,
      lossThreshold: 0,
      record: { lossEvery: 1, snapshotEvery: 1000, maxRows: 1024 },
      divergeAbove: 1e9,
    };
    const [r] = (await trainStepAe(config, { workers: 1 })).results;
    let worstLoss = 0;
    r.loss.steps.forEach((e, k) => {
      const ref = fixture[name].loss[e];
      worstLoss = Math.max(worstLoss, Math.abs(r.loss.values[k] - ref) / ref);
    });
    let worstParam = 0;
    r.params.forEach((v, k) =>
      worstParam = Math.max(worstParam, Math.abs(v - fixture[name].final[k]))
    );
    assert.ok(
      worstLoss < 1e-6,
      `${name}: loss differs by ${worstLoss} (relative; history is float32)`,
    );
    assert.ok(worstParam < 1e-10, `${name}: parameters differ by ${worstParam}`);
    assert.ok(Math.abs(r.finalLoss - fixture[name].loss[fixture.epochs]) < 1e-12);
  }
});

const small: StepAeTrainConfig = {
  model: { ...STEP_AE_DEFAULTS, n: 20 },
  variants: [
    variant({
      seed: 1,
      schedule: { kind: "plateau", patience: 200, minImprovement: 1e-3, lr: 1e-4 },
    }),
    variant({ seed: 2, fixedEncoder: true, hiddenInit: "knots", outputRelu: false }),
    variant({ seed: 3, optimizer: optimizerDefaults("adam", 1e-3), inputShift: -2.5 }),
  ],
  epochs: 3000,
  lossThreshold: 0.5,
  record: { lossEvery: 10, snapshotEvery: 100, maxRows: 256 },
  divergeAbove: 1e6,
};

Deno.test("a stopped and resumed run ends bit-identical to an uninterrupted one (1 and 2 workers)", async () => {
  for (const workers of [1, 2]) {
    const dir = await Deno.makeTempDir();
    const whole = await trainStepAe(small, { workers });
    // The stop lands at epoch 1500 in every thread: a stop sent from the main thread would reach a
    // worker only once it read the flag, by which time a fast worker may have finished.
    await assert.rejects(
      () =>
        trainStepAe(small, {
          workers,
          checkpoint: { dir, every: 700, resume: false },
          progressEvery: 100,
          stopAt: 1500,
        }),
      (err: Error) => err instanceof StepAeInterrupted && /epoch 1500\b/.test(err.message),
    );
    const resumed = await trainStepAe(small, {
      workers,
      checkpoint: { dir, every: 700, resume: true },
    });
    assert.deepEqual(resumed.results.map((r) => r.resumedFrom), small.variants.map(() => 1500));
    whole.results.forEach((r, i) => {
      const q = resumed.results[i];
      assert.deepEqual(q.params, r.params);
      assert.deepEqual(q.gradW1, r.gradW1);
      assert.deepEqual(q.loss, r.loss);
      assert.deepEqual(q.snapshots, r.snapshots);
      assert.equal(q.finalLoss, r.finalLoss);
      assert.equal(q.dropEpoch, r.dropEpoch);
    });
    // No temporary file is left behind, and a checkpoint of another config is refused.
    for await (const f of Deno.readDir(dir)) assert.match(f.name, /^instance-\d+\.json$/);
    await assert.rejects(
      () =>
        trainStepAe({ ...small, epochs: 4000 }, {
          workers,
          checkpoint: { dir, every: 700, resume: true },
        }),
      /made with another configuration/,
    );
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ramp knots start every hidden unit alive; the fixed code is exactly linear", async () => {
  const config: StepAeTrainConfig = {
    ...small,
    variants: [variant({ fixedEncoder: true, hiddenInit: "knots", outputRelu: false })],
    epochs: 1,
  };
  const [r] = (await trainStepAe(config, { workers: 1 })).results;
  const model = { ...config.model, outputRelu: false };
  const out = stepAeOutputs(model, r.params, encoderView(config, config.variants[0]));
  assert.equal(deadUnits(model, r.params, out.z).hidden.length, 0);
  const lin = latentLinearity(fixedLinearCode(20));
  assert.ok(Math.abs(lin.r2 - 1) < 1e-12 && lin.maxDeviation < 1e-12);
});

Deno.test("trainStepAe() freezes an instance whose loss exceeds divergeAbove; the others train as alone", async () => {
  const ok = variant({ seed: 1 });
  const bad = variant({ seed: 1, optimizer: optimizerDefaults("sgd", 10), initScale: 0.5 });
  const config: StepAeTrainConfig = {
    ...small,
    model: { ...STEP_AE_DEFAULTS, n: 8 },
    variants: [ok, bad],
    epochs: 200,
  };
  const train = async (c: StepAeTrainConfig) =>
    (await trainStepAe(c, { workers: 1, progressEvery: 200 })).results;
  const [a, b] = await train(config);
  const [alone] = await train({ ...config, variants: [ok] });
  assert.deepEqual(a, alone);
  // SGD at lr 10 overshoots: the loss of epoch 1 is far above 1e6.
  assert.equal(b.divergedAt, 1);
  assert.ok(Number.isNaN(b.finalLoss) && b.z.every(Number.isNaN));
  assert.deepEqual(b.loss.steps, [0]);
  // The threshold is the config's: below the first loss, the instance stops at epoch 0.
  const [c] = await train({ ...config, variants: [ok], divergeAbove: 1 });
  assert.equal(c.divergedAt, 0);
  assert.deepEqual(c.params, initStepAe({ ...config.model, initScale: ok.initScale }, ok.seed));
});
