/** Builders shared by the sae tests: a small model config, random cases and a small run. */
import { initSae, type SaeConfig } from "../../../lib/studies/sae/model.ts";
import { saePreActivations } from "../../../lib/studies/sae/kernel.ts";
import type { SaeTrainConfig } from "../../../lib/studies/sae/train.ts";
import { optimizerDefaults } from "../../../lib/core/optim/config.ts";
import { Rng } from "../../../lib/core/random.ts";

/** A small top-k model with AuxK on and a short dead-latent window. */
export const BASE: SaeConfig = {
  dim: 7,
  latents: 12,
  activation: "topk",
  k: 3,
  auxCoef: 0.5,
  auxNorm: "residual",
  deadAfter: 5,
  l1: 0,
};

/** Random parameters (unit decoder columns plus noise on everything) and data. */
export function randomCase(c: SaeConfig, seed: number, rows: number): {
  params: Float64Array;
  x: Float64Array;
  pre: Float64Array;
} {
  const rng = new Rng(seed);
  const params = initSae(c, { seed });
  for (let i = 0; i < params.length; i++) params[i] += 0.3 * rng.normal();
  const x = rng.fillNormal(new Float64Array(rows * c.dim)); // [rows, dim]
  const pre = new Float64Array(rows * c.latents); // [rows, latents]
  saePreActivations(c, params, { x, rows, out: pre });
  return { params, x, pre };
}

/** The largest absolute elementwise difference. */
export function worstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** A small two-instance run (top-k with AuxK and ReLU + L1). */
export function smallRun(over: Partial<SaeTrainConfig> = {}): SaeTrainConfig {
  return {
    model: { dim: 16, latents: 32, deadAfter: 500, auxNorm: "residual" },
    variants: [
      { label: "topk", activation: "topk", k: 2, auxCoef: 1 / 32, l1: 0, seed: 3 },
      { label: "relu", activation: "relu", k: 2, auxCoef: 0, l1: 0.3, seed: 3 },
    ],
    steps: 30,
    batch: 32,
    optimizer: optimizerDefaults("adam", 3e-3),
    evalEvery: 10,
    divergeAbove: 1e6,
    engine: "js",
    ...over,
  };
}
