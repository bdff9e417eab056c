/**
 * Figures of the sparse-autoencoder study (the research notes): held-out metrics over
 * training, dead latents over training, how well each true direction was
 * recovered, the loss after resampling events, and decoder columns drawn as
 * images. Pure functions of rows.
 *
 * @module
 */
import { showFigure } from "../../core/plots/display.ts";
import { imageGridUnit } from "../../core/plots/images.ts";
import { type Spec, specTitle } from "../../core/plots/render.ts";
import {
  SERIES_MARKER,
  seriesChannels,
  seriesRows,
  staggeredMarkers,
} from "../../core/plots/series.ts";
import type { SaeMetricRow, SaeRecoveryRow, SaeResampleTraceRow } from "./analysis.ts";
import { ON_TICKS } from "../../core/plots/axes.ts";

const PANEL = { width: 260, height: 150 };

/** The models in the order they first appear (the run's order), the order they are drawn in. */
function modelsOf(rows: { model: string }[]): string[] {
  return [...new Set(rows.map((r) => r.model))];
}

/**
 * Colour, stroke width and marker shape of each model, one legend for all
 * three: models often train to the same curve (every top-k model has L0 = k;
 * a resampling model is its base model until its first resample), so each is
 * drawn narrower than the one before, on top of it, with markers of its own.
 * Vega-Lite's ten default colours while they suffice, twenty (tableau20)
 * beyond, so that no two models share one.
 */
function modelChannels(models: string[]) {
  const channels = seriesChannels("model", models, { title: null, labelLimit: 400 });
  if (models.length <= 10) return channels;
  const { range: _, ...scale } = channels.color.scale;
  return { ...channels, color: { ...channels.color, scale: { ...scale, scheme: "tableau20" } } };
}

/**
 * One model's lines (one per seed) and their staggered markers, as two
 * layers over `x` and `y`; rows are drawn in model order, the first widest.
 */
function modelLayers<R extends { model: string; seed: number }>(
  rows: R[],
  options: { models: string[]; x: Record<string, unknown>; y: Record<string, unknown> },
) {
  const { models, x, y } = options;
  const channels = modelChannels(models);
  const xField = x.field as keyof R;
  const drawn = seriesRows(rows, (r) => r.model, models);
  const markers = staggeredMarkers(drawn, {
    series: (r) => r.model,
    domain: models,
    x: (r) => r[xField] as number,
    line: (r) => `${r.model}\u0000${r.seed}`,
  });
  return [
    {
      data: { values: drawn },
      mark: { type: "line" },
      encoding: {
        x,
        y,
        color: channels.color,
        strokeWidth: channels.strokeWidth,
        detail: { field: "seed", type: "nominal" },
      },
    },
    {
      data: { values: markers },
      mark: SERIES_MARKER,
      encoding: { x, y, color: channels.color, shape: channels.shape },
    },
  ];
}

function finite(rows: SaeMetricRow[], field: keyof SaeMetricRow, positive = false) {
  return rows.filter((r) => {
    const v = r[field];
    return typeof v === "number" && Number.isFinite(v) && (!positive || v > 0);
  });
}

function linePanel(
  rows: SaeMetricRow[],
  field: keyof SaeMetricRow,
  title: string,
  scale: Record<string, unknown> = {},
) {
  const log = scale.type === "log";
  return {
    ...PANEL,
    title,
    layer: modelLayers(finite(rows, field, log), {
      models: modelsOf(rows),
      x: { field: "step", type: "quantitative", title: "step" },
      // Vega-Lite warns about `zero` on a log scale, so it is set only on linear ones.
      y: {
        field,
        type: "quantitative",
        title: null,
        scale: log ? scale : { zero: false, ...scale },
      },
    }),
  };
}

/**
 * Held-out normalised MSE (log), L0 (log) and, with ground truth, the mean
 * max cosine and the share of directions recovered, over training: panels
 * two to a row on one grid, so their plot areas line up whatever the width
 * of their axis labels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeMetricsSpec } from "./plots.ts";
 * const row = (model: string, step: number) => ({
 *   step, model, seed: 0, eval_nmse: 0.5, eval_l0: 2, dead_fraction: 0,
 * });
 * const rows = ["top-k", "top-k + AuxK"].flatMap((m) => [0, 10, 20].map((s) => row(m, s)));
 * const spec = saeMetricsSpec(rows, { title: "Metrics" }) as unknown as { concat: unknown[]; columns: number };
 * assert.equal(spec.concat.length, 2);
 * assert.equal(spec.columns, 2);
 * ```
 */
export function saeMetricsSpec(
  rows: SaeMetricRow[],
  options: { title: string; subtitle?: string },
): Spec {
  const panels = [
    linePanel(rows, "eval_nmse", "normalised MSE (held out, log)", { type: "log" }),
    linePanel(rows, "eval_l0", "L0: active latents per example (log)", { type: "log" }),
  ];
  if (rows.some((r) => r.mean_max_cos !== undefined)) {
    panels.push(
      linePanel(rows, "mean_max_cos", "mean max cosine to the true directions"),
      linePanel(rows, "recovered", "share of directions with max cosine > 0.9", {
        domain: [0, 1],
      }),
    );
  }
  return {
    title: specTitle(options),
    concat: panels,
    columns: 2,
    spacing: { column: 30, row: 24 },
    resolve: { scale: { color: "shared", shape: "shared", strokeWidth: "shared" } },
  } as unknown as Spec;
}

