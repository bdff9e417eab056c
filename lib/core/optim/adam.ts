/**
 * Adam and AdamW following `torch.optim.Adam` / `torch.optim.AdamW`
 * (amsgrad off, PyTorch's operation order):
 *
 *   Adam:  g ← ∇ + λθ
 *   AdamW: θ ← θ(1 − γλ)
 *   m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²
 *   θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { OptimizerConfig } from "./config.ts";
import { type ArrayRule, FLUSH, type TensorRule } from "./_rule.ts";

// The instances of a run take the same steps, so the two powers of a step are computed once
// and kept in a small table indexed by the step: a loop that steps one instance through a span
// of steps, then the next instance through the same span, finds them there.
const SLOTS = 1024; // a power of two
const corr = {
  b1: NaN,
  b2: NaN,
  t: new Float64Array(SLOTS).fill(NaN), // [slot]: the step whose powers the slot holds
  bc1: new Float64Array(SLOTS), // [slot]: 1 − β₁ᵗ
  bc2Sqrt: new Float64Array(SLOTS), // [slot]: √(1 − β₂ᵗ)
};
/**
 * Adam's bias corrections at step count t: 1 − β₁ᵗ and √(1 − β₂ᵗ). The one
 * definition: the array rule's table below and the toy kernels' tables
 * (`studies/toy/_lanes.ts`) take them from here, so both have the same bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adamBiasCorrection } from "./adam.ts";
 * assert.deepEqual(adamBiasCorrection(0.9, 0.999, 1), [1 - 0.9, Math.sqrt(1 - 0.999)]);
 * ```
 */
export function adamBiasCorrection(b1: number, b2: number, t: number): [number, number] {
  return [1 - b1 ** t, Math.sqrt(1 - b2 ** t)];
}

/** The slot of `corr` that holds step t's bias corrections for β₁ = b1, β₂ = b2. */
function biasCorrection(b1: number, b2: number, t: number): number {
  if (corr.b1 !== b1 || corr.b2 !== b2) {
    corr.b1 = b1;
    corr.b2 = b2;
    corr.t.fill(NaN);
  }
  const k = t & (SLOTS - 1);
  if (corr.t[k] !== t) {
    corr.t[k] = t;
    [corr.bc1[k], corr.bc2Sqrt[k]] = adamBiasCorrection(b1, b2, t);
  }
  return k;
}

/** Plain-array Adam/AdamW over one instance's slice. State: [m, v]. */
export const adamArrays: ArrayRule = (cfg: OptimizerConfig, p, g, state, off, len, lr, wd, t) => {
  const decoupled = cfg.name === "adamw";
  const b1 = cfg.beta1;
  const b2 = cfg.beta2;
  const eps = cfg.eps;
  const slot = biasCorrection(b1, b2, t);
  const stepSize = lr / corr.bc1[slot];
  const bc2Sqrt = corr.bc2Sqrt[slot];
  const decay = 1 - lr * wd;
  const m = state[0];
  const v = state[1];
  for (let k = off; k < off + len; k++) {
    let d = g[k];
    let theta = p[k];
    if (wd !== 0) {
      if (decoupled) theta = theta * decay;
      else d = d + wd * theta;
    }
    let mk = m[k] * b1 + (1 - b1) * d;
    let vk = v[k] * b2 + (1 - b2) * d * d;
    // Keep decaying moments of zero gradients out of the slow subnormal range.
    if (Math.abs(mk) < FLUSH) mk = 0;
    if (vk < FLUSH) vk = 0;
    m[k] = mk;
    v[k] = vk;
    p[k] = theta - stepSize * (mk / (Math.sqrt(vk) / bc2Sqrt + eps));
  }
};

/** Tensor Adam/AdamW. State: [m, v]. */
export const adamTensors: TensorRule = (_tf, cfg, p, g, state, lr, wd, t) => {
  let theta: tf.Tensor = p;
  let d: tf.Tensor = g;
  if (wd !== null) {
    if (cfg.name === "adamw") theta = p.mul(lr.mul(wd).neg().add(1));
    else d = g.add(p.mul(wd));
  }
  const m = state[0].mul(cfg.beta1).add(d.mul(1 - cfg.beta1));
  const v = state[1].mul(cfg.beta2).add(d.square().mul(1 - cfg.beta2));
  const stepSize = lr.div(1 - cfg.beta1 ** t);
  const denom = v.sqrt().div(Math.sqrt(1 - cfg.beta2 ** t)).add(cfg.eps);
  return { param: theta.sub(stepSize.mul(m.div(denom))), state: [m, v] };
};
