/**
 * Figures of the shallow-autoencoder study: the error over training against
 * PCA's levels, each unit's overlap with each principal component over time,
 * the weight norms (the rescaling phase), and how far each setting ends from
 * the PCA error. Pure functions of rows.
 *
 * @module
 */
import type { Spec } from "../../core/plots/render.ts";
import { featureScale } from "../../core/plots/colors.ts";
import {
  SERIES_MARKER,
  seriesChannels,
  seriesRows,
  staggeredMarkers,
} from "../../core/plots/series.ts";
import { maxOf, minOf } from "../../core/stats.ts";

/** A point of an error curve. */
export interface ErrorRow {
  step: number;
  error: number;
  /** Curve label (a setting, or weights/bias within an activation panel). */
  curve: string;
  /** Panel (e.g. the activation); one panel when absent. */
  panel?: string;
}

/** The PCA error with k components, for reference lines. */
export interface LevelRow {
  k: number;
  error: number;
}

const STEP_AXIS = {
  field: "step",
  type: "quantitative",
  title: "steps",
  scale: { type: "log", nice: false },
  axis: { format: "~s", tickCount: 4 },
};

/** Pixels kept between the middles of two PCA labels (their font is 9 px high). */
const LABEL_GAP = 11;

/**
 * The height (in data units) to write each level's label at: its level,
 * moved down just enough that no two labels overlap, for levels of
 * neighbouring k can lie closer together than a line of text (and up where
 * that would take a label below the plot).
 */
function labelHeights(errors: number[], domain: [number, number], height: number): number[] {
  const perPixel = (domain[1] - domain[0]) / height;
  const order = errors.map((_, i) => i).sort((a, b) => errors[b] - errors[a]);
  const placed = [...errors];
  const gap = LABEL_GAP * perPixel;
  for (let r = 1; r < order.length; r++) {
    placed[order[r]] = Math.min(errors[order[r]], placed[order[r - 1]] - gap);
  }
  // Labels pushed below the plot's bottom go back up, pushing those above them up in turn.
  if (order.length) placed[order.at(-1)!] = Math.max(placed[order.at(-1)!], domain[0]);
  for (let r = order.length - 2; r >= 0; r--) {
    placed[order[r]] = Math.max(placed[order[r]], placed[order[r + 1]] + gap);
  }
  return placed;
}

/**
 * PCA's error levels as dashed rules across the panel (drawn first, under
 * the curves), and their labels PCA(k) just outside its right edge, where no
 * curve runs (drawn last).
 */
function levelLayers(
  levels: LevelRow[],
  panel: { width: number; height: number; domain: [number, number] },
) {
  const shown = levels.filter((l) => l.error >= panel.domain[0] && l.error <= panel.domain[1]);
  const at = labelHeights(shown.map((l) => l.error), panel.domain, panel.height);
  return {
    rules: {
      data: { values: levels },
      mark: { type: "rule", strokeDash: [4, 3], color: "#888", strokeWidth: 1, clip: true },
      encoding: { y: { field: "error", type: "quantitative" } },
    },
    labels: {
      data: { values: shown.map((l, i) => ({ label: `PCA(${l.k})`, at: at[i] })) },
      mark: {
        type: "text",
        align: "left",
        baseline: "middle",
        fontSize: 9,
        color: "#555",
        x: panel.width + 4,
      },
      encoding: { y: { field: "at", type: "quantitative" }, text: { field: "label" } },
    },
  };
}

/**
 * Error over steps, one line per curve, with PCA's error for 0 … K
 * components as dashed rules labelled PCA(k) at the right; a panel per
 * `panel` value (two to a row) when rows carry one. Curves that coincide (a
 * bias that stays at zero trains like no bias) stay visible: each curve is
 * drawn narrower than the one before, on top of it, and carries markers of
 * its own shape where no other curve has one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorTimelineSpec } from "./plots.ts";
 * const rows = ["none", "both"].flatMap((curve) =>
 *   [1, 10, 100].map((step) => ({ step, error: 2 / step, curve }))
 * );
 * const levels = [{ k: 0, error: 2 }, { k: 1, error: 0.5 }];
 * const spec = errorTimelineSpec(rows, levels, { title: "Error" }) as unknown as {
 *   concat: { layer: { mark: { type: string } }[] }[];
 * };
 * const marks = spec.concat[0].layer.map((l) => l.mark.type);
 * assert.deepEqual(marks, ["rule", "line", "point", "text"]);
 * ```
 */
