/**
 * Writes the inputs of the PyTorch SAE reference (scripts/reference/sae_torch.py):
 * a small superposition dataset's training batches, its mean and variance,
 * and the lab's seeded starting parameters of every variant, as JSON. The
 * Python script trains the same models with autograd and torch.optim.Adam and
 * writes data/reference/sae_torch.json, which tests/studies/sae/train_test.ts replays.
 *
 *   deno run -A scripts/reference/sae_inputs.ts OUT.json
 *
 * @module
 */
import { initSae, saeLayout } from "../../lib/studies/sae/model.ts";
import { optimizerDefaults } from "../../lib/core/optim/config.ts";
import { type SaeTrainConfig, variantConfig } from "../../lib/studies/sae/train.ts";
import { saeSuperpositionData, type SuperpositionConfig } from "../../lib/studies/sae/data.ts";

// Small enough to replay in a test, long enough for latents to die (three
// batches without firing) and for AuxK to act on them.
const data: SuperpositionConfig = { dim: 8, features: 12, active: 2, seed: 5 };
const base = {
  steps: 120,
  batch: 16,
  optimizer: optimizerDefaults("adam", 1e-2),
  evalEvery: 1,
  divergeAbove: 1e6,
  engine: "js",
} as const;
const RUNS: { name: string; train: SaeTrainConfig }[] = [
  {
    name: "residual",
    train: {
      ...base,
      model: { dim: 8, latents: 24, deadAfter: 48, auxNorm: "residual" },
      variants: [
        { label: "topk-auxk", activation: "topk", k: 2, auxCoef: 0.25, l1: 0, seed: 1 },
        { label: "topk", activation: "topk", k: 2, auxCoef: 0, l1: 0, seed: 2 },
        { label: "relu-l1", activation: "relu", k: 2, auxCoef: 0, l1: 0.1, seed: 3 },
      ],
    },
  },
  {
    name: "data",
    train: {
      ...base,
      model: { dim: 8, latents: 24, deadAfter: 48, auxNorm: "data" },
      variants: [
        { label: "topk-auxk", activation: "topk", k: 3, auxCoef: 1, l1: 0, seed: 4 },
      ],
    },
  },
];

const [out] = Deno.args;
if (!out) {
  console.error("usage: deno run -A scripts/reference/sae_inputs.ts OUT.json");
  Deno.exit(2);
}
// Both runs train on the same stream.
const stream = saeSuperpositionData(data, { evalRows: 16 });
const batches: number[] = [];
const x = new Float64Array(base.batch * data.dim);
for (let step = 0; step < base.steps; step++) {
  stream.batch(step, base.batch, x);
  batches.push(...x);
}
const runs = RUNS.map(({ name, train }) => ({
  name,
  config: train,
  layout: saeLayout(train.model),
  init: train.variants.map((v) =>
    Array.from(initSae(variantConfig(train, v), { seed: v.seed, preBias: stream.mean }))
  ),
}));
await Deno.writeTextFile(
  out,
  JSON.stringify({
    data: { ...data, mean: Array.from(stream.mean), variance: stream.variance, batches },
    runs,
  }),
);
