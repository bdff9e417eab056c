/**
 * `toy-resampling-basin`: for which norm and bias does a resampled column
 * escape Symmetric Failure (issue 10, part 2)?
 *
 * Every cell of a grid (norm × bias × direction) starts from Symmetric
 * Failure with the unlearnt column replaced by one of that norm along that
 * direction (a gap's bisector, or a learnt column) and that bias, plus a
 * little seeded noise on the learnt features; all cells and seeds train as
 * instances of one run. The measured share of seeds all learnt is drawn as
 * a heatmap, and the prediction of the frozen-polygon reduction (`basin.ts`)
 * as the boundary over it.
 *
 * @module
 */
import * as aq from "arquero";
import {
  BASIN_DIRECTIONS,
  type BasinDirection,
  basinStart,
  predictedBoundary,
  reducedFlow,
} from "../basin.ts";
import { finalOutcomes, finalState, undiverged } from "../analysis.ts";
import type { ToyTrainResult } from "../config.ts";
import {
  blankRow,
  describeDivergence,
  type DivergenceReport,
  markSpec,
} from "../../../core/train/divergence.ts";
import { basinSpec } from "../plots_resampling.ts";
import { OPTIMIZER_NAMES } from "../../../core/optim/config.ts";
import { defineExperiment, type Experiment, fusedMeta } from "../../../core/experiment.ts";
import {
  ConfigError,
  type ConfigOf,
  int,
  list,
  listItems,
  num,
  oneOf,
} from "../../../core/config.ts";
import { pct, sig } from "../../../core/format.ts";
import { MAX_SEED } from "../../../core/random.ts";
import { fromStatesMemory, trainFrom } from "./failure_common.ts";
import { perSeedRows, toyTrainFields, validateSeedRange } from "./common.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { UNLEARNT_NORM } from "../outcomes.ts";
import { basinClaims } from "../claims.ts";

/**
 * The fields of `toy-resampling-basin`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { basinFields } from "./resampling_basin.ts";
 * assert.equal(basinFields.n.default, 7);
 * assert.equal(basinFields.directions.default, "gap,vertex");
 * ```
 */
export const basinFields = {
  n: int({ default: 7, min: 5, max: 32, doc: "features (m = 2)" }),
  optimizer: oneOf(OPTIMIZER_NAMES, {
    default: "sgd",
    doc: "optimizer (the prediction follows SGD)",
  }),
  lr: num({ default: 0.1, min: 0, exclusiveMin: true, doc: "learning rate" }),
  steps: int({
    default: 10_000,
    min: 1,
    max: 10_000_000,
    doc: "training steps after the resample",
  }),
  directions: list({
    default: "gap,vertex",
    values: BASIN_DIRECTIONS,
    doc: "directions of the column",
  }),
  normMax: num({ default: 2.5, min: 0, exclusiveMin: true, doc: "largest norm of the grid" }),
  normCells: int({ default: 20, min: 1, max: 200, doc: "grid cells along the norm" }),
  biasMin: num({ default: -2, doc: "smallest bias of the grid" }),
  biasMax: num({ default: 0.5, doc: "largest bias of the grid" }),
  biasCells: int({ default: 20, min: 1, max: 200, doc: "grid cells along the bias" }),
  seeds: int({ default: 4, min: 1, max: 1000, doc: "seeds (noise draws) per cell" }),
  noise: num({ default: 1e-3, min: 0, doc: "std of the noise on the learnt features" }),
  seed: int({ default: 0, min: 0, max: MAX_SEED, doc: "first seed" }),
  divergeAbove: toyTrainFields.divergeAbove,
};

/**
 * Config of `toy-resampling-basin`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type BasinConfig, toyResamplingBasin } from "./resampling_basin.ts";
 * const config: BasinConfig = configure(toyResamplingBasin, {}, "smoke");
 * assert.equal(config.normCells, 4);
 * ```
 */
export type BasinConfig = ConfigOf<typeof basinFields>;

