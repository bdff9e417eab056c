/**
 * Pieces shared by the toy-autoencoder experiments (“Optimization Failure”, "Our Problem
 * Set-Up"): the training fields every toy experiment accepts, declared once,
 * the step that resolves them into a {@link ToyTrainConfig}, training one
 * stage of an experiment, and the figures and table of one instance.
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
  unlearntFeatures,
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
import { type ExperimentProgress, type RunOptions } from "../../../core/experiment.ts";
import {
  ConfigError,
  type ConfigOf,
  defaultsOf,
  int,
  num,
  numOrDefault,
  oneOf,
} from "../../../core/config.ts";
import { divergeAboveField } from "../../../core/train/loop.ts";
import type { MemoryTerm } from "../../../core/memory.ts";

/**
 * The training fields every toy experiment accepts with `--set`: optimizer
 * and its settings, initialisation, steps, first seed, engine and the
 * divergence threshold. An
 * experiment spreads them into its own fields, changing a default with
 * `withDefault` where it trains differently.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toyTrainFields } from "./common.ts";
 * import { withDefault } from "../../../core/config.ts";
 * const fields = { ...toyTrainFields, steps: withDefault(toyTrainFields.steps, 25_000) };
 * assert.equal(fields.steps.default, 25_000);
 * assert.equal(fields.optimizer.default, "adamw");
 * ```
 */
export const toyTrainFields = {
  optimizer: oneOf(OPTIMIZER_NAMES, {
    default: "adamw",
    doc: "optimizer (PyTorch's update rules)",
  }),
  lr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: "learning rate" }),
  weightDecay: numOrDefault({
    default: null,
    min: 0,
    doc: "weight decay (default: 0.01 for adamw, 0 otherwise)",
  }),
  momentum: num({ default: 0, min: 0, max: 0.999, doc: "momentum (sgd, rmsprop)" }),
  init: oneOf(["normal", "xavier"], { default: "normal", doc: "initialisation of W" }),
  initStd: num({
    default: TOY_MODEL_DEFAULTS.initStd,
    min: 0,
    doc: "std of the normal initialisation",
  }),
  steps: int({
    default: 10_000,
    min: 1,
    max: 10_000_000,
    doc: "training steps (full-batch epochs)",
  }),
  seed: int({ default: 0, min: 0, max: MAX_SEED, doc: "seed of the first instance" }),
  engine: oneOf(TOY_ENGINES, {
    default: "fused",
    doc: "fused (float64 kernel) or tfjs (reference)",
  }),
  divergeAbove: divergeAboveField,
};

/**
 * One learning rate per optimizer family, for experiments that run several
 * optimizers side by side (`toy-failure-survey`, `toy-resampling`): SGD at
 * 0.1, Adam and AdamW at 1e-3, RMSprop at 1e-3. {@link baseLr} picks one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerLrFields } from "./common.ts";
 * assert.deepEqual([optimizerLrFields.sgdLr.default, optimizerLrFields.adamLr.default], [0.1, 1e-3]);
 * ```
 */
export const optimizerLrFields = {
  sgdLr: num({ default: 0.1, min: 0, exclusiveMin: true, doc: "base lr of sgd" }),
  adamLr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: "base lr of adam and adamw" }),
  rmspropLr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: "base lr of rmsprop" }),
};

/**
 * The learning rate {@link optimizerLrFields} give `optimizer`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baseLr } from "./common.ts";
 * const c = { sgdLr: 0.1, adamLr: 1e-3, rmspropLr: 3e-4 };
 * assert.deepEqual([baseLr(c, "sgd"), baseLr(c, "adamw"), baseLr(c, "rmsprop")], [0.1, 1e-3, 3e-4]);
 * ```
 */
export function baseLr(
  c: { sgdLr: number; adamLr: number; rmspropLr: number },
  optimizer: OptimizerName,
): number {
  return optimizer === "sgd" ? c.sgdLr : optimizer === "rmsprop" ? c.rmspropLr : c.adamLr;
}

