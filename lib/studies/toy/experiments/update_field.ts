/**
 * `toy-update-field`: the updates every column receives on the way out of a
 * slightly asymmetric Symmetric Failure (seed 001, "Small asymmetry favoring
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
import * as aq from "arquero";
import { perturbedFailure, type ToyState } from "../failure_states.ts";
import { snapshotState } from "../analysis.ts";
import { OPTIMIZER_NAMES, type OptimizerName } from "../../../core/optim/config.ts";
import {
  type UpdateArrow,
  updateFieldSlider,
  updateFieldSmallMultiples,
  updateNormsSpec,
} from "../plots_failure.ts";
import type { Spec } from "../../../core/plots/render.ts";
import type { Experiment } from "../../../core/experiment.ts";
import { frozenOptimumStates, trainFrom } from "./failure_common.ts";

/** Config of `toy-update-field`. */
export interface UpdateFieldConfig {
  [key: string]: number | string | boolean | null;
  n: number;
  mode: "shorten" | "bias";
  delta: number;
  optimizer: OptimizerName;
  lr: number;
  steps: number;
  /** Number of windows the run is cut into (one arrow per column per window). */
  frames: number;
  /** Panels of the small-multiples figures. */
  panels: number;
}

/** One window: every column at its start and its update per step. */
export interface UpdateFrame {
  step: number;
  columns: { feature: number; x: number; y: number; dx: number; dy: number }[];
}

/** What `toy-update-field` returns. */
export interface UpdateFieldResult {
  start: ToyState;
  frames: UpdateFrame[];
  finalLoss: number;
  lossRows: { step: number; loss: number }[];
}

function pickPanels(count: number, panels: number): number[] {
  if (count <= panels) return Array.from({ length: count }, (_, k) => k);
  return Array.from({ length: panels }, (_, k) => Math.round((k * (count - 1)) / (panels - 1)));
}

