/**
 * Line series that stay visible where they coincide. Two settings that train
 * to the same curve (a bias that stays at zero, a resampling model before its
 * first resample) would otherwise be drawn exactly on top of each other, and
 * the reader sees one series where there are several. Here each series is
 * drawn narrower than the one before it, on top of it, so identical curves
 * show as nested bands of their colours, and each carries a few markers of
 * its own shape at x positions no other series uses.
 *
 * @module
 */

/** Colours of line series, in order: neighbours differ in hue and lightness. */
export const SERIES_COLORS: readonly string[] = [
  "#1b6ca8",
  "#e08a1e",
  "#4c9a2a",
  "#c4472b",
  "#8e6bb5",
  "#222222",
  "#2aa198",
  "#d4a017",
  "#e377c2",
  "#7f7f7f",
];

/**
 * Marker shapes of line series, in order: Vega's symbol names, then a filled
 * × and a hexagon as SVG paths on [−1, 1]² (Vega's own `wedge` and `arrow`
 * are too thin to read at marker size).
 */
export const SERIES_SHAPES: readonly string[] = [
  "circle",
  "square",
  "triangle-up",
  "diamond",
  "cross",
  "triangle-down",
  "triangle-right",
  "triangle-left",
  "M-0.7,-1L0,-0.3L0.7,-1L1,-0.7L0.3,0L1,0.7L0.7,1L0,0.3L-0.7,1L-1,0.7L-0.3,0L-1,-0.7Z",
  "M0,-1L0.87,-0.5L0.87,0.5L0,1L-0.87,0.5L-0.87,-0.5Z",
];

const WIDEST = 5;
const NARROWEST = 1.4;
const WIDTH_STEP = 1.1;

/**
 * Stroke width of each of `count` series in draw order: the last one
 * narrowest, each earlier one wider by a step (smaller when many series must
 * fit under 5 px), so a series drawn over an identical one leaves a rim of
 * the one below on both sides.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seriesWidths } from "./series.ts";
 * assert.deepEqual(seriesWidths(3), [3.6, 2.5, 1.4]);
 * assert.deepEqual(seriesWidths(5), [5, 4.1, 3.2, 2.3, 1.4]);
 * assert.deepEqual(seriesWidths(1), [1.8]);
 * ```
 */
export function seriesWidths(count: number): number[] {
  if (count <= 1) return [1.8];
  const step = Math.min(WIDTH_STEP, (WIDEST - NARROWEST) / (count - 1));
  return Array.from(
    { length: count },
    (_, i) => Math.round((NARROWEST + (count - 1 - i) * step) * 100) / 100,
  );
}

/**
 * The mark of a series' markers ({@link staggeredMarkers}): filled, with a
 * white rim so that a marker stands out on its own line too.
 */
export const SERIES_MARKER = {
  type: "point",
  filled: true,
  size: 36,
  opacity: 1,
  stroke: "white",
  strokeWidth: 0.8,
  clip: true,
} as const;

/** The field {@link seriesRows} adds to every row: its series' stroke width. */
export const WIDTH_FIELD = "series_width";

/**
 * The colour and shape channels of line series keyed by `field`, over the
 * series names in draw order (`domain`), in one legend; and the stroke-width
 * channel, which reads each row's {@link WIDTH_FIELD} (see
 * {@link seriesRows}) as it is and has no legend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seriesChannels } from "./series.ts";
 * const ch = seriesChannels("model", ["top-k", "top-k + AuxK"], { title: null });
 * assert.deepEqual(ch.shape.scale.range, ["circle", "square"]);
 * assert.equal(ch.color.scale.range[0], "#1b6ca8");
 * assert.deepEqual(ch.strokeWidth, {
 *   field: "series_width",
 *   type: "quantitative",
 *   scale: null,
 *   legend: null,
 * });
 * ```
 */
