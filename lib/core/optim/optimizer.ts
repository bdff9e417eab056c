/**
 * Optimizers with per-instance state, learning rate and weight decay, for
 * the two engines: {@link ArrayOptimizer} (float64 buffers, used by fused
 * kernels) and {@link TensorOptimizer} (tfjs variables, float32).
 *
 * Both apply the same rule (see `sgd.ts`, `adam.ts`, `rmsprop.ts`) and keep
 * one step counter per instance, so an instance that stops (diverged) keeps
 * its state frozen while the others carry on.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import type { OptimizerConfig } from "./config.ts";
import type { ArrayRule, TensorRule } from "./_rule.ts";
import { sgdArrays, sgdTensors } from "./sgd.ts";
import { adamArrays, adamTensors } from "./adam.ts";
import { rmspropArrays, rmspropTensors } from "./rmsprop.ts";

const ARRAY_RULES: Record<OptimizerConfig["name"], ArrayRule> = {
  sgd: sgdArrays,
  adam: adamArrays,
  adamw: adamArrays,
  rmsprop: rmspropArrays,
};

const TENSOR_RULES: Record<OptimizerConfig["name"], TensorRule> = {
  sgd: sgdTensors,
  adam: adamTensors,
  adamw: adamTensors,
  rmsprop: rmspropTensors,
};

/** Which state buffers a configuration uses (unused ones stay empty). */
function stateSlots(cfg: OptimizerConfig): boolean[] {
  switch (cfg.name) {
    case "sgd":
      return [cfg.momentum !== 0];
    case "adam":
    case "adamw":
      return [true, true];
    case "rmsprop":
      return [true, cfg.centered, cfg.momentum > 0];
  }
}

/**
 * How many buffers the size of the parameters a configuration keeps (Adam's
 * two moments, SGD's momentum when it has one, …), for memory estimates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "./config.ts";
 * import { stateBufferCount } from "./optimizer.ts";
 * assert.equal(stateBufferCount(optimizerDefaults("adamw", 1e-3)), 2);
 * assert.equal(stateBufferCount(optimizerDefaults("sgd", 0.1)), 0);
 * ```
 */
export function stateBufferCount(cfg: OptimizerConfig): number {
  return stateSlots(cfg).filter((used) => used).length;
}

/** Per-instance learning rates and weight decays, resolved from a config and optional overrides. */
export interface PerInstanceHyper {
  /** Learning rate of each instance. */
  lr: Float64Array;
  /** Weight decay of each instance. */
  weightDecay: Float64Array;
}

/** Broadcasts the config's lr and weight decay to `instances`, applying per-instance overrides. */
export function perInstanceHyper(
  cfg: OptimizerConfig,
  instances: number,
  overrides: { lr?: ArrayLike<number>; weightDecay?: ArrayLike<number> } = {},
): PerInstanceHyper {
  const lr = new Float64Array(instances).fill(cfg.lr);
  const weightDecay = new Float64Array(instances).fill(cfg.weightDecay);
  for (
    const [name, src, dst] of [
      ["lr", overrides.lr, lr],
      ["weightDecay", overrides.weightDecay, weightDecay],
    ] as const
  ) {
    if (src === undefined) continue;
    if (src.length !== instances) {
      throw new RangeError(`per-instance ${name} needs ${instances} values, got ${src.length}`);
    }
    for (let i = 0; i < instances; i++) dst[i] = src[i];
  }
  return { lr, weightDecay };
}

/**
 * Float64 optimizer over a flat parameter buffer laid out instance by instance
 * (`instances × perInstance` values).
 */
export class ArrayOptimizer {
  /** The shared settings (rule, betas, epsilon, …). */
  readonly config: OptimizerConfig;
  /** Parameters per instance. */
  readonly perInstance: number;
  /** Per-instance learning rates and weight decays. */
  readonly hyper: PerInstanceHyper;
  /** State buffers, same layout as the parameters (empty when unused). */
  readonly state: Float64Array[];
  /** Steps taken by each instance. */
  readonly steps: Uint32Array;
  readonly #rule: ArrayRule;

  /** An optimizer for instances of `perInstance` parameters each, with per-instance `hyper`. */
  constructor(config: OptimizerConfig, perInstance: number, hyper: PerInstanceHyper) {
    this.config = config;
    this.perInstance = perInstance;
    this.hyper = hyper;
    const instances = hyper.lr.length;
    this.state = stateSlots(config).map((used) =>
      new Float64Array(used ? instances * perInstance : 0)
    );
    this.steps = new Uint32Array(instances);
    this.#rule = ARRAY_RULES[config.name];
  }

