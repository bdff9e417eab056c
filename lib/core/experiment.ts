/**
 * What an experiment is: a flat, typed config with documented defaults and
 * profiles, a `run` that computes a plain result, and `artefacts` that turn
 * the result into tables, figures and a summary. `deno task reproduce` and
 * the notebooks both go through this shape.
 *
 * Config values from the command line (`--set key=value`) are parsed and
 * checked against each field's spec here, so every bad value is reported in
 * one line naming the key, the value and what is allowed.
 *
 * @module
 */
import type * as aqNs from "arquero";
import type { Spec } from "./plots/render.ts";
import { FUSED_BACKEND } from "./train/fused.ts";

/** Profiles: `smoke` (seconds, CI), `quick` (default, minutes), `full` (the seeds' lengths). */
export const PROFILES = ["smoke", "quick", "full"] as const;
/** One of {@link PROFILES}. */
export type Profile = typeof PROFILES[number];

/** A config value. */
export type Value = number | string | boolean | null;

/** How a config field is parsed and checked. */
export type FieldSpec =
  | { type: "int"; min?: number; max?: number; doc: string }
  | {
    type: "number";
    min?: number;
    /** When true, `min` itself is not allowed. */
    exclusiveMin?: boolean;
    max?: number;
    /** Accept the word `default` for null (meaning "derived from other settings"). */
    nullable?: boolean;
    doc: string;
  }
  | { type: "enum"; values: readonly string[]; doc: string }
  | { type: "bool"; doc: string }
  /** Free text such as a folder path; the empty string means "not given". */
  | { type: "string"; doc: string }
  | {
    /** A comma-separated list, kept as a string; items are numbers or from `values`. */
    type: "list";
    values?: readonly string[];
    min?: number;
    exclusiveMin?: boolean;
    doc: string;
  };

/** A bad config value or flag: the message is one line, shown as-is. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Progress of an experiment (`fraction` in [0, 1] over the whole experiment). */
export interface ExperimentProgress {
  fraction: number;
  message: string;
  /** Current loss of every instance when the stage is a training run. */
  loss?: Float64Array;
  step?: number;
  steps?: number;
  /** Current parameters of the first instance, when the experiment offers them (live figures). */
  params?: Float64Array;
}

/** How to run (never changes the numbers, except `engine`-like config fields). */
export interface RunOptions {
  onProgress?: (p: ExperimentProgress) => void | Promise<void>;
  signal?: AbortSignal;
  /** tfjs backend when an experiment uses tfjs. */
  backend?: "wasm" | "cpu";
  /** Worker threads for fused training (default "auto"). */
  workers?: number | "auto";
  /** Where experiments that checkpoint keep their state (long runs). */
  checkpointDir?: string;
  /** Continue from the checkpoint in `checkpointDir` instead of starting over. */
  resume?: boolean;
}

/**
 * The checkpoint settings of run `name` of an experiment (several runs share
 * its folder, one file each), or undefined when the caller gave no folder.
 */
export function runCheckpoint(
  options: RunOptions,
  run: { name: string; every: number },
): { dir: string; every: number; resume: boolean; name: string } | undefined {
  if (!options.checkpointDir) return undefined;
  return { dir: options.checkpointDir, resume: options.resume ?? false, ...run };
}

/** Facts about how a result was computed, for `config.json`. */
export interface RunMeta {
  engine: string;
  /** The compute backend (see ToyTrainResult.backend). */
  backend: string;
  workers: number;
  elapsedMs: number;
}

/** Run facts of an experiment computed by the fused float64 kernels (no tfjs). */
export function fusedMeta(
  run: { workers: number; elapsedMs: number; engine?: string },
): RunMeta {
  return {
    engine: run.engine ?? "fused",
    backend: FUSED_BACKEND,
    workers: run.workers,
    elapsedMs: run.elapsedMs,
  };
}

/** What `artefacts` returns: everything the report and the notebook show. */
export interface Artefacts {
  /** Numbers worth reading first; written to summary.json. */
  summary: Record<string, unknown>;
  /** Tables written as `<name>.csv`. */
  tables: Record<string, aqNs.ColumnTable>;
  /** Figures written as `<name>.svg` and `<name>.png`, in display order. */
  figures: Record<string, Spec>;
  /** Short notes shown in the report above the figures (Markdown-free text). */
  notes: string[];
}

