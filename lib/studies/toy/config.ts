/**
 * What a toy-autoencoder training run needs, and what it returns.
 *
 * A run trains `seeds.length` independent instances of the toy model for the
 * same number of steps; per-instance learning rates and weight decays let a
 * hyperparameter sweep be one run. Results are plain objects of typed arrays,
 * so they cross worker boundaries and serialise without conversion.
 *
 * @module
 */
import type { WarmupCosine } from "../../core/optim/schedule.ts";
import type { ToyDataConfig } from "./data.ts";
import type { ToyModelConfig, ToyParams } from "./model.ts";
import type { OptimizerConfig } from "../../core/optim/config.ts";
import type { Series } from "../../core/train/history.ts";
import type { ToyResampleRule } from "./resample.ts";

/**
 * How much history a run keeps (memory stays bounded, see `history.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECORD_DEFAULTS, type RecordConfig } from "./config.ts";
 * // Every 100th loss, and only the final snapshots' worth of memory.
 * const sparse: RecordConfig = { ...RECORD_DEFAULTS, lossEvery: 100, maxSnapshots: 2 };
 * assert.equal(sparse.snapshotEvery, RECORD_DEFAULTS.snapshotEvery);
 * ```
 */
export interface RecordConfig {
  /** Record every instance's loss every this many steps (doubles when the buffer fills). */
  lossEvery: number;
  /** Record every instance's W and b every this many steps (doubles when the buffer fills). */
  snapshotEvery: number;
  /** Most loss rows kept. */
  maxLossRows: number;
  /** Most snapshot rows kept. */
  maxSnapshots: number;
}

/**
 * A toy training run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { RECORD_DEFAULTS, type ToyTrainConfig } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * // Four seeds of the write-up's setting: n = 7 one-hot features, m = 2, Adam at lr 0.01.
 * const config: ToyTrainConfig = {
 *   model: TOY_MODEL_DEFAULTS,
 *   data: { kind: "identity" },
 *   importanceDecay: 1,
 *   optimizer: optimizerDefaults("adam", 1e-2),
 *   steps: 100,
 *   seeds: [0, 1, 2, 3],
 *   record: RECORD_DEFAULTS,
 *   divergeAbove: 1e6,
 * };
 * assert.equal(config.seeds.length, 4);
 * ```
 */
export interface ToyTrainConfig {
  /** Shape and initialisation of every instance. */
  model: ToyModelConfig;
  /** The data every instance trains on (each from its own stream). */
  data: ToyDataConfig;
  /** Feature i's loss weight is importanceDecay^i (1: plain MSE). */
  importanceDecay: number;
  /** Optimizer and its hyperparameters (PyTorch's update rules). */
  optimizer: OptimizerConfig;
  /** Optimizer steps (updates) per instance. */
  steps: number;
  /** One seed per instance: instance i's initial weights and data come from seeds[i] only. */
  seeds: number[];
  /** Optional per-instance learning rates (else optimizer.lr for all). */
  lrs?: number[];
  /** Optional per-instance weight decays (else optimizer.weightDecay for all). */
  weightDecays?: number[];
  /** Start from these parameters instead of a seeded initialisation. */
  init?: ToyParams;
  /**
   * Parameters that never change, as indices into one instance's parameter
   * vector (`[W row-major, b]`, the same for every instance).
   */
  frozen?: number[];
  /** How much loss and parameter history to keep. */
  record: RecordConfig;
  /** An instance whose loss is non-finite or above this is marked diverged and stops. */
  divergeAbove: number;
  /** Resampling of dead features, per instance (fused engine, one-hot data); absent: none. */
  resample?: ToyResampleConfig;
  /** A learning-rate schedule for every instance (fused engine); absent: a constant rate. */
  schedule?: WarmupCosine;
}

/**
 * Resampling in a toy run: the distinct rules, which one each instance
 * follows, and the offsets after an instance's first event at which its
 * loss is kept (`resample.ts` has the rules, `_resample_track.ts` the
 * bookkeeping).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ToyResampleConfig } from "./config.ts";
 * import { remedyRule } from "./resample.ts";
 * // Two seeds without resampling, then the same two with Anthropic's rule.
 * const r: ToyResampleConfig = { rules: [null, remedyRule("anthropic")], ruleOf: [0, 0, 1, 1], trace: [0, 1, 10] };
 * assert.equal(r.rules[r.ruleOf[3]]?.pick, "e4");
 * ```
 */
export interface ToyResampleConfig {
  /** The distinct rules (null: no resampling). */
  rules: (ToyResampleRule | null)[];
  /** `[instances]`: index into `rules` of each instance's rule. */
  ruleOf: number[];
  /** Offsets (updates after the first event, ascending integers ≥ 0) at which its loss is kept. */
  trace: number[];
}

/**
 * What resampling measured, per instance of a run (or range).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ResampleStats } from "./config.ts";
 * const none: Partial<ResampleStats> = { events: Int32Array.of(0), allLearntAt: Int32Array.of(-1) };
 * assert.equal(none.events?.[0], 0);
 * ```
 */
