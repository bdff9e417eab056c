/**
 * The toy autoencoder without a bias (the no-bias aside; `toy-no-bias`):
 * closed forms against the fused kernel, the n-cube projection, the loss
 * over θ and where the write-up's identity fails, the learnt-feature threshold
 * on constructed states, and a small trained run against the regular pentagon.
 */
import assert from "node:assert/strict";
import { gram } from "../../../lib/studies/toy/geometry.ts";
import { identityLoss } from "../../../lib/studies/toy/analysis.ts";
import { configure, resolveConfig } from "../../../lib/core/experiment.ts";
import { ConfigError } from "../../../lib/core/config.ts";
import {
  adjacentPairs,
  analyseNoBias,
  hypercubeProjection,
  learnMargins,
  LEARNT_MARGIN,
  learntFeatures,
  lossOverTheta,
  noBiasAngleRows,
  noBiasLossParts,
  noBiasPolygonLoss,
  noBiasRunRows,
  noBiasState,
  noBiasStats,
  noBiasTimeline,
  noBiasTradeoffRows,
  pickRepresentative,
  polygonOverlap,
  positiveOffDiagonal,
  regularPolygonNoBias,
  representativeView,
  sharedPairs,
} from "../../../lib/studies/toy/no_bias.ts";
import { toyNoBias } from "../../../lib/studies/toy/experiments/no_bias.ts";
import { toyParamsFrom } from "../../../lib/studies/toy/model.ts";
import { toyLossGradIdentity, toyScratch } from "../../../lib/studies/toy/kernel.ts";
import { CollectingLogger, compileSpec, renderFigure } from "../../../lib/core/plots/render.ts";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);

/** W (`[2][n]`) from columns given as [x, y] pairs. */
function fromColumns(cols: [number, number][]): number[][] {
  return [cols.map((c) => c[0]), cols.map((c) => c[1])];
}

/** A unit square on the axes plus one more column `extra`. */
function squarePlus(extra: [number, number]): number[][] {
  return fromColumns([[1, 0], [0, 1], [-1, 0], [0, -1], extra]);
}

/** Square with features 1 and 5 sharing the direction of feature 1, squared norms a and b. */
function sharedSquare(a: number, b: number): number[][] {
  return fromColumns([[Math.sqrt(a), 0], [0, 1], [-1, 0], [0, -1], [Math.sqrt(b), 0]]);
}

Deno.test("hypercubeProjection() of a 5-column W has 32 corners W·v and 80 one-feature edges", () => {
  const { W } = regularPolygonNoBias(5, 0.3);
  const { vertices, edges } = hypercubeProjection(W);
  assert.equal(vertices.length, 32);
  assert.equal(edges.length, 80); // n·2ⁿ⁻¹
  for (const v of vertices) {
    const x = W[0].reduce((s, w, i) => s + (v.bits[i] === "1" ? w : 0), 0);
    const y = W[1].reduce((s, w, i) => s + (v.bits[i] === "1" ? w : 0), 0);
    close(v.x, x, 1e-12, `corner ${v.bits}`);
    close(v.y, y, 1e-12, `corner ${v.bits}`);
  }
  const seen = new Set<string>();
  for (const e of edges) {
    const diff = e.from ^ e.to;
    assert.equal(diff, 1 << (e.feature - 1), "an edge flips exactly its feature");
    close(e.x2 - e.x, W[0][e.feature - 1], 1e-12, "edge is a translate of the column (x)");
    close(e.y2 - e.y, W[1][e.feature - 1], 1e-12, "edge is a translate of the column (y)");
    seen.add(`${Math.min(e.from, e.to)}-${Math.max(e.from, e.to)}`);
  }
  assert.equal(seen.size, 80, "no edge twice");
  // A regular polygon's columns sum to zero, so corners 00000 and 11111 coincide.
  close(vertices[31].x, 0, 1e-12, "11111 at the origin");
  close(vertices[31].y, 0, 1e-12, "11111 at the origin");
  assert.equal(hypercubeProjection(fromColumns([[1, 0], [0, 1], [1, 1]])).edges.length, 12);
});

