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

const CURVE_COLORS = [
  "#1b6ca8",
  "#c4472b",
  "#4c9a2a",
  "#8e6bb5",
  "#e08a1e",
  "#222222",
  "#2aa198",
  "#b8860b",
];

function levelLayers(levels: LevelRow[], width: number) {
  const rows = levels.map((l) => ({ ...l, label: `PCA, ${l.k} comp.` }));
  return [
    {
      data: { values: rows },
      mark: { type: "rule", strokeDash: [4, 3], color: "#888", strokeWidth: 1 },
      encoding: { y: { field: "error", type: "quantitative" } },
    },
    {
      data: { values: rows },
      mark: { type: "text", align: "right", dx: -2, dy: -5, fontSize: 9, color: "#666" },
      encoding: {
        y: { field: "error", type: "quantitative" },
        x: { value: width - 2 },
        text: { field: "label" },
      },
    },
  ];
}

/**
 * Error over steps, one line per curve, with PCA's error for 0 … K
 * components as dashed lines; panels side by side when rows carry `panel`.
 */
export function errorTimelineSpec(
  rows: ErrorRow[],
  levels: LevelRow[],
  options: { title: string; subtitle?: string; yMax?: number },
): Spec {
  const curves = [...new Set(rows.map((r) => r.curve))];
  const panels = [...new Set(rows.map((r) => r.panel ?? ""))];
  const finite = rows.filter((r) => Number.isFinite(r.error));
  const lo = Math.min(minOf(levels.map((l) => l.error)), minOf(finite.map((r) => r.error)));
  const hi = options.yMax ??
    Math.max(maxOf(levels.map((l) => l.error)), maxOf(finite.map((r) => r.error)));
  const pad = 0.03 * (hi - lo);
  const width = panels.length > 1 ? 210 : 460;
  const panel = (name: string) => ({
    title: name || undefined,
    width,
    height: 220,
    layer: [
      {
        data: { values: finite.filter((r) => (r.panel ?? "") === name) },
        mark: { type: "line", strokeWidth: 1.6, clip: true },
        encoding: {
          x: {
            field: "step",
            type: "quantitative",
            title: "SGD steps (one fresh sample each)",
            scale: { type: "log", nice: false },
            axis: { format: "~s" },
          },
          y: {
            field: "error",
            type: "quantitative",
            title: "error per coordinate",
            scale: { domain: [lo - pad, hi + pad], zero: false },
          },
          color: {
            field: "curve",
            type: "nominal",
            title: panels.length > 1 ? "weights / bias" : "setting",
            scale: { domain: curves, range: CURVE_COLORS },
          },
        },
      },
      ...levelLayers(levels, width),
    ],
  });
  return {
    title: { text: options.title, subtitle: options.subtitle ?? "" },
    concat: panels.map(panel),
    columns: 2,
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
