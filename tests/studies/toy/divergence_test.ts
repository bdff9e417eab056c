/**
 * Diverged instances in every toy experiment that trains: each is marked in
 * its per-instance table (a step, empty metrics), left out of every share and
 * statistic of the others, counted in the summary, named in a note and in the
 * figures' subtitles. Each config below is a smoke run that diverges (seeded,
 * so the counts are exact).
 */
import assert from "node:assert/strict";
import { configure } from "../../../lib/core/experiment.ts";
import { toJson } from "../../../lib/core/report/files.ts";
import { wilson } from "../../../lib/core/stats.ts";
import { toySeedSweep } from "../../../lib/studies/toy/experiments/seed_sweep.ts";
import { toyFailureSurvey } from "../../../lib/studies/toy/experiments/failure_survey.ts";
import { toyGeometry } from "../../../lib/studies/toy/experiments/geometry.ts";
import { toyBiasOptimum } from "../../../lib/studies/toy/experiments/bias_optimum.ts";
import { toyFrozenOptimum } from "../../../lib/studies/toy/experiments/frozen_optimum.ts";
import { toyUpdateField } from "../../../lib/studies/toy/experiments/update_field.ts";
import { toyChaos } from "../../../lib/studies/toy/experiments/chaos.ts";
import { toyNoBias } from "../../../lib/studies/toy/experiments/no_bias.ts";
import { toyResampling } from "../../../lib/studies/toy/experiments/resampling.ts";
import { toyResamplingBasin } from "../../../lib/studies/toy/experiments/resampling_basin.ts";
import { type ChaosCell, stateChanges } from "../../../lib/studies/toy/analysis.ts";
import { drawnRows, subtitles } from "../../helpers.ts";

type Row = Record<string, unknown>;

/** The summary as summary.json has it (NaN and Infinity written as null). */
function asJson(summary: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(toJson(summary));
}

/** Shares per step add up to 1, and each is a whole number of `of` seeds. */
function assertSharesOf(rows: Row[], of: number, label: string): void {
  const byStep = new Map<unknown, number>();
  for (const r of rows) {
    const f = r.fraction as number;
    assert.ok(Math.abs(f * of - Math.round(f * of)) < 1e-9, `${label}: ${f} is not k/${of}`);
    byStep.set(r.step, (byStep.get(r.step) ?? 0) + f);
  }
  for (const [step, sum] of byStep) assert.ok(Math.abs(sum - 1) < 1e-9, `${label} step ${step}`);
}

Deno.test("toy-seed-sweep: diverged seeds have a step and no state, and no share counts them", async () => {
  const c = configure(toySeedSweep, { optimizer: "sgd", lr: 20 }, "smoke");
  const art = toySeedSweep.artefacts(await toySeedSweep.run(c, { workers: 1 }), c);
  const runs = art.tables.runs.objects() as Row[];
  const gone = runs.filter((r) => r.diverged_at_step !== null);
  assert.equal(gone.length, 8);
  for (const r of gone) {
    assert.equal(r.outcome, "diverged");
    assert.deepEqual([r.n_unlearnt, r.symmetric_failure, r.final_loss, r.failure_episodes], [
      null,
      null,
      null,
      null,
    ]);
  }
  const s = art.summary;
  assert.deepEqual(s.divergence, { diverged: 8, instances: 32, first_diverged_at: 4 });
  const fractions = s.fractions as Record<string, number>;
  assert.ok(!("diverged" in fractions));
  const counts = s.counts as Record<string, number>;
  for (const [state, f] of Object.entries(fractions)) assert.equal(f, counts[state] / 24);
  assert.equal((s.recovery as { instances: number }).instances, 24);
  const table = art.tables.outcome_fractions.objects() as Row[];
  assert.ok(!table.some((r) => r.outcome === "diverged"));
  assertSharesOf(table, 24, "outcome_fractions");
  assert.equal(
    art.notes[1],
    "8 of 32 seeds diverged (loss not finite or above 1e6), the first at step 4; they are left " +
      "out of every statistic below.",
  );
  assert.deepEqual(subtitles(art.figures.outcome_fractions), ["8 of 32 seeds diverged, not shown"]);
  assert.deepEqual(subtitles(art.figures.loss_curves), [
    "8 of 32 seeds diverged, drawn up to there",
  ]);
  assert.equal(drawnRows(art.figures.final_loss, 0).length, 24); // the histogram layer
});

