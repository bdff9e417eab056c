/**
 * A heatmap of a matrix drawn as one raster image inside ordinary Vega-Lite
 * axes, with its colour legend. Drawing a cell per `rect` mark writes one SVG
 * element per cell: a 130 × 129 reconstruction pair made a 9.6 MB SVG, and
 * 1025 × 1024 cells overflowed the renderer's string ("Invalid string
 * length"). The raster keeps the file small at any size and shows the cells
 * exactly; the colours are those of the Vega scheme the legend names.
 *
 * @module
 */
import * as vega from "vega";
import { encodeBase64 } from "../io.ts";
import { encodePngRgb } from "./_png.ts";

/** A heatmap axis: the values the first and last row (or column) edges stand for. */
export interface HeatmapAxis {
  /** Axis title. */
  title: string;
  /** The value at the outer edge of the first cell and at that of the last. */
  domain: [number, number];
}

/** How a heatmap is drawn. */
export interface HeatmapOptions {
  /** Rows of the matrix (`values` is row-major, `[rows, cols]`). */
  rows: number;
  /** Columns of the matrix. */
  cols: number;
  /** The horizontal axis, over the columns (first column at the left). */
  x: HeatmapAxis;
  /** The vertical axis, over the rows (first row at the top). */
  y: HeatmapAxis;
  /** The colour legend: title, Vega scheme, and the values its ends stand for (default: min … max). */
  color: { title: string; scheme: string; reverse?: boolean; domain?: [number, number] };
  /** Longest side in screen pixels before cells are averaged in 2 × 2, 3 × 3, … blocks (default 440). */
  maxSide?: number;
  /** Shortest side the image is enlarged to by a whole factor (default 220). */
  minSide?: number;
}

const MISSING = [221, 221, 221];

/** [r, g, b] of a CSS colour as Vega's schemes write them ("rgb(r, g, b)" or "#rrggbb"). */
function rgbOf(css: string): number[] {
  const m = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(css);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  const h = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css);
  if (h) return [parseInt(h[1], 16), parseInt(h[2], 16), parseInt(h[3], 16)];
  throw new RangeError(`heatmapUnit: cannot read the colour ${css}`);
}

/** 256 colours of a continuous Vega scheme, from its start to its end. */
function palette(scheme: string): number[][] {
  const interpolate = vega.scheme(scheme) as ((t: number) => string) | undefined;
  if (typeof interpolate !== "function") {
    throw new RangeError(`heatmapUnit: color.scheme=${scheme} is not a continuous Vega scheme`);
  }
  return Array.from({ length: 256 }, (_, i) => rgbOf(interpolate(i / 255)));
}

/** The matrix averaged over `pool` × `pool` blocks (NaN cells left out; a block of NaN stays NaN). */
function pooled(values: ArrayLike<number>, rows: number, cols: number, pool: number) {
  const h = Math.ceil(rows / pool);
  const w = Math.ceil(cols / pool);
  const out = new Float64Array(h * w); // [h, w]
  for (let by = 0; by < h; by++) {
    for (let bx = 0; bx < w; bx++) {
      let sum = 0;
      let count = 0;
      for (let r = by * pool; r < Math.min(rows, (by + 1) * pool); r++) {
        for (let c = bx * pool; c < Math.min(cols, (bx + 1) * pool); c++) {
          const v = values[r * cols + c];
          if (Number.isFinite(v)) {
            sum += v;
            count++;
          }
        }
      }
      out[by * w + bx] = count ? sum / count : NaN;
    }
  }
  return { cells: out, h, w };
}

/**
 * The matrix `values` (`[rows, cols]`, row-major) as a Vega-Lite layer unit
 * for use inside `hconcat`/`vconcat`: the cells as an embedded PNG, first
 * row at the top and first column at the left, under quantitative axes over
 * `x.domain` and `y.domain` and a gradient legend of the colour scale. A
 * matrix larger than `maxSide` is averaged in blocks (said in the x axis
 * title); a small one is enlarged by a whole factor, so cells stay sharp.
 * With no values (a run that learnt nothing) only the axes are drawn.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { heatmapUnit } from "./heatmap.ts";
 * const unit = heatmapUnit([0, 1, 2, 3, 4, 5], {
 *   rows: 2,
 *   cols: 3,
 *   x: { title: "column", domain: [1, 4] },
 *   y: { title: "row", domain: [1, 3] },
 *   color: { title: "value", scheme: "viridis" },
 * }) as { width: number; height: number; layer: { mark: { type: string } }[] };
 * assert.deepEqual([unit.width, unit.height], [222, 148]); // enlarged 74 times
 * assert.deepEqual(unit.layer.map((l) => l.mark.type), ["image", "point"]);
 * ```
 */