  /**
   * One step for instance `i`: its slice of `params` moves along its slice of
   * `grads`, at its learning rate times `lrScale` (a re-warmup after a
   * resample; 1 leaves the rate exactly as it is).
   */
  stepInstance(params: Float64Array, grads: Float64Array, i: number, lrScale = 1): void {
    const t = ++this.steps[i];
    this.#rule(
      this.config,
      params,
      grads,
      this.state,
      i * this.perInstance,
      this.perInstance,
      this.hyper.lr[i] * lrScale, // exact when lrScale is 1
      this.hyper.weightDecay[i],
      t,
    );
  }

  /**
   * Zeroes instance `i`'s optimizer state (moments, square averages,
   * momentum buffers) at the given parameter indices within the instance,
   * as resampling does for the weights it replaced. The step count, and so
   * Adam's bias correction, carries on (as in PyTorch, where the count
   * belongs to the whole tensor).
   */
  resetState(i: number, indices: ArrayLike<number>): void {
    const off = i * this.perInstance;
    for (const buf of this.state) {
      if (buf.length === 0) continue;
      for (let k = 0; k < indices.length; k++) buf[off + indices[k]] = 0;
    }
  }
}

/**
 * tfjs optimizer over variables whose leading axis is the instances axis.
 * All instances step together; instances marked inactive keep their values.
 */
export class TensorOptimizer {
  /** The shared settings (rule, betas, epsilon, …). */
  readonly config: OptimizerConfig;
  readonly #tf: typeof tfNs;
  readonly #vars: tfNs.Variable[];
  readonly #state: tfNs.Variable[][];
  readonly #lr: tfNs.Tensor[];
  readonly #wd: (tfNs.Tensor | null)[];
  readonly #rule: TensorRule;
  #t = 0;

  /** An optimizer over the given parameter tensors. */
  constructor(
    tf: typeof tfNs,
    config: OptimizerConfig,
    vars: tfNs.Variable[],
    hyper: PerInstanceHyper,
  ) {
    this.config = config;
    this.#tf = tf;
    this.#vars = vars;
    this.#rule = TENSOR_RULES[config.name];
    const slots = stateSlots(config);
    const anyDecay = hyper.weightDecay.some((w) => w !== 0);
    // tf.variable() shares its initial tensor's data; tidy frees the initial tensor itself.
    this.#state = vars.map((v) =>
      slots.map((used) => tf.tidy(() => tf.variable(used ? tf.zerosLike(v) : tf.zeros([]), false)))
    );
    const broadcastShape = (v: tfNs.Variable) => [v.shape[0], ...v.shape.slice(1).map(() => 1)];
    this.#lr = vars.map((v) =>
      tf.tensor(Float32Array.from(hyper.lr), broadcastShape(v), "float32")
    );
    this.#wd = vars.map((v) =>
      anyDecay ? tf.tensor(Float32Array.from(hyper.weightDecay), broadcastShape(v)) : null
    );
  }

  /** Number of steps taken so far. */
  get step(): number {
    return this.#t;
  }

  /**
   * Applies one update from `grads` (one per variable, same shapes). `active`
   * is a boolean tensor of shape [instances]; inactive instances are left as they are.
   */
  apply(grads: tfNs.Tensor[], active?: tfNs.Tensor): void {
    const tf = this.#tf;
    this.#t += 1;
    const t = this.#t;
    tf.tidy(() => {
      this.#vars.forEach((v, j) => {
        const state = this.#state[j];
        const out = this.#rule(tf, this.config, v, grads[j], state, this.#lr[j], this.#wd[j], t);
        const keep = (next: tfNs.Tensor, old: tfNs.Variable) => {
          if (active === undefined || old.rank === 0) return next;
          const mask = active.reshape([old.shape[0], ...old.shape.slice(1).map(() => 1)]);
          return tf.where(tf.broadcastTo(mask, old.shape), next, old);
        };
        v.assign(keep(out.param, v));
        state.forEach((s, k) => {
          if (s.rank > 0) s.assign(keep(out.state[k], s));
        });
      });
    });
  }

  /** Frees the state variables and hyperparameter tensors (not the parameters). */
  dispose(): void {
    for (const slots of this.#state) for (const s of slots) s.dispose();
    for (const t of this.#lr) t.dispose();
    for (const t of this.#wd) t?.dispose();
  }
}
