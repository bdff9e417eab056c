/**
 * Figures of the optimization-failure experiments (“Optimization Failure”, issue 3): tilt,
 * the frozen optimum, the update field, the chaos map, the bias optimum and
 * the failure survey. Pure functions from rows to Vega-Lite specs.
 *
 * @module
 */
import { featureScale, OUTCOME_COLORS } from "../../core/plots/colors.ts";
import { rankedStates, stateAreaUnit } from "./plots.ts";
import type { Spec } from "../../core/plots/render.ts";
import { maxOf, minOf } from "../../core/stats.ts";

const CASE_COLORS = { domain: ["b_n = 1/n", "b_n = 0"], range: ["#c4472b", "#4c78a8"] };

/** How far |cos(∂L/∂Wₙ, Wₙ)| may fall short of 1 (rounding) for the gradient to count as straight. */
const STRAIGHT_COS = 1e-12;

/**
 * The gradient on Wₙ of the tilted states (`toy-tilt`) as its component
 * along Wₙ: positive where a descent step shrinks the tilt. The gradient's
 * cosine with Wₙ is exactly ±1 for the scanned directions (each lies on a
 * mirror line of the learnt polygon, so the gradient has no sideways part):
 * drawn as its own panel it would be four identical flat lines, so the
 * subtitle states it, measured from the rows, and the signed component
 * carries both the direction and the size. Directions whose curves coincide
 * within a bias case are drawn as one line, named so in the legend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tiltGradientSpec } from "./plots_failure.ts";
 * const row = (direction: string, a: number, norm: number) =>
 *   ({ case: "b_n = 0", direction, a, grad_cos: 1, grad_norm: norm });
 * const rows = [row("vertex", 0.1, 0.2), row("vertex", 0.2, 0.4), row("edge", 0.1, 0.2), row("edge", 0.2, 0.4)];
 * const spec = tiltGradientSpec(rows, { n: 7 }) as { layer: { data: { values: { direction: string }[] } }[] };
 * assert.deepEqual(spec.layer[1].data.values.map((r) => r.direction), ["vertex = edge", "vertex = edge"]);
 * ```
 */
export function tiltGradientSpec(
  rows: { case: string; direction: string; a: number; grad_cos: number; grad_norm: number }[],
  options: { n: number },
): Spec {
  const tilted = rows.filter((r) => r.a !== 0 && Number.isFinite(r.grad_cos));
  const sideways = maxOf(tilted.map((r) => 1 - Math.abs(r.grad_cos)));
  const shrinking = tilted.filter((r) => r.grad_cos > 0).length;
  const drawn = mergeIdenticalDirections(
    tilted.map((r) => ({
      case: r.case,
      direction: r.direction,
      a: r.a,
      along: r.grad_cos * r.grad_norm,
    })),
  );
  const x = { field: "a", type: "quantitative", title: "tilt a (Wₙ = a·d)" };
  const straight = sideways < STRAIGHT_COS
    ? [
      "The gradient has no sideways part: |cos(∂L/∂Wₙ, Wₙ)| = 1 at every tilt, as d lies",
      "on a mirror line of the learnt polygon; so this component is all of it.",
    ]
    : [
      `The gradient turns up to ${(Math.acos(1 - sideways) * 180 / Math.PI).toPrecision(3)}° ` +
      "away from ±Wₙ; only its component along Wₙ is drawn.",
    ];
  return {
    title: {
      text: `Gradient on Wₙ of the tilted states (n=${options.n}): its component along Wₙ`,
      subtitle: [
        ...straight,
        `Above 0 a descent step shrinks the tilt: at ${shrinking} of ${tilted.length} tilted states.`,
      ],
    },
    width: 620,
    height: 240,
    layer: [
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: "rule", color: "#333", strokeWidth: 1 },
        encoding: { y: { field: "zero", type: "quantitative" } },
      },
      {
        data: { values: drawn },
        mark: { type: "line", strokeWidth: 1.8 },
        encoding: {
          x,
          y: { field: "along", type: "quantitative", title: "∂L/∂Wₙ · Wₙ/‖Wₙ‖" },
          color: {
            field: "case",
            type: "nominal",
            title: "bias of feature n",
            scale: CASE_COLORS,
            legend: { labelLimit: 0 },
          },
          strokeDash: {
            field: "direction",
            type: "nominal",
            title: "direction d",
            legend: { labelLimit: 0 },
          },
        },
      },
    ],
  } as unknown as Spec;
}

