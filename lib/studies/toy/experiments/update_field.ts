/**
 * `toy-update-field`: the updates every column receives on the way out of a
 * slightly asymmetric Symmetric Failure (“Optimization Failure”, "Small asymmetry favoring
 * tilt", the three forces and the run-away sweep).
 *
 * The start is the end state of toy-frozen-optimum for one δ: a weakened
 * adjacent pair, re-settled, with Wₙ at its resting point. Then every
 * parameter is freed and trained. For windows of `stride` steps the update a
 * column received per step is (Wⱼ(t + stride) − Wⱼ(t)) / stride.
 *
 * Arrow lengths: `update_field` draws every arrow with one factor for the
 * whole run, so lengths compare across steps (early updates, which are many
 * orders of magnitude smaller, vanish). `update_directions` and the slider
 * figure scale each step to its own largest update and print the factor, so
 * the directions stay visible; `update_norms` gives the sizes on a log axis.
 *
 * @module
 */
import { divergeAboveField } from "../../../core/train/loop.ts";
import * as aq from "arquero";
import { perturbedFailure, type ToyState } from "../failure_states.ts";
import { type UpdateFrame, updateFrames, type UpdateRow, updateRows } from "../analysis.ts";
import { OPTIMIZER_NAMES } from "../../../core/optim/config.ts";
import {
  type UpdateArrow,
  updateFieldSlider,
  updateFieldSmallMultiples,
  updateNormsSpec,
} from "../plots_failure.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { defineExperiment, type Experiment } from "../../../core/experiment.ts";
import { type ConfigOf, int, num, oneOf } from "../../../core/config.ts";
import { sci, sig } from "../../../core/format.ts";
import {
  fromStatesMemory,
  type FromStatesOptions,
  frozenOptimumStates,
  type StageDivergence,
  trainFrom,
} from "./failure_common.ts";
import { describeDivergence, emptySpec, markFigures } from "../../../core/train/divergence.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { maxOf, minOf } from "../../../core/stats.ts";
import { symmetricFailureLoss } from "../closed_forms.ts";
import { updateFieldClaims } from "../claims.ts";

// The row types of the result, defined next to the analysis that builds them.
export type { UpdateFrame } from "../analysis.ts";

/**
 * The fields of `toy-update-field`: the start (n, mode, δ), the optimizer
 * once everything is free, and how the run is cut into windows and panels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { updateFieldFields } from "./update_field.ts";
 * assert.deepEqual([updateFieldFields.mode.default, updateFieldFields.delta.default], ["bias", 0.05]);
 * ```
 */
export const updateFieldFields = {
  n: int({ default: 7, min: 5, max: 32, doc: "features (the last one unlearnt)" }),
  mode: oneOf(["shorten", "bias"], { default: "bias", doc: "how the adjacent pair is weakened" }),
  delta: num({ default: 0.05, min: 0, exclusiveMin: true, max: 0.5, doc: "perturbation size δ" }),
  optimizer: oneOf(OPTIMIZER_NAMES, { default: "sgd", doc: "optimizer once everything is free" }),
  lr: num({
    default: 1,
    min: 0,
    exclusiveMin: true,
    doc: "learning rate once everything is free",
  }),
  steps: int({ default: 60_000, min: 2, max: 10_000_000, doc: "steps once everything is free" }),
  frames: int({ default: 120, min: 2, max: 2000, doc: "windows (one arrow per column each)" }),
  panels: int({ default: 12, min: 2, max: 48, doc: "panels of the small multiples" }),
  divergeAbove: divergeAboveField,
};

/**
 * Config of `toy-update-field`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { toyUpdateField, type UpdateFieldConfig } from "./update_field.ts";
 * const config: UpdateFieldConfig = configure(toyUpdateField, { frames: 80 });
 * assert.equal(config.steps, 60_000);
 * ```
 */
export type UpdateFieldConfig = ConfigOf<typeof updateFieldFields>;

