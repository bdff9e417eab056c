/**
 * The toy study's figures read as they should (issue 12): the unlearnt
 * feature is the red, thick mark; the live loss plot keeps toy-geometry's
 * two runs apart; toy-tilt's gradient figure says why its cosines are ±1 and
 * draws coinciding curves once; the survey heatmaps explain their n range,
 * count their seeds and say why a cell is blank.
 */
import assert from "node:assert/strict";
import { featureColor, UNLEARNT_COLOR } from "../../../lib/core/plots/colors.ts";
import { liveLossPlot } from "../../../lib/core/plots/live.ts";
import { CollectingLogger, compileSpec, type Spec } from "../../../lib/core/plots/render.ts";
import { configure } from "../../../lib/core/experiment.ts";
import { regularPolygon, symmetricFailure } from "../../../lib/studies/toy/closed_forms.ts";
import { featureRows, latentPolygon, latentZones } from "../../../lib/studies/toy/geometry.ts";
import {
  biasesSpec,
  featureVectorsSpec,
  latentZonesSpec,
  trainingProgressSpec,
  unlearntFeatures,
} from "../../../lib/studies/toy/plots.ts";
import { surveyGridSpec, tiltGradientSpec } from "../../../lib/studies/toy/plots_failure.ts";
import { toyGeometry } from "../../../lib/studies/toy/experiments/geometry.ts";
import { toyTilt } from "../../../lib/studies/toy/experiments/tilt.ts";
import { toyFailureSurvey } from "../../../lib/studies/toy/experiments/failure_survey.ts";
import { subtitles } from "../../helpers.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

function assertCompiles(spec: Spec, what: string) {
  const logger = new CollectingLogger();
  compileSpec(spec, logger);
  assert.deepEqual(logger.messages, [], what);
}

/** Symmetric Failure at n = 7 with feature 3 unlearnt, as the figures get it. */
function failureFigureInputs() {
  const { W, b } = symmetricFailure(7, { unlearnt: 2 });
  return { W, b, rows: featureRows(W, b), polygon: latentPolygon(W) };
}

Deno.test("unlearntFeatures() names the columns shorter than 0.1, and none of a regular polygon", () => {
  assert.deepEqual(unlearntFeatures(failureFigureInputs().rows), [3]);
  const hexagon = regularPolygon(6);
  assert.deepEqual(unlearntFeatures(featureRows(hexagon.W, hexagon.b)), []);
});

