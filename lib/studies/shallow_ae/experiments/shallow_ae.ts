/**
 * `shallow-ae`: can shallow autoencoders x̂ = Σₖ vₖ g(wₖ·x/√D) reach the PCA
 * error? After Refinetti & Goldt (ICML 2022) as seed 002 summarises it.
 *
 * A grid of activations × tied/untied × bias modes × seeds is trained with
 * online SGD on Gaussian inputs with a spiked covariance (whose PCA is known
 * exactly), all instances in one batched loop on shared sample streams; then
 * a few settings are trained on MNIST digits. Every instance is measured on
 * held-out samples against PCA's error on the same samples; the table says
 * which settings reach it. The overlaps of each unit with each principal
 * direction over time show how the components are learnt.
 *
 * @module
 */
import * as aq from "arquero";
import { imageSource } from "../image_source.ts";
import { pcaLevels } from "../../../core/pca.ts";
import {
  projectionLevels,
  settingTable,
  type ShallowAeOutcome,
  shallowAeOutcomes,
  type ShallowAeSettingRow,
} from "../analysis.ts";
import { loadMnist } from "../../../core/data/images.ts";
import { type SampleSource, spikedGaussian } from "../data.ts";
import {
  ACTIVATIONS,
  BIAS_MODES,
  parseSetting,
  settingLabel,
  type ShallowAeSetting,
  WEIGHT_MODES,
} from "../model.ts";
import {
  type CaptureRow,
  captureSpec,
  type ErrorRow,
  errorTimelineSpec,
  gapSpec,
  type NormRow,
  normSpec,
  type OverlapRow,
  overlapSpec,
} from "../plots.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { deriveSeed, MAX_SEED, Rng } from "../../../core/random.ts";
import { type ShallowAeTrainResult, trainShallowAe } from "../train.ts";
import {
  ConfigError,
  type Experiment,
  fusedMeta,
  listItems,
  runCheckpoint,
  type RunOptions,
} from "../../../core/experiment.ts";

/** Every setting label, for `show` and `mnistSettings`. */
export const SETTING_LABELS: string[] = ACTIVATIONS.flatMap((a) =>
  WEIGHT_MODES.flatMap((w) => BIAS_MODES.map((b) => `${a}-${w}-${b}`))
);

/** Config of `shallow-ae`. */
export interface ShallowAeConfig {
  [key: string]: number | string | boolean | null;
  dim: number;
  spikes: string;
  noise: number;
  units: number;
  activations: string;
  weights: string;
  biases: string;
  seeds: number;
  seed: number;
  steps: number;
  lr: number;
  initScale: number;
  records: number;
  smoothing: number;
  testSamples: number;
  tolerance: number;
  show: string;
  data: string;
  mnistSettings: string;
  mnistUnits: number;
  mnistSteps: number;
  mnistLr: number;
  mnistTrain: number;
  mnistTest: number;
  checkpointEvery: number;
}

/** One part of the study (spiked grid or MNIST) after training and measuring. */
export interface ShallowAePart {
  data: string;
  train: ShallowAeTrainResult;
  /** PCA error levels k = 0 … K of the training distribution (reference lines). */
  timelineLevels: number[];
  /** PCA error levels on the held-out rows. */
  testLevels: number[];
  outcomes: ShallowAeOutcome[];
  settings: ShallowAeSettingRow[];
  /** Microseconds per SGD step per instance. */
  usPerStep: number;
}

/** What `shallow-ae` returns (a part is null when `data` leaves it out). */
export interface ShallowAeResult {
  spiked: ShallowAePart | null;
  mnist: ShallowAePart | null;
}

function settingsOf(c: ShallowAeConfig): ShallowAeSetting[] {
  const out: ShallowAeSetting[] = [];
  for (const activation of listItems(c.activations)) {
    for (const weights of listItems(c.weights)) {
      for (const bias of listItems(c.biases)) {
        out.push(parseSetting(`${activation}-${weights}-${bias}`)!);
      }
    }
  }
  return out;
}

function spikesOf(c: ShallowAeConfig): number[] {
  return listItems(c.spikes).map(Number);
}