/**
 * What `toy-update-field` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricFailure } from "../../../mod.ts";
 * import type { UpdateFieldResult } from "./update_field.ts";
 * const result: UpdateFieldResult = {
 *   start: symmetricFailure(7),
 *   frames: [{ step: 0, columns: [{ feature: 1, x: 0, y: 1.6, dx: 0, dy: 1e-6 }] }],
 *   finalLoss: 0.0175,
 *   lossRows: [{ step: 0, loss: 0.0175 }],
 * };
 * assert.equal(result.frames[0].columns[0].feature, 1);
 * ```
 */
export interface UpdateFieldResult {
  /** The state every parameter is freed from. */
  start: ToyState;
  /** One per window. */
  frames: UpdateFrame[];
  /** Loss at the end. */
  finalLoss: number;
  /** Loss over the free run. */
  lossRows: { step: number; loss: number }[];
  /**
   * Where the run diverged (null: it did not): in the preparation's stages or
   * in the free run ("all free"); the frames stop before it.
   */
  diverged?: StageDivergence | null;
}

/** The `updates` table's columns, for a header when no window is left. */
function emptyUpdateColumns(): Record<keyof UpdateRow, never[]> {
  return { step: [], feature: [], x: [], y: [], dx: [], dy: [], update_norm: [] };
}

function pickPanels(count: number, panels: number): number[] {
  if (count <= panels) return Array.from({ length: count }, (_, k) => k);
  return Array.from({ length: panels }, (_, k) => Math.round((k * (count - 1)) / (panels - 1)));
}

/**
 * How arrows are drawn: the plot's half-width, and the factor an update is
 * multiplied by so that the largest one (of the run, or of its step) is a
 * quarter of it.
 */
function arrowScale(rows: UpdateRow[]) {
  let extent = 0;
  for (const row of rows) extent = Math.max(extent, Math.abs(row.x), Math.abs(row.y));
  extent *= 1.35;
  const maxUpdate = maxOf(rows.map((row) => row.update_norm));
  const perStepMax = new Map<number, number>();
  for (const row of rows) {
    perStepMax.set(row.step, Math.max(perStepMax.get(row.step) ?? 0, row.update_norm));
  }
  return {
    extent,
    maxUpdate,
    globalFactor: (0.25 * extent) / maxUpdate,
    localFactor: (step: number) => (0.25 * extent) / (perStepMax.get(step) || 1),
  };
}

function updateFigures(
  rows: UpdateRow[],
  r: UpdateFieldResult,
  c: UpdateFieldConfig,
): Record<string, Spec> {
  const n = c.n;
  const { extent, globalFactor, localFactor } = arrowScale(rows);
  const arrows = (factor: (step: number) => number): UpdateArrow[] =>
    rows.map((row) => ({
      step: row.step,
      feature: row.feature,
      x: row.x,
      y: row.y,
      x2: row.x + factor(row.step) * row.dx,
      y2: row.y + factor(row.step) * row.dy,
      update_norm: row.update_norm,
      label: `×${sig(factor(row.step), 2)}`,
    }));
  const panelSteps = new Set(pickPanels(r.frames.length, c.panels).map((k) => r.frames[k].step));
  const inPanels = (a: UpdateArrow) => panelSteps.has(a.step);
  return {
    update_field: updateFieldSmallMultiples(arrows(() => globalFactor).filter(inPanels), {
      n,
      extent,
      unlearnt: n,
      title: `Updates per step, one scale for all panels (arrow = update × ${
        sig(globalFactor, 3)
      })`,
    }),
    update_directions: updateFieldSmallMultiples(arrows(localFactor).filter(inPanels), {
      n,
      extent,
      unlearnt: n,
      title: "Update directions, each panel scaled to its largest update (sizes: update_norms)",
    }),
    update_slider: updateFieldSlider(arrows(localFactor), {
      n,
      extent,
      unlearnt: n,
      steps: r.frames.map((f) => f.step),
      title: "Updates per step (slider; each step scaled to its largest update)",
    }),
    update_norms: updateNormsSpec(rows, {
      n,
      unlearnt: n,
      title: `Size of each column's update per step (${c.optimizer}, lr ${c.lr})`,
    }),
  };
}