/** An experiment with config type `C` and result type `R`. */
export interface Experiment<C extends Record<string, Value>, R> {
  id: string;
  title: string;
  /** One paragraph: what it shows and where it comes from. */
  description: string;
  defaults: C;
  fields: { [K in keyof C]: FieldSpec };
  /** Overrides of the defaults per profile (`quick` is the defaults). */
  profiles: Record<Profile, Partial<C>>;
  /** Cross-field checks; throws ConfigError. */
  validate?: (config: C) => void;
  run: (config: C, options: RunOptions) => Promise<R & { meta: RunMeta }>;
  artefacts: (result: R, config: C) => Artefacts;
}

/** Any experiment (for registries). */
// deno-lint-ignore no-explicit-any
export type AnyExperiment = Experiment<any, any>;

/** A study: one folder under `lib/studies/`, its experiments listed once in `lib/registry.ts`. */
export interface Study {
  /** The folder's name under `lib/studies/`. */
  id: string;
  title: string;
  /** Its experiments, in report order. */
  experiments: AnyExperiment[];
}

function describeAllowed(spec: FieldSpec): string {
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

/** The items of a list value ("0.3,1,3" → ["0.3", "1", "3"]). */
export function listItems(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Parses one `--set` value for `key` against its spec. */
export function parseValue(key: string, raw: string, spec: FieldSpec): Value {
  const fail = (): never => {
    throw new ConfigError(`${key}=${raw} is not allowed: ${key} must be ${describeAllowed(spec)}`);
  };
  switch (spec.type) {
    case "int": {
      if (!/^[+-]?\d+$/.test(raw.trim())) fail();
      const v = Number(raw);
      if (!Number.isSafeInteger(v)) fail();
      if (spec.min !== undefined && v < spec.min) fail();
      if (spec.max !== undefined && v > spec.max) fail();
      return v;
    }
    case "number": {
      if (spec.nullable && raw.trim() === "default") return null;
      if (raw.trim() === "") fail();
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
        const v = Number(item);
        if (!Number.isFinite(v)) fail();
        if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) fail();
      }
      return items.join(",");
    }
  }
}

/**
 * Resolves an experiment's config: defaults, then the profile's overrides,
 * then the user's `--set` pairs (later pairs win), then cross-field checks.
 */
export function resolveConfig<C extends Record<string, Value>, R>(
  experiment: Experiment<C, R>,
  profile: Profile,
  sets: [string, string][] = [],
): C {
  const config = { ...experiment.defaults, ...experiment.profiles[profile] } as C;
  const fields = experiment.fields as Record<string, FieldSpec>;
  for (const [key, raw] of sets) {
    const spec = fields[key];
    if (!spec) {
      const known = Object.keys(fields).join(", ");
      throw new ConfigError(`unknown key "${key}" for ${experiment.id}; known keys: ${known}`);
    }
    (config as Record<string, Value>)[key] = parseValue(key, raw, spec);
  }
  experiment.validate?.(config);
  return config;
}

/** Checks a config given as an object (e.g. from a notebook) the same way as `--set` values. */
export function checkConfig<C extends Record<string, Value>, R>(
  experiment: Experiment<C, R>,
  config: C,
): C {
  const fields = experiment.fields as Record<string, FieldSpec>;
  for (const [key, value] of Object.entries(config)) {
    const spec = fields[key];
    if (!spec) throw new ConfigError(`unknown key "${key}" for ${experiment.id}`);
    if (value === null && spec.type === "number" && spec.nullable) continue;
    parseValue(key, String(value), spec);
  }
  experiment.validate?.(config);
  return config;
}

/**
 * A checked config for use in code and notebooks: the defaults, then the
 * profile's overrides, then `overrides`.
 *
 * @example
 * ```ts
 * import { configure, toySeedSweep } from "../mod.ts";
 * const config = configure(toySeedSweep, { seeds: 128, optimizer: "sgd", lr: 0.1 });
 * ```
 */
export function configure<C extends Record<string, Value>, R>(
  experiment: Experiment<C, R>,
  overrides: Partial<C> = {},
  profile: Profile = "quick",
): C {
  const config = { ...experiment.defaults, ...experiment.profiles[profile], ...overrides } as C;
  return checkConfig(experiment, config);
}
