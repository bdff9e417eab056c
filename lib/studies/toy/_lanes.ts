/**
 * The fused engine's fast paths through the wasm SIMD kernels of
 * `kernel.as.ts`, for the two common cases of Adam or AdamW with m = 2, no
 * resampling and nothing frozen:
 *
 * - one-hot data: two instances at a time ({@link PairLanes}), a pair's
 *   parameters and moments interleaved (entry k of both side by side), each
 *   lane one instance;
 * - a fixed set of sparse examples: one instance at a time
 *   ({@link SparseSolo}), SIMD over pairs of features, the few features that
 *   fire or are non-zero in an example taking the scalar bookkeeping.
 *
 * Both perform the scalar path's float64 operations in the scalar path's
 * order, so an instance's numbers are the same bits either way;
 * `tests/studies/toy/lanes_test.ts` holds them equal. This file owns the
 * kernels' memory: an instance's state is copied in, trained through a run
 * of steps, and copied back.
 *
 * @module
 */
import { WasmHeap } from "../../core/wasm.ts";
import type { ArrayOptimizer } from "../../core/optim/optimizer.ts";
import { adamBiasCorrection } from "../../core/optim/adam.ts";
import type { ToyTrainConfig } from "./config.ts";
import type { CsrBatch } from "./data.ts";
import { WASM } from "./_kernel_wasm.ts";

/** What both kernels take first: n, bias (0/1), and the parameters, moments and gradient (pointers). */
type StateArgs = [n: number, bias: number, P: number, M: number, V: number, G: number];

/** The exports of kernel.as.ts (pointers are byte offsets into the heap). */
interface Kernels {
  planarAdamPair(
    ...args: [
      ...StateArgs,
      D: number,
      S: number,
      imp: number,
      adam: number,
      steps: number,
      out: number,
    ]
  ): number;
  sparseAdam(
    ...args: [
      ...StateArgs,
      X: number,
      imp: number,
      start: number,
      idx: number,
      val: number,
      rows: number,
      adam: number,
      steps: number,
      out: number,
    ]
  ): number;
}

/** The slots of the kernels' settings block (kernel.as.ts's LR … BC2), float64 each. */
const ADAM_SLOTS = {
  lr: 0,
  wd: 2,
  beta1: 4,
  beta2: 5,
  eps: 6,
  limit: 7,
  decay: 8,
  fac: 9,
  bc1: 10,
  bc2: 11,
};

/** Updates one kernel call runs at most (the size of its loss buffer). */
export const LANE_CHUNK = 1024;

/**
 * Which fast path a run's instances can take: `"pairs"` (one-hot data with
 * all n examples), `"sparse"` (a fixed set of sparse examples), or null (the
 * scalar path) — each needing m = 2, Adam or AdamW, no resampling and
 * nothing frozen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { RECORD_DEFAULTS, type ToyTrainConfig } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * import { kernelPath } from "./_lanes.ts";
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
 * assert.equal(kernelPath(config), "pairs");
 * const sparse = { kind: "sparse", sparsity: 0.9, examples: 5, batchSize: 5 } as const;
 * assert.equal(kernelPath({ ...config, data: sparse }), "sparse");
 * assert.equal(kernelPath({ ...config, data: { ...sparse, examples: 0 } }), null); // fresh batches
 * assert.equal(kernelPath({ ...config, optimizer: optimizerDefaults("sgd", 0.1) }), null);
 * ```
 */
export function kernelPath(config: ToyTrainConfig): "pairs" | "sparse" | null {
  const { data, model, optimizer } = config;
  const fits = model.m === 2 && (optimizer.name === "adam" || optimizer.name === "adamw") &&
    !config.resample && !(config.frozen?.length);
  if (!fits) return null;
  if (data.kind === "identity") return data.omit?.length ? null : "pairs";
  return data.kind === "sparse" && data.examples > 0 ? "sparse" : null;
}

/**
 * What the fused loop drives: a kernel that trains `width` consecutive
 * instances together through runs of updates.
 */
