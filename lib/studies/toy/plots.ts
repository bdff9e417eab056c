/**
 * Figures of the toy ReLU autoencoder study (“Optimization Failure”): feature vectors with
 * the latent polygon, latent zones, WᵀW, biases, training progress and
 * outcome fractions over training. Each function maps plain rows to a
 * Vega-Lite spec; none trains or reads tensors.
 *
 * @module
 */
import type { FeatureRow, LatentZone, Point } from "./geometry.ts";
import type { ProgressRow } from "./analysis.ts";
import { featureScale, OUTCOME_COLORS } from "../../core/plots/colors.ts";
import type { Spec } from "../../core/plots/render.ts";
import { maxOf } from "../../core/stats.ts";
import { UNLEARNT_NORM } from "./outcomes.ts";
import { ON_TICKS } from "../../core/plots/axes.ts";

const LATENT_SIZE = 300;

function latentExtent(points: Point[]): number {
  let r = 0;
  for (const [x, y] of points) r = Math.max(r, Math.abs(x), Math.abs(y));
  return r > 0 ? r * 1.15 : 1;
}

function latentAxes(extent: number) {
  const scale = { domain: [-extent, extent], nice: false, zero: false };
  return {
    x: { field: "x", type: "quantitative" as const, scale, title: "latent x" },
    y: { field: "y", type: "quantitative" as const, scale, title: "latent y" },
  };
}

function polygonLayer(polygon: { feature: number; point: Point }[]) {
  return {
    data: { values: polygon.map((v, k) => ({ order: k, x: v.point[0], y: v.point[1] })) },
    mark: {
      type: "line" as const,
      interpolate: "linear-closed" as const,
      color: "#555",
      strokeDash: [4, 3],
      strokeWidth: 1,
    },
    encoding: { order: { field: "order", type: "quantitative" as const } },
  };
}

/**
 * The features of `rows` whose column is shorter than {@link UNLEARNT_NORM}:
 * unlearnt, the subject of a failure figure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricFailure } from "./closed_forms.ts";
 * import { featureRows } from "./geometry.ts";
 * import { unlearntFeatures } from "./plots.ts";
 * const { W, b } = symmetricFailure(7, { unlearnt: 2 });
 * assert.deepEqual(unlearntFeatures(featureRows(W, b)), [3]);
 * ```
 */
export function unlearntFeatures(rows: { feature: number; norm: number }[]): number[] {
  return rows.filter((r) => r.norm < UNLEARNT_NORM).map((r) => r.feature);
}

/**
 * The colour channel of features 1 … n: each in its colour, the unlearnt in
 * red and named so in the legend.
 */
function featureColorChannel(n: number, unlearnt: number[]) {
  const labels = unlearnt.length
    ? {
      labelExpr:
        `indexof([${unlearnt}], +datum.value) >= 0 ? datum.label + " unlearnt" : datum.label`,
    }
    : {};
  return {
    field: "feature",
    type: "nominal" as const,
    scale: featureScale(n, { unlearnt }),
    legend: { title: "feature", ...labels },
  };
}

/** A mark property that is `unlearnt` for the unlearnt features' marks and `other` for the rest. */
function ifUnlearnt(unlearnt: number, other: number) {
  return { condition: { test: "datum.unlearnt", value: unlearnt }, value: other };
}

/** `rows` with an `unlearnt` flag, the unlearnt last so that their marks are drawn on top. */
function unlearntLast<T extends { feature: number }>(
  rows: T[],
  unlearnt: number[],
): (T & { unlearnt: boolean })[] {
  const flagged = rows.map((r) => ({ ...r, unlearnt: unlearnt.includes(r.feature) }));
  return [...flagged.filter((r) => !r.unlearnt), ...flagged.filter((r) => r.unlearnt)];
}

