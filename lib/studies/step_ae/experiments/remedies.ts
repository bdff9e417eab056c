/**
 * `step-ae-remedies`: going after seed 003's goal, a latent code linear in
 * the step position with fast training. Every remedy (and the seed's own
 * setting) is trained from the same seeds as instances of one batched run
 * and compared in one table: epochs and time to reach a loss threshold,
 * final loss, the latent code's R² against the position, the error on the
 * left and right steps, and dead units.
 *
 * The remedies and why each was tried:
 * - a larger learning rate dropped on a plateau, and Adam: an exact solution
 *   needs weights of order n·A, far from an initialisation of ±0.01 at steps
 *   of 1e-4;
 * - centred or rescaled inputs: the seed's equation 4 blames the input
 *   amplitude for the encoder's uneven gradients;
 * - a larger initial scale;
 * - no ReLU on the output: by the seed's own Lemma 1 an output unit whose
 *   pre-activation is negative for every example never receives a gradient;
 *   with small random weights about half of them start that way and stay;
 * - the fixed linear encoder (the seed's first approach), alone and with
 *   hidden units started as ramps whose knots tile the code range (every unit
 *   alive from the start), no output ReLU and Adam;
 * - a trainable encoder started at the linear code, with the same decoder
 *   start and centred inputs.
 *
 * @module
 */
import * as aq from "arquero";
import { deadUnits, edgeErrors, latentLinearity } from "../analysis.ts";
import { median } from "../../../core/stats.ts";
import { STEP_AE_DEFAULTS, stepAeOutputs } from "../model.ts";
import { optimizerDefaults } from "../../../core/optim/config.ts";
import { latentCodeSpec, positionErrorSpec, remediesSpec, stepLossSpec } from "../plots.ts";
import type { Spec } from "../../../core/plots/render.ts";
import {
  encoderView,
  type StepAeInstanceResult,
  type StepAeTrainConfig,
  type StepAeVariant,
  trainStepAe,
  variantModel,
} from "../train.ts";
import { ConfigError, type Experiment, fusedMeta, listItems } from "../../../core/experiment.ts";
import { epochProgress } from "./step_ae.ts";

/** One remedy: an id, what it changes, and its variant settings. */
export interface Remedy {
  id: string;
  label: string;
  change: (base: StepAeVariant, data: { amplitude: number }) => StepAeVariant;
}

const plateau = (lr: number) => ({
  kind: "plateau" as const,
  patience: 2000,
  minImprovement: 1e-3,
  lr,
});

