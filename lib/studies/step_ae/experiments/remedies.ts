/**
 * `step-ae-remedies`: going after the step-function write-up's goal, a latent code linear in
 * the step position with fast training. Every remedy (and the write-up's own
 * setting) is trained from the same seeds as instances of one batched run
 * and compared in one table: epochs and time to reach a loss threshold,
 * final loss, the latent code's R² against the position, the error on the
 * left and right steps, and dead units.
 *
 * The remedies and why each was tried:
 * - a larger learning rate dropped on a plateau, and Adam: an exact solution
 *   needs weights of order n·A, far from an initialisation of ±0.01 at steps
 *   of 1e-4;
 * - centred or rescaled inputs: the write-up's equation 4 blames the input
 *   amplitude for the encoder's uneven gradients;
 * - a larger initial scale;
 * - no ReLU on the output: by the write-up's own Lemma 1 an output unit whose
 *   pre-activation is negative for every example never receives a gradient;
 *   with small random weights about half of them start that way and stay;
 * - the fixed linear encoder (the write-up's first approach), alone and with
 *   hidden units started as ramps whose knots tile the code range (every unit
 *   alive from the start), no output ReLU and Adam;
 * - a trainable encoder started at the linear code, with the same decoder
 *   start and centred inputs.
 *
 * @module
 */
import * as aq from "arquero";
import {
  fastestRemedies,
  firstOfEachLabel,
  type InstanceMeasures,
  lossRows,
  measureInstances,
  positionErrorRows,
  type RemedyRow,
  remedyRows,
  secondsToThreshold,
} from "../analysis.ts";
import { STEP_AE_DEFAULTS } from "../model.ts";
import { optimizerDefaults } from "../../../core/optim/config.ts";
import { latentCodeSpec, positionErrorSpec, remediesSpec, stepLossSpec } from "../plots.ts";
import type { Spec } from "../../../core/plots/render.ts";
import {
  type StepAeInstanceResult,
  type StepAeTrainConfig,
  type StepAeVariant,
  trainStepAe,
} from "../train.ts";
import {
  defineExperiment,
  type Experiment,
  fusedMeta,
  mergedMeta,
} from "../../../core/experiment.ts";
import { ConfigError, type ConfigOf, int, list, listItems, num } from "../../../core/config.ts";
import { fixed, sig } from "../../../core/format.ts";
import { divergeAboveField } from "../../../core/train/loop.ts";
import {
  blankRow,
  describeDivergence,
  type DivergenceReport,
  markSpec,
} from "../../../core/train/divergence.ts";
import { epochProgress } from "./_progress.ts";
import { stepAeTrainMemory } from "../memory.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { stepDataFields } from "./step_ae.ts";
import { remediesClaims } from "../claims.ts";

/**
 * One remedy: an id, what it changes, and its variant settings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Remedy } from "./remedies.ts";
 * const halfLr: Remedy = {
 *   id: "half-lr",
 *   label: "half the learning rate",
 *   change: (b) => ({ ...b, optimizer: { ...b.optimizer, lr: b.optimizer.lr / 2 } }),
 * };
 * assert.equal(halfLr.id, "half-lr");
 * ```
 */
export interface Remedy {
  /** The name `--set remedies=…` takes and the table's `remedy` column shows. */
  id: string;
  /** What it changes, in words (the table's `change` column). */
  label: string;
  /** The write-up's variant with this remedy applied (`data.amplitude` is the step height A). */
  change: (base: StepAeVariant, data: { amplitude: number }) => StepAeVariant;
}

const plateau = (lr: number) => ({
  kind: "plateau" as const,
  patience: 2000,
  minImprovement: 1e-3,
  lr,
});

/**
 * The remedies, in table order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REMEDIES } from "./remedies.ts";
 * assert.equal(REMEDIES[0].id, "baseline");
 * assert.equal(REMEDIES.length, 11); // the write-up's setting and ten remedies
 * ```
 */
