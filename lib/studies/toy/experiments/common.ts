/**
 * Pieces shared by the toy-autoencoder experiments: the training fields every
 * toy experiment accepts, the step that resolves them into a
 * {@link ToyTrainConfig}, and the figures of one instance.
 *
 * @module
 */
import * as aq from "arquero";
import { featureRows, gram, latentPolygon, latentZones } from "../geometry.ts";
import type { ProgressRow } from "../analysis.ts";
import type { ToyDataConfig } from "../data.ts";
import { TOY_MODEL_DEFAULTS } from "../model.ts";
import {
  OPTIMIZER_NAMES,
  optimizerDefaults,
  type OptimizerName,
} from "../../../core/optim/config.ts";
import {
  biasesSpec,
  featureVectorsSpec,
  gramHeatmapSpec,
  latentZonesSpec,
  trainingProgressSpec,
} from "../plots.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { MAX_SEED } from "../../../core/random.ts";
import {
  RECORD_DEFAULTS,
  TOY_ENGINES,
  type ToyEngine,
  type ToyProgress,
  type ToyTrainConfig,
  type ToyTrainResult,
} from "../config.ts";
import { trainToy } from "../train.ts";
import {
  ConfigError,
  type ExperimentProgress,
  type FieldSpec,
  type RunOptions,
} from "../../../core/experiment.ts";

/** Training settings every toy experiment accepts with `--set`. */
export interface ToyTrainFields {
  [key: string]: number | string | boolean | null;
  optimizer: OptimizerName;
  lr: number;
  /** null: the optimizer's PyTorch default (0.01 for adamw, else 0). */
  weightDecay: number | null;
  momentum: number;
  init: "normal" | "xavier";
  initStd: number;
  steps: number;
  seed: number;
  engine: "fused" | "tfjs";
}

/** Defaults of {@link ToyTrainFields}: AdamW at PyTorch's default lr 1e-3, W ~ N(0, 0.1²). */
export const TOY_TRAIN_DEFAULTS: ToyTrainFields = {
  optimizer: "adamw",
  lr: 1e-3,
  weightDecay: null,
  momentum: 0,
  init: "normal",
  initStd: TOY_MODEL_DEFAULTS.initStd,
  steps: 10_000,
  seed: 0,
  engine: "fused",
};

/** Field specs of {@link ToyTrainFields}. */
export const TOY_TRAIN_SPECS: { [K in keyof ToyTrainFields]: FieldSpec } = {
  optimizer: { type: "enum", values: OPTIMIZER_NAMES, doc: "optimizer (PyTorch's update rules)" },
  lr: { type: "number", min: 0, exclusiveMin: true, doc: "learning rate" },
  weightDecay: {
    type: "number",
    min: 0,
    nullable: true,
    doc: "weight decay (default: 0.01 for adamw, 0 otherwise)",
  },
  momentum: { type: "number", min: 0, max: 0.999, doc: "momentum (sgd, rmsprop)" },
  init: { type: "enum", values: ["normal", "xavier"], doc: "initialisation of W" },
  initStd: { type: "number", min: 0, doc: "std of the normal initialisation" },
  steps: { type: "int", min: 1, max: 10_000_000, doc: "training steps (full-batch epochs)" },
  seed: { type: "int", min: 0, max: MAX_SEED, doc: "seed of the first instance" },
  engine: { type: "enum", values: TOY_ENGINES, doc: "fused (float64 kernel) or tfjs (reference)" },
};

/** Cross-field checks of the training fields. */
export function validateToyTrainFields(c: ToyTrainFields): void {
  if (c.momentum > 0 && c.optimizer !== "sgd" && c.optimizer !== "rmsprop") {
    throw new ConfigError(
      `momentum=${c.momentum} is not allowed with optimizer=${c.optimizer}: only sgd and rmsprop take momentum`,
    );
  }
}

/** Checks n and m of a toy model: n ≥ 2, 1 ≤ m < n. */
export function validateShape(n: number, m: number, keys = { n: "n", m: "m" }): void {
  if (m >= n) {
    throw new ConfigError(
      `${keys.m}=${m} is not allowed with ${keys.n}=${n}: the toy model squeezes n features into m < n dimensions`,
    );
  }
}