export interface ResampleStats {
  /** `[count]`: events (checks that rebuilt at least one feature). */
  events: Int32Array;
  /** `[count]`: features rebuilt over all events. */
  columns: Int32Array;
  /** `[count]`: step of the first event, or −1. */
  firstEventAt: Int32Array;
  /** `[count]`: events before the instance was first all learnt (all of them if never). */
  eventsBeforeLearnt: Int32Array;
  /** `[count]`: checks before the instance was first all learnt (all of them if never). */
  checksBeforeLearnt: Int32Array;
  /** `[count]`: first step at which the loss was below the all-learnt threshold, or −1. */
  allLearntAt: Int32Array;
  /**
   * `[count]`: collateral damage: features that reconstructed their own example
   * (output ≥ ¾) at an event, were not changed by it, and no longer do at the
   * next check or the end.
   */
  lost: Int32Array;
  /** `[count]`: the highest loss until the next check minus the loss just before, for the first event (NaN: none). */
  firstSpike: Float64Array;
  /** `[count]`: the largest such spike over all events (NaN: none). */
  maxSpike: Float64Array;
  /** `[count]`: loss on the one-hot examples just before the first event (NaN: none). */
  firstLossBefore: Float64Array;
  /**
   * `[count, trace.length]`: loss at each trace offset after the first event
   * (offset o: after the event and o further updates; NaN: none).
   */
  trace: Float64Array;
}

/**
 * Engines that run the training loop: the fused float64 kernels, or tfjs autodiff (float32).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_ENGINES } from "./config.ts";
 * assert.ok(TOY_ENGINES.includes("fused"));
 * ```
 */
export const TOY_ENGINES = ["fused", "tfjs"] as const;
/**
 * One of {@link TOY_ENGINES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ToyEngine } from "./config.ts";
 * const engine: ToyEngine = "tfjs";
 * assert.equal(engine, "tfjs");
 * ```
 */
export type ToyEngine = typeof TOY_ENGINES[number];

/**
 * Progress of a run, sent every `progressEvery` steps and at the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ToyProgress } from "./config.ts";
 * const p: ToyProgress = {
 *   step: 50,
 *   steps: 100,
 *   loss: Float64Array.of(0.1, NaN),
 *   diverged: 1,
 *   elapsedMs: 3,
 *   etaMs: 3,
 * };
 * assert.equal(p.step / p.steps, 0.5);
 * ```
 */
export interface ToyProgress {
  /** Steps done. */
  step: number;
  /** Steps of the whole run. */
  steps: number;
  /** Current loss of every instance (NaN once diverged). */
  loss: Float64Array;
  /** Instances diverged so far. */
  diverged: number;
  /** Wall-clock time since the run started. */
  elapsedMs: number;
  /** The training loop's estimate of the time left (the slowest worker's). */
  etaMs: number;
}

/**
 * What a toy run returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * import { RECORD_DEFAULTS, type ToyTrainResult } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * import { trainToy } from "./train.ts";
 * const result: ToyTrainResult = await trainToy({
 *   model: TOY_MODEL_DEFAULTS,
 *   data: { kind: "identity" },
 *   importanceDecay: 1,
 *   optimizer: optimizerDefaults("adam", 1e-2),
 *   steps: 20,
 *   seeds: [0, 1],
 *   record: RECORD_DEFAULTS,
 *   divergeAbove: 1e6,
 * });
 * assert.equal(result.finalLoss.length, 2);
 * assert.equal(result.loss.steps.at(-1), 20);
 * ```
 */
export interface ToyTrainResult {
  /** Parameters after the last step (a diverged instance keeps the values it diverged with). */
  final: ToyParams;
  /** Loss of each instance at the final parameters. */
  finalLoss: Float64Array;
  /** Step at which each instance was marked diverged, or -1. */
  divergedAt: Int32Array;
  /** Loss of every instance over steps (`[rows, instances]`); step t means after t updates. */
  loss: Series;
  /** Parameters of every instance over steps (`[rows, instances × paramCount]`). */
  snapshots: Series;
  /** The engine that ran. */
  engine: ToyEngine;
  /** Where the numbers were computed: the tfjs backend (`wasm`, `cpu`), or for the fused engine `wasm-simd-float64` (a kernel of `_lanes.ts` runs the loop) or `js-float64`. */
  backend: string;
  /** Threads the fused engine ran on (1 for tfjs). */
  workers: number;
  /** Wall-clock time of the run. */
  elapsedMs: number;
  /** What resampling measured (when the run had a `resample` config). */
  resample?: ResampleStats;
}

/**
 * Defaults for history recording: every loss, every 10th snapshot, at most 2,048 and 512 rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECORD_DEFAULTS } from "./config.ts";
 * assert.equal(RECORD_DEFAULTS.lossEvery, 1);
 * ```
 */
export const RECORD_DEFAULTS: RecordConfig = {
  lossEvery: 1,
  snapshotEvery: 10,
  maxLossRows: 2048,
  maxSnapshots: 512,
};