export const REMEDIES: Remedy[] = [
  { id: "baseline", label: "write-up's setting (RMSProp 1e-4)", change: (b) => b },
  {
    id: "lr-schedule",
    label: "RMSProp 1e-3, drop to 1e-4 on a plateau",
    change: (b) => ({
      ...b,
      optimizer: optimizerDefaults("rmsprop", 1e-3),
      schedule: plateau(1e-4),
    }),
  },
  {
    id: "adam",
    label: "Adam 1e-3",
    change: (b) => ({ ...b, optimizer: optimizerDefaults("adam", 1e-3) }),
  },
  {
    id: "centred",
    label: "centred inputs (x − A/2)",
    change: (b, d) => ({ ...b, inputShift: -d.amplitude / 2 }),
  },
  {
    id: "scaled",
    label: "inputs divided by A",
    change: (b, d) => ({ ...b, inputScale: 1 / d.amplitude }),
  },
  { id: "init-0.1", label: "initial scale 0.1", change: (b) => ({ ...b, initScale: 0.1 }) },
  { id: "no-output-relu", label: "no output ReLU", change: (b) => ({ ...b, outputRelu: false }) },
  {
    id: "no-output-relu-adam",
    label: "no output ReLU, Adam 1e-3",
    change: (b) => ({ ...b, outputRelu: false, optimizer: optimizerDefaults("adam", 1e-3) }),
  },
  {
    id: "fixed-encoder",
    label: "fixed linear encoder",
    change: (b) => ({ ...b, fixedEncoder: true }),
  },
  {
    id: "fixed-knots",
    label: "fixed linear encoder, ramp knots, no output ReLU, Adam 1e-3",
    change: (b) => ({
      ...b,
      fixedEncoder: true,
      hiddenInit: "knots",
      outputRelu: false,
      optimizer: optimizerDefaults("adam", 1e-3),
    }),
  },
  {
    id: "linear-start",
    label: "encoder started linear, centred inputs, ramp knots, no output ReLU, Adam 1e-3",
    change: (b, d) => ({
      ...b,
      encoderInit: "linear",
      inputShift: -d.amplitude / 2,
      hiddenInit: "knots",
      outputRelu: false,
      optimizer: optimizerDefaults("adam", 1e-3),
    }),
  },
];

// Ids reaching here were checked against REMEDIES by the config's `list` field.
function remedy(id: string): Remedy {
  return REMEDIES.find((r) => r.id === id)!;
}

/**
 * The fields of `step-ae-remedies`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remediesFields } from "./remedies.ts";
 * assert.equal(remediesFields.remedies.default.split(",").length, 11);
 * ```
 */
export const remediesFields = {
  ...stepDataFields,
  epochs: int({ default: 20_000, min: 1, max: 100_000_000, doc: "epochs per instance" }),
  seeds: int({ default: 2, min: 1, max: 64, doc: "seeds per remedy" }),
  seed: int({ default: 0, min: 0, doc: "first seed" }),
  threshold: num({
    default: 0.1,
    min: 0,
    exclusiveMin: true,
    doc: "loss counted as reconstructed",
  }),
  remedies: list({
    default: REMEDIES.map((r) => r.id).join(","),
    values: REMEDIES.map((r) => r.id),
    doc: "remedies to compare",
  }),
  divergeAbove: divergeAboveField,
};

/**
 * Config of `step-ae-remedies`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../core/experiment.ts";
 * import { type RemediesConfig, stepAeRemedies } from "./remedies.ts";
 * const config: RemediesConfig = configure(stepAeRemedies, { remedies: "baseline,adam" }, "smoke");
 * assert.equal(config.seeds, 1);
 * ```
 */
export type RemediesConfig = ConfigOf<typeof remediesFields>;

/**
 * What `step-ae-remedies` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../core/experiment.ts";
 * import { type RemediesResult, stepAeRemedies } from "./remedies.ts";
 * const config = configure(stepAeRemedies, { n: 4, epochs: 10, remedies: "baseline,adam" }, "smoke");
 * const result: RemediesResult = await stepAeRemedies.run(config, {});
 * assert.deepEqual(result.results.map((r) => r.label), ["baseline", "adam"]);
 * ```
 */
export interface RemediesResult {
  /** The batched run: one variant per remedy and seed. */
  train: StepAeTrainConfig;
  /** One result per variant, in the same order. */
  results: StepAeInstanceResult[];
  /** Measured cost of one instance-epoch (ms), for the time-to-threshold column. */
  msPerInstanceEpoch: number;
}

/** The write-up's own variant (RMSProp 1e-4, init ±0.01, the raw inputs) that each remedy changes. */
function seedVariant(seed: number): StepAeVariant {
  return {
    label: "",
    seed,
    optimizer: optimizerDefaults("rmsprop", 1e-4),
    schedule: { kind: "constant" },
    initScale: 0.01,
    inputScale: 1,
    inputShift: 0,
    fixedEncoder: false,
  };
}