function vectorLayers(rows: FeatureRow[]) {
  const n = rows.length;
  const unlearnt = unlearntFeatures(rows);
  const color = featureColorChannel(n, unlearnt);
  const data = { values: unlearntLast(rows, unlearnt).map((r) => ({ ...r, x0: 0, y0: 0 })) };
  // The unlearnt columns all sit near the origin: one bold label names them together.
  const lost = data.values.filter((r) => r.unlearnt);
  const labels = [
    ...data.values.filter((r) => !r.unlearnt).map((r) => ({ ...r, label: `W${r.feature}` })),
    ...(lost.length
      ? [{
        ...lost[0],
        x: lost.reduce((s, r) => s + r.x, 0) / lost.length,
        y: lost.reduce((s, r) => s + r.y, 0) / lost.length,
        label: `${lost.map((r) => `W${r.feature}`).join(", ")} unlearnt`,
      }]
      : []),
  ];
  return [
    {
      data,
      mark: { type: "rule" as const },
      encoding: {
        x: { field: "x0", type: "quantitative" as const },
        y: { field: "y0", type: "quantitative" as const },
        x2: { field: "x" },
        y2: { field: "y" },
        color,
        strokeWidth: ifUnlearnt(4, 2.5),
      },
    },
    {
      data,
      mark: { type: "point" as const, filled: true, stroke: "#222", opacity: 1 },
      encoding: {
        color,
        size: ifUnlearnt(170, 50),
        strokeWidth: ifUnlearnt(1.5, 0.5),
        tooltip: [
          { field: "feature", type: "nominal" as const },
          { field: "norm", type: "quantitative" as const, format: ".3f" },
          { field: "angle", type: "quantitative" as const, format: ".1f", title: "angle (deg)" },
          { field: "bias", type: "quantitative" as const, format: ".3f" },
        ],
      },
    },
    ...[false, true].map((bold) => ({
      data: { values: labels },
      transform: [{ filter: bold ? "datum.unlearnt" : "!datum.unlearnt" }],
      mark: bold
        ? {
          type: "text" as const,
          dx: 10,
          dy: -10,
          align: "left" as const,
          fontSize: 12,
          fontWeight: "bold" as const,
        }
        : { type: "text" as const, dx: 9, dy: -7, fontSize: 11 },
      encoding: { text: { field: "label" }, color },
    })),
  ];
}

/**
 * The columns of W as arrows from the origin, with the latent polygon (m = 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { regularPolygon } from "./closed_forms.ts";
 * import { featureRows, latentPolygon } from "./geometry.ts";
 * import { featureVectorsSpec } from "./plots.ts";
 * const { W, b } = regularPolygon(5);
 * const spec = featureVectorsSpec(featureRows(W, b), latentPolygon(W), { title: "Regular pentagon" });
 * assert.equal(spec.title, "Regular pentagon");
 * ```
 */
export function featureVectorsSpec(
  rows: FeatureRow[],
  polygon: { feature: number; point: Point }[],
  options: { title: string },
): Spec {
  const extent = latentExtent(rows.map((r) => [r.x, r.y]));
  return {
    title: options.title,
    width: LATENT_SIZE,
    height: LATENT_SIZE,
    encoding: latentAxes(extent),
    layer: [polygonLayer(polygon), ...vectorLayers(rows)],
  } as Spec;
}

/**
 * Latent zones: each feature's zone shaded in its colour over the latent
 * polygon, with the feature vectors on top. A feature whose zone is the
 * whole polygon is active everywhere (e.g. an unlearnt feature with bᵢ > 0):
 * an unlearnt feature's zone is outlined thickly in red and only faintly
 * filled, so that it marks the polygon without hiding the other zones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricFailure } from "./closed_forms.ts";
 * import { featureRows, latentPolygon, latentZones } from "./geometry.ts";
 * import { latentZonesSpec } from "./plots.ts";
 * const { W, b } = symmetricFailure(7);
 * const spec = latentZonesSpec(latentZones(W, b), featureRows(W, b), latentPolygon(W), {
 *   title: "Symmetric Failure",
 * });
 * assert.equal(spec.title, "Symmetric Failure");
 * ```
 */
export function latentZonesSpec(
  zones: LatentZone[],
  rows: FeatureRow[],
  polygon: { feature: number; point: Point }[],
  options: { title: string },
): Spec {
  const n = rows.length;
  const unlearnt = unlearntFeatures(rows);
  const color = featureColorChannel(n, unlearnt);
  const extent = latentExtent(rows.map((r) => [r.x, r.y]));
  const zoneRows = unlearntLast(zones, unlearnt).flatMap((z) =>
    z.polygon.map((p, k) => ({
      feature: z.feature,
      unlearnt: z.unlearnt,
      order: k,
      x: p[0],
      y: p[1],
      share: z.fraction,
    }))
  );
  return {
    title: options.title,
    width: LATENT_SIZE,
    height: LATENT_SIZE,
    encoding: latentAxes(extent),
    layer: [
      {
        data: { values: zoneRows },
        mark: { type: "line", interpolate: "linear-closed", strokeOpacity: 0.9 },
        encoding: {
          order: { field: "order", type: "quantitative" },
          detail: { field: "feature", type: "nominal" },
          color,
          fill: color,
          fillOpacity: ifUnlearnt(0.1, 0.3),
          strokeWidth: ifUnlearnt(3, 0.8),
        },
      },
      polygonLayer(polygon),
      ...vectorLayers(rows),
    ],
  } as Spec;
}