/**
 * One cell of the basin grid, measured and predicted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BasinCell } from "./resampling_basin.ts";
 * const cell: Pick<BasinCell, "predicted" | "all_learnt_fraction"> = { predicted: "escaped", all_learnt_fraction: 1 };
 * assert.equal(cell.predicted, "escaped");
 * ```
 */
export interface BasinCell {
  /** Direction the column was placed along. */
  direction: BasinDirection;
  /** Norm the column was given (cell centre). */
  norm: number;
  /** Bias the feature was given (cell centre). */
  bias: number;
  /** Cell's lower norm edge. */
  norm_lo: number;
  /** Cell's upper norm edge. */
  norm_hi: number;
  /** Cell's lower bias edge. */
  bias_lo: number;
  /** Cell's upper bias edge. */
  bias_hi: number;
  /** Seeds in the group. */
  seeds: number;
  /** Share of the seeds that did not diverge all learnt at the end (NaN: every seed diverged). */
  all_learnt_fraction: number;
  /** Share of them whose resampled feature ends learnt (‖Wₙ‖ ≥ 0.1 and its own output ≥ ½), others aside. */
  feature_learnt_fraction: number;
  /** Where the frozen-polygon reduction ends. */
  predicted: "collapsed" | "stuck" | "escaped";
  /** Seeds that diverged: left out of both shares. */
  diverged: number;
}

/**
 * What `toy-resampling-basin` returns: the grid and the predicted boundary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type BasinResult, toyResamplingBasin } from "./resampling_basin.ts";
 * const config = configure(toyResamplingBasin, { normCells: 2, biasCells: 2, seeds: 1, steps: 50, directions: "gap" });
 * const result: BasinResult = await toyResamplingBasin.run(config, { workers: 1 });
 * assert.equal(result.cells.length, 4);
 * ```
 */
export interface BasinResult {
  /** One per grid cell, direction by direction. */
  cells: BasinCell[];
  /** Points of the predicted boundary. */
  boundary: { direction: BasinDirection; norm: number; bias: number }[];
  /** Step each instance (cell × seed, cell-major) diverged at (-1: it did not). */
  divergedAt: number[];
}

/** The cells with a seed that did not diverge: the ones measured (and compared). */
function measuredCells(r: BasinResult): BasinCell[] {
  return r.cells.filter((x) => x.diverged < x.seeds);
}

/**
 * The grid's rows from the run: each cell's shares over its seeds that did
 * not diverge (a diverged column is wherever it blew up to, and would read as
 * learnt), and the reduction's prediction.
 */
function basinRows(
  c: BasinConfig,
  cells: ReturnType<typeof grid>,
  run: ToyTrainResult,
): BasinCell[] {
  const outcomes = finalOutcomes(run, { oneHot: true });
  const featureLearnt = (i: number) => {
    const { W, b } = finalState(run.final, i);
    const w = [W[0][c.n - 1], W[1][c.n - 1]];
    const own = w[0] * w[0] + w[1] * w[1] + b[c.n - 1];
    return Math.hypot(w[0], w[1]) >= UNLEARNT_NORM && own >= 0.5;
  };
  return cells.map((cell, k) => {
    const idx = Array.from({ length: c.seeds }, (_, s) => k * c.seeds + s);
    const kept = undiverged(run, idx);
    const share = (f: (i: number) => boolean) => kept.filter(f).length / kept.length;
    return {
      direction: cell.direction,
      norm: cell.norm.mid,
      bias: cell.bias.mid,
      norm_lo: cell.norm.lo,
      norm_hi: cell.norm.hi,
      bias_lo: cell.bias.lo,
      bias_hi: cell.bias.hi,
      seeds: c.seeds,
      all_learnt_fraction: share((i) => outcomes[i].outcome === "all_learnt"),
      feature_learnt_fraction: share(featureLearnt),
      predicted: reducedFlow(c.n, {
        direction: cell.direction,
        r: cell.norm.mid,
        bias: cell.bias.mid,
        lr: c.lr,
        steps: c.steps,
      }).end,
      diverged: idx.length - kept.length,
    };
  });
}

