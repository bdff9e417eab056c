/**
 * Config fields, declared once: a field spec carries its type, range, default
 * and doc, and an experiment's config type is derived from its specs
 * ({@link ConfigOf}), so a misspelt key is a type error and a default cannot
 * drift from its doc or its check.
 *
 * Values from the command line (`--set key=value`) are parsed and checked
 * against the spec here, and every bad value is reported in one line naming
 * the key, the value and what is allowed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ConfigOf, int, num, oneOf } from "./config.ts";
 * const fields = {
 *   n: int({ default: 7, min: 2, doc: "features" }),
 *   lr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: "learning rate" }),
 *   optimizer: oneOf(["sgd", "adam"], { default: "adam", doc: "optimizer" }),
 * };
 * type Config = ConfigOf<typeof fields>; // { n: number; lr: number; optimizer: "sgd" | "adam" }
 * const config: Config = { n: 7, lr: 0.01, optimizer: "sgd" };
 * // @ts-expect-error a misspelt key is a type error
 * config.stpes = 3;
 * assert.equal(config.optimizer, "sgd");
 * ```
 *
 * @module
 */

/** A config value. */
export type Value = number | string | boolean | null;

/** What every field spec has: its default and one line of doc. */
export interface FieldBase<T> {
  /** The value when neither a profile nor the user sets one. */
  default: T;
  /** One line for `--list` and the docs. */
  doc: string;
}

/** An integer field, optionally bounded. */
export interface IntField extends FieldBase<number> {
  /** The field kind. */
  type: "int";
  /** Smallest value allowed. */
  min?: number;
  /** Largest value allowed. */
  max?: number;
}

/** Bounds of a number field. */
export interface NumberBounds {
  /** Smallest value allowed (see `exclusiveMin`). */
  min?: number;
  /** When true, `min` itself is not allowed. */
  exclusiveMin?: boolean;
  /** Largest value allowed. */
  max?: number;
}

/** A finite number field, optionally bounded. */
export interface NumberField extends FieldBase<number>, NumberBounds {
  /** The field kind. */
  type: "number";
  /** Not nullable. */
  nullable?: false;
}

/** A number field that also takes the word `default` for null ("derived from other settings"). */
export interface NullableNumberField extends FieldBase<number | null>, NumberBounds {
  /** The field kind. */
  type: "number";
  /** Nullable: the word `default` stands for null. */
  nullable: true;
}

/** One of a fixed set of words. */
export interface EnumField<V extends string = string> extends FieldBase<V> {
  /** The field kind. */
  type: "enum";
  /** The words allowed. */
  values: readonly V[];
}

/** `true` or `false`. */
export interface BoolField extends FieldBase<boolean> {
  /** The field kind. */
  type: "bool";
}

/** Free text such as a folder path; the empty string means "not given". */
export interface StringField extends FieldBase<string> {
  /** The field kind. */
  type: "string";
}

/** A comma-separated list kept as a string; items are numbers (bounded below) or from `values`. */
export interface ListField extends FieldBase<string>, Pick<NumberBounds, "min" | "exclusiveMin"> {
  /** The field kind. */
  type: "list";
  /** The words items may take (items are numbers when absent). */
  values?: readonly string[];
}

/** How a config field is parsed and checked. */
export type FieldSpec =
  | IntField
  | NumberField
  | NullableNumberField
  | EnumField
  | BoolField
  | StringField
  | ListField;

/** An experiment's fields, by key. */
export type Fields = Record<string, FieldSpec>;

/** The value type a field spec stands for. */
export type ValueOf<S extends FieldSpec> = S extends NullableNumberField ? number | null
  : S extends IntField | NumberField ? number
  : S extends EnumField<infer V> ? V
  : S extends BoolField ? boolean
  : string;

/** The config type of a set of fields: one key per field, typed by its spec. */
export type ConfigOf<F extends Fields> = { -readonly [K in keyof F]: ValueOf<F[K]> };

/** A bad config value or flag: the message is one line, shown as-is. */
export class ConfigError extends Error {
  /** The error's name. */
  override name = "ConfigError";
}

/** What a field builder takes: the spec without its `type`. */
export type SpecOf<S extends FieldSpec> = Omit<S, "type">;

