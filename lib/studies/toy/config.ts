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
import type { ToyDataConfig } from "./data.ts";
import type { ToyModelConfig, ToyParams } from "./model.ts";
import type { OptimizerConfig } from "../../core/optim/config.ts";
import type { Series } from "../../core/train/history.ts";

/** How much history a run keeps (memory stays bounded, see `history.ts`). */
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

/** A toy training run. */
export interface ToyTrainConfig {
  model: ToyModelConfig;
  data: ToyDataConfig;
  /** Feature i's loss weight is importanceDecay^i (1: plain MSE). */
  importanceDecay: number;
  optimizer: OptimizerConfig;
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
  record: RecordConfig;
  /** An instance whose loss is non-finite or above this is marked diverged and stops. */
  divergeAbove: number;
}

/** Engine that runs the training loop. */
export const TOY_ENGINES = ["fused", "tfjs"] as const;
/** One of {@link TOY_ENGINES}. */
export type ToyEngine = typeof TOY_ENGINES[number];

/** Progress of a run, sent every `progressEvery` steps. */
export interface ToyProgress {
  /** Steps done. */
  step: number;
  steps: number;
  /** Current loss of every instance (NaN once diverged). */
  loss: Float64Array;
  /** Instances diverged so far. */
  diverged: number;
  elapsedMs: number;
}

/** What a toy run returns. */
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
  engine: ToyEngine;
  /** Where the numbers were computed: the tfjs backend (`wasm`, `cpu`), or `js-float64` for the fused engine. */
  backend: string;
  workers: number;
  elapsedMs: number;
}

/** Defaults for history recording. */
export const RECORD_DEFAULTS: RecordConfig = {
  lossEvery: 1,
  snapshotEvery: 10,
  maxLossRows: 2048,
  maxSnapshots: 512,
};