/** Cell centres and edges along one axis. */
function axis(lo: number, hi: number, cells: number): { mid: number; lo: number; hi: number }[] {
  const w = (hi - lo) / cells;
  return Array.from({ length: cells }, (_, k) => ({
    mid: lo + (k + 0.5) * w,
    lo: lo + k * w,
    hi: lo + (k + 1) * w,
  }));
}

function grid(c: BasinConfig) {
  const directions = listItems(c.directions) as BasinDirection[];
  const norms = axis(0, c.normMax, c.normCells);
  const biases = axis(c.biasMin, c.biasMax, c.biasCells);
  return directions.flatMap((direction) =>
    norms.flatMap((norm) => biases.map((bias) => ({ direction, norm, bias })))
  );
}

function boundaries(c: BasinConfig): BasinResult["boundary"] {
  // Four times finer than the grid, so the line is smoother than the cells.
  const norms = axis(0, c.normMax, Math.min(200, 4 * c.normCells)).map((a) => a.mid);
  const biases = axis(c.biasMin, c.biasMax, Math.min(400, 4 * c.biasCells)).map((a) => a.mid);
  return (listItems(c.directions) as BasinDirection[]).flatMap((direction) =>
    predictedBoundary(c.n, { direction, norms, biases, lr: c.lr, steps: c.steps })
  );
}

/** Divergence over every instance of the grid. */
function basinDivergence(r: BasinResult, c: BasinConfig): DivergenceReport {
  return describeDivergence(r.divergedAt, { divergeAbove: c.divergeAbove });
}

function notes(r: BasinResult, c: BasinConfig): string[] {
  // The comparison is over the cells with a seed that did not diverge.
  const cells = measuredCells(r);
  const agree = cells.filter((x) => (x.predicted === "escaped") === (x.all_learnt_fraction >= 0.5));
  const featureAgree = cells.filter((x) =>
    (x.predicted === "escaped") === (x.feature_learnt_fraction >= 0.5)
  );
  const partsWays = (pred: string, measured: (x: BasinCell) => boolean) =>
    cells.filter((x) => x.predicted === pred && measured(x)).length;
  const { note } = basinDivergence(r, c);
  const empty = r.cells.length - cells.length;
  return [
    `Symmetric Failure at n = ${c.n} with feature ${c.n}'s column set to each (norm, bias) along ` +
    `${c.directions}, ${c.seeds} seeds per cell (noise ${c.noise} on the learnt features), ` +
    `${c.optimizer} at lr ${c.lr} for ${c.steps} steps.`,
    ...(note
      ? [
        note + (empty ? ` ${empty} cells lost every seed and are left out of the comparison.` : ""),
      ]
      : []),
    `The frozen-polygon reduction predicts "escaped" in ${
      cells.filter((x) => x.predicted === "escaped").length
    } of ${cells.length} cells; it agrees with the measured majority (all learnt in ≥ half the ` +
    `seeds) in ${pct(agree.length / cells.length)} of cells, and with "the resampled feature ` +
    `ends learnt" in ${pct(featureAgree.length / cells.length)}.`,
    `Where they part: ${
      partsWays("escaped", (x) => x.all_learnt_fraction < 0.5)
    } cells predicted ` +
    `to escape stay failed; ${
      partsWays("collapsed", (x) => x.all_learnt_fraction >= 0.5)
    } predicted ` +
    `to collapse and ${
      partsWays("stuck", (x) => x.all_learnt_fraction >= 0.5)
    } predicted stuck end ` +
    `all learnt (the polygon makes room, which the reduction forbids).`,
    `The reduction's resting point on a gap's bisector: r = ${
      sig(reducedFlow(c.n, { direction: "gap", r: 1, bias: -0.5, lr: c.lr, steps: c.steps }).r, 3)
    }; columns shorter than ${UNLEARNT_NORM} count as collapsed.`,
  ];
}

