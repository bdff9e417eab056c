/**
 * Figures of the step-function autoencoder (the step-function write-up): the encoder weights,
 * the latent code against the step position with its best line, the
 * reconstructions against their targets, the loss, the accumulated encoder
 * gradient and the error per step position. Pure functions of rows.
 *
 * @module
 */
import { type Spec, specTitle } from "../../core/plots/render.ts";
import { showFigure } from "../../core/plots/display.ts";
import { heatmapUnit } from "../../core/plots/heatmap.ts";
import { latentLinearity, latentLineRows } from "./analysis.ts";
import { stepValue } from "./data.ts";
import type { EncoderView, StepAeConfig } from "./model.ts";
import { stepAeOutputs } from "./kernel.ts";
import { maxOf, minOf } from "../../core/stats.ts";
import { ON_TICKS } from "../../core/plots/axes.ts";

const WIDE = 460;

/** w₁ by input index s (1-based). */
export function encoderWeightsSpec(w1: ArrayLike<number>, options: { title: string }): Spec {
  return {
    title: options.title,
    data: { values: Array.from(w1, (w, k) => ({ s: k + 1, w })) },
    width: WIDE,
    height: 180,
    mark: { type: "line", point: { size: 8 }, strokeWidth: 1 },
    encoding: {
      x: { field: "s", type: "quantitative", title: "input index s" },
      y: { field: "w", type: "quantitative", title: "w₁ₛ" },
    },
  } as Spec;
}

/**
 * The latent code of every example against its step position, with the best
 * line (and its R² in the subtitle, left out when there is none to give).
 */
export function latentCodeSpec(
  z: ArrayLike<number>,
  fit: { slope: number; intercept: number; r2: number },
  options: { title: string },
): Spec {
  const x = { field: "position", type: "quantitative", title: "step position p" };
  return {
    title: specTitle({
      title: options.title,
      subtitle: Number.isFinite(fit.r2) ? `best line: R² = ${fit.r2.toFixed(4)}` : undefined,
    }),
    data: { values: latentLineRows(z, fit) },
    width: WIDE,
    height: 200,
    layer: [
      {
        mark: { type: "line", color: "#999", strokeDash: [4, 3] },
        encoding: { x, y: { field: "line", type: "quantitative" } },
      },
      {
        mark: { type: "point", filled: true, size: 14, color: "#c4472b" },
        encoding: { x, y: { field: "z", type: "quantitative", title: "latent code z" } },
      },
    ],
  } as Spec;
}

/**
 * Reconstructions against targets: a heatmap of y over (example, coordinate)
 * next to the error y − x, and a few examples drawn as lines. The heatmaps
 * are rasters ({@link heatmapUnit}), so the figure stays small at any n.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reconstructionsSpec } from "./plots.ts";
 * const n = 3;
 * const y = Array.from({ length: (n + 1) * n }, (_, k) => (k % n) / n); // [n + 1, n]
 * const spec = reconstructionsSpec(y, { n, amplitude: 1, title: "Reconstructions" }) as unknown as {
 *   vconcat: [{ hconcat: { layer: { mark: { type: string } }[] }[] }, unknown];
 * };
 * const heat = spec.vconcat[0].hconcat;
 * assert.deepEqual(heat.map((h) => h.layer[0].mark.type), ["image", "image"]);
 * ```
 */
export function reconstructionsSpec(
  y: ArrayLike<number>,
  options: { n: number; amplitude: number; title: string; lines?: number[] },
): Spec {
  const { n, amplitude } = options;
  const learnt = y.length > 0;
  const error = new Float64Array(learnt ? (n + 1) * n : 0); // [n + 1, n]
  for (let e = 0; e < (learnt ? n + 1 : 0); e++) {
    for (let j = 0; j < n; j++) error[e * n + j] = y[e * n + j] - stepValue(e, j, amplitude);
  }
  // Cell (p, j) spans [j, j + 1] × [p, p + 1]: ticks at whole numbers sit on cell edges.
  const axes = {
    rows: n + 1,
    cols: n,
    x: { title: "coordinate j", domain: [1, n + 1] as [number, number] },
    y: { title: "example (step position p)", domain: [1, n + 2] as [number, number] },
  };
  const limit = Math.max(1e-9, maxOf(Array.from(error, Math.abs).filter(Number.isFinite)));
  return {
    title: options.title,
    vconcat: [
      {
        hconcat: [
          heatmapUnit(learnt ? y : [], { ...axes, color: { title: "y", scheme: "viridis" } }),
          heatmapUnit(error, {
            ...axes,
            color: { title: "y − x", scheme: "redblue", reverse: true, domain: [-limit, limit] },
          }),
        ],
        resolve: { scale: { color: "independent" } },
      },
      reconstructionLinesUnit(y, options),
    ],
  } as unknown as Spec;
}