Deno.test("featureVectorsSpec(): the unlearnt feature is red, thick, drawn last and labelled", () => {
  const { rows, polygon } = failureFigureInputs();
  const spec = featureVectorsSpec(rows, polygon, { title: "SF" }) as Any;
  const [, rule, point, plainText, boldText] = spec.layer;
  assert.deepEqual(
    rule.encoding.color.scale.range,
    [1, 2, 3, 4, 5, 6, 7].map((f) => (f === 3 ? UNLEARNT_COLOR : featureColor(f))),
  );
  assert.deepEqual(rule.encoding.strokeWidth, {
    condition: { test: "datum.unlearnt", value: 4 },
    value: 2.5,
  });
  assert.equal(point.encoding.size.condition.value, 170);
  assert.deepEqual(rule.data.values.at(-1).feature, 3);
  assert.match(rule.encoding.color.legend.labelExpr, /indexof\(\[3\]/);
  assert.deepEqual(boldText.data.values.filter((r: Any) => r.unlearnt).map((r: Any) => r.label), [
    "W3 unlearnt",
  ]);
  assert.equal(boldText.mark.fontWeight, "bold");
  assert.equal(plainText.data.values.filter((r: Any) => !r.unlearnt).length, 6);
  assertCompiles(spec, "vectors");
});

Deno.test("featureVectorsSpec(): several unlearnt features share one label; none of a polygon is red", () => {
  const W = [[0, 1, 0.01, -1], [0, 0, 0.02, 0]];
  const rows = featureRows(W, [0.25, 0, 0.25, 0]);
  const spec = featureVectorsSpec(rows, latentPolygon(W), { title: "two" }) as Any;
  assert.deepEqual(
    spec.layer[4].data.values.filter((r: Any) => r.unlearnt).map((r: Any) => r.label),
    [
      "W1, W3 unlearnt",
    ],
  );
  const hexagon = regularPolygon(6);
  const plain = featureVectorsSpec(featureRows(hexagon.W, hexagon.b), latentPolygon(hexagon.W), {
    title: "hexagon",
  }) as Any;
  assert.ok(!plain.layer[1].encoding.color.scale.range.includes(UNLEARNT_COLOR));
  assert.equal(plain.layer[1].encoding.color.legend.labelExpr, undefined);
});

Deno.test("latentZonesSpec(): the unlearnt zone is outlined thick in red, faintly filled, on top", () => {
  const { W, b, rows, polygon } = failureFigureInputs();
  const spec = latentZonesSpec(latentZones(W, b), rows, polygon, { title: "zones" }) as Any;
  const zones = spec.layer[0];
  assert.equal(zones.encoding.fill.scale.range[2], UNLEARNT_COLOR);
  assert.deepEqual(zones.encoding.fillOpacity, {
    condition: { test: "datum.unlearnt", value: 0.1 },
    value: 0.3,
  });
  assert.equal(zones.encoding.strokeWidth.condition.value, 3);
  assert.equal(zones.data.values.at(-1).feature, 3);
  assertCompiles(spec, "zones");
});

Deno.test("biasesSpec() and trainingProgressSpec() colour the unlearnt feature red", () => {
  const { rows } = failureFigureInputs();
  const bars = biasesSpec(rows, { title: "b" }) as Any;
  assert.equal(bars.layer[0].encoding.color.scale.range[2], UNLEARNT_COLOR);
  const progress = [0, 10].flatMap((step) =>
    [1, 2, 3].map((feature) => ({ step, feature, norm: feature === 3 ? 0 : 1, bias: 0 }))
  );
  const loss = [{ step: 0, loss: 0.1 }, { step: 10, loss: 0.05 }];
  const spec = trainingProgressSpec(progress, loss, { title: "t", n: 3, unlearnt: [3] }) as Any;
  const norms = spec.vconcat[0];
  assert.deepEqual(norms.encoding.color.scale.range, [
    featureColor(1),
    featureColor(2),
    UNLEARNT_COLOR,
  ]);
  assert.equal(norms.encoding.strokeWidth.condition.value, 3);
  assert.deepEqual(norms.data.values.slice(-2).map((r: Any) => r.feature), [3, 3]);
  assertCompiles(spec, "progress");
  assertCompiles(bars, "biases");
});

Deno.test("toy-geometry's progress gives the live loss plot one series per run (n = 6, then n = 7)", async () => {
  const live = liveLossPlot({ id: "geometry", title: "Loss" });
  const config = configure(toyGeometry, { candidates: 4, steps: 60 });
  await toyGeometry.run(config, { workers: 1, onProgress: live.onProgress });
  const series = [...new Set(live.rows.map((r) => r.series))];
  assert.deepEqual(series, ["n=6", "n=7"]);
  for (const s of series) {
    const steps = live.rows.filter((r) => r.series === s).map((r) => r.step);
    assert.ok(steps.every((step, k) => k === 0 || step > steps[k - 1]), `${s}: ${steps}`);
  }
});

Deno.test("toy-tilt's gradient figure: one signed panel, ±1 cosines stated, identical curves drawn once", async () => {
  const config = configure(toyTilt, { points: 21 });
  const result = await toyTilt.run(config, {});
  const spec = toyTilt.artefacts(result, config).figures.tilt_gradient as Any;
  assert.equal(spec.vconcat, undefined);
  const [zero, lines] = spec.layer;
  assert.deepEqual(zero.data.values, [{ zero: 0 }]);
  // At n = 7 (a regular hexagon) the vertex and edge curves of bₙ = 0 coincide: one line.
  const drawn = [...new Set(lines.data.values.map((r: Any) => `${r.case} | ${r.direction}`))];
  assert.deepEqual(drawn, [
    "b_n = 1/n | vertex (along W1)",
    "b_n = 1/n | edge (between W1 and W2)",
    "b_n = 0 | vertex (along W1) = edge (between W1 and W2)",
  ]);
  for (const r of lines.data.values) {
    const row = result.rows.find((x) =>
      x.case === r.case && x.a === r.a &&
      r.direction.startsWith(x.direction)
    )!;
    assert.equal(r.along, row.grad_cos * row.grad_norm);
  }
  assert.equal(lines.encoding.color.legend.labelLimit, 0);
  assert.equal(lines.encoding.strokeDash.legend.labelLimit, 0);
  assert.deepEqual(subtitles(spec), [
    "The gradient has no sideways part: |cos(∂L/∂Wₙ, Wₙ)| = 1 at every tilt, as d lies",
    "on a mirror line of the learnt polygon; so this component is all of it.",
    "Above 0 a descent step shrinks the tilt: at 80 of 80 tilted states.",
  ]);
  assertCompiles(spec, "tilt_gradient");
});

Deno.test("tiltGradientSpec() counts the states where the gradient pushes the tilt outward", () => {
  const rows = [
    { case: "b_n = 0", direction: "vertex", a: -0.1, grad_cos: -1, grad_norm: 0.2 },
    { case: "b_n = 0", direction: "vertex", a: 0, grad_cos: NaN, grad_norm: 0 },
    { case: "b_n = 0", direction: "vertex", a: 0.1, grad_cos: 0.5, grad_norm: 0.2 },
  ];
  const spec = tiltGradientSpec(rows, { n: 6 }) as Any;
  assert.deepEqual(spec.layer[1].data.values.map((r: Any) => r.along), [-0.2, 0.1]);
  assert.deepEqual(subtitles(spec), [
    "The gradient turns up to 60.0° away from ±Wₙ; only its component along Wₙ is drawn.",
    "Above 0 a descent step shrinks the tilt: at 1 of 2 tilted states.",
  ]);
});

Deno.test("surveyGridSpec(): blank cells are grey with their reason, valued cells carry their seeds", () => {
  const rows = [
    { setting: "sgd lr=0.1", n: 5, value: 0.75, count: "3/4", blank: null },
    { setting: "sgd lr=0.1", n: 6, value: null, count: "0/4", blank: "none\nfailed" },
  ];
  const spec = surveyGridSpec(rows, {
    title: "t",
    subtitle: ["a", "b"],
    value: "share",
    domain: [0, 1],
  }) as Any;
  const [cells, blanks, values, counts, reasons] = spec.layer;
  assert.deepEqual(cells.transform, [{ filter: "isValid(datum.value)" }]);
  assert.deepEqual(cells.encoding.color.scale.domain, [0, 1]);
  assert.deepEqual(blanks.transform, [{ filter: "!isValid(datum.value)" }]);
  assert.equal(blanks.mark.color, "#e6e6e6");
  assert.deepEqual(
    [values, counts, reasons].map((l) => [l.encoding.text.field, l.transform[0].filter]),
    [["value", "isValid(datum.value)"], ["count", "isValid(datum.value)"], [
      "blank",
      "!isValid(datum.value)",
    ]],
  );
  assert.equal(reasons.mark.lineBreak, "\n");
  assert.deepEqual(subtitles(spec), ["a", "b"]);
  assertCompiles(spec, "survey grid");
});

Deno.test("toy-failure-survey's heatmaps explain n, count seeds per cell and say why cells are blank", async () => {
  const config = configure(toyFailureSurvey, {
    nMin: 5,
    nMax: 6,
    optimizers: "sgd",
    lrFactors: "1",
    seeds: 3,
    steps: 30,
  });
  const result = await toyFailureSurvey.run(config, { workers: 1 });
  const { figures } = toyFailureSurvey.artefacts(result, config);
  for (
    const name of ["survey_all_learnt", "survey_symmetric_recovery", "survey_failure_duration"]
  ) {
    const spec = figures[name] as Any;
    assert.equal(subtitles(spec)[0], "n = 5…6 features in m = 2; 3 seeds a cell, 30 steps.", name);
    assert.match(subtitles(spec)[1], /^n starts at 5 at the lowest/, name);
    assert.equal(spec.data.values.length, 2, name);
    assertCompiles(spec, name);
  }
  const learnt = (figures.survey_all_learnt as Any).data.values;
  assert.deepEqual(
    learnt.map((r: Any) => r.count),
    result.cells.map((c) =>
      `${Math.round((c.final["all learnt"] ?? 0) * c.instances)}/${c.instances}`
    ),
  );
  // After 30 steps no seed has settled into Symmetric Failure, failed or recovered.
  const recovery = (figures.survey_symmetric_recovery as Any).data.values;
  assert.deepEqual(recovery.map((r: Any) => [r.value, r.count, r.blank]), [
    [null, "0/0", "never in\nSym. Failure"],
    [null, "0/0", "never in\nSym. Failure"],
  ]);
  const duration = (figures.survey_failure_duration as Any).data.values;
  assert.deepEqual(duration.map((r: Any) => r.blank), ["none\nfailed", "none\nfailed"]);
});