function testRows(source: SampleSource, count: number, seed: number): Float64Array {
  const rng = new Rng(deriveSeed(seed, "test"));
  const rows = new Float64Array(count * source.dim);
  const row = new Float64Array(source.dim);
  for (let r = 0; r < count; r++) {
    source.sample(rng, row);
    rows.set(row, r * source.dim);
  }
  return rows;
}

function finish(
  data: string,
  train: ShallowAeTrainResult,
  timelineLevels: number[],
  test: { rows: Float64Array; count: number; levels: number[] },
  tolerance: number,
): ShallowAePart {
  const outcomes = shallowAeOutcomes(train, test, timelineLevels, tolerance);
  const instanceSteps = train.instances.length * train.config.steps;
  return {
    data,
    train,
    timelineLevels,
    testLevels: test.levels,
    outcomes,
    settings: settingTable(outcomes),
    usPerStep: (1000 * train.elapsedMs) / Math.max(1, instanceSteps),
  };
}

export const shallowAe: Experiment<ShallowAeConfig, ShallowAeResult> = {
  id: "shallow-ae",
  title: "Shallow autoencoders against the PCA error (Refinetti & Goldt)",
  description:
    "Trains shallow autoencoders x̂ = Σₖ vₖ g(wₖ·x/√D) with online SGD (fresh samples, encoder rate " +
    "η/D) for every combination of activation (linear, erf, sigmoid, ReLU), tied or untied weights and " +
    "trainable biases, on Gaussian inputs with a spiked covariance and on MNIST digits, and measures " +
    "which reach the PCA error and how each unit aligns with the principal components over time " +
    "(seed 002, after Refinetti & Goldt, ICML 2022).",
  defaults: {
    dim: 100,
    spikes: "31,21,11",
    noise: 1,
    units: 3,
    activations: ACTIVATIONS.join(","),
    weights: WEIGHT_MODES.join(","),
    biases: BIAS_MODES.join(","),
    seeds: 2,
    seed: 0,
    steps: 300_000,
    lr: 0.05,
    initScale: 1,
    records: 150,
    smoothing: 500,
    testSamples: 5000,
    tolerance: 0.05,
    show: "linear-untied-none,erf-untied-none,erf-tied-none,relu-untied-none,relu-untied-both",
    data: "spiked,mnist",
    mnistSettings:
      "linear-untied-none,erf-untied-none,erf-tied-none,relu-untied-none,relu-untied-both",
    mnistUnits: 4,
    mnistSteps: 300_000,
    mnistLr: 0.2,
    mnistTrain: 8000,
    mnistTest: 2000,
    checkpointEvery: 100_000,
  },
  fields: {
    dim: { type: "int", min: 2, max: 4096, doc: "input dimension D of the spiked data" },
    spikes: {
      type: "list",
      min: 0,
      exclusiveMin: true,
      doc: "variances along the spike directions (each above noise)",
    },
    noise: { type: "number", min: 0, exclusiveMin: true, doc: "variance of the noise floor" },
    units: { type: "int", min: 1, max: 256, doc: "hidden units K (spiked data)" },
    activations: { type: "list", values: ACTIVATIONS, doc: "activations g to compare" },
    weights: { type: "list", values: WEIGHT_MODES, doc: "untied and/or tied weights" },
    biases: { type: "list", values: BIAS_MODES, doc: "trainable biases: none, encoder, both" },
    seeds: { type: "int", min: 1, max: 1000, doc: "seeds per setting (data stream + init)" },
    seed: { type: "int", min: 0, max: MAX_SEED, doc: "base seed" },
    steps: { type: "int", min: 1, max: 1_000_000_000, doc: "SGD steps (spiked data)" },
    lr: { type: "number", min: 0, exclusiveMin: true, doc: "decoder rate η (encoder η/D)" },
    initScale: { type: "number", min: 0, doc: "std of the initial encoder entries" },
    records: { type: "int", min: 2, max: 10_000, doc: "timeline points (log-spaced)" },
    smoothing: { type: "int", min: 1, doc: "steps the recorded training error averages over" },
    testSamples: { type: "int", min: 10, max: 1_000_000, doc: "held-out samples (spiked)" },
    tolerance: {
      type: "number",
      min: 0,
      max: 1,
      doc: "share of the last component's gain allowed above the PCA error",
    },
    show: { type: "list", values: SETTING_LABELS, doc: "settings drawn in the overlap figures" },
    data: { type: "list", values: ["spiked", "mnist"], doc: "which data to train on" },
    mnistSettings: { type: "list", values: SETTING_LABELS, doc: "settings trained on MNIST" },
    mnistUnits: { type: "int", min: 1, max: 64, doc: "hidden units K on MNIST" },
    mnistSteps: { type: "int", min: 1, max: 1_000_000_000, doc: "SGD steps on MNIST" },
    mnistLr: { type: "number", min: 0, exclusiveMin: true, doc: "decoder rate η on MNIST" },
    mnistTrain: { type: "int", min: 100, max: 9900, doc: "digits sampled for training" },
    mnistTest: { type: "int", min: 100, max: 9900, doc: "digits held out" },
    checkpointEvery: {
      type: "int",
      min: 1,
      doc: "steps between checkpoints (with a checkpoint folder)",
    },
  },
  profiles: {
    smoke: {
      dim: 30,
      steps: 20_000,
      seeds: 1,
      records: 40,
      testSamples: 1000,
      activations: "linear,erf,relu",
      biases: "none,both",
      show: "linear-untied-none,erf-tied-none,relu-untied-both",
      mnistSettings: "linear-untied-none,relu-untied-both",
      mnistUnits: 2,
      mnistSteps: 4000,
      mnistTrain: 1000,
      mnistTest: 500,
    },
    quick: {},
    full: { steps: 2_000_000, seeds: 4, records: 300, mnistSteps: 2_000_000 },
  },
  validate(c) {
    const spikes = spikesOf(c);
    if (spikes.length > c.dim) {
      throw new ConfigError(
        `spikes=${c.spikes} has ${spikes.length} spikes; at most dim=${c.dim} fit`,
      );
    }
    for (const s of spikes) {
      if (s <= c.noise) {
        throw new ConfigError(
          `spikes=${c.spikes} is not allowed: every spike must exceed noise=${c.noise}`,
        );
      }
    }
    if (c.units > c.dim) throw new ConfigError(`units=${c.units} must be at most dim=${c.dim}`);
    const grid = new Set(settingsOf(c).map(settingLabel));
    for (const label of listItems(c.show)) {
      if (!grid.has(label)) {
        throw new ConfigError(
          `show=${c.show} is not allowed: ${label} is not in the grid of activations × weights × biases`,
        );
      }
    }
    if (listItems(c.data).includes("mnist") && c.mnistTrain + c.mnistTest > 10_000) {
      throw new ConfigError(
        `mnistTrain + mnistTest = ${
          c.mnistTrain + c.mnistTest
        } is not allowed: the mnist package has 10000 digits`,
      );
    }
  },
  async run(c, options: RunOptions) {
    const started = performance.now();
    const settings = settingsOf(c);
    const mnistSettings = listItems(c.mnistSettings).map((l) => parseSetting(l)!);
    const data = listItems(c.data);
    const spikedCost = data.includes("spiked")
      ? settings.length * c.seeds * c.steps * c.units * c.dim
      : 0;
    const mnistCost = data.includes("mnist")
      ? mnistSettings.length * c.mnistSteps * c.mnistUnits * 784
      : 0;
    const total = spikedCost + mnistCost;
    const report =
      (label: string, offset: number, cost: number) =>
      async (p: { step: number; steps: number; error: Float64Array }) => {
        const finite = [...p.error].filter(Number.isFinite);
        const best = finite.length ? Math.min(...finite) : NaN;
        await options.onProgress?.({
          fraction: (offset + (cost * p.step) / p.steps) / total,
          message: `${label}: step ${p.step}/${p.steps} · lowest error ${best.toPrecision(4)}`,
          loss: p.error,
          step: p.step,
          steps: p.steps,
        });
      };

    // Both parts checkpoint into the experiment's folder, one file each.
    const checkpoint = (name: string) => runCheckpoint(options, { name, every: c.checkpointEvery });

    let spiked: ShallowAePart | null = null;
    if (data.includes("spiked")) {
      const source = spikedGaussian({
        dim: c.dim,
        spikes: spikesOf(c),
        noise: c.noise,
        seed: c.seed,
      });
      const spikedTrain = await trainShallowAe(source, {
        settings,
        seeds: c.seeds,
        seed: c.seed,
        units: c.units,
        steps: c.steps,
        lr: c.lr,
        initScale: c.initScale,
        records: c.records,
        smoothing: c.smoothing,
      }, {
        signal: options.signal,
        onProgress: report("spiked data", 0, spikedCost),
        checkpoint: checkpoint("spiked"),
      });
      const rows = testRows(source, c.testSamples, c.seed);
      spiked = finish(
        source.description,
        spikedTrain,
        pcaLevels(source.variances, c.units),
        {
          rows,
          count: c.testSamples,
          levels: projectionLevels(source.components, c.units, rows, c.testSamples, c.dim),
        },
        c.tolerance,
      );
    }

    let mnist: ShallowAePart | null = null;
    if (data.includes("mnist")) {
      await options.onProgress?.({
        fraction: spikedCost / total,
        message: "MNIST: loading and PCA",
      });
      const images = await loadMnist({ seed: c.seed });
      const src = imageSource(images, {
        trainCount: c.mnistTrain,
        testCount: c.mnistTest,
        componentCount: c.mnistUnits,
        name: "MNIST digits",
      });
      const train = await trainShallowAe(src, {
        settings: mnistSettings,
        seeds: 1,
        seed: c.seed,
        units: c.mnistUnits,
        steps: c.mnistSteps,
        lr: c.mnistLr,
        initScale: c.initScale,
        records: c.records,
        smoothing: c.smoothing,
      }, {
        signal: options.signal,
        onProgress: report("MNIST", spikedCost, mnistCost),
        checkpoint: checkpoint("mnist"),
      });
      mnist = finish(
        src.description,
        train,
        pcaLevels(src.variances, c.mnistUnits),
        {
          rows: src.test,
          count: src.testCount,
          levels: projectionLevels(src.components, c.mnistUnits, src.test, src.testCount, src.dim),
        },
        c.tolerance,
      );
    }
    return {
      spiked,
      mnist,
      meta: fusedMeta({ workers: 1, elapsedMs: performance.now() - started }),
    };
  },
  artefacts(r, c) {
    const show = listItems(c.show);
    const figures: Record<string, Spec> = {};
    const tables: Record<string, aq.ColumnTable> = {};
    const notes: string[] = [];
    const { spiked, mnist } = r;
    const K = c.units;
    const tol = `${Math.round(c.tolerance * 100)}%`;

    const summary: Record<string, unknown> = {};
    const verdict = (rows: ShallowAeSettingRow[], v: string) =>
      rows.filter((s) => s.verdict === v).map((s) => s.setting);
    if (spiked) {
      figures.error_over_time = errorTimelineSpec(
        meanCurves(spiked.train, (s) => `${s.weights} / ${s.bias}`, (s) => s.activation),
        spiked.timelineLevels.map((error, k) => ({ k, error })),
        {
          title: `Error over training against PCA (${spiked.data}, K = ${K})`,
          subtitle: `mean over ${c.seeds} seed(s); dashed: PCA's error with 0 … ${K} components`,
          yMax: spiked.timelineLevels[0] * 1.02,
        },
      );
      figures.pc_capture = captureSpec(captureRows(spiked.train, show), {
        title: "How much of each principal direction the encoder's span holds (seed 0)",
        subtitle: "‖P_W uᵣ‖², P_W the projection onto span{w₁ … w_K}",
      });
      figures.overlaps = overlapSpec(overlapRows(spiked.train, show), {
        title: "Overlap of each unit's encoder weights with each principal direction (seed 0)",
        subtitle: "|cos(wₖ, uᵣ)|",
      });
      figures.norms = normSpec(normRows(spiked.train, show), {
        title: "Weight norms over training (seed 0): after aligning, the weights rescale",
      });
      const order = spiked.settings.map((s) => s.setting);
      figures.pca_gap = gapSpec(
        spiked.outcomes.map((o) => ({
          setting: o.setting,
          seed: o.seed,
          gap: o.gap,
          reached: o.reached,
        })),
        {
          title: "Which settings reach the PCA error (held-out samples)",
          subtitle: `0 = PCA with ${K} components, 1 = with ${K - 1}; ` +
            `reaching means ≤ ${c.tolerance} (dashed)`,
          tolerance: c.tolerance,
          order,
        },
      );
      tables.settings = settingsFrame(spiked.settings);
      tables.runs = runsFrame(spiked.outcomes);
      tables.pca_levels = aq.from(spiked.testLevels.map((error, k) => ({
        components: k,
        population: spiked.timelineLevels[k],
        held_out: error,
      })));

      notes.push(
        `Spiked data: ${spiked.data}; K = ${K}; ${
          c.steps.toLocaleString("en-US")
        } steps, η = ${c.lr} ` +
          `(encoder η/D); ${c.seeds} seed(s) per setting; ${
            spiked.usPerStep.toFixed(2)
          } µs per step per ` +
          `instance. "Reaches" = held-out error within ${tol} of the last component's gain above PCA's error.`,
        `Reach the PCA error in every seed: ${list(verdict(spiked.settings, "reaches PCA"))}.`,
        `In some seeds only: ${list(verdict(spiked.settings, "sometimes"))}.`,
        `Never: ${list(verdict(spiked.settings, "does not reach"))}.` +
          (verdict(spiked.settings, "diverged").length
            ? ` Diverged: ${list(verdict(spiked.settings, "diverged"))}.`
            : ""),
      );
      Object.assign(summary, {
        spiked_data: spiked.data,
        units: K,
        steps: c.steps,
        lr: c.lr,
        tolerance: c.tolerance,
        pca_error_held_out: spiked.testLevels[K],
        reaches_pca: verdict(spiked.settings, "reaches PCA"),
        sometimes: verdict(spiked.settings, "sometimes"),
        never: verdict(spiked.settings, "does not reach"),
        diverged: verdict(spiked.settings, "diverged"),
        us_per_step_per_instance: spiked.usPerStep,
      });
    }

    if (mnist) {
      const Km = c.mnistUnits;
      figures.mnist_error_over_time = errorTimelineSpec(
        meanCurves(mnist.train, settingLabel, () => ""),
        mnist.timelineLevels.map((error, k) => ({ k, error })),
        {
          title: `MNIST digits: training error against PCA (K = ${Km})`,
          subtitle: `dashed: PCA's error with 0 … ${Km} components on the training digits`,
          yMax: mnist.timelineLevels[0] * 1.05,
        },
      );
      figures.mnist_pc_capture = captureSpec(captureRows(mnist.train, listItems(c.mnistSettings)), {
        title: "MNIST: how much of each leading principal component the encoder's span holds",
        subtitle: "‖P_W uᵣ‖² for the digits' top principal directions (training split)",
      });
      tables.mnist = settingsFrame(mnist.settings);
      notes.push(
        `MNIST (${mnist.data}): K = ${Km}, ${c.mnistSteps.toLocaleString("en-US")} steps, ` +
          `η = ${c.mnistLr}; PCA error on held-out digits ${mnist.testLevels[Km].toFixed(4)}. ` +
          mnist.settings.map((s) =>
            `${s.setting}: ${
              Number.isFinite(s.meanError) ? s.meanError.toFixed(4) : "diverged"
            } (${s.verdict})`
          ).join("; ") + ".",
      );
      summary.mnist = Object.fromEntries(
        mnist.settings.map((s) => [s.setting, { error: s.meanError, verdict: s.verdict }]),
      );
      summary.mnist_pca_error_held_out = mnist.testLevels[Km];
      summary.mnist_us_per_step_per_instance = mnist.usPerStep;
    }
    return { summary, tables, figures, notes };
  },
};