export const toyUpdateField: Experiment<UpdateFieldConfig, UpdateFieldResult> = {
  id: "toy-update-field",
  title: "Toy autoencoder: the update field on the way out of Symmetric Failure",
  description:
    "From the state of toy-frozen-optimum (a weakened adjacent pair, re-settled, the unlearnt column " +
    "at its resting point) every parameter is freed. The figures show the update each column " +
    "receives, window by window: seed 001's three forces (learnt columns lengthen, splay away from " +
    "each other, and sweep away from Wₙ) and the run-away in which Wₙ grows until the unlearnt " +
    "feature is learnt.",
  defaults: {
    n: 7,
    mode: "bias",
    delta: 0.05,
    optimizer: "sgd",
    lr: 1,
    steps: 60_000,
    frames: 120,
    panels: 12,
  },
  fields: {
    n: { type: "int", min: 5, max: 32, doc: "features (the last one unlearnt)" },
    mode: { type: "enum", values: ["shorten", "bias"], doc: "how the adjacent pair is weakened" },
    delta: { type: "number", min: 0, exclusiveMin: true, max: 0.5, doc: "perturbation size δ" },
    optimizer: { type: "enum", values: OPTIMIZER_NAMES, doc: "optimizer once everything is free" },
    lr: {
      type: "number",
      min: 0,
      exclusiveMin: true,
      doc: "learning rate once everything is free",
    },
    steps: { type: "int", min: 2, max: 10_000_000, doc: "steps once everything is free" },
    frames: { type: "int", min: 2, max: 2000, doc: "windows (one arrow per column each)" },
    panels: { type: "int", min: 2, max: 48, doc: "panels of the small multiples" },
  },
  profiles: {
    smoke: { steps: 2000, frames: 20, panels: 4 },
    quick: {},
    full: { frames: 600 },
  },
  async run(c, options) {
    const started = performance.now();
    const n = c.n;
    const { freed } = await frozenOptimumStates(
      [{ mode: c.mode, delta: c.delta }],
      { n, settleLr: 1, settleSteps: 20_000, freeLr: 2, freeSteps: 5_000 },
      options,
      [0, 0.3],
      (mode, delta) => perturbedFailure(n, delta, { mode, pair: [0, n - 2] }),
    );
    const stride = Math.max(1, Math.floor(c.steps / c.frames));
    const run = await trainFrom(
      freed,
      {
        optimizer: c.optimizer,
        lr: c.lr,
        steps: c.steps,
        snapshotEvery: stride,
        maxSnapshots: Math.max(16, c.frames + 2),
      },
      options,
      [0.3, 1, "all free"],
    );
    const steps = run.snapshots.steps;
    const frames: UpdateFrame[] = [];
    for (let k = 0; k + 1 < steps.length; k++) {
      const a = snapshotState(run, k, 0);
      const b = snapshotState(run, k + 1, 0);
      const span = steps[k + 1] - steps[k];
      frames.push({
        step: steps[k],
        columns: Array.from({ length: n }, (_, j) => ({
          feature: j + 1,
          x: a.W[0][j],
          y: a.W[1][j],
          dx: (b.W[0][j] - a.W[0][j]) / span,
          dy: (b.W[1][j] - a.W[1][j]) / span,
        })),
      });
    }
    const width = run.loss.width;
    return {
      start: freed[0],
      frames,
      finalLoss: run.finalLoss[0],
      lossRows: run.loss.steps.map((step, k) => ({ step, loss: run.loss.values[k * width] })),
      meta: {
        engine: run.engine,
        backend: run.backend,
        workers: run.workers,
        elapsedMs: performance.now() - started,
      },
    };
  },
  artefacts(r, c) {
    const n = c.n;
    const rows = r.frames.flatMap((f) =>
      f.columns.map((col) => ({
        step: f.step,
        feature: col.feature,
        x: col.x,
        y: col.y,
        dx: col.dx,
        dy: col.dy,
        update_norm: Math.hypot(col.dx, col.dy),
      }))
    );
    let extent = 0;
    for (const row of rows) extent = Math.max(extent, Math.abs(row.x), Math.abs(row.y));
    extent *= 1.35;
    const maxUpdate = Math.max(...rows.map((row) => row.update_norm));
    const globalFactor = (0.25 * extent) / maxUpdate;
    const arrows = (factor: (step: number) => number): UpdateArrow[] =>
      rows.map((row) => ({
        step: row.step,
        feature: row.feature,
        x: row.x,
        y: row.y,
        x2: row.x + factor(row.step) * row.dx,
        y2: row.y + factor(row.step) * row.dy,
        update_norm: row.update_norm,
        label: `×${factor(row.step).toPrecision(2)}`,
      }));
    const perStepMax = new Map<number, number>();
    for (const row of rows) {
      perStepMax.set(row.step, Math.max(perStepMax.get(row.step) ?? 0, row.update_norm));
    }
    const localFactor = (step: number) => (0.25 * extent) / (perStepMax.get(step) || 1);
    const panelSteps = new Set(pickPanels(r.frames.length, c.panels).map((k) => r.frames[k].step));
    const inPanels = (a: UpdateArrow) => panelSteps.has(a.step);
    const local = arrows(localFactor).filter(inPanels);
    const wn = rows.filter((row) => row.feature === n);
    const lastFrame = r.frames[r.frames.length - 1];
    const wnEnd = lastFrame.columns[n - 1];
    const figures: Record<string, Spec> = {
      update_field: updateFieldSmallMultiples(arrows(() => globalFactor).filter(inPanels), {
        n,
        extent,
        title: `Updates per step, one scale for all panels (arrow = update × ${
          globalFactor.toPrecision(3)
        })`,
      }),
      update_directions: updateFieldSmallMultiples(local, {
        n,
        extent,
        title: "Update directions, each panel scaled to its largest update (sizes: update_norms)",
      }),
      update_slider: updateFieldSlider(arrows(localFactor), {
        n,
        extent,
        steps: r.frames.map((f) => f.step),
        title: "Updates per step (slider; each step scaled to its largest update)",
      }),
      update_norms: updateNormsSpec(rows, {
        n,
        title: `Size of each column's update per step (${c.optimizer}, lr ${c.lr})`,
      }),
    };
    const growth = wn.filter((row) => row.update_norm > 0);
    return {
      summary: {
        n,
        mode: c.mode,
        delta: c.delta,
        optimizer: c.optimizer,
        lr: c.lr,
        steps: c.steps,
        window: r.frames.length > 1 ? r.frames[1].step - r.frames[0].step : c.steps,
        start_wn_norm: Math.hypot(r.start.W[0][n - 1], r.start.W[1][n - 1]),
        end_wn_norm: Math.hypot(wnEnd.x, wnEnd.y),
        final_loss: r.finalLoss,
        largest_update: maxUpdate,
        smallest_wn_update: growth.length
          ? Math.min(...growth.map((row) => row.update_norm))
          : null,
        arrow_factor_global: globalFactor,
      },
      tables: { updates: aq.from(rows), loss: aq.from(r.lossRows) },
      figures,
      notes: [
        `Start: Symmetric Failure at n=${n}, W1 and W${
          n - 1
        } weakened by δ=${c.delta} (${c.mode}), ` +
        `re-settled, Wₙ at its frozen resting point (‖Wₙ‖ = ${
          Math.hypot(r.start.W[0][n - 1], r.start.W[1][n - 1]).toExponential(2)
        }); then ${c.optimizer} with lr ${c.lr} for ${c.steps} steps; final loss ${
          r.finalLoss.toExponential(2)
        }.`,
        `Each arrow is a column's mean update per step over a window of ` +
        `${
          r.frames.length > 1 ? r.frames[1].step - r.frames[0].step : c.steps
        } steps. In update_field ` +
        `every arrow uses one factor (${
          globalFactor.toPrecision(3)
        }); update_directions and the slider ` +
        `rescale each step to its largest update, so compare sizes in update_norms.`,
      ],
    };
  },
};