export function seriesChannels(
  field: string,
  domain: string[],
  options: { title?: string | null; colors?: readonly string[]; labelLimit?: number } = {},
) {
  const colors = options.colors ?? SERIES_COLORS;
  const pick = <T>(list: readonly T[]) => domain.map((_, i) => list[i % list.length]);
  const common = {
    field,
    type: "nominal" as const,
    title: options.title === undefined ? field : options.title,
    ...(options.labelLimit ? { legend: { labelLimit: options.labelLimit } } : {}),
  };
  return {
    color: { ...common, scale: { domain, range: pick(colors) } },
    shape: { ...common, scale: { domain, range: pick(SERIES_SHAPES) } },
    strokeWidth: { field: WIDTH_FIELD, type: "quantitative" as const, scale: null, legend: null },
  };
}

/**
 * The rows in the order their series come in `domain` (stable within a
 * series), so that Vega draws the first series first, underneath the others,
 * each with its series' stroke width ({@link seriesWidths}) in
 * {@link WIDTH_FIELD}. Rows of a series not in `domain` go last, narrowest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seriesRows } from "./series.ts";
 * const rows = [{ s: "b", x: 1 }, { s: "a", x: 1 }, { s: "b", x: 2 }];
 * assert.deepEqual(seriesRows(rows, (r) => r.s, ["a", "b"]), [
 *   { s: "a", x: 1, series_width: 2.5 },
 *   { s: "b", x: 1, series_width: 1.4 },
 *   { s: "b", x: 2, series_width: 1.4 },
 * ]);
 * ```
 */
export function seriesRows<R extends object>(
  rows: R[],
  series: (r: R) => string,
  domain: string[],
): (R & { series_width: number })[] {
  const widths = seriesWidths(domain.length);
  const rank = new Map(domain.map((d, i) => [d, i]));
  const of = (r: R) => rank.get(series(r)) ?? domain.length;
  return rows.map((r, i) => ({ r, i, at: of(r) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ r, at }) => ({ ...r, series_width: widths[Math.min(at, widths.length - 1)] }));
}

/**
 * A few rows of each line to draw as markers: `count` per line, evenly spread
 * over the line's points (by index, so over a log axis's records too), and
 * shifted by the series' place in `domain` so that no two series put a
 * marker at the same point. A line is the rows sharing `line` (default: the
 * series).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { staggeredMarkers } from "./series.ts";
 * const rows = ["a", "b"].flatMap((s) =>
 *   Array.from({ length: 20 }, (_, x) => ({ s, x, y: 1 }))
 * );
 * const marks = staggeredMarkers(rows, { series: (r) => r.s, domain: ["a", "b"], x: (r) => r.x, count: 2 });
 * assert.deepEqual(marks.map((r) => `${r.s}${r.x}`), ["a2", "a12", "b7", "b17"]);
 * ```
 */
export function staggeredMarkers<R>(
  rows: R[],
  options: {
    series: (r: R) => string;
    domain: string[];
    x: (r: R) => number;
    line?: (r: R) => string;
    count?: number;
  },
): R[] {
  const count = options.count ?? 4;
  const line = options.line ?? options.series;
  const lines = new Map<string, R[]>();
  for (const r of rows) {
    const key = line(r);
    const list = lines.get(key) ?? [];
    list.push(r);
    lines.set(key, list);
  }
  const n = Math.max(1, options.domain.length);
  const out: R[] = [];
  for (const list of lines.values()) {
    const sorted = [...list].sort((a, b) => options.x(a) - options.x(b));
    const i = Math.max(0, options.domain.indexOf(options.series(sorted[0])));
    const picked = new Set<number>();
    for (let j = 0; j < count; j++) {
      const at = Math.round(((j + (i + 0.5) / n) / count) * (sorted.length - 1));
      picked.add(Math.min(sorted.length - 1, Math.max(0, at)));
    }
    for (const at of [...picked].sort((a, b) => a - b)) out.push(sorted[at]);
  }
  return out;
}
