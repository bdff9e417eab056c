/**
 * Writes the inputs of the PyTorch reference for resampling dead SAE latents
 * (scripts/reference/sae_resample_torch.py): a small superposition stream's
 * training batches, its mean and variance, every variant's seeded start, and
 * the draws of every check the lab's trainer could make (the candidate
 * examples, the uniform picks and the fresh directions of each variant at
 * each check step), as JSON. The Python script trains the same variants with
 * autograd and torch.optim.Adam, resamples with the given draws, and writes
 * data/reference/sae_resample_torch.json, which
 * tests/studies/sae/resample_test.ts replays.
 *
 *   deno run -A scripts/reference/sae_resample_inputs.ts OUT.json
 *
 * @module
 */
import { initSae, saeLayout } from "../../lib/studies/sae/model.ts";
import { optimizerDefaults } from "../../lib/core/optim/config.ts";
import { type SaeTrainConfig, variantConfig } from "../../lib/studies/sae/train.ts";
import { saeSuperpositionData, type SuperpositionConfig } from "../../lib/studies/sae/data.ts";
import { pickUniforms, resampleSeeds, type SaeResample } from "../../lib/studies/sae/resample.ts";
import { isResampleStep } from "../../lib/core/train/resample.ts";
import { Rng } from "../../lib/core/random.ts";

// Small enough to replay in a test; latents fall silent for two batches
// (the window) often enough that both checks rebuild some.
const data: SuperpositionConfig = { dim: 8, features: 12, active: 2, seed: 6 };
const schedule = { every: 20, window: 32, sample: 64 };
const anthropic: SaeResample = {
  ...schedule,
  pick: "e4",
  place: "input",
  scale: 0.2,
  reset: true,
  warmup: 0,
};
const train: SaeTrainConfig = {
  model: { dim: 8, latents: 24, deadAfter: 48, auxNorm: "residual" },
  variants: [
    {
      label: "anthropic",
      activation: "topk",
      k: 2,
      auxCoef: 0,
      l1: 0,
      seed: 1,
      resample: anthropic,
    },
    {
      label: "arena",
      activation: "topk",
      k: 2,
      auxCoef: 0,
      l1: 0,
      seed: 2,
      resample: { ...anthropic, scale: 0.5, reset: false },
    },
    {
      label: "dictlearn",
      activation: "topk",
      k: 2,
      auxCoef: 0,
      l1: 0,
      seed: 3,
      resample: { ...anthropic, pick: "e1", warmup: 8 },
    },
    {
      label: "fresh",
      activation: "topk",
      k: 2,
      auxCoef: 0,
      l1: 0,
      seed: 4,
      resample: { ...anthropic, place: "fresh", reset: false },
    },
    {
      label: "auxk-e2",
      activation: "topk",
      k: 2,
      auxCoef: 0.25,
      l1: 0,
      seed: 5,
      resample: { ...anthropic, pick: "e2" },
    },
    {
      label: "relu-l1",
      activation: "relu",
      k: 2,
      auxCoef: 0,
      l1: 0.3,
      seed: 6,
      resample: anthropic,
    },
  ],
  steps: 60,
  batch: 16,
  optimizer: optimizerDefaults("adam", 1e-2),
  evalEvery: 60,
  divergeAbove: 1e6,
  engine: "js",
};

const [out] = Deno.args;
if (!out) {
  console.error("usage: deno run -A scripts/reference/sae_resample_inputs.ts OUT.json");
  Deno.exit(2);
}
const stream = saeSuperpositionData(data, { evalRows: 16 });
const { dim, latents } = train.model;
const batches: number[] = [];
const x = new Float64Array(train.batch * dim);
for (let step = 0; step < train.steps; step++) {
  stream.batch(step, train.batch, x);
  batches.push(...x);
}
// What a check after each scheduled step may draw: candidates, one uniform
// per latent that can be due (at most all of them), one direction each.
const draws = train.variants.map((v) => {
  const rule = v.resample!;
  const steps = Array.from({ length: train.steps }, (_, t) => t + 1)
    .filter((t) => isResampleStep(t, rule.every, train.steps));
  return steps.map((step) => {
    const seeds = resampleSeeds(v.seed, step);
    const sample = new Float64Array(rule.sample * dim);
    stream.sample!(seeds.sample, rule.sample, sample);
    const rng = new Rng(seeds.fresh);
    const fresh = Array.from({ length: latents }, () => rng.fillUnitVector(new Float64Array(dim)));
    return {
      step,
      sampleSeed: seeds.sample,
      sample: Array.from(sample),
      uniforms: Array.from(pickUniforms(seeds.pick, latents)),
      fresh: fresh.flatMap((d) => Array.from(d)),
    };
  });
});
await Deno.writeTextFile(
  out,
  JSON.stringify({
    data: { ...data, mean: Array.from(stream.mean), variance: stream.variance, batches },
    config: train,
    layout: saeLayout(train.model),
    init: train.variants.map((v) =>
      Array.from(initSae(variantConfig(train, v), { seed: v.seed, preBias: stream.mean }))
    ),
    draws,
  }),
);