/** The run's divergence in the shared words (the stage named when it was not the free run). */
function updateDivergence(r: UpdateFieldResult, c: UpdateFieldConfig) {
  const d = r.diverged ?? null;
  return describeDivergence([d?.step ?? null], {
    divergeAbove: c.divergeAbove,
    unit: d && d.stage !== "all free" ? `step of the preparation (${d.stage})` : "step",
  });
}

/**
 * The figures, marked when the run diverged (windows up to there are drawn);
 * with no window left, each is an empty figure that says so.
 */
function markedUpdateFigures(
  rows: UpdateRow[],
  r: UpdateFieldResult,
  c: UpdateFieldConfig,
): Record<string, Spec> {
  const div = updateDivergence(r, c);
  if (rows.length > 0) {
    const figures = updateFigures(rows, r, c);
    return markFigures(figures, div.curveMark);
  }
  const names = ["update_field", "update_directions", "update_slider", "update_norms"];
  return Object.fromEntries(names.map((k) => [k, emptySpec(`Updates per step (${k})`, div.mark)]));
}

function updateNotes(
  r: UpdateFieldResult,
  c: UpdateFieldConfig,
  s: { window: number; globalFactor: number },
): string[] {
  const n = c.n;
  const { note } = updateDivergence(r, c);
  return [
    `Start: Symmetric Failure at n=${n}, W1 and W${n - 1} weakened by δ=${c.delta} (${c.mode}), ` +
    `re-settled, Wₙ at its frozen resting point (‖Wₙ‖ = ${
      sci(Math.hypot(r.start.W[0][n - 1], r.start.W[1][n - 1]), 2)
    }); then ${c.optimizer} with lr ${c.lr} for ${c.steps} steps; final loss ${
      sci(r.finalLoss, 2)
    }.`,
    ...(note ? [note.replace("nothing it learnt", "no state after it")] : []),
    ...(r.frames.length === 0 ? [] : [
      `Each arrow is a column's mean update per step over a window of ${s.window} steps. In ` +
      `update_field every arrow uses one factor (${sig(s.globalFactor, 3)}); update_directions ` +
      `and the slider rescale each step to its largest update, so compare sizes in update_norms.`,
    ]),
  ];
}

/** The run from the freed state: a snapshot per frame. */
function freeRun(c: UpdateFieldConfig): FromStatesOptions {
  return {
    optimizer: c.optimizer,
    lr: c.lr,
    steps: c.steps,
    snapshotEvery: Math.max(1, Math.floor(c.steps / c.frames)),
    maxSnapshots: Math.max(16, c.frames + 2),
    divergeAbove: c.divergeAbove,
  };
}

/**
 * `toy-update-field`: the update field on the way out of a slightly
 * asymmetric Symmetric Failure. (`run` first trains the 25,000 steps of
 * toy-frozen-optimum's two stages; the example assembles the artefacts of
 * two hand-made windows instead.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, symmetricFailure } from "../../../mod.ts";
 * import { toyUpdateField } from "./update_field.ts";
 * const config = configure(toyUpdateField, { panels: 2 }, "smoke");
 * const start = symmetricFailure(7);
 * const frame = (step: number) => ({
 *   step,
 *   columns: start.W[0].map((x, j) => ({ feature: j + 1, x, y: start.W[1][j], dx: 1e-4, dy: 0 })),
 * });
 * const result = { start, frames: [frame(0), frame(100)], finalLoss: 0.0175, lossRows: [] };
 * const { tables, figures, summary } = toyUpdateField.artefacts(result, config);
 * assert.equal(tables.updates.numRows(), 2 * 7); // one row per window and column
 * assert.equal(summary.window, 100);
 * assert.ok("update_slider" in figures);
 * ```
 */
