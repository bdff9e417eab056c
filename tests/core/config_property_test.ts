/**
 * Property tests of the config parser (lib/core/config.ts `parseValue`,
 * lib/core/experiment.ts `resolveConfig`), issue 11: for any string, a value
 * within the field's spec comes back, or a one-line ConfigError naming the
 * key; a valid value printed and parsed back is itself; decimal numbers only.
 * Fixed seeds, so a failure replays the same way everywhere.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  bool,
  ConfigError,
  type FieldSpec,
  int,
  list,
  listItems,
  num,
  numOrDefault,
  oneOf,
  parseValue,
  text,
  type Value,
} from "../../lib/core/config.ts";
import { resolveConfig } from "../../lib/core/experiment.ts";
import { EXPERIMENTS } from "../../lib/registry.ts";

const SPECS: Record<string, FieldSpec> = {
  steps: int({ default: 10, min: 1, max: 10_000_000, doc: "steps" }),
  offset: int({ default: 0, doc: "any integer" }),
  lr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: "learning rate" }),
  share: num({ default: 0.5, min: 0, max: 1, doc: "a share" }),
  decay: numOrDefault({ default: null, min: 0, doc: "weight decay" }),
  optimizer: oneOf(["sgd", "adam"], { default: "sgd", doc: "optimizer" }),
  tied: bool({ default: true, doc: "tied" }),
  dir: text({ default: "", doc: "a folder" }),
  lrs: list({ default: "0.1", min: 0, exclusiveMin: true, doc: "learning rates" }),
  models: list({ default: "topk", values: ["topk", "relu-l1"], doc: "models" }),
};

/** Whether `v` is a value `spec` allows (the parser's contract, restated independently). */
function allowed(v: Value, spec: FieldSpec): boolean {
  const inRange = (x: number) =>
    (spec.type !== "int" && spec.type !== "number" && spec.type !== "list") ||
    ((spec.min === undefined ||
      ("exclusiveMin" in spec && spec.exclusiveMin ? x > spec.min : x >= spec.min)) &&
      (!("max" in spec) || spec.max === undefined || x <= spec.max));
  switch (spec.type) {
    case "int":
      return typeof v === "number" && Number.isSafeInteger(v) && inRange(v);
    case "number":
      return (v === null && spec.nullable === true) ||
        (typeof v === "number" && Number.isFinite(v) && inRange(v));
    case "enum":
      return typeof v === "string" && spec.values.includes(v);
    case "bool":
      return typeof v === "boolean";
    case "string":
      return typeof v === "string" && !/[\r\n]/.test(v);
    case "list":
      return typeof v === "string" && listItems(v).length > 0 &&
        listItems(v).every((item) =>
          spec.values ? spec.values.includes(item) : inRange(Number(item)) &&
            Number.isFinite(Number(item))
        );
  }
}

/** Strings a user might type: anything, number-like text, and the near misses. */
const typed = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom(..."0123456789+-.eE ,x\n\t") }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom("default", "true", "false", "sgd", "adam", "topk", "relu-l1", "Infinity", "NaN"),
);

/** Checks one parse: an allowed value, or a one-line ConfigError naming the key. */
function parseOrRefuse(key: string, raw: string, spec: FieldSpec): void {
  let v: Value;
  try {
    v = parseValue(key, raw, spec);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `${key}=${JSON.stringify(raw)} threw ${err}`);
    assert.ok(!err.message.includes("\n"), `two lines: ${JSON.stringify(err.message)}`);
    assert.ok(err.message.startsWith(`${key}=`), err.message);
    return;
  }
  assert.ok(allowed(v, spec), `${key}=${JSON.stringify(raw)} gave ${JSON.stringify(v)}`);
}

Deno.test("parseValue() of any string gives an allowed value or a one-line ConfigError naming the key", () => {
  const keys = Object.keys(SPECS);
  fc.assert(
    fc.property(fc.constantFrom(...keys), typed, (key, raw) => parseOrRefuse(key, raw, SPECS[key])),
    { seed: 1, numRuns: 3000 },
  );
});

