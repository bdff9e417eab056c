/**
 * `shallow-ae`: can shallow autoencoders x̂ = Σₖ vₖ g(wₖ·x/√D) reach the PCA
 * error? After Refinetti & Goldt (ICML 2022) as the research notes summarises it.
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
  captureOrder,
  captureRows,
  gapRows,
  levelRows,
  meanCurves,
  normRows,
  overlapRows,
  pcaLevelTableRows,
  projectionLevels,
  runsTableRows,
  settingsTableRows,
  settingsWithVerdict,
  settingTable,
  type ShallowAeOutcome,
  shallowAeOutcomes,
  type ShallowAeSettingRow,
  shownDiverged,
} from "../analysis.ts";
import { loadMnist } from "../../../core/data/images.ts";
import { sampleRows, spikedGaussian } from "../data.ts";
import {
  ACTIVATIONS,
  BIAS_MODES,
  parseSetting,
  settingLabel,
  type ShallowAeSetting,
  WEIGHT_MODES,
} from "../model.ts";
import { captureSpec, errorTimelineSpec, gapSpec, normSpec, overlapSpec } from "../plots.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { deriveSeed, MAX_SEED, Rng } from "../../../core/random.ts";
import {
  type ShallowAeProgress,
  type ShallowAeTrainConfig,
  type ShallowAeTrainResult,
  trainShallowAe,
} from "../train.ts";
import { shallowAeTrainMemory } from "../memory.ts";
import { largestStage, type MemoryEstimate, memoryEstimate } from "../../../core/memory.ts";
import {
  type Artefacts,
  defineExperiment,
  type Experiment,
  fusedMeta,
  runCheckpoint,
  type RunOptions,
} from "../../../core/experiment.ts";
import { ConfigError, type ConfigOf, int, list, listItems, num } from "../../../core/config.ts";
import { fixed, pct, sig } from "../../../core/format.ts";
import { divergeAboveField } from "../../../core/train/loop.ts";
import { minOf } from "../../../core/stats.ts";
import {
  describeDivergence,
  type DivergenceReport,
  markFigures,
} from "../../../core/train/divergence.ts";
import { shallowAeClaims } from "../claims.ts";

/** Every setting label, for `show` and `mnistSettings`. */
export const SETTING_LABELS: string[] = ACTIVATIONS.flatMap((a) =>
  WEIGHT_MODES.flatMap((w) => BIAS_MODES.map((b) => `${a}-${w}-${b}`))
);

const FIGURE_SETTINGS =
  "linear-untied-none,erf-untied-none,erf-tied-none,relu-untied-none,relu-untied-both";

/**
 * The fields of `shallow-ae`: the spiked data, the grid of settings, SGD,
 * what is recorded and measured, and the MNIST part.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shallowAeFields } from "../../../mod.ts";
 * assert.equal(shallowAeFields.lr.default, 0.05);
 * assert.equal(shallowAeFields.activations.default, "linear,erf,sigmoid,relu");
 * ```
 */
