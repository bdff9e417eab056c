/**
 * Figures of the optimization-failure experiments (seed 001, issue 3): tilt,
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
      title: `Loss added by tilting Symmetric Failure (n=${options.n})`,
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
    tilt_gradient: {
      title: `Gradient on Wₙ of the tilted states (n=${options.n}): cosine with Wₙ and norm`,
      data: { values: rows.filter((r) => r.a !== 0) },
      vconcat: [
        {
          width: 620,
          height: 160,
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: {
            x,
            y: {
              field: "grad_cos",
              type: "quantitative",
              scale: { domain: [-1.05, 1.05] },
              title: "cos(∂L/∂Wₙ, Wₙ)",
            },
            color,
            strokeDash: { field: "direction", type: "nominal", title: "direction d" },
          },
        },
        {
          width: 620,
          height: 160,
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: {
            x,
            y: { field: "grad_norm", type: "quantitative", title: "‖∂L/∂Wₙ‖" },
            color,
            strokeDash: { field: "direction", type: "nominal", title: "direction d" },
          },
        },
      ],
    } as unknown as Spec,
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

function arrowLayers(n: number, extent: number) {
  const scale = { domain: [-extent, extent], nice: false, zero: false };
  const color = { field: "feature", type: "nominal", scale: featureScale(n), title: "feature" };
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
      mark: { type: "rule", strokeWidth: 2.5 },
      encoding: {
        x: { field: "x", type: "quantitative", scale, title: "latent x" },
        y: { field: "y", type: "quantitative", scale, title: "latent y" },
        x2: { field: "x2" },
        y2: { field: "y2" },
        color,
        tooltip: [
          { field: "feature", type: "nominal" },
          { field: "step", type: "quantitative" },
          { field: "update_norm", type: "quantitative", format: ".3e", title: "‖update‖" },
        ],
      },
    },
    {
      mark: { type: "point", filled: true, size: 25 },
      encoding: {
        x: { field: "x2", type: "quantitative", scale },
        y: { field: "y2", type: "quantitative", scale },
        color,
      },
    },
    {
      transform: [{ filter: "datum.feature == 1" }],
      mark: { type: "text", align: "left", baseline: "top", x: 4, y: 4, fontSize: 10 },
      encoding: { text: { field: "label" } },
    },
  ];
}

/** Small multiples of the update field at a few steps. */
export function updateFieldSmallMultiples(
  arrows: UpdateArrow[],
  options: { n: number; extent: number; title: string; columns?: number },
): Spec {
  return {
    title: options.title,
    data: { values: arrows },
    facet: { field: "step", type: "ordinal", title: "step" },
    columns: options.columns ?? 4,
    spec: { width: 170, height: 170, layer: arrowLayers(options.n, options.extent) },
  } as unknown as Spec;
}

/** The update field with a step slider (interactive in JupyterLab and the Vega-Lite JSON). */
export function updateFieldSlider(
  arrows: UpdateArrow[],
  options: { n: number; extent: number; title: string; steps: number[] },
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
    layer: arrowLayers(options.n, options.extent),
  } as unknown as Spec;
}

/** ‖update‖ of every column over steps (log axis). */
export function updateNormsSpec(
  rows: { step: number; feature: number; update_norm: number }[],
  options: { n: number; title: string },
): Spec {
  return {
    title: options.title,
    data: { values: rows.filter((r) => r.update_norm > 0) },
    width: 520,
    height: 220,
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: { field: "step", type: "quantitative" },
      y: {
        field: "update_norm",
        type: "quantitative",
        scale: { type: "log" },
        title: "‖update of Wⱼ‖ per step",
      },
      color: { field: "feature", type: "nominal", scale: featureScale(options.n) },
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

/** A grid of one number per (setting, n), as a heatmap with the numbers written in. */
export function surveyGridSpec(
  rows: { setting: string; n: number; value: number | null }[],
  options: { title: string; value: string; format?: string; scheme?: string },
): Spec {
  return {
    title: options.title,
    data: { values: rows },
    width: { step: 44 },
    height: { step: 26 },
    encoding: {
      x: { field: "n", type: "ordinal", title: "n" },
      y: { field: "setting", type: "nominal", title: null },
    },
    layer: [
      {
        mark: { type: "rect" },
        encoding: {
          color: {
            field: "value",
            type: "quantitative",
            title: options.value,
            scale: { scheme: options.scheme ?? "blues" },
          },
        },
      },
      {
        transform: [{ filter: "isValid(datum.value)" }],
        mark: { type: "text", fontSize: 9 },
        encoding: {
          text: { field: "value", type: "quantitative", format: options.format ?? ".2f" },
        },
      },
    ],
  } as unknown as Spec;
}
