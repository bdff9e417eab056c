/**
 * `toy-frozen-optimum`: where the unlearnt column rests when the learnt
 * features are slightly asymmetric and frozen (“Optimization Failure”, "Small asymmetry
 * favoring tilt").
 *
 * 1. Build Symmetric Failure (n features, the last unlearnt) and weaken two
 *    adjacent learnt features by δ: shorter columns (`shorten`) or higher
 *    biases (`bias`).
 * 2. Re-settle: train every learnt parameter on the learnt features' own
 *    examples (the unlearnt example left out, Wₙ = 0 and bₙ = 1/n frozen)
 *    until they reconstruct them again: a slightly skewed zero-loss polygon.
 * 3. Freeze every learnt parameter and bₙ, free Wₙ, train on all examples.
 *
 * Reported per δ: the resting Wₙ*, its length and its cosine with the sum of
 * the two perturbed columns, next to the linearised prediction
 * (M − 2(1 − bₙ − ‖Wₙ‖²)I)·Wₙ = −bₙ·Σₖ Wₖ (see `frozenOptimumPrediction`).
 * All δ and both modes are instances of one batched run per stage.
 *
 * @module
 */
import { divergeAboveField } from "../../../core/train/loop.ts";
import * as aq from "arquero";
import {
  cloneState,
  frozenOptimumRow,
  type FrozenRow,
  type Perturbation,
  perturbedFailure,
  type ToyState,
} from "../failure_states.ts";
import { frozenOptimumSpec } from "../plots_failure.ts";
import { defineExperiment, type Experiment, fusedMeta } from "../../../core/experiment.ts";
import { ConfigError, type ConfigOf, int, num, oneOf } from "../../../core/config.ts";
import { fixed, sci, sig } from "../../../core/format.ts";
import { fromStatesMemory, frozenOptimumStates, type StageDivergence } from "./failure_common.ts";
import { blankRow, describeDivergence, markSpec } from "../../../core/train/divergence.ts";
import { largestStage, memoryEstimate } from "../../../core/memory.ts";
import { maxOf, minOf } from "../../../core/stats.ts";
import { frozenOptimumClaims } from "../claims.ts";

// The row types of the result, defined next to the analysis that builds them.
export type { FrozenRow } from "../failure_states.ts";

/**
 * The fields of `toy-frozen-optimum`: n, the perturbations and their sizes,
 * and the two SGD stages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frozenFields } from "./frozen_optimum.ts";
 * assert.deepEqual(frozenFields.modes.values, ["both", "shorten", "bias"]);
 * ```
 */
export const frozenFields = {
  n: int({ default: 7, min: 5, max: 32, doc: "features (the last one unlearnt)" }),
  modes: oneOf(["both", "shorten", "bias"], { default: "both", doc: "perturbations to run" }),
  deltaMin: num({ default: 1e-3, min: 0, exclusiveMin: true, max: 0.5, doc: "smallest δ" }),
  deltaMax: num({ default: 0.1, min: 0, exclusiveMin: true, max: 0.5, doc: "largest δ" }),
  deltas: int({ default: 9, min: 1, max: 1000, doc: "number of δ (log-spaced)" }),
  settleLr: num({ default: 1, min: 0, exclusiveMin: true, doc: "SGD lr, re-settling stage" }),
  settleSteps: int({
    default: 20_000,
    min: 1,
    max: 10_000_000,
    doc: "steps, re-settling stage",
  }),
  freeLr: num({ default: 2, min: 0, exclusiveMin: true, doc: "SGD lr, stage with Wₙ free" }),
  freeSteps: int({ default: 5_000, min: 1, max: 10_000_000, doc: "steps, stage with Wₙ free" }),
  divergeAbove: divergeAboveField,
};

/**
 * Config of `toy-frozen-optimum`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type FrozenConfig, toyFrozenOptimum } from "./frozen_optimum.ts";
 * const config: FrozenConfig = configure(toyFrozenOptimum, { modes: "bias" }, "smoke");
 * assert.equal(config.deltas, 3);
 * ```
 */
