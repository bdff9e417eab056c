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

// Every instance of a run shares the step count, so the two powers are
// computed once per step rather than once per instance.
const corr = { b1: NaN, b2: NaN, t: NaN, bc1: NaN, bc2Sqrt: NaN };
function biasCorrection(b1: number, b2: number, t: number) {
  if (corr.t !== t || corr.b1 !== b1 || corr.b2 !== b2) {
    corr.b1 = b1;
    corr.b2 = b2;
    corr.t = t;
    corr.bc1 = 1 - b1 ** t;
    corr.bc2Sqrt = Math.sqrt(1 - b2 ** t);
  }
  return corr;
}

/** Plain-array Adam/AdamW over one instance's slice. State: [m, v]. */
export const adamArrays: ArrayRule = (cfg: OptimizerConfig, p, g, state, off, len, lr, wd, t) => {
  const decoupled = cfg.name === "adamw";
  const b1 = cfg.beta1;
  const b2 = cfg.beta2;
  const eps = cfg.eps;
  const { bc1, bc2Sqrt } = biasCorrection(b1, b2, t);
  const stepSize = lr / bc1;
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
