/** lib/core/plots/series.ts: line series that coincide stay visible. */
import assert from "node:assert/strict";
import {
  SERIES_COLORS,
  seriesChannels,
  seriesRows,
  seriesWidths,
  staggeredMarkers,
} from "../../../lib/core/plots/series.ts";

const domain = ["none", "encoder", "both"];
// Three series with exactly the same curve, listed out of draw order.
const rows = ["both", "none", "encoder"].flatMap((s) =>
  Array.from({ length: 30 }, (_, k) => ({ s, step: k + 1, error: 1 / (k + 1) }))
);

Deno.test("seriesRows() draws the series in domain order, each narrower than the one below", () => {
  const drawn = seriesRows(rows, (r) => r.s, domain);
  assert.deepEqual([...new Set(drawn.map((r) => r.s))], domain);
  const width = domain.map((s) => drawn.find((r) => r.s === s)!.series_width);
  assert.deepEqual(width, [3.6, 2.5, 1.4]);
  // Every row of a series has its width; the rows of one series keep their order.
  assert.ok(drawn.every((r) => r.series_width === width[domain.indexOf(r.s)]));
  assert.deepEqual(
    drawn.filter((r) => r.s === "both").map((r) => r.step),
    rows.slice(0, 30).map((r) => r.step),
  );
});

Deno.test("seriesWidths() decreases strictly and stays between 1.4 and 5 px", () => {
  for (const n of [2, 3, 5, 8, 12]) {
    const w = seriesWidths(n);
    assert.equal(w.length, n);
    assert.equal(w.at(-1), 1.4);
    assert.ok(w[0] <= 5, `${n}: ${w}`);
    for (let i = 1; i < n; i++) assert.ok(w[i] < w[i - 1], `${n}: ${w}`);
  }
});

Deno.test("staggeredMarkers() puts each coincident series' markers where no other series has one", () => {
  const marks = staggeredMarkers(rows, { series: (r) => r.s, domain, x: (r) => r.step, count: 4 });
  const bySeries = domain.map((s) => marks.filter((r) => r.s === s).map((r) => r.step));
  assert.deepEqual(bySeries.map((xs) => xs.length), [4, 4, 4]);
  const all = bySeries.flat();
  assert.equal(new Set(all).size, all.length, `markers shared: ${JSON.stringify(bySeries)}`);
});

Deno.test("staggeredMarkers() marks every line of a series (one per seed)", () => {
  const seeds = [0, 1].flatMap((seed) => rows.map((r) => ({ ...r, seed })));
  const marks = staggeredMarkers(seeds, {
    series: (r) => r.s,
    domain,
    x: (r) => r.step,
    line: (r) => `${r.s}/${r.seed}`,
    count: 2,
  });
  assert.equal(marks.length, 3 * 2 * 2);
  assert.equal(marks.filter((r) => r.s === "none" && r.seed === 1).length, 2);
});

Deno.test("seriesChannels() gives every series its own colour and shape, in one legend", () => {
  const names = Array.from({ length: 10 }, (_, i) => `s${i}`);
  const ch = seriesChannels("s", names, { title: "series" });
  assert.equal(new Set(ch.color.scale.range).size, 10);
  assert.equal(new Set(ch.shape.scale.range).size, 10);
  assert.deepEqual(ch.color.scale.range, SERIES_COLORS);
  // Same field and title: Vega-Lite merges colour and shape into one legend.
  assert.equal(ch.color.field, ch.shape.field);
  assert.equal(ch.color.title, ch.shape.title);
  assert.equal(ch.strokeWidth.legend, null);
});