export interface StepKernel {
  /** Instances trained together (2 for pairs, 1 for sparse). */
  readonly width: number;
  /** `[LANE_CHUNK, width]`: each update's loss, instance by instance. */
  readonly out: Float64Array;
  /** Copies instances i … i + width − 1 in, or returns false when they cannot train together. */
  load(params: Float64Array, i: number): boolean;
  /**
   * Trains the loaded instances through updates `t` … `t + count − 1`
   * (count ≤ {@link LANE_CHUNK}), their losses into `out`, advancing their
   * step counts. Returns the updates done: fewer when a loss diverged at the
   * next one, which is then not applied.
   */
  run(i: number, t: number, count: number): number;
  /** Instance i + `lane`'s current parameters into `dst` from `at` (rounded as `dst` rounds). */
  copyParams(lane: number, dst: Float32Array | Float64Array, at: number): void;
  /** Copies the loaded instances back into `params` and the optimizer's moments. */
  store(params: Float64Array, i: number): void;
}

/**
 * The fast path's kernel for a range of `config`'s instances (`batches`:
 * their fixed sets), or null when the range takes the scalar path (the run
 * fits no kernel, or the range is one instance with no partner to pair).
 */
export function stepKernel(
  config: ToyTrainConfig,
  run: KernelRun & { batches: CsrBatch[] | null },
): StepKernel | null {
  const path = kernelPath(config);
  const count = run.optimizer.steps.length; // instances in the range
  if (path === "pairs" && count >= 2) return new PairLanes(config, run);
  if (path === "sparse" && run.batches) return new SparseSolo(config, run, run.batches);
  return null;
}

/** What a kernel takes from the range it serves. */
export interface KernelRun {
  /** Parameters per instance. */
  p: number;
  /** The range's optimizer (its state buffers, step counts and per-instance settings). */
  optimizer: ArrayOptimizer;
  /** `[n]`: loss weight of each feature. */
  importance: Float64Array;
  /** `[steps]`: the schedule's factor of each update, or null without one. */
  schedule: Float64Array | null;
}

/** What both kernels hold: the run's fixed tables and the instance's learning settings. */
abstract class AdamKernel {
  protected readonly fn: Kernels;
  protected readonly heap: WasmHeap;
  protected readonly n: number;
  protected readonly p: number;
  protected readonly bias: boolean;
  protected readonly opt: ArrayOptimizer;
  /** Whether weight decay is AdamW's (decoupled). */
  protected readonly decoupled: boolean;
  /** `[12]`: the settings block (see {@link ADAM_SLOTS}). */
  readonly #adam: Float64Array;
  /** Parameters, first and second moments and gradient of the loaded instances, in the kernel's layout. */
  protected readonly P: Float64Array;
  protected readonly M: Float64Array;
  protected readonly V: Float64Array;
  protected readonly G: Float64Array;
  /** `[n]`: loss weight of each feature. */
  protected readonly imp: Float64Array;
  /** `[steps]`: the schedule's factor of each update (1 without one). */
  readonly #fac: Float64Array;
  /** `[steps + 1]`: 1 − β₁ᵗ and √(1 − β₂ᵗ) at step count t. */
  readonly #bc1: Float64Array;
  readonly #bc2: Float64Array;
  readonly out: Float64Array;