/**
 * An integer field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { int } from "./config.ts";
 * const steps = int({ default: 10_000, min: 1, doc: "training steps" });
 * assert.equal(steps.type, "int");
 * ```
 */
export function int(spec: SpecOf<IntField>): IntField {
  return { type: "int", ...spec };
}

/**
 * A finite number field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { num } from "./config.ts";
 * const lr = num({ default: 1e-3, min: 0, exclusiveMin: true, doc: "learning rate" });
 * assert.equal(lr.default, 1e-3);
 * ```
 */
export function num(spec: Omit<SpecOf<NumberField>, "nullable">): NumberField {
  return { type: "number", ...spec };
}

/**
 * A number field whose null value (written `default`) means "derived from other settings".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numOrDefault, parseValue } from "./config.ts";
 * const weightDecay = numOrDefault({ default: null, min: 0, doc: "weight decay (default: per optimizer)" });
 * assert.equal(parseValue("weightDecay", "default", weightDecay), null);
 * ```
 */
export function numOrDefault(
  spec: Omit<SpecOf<NullableNumberField>, "nullable">,
): NullableNumberField {
  return { type: "number", nullable: true, ...spec };
}

/**
 * A field that takes one of `values`; its type is their union.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneOf, parseValue } from "./config.ts";
 * const init = oneOf(["normal", "xavier"], { default: "normal", doc: "initialisation of W" });
 * assert.throws(() => parseValue("init", "uniform", init), /init must be one of normal\|xavier/);
 * ```
 */
export function oneOf<const V extends string>(
  values: readonly V[],
  spec: { default: NoInfer<V>; doc: string },
): EnumField<V> {
  return { type: "enum", values, ...spec };
}

/**
 * A `true`/`false` field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bool, parseValue } from "./config.ts";
 * const tied = bool({ default: true, doc: "decoder is the encoder's transpose" });
 * assert.equal(parseValue("tied", "false", tied), false);
 * ```
 */
export function bool(spec: SpecOf<BoolField>): BoolField {
  return { type: "bool", ...spec };
}

/**
 * A free-text field (the empty string means "not given").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { text, parseValue } from "./config.ts";
 * const facesDir = text({ default: "", doc: "folder of AT&T faces (s1/1.pgm …)" });
 * assert.equal(parseValue("facesDir", "/data/att", facesDir), "/data/att");
 * ```
 */
export function text(spec: SpecOf<StringField>): StringField {
  return { type: "string", ...spec };
}

/**
 * A comma-separated list field, kept as a string (see {@link listItems}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { list, parseValue } from "./config.ts";
 * const lrs = list({ default: "0.01,0.1", min: 0, exclusiveMin: true, doc: "learning rates" });
 * const models = list({ default: "topk", values: ["topk", "relu-l1"], doc: "models" });
 * assert.equal(parseValue("lrs", "0.1, 1", lrs), "0.1,1");
 * assert.throws(() => parseValue("models", "topk,l2", models));
 * ```
 */
export function list(spec: SpecOf<ListField>): ListField {
  return { type: "list", ...spec };
}

/**
 * The same spec with another default (a shared field with a study-specific default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { int, withDefault } from "./config.ts";
 * const steps = int({ default: 10_000, min: 1, doc: "training steps" });
 * const longer = withDefault(steps, 50_000);
 * assert.deepEqual([steps.default, longer.default], [10_000, 50_000]);
 * ```
 */
export function withDefault<S extends FieldSpec>(spec: S, value: ValueOf<S>): S {
  return { ...spec, default: value };
}

/**
 * The defaults of a set of fields, as a config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultsOf, int } from "./config.ts";
 * const config = defaultsOf({ n: int({ default: 7, doc: "features" }) });
 * assert.deepEqual(config, { n: 7 });
 * ```
 */
export function defaultsOf<F extends Fields>(fields: F): ConfigOf<F> {
  const out: Record<string, Value> = {};
  for (const [key, spec] of Object.entries(fields)) out[key] = spec.default;
  return out as ConfigOf<F>;
}

/**
 * What a field allows, in words (for error messages and `--list`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeAllowed, int } from "./config.ts";
 * const k = int({ default: 1, min: 1, max: 4, doc: "k" });
 * assert.equal(describeAllowed(k), "an integer >= 1 and <= 4");
 * ```
 */
