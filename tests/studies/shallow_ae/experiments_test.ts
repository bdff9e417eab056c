/** The `shallow-ae` experiment's config (lib/studies/shallow_ae/experiments/shallow_ae.ts). */
import assert from "node:assert/strict";
import { configure, PROFILES, resolveConfig } from "../../../lib/core/experiment.ts";
import { ConfigError } from "../../../lib/core/config.ts";
import { shallowAe } from "../../../lib/studies/shallow_ae/experiments/shallow_ae.ts";

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