function list(labels: string[]): string {
  return labels.length ? labels.join(", ") : "none";
}

/** Seed 0 of each setting named in `labels`, with its label (the instances the figures draw). */
function shownInstances(train: ShallowAeTrainResult, labels: string[]) {
  return train.instances
    .map((inst) => ({ inst, label: settingLabel(inst.setting) }))
    .filter(({ inst, label }) => inst.seedIndex === 0 && labels.includes(label));
}

function captureRows(train: ShallowAeTrainResult, labels: string[]): CaptureRow[] {
  const rows: CaptureRow[] = [];
  for (const { inst, label } of shownInstances(train, labels)) {
    const R = inst.captured.length / train.recordSteps.length;
    train.recordSteps.forEach((step, r) => {
      for (let q = 0; q < R; q++) {
        rows.push({ setting: label, step, component: q + 1, share: inst.captured[r * R + q] });
      }
    });
  }
  return rows;
}

function meanCurves(
  train: ShallowAeTrainResult,
  curve: (s: ShallowAeSetting) => string,
  panel: (s: ShallowAeSetting) => string,
): ErrorRow[] {
  const groups = new Map<string, { setting: ShallowAeSetting; errors: Float64Array[] }>();
  for (const inst of train.instances) {
    const key = settingLabel(inst.setting);
    const g = groups.get(key) ?? { setting: inst.setting, errors: [] };
    g.errors.push(inst.error);
    groups.set(key, g);
  }
  const rows: ErrorRow[] = [];
  for (const { setting, errors } of groups.values()) {
    train.recordSteps.forEach((step, r) => {
      const values = errors.map((e) => e[r]).filter(Number.isFinite);
      if (values.length === 0) return;
      rows.push({
        step,
        error: values.reduce((a, b) => a + b, 0) / values.length,
        curve: curve(setting),
        panel: panel(setting),
      });
    });
  }
  return rows;
}

