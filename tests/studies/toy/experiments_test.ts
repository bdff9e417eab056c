/**
 * The analyses the toy experiments hand their results to (`analysis.ts`):
 * picking and describing toy-geometry's examples, the rows and counts of a
 * seed sweep and of the failure survey, the bias rows of toy-bias-optimum,
 * the windows of toy-update-field and the cells of toy-chaos.
 */
import assert from "node:assert/strict";
import {
  biasByNorm,
  biasOptimumRow,
  type ChaosCell,
  chaosCells,
  describeExample,
  finalOutcomes,
  finalState,
  identityLoss,
  outcomeTimeline,
  pickFailure,
  pickPerfect,
  snapshotState,
  stateChanges,
  surveyByOptimizer,
  type SurveyCell,
  surveySettings,
  surveyTableRows,
  sweepRunRows,
  sweepStats,
  symmetricVerdict,
  type UnlearntFeatureRow,
  unlearntFeatureRows,
  updateFrames,
  updateRows,
} from "../../../lib/studies/toy/analysis.ts";
import { symmetricFailure } from "../../../lib/studies/toy/closed_forms.ts";
import { baseFailure, perturbedFailure } from "../../../lib/studies/toy/failure_states.ts";
import { fromStates } from "../../../lib/studies/toy/experiments/failure_common.ts";
import { trainToy } from "../../../lib/studies/toy/train.ts";
import { TOY_MODEL_DEFAULTS } from "../../../lib/studies/toy/model.ts";
import type { ToyTrainResult } from "../../../lib/studies/toy/config.ts";
import { toyRun } from "../../helpers.ts";
import { configure } from "../../../lib/core/experiment.ts";
import { toySeedSweep } from "../../../lib/studies/toy/experiments/seed_sweep.ts";

const seeds48 = Array.from({ length: 48 }, (_, i) => 100 + i);

/** 48 seeds of n = 7 under SGD at lr 0.1 for 3000 steps: many fall into Symmetric Failure. */
let sgdRun: ToyTrainResult | undefined;
async function sgdSweep(): Promise<ToyTrainResult> {
  sgdRun ??= await trainToy(toyRun({
    seeds: seeds48,
    optimizerName: "sgd",
    lr: 0.1,
    steps: 3000,
    record: { lossEvery: 10, snapshotEvery: 30, maxLossRows: 4096, maxSnapshots: 512 },
  }));
  return sgdRun;
}

Deno.test("pickFailure() shows the seed longest in Symmetric Failure at its last such snapshot", async () => {
  const run = await sgdSweep();
  const t = outcomeTimeline(run, { oneHot: true });
  const e = pickFailure(run, seeds48);
  assert.ok(e.found, "SGD at lr 0.1 reaches Symmetric Failure");
  const snapshotsIn = (i: number) =>
    t.steps.reduce((s, _, k) => s + t.symmetricFailure[k * t.instances + i], 0);
  for (let i = 0; i < t.instances; i++) assert.ok(snapshotsIn(i) <= snapshotsIn(e.index));
  assert.equal(e.seed, seeds48[e.index]);
  const last = t.steps.length - 1;
  const row = e.row < 0 ? last : e.row;
  assert.equal(t.symmetricFailure[row * t.instances + e.index], 1);
  for (let k = row + 1; k <= last; k++) {
    assert.equal(t.symmetricFailure[k * t.instances + e.index], 0);
  }
  const shown = e.row < 0 ? finalState(run.final, e.index) : snapshotState(run, e.row, e.index);
  assert.deepEqual(e.state, shown);
  if (e.row >= 0) assert.equal(e.loss, identityLoss(e.state.W, e.state.b));
  let atEnd = 0;
  for (let i = 0; i < t.instances; i++) atEnd += t.symmetricFailure[last * t.instances + i];
  assert.equal(e.atEnd, atEnd);
});

