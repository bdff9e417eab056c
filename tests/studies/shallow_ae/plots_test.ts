/** lib/studies/shallow_ae/plots.ts: the error timeline keeps every curve and label readable. */
import assert from "node:assert/strict";
import { errorTimelineSpec } from "../../../lib/studies/shallow_ae/plots.ts";
import { CollectingLogger, compileSpec } from "../../../lib/core/plots/render.ts";

type Layer = {
  data: { values: Record<string, number | string>[] };
  mark: { type: string; x?: number };
  encoding: Record<string, { field?: string; scale?: { domain: number[]; range?: unknown[] } }>;
};
type Panel = { title?: string; width: number; height: number; layer: Layer[] };

// Two panels of three bias modes each; in the first, all three train to the same curve (a bias
// that stays at zero), which is what the full run does for linear and erf.
const steps = Array.from({ length: 40 }, (_, k) => Math.round(10 ** (k / 8)));
const rows = ["linear, untied weights", "relu, untied weights"].flatMap((panel, p) =>
  ["none", "encoder", "both"].flatMap((curve, c) =>
    steps.map((step) => ({ step, curve, panel, error: 1 + 2 / Math.sqrt(step) + p * c * 0.1 }))
  )
);
// PCA levels of which two lie closer together than a line of text.
const levels = [{ k: 0, error: 3 }, { k: 1, error: 1.6 }, { k: 2, error: 1.01 }, {
  k: 3,
  error: 1,
}];
const spec = errorTimelineSpec(rows, levels, { title: "Error", yMax: 3.1 }) as unknown as {
  concat: Panel[];
};

Deno.test("errorTimelineSpec() draws coincident curves nested, each with markers of its own", () => {
  const [panel] = spec.concat;
  const line = panel.layer.find((l) => l.mark.type === "line")!;
  const points = panel.layer.find((l) => l.mark.type === "point")!;
  // Drawn in order, each curve narrower than the one under it: the lower ones show as rims.
  const order = [...new Set(line.data.values.map((r) => r.curve))];
  assert.deepEqual(order, ["none", "encoder", "both"]);
  const width = order.map((c) => line.data.values.find((r) => r.curve === c)!.series_width);
  assert.ok(width[0] > width[1] && width[1] > width[2], `${width}`);
  assert.equal(line.encoding.strokeWidth.field, "series_width");
  // Every curve has markers, its own shape and colour, and no marker shares a step with another.
  const marks = order.map((c) =>
    points.data.values.filter((r) => r.curve === c).map((r) => r.step)
  );
  assert.ok(marks.every((m) => m.length >= 3), JSON.stringify(marks));
  assert.equal(new Set(marks.flat()).size, marks.flat().length);
  assert.equal(new Set(points.encoding.shape.scale!.range).size, 3);
  assert.equal(new Set(points.encoding.color.scale!.range).size, 3);
});

Deno.test("errorTimelineSpec() writes the PCA labels outside the plot, apart from each other", () => {
  for (const panel of spec.concat) {
    const text = panel.layer.find((l) => l.mark.type === "text")!;
    assert.ok(text.mark.x! > panel.width, "labels sit right of the plot, where no curve runs");
    const [lo, hi] = panel.layer.find((l) => l.mark.type === "line")!.encoding.y.scale!.domain;
    const px = text.data.values.map((r) => (panel.height * (hi - (r.at as number))) / (hi - lo));
    assert.deepEqual(text.data.values.map((r) => r.label), [
      "PCA(0)",
      "PCA(1)",
      "PCA(2)",
      "PCA(3)",
    ]);
    assert.ok(px.every((y) => y >= 0 && y <= panel.height), `labels beside the plot: ${px}`);
    for (let i = 1; i < px.length; i++) {
      assert.ok(px[i] - px[i - 1] >= 10.99, `labels ${i - 1} and ${i} overlap: ${px}`);
    }
    // A label stays at its level unless it has to move off its neighbour.
    assert.equal(text.data.values[0].at, 3);
  }
});

Deno.test("errorTimelineSpec() makes a panel per activation and weights, and compiles cleanly", () => {
  assert.deepEqual(spec.concat.map((p) => p.title), [
    "linear, untied weights",
    "relu, untied weights",
  ]);
  const logger = new CollectingLogger();
  compileSpec(spec as never, logger);
  assert.deepEqual(logger.messages, []);
});
