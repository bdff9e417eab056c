/**
 * Figures of `toy-resampling` and `toy-resampling-basin` (issue 10): success
 * by remedy × optimizer × n, time to all learnt, the loss around the first
 * resample event, and the basin of a resampled column with the predicted
 * boundary drawn over it. Pure functions from rows to Vega-Lite specs.
 *
 * @module
 */
import type { Spec } from "../../core/plots/render.ts";
import type { EventLossRow, LearntTimeRow } from "./analysis_resampling.ts";

/** One panel per optimizer, in the given order. */
function byOptimizer(order?: string[]) {
  return { column: { field: "optimizer", type: "nominal", title: null, sort: order } };
}

/**
 * Heatmap of the share of seeds all learnt at the end: remedies down, n
 * across, one panel per optimizer, each cell labelled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remedySuccessSpec } from "./plots_resampling.ts";
 * const spec = remedySuccessSpec(
 *   [{ remedy: "none", optimizer: "sgd", n: 7, all_learnt_fraction: 0, seeds: 100 }],
 *   { title: "t", remedies: ["none"] },
 * );
 * assert.equal((spec as { facet: { column: { field: string } } }).facet.column.field, "optimizer");
 * ```
 */
export function remedySuccessSpec(
  rows: {
    remedy: string;
    optimizer: string;
    n: number;
    all_learnt_fraction: number;
    seeds: number;
  }[],
  options: { title: string; remedies: string[]; optimizers?: string[] },
): Spec {
  return {
    title: options.title,
    data: { values: rows },
    facet: byOptimizer(options.optimizers),
    spec: {
      width: { step: 40 },
      height: { step: 20 },
      encoding: {
        x: { field: "n", type: "ordinal", title: "n", axis: { labelAngle: 0 } },
        y: { field: "remedy", type: "nominal", title: null, sort: options.remedies },
      },
      layer: [
        {
          mark: { type: "rect" },
          encoding: {
            color: {
              field: "all_learnt_fraction",
              type: "quantitative",
              title: "all learnt",
              scale: { scheme: "greens", domain: [0, 1] },
            },
            tooltip: [
              { field: "remedy" },
              { field: "n" },
              { field: "all_learnt_fraction", format: ".3f" },
              { field: "seeds" },
            ],
          },
        },
        {
          mark: { type: "text", fontSize: 9 },
          encoding: {
            text: { field: "all_learnt_fraction", type: "quantitative", format: ".2f" },
            color: {
              condition: { test: "datum.all_learnt_fraction > 0.6", value: "white" },
              value: "black",
            },
          },
        },
      ],
    },
  } as unknown as Spec;
}

/**
 * Steps to all learnt by remedy, over the seeds that got there: the 10–90%
 * range as a thin rule, the quartiles as a bar, the median as a tick; one
 * panel per optimizer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { learntTimeSpec } from "./plots_resampling.ts";
 * const spec = learntTimeSpec(
 *   [{ remedy: "gap", optimizer: "sgd", n: 7, seeds: 90, p10: 2600, q25: 2700, median: 3000, q75: 4000, p90: 6000 }],
 *   { title: "t", remedies: ["gap"] },
 * );
 * assert.equal((spec as { spec: { layer: unknown[] } }).spec.layer.length, 3);
 * ```
 */
export function learntTimeSpec(
  rows: LearntTimeRow[],
  options: { title: string; remedies: string[]; optimizers?: string[] },
): Spec {
  const y = { field: "remedy", type: "nominal", title: null, sort: options.remedies };
  const x = (field: string) => ({
    field,
    type: "quantitative",
    title: "steps to all learnt",
    scale: { type: "log" },
  });
  return {
    title: options.title,
    data: { values: rows },
    facet: byOptimizer(options.optimizers),
    spec: {
      width: 260,
      height: { step: 18 },
      layer: [
        {
          mark: { type: "rule", color: "#777" },
          encoding: { y, x: x("p10"), x2: { field: "p90" } },
        },
        {
          mark: { type: "bar", height: 10, color: "#7fb4d6" },
          encoding: { y, x: x("q25"), x2: { field: "q75" } },
        },
        {
          mark: { type: "tick", thickness: 2, size: 14, color: "#08306b" },
          encoding: {
            y,
            x: x("median"),
            tooltip: [{ field: "remedy" }, { field: "median" }, { field: "seeds" }],
          },
        },
      ],
    },
    resolve: { scale: { x: "independent" } },
  } as unknown as Spec;
}