/** The batched run of a config: every chosen remedy × `seeds` seeds, remedy by remedy. */
function remediesTrainConfig(c: RemediesConfig): StepAeTrainConfig {
  const variants = listItems(c.remedies).map(remedy).flatMap((r) =>
    Array.from({ length: c.seeds }, (_, k) => ({
      ...r.change(seedVariant(c.seed + k), { amplitude: c.amplitude }),
      label: r.id,
    }))
  );
  return {
    model: { ...STEP_AE_DEFAULTS, n: c.n, amplitude: c.amplitude },
    variants,
    epochs: c.epochs,
    lossThreshold: c.threshold,
    record: {
      lossEvery: Math.max(1, Math.floor(c.epochs / 1000)),
      snapshotEvery: c.epochs,
      maxRows: 2048,
    },
    divergeAbove: c.divergeAbove,
  };
}

function runNote(r: RemediesResult, c: RemediesConfig): string {
  const remedies = new Set(r.results.map((x) => x.label)).size;
  return `${r.results.length} instances (${remedies} remedies × ${c.seeds} seeds from ${c.seed}) ` +
    `trained together for ${c.epochs} epochs (n=${c.n}, A=${c.amplitude}); medians over seeds; ` +
    `one instance-epoch costs ${fixed(r.msPerInstanceEpoch, 3)} ms.`;
}

function reachedNote(fastest: RemedyRow[], c: RemediesConfig): string {
  if (fastest.length === 0) {
    return `No remedy reached loss ${c.threshold} on every seed within ${c.epochs} epochs.`;
  }
  const each = fastest.map((x) =>
    `${x.remedy} (${x.epochs_to_threshold} epochs, R² ${fixed(x.latent_r2, 4)})`
  );
  return `Reached loss ${c.threshold} on every seed: ${each.join(", ")}.`;
}

function notReachedNote(rows: RemedyRow[], fastest: RemedyRow[]): string {
  const each = rows.filter((x) => !fastest.includes(x) && x.diverged < x.seeds).map((x) =>
    `${x.remedy} (final ${sig(x.final_loss, 3)}, R² ${fixed(x.latent_r2, 3)}` +
    (x.diverged ? `; ${x.diverged} of ${x.seeds} seeds diverged)` : ")")
  );
  return `Not reaching it: ${each.join(", ") || "none"}.`;
}

/** A remedy whose every seed diverged has no medians: its row keeps only its counts. */
function blankIfAllDiverged(row: RemedyRow) {
  return row.diverged < row.seeds
    ? row
    : blankRow(row, ["remedy", "change", "seeds", "reached_threshold", "diverged"]);
}

/** What a remedy's latent-code figure says about its diverged seeds ("" when none did). */
function latentMark(m: InstanceMeasures, row: RemedyRow): string {
  if (m.diverged) {
    const which = row.seeds === 1 ? "its seed" : `all ${row.seeds} seeds`;
    return `${which} diverged: nothing learnt to show`;
  }
  return row.diverged
    ? `${row.diverged} of ${row.seeds} seeds diverged; drawn: the first that did not`
    : "";
}

/** The shared divergence note, and which remedies' seeds diverged. */
function divergedNote(div: DivergenceReport, rows: RemedyRow[]): string {
  const each = rows.filter((x) => x.diverged > 0).map((x) =>
    `${x.remedy} (${x.diverged} of ${x.seeds})`
  );
  return `${div.note} Diverged seeds by remedy: ${each.join(", ")}.`;
}

/**
 * `step-ae-remedies`: the write-up's setting and ten remedies, trained as one batched run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../core/experiment.ts";
 * import { stepAeRemedies } from "./remedies.ts";
 * const config = configure(stepAeRemedies, { n: 4, epochs: 10, remedies: "baseline,adam" }, "smoke");
 * const art = stepAeRemedies.artefacts(await stepAeRemedies.run(config, {}), config);
 * assert.deepEqual(art.tables.remedies.array("remedy"), ["baseline", "adam"]);
 * ```
 */