Deno.test("toy-failure-survey: shares over the seeds that did not diverge, counts apart", async () => {
  const c = configure(toyFailureSurvey, { sgdLr: 30, optimizers: "sgd" }, "smoke");
  const art = toyFailureSurvey.artefacts(await toyFailureSurvey.run(c, { workers: 1 }), c);
  const survey = art.tables.survey.objects() as Row[];
  assert.deepEqual(survey.map((r) => [r.n, r.seeds, r.diverged]), [[5, 8, 8], [6, 8, 5]]);
  // n = 5 lost every seed: no share, no verdict; n = 6 has three seeds to share over.
  assert.deepEqual([survey[0].all_learnt_at_end, survey[0].symmetric_verdict], [null, null]);
  const share = survey[1].all_learnt_at_end as number;
  assert.ok(Math.abs(share * 3 - Math.round(share * 3)) < 1e-12);
  const runs = art.tables.runs.objects() as Row[];
  const gone = runs.filter((r) => r.diverged_at_step !== null);
  assert.equal(gone.length, 13);
  assert.ok(gone.every((r) => r.outcome === "diverged" && r.final_loss === null));
  assertSharesOf(art.tables.fractions.objects() as Row[], 3, "fractions");
  assert.deepEqual(art.summary.divergence, { diverged: 13, instances: 16, first_diverged_at: 3 });
  const sgd = (art.summary.by_optimizer as Record<string, Row>).sgd;
  assert.deepEqual([sgd.instances, sgd.diverged], [3, 13]);
  assert.match(
    art.notes[1],
    /^13 of 16 instances diverged .* Diverged seeds by setting: n=5 sgd lr=30 \(8 of 8\), n=6 sgd lr=30 \(5 of 8\)\.$/,
  );
  for (const spec of Object.values(art.figures)) {
    assert.equal(subtitles(spec).at(-1), "13 of 16 instances diverged, not shown");
  }
  // The heatmaps say why n = 5 has no value rather than leave it white.
  const cells = drawnRows(art.figures.survey_all_learnt).map((r) => [r.n, r.blank, r.count]);
  assert.deepEqual(cells, [[5, "all\ndiverged", "0/8"], [6, null, `${Math.round(share * 3)}/3`]]);
});

Deno.test("toy-geometry: a diverged candidate is never picked; with every one diverged nothing is shown", async () => {
  const c = configure(toyGeometry, { optimizer: "sgd", lr: 20 }, "smoke");
  const r = await toyGeometry.run(c, { workers: 1 });
  assert.deepEqual([r.perfectRun.divergedAt.filter((s) => s >= 0).length], [8]);
  assert.ok(r.perfectRun.divergedAt[r.perfect.index] < 0 && !r.perfect.diverged);
  assert.ok(r.failureRun.divergedAt[r.failure.index] < 0);
  const art = toyGeometry.artefacts(r, c);
  assert.deepEqual(subtitles(art.figures.perfect_vectors), [
    "8 of 16 candidates diverged, none picked",
  ]);
  assert.match(
    art.notes[1],
    /^n=6: 8 of 16 candidates diverged .*; they are left out of the picking\.$/,
  );

  const all = configure(toyGeometry, { optimizer: "sgd", lr: 1000 }, "smoke");
  const gone = toyGeometry.artefacts(await toyGeometry.run(all, { workers: 1 }), all);
  const perfect = asJson(gone.summary).perfect as Row;
  assert.deepEqual([perfect.rule, perfect.seed, perfect.loss, perfect.learnt_norm_mean], [
    "every one of 16 candidates diverged",
    null,
    null,
    null,
  ]);
  const features = gone.tables.perfect_features.objects() as Row[];
  assert.deepEqual(features.map((f) => f.feature), [1, 2, 3, 4, 5, 6]);
  assert.ok(features.every((f) => f.norm === null && f.bias === null));
  assert.deepEqual(drawnRows(gone.figures.failure_zones), []);
  assert.deepEqual(subtitles(gone.figures.failure_zones), [
    "all 16 candidates diverged, none shown",
  ]);
  // The closed forms do not train, so they stay.
  assert.deepEqual(subtitles(gone.figures.reference_ngon_zones), []);
});

