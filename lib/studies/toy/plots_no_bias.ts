/**
 * Figures of the toy autoencoder without a bias, y = ReLU(WᵀWx) (the no-bias aside,
 * "Trying to compress even more vectors without b"): the n-cube projected
 * by W, the spread of adjacent angles and norms over seeds, the loss of two
 * unit features against their angle, the norm trade-off of the regular
 * polygon, and the state of every seed over training. Each function maps
 * plain rows to a Vega-Lite spec; none trains or reads tensors.
 *
 * @module
 */
import type { CubeEdgeRow, CubeVertexRow } from "./no_bias.ts";
import { outcomeFractionsSpec } from "./plots.ts";
import { featureScale } from "../../core/plots/colors.ts";
import type { Spec } from "../../core/plots/render.ts";
import { maxOf, minOf } from "../../core/stats.ts";
import { ON_TICKS } from "../../core/plots/axes.ts";

/** State colours of the no-bias study (shared with the toy study's palette). */
export const NO_BIAS_STATE_COLORS: Record<string, string> = {
  "all learnt": "#4c9a2a",
  "shared direction": "#e08a1e",
  "collapsed": "#c4472b",
  "other": "#9aa5b1",
  "diverged": "#222222",
};

function stateScale(states: string[]) {
  const order = Object.keys(NO_BIAS_STATE_COLORS);
  const present = order.filter((s) => states.includes(s));
  return { domain: present, range: present.map((s) => NO_BIAS_STATE_COLORS[s]) };
}

/**
 * The n-cube {0,1}ⁿ projected into the latent plane by W: every edge as a
 * segment in the colour of the feature it moves along (so each edge is a
 * translate of that feature's column), the n edges leaving the origin (the
 * columns Wᵢ themselves) drawn thicker, and the 2ⁿ vertices as dots.
 */
export function hypercubeSpec(
  vertices: CubeVertexRow[],
  edges: CubeEdgeRow[],
  options: { title: string | string[]; n: number },
): Spec {
  let extent = 0;
  for (const v of vertices) extent = Math.max(extent, Math.abs(v.x), Math.abs(v.y));
  extent = extent > 0 ? extent * 1.08 : 1;
  const scale = { domain: [-extent, extent], nice: false, zero: false };
  const color = {
    field: "feature",
    type: "nominal",
    scale: featureScale(options.n),
    legend: { title: "edge along feature" },
  };
  return {
    title: options.title,
    width: 380,
    height: 380,
    encoding: {
      x: { field: "x", type: "quantitative", scale, title: "latent x" },
      y: { field: "y", type: "quantitative", scale, title: "latent y" },
    },
    layer: [
      ...[false, true].map((column) => ({
        data: { values: edges.filter((e) => (e.from === 0) === column) },
        mark: { type: "rule", strokeCap: "round", strokeWidth: column ? 4 : 1.6 },
        encoding: {
          x2: { field: "x2" },
          y2: { field: "y2" },
          color,
          tooltip: [
            { field: "feature", type: "nominal" },
            { field: "from", type: "quantitative", title: "from corner" },
            { field: "to", type: "quantitative", title: "to corner" },
          ],
        },
      })),
      {
        data: { values: vertices },
        mark: { type: "circle", size: 22, color: "#222", opacity: 0.9 },
        encoding: {
          tooltip: [
            { field: "bits", type: "nominal", title: "corner v" },
            { field: "weight", type: "quantitative", title: "features on" },
            { field: "x", type: "quantitative", format: ".3f" },
            { field: "y", type: "quantitative", format: ".3f" },
          ],
        },
      },
    ],
  } as Spec;
}

/**
 * The spread of the learnt arrangement over seeds, in three panels: every
 * adjacent angle of every seed (coloured by the write-up's final state), the
 * deviation of each adjacent angle from 360°/n over the seeds that learnt
 * every feature, and their column norms against the regular polygon's norm.
 */
