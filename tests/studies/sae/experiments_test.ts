/**
 * The sae experiment (`lib/studies/sae/experiments/sae.ts`): its config errors,
 * its declared defaults, its artefacts from a run whose every instance
 * diverged, the smoke profile's resampling, and the models without
 * resampling unchanged by the ones with it.
 */
import assert from "node:assert/strict";
import { configure, resolveConfig } from "../../../lib/core/experiment.ts";
import { sae } from "../../../lib/studies/sae/experiments/sae.ts";
import { mean } from "../../../lib/core/stats.ts";
import { subtitles } from "../../helpers.ts";

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

Deno.test("sae marks diverged seeds and leaves them out of every mean of the others", async () => {
  // At Adam lr 3 both seeds of ReLU + L1 (λ=0.1) diverge, seed 0 of λ=0.3 and of λ=1 too;
  // top-k trains on.
  const c = configure(sae, {
    models: "topk,relu-l1",
    seeds: 2,
    steps: 100,
    lr: 3,
    mnistSteps: 0,
    engine: "js",
  }, "smoke");
  const art = sae.artefacts(await sae.run(c, {}), c);
  type Row = Record<string, unknown>;
  const runs = art.tables.runs.objects() as Row[];
  assert.deepEqual(runs.map((r) => r.diverged_at), [null, null, 2, 5, 2, null, 2, null]);
  for (const r of runs.filter((x) => x.diverged_at !== null)) {
    assert.deepEqual([r.eval_nmse, r.recovered, r.max_dead_fraction, r.final_loss], [
      null,
      null,
      null,
      null,
    ]);
  }
  const models = art.tables.models.objects() as Row[];
  const byName = (m: string) => models.find((x) => x.model === m)!;
  const mid = byName("ReLU + L1 (λ=0.3)");
  assert.deepEqual([mid.seeds, mid.diverged], [2, 1]);
  assert.equal(mid.eval_nmse, runs[5].eval_nmse); // the mean of the one that did not diverge
  const topk = byName("top-k");
  assert.equal(topk.eval_nmse, mean([runs[0].eval_nmse as number, runs[1].eval_nmse as number]));
  const gone = byName("ReLU + L1 (λ=0.1)");
  assert.deepEqual([gone.diverged, gone.eval_nmse, gone.recovered], [2, null, null]);
  // No best cosine of a diverged decoder, no evaluation at or after a divergence.
  const recovered = art.tables.recovery.objects() as Row[];
  assert.ok(!recovered.some((r) => r.model === "ReLU + L1 (λ=0.1)"));
  assert.ok(!recovered.some((r) => r.model === "ReLU + L1 (λ=1)" && r.seed === 0));
  const history = art.tables.history.objects() as Row[];
  assert.ok(history.every((h) => Number.isFinite(h.eval_nmse)));
  for (const r of runs.filter((x) => x.diverged_at !== null)) {
    const after = history.filter((h) =>
      h.model === r.model && h.seed === r.seed && (h.step as number) >= (r.diverged_at as number)
    );
    assert.deepEqual(after, [], `${r.model} seed ${r.seed}`);
  }
  assert.deepEqual(art.summary.divergence, { diverged: 4, instances: 8, first_diverged_at: 2 });
  assert.equal(
    art.notes[1],
    "4 of 8 instances diverged (loss not finite or above 1e6), the first at step 2; they are " +
      "left out of every statistic below.",
  );
  assert.ok(
    art.notes.includes("ReLU + L1 (λ=0.1): all 2 seeds diverged; nothing it learnt is reported."),
  );
  assert.match(
    art.notes.find((n) => n.startsWith("ReLU + L1 (λ=0.3)"))!,
    /; 1 of 2 seeds diverged, left out\.$/,
  );
  assert.equal(subtitles(art.figures.recovery).at(-1), "4 of 8 instances diverged, not shown");
  assert.equal(
    subtitles(art.figures.metrics).at(-1),
    "4 of 8 instances diverged, drawn up to there",
  );
});

Deno.test("sae reports nothing a diverged MNIST run learnt", async () => {
  const c = configure(sae, { steps: 0, mnistSteps: 5, lr: 1000, engine: "js" }, "smoke");
  const art = sae.artefacts(await sae.run(c, {}), c);
  const mnist = art.summary.mnist as Record<string, unknown>;
  assert.equal(mnist.diverged_at, 2);
  assert.ok(Number.isNaN(mnist.eval_nmse) && Number.isNaN(mnist.max_dead_fraction));
  assert.equal(mnist.never_fired_on_held_out, null);
  const latents = art.tables.mnist_latents.objects() as Record<string, unknown>[];
  assert.deepEqual(latents.map((r) => r.latent), latents.map((_, j) => j));
  assert.ok(latents.every((r) => r.frequency === null && r.rank === null && r.dead === null));
  assert.deepEqual(art.tables.mnist_history.array("step"), [0, 1]); // up to the divergence
  assert.deepEqual(subtitles(art.figures.mnist_decoder), [
    "diverged at step 2: nothing learnt to show",
  ]);
  assert.match(
    art.notes.at(-1)!,
    /The run diverged at step 2 \(loss not finite or above 1e6\); nothing it learnt is reported\./,
  );
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