export const shallowAeFields = {
  dim: int({ default: 100, min: 2, max: 4096, doc: "input dimension D of the spiked data" }),
  spikes: list({
    default: "31,21,11",
    min: 0,
    exclusiveMin: true,
    doc: "variances along the spike directions (each above noise)",
  }),
  noise: num({ default: 1, min: 0, exclusiveMin: true, doc: "variance of the noise floor" }),
  units: int({ default: 3, min: 1, max: 256, doc: "hidden units K (spiked data)" }),
  activations: list({
    default: ACTIVATIONS.join(","),
    values: ACTIVATIONS,
    doc: "activations g to compare",
  }),
  weights: list({
    default: WEIGHT_MODES.join(","),
    values: WEIGHT_MODES,
    doc: "untied and/or tied weights",
  }),
  biases: list({
    default: BIAS_MODES.join(","),
    values: BIAS_MODES,
    doc: "trainable biases: none, encoder, both",
  }),
  seeds: int({ default: 2, min: 1, max: 1000, doc: "seeds per setting (data stream + init)" }),
  seed: int({ default: 0, min: 0, max: MAX_SEED, doc: "base seed" }),
  steps: int({ default: 300_000, min: 1, max: 1_000_000_000, doc: "SGD steps (spiked data)" }),
  lr: num({ default: 0.05, min: 0, exclusiveMin: true, doc: "decoder rate η (encoder η/D)" }),
  initScale: num({ default: 1, min: 0, doc: "std of the initial encoder entries" }),
  records: int({ default: 150, min: 2, max: 10_000, doc: "timeline points (log-spaced)" }),
  smoothing: int({ default: 500, min: 1, doc: "steps the recorded training error averages over" }),
  divergeAbove: divergeAboveField,
  testSamples: int({ default: 5000, min: 10, max: 1_000_000, doc: "held-out samples (spiked)" }),
  tolerance: num({
    default: 0.05,
    min: 0,
    max: 1,
    doc: "share of the last component's gain allowed above the PCA error",
  }),
  show: list({
    default: FIGURE_SETTINGS,
    values: SETTING_LABELS,
    doc: "settings drawn in the overlap figures",
  }),
  data: list({
    default: "spiked,mnist",
    values: ["spiked", "mnist"],
    doc: "which data to train on",
  }),
  mnistSettings: list({
    default: FIGURE_SETTINGS,
    values: SETTING_LABELS,
    doc: "settings trained on MNIST",
  }),
  mnistUnits: int({ default: 4, min: 1, max: 64, doc: "hidden units K on MNIST" }),
  mnistSteps: int({ default: 300_000, min: 1, max: 1_000_000_000, doc: "SGD steps on MNIST" }),
  mnistLr: num({ default: 0.2, min: 0, exclusiveMin: true, doc: "decoder rate η on MNIST" }),
  mnistTrain: int({ default: 8000, min: 100, max: 9900, doc: "digits sampled for training" }),
  mnistTest: int({ default: 2000, min: 100, max: 9900, doc: "digits held out" }),
  checkpointEvery: int({
    default: 100_000,
    min: 1,
    doc: "steps between checkpoints (with a checkpoint folder)",
  }),
};

/**
 * Config of `shallow-ae`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, shallowAe, type ShallowAeConfig } from "../../../mod.ts";
 * const config: ShallowAeConfig = configure(shallowAe, { units: 2 }, "smoke");
 * assert.equal(config.dim, 30); // the smoke profile's
 * ```
 */
export type ShallowAeConfig = ConfigOf<typeof shallowAeFields>;

/**
 * One part of the study (spiked grid or MNIST) after training and measuring.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, shallowAe, type ShallowAePart } from "../../../mod.ts";
 * const config = configure(shallowAe, {
 *   data: "spiked",
 *   dim: 5,
 *   spikes: "6",
 *   units: 1,
 *   activations: "linear",
 *   weights: "tied",
 *   biases: "none",
 *   show: "linear-tied-none",
 *   steps: 100,
 *   testSamples: 20,
 * }, "smoke");
 * const part: ShallowAePart = (await shallowAe.run(config, {})).spiked!;
 * assert.equal(part.testLevels.length, config.units + 1); // PCA with 0 … K components
 * assert.equal(part.settings[0].seeds, 1);
 * ```
 */
export interface ShallowAePart {
  /** What the data was, for captions. */
  data: string;
  /** The training run. */
  train: ShallowAeTrainResult;
  /** PCA error levels k = 0 … K of the training distribution (reference lines). */
  timelineLevels: number[];
  /** PCA error levels on the held-out rows. */
  testLevels: number[];
  /** Every instance measured on the held-out rows. */
  outcomes: ShallowAeOutcome[];
  /** The outcomes aggregated per setting. */
  settings: ShallowAeSettingRow[];
  /** Microseconds per SGD step per instance. */
  usPerStep: number;
}

/**
 * What `shallow-ae` returns (a part is null when `data` leaves it out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ShallowAeResult } from "../../../mod.ts";
 * const nothing: ShallowAeResult = { spiked: null, mnist: null };
 * assert.equal(nothing.mnist, null);
 * ```
 */
