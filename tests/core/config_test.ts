/**
 * lib/core/config.ts and the config half of lib/core/experiment.ts: fields
 * declared once give the config type, the defaults, `--set` parsing and the
 * one-line errors. The `@ts-expect-error` lines are checked by `deno check`
 * (part of `deno task test`): were a misspelt key accepted, the directive
 * itself would be an error.
 */
import assert from "node:assert/strict";
import {
  ConfigError,
  type ConfigOf,
  defaultsOf,
  int,
  list,
  num,
  numOrDefault,
  oneOf,
  parseValue,
  withDefault,
} from "../../lib/core/config.ts";
import {
  configure,
  defineExperiment,
  type Experiment,
  fusedMeta,
  type Profiles,
  resolveConfig,
} from "../../lib/core/experiment.ts";

const fields = {
  n: int({ default: 7, min: 2, max: 32, doc: "features" }),
  lr: num({ default: 0.1, min: 0, exclusiveMin: true, doc: "learning rate" }),
  decay: numOrDefault({ default: null, min: 0, doc: "weight decay (default: per optimizer)" }),
  optimizer: oneOf(["sgd", "adam"], { default: "sgd", doc: "optimizer" }),
  lrs: list({ default: "0.1,1", min: 0, exclusiveMin: true, doc: "learning rates" }),
};
type Config = ConfigOf<typeof fields>;

const experiment: Experiment<typeof fields, { n: number }> = defineExperiment({
  id: "demo",
  title: "Demo",
  description: "A config-only experiment.",
  fields,
  profiles: { smoke: { n: 3 }, quick: {}, full: { n: 12, lr: 0.01 } },
  validate(c) {
    if (c.optimizer === "adam" && c.lr > 1) throw new ConfigError("lr > 1 with adam");
  },
  run: (c) => Promise.resolve({ n: c.n, meta: fusedMeta({ workers: 1, elapsedMs: 0 }) }),
  artefacts: () => ({ summary: {}, tables: {}, figures: {}, notes: [] }),
});

Deno.test("ConfigOf() types each key by its spec; a misspelt key does not type-check", () => {
  const c: Config = defaultsOf(fields);
  assert.deepEqual(c, { n: 7, lr: 0.1, decay: null, optimizer: "sgd", lrs: "0.1,1" });
  // @ts-expect-error a misspelt key is not part of the config
  assert.equal(c.lrr, undefined);
  // @ts-expect-error an enum field takes only its words
  const wrong: Config = { ...c, optimizer: "rmsprop" };
  assert.equal(wrong.optimizer, "rmsprop");
  // @ts-expect-error a profile with a misspelt key is refused too
  const profiles: Profiles<typeof fields> = { smoke: { stpes: 3 }, quick: {}, full: {} };
  assert.ok(profiles);
});

Deno.test("defineExperiment() derives defaults from the fields; profiles and --set override them", () => {
  assert.deepEqual(experiment.defaults, defaultsOf(fields));
  assert.equal(resolveConfig(experiment, "smoke").n, 3);
  const full = resolveConfig(experiment, "full", [["n", "20"], ["optimizer", "adam"]]);
  assert.deepEqual([full.n, full.lr, full.optimizer], [20, 0.01, "adam"]);
  assert.equal(resolveConfig(experiment, "quick", [["decay", "default"]]).decay, null);
  assert.equal(configure(experiment, { lrs: "1, 2" }).lrs, "1, 2");
});

Deno.test("resolveConfig() refuses bad keys and values in one line naming what is allowed", () => {
  const refuse = (sets: [string, string][], pattern: RegExp) =>
    assert.throws(() => resolveConfig(experiment, "quick", sets), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes("\n"));
      return true;
    });
  refuse(
    [["stpes", "3"]],
    /unknown key "stpes" for demo; known keys: n, lr, decay, optimizer, lrs/,
  );
  refuse([["n", "1"]], /^n=1 is not allowed: n must be an integer >= 2 and <= 32$/);
  refuse([["n", "2.5"]], /n must be an integer/);
  refuse([["lr", "0"]], /^lr=0 is not allowed: lr must be a number > 0$/);
  refuse([["optimizer", "rmsprop"]], /optimizer must be one of sgd\|adam/);
  refuse([["lrs", "1,-1"]], /lrs must be a comma-separated list of numbers > 0/);
  refuse([["optimizer", "adam"], ["lr", "2"]], /lr > 1 with adam/);
  assert.throws(() => configure(experiment, { n: 40 }), /n=40 is not allowed/);
});

Deno.test("withDefault() changes only the default of a shared field", () => {
  const longer = withDefault(fields.n, 9);
  assert.deepEqual({ ...longer, default: 7 }, fields.n);
  assert.equal(parseValue("n", "9", longer), 9);
});
