/**
 * `step-ae`: the autoencoder of the step-function write-up trained on the n + 1 step functions
 * as the write-up describes it (RMSProp, lr 1e-4 with an optional drop, full
 * batch, uniform initialisation in [−0.01, 0.01], up to 500,000 epochs), with
 * what the write-up discusses measured: how linear the latent code is, how the
 * error spreads over step positions, and the encoder gradient per input index
 * accumulated over training (equations 4–7).
 *
 * Long runs checkpoint every `checkpointEvery` epochs (atomically); `--resume`
 * continues from the last checkpoint and ends bit-identical to an
 * uninterrupted run; Ctrl-C saves a checkpoint and stops.
 *
 * @module
 */
import * as aq from "arquero";
import {
  appendixCheck,
  encoderRows,
  type InstanceMeasures,
  latentLineRows,
  lossRows,
  measureInstances,
  positionErrorRows,
} from "../analysis.ts";
import { STEP_AE_DEFAULTS, type StepAeConfig, stepAeLayout } from "../model.ts";
import { OPTIMIZER_NAMES, optimizerDefaults } from "../../../core/optim/config.ts";
import {
  encoderWeightsSpec,
  gradientBySSpec,
  latentCodeSpec,
  positionErrorSpec,
  reconstructionsSpec,
  stepLossSpec,
} from "../plots.ts";
import { MAX_SEED } from "../../../core/random.ts";
import {
  type LrSchedule,
  type StepAeInstanceResult,
  type StepAeTrainConfig,
  trainStepAe,
} from "../train.ts";
import { bool, type ConfigOf, int, num, numOrDefault, oneOf } from "../../../core/config.ts";
import { defineExperiment, type Experiment, fusedMeta } from "../../../core/experiment.ts";
import { fixed, pct, sig } from "../../../core/format.ts";
import { divergeAboveField } from "../../../core/train/loop.ts";
import { blankRow, describeDivergence, markFigures } from "../../../core/train/divergence.ts";
import { epochProgress } from "./_progress.ts";
import { reconstructionCells, stepAeTrainMemory } from "../memory.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { stepAeClaims } from "../claims.ts";

/**
 * The data fields both step-autoencoder experiments share: the signal length
 * and the step height.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepDataFields } from "./step_ae.ts";
 * assert.equal(stepDataFields.n.default, 129);
 * assert.equal(stepDataFields.amplitude.default, 5);
 * ```
 */
export const stepDataFields = {
  n: int({ default: 129, min: 2, max: 4096, doc: "signal length (n + 1 step functions)" }),
  amplitude: num({ default: 5, min: 0, exclusiveMin: true, doc: "step height A" }),
};

/**
 * The fields of `step-ae`: the write-up's data, optimizer and schedule, the
 * architecture options, the checkpoint interval and the divergence threshold.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepAeFields } from "./step_ae.ts";
 * assert.equal(stepAeFields.optimizer.default, "rmsprop");
 * assert.equal(stepAeFields.lrDrop.default, null); // no drop unless asked
 * ```
 */
export const stepAeFields = {
  ...stepDataFields,
  epochs: int({ default: 50_000, min: 1, max: 100_000_000, doc: "training epochs (full batch)" }),
  optimizer: oneOf(OPTIMIZER_NAMES, { default: "rmsprop", doc: "optimizer (PyTorch's rules)" }),
  lr: num({ default: 1e-4, min: 0, exclusiveMin: true, doc: "learning rate" }),
  lrDrop: numOrDefault({
    default: null,
    min: 0,
    exclusiveMin: true,
    doc: "learning rate after a drop (default: none)",
  }),
  dropMode: oneOf(["plateau", "epoch"], { default: "plateau", doc: "when to drop the lr" }),
  dropEpoch: int({ default: 250_000, min: 0, doc: "epoch of the drop (dropMode=epoch)" }),
  patience: int({ default: 10_000, min: 1, doc: "plateau: epochs without 0.1% improvement" }),
  initScale: num({
    default: 0.01,
    min: 0,
    doc: "weights start uniform in [−initScale, initScale]",
  }),
  seed: int({ default: 0, min: 0, max: MAX_SEED, doc: "seed of the initialisation" }),
  hiddenRelu: bool({ default: true, doc: "ReLU on the decoder's hidden layer" }),
  outputRelu: bool({ default: true, doc: "ReLU on the output" }),
  outputBias: bool({ default: false, doc: "bias on the last layer" }),
  fixedEncoder: bool({ default: false, doc: "fix the latent code to 1 − e/n, train the rest" }),
  checkpointEvery: int({ default: 10_000, min: 1, doc: "epochs between checkpoints" }),
  divergeAbove: divergeAboveField,
};

