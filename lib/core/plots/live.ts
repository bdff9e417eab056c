/**
 * A training plot that redraws in place while a run trains (Jupyter only):
 * the median loss over instances with its 10–90% band, on a log axis.
 *
 * @module
 */
import { quantile } from "../stats.ts";
import { showFigure } from "./display.ts";
import type { Spec } from "./render.ts";

/** One row of a live loss plot. */
export interface LossBandRow {
  /** Training step. */
  step: number;
  /** Median loss over the instances. */
  median: number;
  /** Lower quantile of the loss. */
  lo: number;
  /** Upper quantile of the loss. */
  hi: number;
}

/** Spec of the live loss plot. */
export function lossBandSpec(rows: LossBandRow[], options: { title: string }): Spec {
  const x = { field: "step", type: "quantitative", title: "step" };
  const y = { type: "quantitative", scale: { type: "log" }, title: "loss (log)" };
  return {
    title: options.title,
    width: 460,
    height: 200,
    data: { values: rows.filter((r) => r.lo > 0 && r.median > 0) },
    layer: [
      {
        mark: { type: "area", opacity: 0.25, color: "#4c78a8" },
        encoding: { x, y: { ...y, field: "lo" }, y2: { field: "hi" } },
      },
      {
        mark: { type: "line", color: "#4c78a8" },
        encoding: { x, y: { ...y, field: "median" } },
      },
    ],
  } as Spec;
}

/** A live loss figure: its rows so far and the progress callback that redraws it. */
export interface LiveLossPlot {
  /** The loss band at every progress event so far. */
  rows: LossBandRow[];
  /** Pass as an experiment's `onProgress`. */
  onProgress(p: { step?: number; loss?: ArrayLike<number> }): Promise<void>;
}

/**
 * Returns a progress callback that keeps the loss band of every progress
 * event and redraws the figure under `id`. Works with any progress object
 * that carries `step` and `loss` (per instance); others are ignored.
 */
export function liveLossPlot(options: { id: string; title: string }): LiveLossPlot {
  const rows: LossBandRow[] = [];
  let shown = false;
  return {
    rows,
    async onProgress(p: { step?: number; loss?: ArrayLike<number> }): Promise<void> {
      if (p.step === undefined || !p.loss) return;
      const values = Array.from(p.loss).filter(Number.isFinite).sort((a, b) => a - b);
      if (values.length === 0) return;
      rows.push({
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
