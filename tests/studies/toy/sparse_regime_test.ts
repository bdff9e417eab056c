/**
 * `toy-sparse-regime`'s measurements (lib/studies/toy/sparse_regime.ts) on
 * arrangements whose answer is known, the warm-up-and-cosine schedule
 * (lib/core/optim/schedule.ts) against its closed form and inside the fused
 * trainer, and the experiment end to end at a small size.
 */
import { gapRatioSpec } from "../../../lib/studies/toy/plots_sparse.ts";
import assert from "node:assert/strict";
import {
  analyseSparseRun,
  type HiddenPoint,
  hullVertices,
  interfaces,
  radiusLevels,
} from "../../../lib/studies/toy/sparse_regime.ts";
import { scheduleFactors, warmupCosineFactor } from "../../../lib/core/optim/schedule.ts";
import { trainToy } from "../../../lib/studies/toy/train.ts";
import { initToy } from "../../../lib/studies/toy/model.ts";
import { fromDense } from "../../../lib/studies/toy/data.ts";
import { TOY_TRAIN_DEFAULTS, toyTrainConfig } from "../../../lib/studies/toy/experiments/common.ts";
import { configure } from "../../../lib/core/experiment.ts";
import { toySparseRegime } from "../../../lib/studies/toy/experiments/sparse_regime.ts";
import { sparseRegimeClaims } from "../../../lib/studies/toy/claims.ts";
import { Rng } from "../../../lib/core/random.ts";

const RULE = { zero: 0.05, gap: 0.15 };
const polar = (r: number, deg: number): HiddenPoint => ({
  x: r * Math.cos((deg * Math.PI) / 180),
  y: r * Math.sin((deg * Math.PI) / 180),
});

Deno.test("radiusLevels() finds one, two and three noisy circles and the collapsed points", () => {
  const rng = new Rng(4);
  const noisy = (r: number, k: number) =>
    Array.from({ length: k }, () => r * (1 + 0.02 * (rng.uniform() - 0.5)));
  for (
    const [radii, counts] of [[[1], [7]], [[0.4, 1], [3, 5]], [[0.2, 0.5, 1], [2, 4, 6]]] as const
  ) {
    const norms = radii.flatMap((r, l) => noisy(r, counts[l]));
    const levels = radiusLevels([...norms, 0.001, 0], RULE);
    assert.deepEqual(levels.count, [...counts], `radii ${radii}`);
    assert.equal(levels.collapsed, 2);
    levels.radius.forEach((r, l) => assert.ok(Math.abs(r - radii[l]) < 0.02 * radii[l]));
    assert.ok(Math.max(...levels.cv) < 0.01);
  }
  // A 10% step stays one level, a 20% step splits.
  assert.deepEqual(radiusLevels([1, 1.1, 1.21], RULE).count, [3]);
  assert.deepEqual(radiusLevels([1, 1.2], RULE).count, [1, 1]);
});

Deno.test("hullVertices() keeps strict vertices only (not edge or inner points)", () => {
  const square = [polar(1, 0), polar(1, 90), polar(1, 180), polar(1, 270)];
  const edge = { x: 0.5, y: 0.5 }; // on the edge between the first two
  assert.deepEqual(hullVertices([...square, edge, { x: 0, y: 0 }]), [
    true,
    true,
    true,
    true,
    false,
    false,
  ]);
  assert.deepEqual(hullVertices([polar(1, 30)]), [true]);
  assert.deepEqual(hullVertices([polar(1, 0), polar(2, 0)]), [true, true]);
});

Deno.test("an inner point between two outer neighbours at ±θ is selectable exactly when θ > arccos(r/R)", () => {
  for (const ratio of [0.2, 0.5, 0.8]) {
    const needed = (Math.acos(ratio) * 180) / Math.PI;
    for (const [theta, selectable] of [[needed + 0.5, true], [needed - 0.5, false]] as const) {
      const points = [polar(ratio, 0), polar(1, theta), polar(1, -theta), polar(1, 180)];
      assert.equal(hullVertices(points)[0], selectable, `ratio ${ratio}, θ ${theta}`);
      const levels = radiusLevels(points.map((p) => Math.hypot(p.x, p.y)), RULE);
      const found = interfaces(points, levels);
      assert.equal(found.length, 2);
      for (const f of found) {
        assert.equal(f.inner, 0);
        assert.ok(Math.abs(f.gapDeg - theta) < 1e-9 && Math.abs(f.ratio - ratio) < 1e-12);
        assert.ok(Math.abs(f.neededDeg - needed) < 1e-9);
      }
    }
  }
});

Deno.test("analyseSparseRun() reads levels, selectability and failures off a known model", () => {
  // n = 4 one-hot examples; W's columns: three on a unit triangle and one inside it, at the origin
  // side of the first: the inner one cannot be selected, and with these biases it is not learnt.
  const cols = [polar(1, 0), polar(1, 120), polar(1, 240), polar(0.3, 0)];
  const W = [...cols.map((c) => c.x), ...cols.map((c) => c.y)];
  const b = [-0.5, -0.5, -0.5, -0.5];
  // The four one-hot examples and an empty fifth.
  const examples = fromDense(
    [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]],
    4,
  );
  const a = analyseSparseRun({ W, b, n: 4, examples }, { seed: 3, loss: 0.1 });
  assert.equal(a.row.examples, 5);
  assert.equal(a.row.empty, 1);
  assert.equal(a.row.radius_levels, 2);
  assert.equal(a.row.level_counts, "1;3");
  assert.equal(a.row.unselectable, 1);
  assert.equal(a.row.interfaces, 2);
  assert.ok(a.row.failure, "the inner example is not reconstructed");
  assert.deepEqual(a.hidden.map((h) => h.selectable), [true, true, true, false]);
  assert.deepEqual(a.hidden.map((h) => h.level), [1, 1, 1, 2]); // 1: the outermost
});

