/**
 * The sae experiment (`lib/studies/sae/experiments/sae.ts`): its config errors,
 * its declared defaults, and its artefacts from a run whose every instance
 * diverged.
 */
import assert from "node:assert/strict";
import { resolveConfig } from "../../../lib/core/experiment.ts";
import { sae } from "../../../lib/studies/sae/experiments/sae.ts";

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

Deno.test("sae's artefacts still build from a run whose every instance diverged", async () => {
  const config = resolveConfig(sae, "smoke", [["lr", "10"], ["mnistSteps", "0"], ["engine", "js"]]);
  const result = await sae.run(config, {});
  const art = sae.artefacts(result, config);
  const models = art.summary.models as { diverged: number; recovered: number }[];
  assert.ok(models.every((m) => m.diverged === 1 && Number.isNaN(m.recovered)));
});

Deno.test("sae's fields declare the defaults and profiles the report was made with", () => {
  assert.deepEqual(sae.defaults, {
    seed: 0,
    seeds: 1,
    dim: 64,
    features: 256,
    active: 4,
    latents: 256,
    k: 4,
    models: "topk,topk-auxk,relu-l1",
    l1: "0.1,0.3,1",
    auxCoef: 1 / 32,
    auxNorm: "residual",
    deadAfter: 10_000,
    steps: 3000,
    batch: 256,
    lr: 1e-3,
    divergeAbove: 1e6,
    evalSize: 2048,
    engine: "hybrid",
    mnistSteps: 1000,
    mnistLatents: 256,
    mnistK: 16,
    mnistBatch: 128,
    mnistImages: 9000,
    checkpointEvery: 2000,
  });
  assert.deepEqual(sae.profiles.full, {
    seeds: 3,
    steps: 20_000,
    mnistSteps: 10_000,
    mnistLatents: 512,
  });
  assert.equal(sae.checkpoints, true);
});
