/**
 * `figureTitle` (the figure captions of the manifest and the report): every
 * shape a Vega-Lite title takes, titles carried by the views of composite
 * specs, and the fall-back to the figure's name; and `writeExperiment` putting
 * it into manifest.json.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as aq from "arquero";
import { figureTitle, writeExperiment } from "../../../lib/core/report/write.ts";
import type { Spec } from "../../../lib/core/plots/render.ts";

Deno.test("figureTitle() reads string, multi-line and {text, subtitle} titles", () => {
  assert.equal(figureTitle({ title: "Loss over steps" }, "f"), "Loss over steps");
  assert.equal(
    figureTitle({ title: ["Loss of two features", "dotted: n-gon"] }, "f"),
    "Loss of two features dotted: n-gon",
  );
  assert.equal(
    figureTitle({ title: { text: "Final state", subtitle: ["a", "b"] } }, "f"),
    "Final state",
  );
  assert.equal(
    figureTitle({ title: { text: ["Line one", " Line two "] } }, "f"),
    "Line one Line two",
  );
});

Deno.test("figureTitle() takes the title of the views a spec wraps", () => {
  const unit = (title?: unknown) => ({ mark: "point", ...(title === undefined ? {} : { title }) });
  assert.equal(
    figureTitle({ facet: { column: { field: "s" } }, spec: unit("Per setting") }, "f"),
    "Per setting",
  );
  assert.equal(figureTitle({ repeat: ["a"], spec: unit({ text: "Repeated" }) }, "f"), "Repeated");
  assert.equal(figureTitle({ layer: [unit(), unit("Second layer's")] }, "f"), "Second layer's");
  assert.equal(
    figureTitle({ hconcat: [unit("Loss"), unit(), unit({ text: "Linearity" })] }, "f"),
    "Loss · Linearity",
  );
  assert.equal(figureTitle({ vconcat: [{ layer: [unit("Inner")] }] }, "f"), "Inner");
  assert.equal(figureTitle({ concat: [unit(), unit()] }, "bare"), "bare");
  // The spec's own title wins over its views'.
  assert.equal(figureTitle({ title: "Outer", hconcat: [unit("Inner")] }, "f"), "Outer");
});

Deno.test("figureTitle() falls back to the name when no title has text", () => {
  for (
    const title of [
      undefined,
      "",
      "  ",
      [],
      { subtitle: "only a subtitle" },
      { text: { signal: "t" } },
      null,
      3,
    ]
  ) {
    assert.equal(
      figureTitle({ mark: "point", title }, "scatter"),
      "scatter",
      JSON.stringify(title),
    );
  }
  assert.equal(figureTitle(null, "x"), "x");
});

Deno.test("writeExperiment() captions each figure in manifest.json from its spec's title", async () => {
  const out = await Deno.makeTempDir();
  const point = {
    data: { values: [{ a: 1 }] },
    mark: "point",
    encoding: { x: { field: "a", type: "quantitative" } },
  };
  const figures = {
    titled: { ...point, title: { text: "Weight norms", subtitle: "seed 0" } },
    panels: { hconcat: [{ ...point, title: "Left" }, { ...point, title: "Right" }] },
    untitled: point,
  } as unknown as Record<string, Spec>;
  const m = await writeExperiment(
    out,
    {
      id: "demo",
      title: "Demo",
      description: "",
      profile: "smoke",
    },
    {},
    { summary: {}, tables: { t: aq.table({ a: [1] }) }, figures, notes: [] },
  );
  const expected = [
    { name: "titled", title: "Weight norms" },
    { name: "panels", title: "Left · Right" },
    { name: "untitled", title: "untitled" },
  ];
  assert.deepEqual(m.figures, expected);
  const written = JSON.parse(await Deno.readTextFile(join(out, "demo", "manifest.json")));
  assert.deepEqual(written.figures, expected);
  await Deno.remove(out, { recursive: true });
});