export function heatmapUnit(values: ArrayLike<number>, options: HeatmapOptions): object {
  const { rows, cols } = options;
  const empty = values.length === 0;
  if (!(rows >= 1 && cols >= 1) || (!empty && values.length < rows * cols)) {
    throw new RangeError(`heatmapUnit: ${values.length} values for a ${rows} × ${cols} matrix`);
  }
  const maxSide = options.maxSide ?? 440;
  const pool = Math.max(1, Math.ceil(Math.max(rows, cols) / maxSide));
  const { cells, h, w } = empty ? { cells: new Float64Array(0), h: rows, w: cols } : pooled(
    values,
    rows,
    cols,
    pool,
  );
  const zoom = Math.max(1, Math.ceil((options.minSide ?? 220) / Math.max(h, w)));
  const W = w * zoom;
  const H = h * zoom;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of cells) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const [c0, c1] = options.color.domain ?? [lo, hi === lo ? lo + 1 : hi];
  const xTitle = pool > 1
    ? `${options.x.title} (${pool} × ${pool} cells averaged)`
    : options.x.title;
  const axes = {
    data: {
      values: [
        { x: options.x.domain[0], y: options.y.domain[0], v: c0 },
        { x: options.x.domain[1], y: options.y.domain[1], v: c1 },
      ],
    },
    // Invisible: it only gives the axes their scales and the legend its colours.
    mark: { type: "point", opacity: 0 },
    encoding: {
      x: { field: "x", type: "quantitative", title: xTitle, scale: axisScale(options.x) },
      y: { field: "y", type: "quantitative", title: options.y.title, scale: yScale(options.y) },
      ...(empty ? {} : {
        color: {
          field: "v",
          type: "quantitative",
          title: options.color.title,
          scale: {
            scheme: options.color.scheme,
            domain: [c0, c1],
            ...(options.color.reverse ? { reverse: true } : {}),
          },
        },
      }),
    },
  };
  if (empty) return { width: W, height: H, layer: [axes] };
  const colours = palette(options.color.scheme);
  const rgb = new Uint8Array(W * H * 3);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const v = cells[r * w + c];
      let t = Math.min(1, Math.max(0, (v - c0) / (c1 - c0)));
      if (options.color.reverse) t = 1 - t;
      const colour = Number.isFinite(v) ? colours[Math.round(t * 255)] : MISSING;
      for (let zy = 0; zy < zoom; zy++) {
        let at = ((r * zoom + zy) * W + c * zoom) * 3;
        for (let zx = 0; zx < zoom; zx++, at += 3) rgb.set(colour, at);
      }
    }
  }
  const url = `data:image/png;base64,${encodeBase64(encodePngRgb(W, H, rgb))}`;
  return {
    width: W,
    height: H,
    layer: [
      {
        data: { values: [{ url }] },
        mark: { type: "image", width: W, height: H, align: "left", baseline: "top", aspect: false },
        encoding: { url: { field: "url", type: "nominal" }, x: { value: 0 }, y: { value: 0 } },
      },
      axes,
    ],
  };
}

/** A horizontal scale running from the first column's edge to the last one's. */
function axisScale(axis: HeatmapAxis) {
  const [a, b] = axis.domain;
  return a <= b
    ? { domain: [a, b], nice: false, zero: false }
    : { domain: [b, a], nice: false, zero: false, reverse: true };
}

/** A vertical scale with the first row's edge at the top. */
function yScale(axis: HeatmapAxis) {
  const [a, b] = axis.domain;
  // Vega's y runs upwards: the first row is at the top when the domain is reversed.
  return a <= b
    ? { domain: [a, b], nice: false, zero: false, reverse: true }
    : { domain: [b, a], nice: false, zero: false };
}
