/**
 * Two instances at a time through the wasm SIMD kernel of `kernel.as.ts`:
 * the fused engine's fast path for the toy sweep's common case (one-hot
 * data, m = 2, Adam or AdamW, no resampling, nothing frozen). Each lane of
 * the kernel performs the scalar path's float64 operations in the scalar
 * path's order, so an instance's numbers are the same bits either way;
 * `tests/studies/toy/lanes_test.ts` holds the two equal.
 *
 * This file owns the kernel's memory: a pair's parameters and moments are
 * copied in interleaved (entry k of both instances side by side), trained
 * through a run of steps, and copied back.
 *
 * @module
 */
import { WasmHeap } from "../../core/wasm.ts";
import type { ArrayOptimizer } from "../../core/optim/optimizer.ts";
import type { ToyTrainConfig } from "./config.ts";
import { WASM } from "./_kernel_wasm.ts";

/** The export of kernel.as.ts (pointers are byte offsets into the heap). */
interface LaneKernel {
  planarAdamPair(
    n: number,
    bias: number,
    P: number,
    M: number,
    V: number,
    G: number,
    D: number,
    imp: number,
    hyper: number,
    decay: number,
    b1: number,
    b2: number,
    eps: number,
    fac: number,
    bc1: number,
    bc2: number,
    steps: number,
    limit: number,
    out: number,
    S: number,
  ): number;
}

/** Updates one kernel call runs at most (the size of its loss buffer). */
export const LANE_CHUNK = 1024;

/**
 * Whether a run's instances can train in pairs through the kernel: one-hot
 * data (all n examples), m = 2, Adam or AdamW, no resampling and nothing
 * frozen. Other runs take the scalar path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { RECORD_DEFAULTS, type ToyTrainConfig } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * import { lanesFit } from "./_lanes.ts";
 * const config: ToyTrainConfig = {
 *   model: TOY_MODEL_DEFAULTS,
 *   data: { kind: "identity" },
 *   importanceDecay: 1,
 *   optimizer: optimizerDefaults("adamw", 1e-3),
 *   steps: 10,
 *   seeds: [0, 1],
 *   record: RECORD_DEFAULTS,
 *   divergeAbove: 1e6,
 * };
 * assert.equal(lanesFit(config), true);
 * assert.equal(lanesFit({ ...config, optimizer: optimizerDefaults("sgd", 0.1) }), false);
 * ```
 */
export function lanesFit(config: ToyTrainConfig): boolean {
  const { data, model, optimizer } = config;
  return data.kind === "identity" && !data.omit?.length && model.m === 2 &&
    (optimizer.name === "adam" || optimizer.name === "adamw") &&
    !config.resample && !(config.frozen?.length);
}

/** A pair's kernel state and the run's fixed tables, in one wasm heap. */
export class PairLanes {
  readonly #fn: LaneKernel;
  readonly #n: number;
  readonly #p: number;
  readonly #bias: boolean;
  readonly #opt: ArrayOptimizer;
  readonly #limit: number;
  readonly #decoupled: boolean;
  /** `[p, 2]` each: parameters, first and second moments, gradient. */
  readonly #P: Float64Array;
  readonly #M: Float64Array;
  readonly #V: Float64Array;
  readonly #G: Float64Array;
  /** `[n², 2]` each: ∂L/∂pre, and the Gram entries above the diagonal. */
  readonly #D: Float64Array;
  readonly #S: Float64Array;
  /** `[4]`: lr and weight decay of both lanes. */
  readonly #hyper: Float64Array;
  /** `[steps]`: the schedule's factor of each update (1 without one). */
  readonly #fac: Float64Array;
  /** `[steps + 1]`: 1 − β₁ᵗ and √(1 − β₂ᵗ) at step count t. */
  readonly #bc1: Float64Array;
  readonly #bc2: Float64Array;
  /** `[LANE_CHUNK, 2]`: each update's loss, both lanes. */
  readonly out: Float64Array;
  /** `[n]`: loss weight of each feature. */
  readonly #imp: Float64Array;
  /** The loaded pair's weight-decay mode (see {@link PairLanes.load}). */
  #mode = 0;

  /** The kernel for `config`'s runs (which must pass {@link lanesFit}). */
  constructor(
    config: ToyTrainConfig,
    p: number,
    opt: ArrayOptimizer,
    importance: Float64Array,
    schedule: Float64Array | null,
  ) {
    const { n, bias } = config.model;
    const { steps } = config;
    const f64s = 4 * 2 * p + 4 * n * n + n + 4 + steps + 2 * (steps + 1) + 2 * LANE_CHUNK;
    const heap = new WasmHeap(WASM, { bytes: 8 * f64s + 16 * 16 });
    this.#fn = heap.exports as unknown as LaneKernel;
    this.#n = n;
    this.#p = p;
    this.#bias = bias;
    this.#opt = opt;
    this.#limit = config.divergeAbove;
    this.#decoupled = config.optimizer.name === "adamw";
    this.#P = heap.f64(2 * p);
    this.#M = heap.f64(2 * p);
    this.#V = heap.f64(2 * p);
    this.#G = heap.f64(2 * p);
    this.#D = heap.f64(2 * n * n);
    this.#S = heap.f64(2 * n * n);
    this.#imp = heap.f64(n);
    this.#imp.set(importance);
    this.#hyper = heap.f64(4);
    this.#fac = heap.f64(steps);
    if (schedule) this.#fac.set(schedule);
    else this.#fac.fill(1);
    // The same expressions as adam.ts's bias-correction table, so the same numbers.
    const { beta1, beta2 } = config.optimizer;
    this.#bc1 = heap.f64(steps + 1);
    this.#bc2 = heap.f64(steps + 1);
    for (let t = 1; t <= steps; t++) {
      this.#bc1[t] = 1 - beta1 ** t;
      this.#bc2[t] = Math.sqrt(1 - beta2 ** t);
    }
    this.out = heap.f64(2 * LANE_CHUNK);
  }