export type FrozenConfig = ConfigOf<typeof frozenFields>;

/**
 * What `toy-frozen-optimum` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type FrozenResult, toyFrozenOptimum } from "./frozen_optimum.ts";
 * const config = configure(toyFrozenOptimum, { deltas: 1, settleSteps: 20, freeSteps: 20 });
 * const result: FrozenResult = await toyFrozenOptimum.run(config, {});
 * assert.deepEqual(result.rows.map((x) => x.mode), ["shorten", "bias"]);
 * ```
 */
export interface FrozenResult {
  /** One row per mode and δ. */
  rows: FrozenRow[];
  /** The re-settled states (Wₙ = 0), in the order of the rows. */
  settled: ToyState[];
  /** Where each case diverged (null: it did not), in the order of the rows. */
  diverged: (StageDivergence | null)[];
}

/** A row of the `frozen` table: a case that diverged keeps its mode, δ and where it diverged. */
function frozenTableRow(row: FrozenRow, diverged: StageDivergence | null) {
  const full = {
    ...row,
    diverged_in: diverged?.stage ?? null,
    diverged_at: diverged?.step ?? null,
  };
  return diverged ? blankRow(full, ["mode", "delta", "diverged_in", "diverged_at"]) : full;
}

/** Divergence over the cases, and which ones. */
function frozenDivergence(r: FrozenResult, c: FrozenConfig) {
  const div = describeDivergence(r.diverged.map((d) => d?.step ?? null), {
    divergeAbove: c.divergeAbove,
    noun: "cases",
  });
  const which = r.rows.flatMap((x, i) => {
    const d = r.diverged[i];
    return d ? [`${x.mode} δ=${sig(x.delta, 3)} (${d.stage}, step ${d.step})`] : [];
  });
  return { ...div, note: div.note && `${div.note} Diverged: ${which.join(", ")}.` };
}

/**
 * `count` log-spaced values in [min, max] (just `min` when count is 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logSpace } from "./frozen_optimum.ts";
 * assert.deepEqual(logSpace(0.001, 0.1, 3).map((v) => Number(v.toPrecision(12))), [0.001, 0.01, 0.1]);
 * ```
 */
export function logSpace(min: number, max: number, count: number): number[] {
  if (count === 1) return [min];
  return Array.from({ length: count }, (_, k) => min * (max / min) ** (k / (count - 1)));
}

/** The weakened pair: the first learnt feature and the last, which are adjacent. */
function pairOf(n: number): [number, number] {
  return [0, n - 2];
}

function frozenNotes(r: FrozenResult, c: FrozenConfig, pair: string): string[] {
  const rows = r.rows.filter((_, i) => r.diverged[i] === null);
  const worstResidual = maxOf(rows.map((x) => x.settle_residual));
  const ratio = rows.map((x) => x.wn_norm / x.predicted_norm);
  const { note } = frozenDivergence(r, c);
  return [
    `Symmetric Failure at n=${c.n} with ${pair} weakened by δ; learnt features re-settled by SGD ` +
    `(lr ${c.settleLr}, ${c.settleSteps} steps; worst residual loss ${sci(worstResidual, 2)}), ` +
    `then Wₙ alone trained by SGD (lr ${c.freeLr}, ${c.freeSteps} steps).`,
    ...(note ? [note] : []),
    ...(rows.length === 0 ? [] : [
      `Cosine of the resting Wₙ with ${pair}: ${
        fixed(minOf(rows.map((x) => x.wn_cos_pair)), 4)
      } at worst; ‖Wₙ‖ over the linearised prediction: ${fixed(minOf(ratio), 4)}–${
        fixed(maxOf(ratio), 4)
      }.`,
    ]),
  ];
}

