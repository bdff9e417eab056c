/** The `shallow-ae` experiment's config (lib/studies/shallow_ae/experiments/shallow_ae.ts). */
import assert from "node:assert/strict";
import { configure, PROFILES, resolveConfig } from "../../../lib/core/experiment.ts";
import { ConfigError } from "../../../lib/core/config.ts";
import { shallowAe } from "../../../lib/studies/shallow_ae/experiments/shallow_ae.ts";
import { mean } from "../../../lib/core/stats.ts";
import { drawnRows, subtitles } from "../../helpers.ts";

Deno.test("shallow-ae rejects bad settings in one line", () => {
  const bad: [string, string, RegExp][] = [
    ["spikes", "3,0.5", /spikes=3,0\.5 is not allowed: every spike must exceed noise=1/],
    ["units", "101", /units=101 must be at most dim=100/],
    ["show", "relu-tied-none,tanh-tied-none", /show=.* is not allowed/],
    ["activations", "linear,tanh", /activations=linear,tanh is not allowed/],
    ["mnistTrain", "9000", /mnistTrain \+ mnistTest = 11000 is not allowed/],
  ];
  for (const [key, value, message] of bad) {
    assert.throws(() => resolveConfig(shallowAe, "quick", [[key, value]]), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${key}: ${e}`);
      assert.match(e.message, message);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
  assert.throws(
    () => configure(shallowAe, { activations: "linear", show: "relu-untied-both" }),
    /relu-untied-both is not in the grid/,
  );
});

Deno.test("shallow-ae's defaults come from its fields and every profile passes its checks", () => {
  assert.equal(shallowAe.checkpoints, true);
  assert.deepEqual(
    Object.keys(shallowAe.defaults),
    Object.keys(shallowAe.fields),
  );
  assert.equal(shallowAe.defaults.steps, 300_000);
  assert.equal(shallowAe.defaults.biases, "none,encoder,both");
  for (const profile of PROFILES) assert.ok(resolveConfig(shallowAe, profile));
});

Deno.test("shallow-ae marks a diverged seed and leaves it out of every statistic of the others", async () => {
  // At lr 0.2 seed 1 of the linear setting diverges (at step 19); the other seven do not.
  const c = configure(shallowAe, {
    data: "spiked",
    dim: 10,
    spikes: "9,4",
    units: 2,
    activations: "linear,relu",
    weights: "untied",
    biases: "none",
    show: "linear-untied-none",
    steps: 2000,
    records: 10,
    testSamples: 100,
    seeds: 4,
    lr: 0.2,
  }, "smoke");
  const art = shallowAe.artefacts(await shallowAe.run(c, {}), c);
  const runs = art.tables.runs.objects() as Record<string, unknown>[];
  assert.deepEqual(runs.map((r) => r.diverged_at), [null, 19, null, null, null, null, null, null]);
  const gone = runs[1];
  assert.deepEqual([gone.error, gone.gap, gone.levels, gone.reached, gone.level_steps], [
    null,
    null,
    null,
    null,
    null,
  ]);
  assert.ok(runs.filter((r) => r !== gone).every((r) => Number.isFinite(r.error)));
  const [linear] = art.tables.settings.objects() as Record<string, unknown>[];
  assert.equal(linear.diverged, 1);
  assert.match(linear.reached as string, /^\d\/3$/); // of the three that did not diverge
  const others = [runs[0], runs[2], runs[3]].map((r) => r.error as number);
  assert.equal(linear.mean_error, mean(others));
  assert.deepEqual(art.summary.divergence, { diverged: 1, instances: 8, first_diverged_at: 19 });
  assert.equal(
    art.notes[1],
    "1 of 8 instances diverged (loss not finite or above 1e6), the first at step 19; they are " +
      "left out of every statistic below.",
  );
  for (const name of ["error_over_time", "pca_gap"]) {
    assert.equal(subtitles(art.figures[name]).at(-1), "1 of 8 instances diverged, not shown");
  }
  // Seed 0, the one drawn, did not diverge: its curves carry no mark.
  assert.equal(subtitles(art.figures.overlaps).length, 1);
  assert.equal(drawnRows(art.figures.pca_gap, 2).length, 7); // the points layer
});

Deno.test("shallow-ae: a narrowed grid needs no show=, the README's long ReLU command resolves", () => {
  const c = resolveConfig(shallowAe, "quick", [
    ["data", "spiked"],
    ["lr", "0.01"],
    ["steps", "15000000"],
    ["activations", "relu,sigmoid,erf"],
    ["biases", "none,both"],
  ]);
  assert.equal(c.activations, "relu,sigmoid,erf");
  // Only a show= the user gives is held to the grid.
  assert.throws(
    () =>
      resolveConfig(shallowAe, "quick", [["activations", "relu"], ["show", "linear-tied-none"]]),
    /linear-tied-none is not in the grid/,
  );
});