  /**
   * The weight-decay mode instances i and i + 1 share (0 none, 1 AdamW's,
   * 2 Adam's), or -1 when they cannot pair: their step counts differ, or
   * Adam's coupled decay is zero for one only (the scalar rule skips the
   * decay term there, which a shared vector operation would not).
   */
  #pairMode(i: number): number {
    const { steps, hyper } = this.#opt;
    if (steps[i] !== steps[i + 1]) return -1;
    const w0 = hyper.weightDecay[i];
    const w1 = hyper.weightDecay[i + 1];
    if (w0 === 0 && w1 === 0) return 0;
    if (this.#decoupled) return 1; // θ·(1 − γ·0) is θ exactly
    return w0 !== 0 && w1 !== 0 ? 2 : -1;
  }

  /**
   * Copies instances i and i + 1 (of `params` and the optimizer's moments)
   * into the kernel, or returns false when they cannot pair.
   */
  load(params: Float64Array, i: number): boolean {
    const mode = this.#pairMode(i);
    if (mode < 0) return false;
    const p = this.#p;
    const [m, v] = this.#opt.state;
    interleave(this.#P, params, i * p, p);
    interleave(this.#M, m, i * p, p);
    interleave(this.#V, v, i * p, p);
    const { lr, weightDecay } = this.#opt.hyper;
    this.#hyper.set([lr[i], lr[i + 1], weightDecay[i], weightDecay[i + 1]]);
    this.#mode = mode;
    return true;
  }

  /** Copies the pair back into `params` and the optimizer's moments. */
  store(params: Float64Array, i: number): void {
    const p = this.#p;
    const [m, v] = this.#opt.state;
    deinterleave(this.#P, params, i * p, p);
    deinterleave(this.#M, m, i * p, p);
    deinterleave(this.#V, v, i * p, p);
  }

  /** Lane `lane`'s current parameters into `dst` from `at` (rounded as `dst` rounds). */
  copyParams(lane: number, dst: Float32Array | Float64Array, at: number): void {
    const P = this.#P;
    for (let k = 0; k < this.#p; k++) dst[at + k] = P[2 * k + lane];
  }

  /**
   * Trains the loaded pair (instances i and i + 1) through updates `t` …
   * `t + count − 1` (count ≤ {@link LANE_CHUNK}), their losses into
   * {@link out}, and advances both step counts. Returns the updates done:
   * fewer when a lane's loss diverged at the next one, which is then not
   * applied.
   */
  run(i: number, t: number, count: number): number {
    const steps = this.#opt.steps;
    const first = steps[i] + 1; // the step count of the first update
    if (first + count - 1 >= this.#bc1.length || t + count > this.#fac.length) {
      throw new RangeError(`lanes: updates ${t}…${t + count - 1} run past the run's tables`);
    }
    const done = this.#fn.planarAdamPair(
      this.#n,
      this.#bias ? 1 : 0,
      this.#P.byteOffset,
      this.#M.byteOffset,
      this.#V.byteOffset,
      this.#G.byteOffset,
      this.#D.byteOffset,
      this.#imp.byteOffset,
      this.#hyper.byteOffset,
      this.#mode,
      this.#opt.config.beta1,
      this.#opt.config.beta2,
      this.#opt.config.eps,
      this.#fac.byteOffset + 8 * t,
      this.#bc1.byteOffset + 8 * first,
      this.#bc2.byteOffset + 8 * first,
      count,
      this.#limit,
      this.out.byteOffset,
      this.#S.byteOffset,
    );
    steps[i] += done;
    steps[i + 1] += done;
    return done;
  }
}

/** `src[off .. off + p)` into lane slots: entry k at 2k (the pair's first) and 2k + 1 (its second). */
function interleave(dst: Float64Array, src: Float64Array, off: number, p: number): void {
  for (let k = 0; k < p; k++) {
    dst[2 * k] = src[off + k];
    dst[2 * k + 1] = src[off + p + k];
  }
}

/** The inverse of {@link interleave}. */
function deinterleave(src: Float64Array, dst: Float64Array, off: number, p: number): void {
  for (let k = 0; k < p; k++) {
    dst[off + k] = src[2 * k];
    dst[off + p + k] = src[2 * k + 1];
  }
}