Deno.test("pickPerfect() takes the first seed with every feature learnt, else the lowest loss", async () => {
  const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
  const run = await trainToy(
    toyRun({ model: { ...TOY_MODEL_DEFAULTS, n: 6 }, seeds, steps: 2000 }),
  );
  const outcomes = finalOutcomes(run, { oneHot: true });
  const e = pickPerfect(run, seeds);
  const first = outcomes.findIndex((o) => o.outcome === "all_learnt");
  assert.ok(first >= 0, "Adam at lr 0.01 learns all six in some seeds");
  assert.deepEqual([e.found, e.index, e.row], [true, first, -1]);
  assert.equal(e.loss, run.finalLoss[first]);
  // 5 steps of a fresh run learn nothing: the lowest final loss stands in.
  const short = await trainToy(toyRun({ steps: 5 }));
  const fallback = pickPerfect(short, [0, 1, 2, 3]);
  assert.equal(fallback.found, false);
  assert.equal(fallback.loss, Math.min(...short.finalLoss));
});

Deno.test("describeExample() of exact Symmetric Failure: six regular columns and b₇ = 1/7", () => {
  const state = symmetricFailure(7);
  const d = describeExample({
    n: 7,
    seed: 0,
    row: -1,
    step: 0,
    rule: "closed form",
    found: true,
    state,
    loss: identityLoss(state.W, state.b),
    index: 0,
  });
  assert.equal(d.learnt_features, 6);
  assert.deepEqual(d.unlearnt_features, [7]);
  assert.ok(Math.abs(d.unlearnt_bias[0] - 1 / 7) < 1e-15);
  assert.ok(d.learnt_norm_cv < 1e-12);
  assert.ok(Math.abs(d.adjacent_gap_deg_mean - 60) < 1e-9);
  assert.ok(d.adjacent_gap_deg_max_dev < 1e-9);
});

Deno.test("sweepRunRows() and sweepStats() agree with the outcomes and the failure histories", async () => {
  const train = await sgdSweep();
  const sweep = {
    seeds: seeds48,
    train,
    outcomes: finalOutcomes(train, { oneHot: true }),
    timeline: outcomeTimeline(train, { oneHot: true }),
  };
  const rows = sweepRunRows(sweep);
  const stats = sweepStats(sweep);
  assert.deepEqual(rows.map((r) => r.seed), seeds48);
  const tally: Record<string, number> = {};
  for (const r of rows) tally[r.outcome] = (tally[r.outcome] ?? 0) + 1;
  assert.deepEqual(tally, stats.counts);
  assert.equal(stats.recovery.failed, rows.filter((r) => r.failed_at_step !== null).length);
  assert.equal(stats.recovery.recovered, rows.filter((r) => r.recovered_at_step !== null).length);
  const lastStep = sweep.timeline.steps[sweep.timeline.steps.length - 1];
  for (const r of rows) {
    if (r.failed_at_step === null) {
      assert.equal(r.failure_steps, null);
      continue;
    }
    assert.equal(r.failure_steps, (r.recovered_at_step ?? lastStep) - r.failed_at_step);
    assert.equal(r.failure_kind === null, false);
  }
  for (const r of rows.filter((x) => x.outcome_since_step >= 0)) {
    assert.ok(r.outcome_since_step <= lastStep);
  }
  const sf = rows.filter((r) => r.symmetric_failure);
  assert.ok(sf.length > 0);
  const meanBias = sf.reduce((s, r) => s + r.unlearnt_bias!, 0) / sf.length;
  assert.ok(Math.abs(stats.meanSymmetricFailureBias! - meanBias) < 1e-12);
});

Deno.test("surveySettings() splits a run by learning rate into cells, rows and fractions", async () => {
  const seeds = [0, 1, 2];
  const lrs = [0.05, 0.2];
  const run = await trainToy(toyRun({
    seeds: [...seeds, ...seeds],
    lrs: [0.05, 0.05, 0.05, 0.2, 0.2, 0.2],
    optimizerName: "sgd",
    lr: 0.05,
    steps: 600,
  }));
  const { cells, runs, fractions } = surveySettings(run, { n: 7, optimizer: "sgd", lrs, seeds });
  assert.deepEqual(cells.map((x) => [x.setting, x.instances]), [["sgd lr=0.05", 3], [
    "sgd lr=0.2",
    3,
  ]]);
  assert.deepEqual(runs.map((x) => [x.lr, x.seed]), [
    [0.05, 0],
    [0.05, 1],
    [0.05, 2],
    [0.2, 0],
    [0.2, 1],
    [0.2, 2],
  ]);
  const outcomes = finalOutcomes(run, { oneHot: true });
  runs.forEach((x, i) => assert.equal(x.outcome, outcomes[i].state));
  for (const cell of cells) {
    const shares = Object.values(cell.final).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(shares - 1) < 1e-12, `${cell.setting}: final shares add up to 1`);
    const mine = fractions.filter((f) => f.setting === cell.setting);
    for (const step of new Set(mine.map((f) => f.step))) {
      const sum = mine.filter((f) => f.step === step).reduce((s, f) => s + f.fraction, 0);
      assert.ok(Math.abs(sum - 1) < 1e-12, `${cell.setting} at step ${step}`);
    }
  }
  assert.equal(surveyTableRows(cells).length, 2);
});

