/** lib/studies/step_ae/plots.ts: figure sizes, axes that end on a tick, a loss of one epoch. */
import assert from "node:assert/strict";
import * as vega from "vega";
import {
  gradientBySSpec,
  reconstructionsSpec,
  stepLossSpec,
} from "../../../lib/studies/step_ae/plots.ts";
import { stepValue } from "../../../lib/studies/step_ae/data.ts";
import { compileSpec, renderSvg, type Spec } from "../../../lib/core/plots/render.ts";

/** Reconstructions of n + 1 step functions, `[n + 1, n]`: the targets, off by a ripple. */
function outputs(n: number): Float64Array {
  return Float64Array.from(
    { length: (n + 1) * n },
    (_, k) => stepValue(Math.floor(k / n), k % n, 5) + Math.sin(k) / 4,
  );
}

/** A compiled spec's scale, after Vega has run its data through it. */
async function scaleOf(spec: Spec, name: string) {
  const view = new vega.View(vega.parse(compileSpec(spec) as vega.Spec), { renderer: "none" });
  await view.runAsync();
  // deno-lint-ignore no-explicit-any
  const scale = (view as any).scale(name);
  view.finalize();
  return scale;
}

for (const n of [129, 1024]) {
  Deno.test(`reconstructionsSpec() at n = ${n} renders an SVG under 1 MB`, async () => {
    const spec = reconstructionsSpec(outputs(n), { n, amplitude: 5, title: "Reconstructions" });
    const svg = await renderSvg(spec);
    // Drawn a rect per cell, n = 129 made 9.6 MB and n = 1024 overflowed the SVG string.
    assert.ok(svg.length < 1_000_000, `${svg.length} characters`);
    assert.equal((svg.match(/<image /g) ?? []).length, 2);
  });
}

Deno.test("gradientBySSpec() ends its y axis on a tick above the tallest bar", async () => {
  // Bars up to 1075: Vega-Lite's default rounding gave a domain to 1100 with a top tick at 1000.
  const g = Array.from({ length: 33 }, (_, k) => 1075 * Math.sin((Math.PI * (k + 1)) / 66));
  const spec = gradientBySSpec(g, { title: "Gradient" });
  const y = await scaleOf(spec, "y");
  const [lo, hi] = y.domain();
  const ticks: number[] = y.ticks(5);
  assert.ok(hi >= Math.max(...g));
  assert.equal(ticks.at(-1), hi);
  assert.equal(ticks[0], lo);
});

Deno.test("stepLossSpec() draws a run of one epoch as a point on a whole-epoch axis", async () => {
  const spec = stepLossSpec([{ epoch: 0, loss: 12.5, label: "loss" }], { title: "Loss" });
  const x = await scaleOf(spec, "x");
  assert.deepEqual(x.domain(), [-0.5, 0.5]);
  const svg = await renderSvg(spec);
  // Before: a line of one point (nothing drawn) over an axis labelled "0.000000".
  assert.ok(!svg.includes("0.000000"));
  assert.match(svg, /role-axis-label[^]*?>0<\/text>/);
  assert.match(svg, /class="mark-symbol role-mark/);
  // A curve of many epochs draws no extra points.
  const long = stepLossSpec(
    [0, 1, 2].map((epoch) => ({ epoch, loss: 2 - epoch / 2, label: "loss" })),
    { title: "Loss" },
  ) as unknown as { layer: unknown[] };
  assert.equal(long.layer.length, 1);
});