export function spreadSpec(
  angles: { seed: number; angle_deg: number; state: string }[],
  norms: { seed: number; norm: number }[],
  options: { title: string; n: number; regularNorm: number },
): Spec {
  const expected = 360 / options.n;
  const learnt = angles.filter((r) => r.state === "all learnt");
  const deviations = learnt.map((r) => ({ seed: r.seed, deviation: r.angle_deg - expected }));
  // Symmetric ticks at a round size: the deviations are tiny and bin edges make poor labels.
  const reach = Math.max(1e-12, maxOf(deviations.map((d) => Math.abs(d.deviation))));
  const unit = 10 ** Math.floor(Math.log10(reach));
  const edge = Math.ceil(reach / unit) * unit;
  const ticks = [-edge, -edge / 2, 0, edge / 2, edge];
  const states = [...new Set(angles.map((r) => r.state))];
  const panel = { width: 250, height: 200 };
  return {
    title: options.title,
    hconcat: [
      {
        ...panel,
        title: "adjacent angles, every seed",
        data: { values: angles },
        mark: { type: "bar" },
        encoding: {
          x: {
            field: "angle_deg",
            type: "quantitative",
            // Bins centred on 360°/n, so a regular polygon fills one bar.
            bin: { extent: [0, 180], step: 4, anchor: expected - 2 },
            title: "adjacent angle (deg)",
            axis: { values: [0, 30, 60, 90, 120, 150, 180], format: "d" },
          },
          y: { aggregate: "count", type: "quantitative", title: "angles", ...ON_TICKS },
          color: {
            field: "state",
            type: "nominal",
            title: "seed state",
            scale: stateScale(states),
          },
        },
      },
      {
        ...panel,
        title: `deviation from ${expected.toFixed(1)}° (all learnt)`,
        data: { values: deviations },
        mark: { type: "bar", color: NO_BIAS_STATE_COLORS["all learnt"] },
        encoding: {
          x: {
            field: "deviation",
            type: "quantitative",
            bin: { extent: [-edge, edge], maxbins: 30 },
            scale: { domain: [-edge, edge] },
            title: "angle − 360°/n (deg)",
            axis: { values: ticks, format: "~g" },
          },
          y: { aggregate: "count", type: "quantitative", title: "angles", ...ON_TICKS },
        },
      },
      {
        ...panel,
        title: "column norms (all learnt)",
        layer: [
          {
            data: { values: norms },
            mark: { type: "bar", color: "#4c78a8" },
            encoding: {
              x: {
                field: "norm",
                type: "quantitative",
                bin: { maxbins: 30 },
                title: "‖Wᵢ‖",
                axis: { format: ".5~f", labelAngle: -40, tickCount: 5 },
              },
              y: { aggregate: "count", type: "quantitative", title: "columns", ...ON_TICKS },
            },
          },
          {
            data: { values: [{ x: options.regularNorm, label: "regular polygon" }] },
            mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
            encoding: { x: { field: "x", type: "quantitative" } },
          },
        ],
      },
    ],
  } as Spec;
}

/**
 * The loss of two unit features as a function of the angle θ between them:
 * max(0, cos θ)² (what the ReLU lets through) against the write-up's closed form
 * (cos 2θ + 1)/2, which equals it only for |θ| ≤ 90°. The range where the
 * two differ is shaded; rules mark the regular pentagon's neighbour (72°)
 * and second-neighbour (144°) angles.
 */
export function lossOverThetaSpec(
  rows: { theta_deg: number; loss: number; cos2theta_form: number }[],
  options: { title: string | string[]; marks?: { theta_deg: number; label: string }[] },
): Spec {
  const relu = "max(0, cos θ)²";
  const seed = "(cos 2θ + 1)/2";
  const long = rows.flatMap((r) => [
    { theta_deg: r.theta_deg, form: relu, value: r.loss },
    { theta_deg: r.theta_deg, form: seed, value: r.cos2theta_form },
  ]);
  const lo = minOf(rows.map((r) => r.theta_deg));
  const hi = maxOf(rows.map((r) => r.theta_deg));
  const bands = [
    ...(lo < -90 ? [{ x: lo, x2: -90 }] : []),
    ...(hi > 90 ? [{ x: 90, x2: hi }] : []),
  ];
  // Labels step down the plot so that neighbouring ones never overlap.
  // Labels sit off the peak: left of rules near the right edge, right of the others.
  const marks = (options.marks ?? []).map((m, k) => {
    const leftward = m.theta_deg > 0.6 * hi;
    return { ...m, at: 0.93 - 0.07 * k, align: leftward ? "right" : "left" };
  });
  const x = {
    field: "theta_deg",
    type: "quantitative",
    title: "angle θ between the features (deg)",
    scale: { domain: [lo, hi], nice: false },
    axis: { values: [-180, -135, -90, -45, 0, 45, 90, 135, 180].filter((v) => v >= lo && v <= hi) },
  };
  return {
    title: options.title,
    width: 520,
    height: 260,
    layer: [
      {
        data: { values: bands },
        mark: { type: "rect", color: "#eeeeee" },
        encoding: {
          x: { field: "x", type: "quantitative", scale: x.scale },
          x2: { field: "x2" },
        },
      },
      {
        data: { values: bands.map((b) => ({ x: (b.x + b.x2) / 2, label: "forms differ" })) },
        mark: { type: "text", y: { expr: "height - 12" }, fontSize: 10, color: "#666" },
        encoding: { x: { field: "x", type: "quantitative" }, text: { field: "label" } },
      },
      {
        data: { values: marks },
        mark: { type: "rule", color: "#999", strokeDash: [2, 2] },
        encoding: { x: { field: "theta_deg", type: "quantitative" } },
      },
      ...(["left", "right"] as const).map((align) => ({
        data: { values: marks.filter((m) => m.align === align) },
        mark: { type: "text", align, dx: align === "left" ? 4 : -4, fontSize: 10, color: "#555" },
        encoding: {
          x: { field: "theta_deg", type: "quantitative" },
          y: { field: "at", type: "quantitative" },
          text: { field: "label" },
        },
      })),
      {
        data: {
          values: marks.map((m) => ({
            theta_deg: m.theta_deg,
            value: Math.max(0, Math.cos((m.theta_deg * Math.PI) / 180)) ** 2,
          })),
        },
        mark: { type: "point", filled: true, size: 45, color: "#222" },
        encoding: {
          x: { field: "theta_deg", type: "quantitative" },
          y: { field: "value", type: "quantitative" },
        },
      },
      {
        data: { values: long },
        mark: { type: "line", strokeWidth: 2 },
        encoding: {
          x,
          y: {
            field: "value",
            type: "quantitative",
            title: "loss of the pair",
            scale: { domain: [0, 1] },
          },
          color: {
            field: "form",
            type: "nominal",
            title: null,
            scale: { domain: [relu, seed], range: ["#222222", "#e08a1e"] },
            legend: { orient: "bottom", direction: "horizontal" },
          },
          strokeDash: {
            field: "form",
            type: "nominal",
            title: null,
            scale: { domain: [relu, seed], range: [[1, 0], [6, 4]] },
          },
          tooltip: [
            { field: "theta_deg", type: "quantitative", title: "θ (deg)" },
            { field: "form", type: "nominal" },
            { field: "value", type: "quantitative", format: ".4f" },
          ],
        },
      },
    ],
  } as Spec;
}