/**
 * `toy-resampling-basin`: the measured basin of a resampled column, with the
 * frozen-polygon prediction drawn over it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { toyResamplingBasin } from "./resampling_basin.ts";
 * const config = configure(toyResamplingBasin, { normCells: 2, biasCells: 2, seeds: 1, steps: 50 });
 * const result = await toyResamplingBasin.run(config, { workers: 1 });
 * const { tables } = toyResamplingBasin.artefacts(result, config);
 * assert.equal(tables.cells.numRows(), 8); // 2 × 2 cells × 2 directions
 * assert.throws(() => configure(toyResamplingBasin, { biasMin: 1, biasMax: 0 }), /biasMin=1/);
 * ```
 */
export const toyResamplingBasin: Experiment<typeof basinFields, BasinResult> = defineExperiment({
  id: "toy-resampling-basin",
  title: "Toy autoencoder: which resampled norm and bias escape Symmetric Failure",
  description:
    "From Symmetric Failure, gives the unlearnt feature a column of each norm along a gap's bisector " +
    "or a learnt column, and each bias, trains every cell's seeds as instances of one run, and draws " +
    "the share that end all learnt, with the boundary predicted by holding the learnt polygon fixed.",
  fields: basinFields,
  profiles: {
    smoke: { normCells: 4, biasCells: 4, seeds: 1, steps: 500 },
    quick: {},
    full: { normCells: 40, biasCells: 40, seeds: 8, steps: 25_000 },
  },
  validate(c) {
    if (c.biasMin >= c.biasMax) {
      throw new ConfigError(
        `biasMin=${c.biasMin} is not allowed: it must be < biasMax=${c.biasMax}`,
      );
    }
    validateSeedRange(c.seed, c.seeds, "seeds");
  },
  memory(c) {
    const count = grid(c).length * c.seeds;
    return memoryEstimate([
      ...fromStatesMemory(count, c.n, { optimizer: c.optimizer, lr: c.lr, steps: c.steps }),
      perSeedRows(count),
    ], ["seeds", "normCells", "biasCells"]);
  },
  async run(c, options) {
    const started = performance.now();
    const cells = grid(c);
    const states = cells.flatMap((cell) =>
      Array.from({ length: c.seeds }, (_, s) =>
        basinStart(c.n, {
          direction: cell.direction,
          r: cell.norm.mid,
          bias: cell.bias.mid,
          noise: c.noise,
          seed: c.seed + s,
        }))
    );
    const run = await trainFrom(
      states,
      { optimizer: c.optimizer, lr: c.lr, steps: c.steps, divergeAbove: c.divergeAbove },
      options,
      [0, 0.9, `${states.length} resampled columns`],
    );
    const rows = basinRows(c, cells, run);
    await options.onProgress?.({ fraction: 0.95, message: "predicting the boundary" });
    return {
      cells: rows,
      boundary: boundaries(c),
      divergedAt: Array.from(run.divergedAt),
      meta: fusedMeta({ workers: run.workers, elapsedMs: performance.now() - started }),
    };
  },
  claims: basinClaims,
  artefacts(r, c) {
    const measured = measuredCells(r);
    const div = basinDivergence(r, c);
    const keep: (keyof BasinCell)[] = [
      ...["direction", "norm", "bias", "norm_lo", "norm_hi", "bias_lo", "bias_hi"] as const,
      ...["seeds", "predicted", "diverged"] as const,
    ];
    return {
      summary: {
        setting: { ...c },
        cells: r.cells.length,
        predicted_escaped: r.cells.filter((x) => x.predicted === "escaped").length,
        agreement: measured.filter((x) =>
          (x.predicted === "escaped") === (x.all_learnt_fraction >= 0.5)
        )
          .length / measured.length,
        divergence: div.summary,
      },
      tables: {
        cells: aq.from(r.cells.map((x) => measured.includes(x) ? x : blankRow(x, keep))),
        boundary: aq.from(r.boundary),
      },
      figures: {
        basin: markSpec(
          basinSpec(measured, r.boundary, {
            title: `Share of seeds all learnt after resampling feature ${c.n} (n = ${c.n}, ` +
              `${c.optimizer} lr ${c.lr}, ${c.steps} steps); red dots: predicted edge of escape`,
          }),
          div.mark,
        ),
      },
      notes: notes(r, c),
    };
  },
});
