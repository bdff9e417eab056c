/** Every figure the experiments make compiles cleanly and renders to SVG and PNG. */
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
import { figureBundle } from "../../../lib/core/plots/display.ts";
import { featureColor } from "../../../lib/core/plots/colors.ts";

Deno.test("the experiments' figures compile without Vega-Lite warnings and render", async () => {
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
      const { svg, png } = await renderFigure(spec);
      assert.ok(svg.startsWith("<svg") && svg.includes("</svg>"), `${experiment.id}/${name}`);
      assert.ok(png.length > 1000);
    }
  }
});

Deno.test("figureBundle() carries a Vega-Lite v5 spec with SVG and PNG fallbacks", async () => {
  const bundle = await figureBundle({
    title: "t",
    data: { values: [{ a: 1, b: 2 }] },
    mark: "point",
    encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } },
  });
  const vl = bundle["application/vnd.vegalite.v5+json"] as { $schema: string };
  assert.match(vl.$schema, /vega-lite\/v5\.json$/);
  assert.match(bundle["image/svg+xml"] as string, /^<svg/);
  assert.ok((bundle["image/png"] as string).startsWith("iVBOR"));
  assert.ok(!("text/html" in bundle));
});

Deno.test("features keep the seed's colours (W₁ firebrick … W₇ mediumblue)", () => {
  assert.equal(featureColor(1), "firebrick");
  assert.equal(featureColor(7), "mediumblue");
  assert.notEqual(featureColor(8), featureColor(7));
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
