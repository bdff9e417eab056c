/** Geometry, latent zones and outcome classification. */
import assert from "node:assert/strict";
import {
  adjacentGaps,
  clipHalfPlane,
  gram,
  latentPolygon,
  latentZones,
  type Point,
  polygonArea,
} from "../lib/studies/toy/geometry.ts";
import { classifyToy, outcomeLabel, STATES, UNLEARNT_NORM } from "../lib/studies/toy/outcomes.ts";
import {
  failureHistory,
  finalOutcomes,
  identityLoss,
  recoveryStats,
} from "../lib/studies/toy/analysis.ts";
import {
  mergedPair,
  regularPolygon,
  symmetricFailure,
  symmetricFailureLoss,
} from "../lib/studies/toy/closed_forms.ts";
import { trainToy } from "../lib/studies/toy/train.ts";
import { toyRun } from "./helpers.ts";

Deno.test("clipHalfPlane() clips a square exactly", () => {
  const square: Point[] = [[0, 0], [2, 0], [2, 2], [0, 2]];
  const left = clipHalfPlane(square, [-1, 0], 0.5); // x < 0.5
  assert.ok(Math.abs(polygonArea(left) - 1) < 1e-15);
  assert.equal(clipHalfPlane(square, [1, 0], -5).length, 0);
  assert.ok(Math.abs(polygonArea(clipHalfPlane(square, [1, 1], 10)) - 4) < 1e-15);
  // A diagonal cut keeps a triangle of area 2.
  assert.ok(Math.abs(polygonArea(clipHalfPlane(square, [1, 1], -2)) - 2) < 1e-15);
});

Deno.test("latentZones() of the regular n-gon: the triangle of each vertex and its neighbours", () => {
  // Wᵢ·Wᵢ₊₁ + bᵢ = 0 exactly, so feature i's zone is cut off by the line through
  // its two neighbouring vertices.
  for (const n of [5, 6, 9]) {
    const { W, b } = regularPolygon(n, 0.2);
    const zones = latentZones(W, b);
    const v = (i: number): Point => [W[0][(i + n) % n], W[1][(i + n) % n]];
    const hull = Math.abs(polygonArea(Array.from({ length: n }, (_, i) => v(i))));
    const triangle = Math.abs(polygonArea([v(-1), v(0), v(1)])) / hull;
    for (const z of zones) {
      assert.ok(Math.abs(z.fraction - triangle) < 1e-12, `n=${n}: ${z.fraction} vs ${triangle}`);
    }
    // Each zone touches its own vertex, where the feature's output is exactly 1.
    zones.forEach((z, i) => {
      const [x, y] = [W[0][i], W[1][i]];
      assert.ok(z.polygon.some(([px, py]) => Math.hypot(px - x, py - y) < 1e-12));
    });
    const gaps = adjacentGaps(W);
    for (const g of gaps) assert.ok(Math.abs(g - 360 / n) < 1e-9);
  }
});

Deno.test("latentZones() of Symmetric Failure: the unlearnt feature is active everywhere", () => {
  const { W, b } = symmetricFailure(7);
  const zones = latentZones(W, b);
  assert.ok(Math.abs(zones[6].fraction - 1) < 1e-12);
  // The polygon is the hexagon plus the origin (the pac-man's mouth).
  assert.equal(latentPolygon(W).length, 7);
  for (const z of zones.slice(0, 6)) assert.ok(z.fraction > 0 && z.fraction < 0.2);
});

Deno.test("gram() is WᵀW", () => {
  const G = gram([[1, 2, 0], [0, 1, 3]]);
  assert.deepEqual(G, [[1, 2, 0], [2, 5, 3], [0, 3, 9]]);
});

Deno.test("classifyToy(): thresholds for unlearnt features, learnt loss and Symmetric Failure", () => {
  const n = 7;
  const ngon = regularPolygon(n);
  assert.equal(classifyToy(ngon.W, ngon.b, 0).outcome, "all_learnt");

  const sf = symmetricFailure(n, { unlearnt: 2 });
  const o = classifyToy(sf.W, sf.b, symmetricFailureLoss(n));
  assert.equal(o.outcome, "unlearnt");
  assert.deepEqual(o.unlearnt, [3]);
  assert.ok(o.biasAtMean && o.symmetricFailure);
  assert.equal(outcomeLabel(o), "symmetric failure");
  assert.ok(o.settled && o.regular);

  // The norm threshold sits at 0.1: just below counts as unlearnt, just above does not.
  const at = (norm: number) => {
    const W = sf.W.map((row) => [...row]);
    W[0][2] = norm;
    return classifyToy(W, sf.b, symmetricFailureLoss(n)).unlearnt.length;
  };
  assert.equal(at(UNLEARNT_NORM * 0.99), 1);
  assert.equal(at(UNLEARNT_NORM * 1.01), 0);

  // A bias 20% away from 1/n is not "at 1/n", so not Symmetric Failure either.
  const b = [...sf.b];
  b[2] = 1.2 / n;
  const off = classifyToy(sf.W, b, symmetricFailureLoss(n));
  assert.ok(!off.biasAtMean && !off.symmetricFailure);
  // A loss far from (n−1)/n³ is not Symmetric Failure.
  assert.ok(!classifyToy(sf.W, sf.b, 3 * symmetricFailureLoss(n)).symmetricFailure);
  assert.equal(classifyToy(sf.W, sf.b, NaN).outcome, "diverged");
  assert.equal(classifyToy(sf.W, sf.b, 1, { oneHot: false }).outcome, "unlearnt");
});