Deno.test("lossOverTheta() matches (cos 2θ + 1)/2 for |θ| ≤ 90° and not beyond", () => {
  const rows = lossOverTheta(Array.from({ length: 361 }, (_, k) => k - 180));
  for (const r of rows) {
    close(r.loss, Math.max(0, Math.cos(r.theta)) ** 2, 1e-15, `θ=${r.theta_deg}`);
    if (Math.abs(r.theta_deg) <= 90) {
      assert.ok(r.identity_holds, `identity should hold at θ=${r.theta_deg}`);
      close(r.loss, r.cos2theta_form, 1e-12, `θ=${r.theta_deg}`);
    } else {
      assert.ok(!r.identity_holds, `identity should fail at θ=${r.theta_deg}`);
      assert.equal(r.loss, 0);
      close(r.cos2theta_form, Math.cos(r.theta) ** 2, 1e-12, `θ=${r.theta_deg}`);
    }
  }
  const at = (deg: number) => rows.find((r) => r.theta_deg === deg)!;
  close(at(180).cos2theta_form, 1, 1e-12, "the write-up's form is 1 at 180°");
  close(at(135).cos2theta_form, 0.5, 1e-12, "and 1/2 at 135°");
});

Deno.test("regularPolygonNoBias(5): loss (3−√5)/(5(7−√5)) in closed form, on the kernel, stationary", () => {
  const r5 = Math.sqrt(5);
  const p = regularPolygonNoBias(5, 0.7);
  close(polygonOverlap(5), (3 - r5) / 4, 1e-15, "P = 2cos²72°");
  close(p.normSq, 4 / (7 - r5), 1e-15, "s* = 1/(1+P)");
  close(p.loss.total, (3 - r5) / (5 * (7 - r5)), 1e-15, "L* = P/(n(1+P))");
  close(p.loss.total, 0.0320714913, 1e-10, "L* numerically");
  // The fused float64 kernel (bias of zeros = no bias) and the direct Gram sum agree.
  close(identityLoss(p.W, [0, 0, 0, 0, 0]), p.loss.total, 1e-15, "kernel loss");
  const parts = noBiasLossParts(p.W);
  close(parts.total, p.loss.total, 1e-15, "Gram loss");
  close(parts.diag, p.loss.diag, 1e-15, "diagonal part");
  close(parts.offdiag, p.loss.offdiag, 1e-15, "off-diagonal part");
  close(p.loss.offdiag / p.loss.total, 1 / (1 + p.overlap), 1e-12, "84% paid off the diagonal");
  // Zero gradient of the no-bias model at the closed form: a stationary point.
  const params = toyParamsFrom(p.W, null);
  const grad = new Float64Array(params.data.length);
  const loss = toyLossGradIdentity(
    { n: 5, m: 2, bias: false },
    params.data,
    0,
    new Float64Array(5).fill(1),
    grad,
    toyScratch(5, 2),
  );
  close(loss, p.loss.total, 1e-15, "kernel loss (no-bias path)");
  assert.ok(Math.max(...grad.map(Math.abs)) < 1e-14, `gradient ${grad}`);
  // s* is the minimum of the one-parameter family, and every column has two positive neighbours.
  for (const eps of [-1e-3, 1e-3]) {
    assert.ok(noBiasPolygonLoss(5, p.normSq + eps).total > p.loss.total);
  }
  assert.deepEqual(positiveOffDiagonal(gram(p.W)), [2, 2, 2, 2, 2]);
  for (const pair of adjacentPairs(p.W)) close(pair.angle_deg, 72, 1e-9, "adjacent angle");
});

