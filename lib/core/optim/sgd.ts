/**
 * SGD with optional momentum, dampening, Nesterov and L2 weight decay,
 * following `torch.optim.SGD`'s documented update:
 *
 *   g ← ∇ + λθ;  b ← g on the first step, else μb + (1 − τ)g;
 *   g ← g + μb (Nesterov) or b;  θ ← θ − γg.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { OptimizerConfig } from "./config.ts";
import { type ArrayRule, FLUSH, type TensorRule } from "./_rule.ts";

/** Plain-array SGD over one instance's slice. State: [momentum buffer]. */
export const sgdArrays: ArrayRule = (cfg: OptimizerConfig, p, g, state, off, len, lr, wd, t) => {
  const mu = cfg.momentum;
  const keep = 1 - cfg.dampening;
  const buf = state[0];
  for (let k = off; k < off + len; k++) {
    let d = g[k];
    if (wd !== 0) d = d + wd * p[k];
    if (mu !== 0) {
      let b = t === 1 ? d : mu * buf[k] + keep * d;
      if (Math.abs(b) < FLUSH) b = 0;
      buf[k] = b;
      d = cfg.nesterov ? d + mu * b : b;
    }
    p[k] = p[k] - lr * d;
  }
};

/** Tensor SGD. State: [momentum buffer]. */
export const sgdTensors: TensorRule = (_tf, cfg, p, g, state, lr, wd, t) => {
  let d: tf.Tensor = wd !== null ? g.add(p.mul(wd)) : g;
  const next: tf.Tensor[] = [state[0]];
  if (cfg.momentum !== 0) {
    const b = t === 1 ? d : state[0].mul(cfg.momentum).add(d.mul(1 - cfg.dampening));
    next[0] = b;
    d = cfg.nesterov ? d.add(b.mul(cfg.momentum)) : b;
  }
  return { param: p.sub(d.mul(lr)), state: next };
};