export interface ShallowAeResult {
  /** The grid on spiked Gaussian data. */
  spiked: ShallowAePart | null;
  /** The settings trained on MNIST digits. */
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

function validate(c: ShallowAeConfig): void {
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
  // The default names settings of the default grid; it follows a narrowed grid (shownSettings).
  for (const label of c.show === FIGURE_SETTINGS ? [] : listItems(c.show)) {
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
}

/** How a part reports: the run's options, and a progress callback for its training. */
interface PartContext {
  options: RunOptions;
  onProgress: (p: ShallowAeProgress) => Promise<void>;
}

/** The measured part of a trained run: outcomes on the held-out rows, per setting. */
/** The spiked part's run: every setting × seed. */
function spikedTrainConfig(c: ShallowAeConfig): ShallowAeTrainConfig {
  return {
    settings: settingsOf(c),
    seeds: c.seeds,
    seed: c.seed,
    units: c.units,
    steps: c.steps,
    lr: c.lr,
    initScale: c.initScale,
    records: c.records,
    smoothing: c.smoothing,
    divergeAbove: c.divergeAbove,
  };
}

/** The MNIST part's run: one seed of each of its settings. */
function mnistTrainConfig(c: ShallowAeConfig): ShallowAeTrainConfig {
  return {
    settings: listItems(c.mnistSettings).map((l) => parseSetting(l)!),
    seeds: 1,
    seed: c.seed,
    units: c.mnistUnits,
    steps: c.mnistSteps,
    lr: c.mnistLr,
    initScale: c.initScale,
    records: c.records,
    smoothing: c.smoothing,
    divergeAbove: c.divergeAbove,
  };
}

/** The two parts one after the other; the spiked part's result is kept while MNIST trains. */
function shallowAeMemory(c: ShallowAeConfig, checkpoint: boolean): MemoryEstimate {
  const data = listItems(c.data);
  const knobs = ["seeds", "units", "dim", "testSamples", "mnistUnits"];
  const spiked = data.includes("spiked")
    ? shallowAeTrainMemory(spikedTrainConfig(c), {
      dim: c.dim,
      components: spikesOf(c).length,
    }, { checkpoint })
    : [];
  const test = {
    what: `test samples: ${c.testSamples} × ${c.dim}`,
    bytes: 8 * c.testSamples * c.dim,
  };
  const mnist = data.includes("mnist")
    ? [
      ...shallowAeTrainMemory(mnistTrainConfig(c), { dim: 784, components: c.mnistUnits }, {
        checkpoint,
      }),
      {
        what: "MNIST digits and their training and test splits",
        bytes: 10_000 * 784 * 4 + 8 * (c.mnistTrain + c.mnistTest) * 784,
      },
    ]
    : [];
  return largestStage([
    memoryEstimate(spiked.length ? [...spiked, test] : [], knobs),
    memoryEstimate([...mnist, ...spiked.slice(0, 2)], knobs),
  ]);
}

function measurePart(
  train: ShallowAeTrainResult,
  part: {
    data: string;
    timelineLevels: number[];
    test: { rows: Float64Array; count: number; levels: number[] };
    tolerance: number;
  },
): ShallowAePart {
  const outcomes = shallowAeOutcomes(train, part.test, part.timelineLevels, part.tolerance);
  const instanceSteps = train.instances.length * train.config.steps;
  return {
    data: part.data,
    train,
    timelineLevels: part.timelineLevels,
    testLevels: part.test.levels,
    outcomes,
    settings: settingTable(outcomes),
    usPerStep: (1000 * train.elapsedMs) / Math.max(1, instanceSteps),
  };
}

async function runSpiked(c: ShallowAeConfig, ctx: PartContext): Promise<ShallowAePart> {
  const source = spikedGaussian({ dim: c.dim, spikes: spikesOf(c), noise: c.noise, seed: c.seed });
  const train = await trainShallowAe(source, spikedTrainConfig(c), {
    signal: ctx.options.signal,
    onProgress: ctx.onProgress,
    // Both parts checkpoint into the experiment's folder, one file each.
    checkpoint: runCheckpoint(ctx.options, { name: "spiked", every: c.checkpointEvery }),
  });
  const count = c.testSamples;
  const rows = sampleRows(source, { count, rng: new Rng(deriveSeed(c.seed, "test")) });
  return measurePart(train, {
    data: source.description,
    timelineLevels: pcaLevels(source.variances, c.units),
    test: { rows, count, levels: projectionLevels(source.components, c.units, rows, count, c.dim) },
    tolerance: c.tolerance,
  });
}

async function runMnist(c: ShallowAeConfig, ctx: PartContext): Promise<ShallowAePart> {
  const images = await loadMnist({ seed: c.seed });
  const src = imageSource(images, {
    trainCount: c.mnistTrain,
    testCount: c.mnistTest,
    componentCount: c.mnistUnits,
    name: "MNIST digits",
  });
  const train = await trainShallowAe(src, mnistTrainConfig(c), {
    signal: ctx.options.signal,
    onProgress: ctx.onProgress,
    checkpoint: runCheckpoint(ctx.options, { name: "mnist", every: c.checkpointEvery }),
  });
  const K = c.mnistUnits;
  return measurePart(train, {
    data: src.description,
    timelineLevels: pcaLevels(src.variances, K),
    test: {
      rows: src.test,
      count: src.testCount,
      levels: projectionLevels(src.components, K, src.test, src.testCount, src.dim),
    },
    tolerance: c.tolerance,
  });
}

/** The work of each part (steps × instances × units × D), to spread the progress fraction. */
function partCosts(c: ShallowAeConfig): { spiked: number; mnist: number; total: number } {
  const data = listItems(c.data);
  const spiked = data.includes("spiked")
    ? settingsOf(c).length * c.seeds * c.steps * c.units * c.dim
    : 0;
  const mnist = data.includes("mnist")
    ? listItems(c.mnistSettings).length * c.mnistSteps * c.mnistUnits * 784
    : 0;
  return { spiked, mnist, total: spiked + mnist };
}

/** A part's progress callback: its share of the whole run, its lowest current error and its time left. */
function partProgress(
  options: RunOptions,
  part: { label: string; offset: number; cost: number; total: number },
): (p: ShallowAeProgress) => Promise<void> {
  return async (p) => {
    const finite = [...p.error].filter(Number.isFinite);
    const best = finite.length ? minOf(finite) : NaN;
    await options.onProgress?.({
      fraction: (part.offset + (part.cost * p.step) / p.steps) / part.total,
      message: `${part.label}: step ${p.step}/${p.steps} · lowest error ${sig(best, 4)}` +
        (Number.isFinite(p.etaMs) ? ` · about ${Math.ceil(p.etaMs / 1000)} s left` : ""),
      loss: p.error,
      step: p.step,
      steps: p.steps,
      // A live plot draws the spiked and the MNIST part as separate series.
      group: part.label,
    });
  };
}

function listOrNone(labels: string[]): string {
  return labels.length ? labels.join(", ") : "none";
}

/** Divergence among a part's instances (its setting × seed runs). */
function partDivergence(part: ShallowAePart, c: ShallowAeConfig): DivergenceReport {
  return describeDivergence(part.train.instances.map((i) => i.divergedAt), {
    divergeAbove: c.divergeAbove,
  });
}

/**
 * The part's figures, marked where instances diverged: the means and gaps
 * leave them out, the seed-0 curves stop where theirs diverged.
 */
function markedFigures(
  figures: Record<string, Spec>,
  part: ShallowAePart,
  options: { c: ShallowAeConfig; drawn: string[]; seedCurves: string[] },
): Record<string, Spec> {
  const div = partDivergence(part, options.c);
  const stopped = shownDiverged(part.train, options.drawn);
  const curveMark = stopped
    ? `${stopped} of the ${options.drawn.length} drawn seeds diverged, drawn up to there`
    : "";
  return markFigures(figures, (name) => options.seedCurves.includes(name) ? curveMark : div.mark);
}

/**
 * The settings the overlap figures draw: those `show` names; by default the
 * default's settings that the grid has, or its first three when it has none.
 */
function shownSettings(c: ShallowAeConfig): string[] {
  if (c.show !== FIGURE_SETTINGS) return listItems(c.show);
  const grid = settingsOf(c).map(settingLabel);
  const kept = listItems(c.show).filter((label) => grid.includes(label));
  return kept.length ? kept : grid.slice(0, 3);
}

function spikedFigures(part: ShallowAePart, c: ShallowAeConfig): Record<string, Spec> {
  const show = shownSettings(c);
  const K = c.units;
  return markedFigures(
    {
      error_over_time: errorTimelineSpec(
        // A panel per activation and weight tying; the bias modes, often alike, share one.
        meanCurves(part.train, {
          curve: (s) => s.bias,
          panel: (s) => `${s.activation}, ${s.weights} weights`,
        }),
        levelRows(part.timelineLevels),
        {
          title: `Error over training against PCA (${part.data}, K = ${K})`,
          subtitle: `mean over ${c.seeds} seed(s); dashed: PCA(k), PCA's error with k = 0 … ${K} ` +
            "components",
          yMax: part.timelineLevels[0] * 1.02,
          curveTitle: "trainable biases",
        },
      ),
      pc_capture: captureSpec(captureRows(part.train, show), {
        title: "How much of each principal direction the encoder's span holds (seed 0)",
        subtitle: "‖P_W uᵣ‖², P_W the projection onto span{w₁ … w_K}",
      }),
      overlaps: overlapSpec(overlapRows(part.train, show), {
        title: "Overlap of each unit's encoder weights with each principal direction (seed 0)",
        subtitle: "|cos(wₖ, uᵣ)|",
      }),
      norms: normSpec(normRows(part.train, show), {
        title: "Weight norms over training (seed 0): after aligning, the weights rescale",
      }),
      pca_gap: gapSpec(gapRows(part.outcomes), {
        title: "Which settings reach the PCA error (held-out samples)",
        subtitle: `0 = PCA with ${K} components, 1 = with ${K - 1}; ` +
          `reaching means ≤ ${c.tolerance} (dashed)`,
        tolerance: c.tolerance,
        order: part.settings.map((s) => s.setting),
      }),
    },
    part,
    { c, drawn: show, seedCurves: ["pc_capture", "overlaps", "norms"] },
  );
}

function spikedNotes(part: ShallowAePart, c: ShallowAeConfig): string[] {
  const named = (verdict: ShallowAeSettingRow["verdict"]) =>
    listOrNone(settingsWithVerdict(part.settings, verdict));
  const diverged = settingsWithVerdict(part.settings, "diverged");
  const div = partDivergence(part, c);
  return [
    `Spiked data: ${part.data}; K = ${c.units}; ${c.steps.toLocaleString("en-US")} steps, ` +
    `η = ${c.lr} (encoder η/D); ${c.seeds} seed(s) per setting; ${fixed(part.usPerStep, 2)} µs ` +
    `per step per instance. "Reaches" = held-out error within ${pct(c.tolerance, 0)} of the ` +
    `last component's gain above PCA's error.`,
    ...(div.note ? [div.note] : []),
    `Reach the PCA error in every seed: ${named("reaches PCA")}.`,
    `In some seeds only: ${named("sometimes")}.`,
    `Never: ${named("does not reach")}.` +
    (diverged.length ? ` Diverged: ${listOrNone(diverged)}.` : ""),
  ];
}

function spikedArtefacts(part: ShallowAePart, c: ShallowAeConfig): Artefacts {
  const K = c.units;
  const verdicts = (verdict: ShallowAeSettingRow["verdict"]) =>
    settingsWithVerdict(part.settings, verdict);
  return {
    summary: {
      spiked_data: part.data,
      units: K,
      steps: c.steps,
      lr: c.lr,
      tolerance: c.tolerance,
      pca_error_held_out: part.testLevels[K],
      reaches_pca: verdicts("reaches PCA"),
      sometimes: verdicts("sometimes"),
      never: verdicts("does not reach"),
      diverged: verdicts("diverged"),
      // When each principal direction was 90% inside a linear encoder's span: the order they come in.
      linear_capture_at_0_9: captureOrder(
        part.train,
        part.settings.map((x) => x.setting).filter((x) => x.startsWith("linear-")),
        0.9,
      ),
      divergence: partDivergence(part, c).summary,
      us_per_step_per_instance: part.usPerStep,
    },
    tables: {
      settings: aq.from(settingsTableRows(part.settings)),
      runs: aq.from(runsTableRows(part.outcomes)),
      pca_levels: aq.from(pcaLevelTableRows(part.timelineLevels, part.testLevels)),
    },
    figures: spikedFigures(part, c),
    notes: spikedNotes(part, c),
  };
}

function mnistNote(part: ShallowAePart, c: ShallowAeConfig): string {
  const errors = part.settings.map((s) =>
    `${s.setting}: ` +
    (s.verdict === "diverged" ? "diverged" : `${fixed(s.meanError, 4)} (${s.verdict})`)
  );
  const div = partDivergence(part, c);
  return `MNIST (${part.data}): K = ${c.mnistUnits}, ` +
    `${c.mnistSteps.toLocaleString("en-US")} steps, η = ${c.mnistLr}; PCA error on held-out ` +
    `digits ${fixed(part.testLevels[c.mnistUnits], 4)}. ${errors.join("; ")}.` +
    (div.note ? ` ${div.note}` : "");
}

function mnistArtefacts(part: ShallowAePart, c: ShallowAeConfig): Artefacts {
  const K = c.mnistUnits;
  return {
    summary: {
      mnist: Object.fromEntries(
        part.settings.map((s) => [s.setting, { error: s.meanError, verdict: s.verdict }]),
      ),
      mnist_pca_error_held_out: part.testLevels[K],
      mnist_divergence: partDivergence(part, c).summary,
      mnist_us_per_step_per_instance: part.usPerStep,
    },
    tables: { mnist: aq.from(settingsTableRows(part.settings)) },
    figures: markedFigures(
      {
        mnist_error_over_time: errorTimelineSpec(
          meanCurves(part.train, { curve: settingLabel, panel: () => "" }),
          levelRows(part.timelineLevels),
          {
            title: `MNIST digits: training error against PCA (K = ${K})`,
            subtitle: `dashed: PCA(k), PCA's error with k = 0 … ${K} components on the training ` +
              "digits",
            yMax: part.timelineLevels[0] * 1.05,
          },
        ),
        // The decoder's span: an untied encoder keeps its random start in the pixels that never
        // change (no gradient reaches them), so its span looks like a random subspace (~K/D).
        mnist_pc_capture: captureSpec(
          captureRows(part.train, listItems(c.mnistSettings), { span: "decoder" }),
          {
            title: "MNIST: how much of each leading principal component the decoder's span holds",
            subtitle: "‖P_V uᵣ‖², P_V the projection onto span{v₁ … v_K} (training digits' " +
              "top principal directions)",
            yTitle: "‖P_V uᵣ‖²",
          },
        ),
      },
      part,
      { c, drawn: listItems(c.mnistSettings), seedCurves: ["mnist_pc_capture"] },
    ),
    notes: [mnistNote(part, c)],
  };
}

/**
 * `shallow-ae`: shallow autoencoders of every activation, weight tying and
 * bias mode trained by online SGD and measured against the PCA error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, shallowAe } from "../../../mod.ts";
 * const config = configure(shallowAe, {
 *   data: "spiked",
 *   dim: 6,
 *   spikes: "9,4",
 *   units: 2,
 *   activations: "linear",
 *   weights: "untied",
 *   biases: "none",
 *   show: "linear-untied-none",
 *   steps: 200,
 *   records: 5,
 *   testSamples: 50,
 * }, "smoke");
 * const result = await shallowAe.run(config, {});
 * assert.equal(result.mnist, null);
 * assert.equal(result.spiked?.outcomes.length, 1); // one setting × one seed
 * const art = shallowAe.artefacts(result, config);
 * assert.ok("settings" in art.tables && "pca_gap" in art.figures);
 * ```
 */
export const shallowAe: Experiment<typeof shallowAeFields, ShallowAeResult> = defineExperiment({
  id: "shallow-ae",
  title: "Shallow autoencoders against the PCA error (Refinetti & Goldt)",
  description:
    "Trains shallow autoencoders x̂ = Σₖ vₖ g(wₖ·x/√D) with online SGD (fresh samples, encoder rate " +
    "η/D) for every combination of activation (linear, erf, sigmoid, ReLU), tied or untied weights and " +
    "trainable biases, on Gaussian inputs with a spiked covariance and on MNIST digits, and measures " +
    "which reach the PCA error and how each unit aligns with the principal components over time " +
    "(“Machine Learning Research Notes 1”, after Refinetti & Goldt, ICML 2022).",
  fields: shallowAeFields,
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
  checkpoints: true,
  validate,
  memory: (c, { checkpoints }) => shallowAeMemory(c, checkpoints),
  async run(c, options) {
    const started = performance.now();
    const data = listItems(c.data);
    const cost = partCosts(c);
    const { total } = cost;
    const spiked = data.includes("spiked")
      ? await runSpiked(c, {
        options,
        onProgress: partProgress(options, {
          label: "spiked data",
          offset: 0,
          cost: cost.spiked,
          total,
        }),
      })
      : null;
    let mnist: ShallowAePart | null = null;
    if (data.includes("mnist")) {
      await options.onProgress?.({
        fraction: cost.spiked / total,
        message: "MNIST: loading and PCA",
      });
      mnist = await runMnist(c, {
        options,
        onProgress: partProgress(options, {
          label: "MNIST",
          offset: cost.spiked,
          cost: cost.mnist,
          total,
        }),
      });
    }
    return {
      spiked,
      mnist,
      meta: fusedMeta({ workers: 1, elapsedMs: performance.now() - started }),
    };
  },
  claims: shallowAeClaims,
  artefacts(r, c) {
    const parts = [
      r.spiked ? spikedArtefacts(r.spiked, c) : null,
      r.mnist ? mnistArtefacts(r.mnist, c) : null,
    ].filter((a): a is Artefacts => a !== null);
    return {
      summary: Object.assign({}, ...parts.map((a) => a.summary)),
      tables: Object.assign({}, ...parts.map((a) => a.tables)),
      figures: Object.assign({}, ...parts.map((a) => a.figures)),
      notes: parts.flatMap((a) => a.notes),
    };
  },
});