export const toyUpdateField: Experiment<typeof updateFieldFields, UpdateFieldResult> =
  defineExperiment({
    id: "toy-update-field",
    title: "Toy autoencoder: the update field on the way out of Symmetric Failure",
    description:
      "From the state of toy-frozen-optimum (a weakened adjacent pair, re-settled, the unlearnt column " +
      "at its resting point) every parameter is freed. The figures show the update each column " +
      "receives, window by window: the three forces “Optimization Failure” names (learnt columns lengthen, splay away from " +
      "each other, and sweep away from Wₙ) and the run-away in which Wₙ grows until the unlearnt " +
      "feature is learnt.",
    fields: updateFieldFields,
    profiles: {
      smoke: { steps: 2000, frames: 20, panels: 4 },
      quick: {},
      full: { frames: 600 },
    },
    memory(c) {
      // One instance: what grows with the config is the frames and their rows.
      const rows = (c.frames + 2) * c.n;
      return memoryEstimate([
        ...fromStatesMemory(1, c.n, freeRun(c)),
        { what: `update frames: ${c.frames + 2} × ${c.n} columns`, bytes: rows * 1536, heap: true },
      ], ["frames"]);
    },
    async run(c, options) {
      const started = performance.now();
      const n = c.n;
      const prep = await frozenOptimumStates(
        [{ mode: c.mode, delta: c.delta }],
        {
          n,
          settleLr: 1,
          settleSteps: 20_000,
          freeLr: 2,
          freeSteps: 5_000,
          divergeAbove: c.divergeAbove,
        },
        options,
        [0, 0.3],
        (mode, delta) => perturbedFailure(n, delta, { mode, pair: [0, n - 2] }),
      );
      const run = await trainFrom(
        prep.freed,
        freeRun(c),
        options,
        [0.3, 1, "all free"],
      );
      const width = run.loss.width;
      const at = run.divergedAt[0];
      const diverged = prep.diverged[0] ?? (at >= 0 ? { stage: "all free", step: at } : null);
      // A window that ends at or after the divergence holds weights that blew up: none is kept.
      const frames = diverged === null
        ? updateFrames(run, { instance: 0 })
        : diverged.stage !== "all free"
        ? []
        : updateFrames(run, { instance: 0 }).filter((_frame, k, all) =>
          (all[k + 1]?.step ?? c.steps) < diverged.step
        );
      return {
        start: prep.freed[0],
        frames,
        finalLoss: run.finalLoss[0],
        lossRows: run.loss.steps.map((step, k) => ({ step, loss: run.loss.values[k * width] })),
        diverged,
        meta: {
          engine: run.engine,
          backend: run.backend,
          workers: run.workers,
          elapsedMs: performance.now() - started,
        },
      };
    },
    claims: updateFieldClaims,
    artefacts(r, c) {
      const n = c.n;
      const rows = updateRows(r.frames);
      const { maxUpdate, globalFactor } = arrowScale(rows);
      const d = r.diverged ?? null;
      // A run that diverged ends nowhere: no end state is reported.
      const wnEnd = d ? null : r.frames[r.frames.length - 1].columns[n - 1];
      const growth = rows.filter((row) => row.feature === n && row.update_norm > 0);
      const window = r.frames.length > 1 ? r.frames[1].step - r.frames[0].step : c.steps;
      // Recovered: the loss fell below 1% of Symmetric Failure's, which needs the feature learnt.
      const recovered = d
        ? undefined
        : r.lossRows.find((x) => x.loss < 0.01 * symmetricFailureLoss(n));
      return {
        summary: {
          n,
          mode: c.mode,
          delta: c.delta,
          optimizer: c.optimizer,
          lr: c.lr,
          steps: c.steps,
          window,
          start_wn_norm: Math.hypot(r.start.W[0][n - 1], r.start.W[1][n - 1]),
          end_wn_norm: wnEnd ? Math.hypot(wnEnd.x, wnEnd.y) : null,
          final_loss: d ? null : r.finalLoss,
          recovered_at: recovered?.step ?? null,
          largest_update: rows.length ? maxUpdate : null,
          smallest_wn_update: growth.length ? minOf(growth.map((row) => row.update_norm)) : null,
          arrow_factor_global: rows.length ? globalFactor : null,
          diverged_in: d?.stage ?? null,
          diverged_at: d?.step ?? null,
        },
        tables: {
          updates: rows.length ? aq.from(rows) : aq.table(emptyUpdateColumns()),
          // The loss up to a divergence is what the run did.
          loss: aq.from(r.lossRows.filter((x) => Number.isFinite(x.loss))),
        },
        figures: markedUpdateFigures(rows, r, c),
        notes: updateNotes(r, c, { window, globalFactor }),
      };
    },
  });