Deno.test("symmetricVerdict(): resting state from half still there, transient from half recovered", () => {
  const v = (symmetric: number, still: number | null, recovered: number) =>
    symmetricVerdict({ symmetric, symmetricStillAtEnd: still, recoveredFromSymmetric: recovered });
  assert.equal(v(0, null, 0), "never seen");
  assert.equal(v(4, 0.5, 2), "resting state");
  assert.equal(v(4, 0.25, 2), "transient");
  assert.equal(v(4, 0.25, 1), "mixed");
});

Deno.test("surveyByOptimizer() adds up the cells of each optimizer", () => {
  const cell = (optimizer: "sgd" | "adam", n: number, symmetric: number, still: number) =>
    ({
      n,
      optimizer,
      lr: 0.1,
      setting: `${optimizer} lr=0.1`,
      final: {},
      symmetricStillAtEnd: still,
      instances: 8,
      failed: 3,
      recovered: 1,
      stillFailing: 2,
      symmetric,
      recoveredFromSymmetric: 1,
      duration: { p10: 0, median: 0, p90: 0 },
      durationFromSymmetric: { p10: 0, median: 0, p90: 0 },
      recoveredViaSkew: 0,
    }) as SurveyCell;
  const tally = surveyByOptimizer([
    cell("sgd", 5, 3, 2 / 3),
    cell("adam", 5, 0, 0),
    cell("sgd", 6, 2, 0.5),
  ]);
  assert.deepEqual(Object.keys(tally), ["sgd", "adam"]);
  assert.deepEqual(
    [
      tally.sgd.instances,
      tally.sgd.failed,
      tally.sgd.ever_symmetric,
      tally.sgd.symmetric_still_at_end,
    ],
    [16, 6, 5, 3],
  );
  assert.deepEqual(tally.sgd.verdicts, {
    "n=5 lr=0.1": "resting state",
    "n=6 lr=0.1": "resting state",
  });
});

Deno.test("unlearntFeatureRows() keeps only settled failures; biasOptimumRow() measures them", async () => {
  const run = await trainToy(
    fromStates([baseFailure(7), perturbedFailure(7, 0.3)], { lr: 0.1, steps: 2 }),
  );
  const outcomes = finalOutcomes(run, { oneHot: true });
  assert.deepEqual(outcomes.map((o) => o.settled), [true, false]);
  const features = unlearntFeatureRows(run, { outcomes, seed: 10 });
  assert.deepEqual(features.map((x) => [x.seed, x.feature, x.k]), [[10, 7, 1]]);
  const f = (bias: number): UnlearntFeatureRow => ({
    n: 7,
    seed: 0,
    feature: 7,
    k: 1,
    norm: 0,
    bias,
    rel_error: bias * 7 - 1,
  });
  const ref = 6 / 343;
  const row = biasOptimumRow(7, {
    seeds: 4,
    natural: 1,
    symmetric: [{ bias: 1.1 / 7, loss: ref }, { bias: 0.9 / 7, loss: 1.5 * ref }],
    features: [f(1 / 7), f(1.2 / 7)],
  });
  assert.equal(row.in_symmetric_failure, 2);
  assert.ok(Math.abs(row.bias_mean! - 1 / 7) < 1e-15);
  assert.ok(Math.abs(row.bias_max_rel_error! - 0.1) < 1e-12);
  assert.ok(Math.abs(row.loss_max_rel_error! - 0.5) < 1e-12);
  assert.ok(Math.abs(row.settled_bias_max_rel_error! - 0.2) < 1e-12);
  assert.equal(row.settled_unlearnt_features, 2);
  const empty = biasOptimumRow(7, { seeds: 4, natural: 0, symmetric: [], features: [] });
  assert.deepEqual([empty.bias_mean, empty.loss_max_rel_error, empty.settled_bias_min], [
    null,
    null,
    null,
  ]);
});