/**
 * Heatmap of WᵀW with its values written in the cells (n ≤ 16).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gram } from "./geometry.ts";
 * import { gramHeatmapSpec } from "./plots.ts";
 * const spec = gramHeatmapSpec(gram([[1, 0, -1], [0, 1, 0]]), { title: "WᵀW" });
 * assert.equal(spec.title, "WᵀW");
 * ```
 */
export function gramHeatmapSpec(gram: number[][], options: { title: string }): Spec {
  const n = gram.length;
  const values = gram.flatMap((row, i) =>
    row.map((value, j) => ({ row: i + 1, col: j + 1, value }))
  );
  const limit = Math.max(1e-12, maxOf(values.map((v) => Math.abs(v.value))));
  const cell = Math.max(18, Math.min(40, Math.floor(320 / n)));
  const layers: unknown[] = [
    {
      mark: { type: "rect" },
      encoding: {
        color: {
          field: "value",
          type: "quantitative",
          scale: { scheme: "redblue", reverse: true, domain: [-limit, limit] },
          legend: { title: "Wᵢ·Wⱼ" },
        },
        tooltip: [
          { field: "row", type: "ordinal", title: "i" },
          { field: "col", type: "ordinal", title: "j" },
          { field: "value", type: "quantitative", format: ".4f" },
        ],
      },
    },
  ];
  if (n <= 16) {
    layers.push({
      mark: { type: "text", fontSize: 9 },
      encoding: { text: { field: "value", type: "quantitative", format: ".2f" } },
    });
  }
  return {
    title: options.title,
    data: { values },
    width: cell * n,
    height: cell * n,
    encoding: {
      x: { field: "col", type: "ordinal", title: "feature j", axis: { orient: "top" } },
      y: { field: "row", type: "ordinal", title: "feature i" },
    },
    layer: layers,
  } as Spec;
}