/** A few reconstructions drawn as lines against their targets (dashed); light enough for live updates. */
export function reconstructionLinesSpec(
  y: ArrayLike<number>,
  options: { n: number; amplitude: number; title: string; lines?: number[] },
): Spec {
  return { title: options.title, ...reconstructionLinesUnit(y, options) } as unknown as Spec;
}

function reconstructionLinesUnit(
  y: ArrayLike<number>,
  options: { n: number; amplitude: number; lines?: number[] },
) {
  const { n, amplitude } = options;
  const picks = options.lines ??
    [1, Math.round(n / 4), Math.round(n / 2), Math.round((3 * n) / 4), n].map((p) =>
      Math.min(p, n + 1)
    );
  const lines = picks.flatMap((p) =>
    Array.from({ length: n }, (_, j) => ({
      position: `p = ${p}`,
      j: j + 1,
      y: y[(p - 1) * n + j],
      target: stepValue(p - 1, j, amplitude),
    }))
  );
  return {
    data: { values: lines },
    width: WIDE,
    height: 160,
    layer: [
      {
        mark: { type: "line", strokeDash: [3, 2], strokeWidth: 1 },
        encoding: {
          x: { field: "j", type: "quantitative", title: "coordinate j" },
          y: { field: "target", type: "quantitative" },
          color: { field: "position", type: "nominal", title: "example", sort: null },
        },
      },
      {
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          x: { field: "j", type: "quantitative" },
          y: { field: "y", type: "quantitative", title: "y (dashed: target)" },
          color: { field: "position", type: "nominal", sort: null },
        },
      },
    ],
  };
}

/**
 * Loss over epochs on a log axis, one line per label. A label with a single
 * epoch (a run that diverged at its first update keeps only its starting
 * loss) is drawn as a point, which a line of one point is not, and an axis
 * over one epoch is centred on it instead of collapsing onto it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepLossSpec } from "./plots.ts";
 * const spec = stepLossSpec([{ epoch: 0, loss: 12.5, label: "loss" }], { title: "Loss" }) as {
 *   layer: { mark: { type: string }; data: { values: unknown[] } }[];
 * };
 * assert.deepEqual(spec.layer.map((l) => [l.mark.type, l.data.values.length]), [
 *   ["line", 1],
 *   ["point", 1],
 * ]);
 * ```
 */
export function stepLossSpec(
  rows: { epoch: number; loss: number; label: string }[],
  options: { title: string; threshold?: number },
): Spec {
  const drawn = rows.filter((r) => r.loss > 0 && Number.isFinite(r.loss));
  const count = new Map<string, number>();
  for (const r of drawn) count.set(r.label, (count.get(r.label) ?? 0) + 1);
  const lone = drawn.filter((r) => count.get(r.label) === 1);
  const first = drawn.length ? minOf(drawn.map((r) => r.epoch)) : 0;
  const one = drawn.every((r) => r.epoch === first);
  const x = {
    field: "epoch",
    type: "quantitative",
    // Whole epochs only: an axis over one epoch would otherwise tick at fractions of it.
    axis: { tickMinStep: 1 },
    ...(one ? { scale: { domain: [first - 0.5, first + 0.5], nice: false } } : {}),
  };
  const y = { field: "loss", type: "quantitative", scale: { type: "log" }, title: "loss (log)" };
  const color = { field: "label", type: "nominal", title: null };
  const layers: unknown[] = [{
    data: { values: drawn },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: { x, y, color },
  }];
  if (lone.length) {
    layers.push({
      data: { values: lone },
      mark: { type: "point", filled: true, size: 50 },
      encoding: { x, y, color },
    });
  }
  if (options.threshold !== undefined) {
    layers.push({
      data: { values: [{ y: options.threshold }] },
      mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
      encoding: { y: { field: "y", type: "quantitative" } },
    });
  }
  return { title: options.title, width: WIDE, height: 220, layer: layers } as Spec;
}

/** Accumulated ∂MSE/∂w₁ₛ over training, by input index s (the step-function write-up, equations 4–7). */
export function gradientBySSpec(gradW1: ArrayLike<number>, options: { title: string }): Spec {
  return {
    title: options.title,
    data: { values: Array.from(gradW1, (g, k) => ({ s: k + 1, g })) },
    width: WIDE,
    height: 180,
    mark: { type: "bar", color: "#4c78a8" },
    encoding: {
      x: {
        field: "s",
        type: "quantitative",
        title: "input index s",
        scale: { domain: [0, gradW1.length + 1], nice: false },
      },
      // The domain ends on a tick: rounded with the axis' own tick count (Vega-Lite's default
      // rounds with ten, which left the tallest bars above the top tick).
      y: {
        field: "g",
        type: "quantitative",
        title: "Σ over epochs of ∂MSE/∂w₁ₛ",
        ...ON_TICKS,
      },
    },
  } as Spec;
}

