/**
 * Figures of `toy-sparse-regime`: the trained examples' hidden vectors for
 * chosen runs (the kind of figure the write-up quotes from Anthropic), how
 * many radius levels the runs have against T, and the angle at each interface
 * between levels against the radius ratio with arccos(ratio), the angle a
 * readout needs, drawn over it. Pure functions from rows to Vega-Lite specs.
 *
 * @module
 */
import type { Spec } from "../../core/plots/render.ts";
import { categoryScale, UNLEARNT_COLOR } from "../../core/plots/colors.ts";
import type { HiddenRow, InterfaceRow, SparseRunRow } from "./sparse_regime.ts";

/**
 * The hidden vectors of each shown run, one panel per T: a spoke from the
 * origin to each example, coloured by its radius level; a cross marks an
 * example no readout can select, a red ring one that was not learnt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hiddenVectorsSpec } from "./plots_sparse.ts";
 * const rows = [{ examples: 3, seed: 0, example: 0, h1: 1, h2: 0, level: 1, selectable: true, learnt: true }];
 * const spec = hiddenVectorsSpec(rows, { title: "t" }) as { facet: { field: string } };
 * assert.equal(spec.facet.field, "examples");
 * ```
 */
export function hiddenVectorsSpec(rows: HiddenRow[], options: { title: string }): Spec {
  // Level 1 is the outermost in every run, so the main circle has one colour across panels;
  // collapsed examples (at the origin) are grey.
  const top = Math.max(1, ...rows.map((r) => r.level));
  const levels = Array.from({ length: top }, (_, k) => String(k + 1));
  const data = rows.map((r) => ({ ...r, level: r.level === 0 ? "collapsed" : String(r.level) }));
  const palette = categoryScale(levels);
  const colour = { domain: [...palette.domain, "collapsed"], range: [...palette.range, "#999999"] };
  const x = { field: "h1", type: "quantitative", title: "h₁" } as const;
  const y = { field: "h2", type: "quantitative", title: "h₂" } as const;
  return {
    title: options.title,
    data: { values: data.flatMap((r) => [{ ...r, end: 0 }, { ...r, end: 1 }]) },
    facet: { field: "examples", type: "ordinal", title: "T (examples in the training set)" },
    columns: 3,
    resolve: { scale: { x: "independent", y: "independent" } },
    spec: {
      width: 200,
      height: 200,
      layer: [
        {
          // Spokes: the origin, then the point (two rows per example).
          transform: [{ calculate: "datum.end * datum.h1", as: "sx" }, {
            calculate: "datum.end * datum.h2",
            as: "sy",
          }],
          mark: { type: "line", strokeWidth: 1, opacity: 0.6 },
          encoding: {
            x: { ...x, field: "sx" },
            y: { ...y, field: "sy" },
            detail: { field: "example" },
            color: {
              field: "level",
              type: "nominal",
              title: "radius level",
              scale: colour,
            },
          },
        },
        {
          transform: [{ filter: "datum.end === 1" }],
          mark: { type: "point", filled: true, size: 60 },
          encoding: {
            x,
            y,
            color: { field: "level", type: "nominal", scale: colour },
            shape: {
              field: "selectable",
              type: "nominal",
              title: "selectable",
              scale: { domain: [true, false], range: ["circle", "cross"] },
            },
            tooltip: [
              { field: "example" },
              { field: "level" },
              { field: "selectable" },
              { field: "learnt" },
              { field: "h1", format: ".3f" },
              { field: "h2", format: ".3f" },
            ],
          },
        },
        {
          transform: [{ filter: "datum.end === 1 && !datum.learnt" }],
          mark: { type: "point", size: 220, color: UNLEARNT_COLOR, strokeWidth: 2 },
          encoding: { x, y },
        },
      ],
    },
  };
}

/**
 * How many runs have 1, 2 or 3+ radius levels at each T (stacked bars).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { levelCountsSpec } from "./plots_sparse.ts";
 * const spec = levelCountsSpec([{ examples: 3, radius_levels: 1 }, { examples: 3, radius_levels: 4 }], { title: "t" });
 * const values = (spec as { data: { values: { levels: string }[] } }).data.values;
 * assert.deepEqual(values.map((v) => v.levels), ["1", "3+"]);
 * ```
 */