/** Bar chart of the biases bᵢ, with reference lines at 0 and 1/n (unlearnt features in red). */
export function biasesSpec(rows: FeatureRow[], options: { title: string }): Spec {
  const n = rows.length;
  const unlearnt = unlearntFeatures(rows);
  return {
    title: options.title,
    width: Math.max(160, 28 * n),
    height: 200,
    layer: [
      {
        data: { values: rows },
        mark: { type: "bar" },
        encoding: {
          x: { field: "feature", type: "ordinal" },
          y: { field: "bias", type: "quantitative", title: "bias bᵢ", ...ON_TICKS },
          color: { ...featureColorChannel(n, unlearnt), legend: null },
          tooltip: [
            { field: "feature", type: "nominal" },
            { field: "bias", type: "quantitative", format: ".4f" },
          ],
        },
      },
      {
        data: { values: [{ y: 1 / n, label: "1/n" }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
      {
        data: { values: [{ y: 1 / n, label: "1/n" }] },
        mark: { type: "text", align: "left", dx: 3, dy: -6, x: 0, fontSize: 10 },
        encoding: { y: { field: "y", type: "quantitative" }, text: { field: "label" } },
      },
    ],
  } as Spec;
}

/**
 * Training progress of one instance: feature norms and biases over steps,
 * and the loss on a log axis; the features in `unlearnt` (those unlearnt in
 * the state the figure's title names) drawn thick and red.
 */
export function trainingProgressSpec(
  rows: ProgressRow[],
  lossRows: { step: number; loss: number }[],
  options: { title: string; n: number; width?: number; unlearnt?: number[] },
): Spec {
  const width = options.width ?? 420;
  const unlearnt = options.unlearnt ?? [];
  const color = featureColorChannel(options.n, unlearnt);
  const strokeWidth = ifUnlearnt(3, 1.5);
  const flagged = unlearntLast(rows, unlearnt);
  const step = { field: "step", type: "quantitative", title: "step" };
  return {
    title: options.title,
    vconcat: [
      {
        data: { values: flagged },
        width,
        height: 130,
        mark: { type: "line" },
        encoding: {
          x: step,
          y: { field: "norm", type: "quantitative", title: "‖Wᵢ‖" },
          color,
          strokeWidth,
        },
      },
      {
        data: { values: flagged },
        width,
        height: 130,
        mark: { type: "line" },
        encoding: {
          x: step,
          y: { field: "bias", type: "quantitative", title: "bᵢ" },
          color,
          strokeWidth,
        },
      },
      {
        data: { values: lossRows.filter((r) => r.loss > 0 && Number.isFinite(r.loss)) },
        width,
        height: 130,
        mark: { type: "line", color: "#333", strokeWidth: 1.5 },
        encoding: {
          x: step,
          y: { field: "loss", type: "quantitative", scale: { type: "log" }, title: "loss (log)" },
        },
      },
    ],
  } as Spec;
}

/** Loss curves of several instances on a log axis, coloured by a label (e.g. the final outcome). */
export function lossCurvesSpec(
  rows: { step: number; seed: number; loss: number; label: string }[],
  options: { title: string },
): Spec {
  const labels = [...new Set(rows.map((r) => r.label))];
  return {
    title: options.title,
    data: { values: rows.filter((r) => r.loss > 0 && Number.isFinite(r.loss)) },
    width: 480,
    height: 260,
    mark: { type: "line", strokeWidth: 1, opacity: 0.7 },
    encoding: {
      x: { field: "step", type: "quantitative" },
      y: { field: "loss", type: "quantitative", scale: { type: "log" }, title: "loss (log)" },
      detail: { field: "seed", type: "nominal" },
      color: {
        field: "label",
        type: "nominal",
        title: "final outcome",
        scale: { domain: labels, range: labels.map((l) => OUTCOME_COLORS[l] ?? "#888") },
      },
      tooltip: [{ field: "seed", type: "nominal" }, { field: "label", type: "nominal" }],
    },
  } as Spec;
}

/**
 * The stacked-area unit of a state-fractions figure: rows `{step, outcome,
 * fraction}` with `rank` (the position of `outcome` in `colors`), one colour
 * per state in the order of `colors`. Shared by every figure of states over
 * training.
 */
export function stateAreaUnit(
  outcomes: readonly string[],
  colors: Record<string, string>,
  size: { width: number; height: number; yTitle?: string },
) {
  const order = Object.keys(colors);
  const present = order.filter((o) => outcomes.includes(o));
  return {
    width: size.width,
    height: size.height,
    mark: { type: "area" as const, interpolate: "step-after" as const },
    encoding: {
      x: { field: "step", type: "quantitative" as const, title: "step" },
      y: {
        field: "fraction",
        type: "quantitative" as const,
        stack: "zero" as const,
        scale: { domain: [0, 1] },
        title: size.yTitle ?? "fraction of seeds",
      },
      color: {
        field: "outcome",
        type: "nominal" as const,
        title: "state",
        scale: { domain: present, range: present.map((o) => colors[o]) },
      },
      order: { field: "rank", type: "quantitative" as const },
      tooltip: [
        { field: "step", type: "quantitative" as const },
        { field: "outcome", type: "nominal" as const, title: "state" },
        { field: "fraction", type: "quantitative" as const, format: ".3f" },
      ],
    },
  };
}

/** Adds the `rank` field {@link stateAreaUnit} orders the stack by. */
export function rankedStates<T extends { outcome: string }>(
  rows: T[],
  colors: Record<string, string>,
): (T & { rank: number })[] {
  const order = Object.keys(colors);
  return rows.map((r) => ({ ...r, rank: order.indexOf(r.outcome) }));
}

/** Fraction of instances in each state over training steps (stacked to 1). */
export function outcomeFractionsSpec(
  rows: { step: number; outcome: string; fraction: number }[],
  options: { title: string; colors?: Record<string, string> },
): Spec {
  const colors = options.colors ?? OUTCOME_COLORS;
  return {
    title: options.title,
    data: { values: rankedStates(rows, colors) },
    ...stateAreaUnit(rows.map((r) => r.outcome), colors, { width: 480, height: 240 }),
  } as Spec;
}

/** Histogram of log10(final loss) over seeds, stacked by outcome. */
export function finalLossHistogramSpec(
  rows: { log10_loss: number; outcome: string }[],
  options: { title: string; reference?: { value: number; label: string } },
): Spec {
  const order = Object.keys(OUTCOME_COLORS);
  const present = order.filter((o) => rows.some((r) => r.outcome === o));
  const layers: unknown[] = [
    {
      data: { values: rows.filter((r) => Number.isFinite(r.log10_loss)) },
      mark: { type: "bar" },
      encoding: {
        x: {
          field: "log10_loss",
          type: "quantitative",
          bin: { maxbins: 40 },
          title: "log10(final loss)",
        },
        y: { aggregate: "count", type: "quantitative", title: "seeds", ...ON_TICKS },
        color: {
          field: "outcome",
          type: "nominal",
          scale: { domain: present, range: present.map((o) => OUTCOME_COLORS[o]) },
        },
      },
    },
  ];
  if (options.reference) {
    const ref = [{ x: Math.log10(options.reference.value), label: options.reference.label }];
    layers.push(
      {
        data: { values: ref },
        mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
        encoding: { x: { field: "x", type: "quantitative" } },
      },
      {
        data: { values: ref },
        mark: { type: "text", align: "right", dx: -4, y: 8, fontSize: 10 },
        encoding: { x: { field: "x", type: "quantitative" }, text: { field: "label" } },
      },
    );
  }
  return { title: options.title, width: 480, height: 220, layer: layers } as Spec;
}
