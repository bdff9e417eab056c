/**
 * Every figure the experiments make compiles cleanly, with Vega-Lite 6 and,
 * as a notebook carries it, with Vega-Lite 5, and renders to SVG and PNG.
 */
import assert from "node:assert/strict";
import { EXPERIMENTS } from "../../../lib/registry.ts";
import { resolveConfig } from "../../../lib/core/experiment.ts";
import {
  CollectingLogger,
  compileSpec,
  renderFigure,
  renderSvg,
  type Spec,
  withLogGrid,
} from "../../../lib/core/plots/render.ts";
import { figureBundle, notebookSpec } from "../../../lib/core/plots/display.ts";
import { lossBandSpec } from "../../../lib/core/plots/live.ts";
import { vegaLite5Messages } from "../../helpers.ts";

/** An SVG with its gradient and clip ids numbered alike (Vega counts them per process). */
const sameIds = (svg: string) => svg.replace(/(gradient_|clip)\d+/g, "$1#");

Deno.test("the experiments' figures compile without Vega-Lite 6 or 5 warnings and render", async () => {
  // As notebooks show them, for Vega-Lite 5 (JupyterLab's renderer), checked at the end in one go.
  const shown: [string, Spec][] = [];
  for (const experiment of EXPERIMENTS) {
    const sets: [string, string][] = "steps" in experiment.fields ? [["steps", "300"]] : [];
    const config = resolveConfig(experiment, "smoke", sets);
    const result = await experiment.run(config, {});
    const { figures } = experiment.artefacts(result, config);
    assert.ok(Object.keys(figures).length >= 1, experiment.id);
    for (const [name, spec] of Object.entries(figures)) {
      const logger = new CollectingLogger();
      compileSpec(spec, logger);
      assert.deepEqual(logger.messages, [], `${experiment.id}/${name}`);
      shown.push([`${experiment.id}/${name}`, notebookSpec(spec)]);
      const { svg, png } = await renderFigure(spec);
      assert.ok(svg.startsWith("<svg") && svg.includes("</svg>"), `${experiment.id}/${name}`);
      assert.ok(png.length > 1000);
      // The notebook's form (its rows as a JSON string) draws the very same figure.
      const again = await renderSvg(notebookSpec(spec));
      assert.equal(sameIds(again), sameIds(svg), `${experiment.id}/${name} (notebook form)`);
    }
  }
  const band = { step: 10, median: 0.1, lo: 0.05, hi: 0.2 };
  const live = lossBandSpec([{ series: "a", ...band }, { series: "b", ...band }], { title: "t" });
  shown.push(["live loss plot", notebookSpec(live)]);
  const messages = await vegaLite5Messages(shown.map(([, spec]) => spec));
  const said = shown.map(([name], i) => [name, messages[i]]).filter(([, m]) => m.length > 0);
  assert.deepEqual(said, []);
});

Deno.test("vegaLite5Messages() reports what Vega-Lite 5 warns about or cannot compile", async () => {
  const values = [{ a: 1 }];
  const messages = await vegaLite5Messages([
    { data: { values }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } },
    { data: { values }, mark: "point", encoding: { x: { field: "a", aggregate: "middle" } } },
    { data: { values }, mark: "blob" },
  ]);
  assert.equal(messages.length, 3);
  assert.deepEqual(messages[0], []);
  assert.deepEqual(messages[1], ['warn: Invalid aggregation operator "middle".']);
  assert.match(messages[2][0], /^throws: /);
});

Deno.test("figureBundle() carries a Vega-Lite v5 spec and a 2x PNG shown at the figure's size, no SVG or HTML", async () => {
  const spec = {
    title: "t",
    width: 300,
    height: 150,
    data: { values: [{ a: 1, b: 2 }] },
    mark: "point",
    encoding: {
      x: { field: "a", type: "quantitative", scale: { type: "log" } },
      y: { field: "b", type: "quantitative" },
    },
  } as Spec;
  const { data, metadata } = await figureBundle(spec);
  // nbconvert's HTML export would pick SVG (and blank it) or HTML over the PNG.
  assert.deepEqual(Object.keys(data).sort(), [
    "application/vnd.vegalite.v5+json",
    "image/png",
    "text/plain",
  ]);
  const vl = data["application/vnd.vegalite.v5+json"] as Record<string, unknown>;
  // Gridded like the PNG; its rows one JSON string (Jupyter would save a line per key).
  assert.deepEqual(vl, {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    ...withLogGrid(spec),
    data: { values: '[{"a":1,"b":2}]', format: { type: "json" } },
  });
  const png = Uint8Array.from(atob(data["image/png"] as string), (c) => c.charCodeAt(0));
  const view = new DataView(png.buffer, png.byteOffset);
  // The PNG is RGB (colour type 2), at twice the size the metadata shows it at,
  // which is the SVG's size.
  const { svg } = await renderFigure(spec);
  const [, w, h] = /^<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
  assert.deepEqual(metadata, { "image/png": { width: w, height: h } });
  assert.deepEqual([view.getUint32(16), view.getUint32(20), png[25]], [2 * w, 2 * h, 2]);
});

Deno.test("withLogGrid() grids log axes by decade in layers and facets, and leaves set axes alone", async () => {
  const log = { type: "log" } as const;
  const spec = {
    data: { values: [{ t: 1, y: 0.5 }, { t: 3000, y: 0.01 }] },
    facet: { field: "t", type: "nominal" },
    spec: {
      layer: [
        {
          mark: "line",
          encoding: {
            x: { field: "t", type: "quantitative", scale: log },
            y: { field: "y", type: "quantitative", scale: log, axis: { gridOpacity: 0.5 } },
          },
        },
        {
          mark: "point",
          encoding: { x: { field: "t", type: "quantitative", axis: null, scale: log } },
        },
      ],
    },
  } as unknown as Spec;
  // deno-lint-ignore no-explicit-any
  const [line, point] = (withLogGrid(spec) as any).spec.layer;
  assert.equal(line.encoding.x.axis.gridOpacity.value, 0.25);
  assert.equal(line.encoding.x.axis.gridOpacity.condition.value, 1);
  assert.equal(line.encoding.y.axis.gridOpacity, 0.5);
  assert.equal(point.encoding.x.axis, null);
  // Rendered, the decades are full lines and the ticks between them faint ones.
  const svg = await renderSvg({
    data: { values: [{ t: 1 }, { t: 1000 }] },
    mark: "point",
    encoding: { x: { field: "t", type: "quantitative", scale: log } },
  } as unknown as Spec);
  assert.match(svg, /stroke="#ddd"[^>]*opacity="0\.25"/);
  assert.match(svg, /stroke="#ddd"[^>]*opacity="1"/);
});
