/**
 * The fused engine's wasm kernels (`_lanes.ts`, `kernel.as.ts`: pairs of
 * instances on one-hot data, one instance at a time on a fixed sparse set)
 * against its scalar path: every output of a run (parameters, final losses,
 * divergence steps, loss rows, snapshots) must be the same bits with the
 * kernels on and off, across the cases they handle differently — Adam and
 * AdamW, with and without bias, per-instance rates and weight decays (some
 * zero), a schedule, an odd instance count and an odd n, snapshot rows
 * inside a pass, and instances diverging part-way through one.
 */
import assert from "node:assert/strict";
import { optimizerDefaults } from "../../../lib/core/optim/config.ts";
import type { ToyTrainConfig, ToyTrainResult } from "../../../lib/studies/toy/config.ts";
import { trainToy } from "../../../lib/studies/toy/train.ts";
import { TOY_MODEL_DEFAULTS } from "../../../lib/studies/toy/model.ts";

/** Every number of a range's result, as bytes, keyed by output. */
function bytesOf(r: ToyTrainResult): Record<string, Uint8Array> {
  const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  return {
    params: view(r.final.data),
    finalLoss: view(r.finalLoss),
    divergedAt: view(r.divergedAt),
    lossSteps: Uint8Array.from(r.loss.steps),
    loss: view(r.loss.values),
    snapshotSteps: Uint8Array.from(r.snapshots.steps),
    snapshots: view(r.snapshots.values),
  };
}

/**
 * Trains `config` with the kernels off and on, on one worker and on two;
 * returns the kernel run after checking that every run gives the same bits.
 */
async function assertSameBothWays(config: ToyTrainConfig): Promise<ToyTrainResult> {
  const options = { progressEvery: 97, workers: 1 };
  const scalar = await trainToy(config, { ...options, kernel: false });
  const lanes = await trainToy(config, { ...options, kernel: true });
  assert.equal(scalar.backend, "js-float64");
  assert.equal(lanes.backend, "wasm-simd-float64", "the case must take a kernel path");
  const two = await trainToy(config, { ...options, workers: 2 }); // ranges of 4 and 5 instances
  assert.deepEqual(bytesOf(two), bytesOf(lanes), "two workers");
  const a = bytesOf(scalar);
  const b = bytesOf(lanes);
  for (const key of Object.keys(a)) assert.deepEqual(b[key], a[key], `${key} differs`);
  return lanes;
}

function base(overrides: Partial<ToyTrainConfig> = {}): ToyTrainConfig {
  const seeds = Array.from({ length: 9 }, (_, i) => 40 + i); // odd: the last instance runs alone
  return {
    model: { ...TOY_MODEL_DEFAULTS, n: 7, m: 2, bias: true },
    data: { kind: "identity" },
    importanceDecay: 0.9,
    optimizer: optimizerDefaults("adamw", 1e-2),
    steps: 700,
    seeds,
    // Snapshots every 30 steps cut each pass into runs of the kernel; loss rows every 7.
    record: { lossEvery: 7, snapshotEvery: 30, maxLossRows: 1000, maxSnapshots: 64 },
    divergeAbove: 1e6,
    ...overrides,
  };
}

Deno.test("lanes: AdamW with bias, per-instance rates and decays (some zero), same bits as the scalar path", async () => {
  await assertSameBothWays(base({
    lrs: [1e-2, 3e-2, 1e-3, 1e-2, 5e-2, 2e-2, 1e-2, 7e-3, 1e-2],
    weightDecays: [0.01, 0, 0, 0.1, 0.01, 0.01, 0, 0.05, 0.01],
  }));
});

Deno.test("lanes: Adam (coupled decay) with and without bias, and with a warm-up + cosine schedule", async () => {
  // Coupled decay zero for one lane of a pair only: that pair must take the scalar path, the others not.
  const weightDecays = [0, 0, 0.01, 0.02, 0.01, 0, 0.03, 0.03, 0.01];
  await assertSameBothWays(base({ optimizer: optimizerDefaults("adam", 1e-2), weightDecays }));
  await assertSameBothWays(base({
    model: { ...TOY_MODEL_DEFAULTS, n: 6, m: 2, bias: false },
    optimizer: optimizerDefaults("adam", 1e-2),
  }));
  await assertSameBothWays(base({ schedule: { kind: "warmup-cosine", warmup: 100 } }));
});