  constructor(
    config: ToyTrainConfig,
    run: KernelRun,
    sizes: { width: number; state: number; bytes: number },
  ) {
    const { n, bias } = config.model;
    const { steps } = config;
    const { width, state, bytes } = sizes;
    const own = 4 * state + n + 12 + steps + 2 * (steps + 1) + width * LANE_CHUNK;
    this.heap = new WasmHeap(WASM, { bytes: bytes + 8 * own + 16 * 16 });
    this.fn = this.heap.exports as unknown as Kernels;
    this.n = n;
    this.p = run.p;
    this.bias = bias;
    this.opt = run.optimizer;
    this.decoupled = config.optimizer.name === "adamw";
    this.P = this.heap.f64(state);
    this.M = this.heap.f64(state);
    this.V = this.heap.f64(state);
    this.G = this.heap.f64(state);
    this.imp = this.heap.f64(n);
    this.imp.set(run.importance);
    const { beta1, beta2, eps } = config.optimizer;
    this.#adam = this.heap.f64(12);
    this.#adam[ADAM_SLOTS.beta1] = beta1;
    this.#adam[ADAM_SLOTS.beta2] = beta2;
    this.#adam[ADAM_SLOTS.eps] = eps;
    this.#adam[ADAM_SLOTS.limit] = config.divergeAbove;
    this.#fac = this.heap.f64(steps);
    if (run.schedule) this.#fac.set(run.schedule);
    else this.#fac.fill(1);
    // adam.ts's bias corrections, so the array rule's numbers.
    this.#bc1 = this.heap.f64(steps + 1);
    this.#bc2 = this.heap.f64(steps + 1);
    for (let t = 1; t <= steps; t++) {
      [this.#bc1[t], this.#bc2[t]] = adamBiasCorrection(beta1, beta2, t);
    }
    this.out = this.heap.f64(width * LANE_CHUNK);
  }

  /** The arguments both kernels begin with. */
  protected stateArgs(): StateArgs {
    const { P, M, V, G } = this;
    return [this.n, this.bias ? 1 : 0, P.byteOffset, M.byteOffset, V.byteOffset, G.byteOffset];
  }

  /**
   * Sets the lr and weight decay of instances i and j (i twice for one
   * instance) and the weight-decay mode (0 none, 1 AdamW's, 2 Adam's).
   */
  protected setHyper(i: number, j: number, mode: number): void {
    const { lr, weightDecay } = this.opt.hyper;
    const a = this.#adam;
    a[ADAM_SLOTS.lr] = lr[i];
    a[ADAM_SLOTS.lr + 1] = lr[j];
    a[ADAM_SLOTS.wd] = weightDecay[i];
    a[ADAM_SLOTS.wd + 1] = weightDecay[j];
    a[ADAM_SLOTS.decay] = mode;
  }

  /**
   * The settings block, its tables pointed at updates `t` … `t + count − 1`
   * of instance i (whose step count the loaded instances share).
   */
  protected adamAt(i: number, t: number, count: number): number {
    const first = this.opt.steps[i] + 1; // the step count of the first update
    if (first + count - 1 >= this.#bc1.length || t + count > this.#fac.length) {
      throw new RangeError(`toy kernel: updates ${t}…${t + count - 1} run past the run's tables`);
    }
    const a = this.#adam;
    a[ADAM_SLOTS.fac] = this.#fac.byteOffset + 8 * t;
    a[ADAM_SLOTS.bc1] = this.#bc1.byteOffset + 8 * first;
    a[ADAM_SLOTS.bc2] = this.#bc2.byteOffset + 8 * first;
    return a.byteOffset;
  }
}

/** Two instances at a time on one-hot data (lane k of every vector is instance i + k). */
class PairLanes extends AdamKernel implements StepKernel {
  readonly width = 2;
  /** `[n², 2]` each: ∂L/∂pre, and the Gram entries above the diagonal. */
  readonly #D: Float64Array;
  readonly #S: Float64Array;

  constructor(
    config: ToyTrainConfig,
    run: KernelRun,
  ) {
    const { n } = config.model;
    const p = run.p;
    super(config, run, { width: 2, state: 2 * p, bytes: 8 * 4 * n * n + 2 * 16 });
    this.#D = this.heap.f64(2 * n * n);
    this.#S = this.heap.f64(2 * n * n);
  }

  /**
   * The weight-decay mode instances i and i + 1 share, or -1 when they
   * cannot pair: their step counts differ, or Adam's coupled decay is zero
   * for one only (the scalar rule skips the decay term there, which a shared
   * vector operation would not).
   */
  #pairMode(i: number): number {
    const { steps, hyper } = this.opt;
    if (steps[i] !== steps[i + 1]) return -1;
    const w0 = hyper.weightDecay[i];
    const w1 = hyper.weightDecay[i + 1];
    if (w0 === 0 && w1 === 0) return 0;
    if (this.decoupled) return 1; // θ·(1 − γ·0) is θ exactly
    return w0 !== 0 && w1 !== 0 ? 2 : -1;
  }