/** Mean squared error of each example against its step position. */
export function positionErrorSpec(
  rows: { position: number; error: number; label: string }[],
  options: { title: string },
): Spec {
  return {
    title: options.title,
    data: { values: rows },
    width: WIDE,
    height: 180,
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: { field: "position", type: "quantitative", title: "step position p" },
      y: { field: "error", type: "quantitative", title: "mean squared error of the example" },
      color: { field: "label", type: "nominal", title: null },
    },
  } as Spec;
}

/** Final loss (log) and latent R² per remedy, as two bar charts side by side. */
export function remediesSpec(
  rows: {
    remedy: string;
    final_loss: number;
    latent_r2: number;
    epochs_to_threshold: number | null;
  }[],
  options: { title: string },
): Spec {
  const y = { field: "remedy", type: "nominal", sort: null, title: null };
  return {
    title: options.title,
    data: { values: rows },
    hconcat: [
      {
        width: 220,
        height: { step: 18 },
        // Points, not bars: a log axis has no zero for bars to start from.
        mark: { type: "point", filled: true, size: 80, color: "#c4472b" },
        encoding: {
          y,
          x: {
            field: "final_loss",
            type: "quantitative",
            scale: { type: "log" },
            title: "final loss (log)",
          },
        },
      },
      {
        width: 220,
        height: { step: 18 },
        mark: { type: "bar", color: "#4c78a8" },
        encoding: {
          y: { ...y, axis: null },
          x: {
            field: "latent_r2",
            type: "quantitative",
            scale: { domain: [0, 1] },
            title: "latent R²",
          },
        },
      },
    ],
  } as unknown as Spec;
}

/**
 * A progress callback that redraws four figures in place while a step
 * autoencoder trains (Jupyter only): encoder weights, latent code with its
 * line, reconstructions, and the loss so far. It needs progress events that
 * carry the first instance's parameters (`step-ae` sends them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STEP_AE_DEFAULTS } from "./model.ts";
 * import { stepAeLive } from "./plots.ts";
 * const live = stepAeLive({ model: STEP_AE_DEFAULTS, view: { scale: 1, shift: 0 }, id: "demo" });
 * // An event without parameters (a trainer that does not send them) draws nothing.
 * assert.equal(await live({ step: 10, steps: 100 }), undefined);
 * ```
 */
export function stepAeLive(options: {
  /** The architecture the parameters belong to. */
  model: Pick<StepAeConfig, "n" | "amplitude" | "hiddenRelu" | "outputRelu" | "outputBias">;
  /** How the encoder sees its input. */
  view: EncoderView;
  /** Display id prefix of the figures (updated in place). */
  id: string;
  /** Redraw at most every this many epochs (default 2000) and at the last epoch. */
  every?: number;
}): (
  p: { step?: number; steps?: number; loss?: ArrayLike<number>; params?: Float64Array },
) => Promise<void> {
  const lossRows: { epoch: number; loss: number; label: string }[] = [];
  const every = options.every ?? 2000;
  let shown = false;
  let drawnAt = -Infinity;
  return async (
    p: { step?: number; steps?: number; loss?: ArrayLike<number>; params?: Float64Array },
  ) => {
    if (p.step === undefined || !p.params || !p.loss) return;
    lossRows.push({ epoch: p.step, loss: p.loss[0], label: "loss" });
    if (p.step - drawnAt < every && p.step !== p.steps) return;
    drawnAt = p.step;
    const out = stepAeOutputs(options.model, p.params, options.view);
    const n = options.model.n;
    const title = `epoch ${p.step}`;
    const figures: [string, Spec][] = [
      [
        "w1",
        encoderWeightsSpec(p.params.subarray(0, n), { title: `Encoder weights w₁, ${title}` }),
      ],
      ["z", latentCodeSpec(out.z, latentLinearity(out.z), { title: `Latent code, ${title}` })],
      [
        "y",
        reconstructionLinesSpec(out.y, {
          n,
          amplitude: options.model.amplitude,
          title: `Reconstructions, ${title}`,
        }),
      ],
      ["loss", stepLossSpec(lossRows, { title: "Loss so far" })],
    ];
    for (const [name, spec] of figures) {
      await showFigure(spec, { id: `${options.id}-${name}`, update: shown });
    }
    shown = true;
  };
}