export function errorTimelineSpec(
  rows: ErrorRow[],
  levels: LevelRow[],
  options: { title: string; subtitle?: string; yMax?: number; curveTitle?: string },
): Spec {
  const curves = [...new Set(rows.map((r) => r.curve))];
  const panels = [...new Set(rows.map((r) => r.panel ?? ""))];
  const finite = rows.filter((r) => Number.isFinite(r.error));
  const lo = Math.min(minOf(levels.map((l) => l.error)), minOf(finite.map((r) => r.error)));
  const hi = options.yMax ??
    Math.max(maxOf(levels.map((l) => l.error)), maxOf(finite.map((r) => r.error)));
  const pad = 0.03 * (hi - lo);
  const domain: [number, number] = [lo - pad, hi + pad];
  const many = panels.length > 1;
  const size = { width: many ? 230 : 460, height: many ? 150 : 220 };
  const channels = seriesChannels("curve", curves, {
    title: options.curveTitle ?? (many ? "curve" : "setting"),
  });
  const x = {
    field: "step",
    type: "quantitative",
    title: "SGD steps (one fresh sample each)",
    scale: { type: "log", nice: false },
    axis: { format: "~s" },
  };
  const y = {
    field: "error",
    type: "quantitative",
    title: "error per coordinate",
    scale: { domain, zero: false },
  };
  const level = levelLayers(levels, { ...size, domain });
  const panel = (name: string) => {
    const own = seriesRows(
      finite.filter((r) => (r.panel ?? "") === name),
      (r) => r.curve,
      curves,
    );
    // Markers above the top of the axis would be clipped: spread them over what is drawn.
    const markers = staggeredMarkers(own.filter((r) => r.error <= domain[1]), {
      series: (r) => r.curve,
      domain: curves,
      x: (r) => r.step,
    });
    return {
      title: name || undefined,
      ...size,
      layer: [
        level.rules,
        {
          data: { values: own },
          mark: { type: "line", clip: true },
          encoding: { x, y, color: channels.color, strokeWidth: channels.strokeWidth },
        },
        {
          data: { values: markers },
          mark: SERIES_MARKER,
          encoding: { x, y, color: channels.color, shape: channels.shape },
        },
        level.labels,
      ],
    };
  };
  return {
    title: { text: options.title, subtitle: options.subtitle ?? "" },
    concat: panels.map(panel),
    columns: 2,
    spacing: { column: 40, row: 24 },
  } as unknown as Spec;
}

/** A unit's overlap with a principal component at a step. */
export interface OverlapRow {
  setting: string;
  step: number;
  unit: number;
  component: number;
  /** cos(wₖ, uᵣ). */
  overlap: number;
}

/**
 * |cos(wₖ, uᵣ)| over steps: a row of panels per setting, a panel per unit,
 * a line per principal component.
 */
export function overlapSpec(
  rows: OverlapRow[],
  options: { title: string; subtitle?: string },
): Spec {
  const components = maxOf(rows.map((r) => r.component));
  const data = rows.map((r) => ({ ...r, abs: Math.abs(r.overlap), unitLabel: `unit ${r.unit}` }));
  return {
    title: { text: options.title, subtitle: options.subtitle ?? "" },
    data: { values: data },
    facet: {
      row: {
        field: "setting",
        type: "nominal",
        title: null,
        header: { labelAngle: 0, labelAlign: "left" },
      },
      column: { field: "unitLabel", type: "nominal", title: null },
    },
    spec: {
      width: 150,
      height: 90,
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: {
        x: STEP_AXIS,
        y: {
          field: "abs",
          type: "quantitative",
          title: "|cos(wₖ, PC r)|",
          scale: { domain: [0, 1] },
        },
        color: {
          field: "component",
          type: "ordinal",
          title: "PC r",
          scale: featureScale(components),
        },
      },
    },
    resolve: { scale: { x: "shared" } },
  } as unknown as Spec;
}

/** A unit's weight norms at a step. */
export interface NormRow {
  setting: string;
  step: number;
  unit: number;
  /** "‖wₖ‖/√D" or "‖vₖ‖". */
  which: string;
  norm: number;
}

