/** lib/studies/sae/plots.ts: the metric panels line up and no model hides under another. */
import assert from "node:assert/strict";
import { saeDeadSpec, saeMetricsSpec } from "../../../lib/studies/sae/plots.ts";
import type { SaeMetricRow } from "../../../lib/studies/sae/analysis.ts";
import {
  CollectingLogger,
  compileSpec,
  renderSvg,
  type Spec,
} from "../../../lib/core/plots/render.ts";

// Top-k and top-k + AuxK train alike here (no latent died) and both have L0 = k; ReLU + L1 differs.
const models = ["top-k", "top-k + AuxK", "ReLU + L1 (λ=0.1)"];
const rows: SaeMetricRow[] = models.flatMap((model, m) =>
  Array.from({ length: 31 }, (_, k) => ({
    step: 10 * k,
    model,
    seed: 0,
    eval_nmse: m === 2 ? 0.2 + 1 / (k + 2) : 0.4 + 1 / (k + 2),
    eval_l0: m === 2 ? 12 - k / 10 : 2,
    dead_fraction: 0,
    // Values of very different widths on the axes: a panel's labels must not shift its plot.
    mean_max_cos: m === 2 ? 0.5 + k / 100 : 0.5 + k / 70,
    recovered: m === 2 ? 0 : k / 300,
  }))
);

type Layer = { mark: { type: string }; data: { values: Record<string, unknown>[] } };

Deno.test("saeMetricsSpec() lays the four panels on one grid, so their plot areas align", async () => {
  const spec = saeMetricsSpec(rows, { title: "Metrics" });
  const logger = new CollectingLogger();
  compileSpec(spec, logger);
  assert.deepEqual(logger.messages, []);
  const svg = await renderSvg(spec);
  const cells = [...svg.matchAll(
    /role-scope concat_(\d+)_group"[^>]*><g transform="translate\(([-\d.]+),([-\d.]+)\)"/g,
  )].map((m) => ({ panel: Number(m[1]), x: Number(m[2]), y: Number(m[3]) }));
  assert.deepEqual(cells.map((c) => c.panel), [0, 1, 2, 3]);
  const [a, b, c, d] = cells;
  assert.equal(a.x, c.x); // left column
  assert.equal(b.x, d.x); // right column
  assert.equal(a.y, b.y); // top row
  assert.equal(c.y, d.y); // bottom row
});

Deno.test("saeMetricsSpec() keeps every model visible where models have identical values", () => {
  const spec = saeMetricsSpec(rows, { title: "Metrics" }) as unknown as {
    concat: { layer: Layer[] }[];
  };
  const l0 = spec.concat[1].layer;
  const line = l0.find((l) => l.mark.type === "line")!.data.values;
  const points = l0.find((l) => l.mark.type === "point")!.data.values;
  const width = (m: string) => line.find((r) => r.model === m)!.series_width as number;
  // top-k is drawn first and wider, so top-k + AuxK on top of it leaves a rim of it showing.
  assert.deepEqual([...new Set(line.map((r) => r.model))], models);
  assert.ok(width("top-k") > width("top-k + AuxK"));
  const steps = (m: string) => points.filter((r) => r.model === m).map((r) => r.step);
  assert.ok(steps("top-k").length > 0 && steps("top-k + AuxK").length > 0);
  assert.deepEqual(steps("top-k").filter((s) => steps("top-k + AuxK").includes(s)), []);
});

Deno.test("saeDeadSpec() gives coincident models the same nested lines and markers", () => {
  const spec = saeDeadSpec(rows, { title: "Dead" }) as unknown as { layer: Layer[] };
  assert.deepEqual(spec.layer.map((l) => l.mark.type), ["line", "point"]);
  const markers = new Set(spec.layer[1].data.values.map((r) => r.model));
  assert.deepEqual([...markers], models);
  const logger = new CollectingLogger();
  compileSpec(spec as unknown as Spec, logger);
  assert.deepEqual(logger.messages, []);
});