export function describeAllowed(spec: FieldSpec): string {
  switch (spec.type) {
    case "int": {
      const lo = spec.min !== undefined ? ` >= ${spec.min}` : "";
      const hi = spec.max !== undefined ? `${lo ? " and" : ""} <= ${spec.max}` : "";
      return `an integer${lo}${hi}`;
    }
    case "number": {
      const lo = spec.min !== undefined ? ` ${spec.exclusiveMin ? ">" : ">="} ${spec.min}` : "";
      const hi = spec.max !== undefined ? `${lo ? " and" : ""} <= ${spec.max}` : "";
      return `a number${lo}${hi}${spec.nullable ? ' (or "default")' : ""}`;
    }
    case "enum":
      return `one of ${spec.values.join("|")}`;
    case "bool":
      return "true or false";
    case "string":
      return "a string without line breaks";
    case "list": {
      if (spec.values) return `a comma-separated list of ${spec.values.join("|")}`;
      const lo = spec.min !== undefined ? ` ${spec.exclusiveMin ? ">" : ">="} ${spec.min}` : "";
      return `a comma-separated list of numbers${lo}`;
    }
  }
}

/**
 * The items of a list value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listItems } from "./config.ts";
 * assert.deepEqual(listItems("0.3, 1,3"), ["0.3", "1", "3"]);
 * ```
 */
export function listItems(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * A decimal number as people write it on a command line: no hex, octal,
 * binary, Infinity, NaN or surrounding white space (which `Number` would all
 * take).
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A value as an error message shows it: as typed, or quoted when it holds control characters (line breaks). */
function shownValue(raw: string): string {
  const control = [...raw].some((ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029;
  });
  return control ? JSON.stringify(raw) : raw;
}

/**
 * Parses one `--set` value for `key` against its spec; throws a one-line
 * {@link ConfigError} naming the key, the value and what is allowed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { int, num, parseValue } from "./config.ts";
 * const k = int({ default: 1, min: 1, max: 4, doc: "k" });
 * assert.equal(parseValue("k", "3", k), 3);
 * assert.throws(() => parseValue("k", "5", k), /k=5 is not allowed: k must be an integer >= 1 and <= 4/);
 * const lr = num({ default: 0.1, min: 0, doc: "lr" });
 * assert.equal(parseValue("lr", "1e-3", lr), 0.001);
 * assert.throws(() => parseValue("lr", "0x10", lr), /lr=0x10 is not allowed/); // decimal only
 * assert.throws(() => parseValue("lr", " 0.1", lr), /lr= 0.1 is not allowed/); // as typed
 * ```
 */
export function parseValue(key: string, raw: string, spec: FieldSpec): Value {
  const fail = (): never => {
    throw new ConfigError(
      `${shownValue(key)}=${shownValue(raw)} is not allowed: ${shownValue(key)} must be ${
        describeAllowed(spec)
      }`,
    );
  };
  switch (spec.type) {
    case "int": {
      if (!/^[+-]?\d+$/.test(raw)) fail();
      const v = Number(raw);
      if (!Number.isSafeInteger(v)) fail();
      if (spec.min !== undefined && v < spec.min) fail();
      if (spec.max !== undefined && v > spec.max) fail();
      return v;
    }
    case "number": {
      if (spec.nullable && raw === "default") return null;
      if (!DECIMAL.test(raw)) fail();
      const v = Number(raw);
      if (!Number.isFinite(v)) fail();
      if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) fail();
      if (spec.max !== undefined && v > spec.max) fail();
      return v;
    }
    case "enum":
      if (!spec.values.includes(raw)) fail();
      return raw;
    case "bool":
      if (raw !== "true" && raw !== "false") fail();
      return raw === "true";
    case "string":
      if (/[\r\n]/.test(raw)) fail();
      return raw;
    case "list": {
      const items = listItems(raw);
      if (items.length === 0) fail();
      for (const item of items) {
        if (spec.values) {
          if (!spec.values.includes(item)) fail();
          continue;
        }
        if (!DECIMAL.test(item)) fail();
        const v = Number(item);
        if (!Number.isFinite(v)) fail();
        if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) fail();
      }
      return items.join(",");
    }
  }
}