/**
 * The loss around the first resample event: median over seeds (line) and
 * quartiles (band) at the trace offsets (updates after the event, evenly
 * spaced; "before" is the loss just before it); one colour per remedy (ten
 * at most read apart), one panel per optimizer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { eventLossSpec } from "./plots_resampling.ts";
 * const rows = [-1, 0, 10].map((offset) => ({ remedy: "gap", optimizer: "sgd", n: 7, offset, median: 0.03, q25: 0.02, q75: 0.04, seeds: 10 }));
 * const spec = eventLossSpec(rows, { title: "t" });
 * assert.equal((spec as { data: { values: unknown[] } }).data.values.length, 3);
 * ```
 */
export function eventLossSpec(
  rows: EventLossRow[],
  options: { title: string; optimizers?: string[] },
): Spec {
  const x = {
    field: "offset",
    type: "ordinal",
    title: "updates after the first resample",
    sort: "ascending",
    axis: { labelAngle: 0, labelExpr: "datum.value == -1 ? 'before' : datum.label" },
  };
  const color = {
    field: "remedy",
    type: "nominal",
    title: "remedy",
    scale: { scheme: "tableau10" },
  };
  return {
    title: options.title,
    data: { values: rows },
    facet: byOptimizer(options.optimizers),
    spec: {
      width: 280,
      height: 220,
      layer: [
        {
          mark: { type: "area", opacity: 0.1 },
          encoding: {
            x,
            y: { field: "q25", type: "quantitative", scale: { type: "log" } },
            y2: { field: "q75" },
            color: { ...color, legend: null },
          },
        },
        {
          mark: { type: "line", point: { size: 14 }, strokeWidth: 1.5 },
          encoding: {
            x,
            y: { field: "median", type: "quantitative", title: "loss", scale: { type: "log" } },
            color,
            tooltip: [{ field: "remedy" }, { field: "offset" }, { field: "median" }, {
              field: "seeds",
            }],
          },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  } as unknown as Spec;
}

/**
 * The basin of a resampled column: the share of seeds that end all learnt
 * for each (norm, bias) the column was given, as a heatmap, with the
 * predicted boundary of escape drawn over it as dots (it may have several
 * branches; one panel per placement direction).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { basinSpec } from "./plots_resampling.ts";
 * const cells = [{ direction: "gap", norm_lo: 1, norm_hi: 1.1, bias_lo: 0, bias_hi: 0.1, all_learnt_fraction: 0.5 }];
 * const boundary = [{ direction: "gap", norm: 1, bias: -0.5 }];
 * const spec = basinSpec(cells, boundary, { title: "t" });
 * assert.equal((spec as { spec: { layer: unknown[] } }).spec.layer.length, 2);
 * ```
 */
export function basinSpec(
  cells: {
    direction: string;
    norm_lo: number;
    norm_hi: number;
    bias_lo: number;
    bias_hi: number;
    all_learnt_fraction: number;
  }[],
  boundary: { direction: string; norm: number; bias: number }[],
  options: { title: string },
): Spec {
  const values = [
    ...cells.map((c) => ({ ...c, layer: "cell" })),
    ...boundary.map((b) => ({ ...b, layer: "boundary" })),
  ];
  const xTitle = "norm of the resampled column";
  const yTitle = "bias of the resampled feature";
  return {
    title: options.title,
    data: { values },
    facet: { column: { field: "direction", type: "nominal", title: "direction" } },
    spec: {
      width: 300,
      height: 260,
      layer: [
        {
          transform: [{ filter: "datum.layer === 'cell'" }],
          mark: { type: "rect" },
          encoding: {
            x: { field: "norm_lo", type: "quantitative", title: xTitle },
            x2: { field: "norm_hi" },
            y: { field: "bias_lo", type: "quantitative", title: yTitle },
            y2: { field: "bias_hi" },
            color: {
              field: "all_learnt_fraction",
              type: "quantitative",
              title: "all learnt",
              scale: { scheme: "greens", domain: [0, 1] },
            },
          },
        },
        {
          transform: [{ filter: "datum.layer === 'boundary'" }],
          mark: { type: "point", shape: "circle", filled: true, size: 7, color: "#c4472b" },
          encoding: {
            x: { field: "norm", type: "quantitative", title: xTitle },
            y: { field: "bias", type: "quantitative", title: yTitle },
          },
        },
      ],
    },
  } as unknown as Spec;
}
