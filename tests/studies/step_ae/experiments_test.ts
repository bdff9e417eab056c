/**
 * The step-autoencoder experiments (`experiments/*.ts`): their fields,
 * declared once, resolve to the write-up's defaults and profiles, bad values fail
 * in one line, and a tiny run yields the tables the report writes.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../../../lib/core/config.ts";
import { configure, resolveConfig } from "../../../lib/core/experiment.ts";
import { toJson } from "../../../lib/core/report/files.ts";
import { drawnRows, subtitles } from "../../helpers.ts";
import { stepAe } from "../../../lib/studies/step_ae/experiments/step_ae.ts";
import { REMEDIES, stepAeRemedies } from "../../../lib/studies/step_ae/experiments/remedies.ts";

Deno.test("stepAe's fields give the write-up's defaults, and its profiles override them", () => {
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

Deno.test("stepAe reports nothing a diverged run learnt: null metrics, empty tables, marked figures", async () => {
  const c = configure(stepAe, { n: 8, epochs: 50, lr: 10 }, "smoke");
  const art = stepAe.artefacts(await stepAe.run(c, {}), c);
  const s = JSON.parse(toJson(art.summary)); // as summary.json has it
  assert.equal(s.diverged_at, 1);
  for (const key of ["final_loss", "latent_r2", "err_left", "err_right", "dead_output_units"]) {
    assert.equal(s[key], null, key);
  }
  assert.deepEqual(art.notes.slice(1), [
    "The run diverged at epoch 1 (loss not finite or above 1e6); nothing it learnt is reported.",
  ]);
  // The rows stay (one per position or input index), their values empty.
  assert.equal(art.tables.latent.numRows(), 9);
  assert.deepEqual(art.tables.latent.array("z"), Array(9).fill(null));
  assert.deepEqual(art.tables.encoder.array("w1"), Array(8).fill(null));
  assert.deepEqual(art.tables.position_errors.array("error"), Array(9).fill(null));
  // The loss up to the divergence is what the run did.
  assert.deepEqual(art.tables.loss.array("epoch"), [0]);
  for (const [name, spec] of Object.entries(art.figures)) {
    const mark = name === "loss"
      ? "diverged at epoch 1, drawn up to there"
      : "diverged at epoch 1: nothing learnt to show";
    assert.deepEqual(subtitles(spec), [mark], name);
  }
  assert.deepEqual(drawnRows(art.figures.latent_code), []);
});

Deno.test("stepAeRemedies leaves diverged seeds out of every median, counts and marks them", async () => {
  // At n = 8 seeds 0 and 1 of init-0.1 and seeds 0 and 3 of fixed-knots start above a loss of
  // 12.485 (so diverge at epoch 0 under that threshold); the others start below and fall.
  const over = { n: 8, epochs: 50, seeds: 4, remedies: "init-0.1,fixed-knots" };
  const c = configure(stepAeRemedies, { ...over, divergeAbove: 12.485 }, "smoke");
  const r = await stepAeRemedies.run(c, {});
  assert.deepEqual(r.results.map((x) => x.divergedAt), [0, 0, -1, -1, 0, -1, -1, 0]);
  const art = stepAeRemedies.artefacts(r, c);
  // Instances are independent: the ones that did not diverge are those of a run without the
  // threshold, and each median is over them alone.
  const plain = configure(stepAeRemedies, over, "smoke");
  const finals = (await stepAeRemedies.run(plain, {})).results.map((x) => x.finalLoss);
  assert.deepEqual(art.tables.remedies.array("final_loss"), [
    (finals[2] + finals[3]) / 2,
    (finals[5] + finals[6]) / 2,
  ]);
  assert.deepEqual(art.tables.remedies.array("diverged"), [2, 2]);
  assert.deepEqual(art.tables.remedies.array("seeds"), [4, 4]);
  assert.deepEqual(art.summary.divergence, { diverged: 4, instances: 8, first_diverged_at: 0 });
  assert.equal(art.summary.fastest_to_threshold, null);
  assert.equal(
    art.notes[1],
    "4 of 8 instances diverged (loss not finite or above 12.485), the first at epoch 0; they " +
      "are left out of every statistic below. Diverged seeds by remedy: init-0.1 (2 of 4), " +
      "fixed-knots (2 of 4).",
  );
  assert.deepEqual(subtitles(art.figures.remedies_summary), [
    "4 of 8 instances diverged, not shown",
  ]);
  assert.deepEqual(subtitles(art.figures.remedies_loss), [
    "4 of 8 instances diverged, drawn up to there",
  ]);
  const latent = subtitles(art.figures["latent_init-0.1"]);
  assert.equal(latent.length, 2); // its R², then the mark
  assert.equal(latent[1], "2 of 4 seeds diverged; drawn: the first that did not");
});

Deno.test("stepAeRemedies keeps a remedy whose every seed diverged as counts with empty medians", async () => {
  const c = configure(
    stepAeRemedies,
    { n: 8, epochs: 20, remedies: "init-0.1,baseline", divergeAbove: 12.485 },
    "smoke",
  );
  const art = stepAeRemedies.artefacts(await stepAeRemedies.run(c, {}), c);
  const rows = art.tables.remedies.objects() as Record<string, unknown>[];
  const baseline = rows.find((x) => x.remedy === "baseline")!;
  assert.equal(baseline.diverged, 1);
  assert.equal(baseline.final_loss, null);
  assert.equal(baseline.latent_r2, null);
  assert.deepEqual(subtitles(art.figures.latent_baseline), [
    "its seed diverged: nothing learnt to show",
  ]);
  assert.match(art.notes.at(-1)!, /^Not reaching it: (?!.*baseline)/);
});