/**
 * Config of `step-ae`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../core/experiment.ts";
 * import { stepAe, type StepAeExperimentConfig } from "./step_ae.ts";
 * const config: StepAeExperimentConfig = configure(stepAe, {}, "full");
 * assert.equal(config.lrDrop, 1e-5);
 * ```
 */
export type StepAeExperimentConfig = ConfigOf<typeof stepAeFields>;

/**
 * What `step-ae` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../core/experiment.ts";
 * import { stepAe, type StepAeExperimentResult } from "./step_ae.ts";
 * const result: StepAeExperimentResult = await stepAe.run(
 *   configure(stepAe, { n: 4, epochs: 20 }, "smoke"),
 *   {},
 * );
 * assert.equal(result.result.loss.steps.at(-1), 20);
 * ```
 */
export interface StepAeExperimentResult {
  /** The training run the config stands for. */
  train: StepAeTrainConfig;
  /** Its one instance. */
  result: StepAeInstanceResult;
  /** Wall time per epoch trained in this call. */
  msPerEpoch: number;
  /** Epoch the run started from (above 0 when resumed). */
  startEpoch: number;
}

/**
 * The training run of a `step-ae` config (one instance).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../core/experiment.ts";
 * import { stepAe, stepAeTrainConfig } from "./step_ae.ts";
 * const train = stepAeTrainConfig(configure(stepAe, { lrDrop: 1e-5 }));
 * assert.equal(train.variants[0].schedule.kind, "plateau");
 * assert.equal(train.model.n, 129);
 * ```
 */
export function stepAeTrainConfig(c: StepAeExperimentConfig): StepAeTrainConfig {
  const model: StepAeConfig = {
    ...STEP_AE_DEFAULTS,
    n: c.n,
    amplitude: c.amplitude,
    hiddenRelu: c.hiddenRelu,
    outputRelu: c.outputRelu,
    outputBias: c.outputBias,
    initScale: c.initScale,
  };
  const schedule: LrSchedule = c.lrDrop === null
    ? { kind: "constant" }
    : c.dropMode === "epoch"
    ? { kind: "drop-at", epoch: c.dropEpoch, lr: c.lrDrop }
    : { kind: "plateau", patience: c.patience, minImprovement: 1e-3, lr: c.lrDrop };
  return {
    model,
    variants: [{
      label: "step-ae",
      seed: c.seed,
      optimizer: optimizerDefaults(c.optimizer, c.lr),
      schedule,
      initScale: c.initScale,
      inputScale: 1,
      inputShift: 0,
      fixedEncoder: c.fixedEncoder,
    }],
    epochs: c.epochs,
    lossThreshold: 0.1,
    record: {
      lossEvery: Math.max(1, Math.floor(c.epochs / 2000)),
      snapshotEvery: Math.max(1, Math.floor(c.epochs / 200)),
      maxRows: 4096,
    },
    divergeAbove: c.divergeAbove,
  };
}