/**
 * The regular polygon's loss against its common column norm, split into the
 * part paid on the diagonal of WᵀW (own outputs short of 1) and the part paid
 * on the positive off-diagonal entries (neighbours lighting up), with the
 * optimum marked: the diagonal wants ‖Wᵢ‖ = 1, the neighbours want 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normTradeoffSpec } from "./plots_no_bias.ts";
 * const rows = [0.5, 1].map((norm) => ({ norm, part: "total", loss: (1 - norm * norm) ** 2 }));
 * const spec = normTradeoffSpec(rows, { title: "Trade-off", optimum: { norm: 1, loss: 0 } });
 * assert.equal(spec.title, "Trade-off");
 * ```
 */
export function normTradeoffSpec(
  rows: { norm: number; part: string; loss: number }[],
  options: { title: string; optimum: { norm: number; loss: number } },
): Spec {
  const parts = [...new Set(rows.map((r) => r.part))];
  const rules = [{
    x: options.optimum.norm,
    label: `optimum ‖W‖ = ${options.optimum.norm.toFixed(4)}`,
  }];
  return {
    title: options.title,
    width: 460,
    height: 240,
    layer: [
      {
        data: { values: rows },
        mark: { type: "line", strokeWidth: 2 },
        encoding: {
          x: { field: "norm", type: "quantitative", title: "common column norm ‖Wᵢ‖" },
          y: { field: "loss", type: "quantitative", title: "loss" },
          color: {
            field: "part",
            type: "nominal",
            title: null,
            scale: {
              domain: parts,
              range: ["#222222", "#4c78a8", "#e08a1e"].slice(0, parts.length),
            },
            legend: { orient: "top", direction: "horizontal", labelLimit: 320 },
          },
        },
      },
      {
        data: { values: rules },
        mark: { type: "rule", strokeDash: [4, 3], color: "#555" },
        encoding: { x: { field: "x", type: "quantitative" } },
      },
      {
        data: { values: rules },
        mark: { type: "text", align: "left", dx: 4, y: 10, fontSize: 10 },
        encoding: { x: { field: "x", type: "quantitative" }, text: { field: "label" } },
      },
      {
        data: { values: [options.optimum] },
        mark: { type: "point", filled: true, size: 60, color: "#222" },
        encoding: {
          x: { field: "norm", type: "quantitative" },
          y: { field: "loss", type: "quantitative" },
        },
      },
    ],
  } as Spec;
}

/** Fraction of seeds in each no-bias state over training (stacked to 1). */
export function stateFractionsSpec(
  rows: { step: number; state: string; fraction: number }[],
  options: { title: string },
): Spec {
  return outcomeFractionsSpec(
    rows.map((r) => ({ step: r.step, outcome: r.state, fraction: r.fraction })),
    { title: options.title, colors: NO_BIAS_STATE_COLORS },
  );
}