/** The remedies, in table order. */
export const REMEDIES: Remedy[] = [
  { id: "baseline", label: "seed's setting (RMSProp 1e-4)", change: (b) => b },
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

/** Config of `step-ae-remedies`. */
export interface RemediesConfig {
  [key: string]: number | string | boolean | null;
  n: number;
  amplitude: number;
  epochs: number;
  /** Seeds per remedy. */
  seeds: number;
  seed: number;
  /** Loss that counts as reconstructed (for epochs-to-threshold). */
  threshold: number;
  /** Comma-separated remedy ids. */
  remedies: string;
}

/** What `step-ae-remedies` returns. */
export interface RemediesResult {
  train: StepAeTrainConfig;
  results: StepAeInstanceResult[];
  /** Measured cost of one instance-epoch (ms), for the time-to-threshold column. */
  msPerInstanceEpoch: number;
}

export const stepAeRemedies: Experiment<RemediesConfig, RemediesResult> = {
  id: "step-ae-remedies",
  title: "Step-function autoencoder: remedies for slow training and a non-linear code",
  description:
    "Trains the seed's setting and ten remedies (learning rate and optimizer, input centring and " +
    "scaling, initial scale, no output ReLU, a fixed linear encoder, ramp-initialised hidden units, " +
    "a linear-started encoder) from the same seeds as one batched run, and compares epochs and time " +
    "to a loss threshold, final loss and the latent code's linearity.",
  defaults: {
    n: 129,
    amplitude: 5,
    epochs: 20_000,
    seeds: 2,
    seed: 0,
    threshold: 0.1,
    remedies: REMEDIES.map((r) => r.id).join(","),
  },
  fields: {
    n: { type: "int", min: 2, max: 4096, doc: "signal length" },
    amplitude: { type: "number", min: 0, exclusiveMin: true, doc: "step height A" },
    epochs: { type: "int", min: 1, max: 100_000_000, doc: "epochs per instance" },
    seeds: { type: "int", min: 1, max: 64, doc: "seeds per remedy" },
    seed: { type: "int", min: 0, doc: "first seed" },
    threshold: { type: "number", min: 0, exclusiveMin: true, doc: "loss counted as reconstructed" },
    remedies: { type: "list", values: REMEDIES.map((r) => r.id), doc: "remedies to compare" },
  },
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
  async run(c, options) {
    const chosen = listItems(c.remedies).map(remedy);
    const base = (seed: number): StepAeVariant => ({
      label: "",
      seed,
      optimizer: optimizerDefaults("rmsprop", 1e-4),
      schedule: { kind: "constant" },
      initScale: 0.01,
      inputScale: 1,
      inputShift: 0,
      fixedEncoder: false,
    });
    const variants = chosen.flatMap((r) =>
      Array.from({ length: c.seeds }, (_, k) => ({
        ...r.change(base(c.seed + k), { amplitude: c.amplitude }),
        label: r.id,
      }))
    );
    const train: StepAeTrainConfig = {
      model: { ...STEP_AE_DEFAULTS, n: c.n, amplitude: c.amplitude },
      variants,
      epochs: c.epochs,
      lossThreshold: c.threshold,
      record: {
        lossEvery: Math.max(1, Math.floor(c.epochs / 1000)),
        snapshotEvery: c.epochs,
        maxRows: 2048,
      },
      divergeAbove: 1e8,
    };
    const { results, workers, elapsedMs } = await trainStepAe(train, {
      workers: options.workers,
      signal: options.signal,
      progressEvery: Math.max(1, Math.min(2000, Math.floor(c.epochs / 100))),
      onProgress: epochProgress(options, `${variants.length} instances`),
    });
    return {
      train,
      results,
      msPerInstanceEpoch: (elapsedMs * workers) / (variants.length * c.epochs),
      meta: fusedMeta({ workers, elapsedMs }),
    };
  },
  artefacts(r, c) {
    const { train, results } = r;
    const measured = results.map((res, i) => {
      const variant = train.variants[i];
      const model = variantModel(train, variant);
      const out = stepAeOutputs(model, res.params, encoderView(train, variant));
      return {
        res,
        out,
        lin: latentLinearity(out.z),
        edges: edgeErrors(out.exampleError),
        dead: model.outputRelu ? deadUnits(model, res.params, out.z).output.length : 0,
      };
    });
    const ids = [...new Set(results.map((x) => x.label))];
    const rows = ids.map((id) => {
      const mine = measured.filter((m) => m.res.label === id);
      const reached = mine.map((m) => m.res.thresholdEpoch).filter((e) => e >= 0);
      const epochsTo = reached.length === mine.length ? median(reached) : null;
      return {
        remedy: id,
        change: remedy(id).label,
        seeds: mine.length,
        reached_threshold: reached.length,
        epochs_to_threshold: epochsTo,
        seconds_to_threshold: epochsTo === null ? null : (epochsTo * r.msPerInstanceEpoch) / 1000,
        final_loss: median(mine.map((m) => m.res.finalLoss)),
        latent_r2: median(mine.map((m) => m.lin.r2)),
        latent_relative_max_deviation: median(mine.map((m) => m.lin.relativeMaxDeviation)),
        err_left: median(mine.map((m) => m.edges.left)),
        err_right: median(mine.map((m) => m.edges.right)),
        dead_output_units: median(mine.map((m) => m.dead)),
      };
    });
    const first = ids.map((id) => measured.find((m) => m.res.label === id)!);
    const figures: Record<string, Spec> = {
      remedies_loss: stepLossSpec(
        first.flatMap((m) =>
          m.res.loss.steps.map((epoch, k) => ({
            epoch,
            loss: m.res.loss.values[k],
            label: m.res.label,
          }))
        ),
        { title: `Loss over epochs, first seed of each remedy (n=${c.n})`, threshold: c.threshold },
      ),
      remedies_summary: remediesSpec(rows, {
        title:
          `Final loss and latent linearity by remedy (${c.epochs} epochs, median of ${c.seeds} seeds)`,
      }),
      remedies_position_error: positionErrorSpec(
        first.flatMap((m) =>
          Array.from(
            m.out.exampleError,
            (error, e) => ({ position: e + 1, error, label: m.res.label }),
          )
        ),
        { title: "Error of each step function by its step position, first seed of each remedy" },
      ),
    };
    for (const m of first) {
      figures[`latent_${m.res.label}`] = latentCodeSpec(m.out.z, m.lin, {
        title: `Latent code: ${remedy(m.res.label).label}`,
      });
    }
    const fastest = rows.filter((x) => x.epochs_to_threshold !== null).sort((a, b) =>
      a.epochs_to_threshold! - b.epochs_to_threshold!
    );
    const linearAndFast = fastest.filter((x) => x.latent_r2 > 0.999);
    return {
      summary: {
        n: c.n,
        amplitude: c.amplitude,
        epochs: c.epochs,
        threshold: c.threshold,
        ms_per_instance_epoch: r.msPerInstanceEpoch,
        remedies: rows,
        fastest_to_threshold: fastest[0]?.remedy ?? null,
        fastest_linear: linearAndFast[0]?.remedy ?? null,
      },
      tables: { remedies: aq.from(rows) },
      figures,
      notes: [
        `${results.length} instances (${ids.length} remedies × ${c.seeds} seeds from ${c.seed}) trained ` +
        `together for ${c.epochs} epochs (n=${c.n}, A=${c.amplitude}); medians over seeds; one ` +
        `instance-epoch costs ${r.msPerInstanceEpoch.toFixed(3)} ms.`,
        fastest.length
          ? `Reached loss ${c.threshold} on every seed: ${
            fastest.map((x) =>
              `${x.remedy} (${x.epochs_to_threshold} epochs, R² ${x.latent_r2.toFixed(4)})`
            )
              .join(", ")
          }.`
          : `No remedy reached loss ${c.threshold} on every seed within ${c.epochs} epochs.`,
        `Not reaching it: ${
          rows.filter((x) => x.epochs_to_threshold === null).map((x) =>
            `${x.remedy} (final ${x.final_loss.toPrecision(3)}, R² ${x.latent_r2.toFixed(3)})`
          ).join(", ") || "none"
        }.`,
      ],
    };
  },
};