Deno.test("warmupCosineFactor() follows its closed form; the fused trainer applies it to every update", async () => {
  const s = { kind: "warmup-cosine", warmup: 4 } as const;
  const f = scheduleFactors(s, 12);
  for (let k = 0; k < 12; k++) {
    const want = k < 4 ? k / 4 : 0.5 * (1 + Math.cos((Math.PI * (k - 4)) / 8));
    assert.ok(Math.abs(f[k] - want) < 1e-15, `k = ${k}`);
  }
  assert.equal(warmupCosineFactor(s, 0, 12), 0);
  // Plain SGD keeps no state, so a scheduled run equals one-step runs chained at lr·f(k)
  // (update 0 has factor 0 and moves nothing).
  const base = toyTrainConfig({ ...TOY_TRAIN_DEFAULTS, optimizer: "sgd", lr: 0.5, steps: 12 }, {
    n: 5,
    m: 2,
    seeds: [7],
  });
  const scheduled = await trainToy({ ...base, schedule: s }, { workers: 1 });
  let chained = initToy(base.model, { seeds: base.seeds });
  for (let k = 1; k < 12; k++) {
    const step = { ...base, steps: 1, init: chained, lrs: [0.5 * f[k]] };
    chained = (await trainToy(step, { workers: 1 })).final;
  }
  assert.deepEqual(chained.data, scheduled.final.data);
  // Without a schedule nothing changes: the factor is exactly 1.
  const plain = await trainToy(base, { workers: 1 });
  const withOne = await trainToy({ ...base, lrs: [0.5] }, { workers: 1 });
  assert.deepEqual(plain.final.data, withOne.final.data);
  await assert.rejects(
    () => trainToy({ ...base, schedule: s }, { workers: 1, engine: "tfjs" }),
    /a learning-rate schedule needs the fused engine/,
  );
});

Deno.test("toy-sparse-regime runs every T × seed and writes runs.csv with its levels", async () => {
  const config = configure(toySparseRegime, {
    n: 40,
    examples: "3,6",
    seeds: 2,
    steps: 400,
    warmup: 40,
  });
  const result = await toySparseRegime.run(config, { workers: 1 });
  const { tables, summary, figures } = toySparseRegime.artefacts(result, config);
  assert.deepEqual(tables.runs.array("examples"), [3, 3, 6, 6]);
  for (const col of ["examples", "seed", "radius_levels", "unselectable", "failure"]) {
    assert.ok(tables.runs.columnNames().includes(col), col);
  }
  assert.deepEqual(Object.keys(figures), [
    "hidden_vectors",
    "level_counts",
    "unlearnt_over_training",
    "gap_against_ratio",
  ]);
  assert.equal(tables.timeline.numRows() % 4, 0); // every run has the same snapshots
  assert.equal(summary.runs, 4);
  assert.throws(
    () => configure(toySparseRegime, { steps: 100, warmup: 100 }),
    /warmup=100 is not allowed/,
  );
  assert.throws(
    () => configure(toySparseRegime, { examples: "3,2.5" }),
    /each T must be an integer/,
  );
});

Deno.test("sparseRegimeClaims() says open for every claim with fewer than 5 cases", () => {
  const few = {
    runs: 6,
    multi_level_runs: 3,
    two_level_runs: 2,
    three_plus_level_runs: 1,
    median_max_level_cv_multi: 0.02,
    selectable_inner_interfaces: 3,
    selectable_inner_wider_than_needed: 3,
    failures: 2,
    multi_level_failures: 2,
    failed_at_half: 2,
    failed_at_half_ever_symmetric_like: 1,
    recovered: 1,
    symmetric_like_recovered: 1,
    setting: { n: 100, sparsity: 0.99, examples: "3,5,8", seeds: 2, steps: 2000 },
  };
  const claims = sparseRegimeClaims(few);
  assert.deepEqual(claims.map((c) => c.verdict), ["open", "open", "open", "open"]);
  for (const c of claims) assert.match(c.measured, /too few to tell \(at least 5 needed/);
});

Deno.test("gapRatioSpec: every point's colour value is in the colour scale's domain", () => {
  const row = { examples: 5, seed: 0, inner: 0, outer: 1, gapDeg: 40, ratio: 0.8, neededDeg: 36.9 };
  const spec = gapRatioSpec([
    { ...row, inner_selectable: true },
    { ...row, inner_selectable: false },
  ], { title: "t" }) as {
    layer: { data: { values: Record<string, unknown>[] }; encoding: Record<string, unknown> }[];
  };
  const points = spec.layer[1];
  const color = points.encoding.color as { field: string; scale: { domain: string[] } };
  const values = points.data.values.map((v) => v[color.field]);
  assert.deepEqual(values, ["selectable", "not selectable"]);
  for (const v of values) assert.ok(color.scale.domain.includes(v as string), `${v}`);
});