/**
 * Within each case, directions whose curves are the same (to 1e-12 of the
 * largest value) become one series named "first = second".
 */
function mergeIdenticalDirections<
  T extends { case: string; direction: string; a: number; along: number },
>(rows: T[]): T[] {
  const scale = Math.max(1e-300, maxOf(rows.map((r) => Math.abs(r.along))));
  const out: T[] = [];
  for (const caseName of [...new Set(rows.map((r) => r.case))]) {
    const ofCase = rows.filter((r) => r.case === caseName);
    const groups: { names: string[]; rows: T[] }[] = [];
    for (const direction of [...new Set(ofCase.map((r) => r.direction))]) {
      const curve = ofCase.filter((r) => r.direction === direction);
      const same = groups.find((g) =>
        g.rows.length === curve.length &&
        g.rows.every((r, k) =>
          r.a === curve[k].a && Math.abs(r.along - curve[k].along) <= 1e-12 * scale
        )
      );
      if (same) same.names.push(direction);
      else groups.push({ names: [direction], rows: curve });
    }
    for (const g of groups) {
      const direction = g.names.join(" = ");
      for (const r of g.rows) out.push({ ...r, direction });
    }
  }
  return out;
}

/** Loss increase and gradient of the tilted states (`toy-tilt`). */
export function tiltSpec(
  rows: {
    case: string;
    direction: string;
    a: number;
    loss_increase: number;
    quadratic_prediction: number;
    grad_cos: number;
    grad_norm: number;
  }[],
  options: { n: number },
): Record<string, Spec> {
  const x = { field: "a", type: "quantitative", title: "tilt a (Wₙ = a·d)" };
  const color = { field: "case", type: "nominal", title: "bias of feature n", scale: CASE_COLORS };
  const facet = { field: "direction", type: "nominal", title: null };
  const predicted = rows.map((r) => ({ ...r, kind: "c₂·a² (closed form)" }));
  return {
    tilt_loss: {
      title: {
        text: `Loss added by tilting Symmetric Failure (n=${options.n})`,
        subtitle: "dashed: c₂·a², the closed form's quadratic term",
      },
      data: { values: rows },
      facet: { column: facet },
      spec: {
        width: 300,
        height: 220,
        layer: [
          {
            mark: { type: "line", strokeWidth: 2 },
            encoding: {
              x,
              y: { field: "loss_increase", type: "quantitative", title: "loss − loss at a = 0" },
              color,
            },
          },
          {
            data: { values: predicted },
            mark: { type: "line", strokeDash: [4, 3], strokeWidth: 1, color: "#222" },
            encoding: {
              x,
              y: { field: "quadratic_prediction", type: "quantitative" },
              detail: { field: "case", type: "nominal" },
            },
          },
        ],
      },
      resolve: { scale: { y: "shared" } },
    } as unknown as Spec,
    tilt_gradient: tiltGradientSpec(rows, options),
  };
}