/** Resolves flat fields into a training run of `seeds.length` instances. */
export function toyTrainConfig(
  f: ToyTrainFields,
  shape: { n: number; m: number; seeds: number[]; data?: ToyDataConfig; importanceDecay?: number },
): ToyTrainConfig {
  const base = optimizerDefaults(f.optimizer, f.lr);
  const instances = shape.seeds.length;
  const p = shape.m * shape.n + shape.n;
  // Keep snapshot memory near 64 MB whatever the number of instances.
  const maxSnapshots = Math.max(16, Math.min(256, Math.floor(16e6 / (instances * p))));
  return {
    model: { ...TOY_MODEL_DEFAULTS, n: shape.n, m: shape.m, init: f.init, initStd: f.initStd },
    data: shape.data ?? { kind: "identity" },
    importanceDecay: shape.importanceDecay ?? 1,
    optimizer: {
      ...base,
      weightDecay: f.weightDecay ?? base.weightDecay,
      momentum: f.momentum,
    },
    steps: f.steps,
    seeds: shape.seeds,
    record: {
      ...RECORD_DEFAULTS,
      lossEvery: Math.max(1, Math.floor(f.steps / 1000)),
      snapshotEvery: Math.max(1, Math.floor(f.steps / 200)),
      maxSnapshots,
    },
    divergeAbove: 1e6,
  };
}

/** Checks that `count` consecutive seeds from `seed` stay within the seed range. */
export function validateSeedRange(seed: number, count: number, countKey = "seeds"): void {
  if (seed + count - 1 > MAX_SEED) {
    throw new ConfigError(
      `seed=${seed} with ${countKey}=${count} runs past the largest seed ${MAX_SEED}`,
    );
  }
}

/** Consecutive seeds `seed, seed+1, …` (one per instance). */
export function seedRange(seed: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => seed + k);
}

/**
 * Forwards a training run's progress as experiment progress, mapping its
 * steps onto `[from, to]` of the experiment's whole fraction.
 */
export function stageProgress(
  options: RunOptions,
  label: string,
  from: number,
  to: number,
): (p: ToyProgress) => Promise<void> {
  return async (p) => {
    if (!options.onProgress) return;
    const event: ExperimentProgress = {
      fraction: from + ((to - from) * p.step) / p.steps,
      message: `${label}: step ${p.step}/${p.steps}` +
        (p.diverged ? `, ${p.diverged} diverged` : ""),
      loss: p.loss,
      step: p.step,
      steps: p.steps,
    };
    await options.onProgress(event);
  };
}

/**
 * Trains `config` as one stage of an experiment: on `engine` (default fused)
 * with the run's backend, workers and signal, its progress mapped onto
 * `[from, to]` of the whole (see {@link stageProgress}).
 */
export function trainStage(
  config: ToyTrainConfig,
  stage: { run: RunOptions; engine?: ToyEngine; label: string; from: number; to: number },
): Promise<ToyTrainResult> {
  const { run } = stage;
  return trainToy(config, {
    engine: stage.engine,
    backend: run.backend,
    workers: run.workers,
    signal: run.signal,
    onProgress: stageProgress(run, stage.label, stage.from, stage.to),
  });
}

/** Every figure of one instance's state, plus its progress over training. */
export function instanceFigures(
  state: { W: number[][]; b: number[] },
  progress: { rows: ProgressRow[]; loss: { step: number; loss: number }[] } | null,
  label: string,
): Record<string, Spec> {
  const rows = featureRows(state.W, state.b);
  const figures: Record<string, Spec> = {};
  if (state.W.length === 2) {
    const polygon = latentPolygon(state.W);
    figures.vectors = featureVectorsSpec(rows, polygon, { title: `Feature vectors: ${label}` });
    figures.zones = latentZonesSpec(latentZones(state.W, state.b), rows, polygon, {
      title: `Latent zones: ${label}`,
    });
  }
  figures.gram = gramHeatmapSpec(gram(state.W), { title: `WᵀW: ${label}` });
  figures.biases = biasesSpec(rows, { title: `Biases: ${label}` });
  if (progress) {
    figures.progress = trainingProgressSpec(progress.rows, progress.loss, {
      title: `Training: ${label}`,
      n: state.W[0].length,
    });
  }
  return figures;
}

/** The per-feature table of one state (features numbered from 1). */
export function featureTable(state: { W: number[][]; b: number[] }): aq.ColumnTable {
  const rows = featureRows(state.W, state.b);
  return aq.from(rows.map((r) => ({
    feature: r.feature,
    norm: r.norm,
    angle_deg: r.angle,
    bias: r.bias,
    x: r.x,
    y: r.y,
  })));
}

/** Keeps about `points` evenly spaced rows of a series (for figures of long runs). */
export function thin<T>(rows: T[], points: number): T[] {
  if (rows.length <= points) return rows;
  const stride = rows.length / points;
  const out: T[] = [];
  for (let k = 0; k < points; k++) out.push(rows[Math.floor(k * stride)]);
  out.push(rows[rows.length - 1]);
  return out;
}