Deno.test("biasByNorm() takes the quantiles of |b·n − 1| below each norm bound", () => {
  const rows = [0.01, 0.02, 0.03, 0.04].map((e, k) => ({
    n: 7,
    seed: k,
    feature: 7,
    k: 1,
    norm: 10 ** (-4 + k),
    bias: (1 + e) / 7,
    rel_error: k % 2 ? -e : e,
  }));
  const [a, b, c] = biasByNorm(rows, [1e-3, 1e-2, 1]);
  assert.deepEqual([a.features, b.features, c.features], [1, 2, 4]);
  assert.equal(a.median_abs_rel_error, 0.01);
  assert.ok(Math.abs(b.median_abs_rel_error! - 0.015) < 1e-15);
  assert.ok(Math.abs(c.p90_abs_rel_error! - 0.037) < 1e-15);
  assert.deepEqual(biasByNorm(rows, [1e-5])[0], {
    norm_below: 1e-5,
    features: 0,
    median_abs_rel_error: null,
    p90_abs_rel_error: null,
  });
});

Deno.test("updateFrames() and updateRows(): each window's update carries a column to the next snapshot", async () => {
  const run = await trainToy(
    fromStates([perturbedFailure(7, 0.05)], { lr: 1, steps: 300, snapshotEvery: 50 }),
  );
  const frames = updateFrames(run, { instance: 0 });
  assert.equal(frames.length, run.snapshots.steps.length - 1);
  frames.forEach((f, k) => {
    const span = run.snapshots.steps[k + 1] - f.step;
    const next = snapshotState(run, k + 1, 0);
    for (const col of f.columns) {
      const j = col.feature - 1;
      assert.ok(Math.abs(col.x + span * col.dx - next.W[0][j]) < 1e-12);
      assert.ok(Math.abs(col.y + span * col.dy - next.W[1][j]) < 1e-12);
    }
  });
  const rows = updateRows(frames);
  assert.equal(rows.length, frames.length * 7);
  for (const r of rows) assert.equal(r.update_norm, Math.hypot(r.dx, r.dy));
});

Deno.test("chaosCells() blanks diverged cells; stateChanges() reads each lr along δ in order", async () => {
  const grid = [{ delta: 0.05, lr: 0.5 }, { delta: 0.05, lr: 1e4 }];
  const run = await trainToy(
    fromStates(grid.map((x) => perturbedFailure(7, x.delta)), {
      lr: 0.5,
      lrs: grid.map((x) => x.lr),
      steps: 50,
    }),
  );
  const [calm, wild] = chaosCells(run, grid);
  assert.equal(wild.diverged, true);
  assert.ok(Number.isNaN(wild.splay) && Number.isNaN(wild.wn_norm));
  assert.equal(wild.state, "diverged");
  assert.equal(calm.diverged, false);
  assert.ok(calm.splay > 0);
  const cell = (delta: number, state: string): ChaosCell => ({ ...calm, delta, state });
  // Out of order along δ: sorted first, so only the real neighbours count.
  assert.deepEqual(stateChanges([cell(0.2, "a"), cell(0, "a"), cell(0.1, "b")]), {
    changes: 2,
    pairs: 2,
  });
  assert.deepEqual(stateChanges([cell(0.1, "a"), cell(0, "a"), cell(0.2, "a")]), {
    changes: 0,
    pairs: 2,
  });
});

Deno.test("toy-seed-sweep's notes never print a median of nothing when no failure recovered", async () => {
  // SGD at lr 0.1 for 4,000 steps: most seeds settle into a failure and none comes back.
  const c = configure(toySeedSweep, { optimizer: "sgd", lr: 0.1, steps: 4000 }, "smoke");
  const art = toySeedSweep.artefacts(await toySeedSweep.run(c, { workers: 1 }), c);
  const note = art.notes.at(-1)!;
  assert.match(
    note,
    /^\d+ seeds reached a settled failure; none of them recovered to all learnt\./,
  );
  for (const n of art.notes) assert.doesNotMatch(n, /NaN|undefined|Infinity/);
});
