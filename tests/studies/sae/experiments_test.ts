/**
 * The sae experiment (`lib/studies/sae/experiments/sae.ts`): its config errors,
 * its declared defaults, its artefacts from a run whose every instance
 * diverged, the smoke profile's resampling, and the models without
 * resampling unchanged by the ones with it.
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
    [["models", "topk,topk-resampling"]],
    [["resampleEvery", "0"]],
    [["resampleWindow", "-1"]],
    [["resampleSample", "0"]],
    [["resampleSample", "2000000"]],
    [["resampleWarmup", "1.5"]],
  ];
  const expected = [
    /^ConfigError: k=300 is not allowed with latents=256: k must be <= latents \(top-k keeps k of the latents\)$/,
    /^ConfigError: k=17 is not allowed with latents=16: k must be <= latents/,
    /^ConfigError: active=300 is not allowed with features=256: active must be <= features/,
    /^ConfigError: mnistK=999 is not allowed with mnistLatents=256: mnistK must be <= mnistLatents/,
    /^ConfigError: models=topk,sparse is not allowed: models must be a comma-separated list of topk\|topk-auxk\|relu-l1\|topk-resample\|topk-resample-arena\|topk-resample-dictlearn\|topk-resample-fresh\|relu-l1-resample$/,
    /^ConfigError: auxNorm=batch is not allowed: auxNorm must be one of residual\|data$/,
    /^ConfigError: l1=-1 is not allowed: l1 must be a comma-separated list of numbers >= 0$/,
    /^ConfigError: engine=gpu is not allowed: engine must be one of hybrid\|js$/,
    /^ConfigError: models=topk,topk-resampling is not allowed: models must be a comma-separated list of topk\|/,
    /^ConfigError: resampleEvery=0 is not allowed: resampleEvery must be an integer >= 1/,
    /^ConfigError: resampleWindow=-1 is not allowed: resampleWindow must be an integer >= 0/,
    /^ConfigError: resampleSample=0 is not allowed: resampleSample must be an integer >= 1 and <= 1000000$/,
    /^ConfigError: resampleSample=2000000 is not allowed: resampleSample must be an integer >= 1 and <= 1000000$/,
    /^ConfigError: resampleWarmup=1.5 is not allowed: resampleWarmup must be an integer >= 0/,
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
    models: "topk,topk-auxk,relu-l1,topk-resample,topk-resample-arena,topk-resample-dictlearn," +
      "topk-resample-fresh",
    l1: "0.1,0.3,1",
    auxCoef: 1 / 32,
    auxNorm: "residual",
    deadAfter: 10_000,
    resampleEvery: 500,
    resampleWindow: 0,
    resampleSample: 4096,
    resampleWarmup: 50,
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
    models: "topk,topk-auxk,relu-l1,topk-resample,topk-resample-arena,topk-resample-dictlearn," +
      "topk-resample-fresh,relu-l1-resample",
    resampleEvery: 2500,
    resampleWarmup: 250,
    mnistSteps: 10_000,
    mnistLatents: 512,
  });
  assert.equal(sae.checkpoints, true);
});

Deno.test("sae's smoke profile has resampling models, and they resample", async () => {
  const config = resolveConfig(sae, "smoke", [["mnistSteps", "0"], ["engine", "js"]]);
  assert.ok(config.models.split(",").some((m) => m.includes("resampl")));
  const art = sae.artefacts(await sae.run(config, {}), config);
  const events = art.tables.resample_events;
  assert.ok(events.numRows() > 0, "no resampling event in smoke");
  const models = art.tables.models.objects() as { model: string; resamples: number }[];
  assert.ok(models.filter((m) => m.model.includes("resampl")).some((m) => m.resamples > 0));
  assert.ok(models.filter((m) => !m.model.includes("resampl")).every((m) => m.resamples === 0));
  assert.ok(typeof art.summary.resample_seconds === "number");
});

Deno.test("sae: models=topk gives the same top-k as a run that also has resampling models (hybrid and js)", async () => {
  for (const engine of ["hybrid", "js"]) {
    const sets: [string, string][] = [["mnistSteps", "0"], ["engine", engine]];
    const alone = resolveConfig(sae, "smoke", [...sets, ["models", "topk"]]);
    const mixed = resolveConfig(sae, "smoke", [
      ...sets,
      ["models", "topk,topk-resample,topk-resample-fresh"],
    ]);
    const a = sae.artefacts(await sae.run(alone, {}), alone);
    const b = sae.artefacts(await sae.run(mixed, {}), mixed);
    for (const table of ["runs", "history", "recovery"]) {
      const rows = (t: string, art: typeof a) =>
        JSON.stringify(
          (art.tables[t].objects() as { model: string }[]).filter((r) => r.model === "top-k"),
        );
      assert.equal(rows(table, b), rows(table, a), `${engine}: ${table}`);
    }
    assert.ok(b.tables.resample_events.numRows() > 0, engine);
  }
});
