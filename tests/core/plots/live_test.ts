/** The live loss plot: one series per training run, never two runs on one line. */
import assert from "node:assert/strict";
import { liveLossPlot, type LossBandRow, lossBandSpec } from "../../../lib/core/plots/live.ts";
import { CollectingLogger, compileSpec } from "../../../lib/core/plots/render.ts";

/** Each series' steps, in the order they came. */
function stepsBySeries(rows: LossBandRow[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const r of rows) (out[r.series] ??= []).push(r.step);
  return out;
}

/** Two runs one after the other, as toy-geometry trains n = 6 and then n = 7. */
async function twoRuns(group: (n: number) => string | undefined) {
  const live = liveLossPlot({ id: "test", title: "Loss" });
  for (const n of [6, 7]) {
    for (const step of [100, 200, 300]) {
      await live.onProgress({
        step,
        loss: [n / step, 2 * n / step, 3 * n / step],
        group: group(n),
      });
    }
  }
  return live;
}

Deno.test("liveLossPlot() keeps each named run in its own series, its steps increasing", async () => {
  const live = await twoRuns((n) => `n=${n}`);
  assert.deepEqual(stepsBySeries(live.rows), { "n=6": [100, 200, 300], "n=7": [100, 200, 300] });
  const medians = [6, 7].flatMap((n) => [100, 200, 300].map((step) => (2 * n) / step));
  assert.deepEqual(live.rows.map((r) => r.median), medians);
});

Deno.test("liveLossPlot() starts a new series when an unnamed run's steps start over", async () => {
  const live = await twoRuns(() => undefined);
  assert.deepEqual(stepsBySeries(live.rows), { run: [100, 200, 300], "run (2)": [100, 200, 300] });
});

Deno.test("liveLossPlot() splits a name that is reused by a second run", async () => {
  const live = await twoRuns(() => "batch");
  assert.deepEqual(Object.keys(stepsBySeries(live.rows)), ["batch", "batch (2)"]);
});

Deno.test("lossBandSpec() colours each series apart, with an untruncated legend", async () => {
  const live = await twoRuns((n) => `n=${n}`);
  // deno-lint-ignore no-explicit-any
  const spec = lossBandSpec(live.rows, { title: "Loss" }) as any;
  const [band, line] = spec.layer;
  for (const layer of [band, line]) {
    assert.equal(layer.encoding.color.field, "series");
    assert.deepEqual(layer.encoding.color.scale.domain, ["n=6", "n=7"]);
  }
  const [c6, c7] = line.encoding.color.scale.range;
  assert.notEqual(c6, c7);
  assert.equal(line.encoding.color.legend.labelLimit, 0);
  const logger = new CollectingLogger();
  compileSpec(spec, logger);
  assert.deepEqual(logger.messages, []);
});

Deno.test("lossBandSpec() leaves the legend out for a single run", () => {
  const rows = [{ series: "run", step: 1, median: 0.5, lo: 0.4, hi: 0.6 }];
  // deno-lint-ignore no-explicit-any
  const spec = lossBandSpec(rows, { title: "Loss" }) as any;
  assert.equal(spec.layer[1].encoding.color.legend, null);
});