/** Valid values of a spec, as the program would hold them. */
function validValue(spec: FieldSpec): fc.Arbitrary<Value> {
  switch (spec.type) {
    case "int":
      return fc.integer({ min: spec.min ?? -(2 ** 31), max: spec.max ?? 2 ** 31 });
    case "number": {
      const min = spec.min ?? -1e300;
      const d = fc.double({ min, max: spec.max ?? 1e300, noNaN: true, noDefaultInfinity: true })
        .filter((x) => !Object.is(x, -0) && !(spec.exclusiveMin && x === min));
      return spec.nullable ? fc.oneof(d, fc.constant(null)) : d;
    }
    case "enum":
      return fc.constantFrom(...spec.values);
    case "bool":
      return fc.boolean();
    case "string":
      return fc.string().filter((s) => !/[\r\n]/.test(s));
    case "list": {
      const item = spec.values
        ? fc.constantFrom(...spec.values)
        : fc.double({ min: spec.min ?? 0, max: 1e6, noNaN: true, minExcluded: spec.exclusiveMin })
          .filter((x) => !Object.is(x, -0)).map(String);
      return fc.array(item, { minLength: 1, maxLength: 5 }).map((xs) => xs.join(","));
    }
  }
}

Deno.test("parseValue() takes back every valid value it could be given, printed", () => {
  for (const [key, spec] of Object.entries(SPECS)) {
    fc.assert(
      fc.property(validValue(spec), (v) => {
        const printed = v === null ? "default" : String(v);
        assert.deepEqual(parseValue(key, printed, spec), v, `${key}=${printed}`);
      }),
      { seed: 1, numRuns: 300 },
    );
  }
});

Deno.test("parseValue() refuses numbers that are not plain decimals: hex, octal, binary, Infinity, NaN, white space", () => {
  const variants = fc.oneof(
    fc.nat().map((x) => `0x${x.toString(16)}`),
    fc.nat().map((x) => `0o${x.toString(8)}`),
    fc.nat().map((x) => `0b${x.toString(2)}`),
    fc.constantFrom("Infinity", "-Infinity", "+Infinity", "NaN", "1e999", "", " "),
    fc.tuple(fc.constantFrom(" ", "\t", "\n", "\r\n"), fc.nat(), fc.boolean()).map((
      [space, x, before],
    ) => before ? `${space}${x}` : `${x}${space}`),
  );
  for (const key of ["steps", "offset", "lr", "share", "decay"]) {
    fc.assert(
      fc.property(variants, (raw) => {
        assert.throws(
          () => parseValue(key, raw, SPECS[key]),
          (err) => err instanceof ConfigError && !err.message.includes("\n"),
        );
      }),
      { seed: 1, numRuns: 200 },
    );
  }
});

Deno.test("resolveConfig() of any key and value of any experiment gives a config or a one-line ConfigError", () => {
  const pick = fc.constantFrom(...EXPERIMENTS.map((e) => e.id)).chain((id) => {
    const keys = Object.keys(EXPERIMENTS.find((e) => e.id === id)!.fields);
    return fc.tuple(
      fc.constant(id),
      fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, {
        weight: 1,
        arbitrary: fc.string(),
      }),
      typed,
    );
  });
  fc.assert(
    fc.property(pick, ([id, key, raw]) => {
      const e = EXPERIMENTS.find((x) => x.id === id)!;
      try {
        const config = resolveConfig(e, "smoke", [[key, raw]]);
        assert.ok(key in e.fields);
        assert.deepEqual(config[key], parseValue(key, raw, e.fields[key]));
      } catch (err) {
        assert.ok(err instanceof ConfigError, `${e.id} ${key}=${JSON.stringify(raw)} threw ${err}`);
        assert.ok(!err.message.includes("\n"), `two lines: ${JSON.stringify(err.message)}`);
      }
    }),
    { seed: 1, numRuns: 2000 },
  );
});