/** Where the freed unlearnt column settles against the perturbation size (`toy-frozen-optimum`). */
export function frozenOptimumSpec(
  rows: {
    mode: string;
    delta: number;
    wn_norm: number;
    wn_cos_pair: number;
    predicted_norm: number;
    predicted_cos_pair: number;
  }[],
  options: { n: number; pair: string },
): Spec {
  const x = {
    field: "delta",
    type: "quantitative",
    scale: { type: "log" },
    title: "perturbation size δ",
  };
  const color = { field: "mode", type: "nominal", title: "perturbation" };
  const panel = (trained: string, predicted: string, y: Record<string, unknown>) => ({
    width: 300,
    height: 220,
    layer: [
      {
        mark: { type: "line", strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { x, y: { ...y, field: predicted }, color },
      },
      {
        mark: { type: "point", filled: true, size: 45 },
        encoding: { x, y: { ...y, field: trained }, color },
      },
    ],
  });
  return {
    title: {
      text:
        `Resting point of the unlearnt column with every learnt parameter frozen (n=${options.n})`,
      subtitle: "points: trained; dashed: linearised closed form",
    },
    data: { values: rows },
    hconcat: [
      panel("wn_cos_pair", "predicted_cos_pair", {
        type: "quantitative",
        scale: { domain: [-1, 1] },
        title: `cos(Wₙ*, ${options.pair})`,
      }),
      panel("wn_norm", "predicted_norm", {
        type: "quantitative",
        scale: { type: "log" },
        title: "‖Wₙ*‖",
      }),
    ],
  } as unknown as Spec;
}

/** One arrow of an update field: feature f's column at a step and its update, already scaled. */
export interface UpdateArrow {
  /** Step at the start of the window. */
  step: number;
  /** Feature number, from 1. */
  feature: number;
  /** Where the arrow starts: the column at `step` (first coordinate). */
  x: number;
  /** Where the arrow starts (second coordinate). */
  y: number;
  /** Where the scaled arrow ends (first coordinate). */
  x2: number;
  /** Where the scaled arrow ends (second coordinate). */
  y2: number;
  /** ‖update per step‖ before scaling. */
  update_norm: number;
  /** The arrow factor of this step, printed once per panel. */
  label: string;
}

/**
 * The colour channel of an update field's features, the column that starts
 * unlearnt (when given) in red and named so in the legend, and a mark
 * property that is `wide` for that column's marks and `other` for the rest.
 */
function updateColumns(n: number, unlearnt: number | undefined) {
  const legend = unlearnt === undefined ? {} : {
    legend: {
      labelExpr: `+datum.value == ${unlearnt} ? datum.label + " (starts unlearnt)" : datum.label`,
      labelLimit: 0,
    },
  };
  return {
    color: {
      field: "feature",
      type: "nominal",
      scale: featureScale(n, { unlearnt: unlearnt === undefined ? [] : [unlearnt] }),
      title: "feature",
      ...legend,
    },
    wider: (wide: number, other: number) =>
      unlearnt === undefined
        ? { value: other }
        : { condition: { test: `datum.feature == ${unlearnt}`, value: wide }, value: other },
  };
}

function arrowLayers(n: number, extent: number, unlearnt: number | undefined) {
  const scale = { domain: [-extent, extent], nice: false, zero: false };
  const { color, wider } = updateColumns(n, unlearnt);
  return [
    {
      transform: [{ calculate: "0", as: "ox" }, { calculate: "0", as: "oy" }],
      mark: { type: "rule", strokeWidth: 1, opacity: 0.35 },
      encoding: {
        x: { field: "ox", type: "quantitative", scale },
        y: { field: "oy", type: "quantitative", scale },
        x2: { field: "x" },
        y2: { field: "y" },
        color,
      },
    },
    {
      mark: { type: "rule" },
      encoding: {
        x: { field: "x", type: "quantitative", scale, title: "latent x" },
        y: { field: "y", type: "quantitative", scale, title: "latent y" },
        x2: { field: "x2" },
        y2: { field: "y2" },
        color,
        strokeWidth: wider(4, 2.5),
        tooltip: [
          { field: "feature", type: "nominal" },
          { field: "step", type: "quantitative" },
          { field: "update_norm", type: "quantitative", format: ".3e", title: "‖update‖" },
        ],
      },
    },
    {
      mark: { type: "point", filled: true, opacity: 1 },
      encoding: {
        x: { field: "x2", type: "quantitative", scale },
        y: { field: "y2", type: "quantitative", scale },
        color,
        size: wider(70, 25),
      },
    },
    {
      transform: [{ filter: "datum.feature == 1" }],
      mark: { type: "text", align: "left", baseline: "top", x: 4, y: 4, fontSize: 10 },
      encoding: { text: { field: "label" } },
    },
  ];
}

/**
 * Small multiples of the update field at a few steps; the column that starts
 * unlearnt (`unlearnt`, when given) drawn red and thicker.
 */
export function updateFieldSmallMultiples(
  arrows: UpdateArrow[],
  options: { n: number; extent: number; title: string; columns?: number; unlearnt?: number },
): Spec {
  return {
    title: options.title,
    data: { values: arrows },
    facet: { field: "step", type: "ordinal", title: "step" },
    columns: options.columns ?? 4,
    spec: {
      width: 170,
      height: 170,
      layer: arrowLayers(options.n, options.extent, options.unlearnt),
    },
  } as unknown as Spec;
}

/** The update field with a step slider (interactive in JupyterLab and the Vega-Lite JSON). */
export function updateFieldSlider(
  arrows: UpdateArrow[],
  options: { n: number; extent: number; title: string; steps: number[]; unlearnt?: number },
): Spec {
  const steps = options.steps;
  const stride = steps.length > 1 ? steps[1] - steps[0] : 1;
  return {
    title: options.title,
    data: { values: arrows },
    width: 360,
    height: 360,
    params: [{
      name: "shown",
      value: steps[0],
      bind: {
        input: "range",
        min: steps[0],
        max: steps[steps.length - 1],
        step: stride,
        name: "step ",
      },
    }],
    transform: [{ filter: "datum.step == shown" }],
    layer: arrowLayers(options.n, options.extent, options.unlearnt),
  } as unknown as Spec;
}

/** ‖update‖ of every column over steps (log axis); the column that starts unlearnt red and thicker. */
export function updateNormsSpec(
  rows: { step: number; feature: number; update_norm: number }[],
  options: { n: number; title: string; unlearnt?: number },
): Spec {
  const { color, wider } = updateColumns(options.n, options.unlearnt);
  return {
    title: options.title,
    data: { values: rows.filter((r) => r.update_norm > 0) },
    width: 520,
    height: 220,
    mark: { type: "line" },
    encoding: {
      x: { field: "step", type: "quantitative" },
      y: {
        field: "update_norm",
        type: "quantitative",
        scale: { type: "log" },
        title: "‖update of Wⱼ‖ per step",
      },
      color,
      strokeWidth: wider(3, 1.5),
    },
  } as unknown as Spec;
}

/** A heatmap over perturbation × learning rate (`toy-chaos`). */
export function chaosHeatmapSpec(
  cells: { delta: number; lr: number; value: number | string | null }[],
  options: {
    title: string;
    value: string;
    scheme?: string;
    nominal?: { domain: string[]; range: string[] };
    deltaStep: number;
    lrRatio: number;
  },
): Spec {
  const rows = cells.map((c) => ({
    ...c,
    delta2: c.delta + options.deltaStep,
    lr2: c.lr * options.lrRatio,
  }));
  const xMin = minOf(rows.map((r) => r.delta));
  const xMax = maxOf(rows.map((r) => r.delta2));
  const yMin = minOf(rows.map((r) => r.lr));
  const yMax = maxOf(rows.map((r) => r.lr2));
  const color = options.nominal
    ? { field: "value", type: "nominal", title: options.value, scale: options.nominal }
    : {
      field: "value",
      type: "quantitative",
      title: options.value,
      scale: { scheme: options.scheme ?? "viridis" },
    };
  return {
    title: options.title,
    data: { values: rows },
    width: 420,
    height: 380,
    mark: { type: "rect" },
    encoding: {
      x: {
        field: "delta",
        type: "quantitative",
        scale: { domain: [xMin, xMax], nice: false, zero: false },
        title: "perturbation δ of two adjacent biases",
      },
      x2: { field: "delta2" },
      y: {
        field: "lr",
        type: "quantitative",
        scale: { type: "log", domain: [yMin, yMax], nice: false },
        title: "learning rate",
      },
      y2: { field: "lr2" },
      color,
      tooltip: [
        { field: "delta", type: "quantitative", format: ".4g" },
        { field: "lr", type: "quantitative", format: ".4g" },
        { field: "value", title: options.value },
      ],
    },
  } as unknown as Spec;
}

/** Measured bias and loss of Symmetric Failure against 1/n and (n−1)/n³ (`toy-bias-optimum`). */
export function biasOptimumSpec(
  rows: {
    n: number;
    bias_mean: number;
    bias_min: number;
    bias_max: number;
    loss_mean: number | null;
  }[],
): Spec {
  const ns = rows.map((r) => r.n);
  const curve = [];
  for (let n = minOf(ns); n <= maxOf(ns); n += 0.05) {
    curve.push({ n, one_over_n: 1 / n, sf_loss: (n - 1) / n ** 3 });
  }
  const x = { field: "n", type: "quantitative", title: "n", scale: { zero: false } };
  return {
    title: {
      text: "The unlearnt bias against 1/n and the Symmetric Failure loss against (n−1)/n³",
      subtitle: "points: measured means (bars: range over instances); dashed: 1/n and (n−1)/n³",
    },
    hconcat: [
      {
        width: 300,
        height: 220,
        layer: [
          {
            data: { values: curve },
            mark: { type: "line", color: "#999", strokeDash: [4, 3] },
            encoding: { x, y: { field: "one_over_n", type: "quantitative", title: "bₙ" } },
          },
          {
            data: { values: rows },
            mark: { type: "rule", color: "#c4472b" },
            encoding: {
              x,
              y: { field: "bias_min", type: "quantitative" },
              y2: { field: "bias_max" },
            },
          },
          {
            data: { values: rows },
            mark: { type: "point", filled: true, color: "#c4472b" },
            encoding: { x, y: { field: "bias_mean", type: "quantitative" } },
          },
        ],
      },
      {
        width: 300,
        height: 220,
        layer: [
          {
            data: { values: curve },
            mark: { type: "line", color: "#999", strokeDash: [4, 3] },
            encoding: {
              x,
              y: { field: "sf_loss", type: "quantitative", scale: { type: "log" }, title: "loss" },
            },
          },
          {
            data: { values: rows.filter((r) => r.loss_mean !== null) },
            mark: { type: "point", filled: true, color: "#c4472b" },
            encoding: { x, y: { field: "loss_mean", type: "quantitative" } },
          },
        ],
      },
    ],
  } as unknown as Spec;
}

/** Each unlearnt feature's distance from 1/n against the norm of its column (log-log). */
export function biasVsNormSpec(rows: { n: number; norm: number; rel_error: number }[]): Spec {
  return {
    title: {
      text: "Unlearnt features: how far the bias is from 1/n, against the column's norm",
      subtitle: "every unlearnt feature of a settled failure; |bᵢ·n − 1| on a log axis",
    },
    data: {
      values: rows.map((r) => ({ ...r, abs_error: Math.max(Math.abs(r.rel_error), 1e-16) })),
    },
    width: 420,
    height: 260,
    mark: { type: "point", filled: true, size: 12, opacity: 0.5 },
    encoding: {
      x: { field: "norm", type: "quantitative", scale: { type: "log" }, title: "‖Wᵢ‖" },
      y: { field: "abs_error", type: "quantitative", scale: { type: "log" }, title: "|bᵢ·n − 1|" },
      color: { field: "n", type: "ordinal", scale: { scheme: "viridis" } },
    },
  } as unknown as Spec;
}

/** State fractions over steps, one panel per setting (`toy-failure-survey`). */
export function surveyFractionsSpec(
  rows: { setting: string; step: number; outcome: string; fraction: number }[],
  options: { title: string; columns?: number },
): Spec {
  return {
    title: options.title,
    data: { values: rankedStates(rows, OUTCOME_COLORS) },
    facet: { field: "setting", type: "nominal", title: null },
    columns: options.columns ?? 3,
    spec: stateAreaUnit(rows.map((r) => r.outcome), OUTCOME_COLORS, {
      width: 220,
      height: 120,
      yTitle: "fraction",
    }),
  } as unknown as Spec;
}

/** One cell of a survey heatmap (`toy-failure-survey`). */
export interface SurveyGridRow {
  /** The setting, "optimizer lr=…". */
  setting: string;
  /** Features. */
  n: number;
  /** The cell's number, or null when it has none (see `blank`). */
  value: number | null;
  /** The seeds behind the value, "k/N" (which k and N: the figure's subtitle). */
  count: string;
  /** Why the cell has no value ("none failed", "all diverged"), written in its grey box. */
  blank: string | null;
}

/**
 * A grid of one number per (setting, n) as a heatmap: each cell with its
 * number and, below it, the seeds it counts ("3/32"); a cell without a number
 * grey, with the reason written in. `domain` fixes the colour scale (shares:
 * [0, 1], so that 0 is the palest colour even when every cell is 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { surveyGridSpec } from "./plots_failure.ts";
 * const rows = [
 *   { setting: "sgd lr=0.1", n: 7, value: 0.25, count: "2/8", blank: null },
 *   { setting: "sgd lr=0.1", n: 8, value: null, count: "0/8", blank: "none failed" },
 * ];
 * const spec = surveyGridSpec(rows, { title: "t", subtitle: ["s"], value: "share", domain: [0, 1] });
 * // deno-lint-ignore no-explicit-any
 * const texts = (spec as any).layer.filter((l: any) => l.mark.type === "text");
 * assert.deepEqual(texts.map((l: any) => l.encoding.text.field), ["value", "count", "blank"]);
 * ```
 */
export function surveyGridSpec(
  rows: SurveyGridRow[],
  options: {
    title: string;
    subtitle: string[];
    value: string;
    domain: [number, number];
    format?: string;
    scheme?: string;
  },
): Spec {
  const valid = "isValid(datum.value)";
  const [lo, hi] = options.domain;
  // Dark cells take white text.
  const ink = {
    condition: { test: `${valid} && datum.value > ${lo + 0.6 * (hi - lo)}`, value: "white" },
    value: "#111",
  };
  const text = (field: string, dy: number, fontSize: number, filter: string) => ({
    transform: [{ filter }],
    mark: { type: "text", dy, fontSize, lineBreak: "\n" },
    encoding: {
      text: field === "value"
        ? { field, type: "quantitative", format: options.format ?? ".2f" }
        : { field, type: "nominal" },
      color: field === "blank" ? { value: "#555" } : ink,
    },
  });
  const tooltip = [
    { field: "setting", type: "nominal" },
    { field: "n", type: "ordinal" },
    { field: "value", type: "quantitative", format: options.format ?? ".2f", title: options.value },
    { field: "count", type: "nominal", title: "seeds" },
    { field: "blank", type: "nominal", title: "no value" },
  ];
  const anyValue = rows.some((r) => r.value !== null && Number.isFinite(r.value));
  return {
    title: { text: options.title, subtitle: options.subtitle },
    data: { values: rows },
    width: { step: 58 },
    height: { step: 36 },
    encoding: {
      x: { field: "n", type: "ordinal", title: "n (features; m = 2)", axis: { labelAngle: 0 } },
      y: { field: "setting", type: "nominal", title: null },
    },
    layer: [
      {
        transform: [{ filter: valid }],
        mark: { type: "rect" },
        encoding: {
          color: {
            field: "value",
            type: "quantitative",
            title: options.value,
            scale: { scheme: options.scheme ?? "blues", domain: options.domain },
            legend: anyValue ? {} : null,
          },
          tooltip,
        },
      },
      {
        transform: [{ filter: `!${valid}` }],
        mark: { type: "rect", color: "#e6e6e6", stroke: "#bbb", strokeWidth: 0.5 },
        encoding: { tooltip },
      },
      text("value", -7, 10, valid),
      text("count", 8, 8, valid),
      text("blank", 0, 8, `!${valid}`),
    ],
  } as unknown as Spec;
}
