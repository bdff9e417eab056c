/**
 * RMSprop following `torch.optim.RMSprop` (eps added after the square root,
 * optional centring and momentum):
 *
 *   g ← ∇ + λθ;  s ← αs + (1 − α)g²
 *   centred: a ← αa + (1 − α)g;  r ← √(s − a²) + ε,  else r ← √s + ε
 *   momentum: b ← μb + g/r, θ ← θ − γb;  else θ ← θ − γg/r
 *
 * State values smaller than {@link FLUSH} in magnitude are set to zero: a
 * parameter whose gradient stays zero (a dead ReLU unit) would otherwise see
 * its square average decay into subnormal numbers, which are slow on CPUs
 * (PyTorch users set `torch.set_flush_denormal`). Such values are far below
 * anything an update can resolve.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { OptimizerConfig } from "./config.ts";
import { type ArrayRule, FLUSH, type TensorRule } from "./_rule.ts";

/** Plain-array RMSprop over one instance's slice. State: [square avg, grad avg, momentum buffer]. */
export const rmspropArrays: ArrayRule = (cfg: OptimizerConfig, p, g, state, off, len, lr, wd) => {
  const alpha = cfg.alpha;
  const eps = cfg.eps;
  const mu = cfg.momentum;
  const [sq, avg, buf] = state;
  for (let k = off; k < off + len; k++) {
    let d = g[k];
    if (wd !== 0) d = d + wd * p[k];
    let s = sq[k] * alpha + (1 - alpha) * d * d;
    if (s < FLUSH) s = 0;
    sq[k] = s;
    let r: number;
    if (cfg.centered) {
      let a = avg[k] * alpha + (1 - alpha) * d;
      if (Math.abs(a) < FLUSH) a = 0;
      avg[k] = a;
      r = Math.sqrt(s - a * a) + eps;
    } else {
      r = Math.sqrt(s) + eps;
    }
    if (mu > 0) {
      let b = buf[k] * mu + d / r;
      if (Math.abs(b) < FLUSH) b = 0;
      buf[k] = b;
      p[k] = p[k] - lr * b;
    } else {
      p[k] = p[k] - lr * (d / r);
    }
  }
};

/** Tensor RMSprop. State: [square avg, grad avg, momentum buffer]. */
export const rmspropTensors: TensorRule = (_tf, cfg, p, g, state, lr, wd) => {
  const d: tf.Tensor = wd !== null ? g.add(p.mul(wd)) : g;
  const s = state[0].mul(cfg.alpha).add(d.square().mul(1 - cfg.alpha));
  let a = state[1];
  let r: tf.Tensor;
  if (cfg.centered) {
    a = state[1].mul(cfg.alpha).add(d.mul(1 - cfg.alpha));
    r = s.sub(a.square()).sqrt().add(cfg.eps);
  } else {
    r = s.sqrt().add(cfg.eps);
  }
  if (cfg.momentum > 0) {
    const b = state[2].mul(cfg.momentum).add(d.div(r));
    return { param: p.sub(lr.mul(b)), state: [s, a, b] };
  }
  return { param: p.sub(lr.mul(d.div(r))), state: [s, a, state[2]] };
};