Deno.test("toy-bias-optimum: diverged runs are counted per n and part, and in a note", async () => {
  const c = configure(toyBiasOptimum, { lr: 10, nMax: 5, seeds: 8 }, "smoke");
  const art = toyBiasOptimum.artefacts(await toyBiasOptimum.run(c, { workers: 1 }), c);
  const [row] = art.tables.bias_optimum.objects() as Row[];
  assert.deepEqual([row.diverged, row.diverged_from_failure], [2, 7]);
  // A diverged run has the state "diverged": it is in no count of failures.
  assert.ok((row.natural_symmetric_failures as number) <= 6);
  assert.deepEqual((art.summary.divergence as Row).diverged, 9);
  assert.match(
    art.notes[1],
    /^9 of 16 runs diverged .* Diverged: n=5: 2 of 8 random starts, 7 of 8 from Symmetric Failure\.$/,
  );
  assert.equal(subtitles(art.figures.bias_optimum).at(-1), "9 of 16 runs diverged, not shown");
});

Deno.test("toy-frozen-optimum: a diverged case keeps its δ and stage, nothing it measured", async () => {
  const c = configure(toyFrozenOptimum, { freeLr: 30 }, "smoke");
  const art = toyFrozenOptimum.artefacts(await toyFrozenOptimum.run(c, {}), c);
  const rows = art.tables.frozen.objects() as Row[];
  assert.equal(rows.length, 6);
  for (const r of rows) {
    assert.equal(r.diverged_in, "freeing Wₙ");
    assert.ok(Number.isInteger(r.diverged_at));
    assert.deepEqual([r.wn_norm, r.wn_cos_pair, r.settle_residual], [null, null, null]);
  }
  const s = asJson(art.summary);
  assert.equal(s.min_cos_pair, null);
  assert.equal((s.divergence as Row).diverged, 6);
  assert.match(
    art.notes[1],
    /^All 6 cases diverged .*Diverged: shorten δ=0\.00100 \(freeing Wₙ, step \d+\)/,
  );
  assert.equal(art.notes.length, 2); // no cosine or ratio of the others: there are none
  assert.equal(subtitles(art.figures.frozen_optimum).at(-1), "all 6 cases diverged, none shown");
});

Deno.test("toy-update-field: windows stop before the divergence and no end state is reported", async () => {
  const c = configure(toyUpdateField, { lr: 10, frames: 400 }, "smoke");
  const r = await toyUpdateField.run(c, { workers: 1 });
  assert.deepEqual(r.diverged, { stage: "all free", step: 12 });
  // Snapshots every 5 steps: the windows 0–5 and 5–10 end before step 12; 10–15 does not.
  assert.deepEqual(r.frames.map((f) => f.step), [0, 5]);
  const art = toyUpdateField.artefacts(r, c);
  const s = asJson(art.summary);
  assert.deepEqual([s.diverged_at, s.end_wn_norm, s.final_loss], [12, null, null]);
  assert.equal(art.tables.updates.numRows(), 2 * 7);
  assert.ok((art.tables.loss.array("loss") as number[]).every(Number.isFinite));
  assert.equal(
    art.notes[1],
    "The run diverged at step 12 (loss not finite or above 1e6); no state after it is reported.",
  );
  assert.deepEqual(subtitles(art.figures.update_norms), ["diverged at step 12, drawn up to there"]);
});

Deno.test("toy-chaos: diverged cells are blank in the table and out of the neighbour changes", async () => {
  const c = configure(toyChaos, {}, "smoke"); // its lr range reaches past the edge of stability
  const art = toyChaos.artefacts(await toyChaos.run(c, { workers: 1 }), c);
  const cells = art.tables.chaos.objects() as Row[];
  const gone = cells.filter((x) => x.diverged);
  assert.equal(gone.length, 15);
  assert.ok(gone.every((x) => x.splay === null && x.final_loss === null && x.learnt === null));
  assert.ok(gone.every((x) => Number.isInteger(x.diverged_at)));
  assert.deepEqual(art.summary.state_changes_between_neighbours, {
    changes: 3,
    pairs: 42,
    fraction: 3 / 42,
  });
  assert.match(
    art.notes[1],
    /^15 of 64 cells diverged .* the final state changes between neighbouring cells 3 times in 42 pairs \(pairs with a diverged cell left out\)\.$/,
  );
  assert.deepEqual(
    subtitles(art.figures.chaos_splay).at(-1),
    "15 of 64 cells diverged, left blank",
  );
  assert.deepEqual(
    subtitles(art.figures.chaos_state).at(-1),
    '15 of 64 cells diverged, shown as "diverged"',
  );
});