  load(params: Float64Array, i: number): boolean {
    const mode = this.#pairMode(i);
    if (mode < 0) return false;
    const p = this.p;
    const [m, v] = this.opt.state;
    interleave(this.P, params, i * p, p);
    interleave(this.M, m, i * p, p);
    interleave(this.V, v, i * p, p);
    this.setHyper(i, i + 1, mode);
    return true;
  }

  store(params: Float64Array, i: number): void {
    const p = this.p;
    const [m, v] = this.opt.state;
    deinterleave(this.P, params, i * p, p);
    deinterleave(this.M, m, i * p, p);
    deinterleave(this.V, v, i * p, p);
  }

  copyParams(lane: number, dst: Float32Array | Float64Array, at: number): void {
    const P = this.P;
    for (let k = 0; k < this.p; k++) dst[at + k] = P[2 * k + lane];
  }

  run(i: number, t: number, count: number): number {
    const done = this.fn.planarAdamPair(
      ...this.stateArgs(),
      this.#D.byteOffset,
      this.#S.byteOffset,
      this.imp.byteOffset,
      this.adamAt(i, t, count),
      count,
      this.out.byteOffset,
    );
    const steps = this.opt.steps;
    steps[i] += done;
    steps[i + 1] += done;
    return done;
  }
}

/** One instance at a time on its fixed set of sparse examples. */
class SparseSolo extends AdamKernel implements StepKernel {
  readonly width = 1;
  /** `[n]`: the current example, dense (zero between examples). */
  readonly #X: Float64Array;
  /** Each instance's fixed set (CSR), copied into the heap once. */
  readonly #sets: { rows: number; start: Int32Array; idx: Int32Array; val: Float64Array }[];

  constructor(
    config: ToyTrainConfig,
    run: KernelRun,
    batches: CsrBatch[],
  ) {
    const { n } = config.model;
    const padded = run.p + (run.p % 2);
    // Each set takes its three arrays, each rounded up to 16 bytes by the heap.
    const bytes = batches.reduce((sum, b) => {
      const nnz = b.start[b.rows];
      return sum + 4 * (b.rows + 1 + nnz) + 8 * nnz + 3 * 16;
    }, 8 * n + 16);
    super(config, run, { width: 1, state: padded, bytes });
    this.#X = this.heap.f64(n);
    this.#sets = batches.map((b) => {
      const nnz = b.start[b.rows];
      const start = this.heap.i32(b.rows + 1);
      const idx = this.heap.i32(nnz);
      const val = this.heap.f64(nnz);
      start.set(b.start.subarray(0, b.rows + 1));
      idx.set(b.idx.subarray(0, nnz));
      val.set(b.val.subarray(0, nnz));
      return { rows: b.rows, start, idx, val };
    });
  }

  load(params: Float64Array, i: number): boolean {
    const p = this.p;
    const [m, v] = this.opt.state;
    this.P.set(params.subarray(i * p, (i + 1) * p));
    this.M.set(m.subarray(i * p, (i + 1) * p));
    this.V.set(v.subarray(i * p, (i + 1) * p));
    const wd = this.opt.hyper.weightDecay[i];
    this.setHyper(i, i, wd === 0 ? 0 : this.decoupled ? 1 : 2);
    return true;
  }

  store(params: Float64Array, i: number): void {
    const p = this.p;
    const [m, v] = this.opt.state;
    params.set(this.P.subarray(0, p), i * p);
    m.set(this.M.subarray(0, p), i * p);
    v.set(this.V.subarray(0, p), i * p);
  }

  copyParams(_lane: number, dst: Float32Array | Float64Array, at: number): void {
    dst.set(this.P.subarray(0, this.p), at);
  }

  run(i: number, t: number, count: number): number {
    const set = this.#sets[i];
    const done = this.fn.sparseAdam(
      ...this.stateArgs(),
      this.#X.byteOffset,
      this.imp.byteOffset,
      set.start.byteOffset,
      set.idx.byteOffset,
      set.val.byteOffset,
      set.rows,
      this.adamAt(i, t, count),
      count,
      this.out.byteOffset,
    );
    this.opt.steps[i] += done;
    return done;
  }
}

/** `src[off .. off + 2p)` (two instances) into lane slots: entry k of the first at 2k, of the second at 2k + 1. */
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
