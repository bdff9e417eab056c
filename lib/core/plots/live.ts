/**
 * A training plot that redraws in place while a run trains (Jupyter only):
 * the median loss over instances with its 10–90% band, on a log axis, one
 * line and band per run when an experiment trains several runs one after the
 * other (each progress event names its run in `group`).
 *
 * @module
 */
import { quantile } from "../stats.ts";
import { categoryScale } from "./colors.ts";
import { showFigure } from "./display.ts";
import type { Spec } from "./render.ts";

/** One row of a live loss plot. */
export interface LossBandRow {
  /** The run (series) the row belongs to, e.g. "n=7". */
  series: string;
  /** Training step. */
  step: number;
  /** Median loss over the instances. */
  median: number;
  /** Lower quantile of the loss. */
  lo: number;
  /** Upper quantile of the loss. */
  hi: number;
}

/**
 * Spec of the live loss plot: one median line and 10–90% band per series,
 * each series in its own colour, with a legend when there is more than one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lossBandSpec } from "./live.ts";
 * const rows = ["n=6", "n=7"].map((series) => ({ series, step: 10, median: 0.1, lo: 0.05, hi: 0.2 }));
 * type Color = { scale: { domain: string[]; range: string[] }; legend: { labelLimit: number } };
 * const spec = lossBandSpec(rows, { title: "Loss" }) as { layer: { encoding: { color: Color } }[] };
 * const { scale, legend } = spec.layer[1].encoding.color;
 * assert.deepEqual(scale, { domain: ["n=6", "n=7"], range: ["#1f77b4", "#ff7f0e"] });
 * assert.equal(legend.labelLimit, 0);
 * ```
 */
export function lossBandSpec(rows: LossBandRow[], options: { title: string }): Spec {
  const series = [...new Set(rows.map((r) => r.series))];
  const x = { field: "step", type: "quantitative", title: "step" };
  const y = { type: "quantitative", scale: { type: "log" }, title: "loss (log)" };
  // labelLimit 0: a run's label is never cut short.
  const color = {
    field: "series",
    type: "nominal",
    title: "run",
    scale: categoryScale(series),
    // The band layer shares the legend: draw its symbols as solid strokes, like the lines.
    legend: series.length > 1
      ? { labelLimit: 0, symbolType: "stroke", symbolOpacity: 1, symbolStrokeWidth: 2.5 }
      : null,
  };
  return {
    title: {
      text: options.title,
      subtitle: "median over the instances of each run; band: 10–90% of them",
    },
    width: 460,
    height: 200,
    data: { values: rows.filter((r) => r.lo > 0 && r.median > 0) },
    layer: [
      {
        // Many runs' bands overlap: the more there are, the fainter each.
        mark: { type: "area", opacity: series.length > 3 ? 0.1 : 0.2 },
        encoding: {
          x,
          y: { ...y, field: "lo" },
          y2: { field: "hi" },
          color,
        },
      },
      {
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: { x, y: { ...y, field: "median" }, color },
      },
    ],
  } as Spec;
}

/** What a live loss plot reads from a progress event. */
export interface LossProgress {
  /** Training step of the current run. */
  step?: number;
  /** Current loss of every instance of the current run. */
  loss?: ArrayLike<number>;
  /** The current run's name, when an experiment trains several runs one after the other. */
  group?: string;
}

/** A live loss figure: its rows so far and the progress callback that redraws it. */
export interface LiveLossPlot {
  /** The loss band at every progress event so far. */
  rows: LossBandRow[];
  /** Pass as an experiment's `onProgress`. */
  onProgress(p: LossProgress): Promise<void>;
}

/**
 * Returns a progress callback that keeps the loss band of every progress
 * event and redraws the figure under `id`. Works with any progress object
 * that carries `step` and `loss` (per instance); others are ignored. Events
 * go to the series their `group` names; an event whose step does not come
 * after its series' last one (a second run under the same name, or a run
 * without a name after another) starts a new series, "name (2)", so that two
 * runs never share one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { liveLossPlot } from "./live.ts";
 * const live = liveLossPlot({ id: "demo", title: "Loss" });
 * for (const group of ["n=6", "n=7"]) {
 *   for (const step of [10, 20]) await live.onProgress({ step, loss: [1, 2, 3], group });
 * }
 * await live.onProgress({ step: 10, loss: [1] }); // no name: a run of its own
 * await live.onProgress({ step: 5, loss: [1] }); // its step went back: another run
 * assert.deepEqual(live.rows.map((r) => r.series), ["n=6", "n=6", "n=7", "n=7", "run", "run (2)"]);
 * ```
 */
export function liveLossPlot(options: { id: string; title: string }): LiveLossPlot {
  const rows: LossBandRow[] = [];
  // The series each name currently writes to, with its last step.
  const current = new Map<string, { series: string; step: number; runs: number }>();
  let shown = false;
  const seriesOf = (name: string, step: number): string => {
    const at = current.get(name);
    if (!at) {
      current.set(name, { series: name, step, runs: 1 });
      return name;
    }
    if (step <= at.step) {
      at.runs += 1;
      at.series = `${name} (${at.runs})`;
    }
    at.step = step;
    return at.series;
  };
  return {
    rows,
    async onProgress(p: LossProgress): Promise<void> {
      if (p.step === undefined || !p.loss) return;
      const values = Array.from(p.loss).filter(Number.isFinite).sort((a, b) => a - b);
      if (values.length === 0) return;
      rows.push({
        series: seriesOf(p.group ?? "run", p.step),
        step: p.step,
        median: quantile(values, 0.5),
        lo: quantile(values, 0.1),
        hi: quantile(values, 0.9),
      });
      const spec = lossBandSpec(rows, { title: options.title });
      await showFigure(spec, { id: options.id, update: shown });
      shown = true;
    },
  };
}