Deno.test("regularPolygonNoBias() reconstructs exactly for n ≤ 2m = 4 and not above", () => {
  for (const n of [3, 4]) {
    const p = regularPolygonNoBias(n);
    assert.equal(p.loss.total, 0);
    close(identityLoss(p.W, new Array(n).fill(0)), 0, 1e-15, `n=${n}`);
    assert.ok(positiveOffDiagonal(gram(p.W)).every((c) => c === 0));
  }
  for (const n of [5, 6, 7, 8]) {
    const p = regularPolygonNoBias(n);
    assert.ok(p.loss.total > 0);
    close(identityLoss(p.W, new Array(n).fill(0)), p.loss.total, 1e-14, `n=${n}`);
  }
});

Deno.test("learntFeatures(): own output above 1/2 and a margin above 1/4 over every other output", () => {
  const pentagon = regularPolygonNoBias(5).W;
  assert.deepEqual(learntFeatures(pentagon), [true, true, true, true, true]);
  for (const { own, margin } of learnMargins(pentagon)) {
    close(own, 0.8396, 1e-4, "pentagon own output");
    close(margin, 0.5802, 1e-4, "pentagon margin");
  }
  assert.equal(noBiasState(pentagon), "all learnt");

  // An even shared pair: both own outputs at 1/2, margin 0; loss 1/n² = 0.04.
  const even = sharedSquare(0.5, 0.5);
  assert.deepEqual(learntFeatures(even), [false, true, true, true, false]);
  assert.deepEqual(sharedPairs(even), [[1, 5]]);
  assert.equal(noBiasState(even), "shared direction");
  close(identityLoss(even, [0, 0, 0, 0, 0]), 1 / 25, 1e-15, "shared pair loss");

  // Slightly uneven: own output 0.51 passes a bare "yᵢᵢ > 1/2" test, but its margin is tiny.
  const uneven = sharedSquare(0.51, 0.49);
  assert.ok(learnMargins(uneven)[0].own > 0.5);
  assert.ok(learnMargins(uneven)[0].margin < LEARNT_MARGIN);
  assert.equal(learntFeatures(uneven)[0], false);
  close(identityLoss(uneven, [0, 0, 0, 0, 0]), 1 / 25, 1e-15, "the valley is flat");

  // Far along the valley the stronger member is decodable; the weaker is not.
  assert.deepEqual(learntFeatures(sharedSquare(0.8, 0.2)), [true, true, true, true, false]);

  // The valley's end: a collapsed column, same loss.
  const collapsed = squarePlus([0.02, 0.03]);
  assert.deepEqual(learntFeatures(collapsed), [true, true, true, true, false]);
  assert.equal(noBiasState(collapsed), "collapsed");
  assert.ok(identityLoss(collapsed, [0, 0, 0, 0, 0]) >= 1 / 25 - 1e-12);
  assert.equal(noBiasState(pentagon, NaN), "diverged");
});

Deno.test("pickRepresentative() takes the median-regular seed among those that learnt all", () => {
  const base = regularPolygonNoBias(5).W;
  const turn = (deg: number) => {
    // Rotate feature 1 by `deg` degrees: its two adjacent angles move by ±deg.
    const W = base.map((row) => [...row]);
    const a = (deg * Math.PI) / 180;
    const [x, y] = [W[0][0], W[1][0]];
    W[0][0] = x * Math.cos(a) - y * Math.sin(a);
    W[1][0] = x * Math.sin(a) + y * Math.cos(a);
    return W;
  };
  const analyse = (W: number[][], seed: number, loss = 0.03) => ({
    seed,
    state: noBiasState(W),
    learnt: learntFeatures(W),
    learntAllAt: null,
    finalLoss: loss,
    loss: noBiasLossParts(W),
    adjacent: adjacentPairs(W),
    norms: [1, 1, 1, 1, 1],
    positive: positiveOffDiagonal(gram(W)),
    shared: sharedPairs(W),
    closure: 0,
    divergedAt: null,
  });
  const rows = [
    analyse(turn(3), 10),
    analyse(sharedSquare(0.5, 0.5), 11, 0.04),
    analyse(turn(1), 12),
    analyse(turn(2), 13),
  ];
  assert.equal(rows[0].state, "all learnt");
  assert.equal(pickRepresentative(rows).index, 3); // deviations 3°, 1°, 2°: median 2°
  assert.equal(pickRepresentative([rows[1]]).index, 0);
});