/**
 * The values of {@link toyTrainFields}: what {@link toyTrainConfig} resolves
 * into a training run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_TRAIN_DEFAULTS, type ToyTrainSettings } from "./common.ts";
 * const sgd: ToyTrainSettings = { ...TOY_TRAIN_DEFAULTS, optimizer: "sgd", lr: 0.1 };
 * assert.equal(sgd.weightDecay, null);
 * ```
 */
export type ToyTrainSettings = ConfigOf<typeof toyTrainFields>;

/**
 * The defaults of {@link toyTrainFields}: AdamW at PyTorch's default lr 1e-3,
 * W ~ N(0, 0.1²), 10,000 steps from seed 0 on the fused engine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_TRAIN_DEFAULTS } from "./common.ts";
 * assert.deepEqual([TOY_TRAIN_DEFAULTS.optimizer, TOY_TRAIN_DEFAULTS.lr], ["adamw", 1e-3]);
 * ```
 */
export const TOY_TRAIN_DEFAULTS: ToyTrainSettings = defaultsOf(toyTrainFields);

/**
 * Cross-field checks of the training fields: momentum only with an optimizer
 * that takes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_TRAIN_DEFAULTS, validateToyTrainFields } from "./common.ts";
 * validateToyTrainFields({ ...TOY_TRAIN_DEFAULTS, optimizer: "sgd", momentum: 0.9 });
 * assert.throws(
 *   () => validateToyTrainFields({ ...TOY_TRAIN_DEFAULTS, momentum: 0.9 }),
 *   /only sgd and rmsprop take momentum/,
 * );
 * ```
 */
export function validateToyTrainFields(c: ToyTrainSettings): void {
  if (c.momentum > 0 && c.optimizer !== "sgd" && c.optimizer !== "rmsprop") {
    throw new ConfigError(
      `momentum=${c.momentum} is not allowed with optimizer=${c.optimizer}: only sgd and rmsprop take momentum`,
    );
  }
}

/**
 * Checks n and m of a toy model: the model squeezes n features into m < n
 * dimensions. `keys` names the config keys in the message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateShape } from "./common.ts";
 * validateShape(7, 2);
 * assert.throws(() => validateShape(6, 6, { n: "nPerfect", m: "m" }), /m=6 is not allowed with nPerfect=6/);
 * ```
 */
export function validateShape(n: number, m: number, keys = { n: "n", m: "m" }): void {
  if (m >= n) {
    throw new ConfigError(
      `${keys.m}=${m} is not allowed with ${keys.n}=${n}: the toy model squeezes n features into m < n dimensions`,
    );
  }
}

/**
 * Resolves the flat training settings into a training run of `seeds.length`
 * instances of an n × m toy model (one-hot data unless `data` says otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_TRAIN_DEFAULTS, seedRange, toyTrainConfig } from "./common.ts";
 * const config = toyTrainConfig(TOY_TRAIN_DEFAULTS, { n: 7, m: 2, seeds: seedRange(0, 4) });
 * assert.equal(config.optimizer.weightDecay, 0.01); // adamw's PyTorch default
 * assert.deepEqual(config.seeds, [0, 1, 2, 3]);
 * ```
 */
export function toyTrainConfig(
  f: ToyTrainSettings,
  shape: { n: number; m: number; seeds: number[]; data?: ToyDataConfig; importanceDecay?: number },
): ToyTrainConfig {
  const base = optimizerDefaults(f.optimizer, f.lr);
  const instances = shape.seeds.length;
  const p = shape.m * shape.n + shape.n;
  // About 64 MB of snapshots, but never fewer than 16 rows (the timeline needs them): past a
  // million parameters in all, the memory estimate (`memory.ts`) is what bounds a run.
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
    divergeAbove: f.divergeAbove,
  };
}

/** Heap bytes of one instance's analysis: its outcome, table rows and figure points. */
const ROW_BYTES = 2048;

/**
 * The memory term of the per-instance objects an experiment's analysis
 * builds (outcomes, table rows): plain objects, so on the JavaScript heap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perSeedRows } from "./common.ts";
 * const term = perSeedRows(1000);
 * assert.deepEqual([term.heap, term.what], [true, "outcomes and table rows of 1000 instances"]);
 * ```
 */