Deno.test("stateChanges() leaves out every pair with a diverged cell", () => {
  const cell = (delta: number, state: string, diverged = false): ChaosCell => ({
    delta,
    lr: 1,
    state,
    diverged,
    splay: 1,
    wn_norm: 0,
    learnt: false,
    final_loss: 0,
  });
  const row = [cell(0, "a"), cell(0.1, "b"), cell(0.2, "diverged", true), cell(0.3, "a")];
  assert.deepEqual(stateChanges(row), { changes: 1, pairs: 1 });
});

Deno.test("toy-no-bias: the representative never diverged; shares and angles are of the others", async () => {
  const c = configure(toyNoBias, { optimizer: "sgd", lr: 9 }, "smoke");
  const r = await toyNoBias.run(c, { workers: 1 });
  assert.ok(r.train.divergedAt[r.representative] < 0);
  const art = toyNoBias.artefacts(r, c);
  const runs = art.tables.runs.objects() as Row[];
  const gone = runs.filter((x) => x.diverged_at_step !== null);
  assert.equal(gone.length, 27);
  assert.ok(gone.every((x) => x.norm_mean === null && x.loss_diag === null));
  const goneSeeds = new Set(gone.map((x) => x.seed));
  assert.ok(!(art.tables.angles.array("seed") as number[]).some((s) => goneSeeds.has(s)));
  assert.equal(art.summary.learnt_all_fraction, 0); // of the five left, none learnt all
  assertSharesOf(drawnRows(art.figures.state_fractions), 5, "state_fractions");
  assert.equal(subtitles(art.figures.vectors).at(-1), "27 of 32 seeds diverged, none picked");
  assert.match(art.notes[1], /^27 of 32 seeds diverged/);
});

Deno.test("toy-resampling: a remedy's shares and interval are over its seeds that did not diverge", async () => {
  const c = configure(
    toyResampling,
    { sgdLr: 10, optimizers: "sgd", remedies: "none,gap" },
    "smoke",
  );
  const art = toyResampling.artefacts(await toyResampling.run(c, { workers: 1 }), c);
  const remedies = art.tables.remedies.objects() as Row[];
  for (const r of remedies) {
    assert.deepEqual([r.seeds, r.diverged], [8, 2]);
    const kept = 8 - 2;
    assert.equal(r.all_learnt_fraction, (r.all_learnt as number) / kept);
    assert.equal(r.ci_high, wilson(r.all_learnt as number, kept).high);
  }
  const gone = (art.tables.runs.objects() as Row[]).filter((r) => r.diverged_at !== null);
  assert.equal(gone.length, 4);
  assert.ok(gone.every((r) => r.state === "diverged" && r.final_loss === null));
  assert.ok(gone.every((r) => Number.isInteger(r.events)), "what happened before stays");
  assert.match(art.notes[1], /^4 of 16 instances diverged/);
  assert.match(art.notes[2], /8 seeds \(4 of 16 runs diverged, left out\): /);
  assert.equal(subtitles(art.figures.success).at(-1), "4 of 16 instances diverged, not shown");
});

Deno.test("toy-resampling-basin: a cell's shares are over its seeds that did not diverge", async () => {
  const c = configure(toyResamplingBasin, { lr: 10, seeds: 2 }, "smoke");
  const art = toyResamplingBasin.artefacts(await toyResamplingBasin.run(c, { workers: 1 }), c);
  const cells = art.tables.cells.objects() as Row[];
  const half = cells.filter((x) => x.diverged === 1);
  const none = cells.filter((x) => x.diverged === 2);
  assert.ok(half.length > 0 && none.length > 0);
  // One seed left: a share is 0 or 1, never the 0.5 a diverged seed would make.
  assert.ok(half.every((x) => x.all_learnt_fraction === 0 || x.all_learnt_fraction === 1));
  assert.ok(none.every((x) => x.all_learnt_fraction === null && x.predicted !== null));
  const measured = cells.length - none.length;
  const s = asJson(art.summary);
  const agree = cells.filter((x) =>
    x.all_learnt_fraction !== null &&
    (x.predicted === "escaped") === ((x.all_learnt_fraction as number) >= 0.5)
  ).length;
  assert.equal(s.agreement, agree / measured);
  assert.match(art.notes[1], new RegExp(`${none.length} cells lost every seed`));
  assert.match(subtitles(art.figures.basin).at(-1)!, /^\d+ of 64 instances diverged, not shown$/);
});