Deno.test("toyNoBias: a small trained run learns near-regular pentagons at the closed-form loss", async () => {
  const config = configure(toyNoBias, { seeds: 16, steps: 20_000 });
  const result = await toyNoBias.run(config, {});
  const { summary, tables, figures } = toyNoBias.artefacts(result, config);
  const closed = regularPolygonNoBias(5);
  const learnt = result.analysis.filter((a) => a.state === "all learnt");
  // Measured: 16 of 16 under AdamW lr 1e-3 by 20,000 steps; the test asks for 3/4.
  assert.ok(learnt.length >= 12, `only ${learnt.length} of 16 learnt all five`);
  for (const a of learnt) {
    for (const p of a.adjacent) close(p.angle_deg, 72, 0.1, `seed ${a.seed} adjacent angle`);
    for (const norm of a.norms) close(norm, closed.norm, 1e-3, `seed ${a.seed} norm`);
    close(a.finalLoss, closed.loss.total, 1e-6, `seed ${a.seed} loss`);
    assert.ok(a.finalLoss >= closed.loss.total - 1e-12, "no seed below the closed form");
    assert.deepEqual(a.positive, [2, 2, 2, 2, 2]);
  }
  close(summary.adjacent_angle_deg_mean as number, 72, 1e-9, "mean adjacent angle");
  assert.ok((summary.adjacent_angle_deg_max_dev as number) < 0.1);
  assert.ok((summary.norm_cv as number) < 1e-3);
  assert.equal(summary.learnt_all, learnt.length);
  const rep = summary.representative as Record<string, unknown>;
  assert.equal(rep.hypercube_vertices, 32);
  assert.equal(rep.hypercube_edges, 80);

  assert.equal(tables.runs.numRows(), 16);
  for (const col of ["seed", "final_loss", "learnt_all", "adjacent_angles_deg", "norm_cv"]) {
    assert.ok(tables.runs.columnNames().includes(col), col);
  }
  assert.equal(tables.angles.numRows(), 16 * 5);
  assert.deepEqual(tables.loss_over_theta.columnNames().slice(0, 4), [
    "theta_deg",
    "theta",
    "loss",
    "cos2theta_form",
  ]);
  for (const [name, spec] of Object.entries(figures)) {
    const logger = new CollectingLogger();
    compileSpec(spec, logger);
    assert.deepEqual(logger.messages, [], name);
  }
  const { svg } = await renderFigure(figures.hypercube);
  assert.ok(svg.startsWith("<svg"));
});

Deno.test("toyNoBias gives byte-identical tables for the same config, on 1 or 2 workers", async () => {
  const config = configure(toyNoBias, {}, "smoke");
  const csv = async (workers: number) => {
    const r = await toyNoBias.run(config, { workers });
    const t = toyNoBias.artefacts(r, config).tables;
    return t.runs.toCSV() + t.angles.toCSV();
  };
  const once = await csv(1);
  assert.equal(await csv(1), once);
  assert.equal(await csv(2), once);
});

Deno.test("toyNoBias refuses m ≠ 2, n < 3 and seed ranges past the end", () => {
  assert.throws(() => resolveConfig(toyNoBias, "smoke", [["m", "3"]]), ConfigError);
  assert.throws(() => resolveConfig(toyNoBias, "smoke", [["n", "2"]]), /n=2 is not allowed/);
  assert.throws(
    () => resolveConfig(toyNoBias, "smoke", [["seed", "4294967295"], ["seeds", "10"]]),
    ConfigError,
  );
  assert.equal(resolveConfig(toyNoBias, "quick").n, 5);
});