function overlapRows(train: ShallowAeTrainResult, labels: string[]): OverlapRow[] {
  const rows: OverlapRow[] = [];
  const K = train.config.units;
  for (const { inst, label } of shownInstances(train, labels)) {
    const R = inst.overlap.length / (train.recordSteps.length * K);
    train.recordSteps.forEach((step, r) => {
      for (let k = 0; k < K; k++) {
        for (let q = 0; q < R; q++) {
          const overlap = inst.overlap[(r * K + k) * R + q];
          if (Number.isFinite(overlap)) {
            rows.push({ setting: label, step, unit: k + 1, component: q + 1, overlap });
          }
        }
      }
    });
  }
  return rows;
}

function normRows(train: ShallowAeTrainResult, labels: string[]): NormRow[] {
  const rows: NormRow[] = [];
  const K = train.config.units;
  for (const { inst, label } of shownInstances(train, labels)) {
    const norms = [["‖wₖ‖/√D", inst.encoderNorm], ["‖vₖ‖", inst.decoderNorm]] as const;
    train.recordSteps.forEach((step, r) => {
      for (let k = 0; k < K; k++) {
        for (const [which, norm] of norms) {
          rows.push({ setting: label, step, unit: k + 1, which, norm: norm[r * K + k] });
        }
      }
    });
  }
  return rows;
}

function settingsFrame(rows: ShallowAeSettingRow[]): aq.ColumnTable {
  return aq.from(rows.map((s) => ({
    setting: s.setting,
    activation: s.activation,
    weights: s.weights,
    bias: s.bias,
    verdict: s.verdict,
    reached: `${s.reached}/${s.seeds}`,
    mean_error: s.meanError,
    pca_error: s.pcaError,
    median_gap: s.medianGap,
    levels: s.minLevels === s.maxLevels ? `${s.minLevels}` : `${s.minLevels}–${s.maxLevels}`,
    steps_to_levels: s.levelSteps.map((v) => (v === null ? "–" : String(Math.round(v)))).join(
      " / ",
    ),
    diverged: s.diverged,
  })));
}

function runsFrame(outcomes: ShallowAeOutcome[]): aq.ColumnTable {
  return aq.from(outcomes.map((o) => ({
    setting: o.setting,
    seed: o.seed,
    error: o.error,
    pca_error: o.pcaError,
    gap: o.gap,
    levels: o.levels,
    reached: o.reached,
    diverged_at: o.divergedAt,
    level_steps: o.levelSteps.map((s) => (s === null ? "–" : String(s))).join(" / "),
  })));
}