export const stepAeRemedies: Experiment<typeof remediesFields, RemediesResult> = defineExperiment({
  id: "step-ae-remedies",
  title: "Step-function autoencoder: remedies for slow training and a non-linear code",
  description:
    "Trains the write-up's setting and ten remedies (learning rate and optimizer, input centring and " +
    "scaling, initial scale, no output ReLU, a fixed linear encoder, ramp-initialised hidden units, " +
    "a linear-started encoder) from the same seeds as one batched run, and compares epochs and time " +
    "to a loss threshold, final loss and the latent code's linearity.",
  fields: remediesFields,
  profiles: {
    smoke: { n: 33, epochs: 1500, seeds: 1 },
    quick: {},
    full: { epochs: 200_000, seeds: 4 },
  },
  validate(c) {
    if (listItems(c.remedies).length === 0) {
      throw new ConfigError("remedies must name at least one remedy");
    }
  },
  memory(c, { workers }) {
    const train = stepAeTrainMemory(remediesTrainConfig(c), { workers, checkpoint: false });
    return memoryEstimate(train, ["seeds", "remedies", "n"]);
  },
  async run(c, options) {
    // A shard trains its range of the variants (remedy × seed, remedy first): each its own seed.
    const whole = remediesTrainConfig(c);
    const train = options.range
      ? { ...whole, variants: whole.variants.slice(options.range.lo, options.range.hi) }
      : whole;
    const instances = train.variants.length;
    const { results, workers, elapsedMs } = await trainStepAe(train, {
      workers: options.workers,
      signal: options.signal,
      progressEvery: Math.max(1, Math.min(2000, Math.floor(c.epochs / 100))),
      onProgress: epochProgress(options, `${instances} instances`),
    });
    return {
      train,
      results,
      msPerInstanceEpoch: (elapsedMs * workers) / (instances * c.epochs),
      meta: fusedMeta({ workers, elapsedMs }),
    };
  },
  shard: {
    unit: "variants (remedy × seed)",
    instances: (c) => listItems(c.remedies).length * c.seeds,
    merge: (parts) => {
      const counts = parts.map((p) => p.results.length);
      const total = counts.reduce((a, b) => a + b, 0);
      return {
        train: { ...parts[0].train, variants: parts.flatMap((p) => p.train.variants) },
        results: parts.flatMap((p) => p.results),
        // Timing, not a result: the parts' costs weighted by their instances.
        msPerInstanceEpoch: parts.reduce((s, p, k) => s + p.msPerInstanceEpoch * counts[k], 0) /
          total,
        meta: mergedMeta(parts),
      };
    },
  },
  claims: remediesClaims,
  artefacts(r, c) {
    const measured = measureInstances(r.train, r.results);
    const rows = remedyRows(measured, { changeOf: (id) => remedy(id).label });
    const div = describeDivergence(r.results.map((x) => x.divergedAt), {
      divergeAbove: c.divergeAbove,
      unit: "epoch",
    });
    // The first seed of each remedy that did not diverge; a remedy whose every seed diverged
    // keeps its loss up to there and draws nothing else.
    const first = firstOfEachLabel(measured);
    const learnt = first.filter((m) => !m.diverged);
    const figures: Record<string, Spec> = {
      remedies_loss: stepLossSpec(
        first.flatMap((m) => lossRows(m.result.loss, m.result.label)),
        { title: `Loss over epochs, first seed of each remedy (n=${c.n})`, threshold: c.threshold },
      ),
      remedies_summary: remediesSpec(rows, {
        title:
          `Final loss and latent linearity by remedy (${c.epochs} epochs, median of ${c.seeds} seeds)`,
      }),
      remedies_position_error: positionErrorSpec(
        learnt.flatMap((m) => positionErrorRows(m.outputs.exampleError, m.result.label)),
        { title: "Error of each step function by its step position, first seed of each remedy" },
      ),
    };
    if (div.mark) {
      figures.remedies_loss = markSpec(figures.remedies_loss, div.curveMark);
      figures.remedies_summary = markSpec(figures.remedies_summary, div.mark);
      figures.remedies_position_error = markSpec(figures.remedies_position_error, div.mark);
    }
    first.forEach((m, k) => {
      const spec = latentCodeSpec(m.diverged ? [] : m.outputs.z, m.linearity, {
        title: `Latent code: ${remedy(m.result.label).label}`,
      });
      figures[`latent_${m.result.label}`] = markSpec(spec, latentMark(m, rows[k]));
    });
    const fastest = fastestRemedies(rows);
    return {
      summary: {
        n: c.n,
        amplitude: c.amplitude,
        epochs: c.epochs,
        threshold: c.threshold,
        ms_per_instance_epoch: r.msPerInstanceEpoch,
        remedies: rows,
        seconds_to_threshold: secondsToThreshold(rows, r.msPerInstanceEpoch),
        fastest_to_threshold: fastest[0]?.remedy ?? null,
        fastest_linear: fastest.find((x) => x.latent_r2 > 0.999)?.remedy ?? null,
        divergence: div.summary,
      },
      tables: { remedies: aq.from(rows.map(blankIfAllDiverged)) },
      figures,
      notes: [
        runNote(r, c),
        ...(div.note ? [divergedNote(div, rows)] : []),
        reachedNote(fastest, c),
        notReachedNote(rows, fastest),
      ],
    };
  },
});
