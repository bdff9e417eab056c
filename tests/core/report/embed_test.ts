/**
 * What the report ships and draws from (`embed.ts`): the browser builds found
 * in node_modules and copied to `_report/`, the zoom added only where a
 * scale-bound selection is safe, and JSON that cannot close its script
 * element.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  liveSpec,
  packageFile,
  REPORT_ASSETS_DIR,
  reportScripts,
  scriptJson,
  withZoom,
  writeReportAssets,
  ZOOM_PARAM,
} from "../../../lib/core/report/embed.ts";
import { FONT, type Spec } from "../../../lib/core/plots/render.ts";

const q = (field: string) => ({ field, type: "quantitative" });
const unit = (encoding: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ data: { values: [] }, mark: "point", encoding, ...extra }) as unknown as Spec;
// deno-lint-ignore no-explicit-any
const params = (spec: Spec): any => (spec as any).params;

Deno.test("packageFile() finds a package's browser build inside node_modules, pinned as in deno.json", async () => {
  const imports =
    JSON.parse(await Deno.readTextFile(new URL("../../../deno.json", import.meta.url))).imports;
  for (const pkg of ["vega", "vega-lite", "vega-embed"]) {
    const path = packageFile(pkg, "package.json");
    assert.match(path, new RegExp(`/node_modules/.*${pkg}/package\\.json$`));
    const version = JSON.parse(await Deno.readTextFile(path)).version;
    assert.equal(`npm:${pkg}@${version}`, imports[pkg]);
  }
  assert.throws(() => packageFile("no-such-package-here", "x.js"), /no-such-package-here/);
});

Deno.test("writeReportAssets() writes the scripts index.html loads, and replaces an older _report/", async () => {
  const out = await Deno.makeTempDir();
  await Deno.mkdir(join(out, REPORT_ASSETS_DIR));
  await Deno.writeTextFile(join(out, REPORT_ASSETS_DIR, "stale.js"), "old");
  await writeReportAssets(out);
  const names = [...Deno.readDirSync(join(out, REPORT_ASSETS_DIR))].map((e) => e.name).sort();
  assert.deepEqual(names, reportScripts().map((s) => s.split("/")[1]).sort());
  assert.deepEqual(reportScripts(), [
    "_report/vega.min.js",
    "_report/vega-lite.min.js",
    "_report/vega-embed.min.js",
    "_report/viewer.js",
  ]);
  const embed = await Deno.readTextFile(join(out, "_report/vega-embed.min.js"));
  assert.ok(embed.includes("vegaEmbed"));
  // Nothing else is left beside the folder (no temporary or moved-aside copy).
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), [REPORT_ASSETS_DIR]);
  await Deno.remove(out, { recursive: true });
});

Deno.test("withZoom() binds an interval to the scales of a single view with numeric x and y", () => {
  const spec = withZoom(unit({ x: q("step"), y: q("loss"), color: { field: "seed" } }));
  assert.deepEqual(params(spec), [{ name: ZOOM_PARAM, select: "interval", bind: "scales" }]);
});

Deno.test("withZoom() puts the zoom on the first layer with numeric x and y, inheriting encodings", () => {
  const layered = {
    data: { values: [] },
    encoding: { x: q("step") },
    layer: [
      { mark: "rule", encoding: { y: { datum: 0 } } },
      { mark: "line", encoding: { y: q("loss") } },
      { mark: { type: "text", x: 4, y: 4 }, encoding: { text: { field: "label" } } },
    ],
  } as unknown as Spec;
  // deno-lint-ignore no-explicit-any
  const layers = (withZoom(layered) as any).layer;
  assert.equal(layers[0].params, undefined);
  assert.deepEqual(layers[1].params, [{ name: ZOOM_PARAM, select: "interval", bind: "scales" }]);
  assert.equal(layers[2].params, undefined);
});

Deno.test("withZoom() leaves alone what a scale-bound selection could break", () => {
  const cases: [string, Spec][] = [
    ["ordinal x", unit({ x: { field: "n", type: "ordinal" }, y: q("loss") })],
    [
      "binned x",
      unit({ x: { ...q("v"), bin: true }, y: { aggregate: "count", type: "quantitative" } }),
    ],
    ["aggregated y", unit({ x: q("v"), y: { ...q("w"), aggregate: "mean" } })],
    ["temporal x", unit({ x: { field: "t", type: "temporal" }, y: q("w") })],
    ["one numeric axis", unit({ x: q("v") })],
    ["row facet channel", unit({ x: q("v"), y: q("w"), row: { field: "s" } })],
    [
      "own params (a slider)",
      unit({ x: q("v"), y: q("w") }, { params: [{ name: "shown", value: 0 }] }),
    ],
    [
      "facet",
      {
        facet: { column: { field: "s" } },
        spec: unit({ x: q("v"), y: q("w") }),
      } as unknown as Spec,
    ],
    ["hconcat", { hconcat: [unit({ x: q("v"), y: q("w") })] } as unknown as Spec],
    [
      "layer with an ordinal layer",
      {
        layer: [unit({ x: q("v"), y: q("w") }), unit({ x: { field: "v", type: "nominal" } })],
      } as unknown as Spec,
    ],
    [
      "layer with independent scales",
      {
        layer: [unit({ x: q("v"), y: q("w") })],
        resolve: { scale: { y: "independent" } },
      } as unknown as Spec,
    ],
    [
      "layer whose layer has a selection",
      {
        layer: [unit({ x: q("v"), y: q("w") }, { params: [{ name: "p", select: "point" }] })],
      } as unknown as Spec,
    ],
    ["nested layer", { layer: [{ layer: [unit({ x: q("v"), y: q("w") })] }] } as unknown as Spec],
  ];
  for (const [what, spec] of cases) assert.equal(withZoom(spec), spec, what);
});

Deno.test("withZoom() ignores a 'params' key inside the data", () => {
  const spec = unit({ x: q("v"), y: q("w") }, { data: { values: [{ params: 1, v: 1, w: 2 }] } });
  assert.equal(params(withZoom(spec))[0].name, ZOOM_PARAM);
});

Deno.test("liveSpec() carries the lab's font and log grids as the static figures do", () => {
  const spec = liveSpec(unit({ x: q("v"), y: { ...q("w"), scale: { type: "log" } } }));
  assert.equal(spec.config?.font, FONT);
  // deno-lint-ignore no-explicit-any
  assert.equal((spec as any).encoding.y.axis.gridOpacity.value, 0.25);
  assert.equal(params(spec)[0].name, ZOOM_PARAM);
});

Deno.test("scriptJson() escapes every < and writes non-finite numbers as null", () => {
  const value = { a: "</script><!-- x", b: [1, Infinity, NaN], c: "ünï" };
  const text = scriptJson(value);
  assert.ok(!text.includes("<"), text);
  assert.deepEqual(JSON.parse(text), { a: "</script><!-- x", b: [1, null, null], c: "ünï" });
});
