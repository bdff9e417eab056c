/** lib/core/plots/heatmap.ts: a matrix as one raster inside axes. */
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import * as vega from "vega";
import { heatmapUnit } from "../../../lib/core/plots/heatmap.ts";
import {
  CollectingLogger,
  compileSpec,
  renderSvg,
  type Spec,
} from "../../../lib/core/plots/render.ts";

type Unit = {
  width: number;
  height: number;
  layer: {
    mark: { type: string };
    data: { values: { url?: string }[] };
    encoding: Record<string, { title?: string }>;
  }[];
};

/** The RGB pixel (x, y) reader of the PNG a unit embeds. */
function pixels(
  unit: Unit,
): { width: number; height: number; at: (x: number, y: number) => number[] } {
  const url = unit.layer[0].data.values[0].url!;
  const png = Uint8Array.from(atob(url.split(",")[1]), (c) => c.charCodeAt(0));
  const view = new DataView(png.buffer);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const raw = new Uint8Array(inflateSync(png.subarray(41, 41 + view.getUint32(33))));
  const row = 1 + 3 * width; // a filter byte, then RGB
  return {
    width,
    height,
    at: (x, y) => Array.from(raw.subarray(y * row + 1 + 3 * x, y * row + 4 + 3 * x)),
  };
}

const rgb = (css: string) => css.match(/\d+/g)!.map(Number);
const axes = {
  x: { title: "j", domain: [1, 3] as [number, number] },
  y: { title: "p", domain: [1, 3] as [number, number] },
};

Deno.test("heatmapUnit() draws row 0 at the top in the scheme's colours, one pixel per cell", () => {
  const unit = heatmapUnit([0, 1, 2, 3], {
    rows: 2,
    cols: 2,
    ...axes,
    color: { title: "v", scheme: "viridis" },
    minSide: 1,
  }) as Unit;
  const img = pixels(unit);
  assert.deepEqual([img.width, img.height, unit.width, unit.height], [2, 2, 2, 2]);
  const viridis = vega.scheme("viridis") as (t: number) => string;
  assert.deepEqual(img.at(0, 0), rgb(viridis(0)));
  assert.deepEqual(img.at(1, 0), rgb(viridis(1 / 3)));
  assert.deepEqual(img.at(0, 1), rgb(viridis(2 / 3)));
  assert.deepEqual(img.at(1, 1), rgb(viridis(1)));
});

Deno.test("heatmapUnit() reverses and clamps to the colour domain, and enlarges by whole factors", () => {
  const unit = heatmapUnit([-1, 0, 1, 5], {
    rows: 1,
    cols: 4,
    ...axes,
    color: { title: "err", scheme: "redblue", reverse: true, domain: [-1, 1] },
    minSide: 10,
  }) as Unit;
  assert.deepEqual([unit.width, unit.height], [12, 3]); // zoom 3
  const img = pixels(unit);
  const redblue = vega.scheme("redblue") as (t: number) => string;
  assert.deepEqual(img.at(0, 0), rgb(redblue(1))); // −1: the blue end
  assert.deepEqual(img.at(2 * 3, 2), rgb(redblue(0))); // +1: the red end
  assert.deepEqual(img.at(3 * 3 + 2, 1), rgb(redblue(0))); // 5 is clamped to +1
});

Deno.test("heatmapUnit() averages a large matrix in blocks and keeps its SVG small", async () => {
  const rows = 1025;
  const cols = 1024;
  const values = Float64Array.from({ length: rows * cols }, (_, k) => (k % cols) / cols);
  const unit = heatmapUnit(values, {
    rows,
    cols,
    x: { title: "coordinate j", domain: [1, cols + 1] },
    y: { title: "example", domain: [1, rows + 1] },
    color: { title: "y", scheme: "viridis" },
  }) as Unit;
  const img = pixels(unit);
  assert.deepEqual([img.width, img.height], [342, 342]); // ⌈1024 / 3⌉, ⌈1025 / 3⌉
  assert.equal(unit.layer[1].encoding.x.title, "coordinate j (3 × 3 cells averaged)");
  const spec = { hconcat: [unit, unit] } as unknown as Spec;
  const logger = new CollectingLogger();
  compileSpec(spec, logger);
  assert.deepEqual(logger.messages, []);
  const svg = await renderSvg(spec);
  assert.ok(svg.length < 1_000_000, `${svg.length} characters`);
});

Deno.test("heatmapUnit() draws only the axes without values and names a short matrix", () => {
  const unit = heatmapUnit([], {
    rows: 3,
    cols: 3,
    ...axes,
    color: { title: "v", scheme: "viridis" },
  }) as Unit;
  assert.deepEqual(unit.layer.map((l) => l.mark.type), ["point"]);
  assert.equal(unit.layer[0].encoding.color, undefined);
  assert.throws(
    () =>
      heatmapUnit([1, 2], { rows: 2, cols: 2, ...axes, color: { title: "v", scheme: "viridis" } }),
    /heatmapUnit: 2 values for a 2 × 2 matrix/,
  );
  assert.throws(
    () => heatmapUnit([1], { rows: 1, cols: 1, ...axes, color: { title: "v", scheme: "nope" } }),
    /color\.scheme=nope is not a continuous Vega scheme/,
  );
});