/** Encoder and decoder norms over steps, a panel per setting. */
export function normSpec(rows: NormRow[], options: { title: string; subtitle?: string }): Spec {
  const units = maxOf(rows.map((r) => r.unit));
  return {
    title: { text: options.title, subtitle: options.subtitle ?? "" },
    data: { values: rows.filter((r) => Number.isFinite(r.norm)) },
    facet: { column: { field: "setting", type: "nominal", title: null } },
    spec: {
      width: 170,
      height: 140,
      mark: { type: "line", strokeWidth: 1.4 },
      encoding: {
        x: STEP_AXIS,
        y: { field: "norm", type: "quantitative", title: "norm" },
        color: { field: "unit", type: "ordinal", title: "unit k", scale: featureScale(units) },
        strokeDash: { field: "which", type: "nominal", title: "weights" },
      },
    },
    resolve: { scale: { y: "independent" } },
  } as unknown as Spec;
}

/** One instance's distance from the PCA error. */
export interface GapRow {
  setting: string;
  seed: number;
  /** (error − PCA(K)) / (PCA(K−1) − PCA(K)). */
  gap: number;
  reached: boolean;
}

/**
 * Where every trained instance ends relative to PCA: 0 is the PCA error with
 * K components, 1 the PCA error with K − 1; the tolerance is a vertical rule.
 */
export function gapSpec(
  rows: GapRow[],
  options: { title: string; subtitle?: string; tolerance: number; order: string[] },
): Spec {
  const finite = rows.filter((r) => Number.isFinite(r.gap));
  const hi = Math.min(6, Math.max(2, maxOf(finite.map((r) => Math.ceil(r.gap * 2 + 0.4) / 2))));
  const data = finite.map((r) => ({
    ...r,
    outcome: r.reached ? "reaches PCA" : "does not",
    shown: Math.max(-0.5, Math.min(r.gap, hi)),
  }));
  return {
    title: { text: options.title, subtitle: options.subtitle ?? "" },
    width: 420,
    height: { step: 14 },
    layer: [
      {
        data: { values: [{ x: 0 }, { x: 1 }] },
        mark: { type: "rule", color: "#bbb" },
        encoding: { x: { field: "x", type: "quantitative" } },
      },
      {
        data: { values: [{ x: options.tolerance }] },
        mark: { type: "rule", color: "#4c9a2a", strokeDash: [4, 3] },
        encoding: { x: { field: "x", type: "quantitative" } },
      },
      {
        data: { values: data },
        mark: { type: "point", filled: true, size: 40, opacity: 0.8 },
        encoding: {
          y: { field: "setting", type: "nominal", sort: options.order, title: null },
          x: {
            field: "shown",
            type: "quantitative",
            title:
              `held-out error − PCA(K), in units of PCA(K−1) − PCA(K) (clipped to [−0.5, ${hi}])`,
            scale: { domain: [-0.5, hi] },
          },
          color: {
            field: "outcome",
            type: "nominal",
            title: null,
            scale: { domain: ["reaches PCA", "does not"], range: ["#4c9a2a", "#c4472b"] },
          },
          tooltip: [
            { field: "setting" },
            { field: "seed" },
            { field: "gap", format: ".3f" },
          ],
        },
      },
    ],
  } as unknown as Spec;
}

/** How much of a principal direction the encoder's (or decoder's) span holds at a step. */
export interface CaptureRow {
  setting: string;
  step: number;
  component: number;
  /** ‖P uᵣ‖², P the projection onto the span. */
  share: number;
}

/**
 * ‖P uᵣ‖² over steps: a panel per setting, a line per principal component
 * (`yTitle` names the span: ‖P_W uᵣ‖², the encoder's, by default).
 */
export function captureSpec(
  rows: CaptureRow[],
  options: { title: string; subtitle?: string; yTitle?: string },
): Spec {
  const components = maxOf(rows.map((r) => r.component));
  return {
    title: { text: options.title, subtitle: options.subtitle ?? "" },
    data: { values: rows.filter((r) => Number.isFinite(r.share)) },
    facet: { field: "setting", type: "nominal", title: null },
    columns: 3,
    spec: {
      width: 170,
      height: 110,
      mark: { type: "line", strokeWidth: 1.6 },
      encoding: {
        x: STEP_AXIS,
        y: {
          field: "share",
          type: "quantitative",
          title: options.yTitle ?? "‖P_W uᵣ‖²",
          scale: { domain: [0, 1] },
        },
        color: {
          field: "component",
          type: "ordinal",
          title: "PC r",
          scale: featureScale(components),
        },
      },
    },
  } as unknown as Spec;
}