Deno.test("noBiasTimeline(): state fractions add up to 1; settling steps only for seeds that end learnt", async () => {
  const config = configure(toyNoBias, { seeds: 6, steps: 4000 });
  const r = await toyNoBias.run(config, {});
  const finals = r.analysis.map((a) => a.state);
  const { rows, learntAllAt } = noBiasTimeline(r.train, finals);
  assert.deepEqual(rows, r.timeline);
  for (const step of new Set(rows.map((x) => x.step))) {
    const sum = rows.filter((x) => x.step === step).reduce((s, x) => s + x.fraction, 0);
    close(sum, 1, 1e-12, `fractions at step ${step}`);
  }
  learntAllAt.forEach((at, i) => {
    if (finals[i] !== "all learnt") assert.equal(at, null);
    else assert.ok(at !== null && r.train.snapshots.steps.includes(at));
  });
  // Told that every seed ends elsewhere, none has a settling step.
  assert.ok(
    noBiasTimeline(r.train, finals.map(() => "other")).learntAllAt.every((x) => x === null),
  );
});

Deno.test("noBiasRunRows(), noBiasAngleRows() and noBiasStats() of a pentagon and a shared pair", () => {
  const pentagon = analyseNoBias(regularPolygonNoBias(5, 0.2).W, { seed: 7, loss: 0.0321 });
  const shared = analyseNoBias(sharedSquare(0.5, 0.5), { seed: 8, loss: 0.04 });
  pentagon.learntAllAt = 1200;
  const [p, s] = noBiasRunRows([pentagon, shared]);
  assert.deepEqual([p.learnt_all, p.learnt_features, p.learnt_all_at_step], [true, 5, 1200]);
  close(p.adjacent_angle_max_dev, 0, 1e-9, "pentagon angles");
  assert.equal(p.shared_pairs, "");
  assert.deepEqual([s.state, s.learnt_features, s.shared_pairs], ["shared direction", 3, "1-5"]);
  const angles = noBiasAngleRows([pentagon, shared]);
  assert.equal(angles.length, 10);
  assert.deepEqual(angles.filter((a) => a.seed === 7).map((a) => a.rank), [1, 2, 3, 4, 5]);
  const stats = noBiasStats([shared, pentagon, shared]);
  assert.deepEqual(stats.counts, { "shared direction": 2, "all learnt": 1 });
  assert.deepEqual(stats.learnt, [pentagon]);
  close(stats.gapMean!, 72, 1e-9, "mean adjacent angle");
  close(stats.normMean!, regularPolygonNoBias(5).norm, 1e-12, "mean norm");
  assert.deepEqual(stats.settle, { median: 1200, p90: 1200, max: 1200 });
  assert.deepEqual(stats.sharedLosses, [0.04, 0.04]);
  assert.deepEqual(stats.positiveHist, { 2: 5 });
  const none = noBiasStats([shared]);
  assert.deepEqual([none.gapMean, none.normMean, none.normCv, none.settle], [
    null,
    null,
    null,
    null,
  ]);
});

Deno.test("representativeView(): corners of the projected 5-cube, other outputs and the kernel loss", () => {
  const p = regularPolygonNoBias(5, 0.4);
  const view = representativeView(p.W, analyseNoBias(p.W, { seed: 0, loss: p.loss.total }));
  assert.deepEqual([view.cube.vertices.length, view.cube.edges.length], [32, 80]);
  assert.equal(view.distinct, 31, "only 00000 and 11111 meet");
  for (const v of view.neighbour) {
    close(v, p.normSq * Math.cos((2 * Math.PI) / 5), 1e-12, "neighbour");
  }
  close(view.kernelLoss, p.loss.total, 1e-15, "kernel loss");
  close(view.scale, p.norm, 1e-15, "scale");
});

Deno.test("noBiasTradeoffRows(): the total is smallest at the closed form's norm", () => {
  for (const n of [5, 6]) {
    const total = noBiasTradeoffRows(n).filter((r) => r.part === "total");
    const best = total.reduce((a, b) => (b.loss < a.loss ? b : a));
    close(best.norm, regularPolygonNoBias(n).norm, 0.005, `n=${n}`);
  }
});
