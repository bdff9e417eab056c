/**
 * The rows of `toy-resampling` and `toy-resampling-basin`: aggregates from
 * hand-made instance rows, the tables' columns, and what the smoke profile
 * resamples.
 */
import assert from "node:assert/strict";
import {
  learntTimeRows,
  remedyRows,
  type ResampleRunRow,
} from "../../../lib/studies/toy/analysis_resampling.ts";
import { configure } from "../../../lib/mod.ts";
import { toyResampling } from "../../../lib/studies/toy/experiments/resampling.ts";
import { toyResamplingBasin } from "../../../lib/studies/toy/experiments/resampling_basin.ts";

function row(over: Partial<ResampleRunRow>): ResampleRunRow {
  return {
    remedy: "gap",
    optimizer: "sgd",
    lr: 0.1,
    n: 7,
    seed: 0,
    state: "all learnt",
    all_learnt_at: 3000,
    events: 1,
    columns: 1,
    events_to_learnt: 1,
    checks_to_learnt: 1,
    lost: 0,
    first_event_at: 2500,
    loss_before: 0.0175,
    first_spike: 0.01,
    max_spike: 0.01,
    final_loss: 0,
    ...over,
  };
}

Deno.test("remedyRows: fractions, Wilson interval, times over the learnt seeds only, losses per event", () => {
  const runs = [
    row({ seed: 0, all_learnt_at: 3000, checks_to_learnt: 1 }),
    row({
      seed: 1,
      all_learnt_at: 5000,
      checks_to_learnt: 2,
      events: 2,
      events_to_learnt: 2,
      lost: 1,
    }),
    row({
      seed: 2,
      state: "symmetric failure",
      all_learnt_at: null,
      events: 9,
      lost: 0,
      first_spike: 0.03,
    }),
    row({ seed: 3, state: "merged features", all_learnt_at: 200, events: 0, first_spike: null }),
  ];
  const [r] = remedyRows(runs);
  assert.equal(r.seeds, 4);
  assert.equal(r.all_learnt, 2);
  assert.equal(r.all_learnt_fraction, 0.5);
  assert.ok(
    r.ci_low > 0.15 && r.ci_low < 0.2 && r.ci_high > 0.8 && r.ci_high < 0.85,
    `${r.ci_low}–${r.ci_high}`,
  );
  // The merged seed was below the threshold at step 200 once, but did not end all learnt.
  assert.equal(r.median_steps_to_learnt, 4000);
  assert.equal(r.median_compute_to_learnt, 4001.5);
  assert.equal(r.symmetric_failure, 1);
  assert.equal(r.unlearnt, 1);
  assert.equal(r.merged, 1);
  assert.equal(r.mean_events, 3);
  assert.equal(r.mean_events_to_learnt, 1.5);
  assert.equal(r.lost_per_event, 1 / 12);
  assert.equal(r.seeds_with_loss, 1);
  assert.equal(r.median_spike, 0.01);
  const [t] = learntTimeRows(runs);
  assert.deepEqual([t.seeds, t.median], [2, 4000]);
});

Deno.test("remedyRows keeps one row per remedy, optimizer and n, in order of appearance", () => {
  const runs = [
    row({ remedy: "none", optimizer: "sgd" }),
    row({ remedy: "gap", optimizer: "sgd" }),
    row({ remedy: "none", optimizer: "adam", lr: 1e-3 }),
    row({ remedy: "none", optimizer: "sgd", seed: 1 }),
  ];
  assert.deepEqual(
    remedyRows(runs).map((r) => [r.remedy, r.optimizer, r.seeds]),
    [["none", "sgd", 2], ["gap", "sgd", 1], ["none", "adam", 1]],
  );
});

Deno.test("toy-resampling smoke: every remedy is a row of remedies.csv with the issue's columns", async () => {
  const config = configure(toyResampling, {}, "smoke");
  const result = await toyResampling.run(config, { workers: 1 });
  const { tables, figures, notes } = toyResampling.artefacts(result, config);
  const remedies = tables.remedies;
  for (const col of ["remedy", "optimizer", "n", "seeds", "all_learnt_fraction"]) {
    assert.ok(remedies.columnNames().includes(col), `remedies.csv lacks ${col}`);
  }
  assert.equal(remedies.numRows(), 16 * 3); // every named remedy under sgd, adam and adamw
  const events = remedies.array("mean_events") as number[];
  const names = remedies.array("remedy") as string[];
  assert.equal(events[names.indexOf("none")], 0);
  assert.ok(events[names.indexOf("anthropic")] > 0, "Anthropic's rule resampled in the smoke run");
  assert.deepEqual(Object.keys(figures).sort(), ["event_loss", "success", "time_to_learnt"]);
  assert.ok(notes.some((n) => n.includes("Anthropic's rule")));
});

Deno.test("toy-resampling-basin smoke: cells carry the measurement and the prediction", async () => {
  const config = configure(toyResamplingBasin, {}, "smoke");
  const result = await toyResamplingBasin.run(config, { workers: 1 });
  assert.equal(result.cells.length, 4 * 4 * 2);
  assert.ok(result.cells.every((c) => ["collapsed", "stuck", "escaped"].includes(c.predicted)));
  assert.ok(
    result.cells.some((c) => c.predicted === "escaped") &&
      result.cells.some((c) => c.predicted !== "escaped"),
  );
  assert.ok(result.boundary.length > 0);
  const { tables } = toyResamplingBasin.artefacts(result, config);
  assert.deepEqual(tables.cells.numRows(), 32);
});