/** The optimizer, its learning rate (and drop) and the epochs, as the titles write them. */
function settingText(c: StepAeExperimentConfig): string {
  const drop = c.lrDrop === null ? "" : ` → ${c.lrDrop}`;
  return `${c.optimizer}(lr=${c.lr}${drop}), ${c.epochs} epochs`;
}

function runNote(r: StepAeExperimentResult, c: StepAeExperimentConfig): string {
  const resumed = r.startEpoch > 0 ? `; resumed from a checkpoint at epoch ${r.startEpoch}` : "";
  return `n=${c.n}, A=${c.amplitude}, ${settingText(c)}, init uniform ±${c.initScale}, ` +
    `seed ${c.seed}${resumed}; ${fixed(r.msPerEpoch, 3)} ms per epoch.`;
}

function linearityNote(m: InstanceMeasures): string {
  return `Final loss ${sig(m.result.finalLoss, 4)}; latent code against position: R² = ` +
    `${fixed(m.linearity.r2, 4)}, largest deviation from the line ` +
    `${pct(m.linearity.relativeMaxDeviation, 1)} of the code's range.`;
}

function edgesNote(m: InstanceMeasures): string {
  return `Mean error of the 40 leftmost step functions ${sig(m.edges.left, 3)}, of the 40 ` +
    `rightmost ${sig(m.edges.right, 3)}. Output units off for every example (dead, never ` +
    `updated by Lemma 1): ${m.dead?.output.length}; hidden units: ${m.dead?.hidden.length}.`;
}

/** The per-position and per-index tables; a diverged run keeps their rows with empty values. */
function stepAeTables(m: InstanceMeasures, losses: ReturnType<typeof lossRows>) {
  const n = m.model.n;
  const w1 = Array.from(m.result.params.subarray(0, n));
  const keep = <T extends object>(rows: T[], key: keyof T) =>
    m.diverged ? rows.map((row) => blankRow(row, [key])) : rows;
  return {
    latent: aq.from(keep(latentLineRows(m.outputs.z, m.linearity), "position")),
    position_errors: aq.from(keep(positionErrorRows(m.outputs.exampleError, "end"), "position"))
      .select("position", "error"),
    encoder: aq.from(keep(encoderRows(w1, m.result.gradW1), "s")),
    // The loss up to the divergence is what the run did, and stays.
    loss: aq.from(losses).select("epoch", "loss"),
  };
}

/**
 * `step-ae`: the write-up's training run, and what the model learns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../core/experiment.ts";
 * import { stepAe } from "./step_ae.ts";
 * const config = configure(stepAe, { n: 4, epochs: 20 }, "smoke");
 * const art = stepAe.artefacts(await stepAe.run(config, {}), config);
 * assert.equal(art.tables.encoder.numRows(), 4); // one row per input index
 * assert.equal(art.summary.setting, "rmsprop(lr=0.0001), 20 epochs");
 * ```
 */