export function levelCountsSpec(
  runs: Pick<SparseRunRow, "examples" | "radius_levels">[],
  options: { title: string },
): Spec {
  const order = ["1", "2", "3+"];
  const values = runs.filter((r) => r.radius_levels !== null).map((r) => ({
    examples: r.examples,
    levels: r.radius_levels! >= 3 ? "3+" : String(r.radius_levels),
  }));
  return {
    title: options.title,
    width: 460,
    height: 220,
    data: { values },
    mark: "bar",
    encoding: {
      x: { field: "examples", type: "ordinal", title: "T (examples in the training set)" },
      y: { aggregate: "count", type: "quantitative", title: "runs" },
      color: {
        field: "levels",
        type: "nominal",
        title: "radius levels",
        sort: order,
        scale: categoryScale(order),
      },
      order: { field: "levels", sort: "ascending" },
    },
  };
}

/**
 * The angle between adjacent examples on different levels against the ratio
 * of their radii, with arccos(ratio): the angle an inner example needs from
 * outer neighbours on both sides for a readout to select it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gapRatioSpec } from "./plots_sparse.ts";
 * const spec = gapRatioSpec([], { title: "t" }) as { layer: unknown[] };
 * assert.equal(spec.layer.length, 2);
 * ```
 */
export function gapRatioSpec(rows: InterfaceRow[], options: { title: string }): Spec {
  const curve = Array.from({ length: 101 }, (_, k) => {
    const ratio = k / 100;
    return { ratio, needed: (Math.acos(ratio) * 180) / Math.PI };
  });
  const x = {
    field: "ratio",
    type: "quantitative" as const,
    title: "inner radius / outer radius",
    scale: { domain: [0, 1] },
  };
  return {
    title: options.title,
    width: 460,
    height: 260,
    layer: [
      {
        data: { values: curve },
        mark: { type: "line", color: "#444", strokeDash: [4, 3] },
        encoding: {
          x,
          y: { field: "needed", type: "quantitative", title: "angle at the interface (°)" },
        },
      },
      {
        data: {
          values: rows.map((r) => ({
            ratio: r.ratio,
            gap: r.gapDeg,
            examples: r.examples,
            seed: r.seed,
            // The colour scale's domain: the legend's title says "inner example".
            selectable: r.inner_selectable ? "selectable" : "not selectable",
          })),
        },
        mark: { type: "point", filled: true, opacity: 0.7 },
        encoding: {
          x,
          y: { field: "gap", type: "quantitative" },
          color: {
            field: "selectable",
            type: "nominal",
            title: "inner example",
            scale: {
              domain: ["selectable", "not selectable"],
              range: ["#1f77b4", UNLEARNT_COLOR],
            },
          },
          tooltip: [{ field: "examples", title: "T" }, { field: "seed" }, {
            field: "ratio",
            format: ".3f",
          }, {
            field: "gap",
            format: ".1f",
          }],
        },
      },
    ],
  };
}

/**
 * Examples not learnt at each snapshot of every run, one line per run,
 * coloured by T, with the end of the warm-up marked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unlearntTimelineSpec } from "./plots_sparse.ts";
 * const spec = unlearntTimelineSpec([{ examples: 3, seed: 0, step: 0, unlearnt: 3 }], { title: "t", warmup: 10 });
 * assert.equal((spec as { layer: unknown[] }).layer.length, 2);
 * ```
 */
export function unlearntTimelineSpec(
  rows: { examples: number; seed: number; step: number; unlearnt: number }[],
  options: { title: string; warmup: number },
): Spec {
  return {
    title: options.title,
    width: 460,
    height: 240,
    layer: [
      {
        data: { values: rows.map((r) => ({ ...r, run: `T=${r.examples} seed ${r.seed}` })) },
        mark: { type: "line", interpolate: "step-after", opacity: 0.8 },
        encoding: {
          x: { field: "step", type: "quantitative", title: "step" },
          y: { field: "unlearnt", type: "quantitative", title: "examples not learnt" },
          color: { field: "examples", type: "ordinal", title: "T", scale: { scheme: "viridis" } },
          detail: { field: "run" },
          tooltip: [{ field: "run" }, { field: "step" }, { field: "unlearnt" }],
        },
      },
      {
        data: { values: [{ step: options.warmup }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#666" },
        encoding: { x: { field: "step", type: "quantitative" } },
      },
    ],
  };
}