Deno.test("outcomes of a trained sweep are consistent with the cost of unlearnt features", async () => {
  // Each unlearnt feature (‖Wᵢ‖ < 0.1) outputs about a constant, which costs at least
  // about (n−1)/n³; an instance called "all learnt" has less than 1% of that.
  const n = 7;
  const run = await trainToy(toyRun({
    seeds: Array.from({ length: 48 }, (_, i) => i),
    optimizerName: "sgd",
    lr: 0.1,
    steps: 3000,
  }));
  const outcomes = finalOutcomes(run, { oneHot: true });
  const unlearntCount = outcomes.filter((o) => o.unlearnt.length > 0).length;
  assert.ok(unlearntCount > 10, "SGD at lr 0.1 leaves features unlearnt in many seeds");
  outcomes.forEach((o, i) => {
    const k = o.unlearnt.length;
    assert.ok(
      run.finalLoss[i] >= 0.9 * k * symmetricFailureLoss(n),
      `seed ${i}: ${k} unlearnt but loss ${run.finalLoss[i]}`,
    );
    if (o.unlearnt.length === 1 && o.symmetricFailure) {
      assert.ok(Math.abs(o.unlearntBias - 1 / n) < 0.1 / n);
    }
  });
});

Deno.test("classifyToy(): a settled failure with an irregular polygon is a skewed failure", () => {
  const n = 7;
  const sf = symmetricFailure(n);
  // Stretch two learnt columns by 20%: still one unlearnt feature and (we pretend) the
  // loss of a settled failure, but the polygon is no longer regular.
  const W = sf.W.map((row) => row.map((v, i) => (i < 2 ? 1.2 * v : v)));
  const o = classifyToy(W, sf.b, symmetricFailureLoss(n));
  assert.equal(o.state, "skewed failure");
  assert.ok(o.settled && !o.regular && !o.symmetricFailure);
  // Not settled (the other features are not learnt yet): just "1 unlearnt".
  assert.equal(classifyToy(sf.W, sf.b, 4 * symmetricFailureLoss(n)).state, "1 unlearnt");
  // Two unlearnt features with the loss of two: settled.
  const two = symmetricFailure(n);
  two.W[0][0] = two.W[1][0] = 0;
  const o2 = classifyToy(two.W, two.b, 2 * symmetricFailureLoss(n));
  assert.equal(o2.state, "2 unlearnt");
  assert.ok(o2.settled);
});

Deno.test("failureHistory() finds when a failure starts, whether it recovers, and how", () => {
  const code = (s: string) => STATES.indexOf(s as typeof STATES[number]);
  // One instance over six snapshots: unlearnt at init, settles into Symmetric
  // Failure, skews, recovers.
  const states = [
    "3+ unlearnt",
    "1 unlearnt",
    "symmetric failure",
    "skewed failure",
    "other",
    "all learnt",
  ];
  const settled = [0, 0, 1, 1, 0, 0];
  const t = {
    steps: [0, 100, 200, 300, 400, 500],
    instances: 1,
    codes: Uint8Array.from(states.map(code)),
    symmetricFailure: Uint8Array.from(states.map((s) => (s === "symmetric failure" ? 1 : 0))),
    settled: Uint8Array.from(settled),
  };
  const h = failureHistory(t, 0);
  assert.deepEqual(h, {
    failedAt: 200,
    failureKind: "symmetric failure",
    failureUnlearnt: 1,
    symmetricAt: 200,
    recoveredAt: 500,
    skewed: true,
    episodes: 1,
  });
  const stats = recoveryStats([h, failureHistory({ ...t, settled: new Uint8Array(6) }, 0)]);
  assert.equal(stats.failed, 1);
  assert.equal(stats.recovered, 1);
  assert.equal(stats.duration.median, 300);
  assert.equal(stats.recoveredViaSkew, 1);
});

Deno.test("a merged pair costs 1/n² and is classified as merged features", () => {
  for (const n of [5, 7, 10]) {
    const { W, b } = mergedPair(n, 0.4);
    const loss = identityLoss(W, b);
    assert.ok(Math.abs(loss - 1 / n ** 2) < 1e-15, `n=${n}: ${loss}`);
    const o = classifyToy(W, b, loss);
    assert.equal(o.state, "merged features");
    assert.equal(o.mergedPairs, 1);
    assert.ok(o.settled && o.unlearnt.length === 0);
  }
  // The regular polygon has no merged pair.
  const ngon = regularPolygon(12);
  assert.equal(classifyToy(ngon.W, ngon.b, 0).mergedPairs, 0);
});
