/**
 * The step-autoencoder experiments (`experiments/*.ts`): their fields,
 * declared once, resolve to the seed's defaults and profiles, bad values fail
 * in one line, and a tiny run yields the tables the report writes.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../../../lib/core/config.ts";
import { configure, resolveConfig } from "../../../lib/core/experiment.ts";
import { stepAe } from "../../../lib/studies/step_ae/experiments/step_ae.ts";
import { REMEDIES, stepAeRemedies } from "../../../lib/studies/step_ae/experiments/remedies.ts";

Deno.test("stepAe's fields give the seed's defaults, and its profiles override them", () => {
  assert.deepEqual(stepAe.defaults, {
    n: 129,
    amplitude: 5,
    epochs: 50_000,
    optimizer: "rmsprop",
    lr: 1e-4,
    lrDrop: null,
    dropMode: "plateau",
    dropEpoch: 250_000,
    patience: 10_000,
    initScale: 0.01,
    seed: 0,
    hiddenRelu: true,
    outputRelu: true,
    outputBias: false,
    fixedEncoder: false,
    checkpointEvery: 10_000,
    divergeAbove: 1e6,
  });
  assert.equal(stepAe.checkpoints, true);
  assert.deepEqual(resolveConfig(stepAe, "smoke"), {
    ...stepAe.defaults,
    n: 33,
    epochs: 2000,
    checkpointEvery: 500,
  });
  const full = resolveConfig(stepAe, "full", [["lrDrop", "default"]]);
  assert.equal(full.epochs, 500_000);
  assert.equal(full.lrDrop, null); // the user's `default` wins over the profile's drop
});

Deno.test("stepAeRemedies' fields give every remedy by default", () => {
  assert.deepEqual(stepAeRemedies.defaults, {
    n: 129,
    amplitude: 5,
    epochs: 20_000,
    seeds: 2,
    seed: 0,
    threshold: 0.1,
    remedies: REMEDIES.map((r) => r.id).join(","),
    divergeAbove: 1e6,
  });
  assert.deepEqual(configure(stepAeRemedies, {}, "full").seeds, 4);
});

Deno.test("a bad step-ae value is refused in one line naming the key, value and what is allowed", () => {
  assert.throws(
    () => resolveConfig(stepAe, "quick", [["optimizer", "lbfgs"]]),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message ===
        "optimizer=lbfgs is not allowed: optimizer must be one of sgd|adam|adamw|rmsprop",
  );
  assert.throws(
    () => resolveConfig(stepAeRemedies, "quick", [["remedies", "baseline,magic"]]),
    /remedies=baseline,magic is not allowed: remedies must be a comma-separated list of baseline\|/,
  );
  assert.throws(() => resolveConfig(stepAe, "quick", [["stpes", "3"]]), /unknown key "stpes"/);
});

Deno.test("stepAe and stepAeRemedies turn a tiny run into the tables the report writes", async () => {
  const c = configure(stepAe, { n: 5, epochs: 30 }, "smoke");
  const art = stepAe.artefacts(await stepAe.run(c, {}), c);
  assert.deepEqual(Object.keys(art.tables), ["latent", "position_errors", "encoder", "loss"]);
  assert.deepEqual(art.tables.position_errors.columnNames(), ["position", "error"]);
  assert.equal(art.tables.latent.numRows(), 6); // n + 1 step positions
  assert.equal(art.notes.length, 3);

  const rc = configure(stepAeRemedies, { n: 5, epochs: 30, remedies: "adam,fixed-knots" }, "smoke");
  const rart = stepAeRemedies.artefacts(await stepAeRemedies.run(rc, {}), rc);
  assert.deepEqual(rart.tables.remedies.array("remedy"), ["adam", "fixed-knots"]);
  assert.ok("latent_fixed-knots" in rart.figures);
  assert.match(rart.notes[0], /^2 instances \(2 remedies × 1 seeds from 0\)/);
});