/** Share of dead latents over training, one line per instance. */
export function saeDeadSpec(
  rows: SaeMetricRow[],
  options: { title: string; subtitle?: string },
): Spec {
  // With no dead latent at all the axis would collapse onto 0; show 0 … 5% instead.
  const anyDead = rows.some((r) => r.dead_fraction > 0);
  return {
    title: specTitle(options),
    width: 460,
    height: 200,
    layer: modelLayers(finite(rows, "dead_fraction"), {
      models: modelsOf(rows),
      x: { field: "step", type: "quantitative", title: "step" },
      y: {
        field: "dead_fraction",
        type: "quantitative",
        title: "share of latents dead",
        // Rounded with the axis' own tick count, so the top of the scale is a labelled tick.
        scale: anyDead ? { zero: true, nice: ON_TICKS.scale.nice } : { domain: [0, 0.05] },
        axis: { format: ".1%", tickCount: ON_TICKS.axis.tickCount },
      },
    }),
  } as unknown as Spec;
}

/**
 * For every true direction, its largest cosine with a decoder column, sorted
 * from best to worst: the curve's height is the match quality, and where it
 * crosses the threshold is the number of directions recovered.
 */
export function saeRecoverySpec(
  rows: SaeRecoveryRow[],
  options: { title: string; subtitle?: string; threshold: number },
): Spec {
  return {
    title: specTitle(options),
    width: 460,
    height: 220,
    layer: [
      ...modelLayers(rows.filter((r) => Number.isFinite(r.max_cos)), {
        models: modelsOf(rows),
        x: { field: "rank", type: "quantitative", title: "true direction (sorted by its match)" },
        y: {
          field: "max_cos",
          type: "quantitative",
          title: "max cosine with a decoder column",
          scale: { domain: [0, 1] },
        },
      }),
      {
        data: { values: [{ y: options.threshold }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
    ],
  } as unknown as Spec;
}

/**
 * The training loss over the updates after a resampling event, relative to
 * the loss before it, averaged over each model's events (the zero line: no
 * change). What resampling costs and how fast the model wins it back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeResampleSpec } from "./plots.ts";
 * const rows = [{ model: "top-k + resampling (Anthropic)", seed: 0, event: 500, after: 1, rise: 0.02 }];
 * const spec = saeResampleSpec(rows, { title: "After resampling" }) as { layer: unknown[] };
 * assert.equal(spec.layer.length, 2);
 * ```
 */
export function saeResampleSpec(
  rows: SaeResampleTraceRow[],
  options: { title: string; subtitle?: string },
): Spec {
  return {
    title: specTitle(options),
    width: 460,
    height: 200,
    layer: [
      {
        data: { values: rows.filter((r) => Number.isFinite(r.rise)) },
        mark: { type: "line", strokeWidth: 1.5, point: { size: 12 } },
        encoding: {
          x: { field: "after", type: "quantitative", title: "updates since the resampling event" },
          y: {
            field: "rise",
            aggregate: "mean",
            type: "quantitative",
            title: "batch loss − loss before (mean over events)",
          },
          color: modelChannels(modelsOf(rows)).color,
        },
      },
      {
        data: { values: [{ y: 0 }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
    ],
  } as unknown as Spec;
}

/**
 * Decoder columns as images (`columns` is `[count, width·height]`), each
 * scaled by its own largest magnitude: red where the column adds ink, blue
 * where it removes it.
 */
export function decoderImagesSpec(
  columns: ArrayLike<number>,
  options: {
    count: number;
    width: number;
    height: number;
    title: string;
    subtitle?: string;
    perRow?: number;
  },
): Spec {
  const unit = imageGridUnit(columns, {
    count: options.count,
    width: options.width,
    height: options.height,
    columns: options.perRow ?? 8,
    signed: true,
    normalize: "each",
    maxSide: 520,
  });
  return {
    title: specTitle(options),
    ...unit,
    config: { view: { stroke: null } },
  } as unknown as Spec;
}

/**
 * A progress callback that redraws the training loss of every instance in
 * place (Jupyter only). Losses include each model's own penalty terms, so
 * compare a model with itself over time, not models with each other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeLive } from "./plots.ts";
 * const live = saeLive({ id: "sae-demo", labels: ["top-k", "ReLU + L1"], every: 10 });
 * // Outside Jupyter it collects the losses and draws nothing.
 * await live({ step: 10, steps: 20, loss: [0.5, 0.7] });
 * assert.equal(typeof live, "function");
 * ```
 */
export function saeLive(options: {
  id: string;
  /** Label of each instance, in run order. */
  labels: string[];
  /** Redraw at most every this many steps (and at the last step). */
  every?: number;
}): (p: { step?: number; steps?: number; loss?: ArrayLike<number> }) => Promise<void> {
  const rows: { step: number; loss: number; instance: string }[] = [];
  const every = options.every ?? 200;
  let shown = false;
  let drawnAt = -Infinity;
  return async (p: { step?: number; steps?: number; loss?: ArrayLike<number> }) => {
    if (p.step === undefined || !p.loss) return;
    for (let i = 0; i < p.loss.length; i++) {
      const loss = p.loss[i];
      if (Number.isFinite(loss) && loss > 0) {
        rows.push({ step: p.step, loss, instance: options.labels[i] ?? `#${i}` });
      }
    }
    if (p.step - drawnAt < every && p.step !== p.steps) return;
    drawnAt = p.step;
    const spec = {
      title: `Training loss (with each model's penalties), step ${p.step}`,
      width: 460,
      height: 200,
      data: { values: rows },
      mark: { type: "line", strokeWidth: 1.2 },
      encoding: {
        x: { field: "step", type: "quantitative" },
        y: { field: "loss", type: "quantitative", scale: { type: "log" }, title: "loss (log)" },
        color: { field: "instance", type: "nominal", title: null, sort: null },
      },
    } as unknown as Spec;
    await showFigure(spec, { id: options.id, update: shown });
    shown = true;
  };
}