/**
 * `toy-frozen-optimum`: the resting point of the unlearnt column next to a
 * slightly asymmetric, frozen polygon, against the linearised closed form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { toyFrozenOptimum } from "./frozen_optimum.ts";
 * const config = configure(toyFrozenOptimum, { modes: "bias", deltas: 1, settleSteps: 20, freeSteps: 20 });
 * const result = await toyFrozenOptimum.run(config, {});
 * const { tables } = toyFrozenOptimum.artefacts(result, config);
 * assert.equal(tables.frozen.numRows(), 1);
 * assert.throws(() => configure(toyFrozenOptimum, { deltaMin: 0.2, deltaMax: 0.1 }), /deltaMin=0.2/);
 * ```
 */
export const toyFrozenOptimum: Experiment<typeof frozenFields, FrozenResult> = defineExperiment({
  id: "toy-frozen-optimum",
  title: "Toy autoencoder: the resting point of the unlearnt column next to an asymmetric polygon",
  description:
    "Weakens two adjacent learnt features of Symmetric Failure by δ (shorter columns or higher " +
    "biases), lets the learnt features re-settle to zero loss on their own examples, freezes them, " +
    "and frees the unlearnt column alone. “Optimization Failure” found that it settles slightly away from zero, " +
    "in the direction of the two weakened columns; this measures its direction and length against δ " +
    "and against a linearised closed form.",
  fields: frozenFields,
  profiles: {
    smoke: { deltas: 3, settleSteps: 2000, freeSteps: 1000 },
    quick: {},
    full: { deltas: 33, settleSteps: 100_000, freeSteps: 20_000 },
  },
  validate(c) {
    if (c.deltaMin > c.deltaMax) {
      throw new ConfigError(
        `deltaMin=${c.deltaMin} is not allowed: it must be <= deltaMax=${c.deltaMax}`,
      );
    }
  },
  memory(c) {
    const cases = (c.modes === "both" ? 2 : 1) * c.deltas;
    const stage = (lr: number, steps: number) =>
      memoryEstimate(fromStatesMemory(cases, c.n, { lr, steps }), ["deltas"]);
    return largestStage([stage(c.settleLr, c.settleSteps), stage(c.freeLr, c.freeSteps)]);
  },
  async run(c, options) {
    const started = performance.now();
    const n = c.n;
    const modes: Perturbation[] = c.modes === "both" ? ["shorten", "bias"] : [c.modes];
    const deltas = logSpace(c.deltaMin, c.deltaMax, c.deltas);
    const cases = modes.flatMap((mode) => deltas.map((delta) => ({ mode, delta })));
    const pair = pairOf(n);
    const { settled, freed, diverged } = await frozenOptimumStates(
      cases,
      c,
      options,
      [0, 1],
      (mode, delta) => perturbedFailure(n, delta, { mode, pair }),
    );
    const rows = cases.map(({ mode, delta }, i) =>
      frozenOptimumRow({ settled: settled[i], freed: freed[i] }, { mode, delta, pair })
    );
    return {
      rows,
      settled: settled.map(cloneState),
      diverged,
      meta: fusedMeta({ workers: 1, elapsedMs: performance.now() - started }),
    };
  },
  claims: frozenOptimumClaims,
  artefacts(r, c) {
    const n = c.n;
    const pair = pairOf(n).map((i) => `W${i + 1}`).join(" + ");
    // Every statistic is over the cases that did not diverge.
    const rows = r.rows.filter((_, i) => r.diverged[i] === null);
    const ratio = rows.map((x) => x.wn_norm / x.predicted_norm);
    const tableRows = r.rows.map((x, i) => frozenTableRow(x, r.diverged[i]));
    const div = frozenDivergence(r, c);
    return {
      summary: {
        n,
        perturbed_pair: pair,
        rows: tableRows,
        min_cos_pair: minOf(rows.map((x) => x.wn_cos_pair)),
        worst_settle_residual: maxOf(rows.map((x) => x.settle_residual)),
        norm_over_prediction: { min: minOf(ratio), max: maxOf(ratio) },
        divergence: div.summary,
      },
      tables: { frozen: aq.from(tableRows) },
      figures: { frozen_optimum: markSpec(frozenOptimumSpec(rows, { n, pair }), div.mark) },
      notes: frozenNotes(r, c, pair),
    };
  },
});