export function perSeedRows(instances: number): MemoryTerm {
  return {
    what: `outcomes and table rows of ${instances} instances`,
    bytes: instances * ROW_BYTES,
    heap: true,
  };
}

/**
 * Checks that `count` consecutive seeds from `seed` stay within the seed
 * range; `countKey` names the count's config key in the message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateSeedRange } from "./common.ts";
 * validateSeedRange(0, 512);
 * assert.throws(() => validateSeedRange(4294967295, 2, "candidates"), /candidates=2 runs past/);
 * ```
 */
export function validateSeedRange(seed: number, count: number, countKey = "seeds"): void {
  if (seed + count - 1 > MAX_SEED) {
    throw new ConfigError(
      `seed=${seed} with ${countKey}=${count} runs past the largest seed ${MAX_SEED}`,
    );
  }
}

/**
 * Consecutive seeds `seed, seed+1, …` (one per instance).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seedRange } from "./common.ts";
 * assert.deepEqual(seedRange(10, 3), [10, 11, 12]);
 * ```
 */
export function seedRange(seed: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => seed + k);
}

/**
 * Forwards a training run's progress as experiment progress, mapping its
 * steps onto `[from, to]` of the experiment's whole fraction; `label` names
 * the run in the message and as the event's `group` (live plots keep one
 * series per run).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stageProgress } from "./common.ts";
 * const seen: [number, string | undefined][] = [];
 * const forward = stageProgress({ onProgress: (p) => void seen.push([p.fraction, p.group]) }, "n=7", 0.5, 1);
 * await forward({ step: 50, steps: 100, loss: new Float64Array(1), diverged: 0, elapsedMs: 1, etaMs: 1 });
 * assert.deepEqual(seen, [[0.75, "n=7"]]);
 * ```
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
      group: label,
    };
    await options.onProgress(event);
  };
}

/**
 * Trains `config` as one stage of an experiment: on `engine` (default fused)
 * with the run's backend, workers and signal, its progress mapped onto
 * `[from, to]` of the whole (see {@link stageProgress}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_TRAIN_DEFAULTS, toyTrainConfig, trainStage } from "./common.ts";
 * const config = toyTrainConfig({ ...TOY_TRAIN_DEFAULTS, steps: 20 }, { n: 5, m: 2, seeds: [0, 1] });
 * const run = await trainStage(config, { run: { workers: 1 }, label: "tiny", from: 0, to: 1 });
 * assert.equal(run.finalLoss.length, 2);
 * ```
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

/**
 * Every figure of one instance's state (feature vectors and latent zones
 * when m = 2, WᵀW, the biases), plus its progress over training when given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instanceFigures } from "./common.ts";
 * import { regularPolygon } from "../closed_forms.ts";
 * const figures = instanceFigures(regularPolygon(6), null, "regular hexagon");
 * assert.deepEqual(Object.keys(figures), ["vectors", "zones", "gram", "biases"]);
 * ```
 */
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
      unlearnt: unlearntFeatures(rows),
    });
  }
  return figures;
}

/**
 * The per-feature table of one state (features numbered from 1): norm,
 * angle, bias and latent coordinates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { featureTable } from "./common.ts";
 * import { regularPolygon } from "../closed_forms.ts";
 * const table = featureTable(regularPolygon(6));
 * assert.equal(table.numRows(), 6);
 * assert.deepEqual(table.columnNames(), ["feature", "norm", "angle_deg", "bias", "x", "y"]);
 * ```
 */
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

/**
 * Keeps about `points` evenly spaced rows of a series, and always the last
 * (for figures of long runs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { thin } from "./common.ts";
 * const rows = Array.from({ length: 100 }, (_, k) => k);
 * assert.deepEqual(thin(rows, 4), [0, 25, 50, 75, 99]);
 * ```
 */
export function thin<T>(rows: T[], points: number): T[] {
  if (rows.length <= points) return rows;
  const stride = rows.length / points;
  const out: T[] = [];
  for (let k = 0; k < points; k++) out.push(rows[Math.floor(k * stride)]);
  out.push(rows[rows.length - 1]);
  return out;
}