Deno.test("lanes: instances that diverge part-way through a pass are marked at the same step", async () => {
  // Large rates for some instances: their loss passes the limit after a few hundred steps.
  const r = await assertSameBothWays(base({
    optimizer: optimizerDefaults("adam", 1e-2),
    lrs: [1e-2, 3, 1e-2, 1e-2, 8, 3, 1e-2, 1e-2, 5],
    divergeAbove: 2,
  }));
  const at = Array.from(r.divergedAt);
  const mid = at.filter((s) => s > 0 && s < 700);
  assert.ok(mid.length >= 2, `expected instances to diverge mid-run, got ${at}`);
  assert.ok(at.some((s) => s < 0), "and others to live on");
  // At least one diverged instance's partner lives on (the pair finishes on the scalar path).
  assert.ok([0, 2, 4, 6].some((i) => (at[i] >= 0) !== (at[i + 1] >= 0)), `${at}`);
});

/** A fixed set of `examples` sparse examples per instance, n = 41 (odd: the kernel's last feature is alone). */
function sparse(examples: number, overrides: Partial<ToyTrainConfig> = {}): ToyTrainConfig {
  return base({
    model: { ...TOY_MODEL_DEFAULTS, n: 41, m: 2, bias: true, init: "xavier" },
    data: { kind: "sparse", sparsity: 0.9, examples, batchSize: examples },
    importanceDecay: 1,
    steps: 500,
    ...overrides,
  });
}

Deno.test("sparse kernel: AdamW and Adam on fixed sparse sets, with and without bias, same bits as the scalar path", async () => {
  await assertSameBothWays(sparse(5, {
    schedule: { kind: "warmup-cosine", warmup: 50 },
    lrs: [1e-2, 3e-2, 1e-3, 1e-2, 5e-2, 2e-2, 1e-2, 7e-3, 1e-2],
    weightDecays: [0.01, 0, 0, 0.1, 0.01, 0.01, 0, 0.05, 0.01],
  }));
  await assertSameBothWays(sparse(12, {
    optimizer: optimizerDefaults("adam", 1e-2),
    weightDecays: [0, 0, 0.01, 0.02, 0.01, 0, 0.03, 0.03, 0.01],
  }));
  await assertSameBothWays(
    sparse(3, { model: { ...TOY_MODEL_DEFAULTS, n: 40, m: 2, bias: false } }),
  );
});

Deno.test("sparse kernel: instances that diverge part-way are marked at the same step", async () => {
  const r = await assertSameBothWays(sparse(6, {
    optimizer: optimizerDefaults("adam", 1e-2),
    lrs: [1e-2, 2, 1e-2, 1e-2, 6, 2, 1e-2, 1e-2, 4],
    divergeAbove: 0.5,
  }));
  const at = Array.from(r.divergedAt);
  assert.ok(
    at.filter((s) => s > 0 && s < 500).length >= 2,
    `expected mid-run divergence, got ${at}`,
  );
  assert.ok(at.some((s) => s < 0), "and others to live on");
});

Deno.test("kernels: runs that fit neither are left to the scalar path", async () => {
  const c = { ...base(), steps: 20 };
  const backend = async (config: ToyTrainConfig) =>
    (await trainToy(config, { workers: 1 })).backend;
  assert.equal(
    await backend({ ...c, optimizer: optimizerDefaults("rmsprop", 1e-2) }),
    "js-float64",
  );
  assert.equal(await backend({ ...c, model: { ...c.model, m: 3 } }), "js-float64");
  assert.equal(await backend({ ...c, data: { kind: "identity", omit: [2] } }), "js-float64");
  assert.equal(await backend({ ...c, frozen: [0] }), "js-float64");
  const fresh = { kind: "sparse", sparsity: 0.5, examples: 0, batchSize: 5 } as const;
  assert.equal(await backend({ ...c, data: fresh }), "js-float64"); // fresh batches every step
  assert.equal(await backend({ ...c, seeds: [3] }), "js-float64"); // no partner for the pair kernel
  assert.equal(await backend({ ...sparse(5), steps: 20 }), "wasm-simd-float64");
});