export const stepAe: Experiment<typeof stepAeFields, StepAeExperimentResult> = defineExperiment({
  id: "step-ae",
  title: "Step-function autoencoder: training as in the write-up, and what it learns",
  description:
    "Trains the three-layer autoencoder of “Autoencoder study for piecewise constant functions” " +
    "(linear encoder n → 1, decoder a = ReLU(w₂z + b₂), " +
    "y = ReLU(W₃a)) on all n + 1 step functions of length n with RMSProp, full batch, and measures " +
    "the latent code's linearity in the step position, the reconstruction error per position, and " +
    "the encoder gradient per input index summed over training.",
  fields: stepAeFields,
  profiles: {
    smoke: { n: 33, epochs: 2000, checkpointEvery: 500 },
    quick: {},
    full: { epochs: 500_000, lrDrop: 1e-5 },
  },
  checkpoints: true,
  memory(c, { checkpoints }) {
    const train = stepAeTrainMemory(stepAeTrainConfig(c), { workers: 1, checkpoint: checkpoints });
    return memoryEstimate([...train, reconstructionCells(c.n)], ["n"]);
  },
  async run(c, options) {
    const train = stepAeTrainConfig(c);
    const { results, workers, elapsedMs } = await trainStepAe(train, {
      workers: 1,
      signal: options.signal,
      checkpoint: options.checkpointDir
        ? { dir: options.checkpointDir, every: c.checkpointEvery, resume: options.resume ?? false }
        : undefined,
      progressEvery: Math.max(100, Math.min(5000, Math.floor(c.epochs / 200))),
      onProgress: epochProgress(options, "training"),
    });
    const startEpoch = results[0].resumedFrom;
    return {
      train,
      result: results[0],
      msPerEpoch: elapsedMs / Math.max(1, c.epochs - startEpoch),
      startEpoch,
      meta: fusedMeta({ workers, elapsedMs }),
    };
  },
  claims: stepAeClaims,
  artefacts(r, c) {
    const [m] = measureInstances(r.train, [r.result]);
    const { result, outputs: out, linearity: lin, edges, dead } = m;
    const n = c.n;
    const setting = settingText(c);
    const div = describeDivergence([result.divergedAt], {
      divergeAbove: c.divergeAbove,
      unit: "epoch",
    });
    // A diverged run draws nothing it learnt: its figures keep their titles, empty.
    const shown = <T>(values: ArrayLike<T>): T[] => m.diverged ? [] : Array.from(values);
    const w1 = shown(result.params.subarray(0, n));
    const losses = lossRows(result.loss, "loss");
    const positionErrors = shown(positionErrorRows(out.exampleError, "end"));
    const figures = {
      encoder_weights: encoderWeightsSpec(w1, { title: `Encoder weights w₁ (${setting})` }),
      latent_code: latentCodeSpec(shown(out.z), lin, {
        title: `Latent code against the step position (${setting})`,
      }),
      reconstructions: reconstructionsSpec(shown(out.y), {
        n,
        amplitude: c.amplitude,
        title: `Reconstructions and their errors (${setting})`,
      }),
      loss: stepLossSpec(losses, { title: `Loss over epochs (${setting})` }),
      gradient_by_s: gradientBySSpec(shown(result.gradW1), {
        title: "Encoder gradient per input index, summed over training (the write-up's eq. 4–7)",
      }),
      position_error: positionErrorSpec(positionErrors, {
        title: `Error of each step function by its step position (${setting})`,
      }),
    };
    return {
      summary: {
        setting,
        n,
        amplitude: c.amplitude,
        final_loss: result.finalLoss,
        latent_r2: lin.r2,
        latent_max_deviation: lin.maxDeviation,
        latent_relative_max_deviation: lin.relativeMaxDeviation,
        err_left: edges.left,
        err_right: edges.right,
        edge_positions: "err_left: p = 1…40; err_right: p = n−38…n+1 (the last is all zeros)",
        dead_hidden_units: dead?.hidden.length ?? null,
        dead_output_units: dead?.output.length ?? null,
        dead_output_indices: dead?.output.map((j) => j + 1) ?? null,
        first_epoch_below_0_1: result.thresholdEpoch,
        lr_drop_epoch: result.dropEpoch,
        diverged_at: result.divergedAt,
        ms_per_epoch: r.msPerEpoch,
        resumed_from_epoch: r.startEpoch,
        // The appendix's equations at the trained weights (their model has no activations).
        appendix_gradients: m.diverged ? null : appendixCheck(
          c,
          result.params.subarray(0, stepAeLayout({ n, outputBias: false }).size),
        ),
      },
      tables: stepAeTables(m, losses),
      figures: m.diverged
        ? markFigures(figures, (name) => (name === "loss" ? div.curveMark : div.mark))
        : figures,
      notes: m.diverged
        ? [runNote(r, c), div.note!]
        : [runNote(r, c), linearityNote(m), edgesNote(m)],
    };
  },
});
