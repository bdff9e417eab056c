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
import {
  ConfigError,
  type ConfigOf,
  defaultsOf,
  type Fields,
  type FieldSpec,
  parseValue,
  type Value,
} from "./config.ts";
import { type Spec, withLogGrid } from "./plots/render.ts";
import { chooseWorkers, FUSED_BACKEND } from "./train/fused.ts";
import { checkMemory, memoryBudget, type MemoryEstimate } from "./memory.ts";
import { checkClaims, type Claim } from "./claims.ts";

/** Profiles: `smoke` (seconds, CI), `quick` (default, minutes), `full` (the seeds' lengths). */
export const PROFILES = ["smoke", "quick", "full"] as const;
/** One of {@link PROFILES}. */
export type Profile = typeof PROFILES[number];

/** Progress of an experiment (`fraction` in [0, 1] over the whole experiment). */
export interface ExperimentProgress {
  /** Progress over the whole experiment, in [0, 1]. */
  fraction: number;
  /** One line saying what runs and how far it is. */
  message: string;
  /** Current loss of every instance when the stage is a training run. */
  loss?: Float64Array;
  /** Steps done of the current training run. */
  step?: number;
  /** Steps of the current training run. */
  steps?: number;
  /**
   * Which training run `loss` and `step` belong to, e.g. "n=7", when an
   * experiment trains several one after the other (live plots draw one series each).
   */
  group?: string;
  /** Current parameters of the first instance, when the experiment offers them (live figures). */
  params?: Float64Array;
}

/** How to run (never changes the numbers, except `engine`-like config fields). */
export interface RunOptions {
  /** Called as the experiment progresses (awaited). */
  onProgress?: (p: ExperimentProgress) => void | Promise<void>;
  /** Stops the run; experiments that checkpoint save first. */
  signal?: AbortSignal;
  /** tfjs backend when an experiment uses tfjs. */
  backend?: "wasm" | "cpu";
  /** Worker threads for fused training (default "auto"). */
  workers?: number | "auto";
  /** Where experiments that checkpoint keep their state (long runs). */
  checkpointDir?: string;
  /** Continue from the checkpoint in `checkpointDir` instead of starting over. */
  resume?: boolean;
  /** Bytes the run may use, when less than the machine has available (see `memory.ts`). */
  maxMemory?: number;
  /**
   * Compute only instances `[lo, hi)` of the sweep: one shard of it (see `shard.ts`). Read by
   * experiments with a {@link ShardSpec}, which say what an instance is.
   */
  range?: { lo: number; hi: number };
}

/** What a memory estimate may depend on besides the config. */
export interface MemoryContext {
  /** Worker threads the run may use (each holds its own copies of some inputs). */
  workers: number;
  /** Whether the run writes checkpoints (it was given a checkpoint folder). */
  checkpoints: boolean;
  /** A shard's range of instances ({@link RunOptions.range}), when the run is one. */
  range?: { lo: number; hi: number };
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
  /** Which engine computed the result (`fused`, `tfjs`, `hybrid`, `analysis`, …). */
  engine: string;
  /** The compute backend (see ToyTrainResult.backend). */
  backend: string;
  /** Worker threads used. */
  workers: number;
  /** Wall time of the run. */
  elapsedMs: number;
}

/** Run facts of an experiment computed by the fused float64 kernels (no tfjs). */
export function fusedMeta(
  run: { workers: number; elapsedMs: number; engine?: string; backend?: string },
): RunMeta {
  return {
    engine: run.engine ?? "fused",
    backend: run.backend ?? FUSED_BACKEND,
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

/** The config overrides of each profile (`quick` is usually the defaults). */
export type Profiles<F extends Fields> = Record<Profile, Partial<ConfigOf<F>>>;

/** What an experiment file declares: fields once, profiles, checks, run and artefacts. */
export interface ExperimentSpec<F extends Fields, R> {
  /** The id `deno task reproduce --only` takes, and the output folder's name. */
  id: string;
  /** The title of its report section. */
  title: string;
  /** One paragraph: what it shows and where it comes from. */
  description: string;
  /** Each config key once: type, range, default, doc. */
  fields: F;
  /** Overrides of the defaults per profile. */
  profiles: Profiles<F>;
  /** Whether long runs checkpoint to `RunOptions.checkpointDir` (and so take `--resume`). */
  checkpoints?: boolean;
  /** Cross-field checks; throws ConfigError. */
  validate?: (config: ConfigOf<F>) => void;
  /**
   * The run's peak memory from its config (the big terms only), checked
   * against what the machine has before `run` starts (see {@link checkRunMemory}).
   */
  memory?: (config: ConfigOf<F>, context: MemoryContext) => MemoryEstimate;
  /** Computes the plain result. */
  run: (config: ConfigOf<F>, options: RunOptions) => Promise<NoInfer<R> & { meta: RunMeta }>;
  /** Turns the result into tables, figures, notes and a summary. */
  artefacts: (result: NoInfer<R>, config: ConfigOf<F>) => Artefacts;
  /**
   * How a sweep is cut into shards by instance (`deno task reproduce --shard i/N`) and merged
   * back (`deno task merge`); an experiment without it refuses `--shard`. See `shard.ts`.
   */
  shard?: ShardSpec<ConfigOf<F>, NoInfer<R>>;
  /**
   * The write-ups' claims this experiment tests, read from its own summary,
   * each with the verdict its numbers give (see `claims.ts`). They are added
   * to the summary as `claims`, which the claims ledger is built from.
   */
  claims?: (summary: Record<string, unknown>, config: ConfigOf<F>) => Claim[];
}

/**
 * How an experiment's sweep is cut by instance. A shard's `run` gets the whole config and
 * {@link RunOptions.range}, and must compute each instance of the range exactly as the whole run
 * does: its own seed and data stream, and everything planned from the whole sweep (such as how
 * many snapshots to keep) planned the same. Merging the parts then gives the whole run's result,
 * and with it the same tables, summary and figures (tests/core/shard_test.ts).
 */
export interface ShardSpec<C, R> {
  /** What an instance is, plural, for messages ("seeds", "cells"). */
  unit: string;
  /** How many instances the config has. */
  instances(config: C): number;
  /** The whole run's result from its parts' results, in instance order. */
  merge(parts: (R & { meta: RunMeta })[], config: C): R & { meta: RunMeta };
}

/**
 * Run facts of a merged sweep from its parts': the first part's engine and backend, the most
 * workers any part used, and the parts' wall times added up (the compute the sweep cost).
 */
export function mergedMeta(parts: { meta: RunMeta }[]): RunMeta {
  return {
    engine: parts[0].meta.engine,
    backend: parts[0].meta.backend,
    workers: Math.max(...parts.map((p) => p.meta.workers)),
    elapsedMs: parts.reduce((s, p) => s + p.meta.elapsedMs, 0),
  };
}

/** An experiment with fields `F` and result type `R`; `defaults` is derived from the fields. */
export interface Experiment<F extends Fields, R> extends ExperimentSpec<F, R> {
  /** The config when neither a profile nor the user sets a value. */
  readonly defaults: ConfigOf<F>;
}

/**
 * Makes an experiment from its spec, deriving `defaults` from the fields. Its
 * `run` first checks the config's memory estimate against the machine (see
 * {@link checkRunMemory}), so the CLI and notebooks refuse the same configs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineExperiment, fusedMeta } from "./experiment.ts";
 * import { int } from "./config.ts";
 * const fields = { n: int({ default: 3, min: 1, doc: "how many squares" }) };
 * const squares = defineExperiment<typeof fields, { squares: number[] }>({
 *   id: "squares",
 *   title: "Squares",
 *   description: "The first n squares.",
 *   fields,
 *   profiles: { smoke: { n: 2 }, quick: {}, full: { n: 10 } },
 *   run: (c) =>
 *     Promise.resolve({
 *       squares: Array.from({ length: c.n }, (_, i) => i * i),
 *       meta: fusedMeta({ workers: 1, elapsedMs: 0 }),
 *     }),
 *   artefacts: (r) => ({ summary: { last: r.squares.at(-1) }, tables: {}, figures: {}, notes: [] }),
 * });
 * assert.equal(squares.defaults.n, 3);
 * const result = await squares.run({ n: 4 }, {});
 * assert.deepEqual(result.squares, [0, 1, 4, 9]);
 * ```
 */
export function defineExperiment<F extends Fields, R>(
  spec: ExperimentSpec<F, R>,
): Experiment<F, R> {
  const experiment: Experiment<F, R> = {
    ...spec,
    defaults: defaultsOf(spec.fields),
    run: (config, options) => {
      try {
        checkRunMemory(experiment, config, options);
      } catch (err) {
        return Promise.reject(err);
      }
      return spec.run(config, options);
    },
    // The figures as every reader gets them (report, .vl.json, notebooks): log axes gridded by decade.
    artefacts: (result, config) => {
      const art = spec.artefacts(result, config);
      const figures = Object.fromEntries(
        Object.entries(art.figures).map(([name, figure]) => [name, withLogGrid(figure)]),
      );
      if (!spec.claims) return { ...art, figures };
      const claims = checkClaims(spec.claims(art.summary, config), spec.id);
      return { ...art, figures, summary: { ...art.summary, claims } };
    },
  };
  return experiment;
}

/**
 * Refuses, before anything is allocated, a run whose memory estimate does
 * not fit in what the machine has available (or `options.maxMemory`): a
 * one-line `MemoryLimitError` (a ConfigError) naming the largest terms and
 * the config keys to lower. Experiments without an estimate, and processes
 * that may not read the machine's memory, are not checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkRunMemory, configure, toySeedSweep } from "../mod.ts";
 * const config = configure(toySeedSweep, { seeds: 100_000, n: 64, m: 63, steps: 1 });
 * assert.throws(
 *   () => checkRunMemory(toySeedSweep, config, { maxMemory: 8e9 }),
 *   /^MemoryLimitError: toy-seed-sweep: this config needs about \d+ GB .*the budget given is 8 GB; lower seeds/,
 * );
 * checkRunMemory(toySeedSweep, configure(toySeedSweep), { maxMemory: 8e9 }); // the default fits
 * ```
 */
export function checkRunMemory<F extends Fields, R>(
  experiment: Pick<ExperimentSpec<F, R>, "id" | "memory">,
  config: ConfigOf<F>,
  options: Pick<RunOptions, "workers" | "maxMemory" | "checkpointDir" | "range"> = {},
): void {
  if (!experiment.memory) return;
  const budget = memoryBudget({ maxBytes: options.maxMemory });
  if (!budget) return;
  // The most threads the run may take (as if it had work enough for "auto" to use them all).
  const workers = chooseWorkers(options.workers ?? "auto", {
    jobs: Infinity,
    work: Infinity,
    autoAbove: 0,
  });
  const context = {
    workers,
    checkpoints: options.checkpointDir !== undefined,
    ...(options.range ? { range: options.range } : {}),
  };
  checkMemory(experiment.id, experiment.memory(config, context), budget);
}

/** Any experiment (for registries). */
// deno-lint-ignore no-explicit-any
export type AnyExperiment = Experiment<any, any>;

/** A study: one folder under `lib/studies/`, its experiments listed once in `lib/registry.ts`. */
export interface Study {
  /** The folder's name under `lib/studies/`. */
  id: string;
  /** The study's title in the report. */
  title: string;
  /** Its experiments, in report order. */
  experiments: AnyExperiment[];
}

/**
 * Resolves an experiment's config: defaults, then the profile's overrides,
 * then the user's `--set` pairs (later pairs win), then cross-field checks.
 */
export function resolveConfig<F extends Fields, R>(
  experiment: Experiment<F, R>,
  profile: Profile,
  sets: [string, string][] = [],
): ConfigOf<F> {
  const config = { ...experiment.defaults, ...experiment.profiles[profile] } as ConfigOf<F>;
  const fields = experiment.fields as Record<string, FieldSpec>;
  for (const [key, raw] of sets) {
    const spec = fields[key];
    if (!spec) {
      const known = Object.keys(fields).join(", ");
      throw new ConfigError(
        `unknown key ${JSON.stringify(key)} for ${experiment.id}; known keys: ${known}`,
      );
    }
    (config as Record<string, Value>)[key] = parseValue(key, raw, spec);
  }
  experiment.validate?.(config);
  return config;
}

/** Checks a config given as an object (e.g. from a notebook) the same way as `--set` values. */
export function checkConfig<F extends Fields, R>(
  experiment: Experiment<F, R>,
  config: ConfigOf<F>,
): ConfigOf<F> {
  const fields = experiment.fields as Record<string, FieldSpec>;
  for (const [key, value] of Object.entries(config)) {
    const spec = fields[key];
    if (!spec) throw new ConfigError(`unknown key ${JSON.stringify(key)} for ${experiment.id}`);
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
 * import assert from "node:assert/strict";
 * import { configure, toyTilt } from "../mod.ts";
 * const config = configure(toyTilt, { n: 6 }, "smoke");
 * assert.deepEqual(config, { n: 6, aMax: 0.4, points: 41 });
 * assert.throws(() => configure(toyTilt, { points: 40 }), /points must be odd/);
 * ```
 */
export function configure<F extends Fields, R>(
  experiment: Experiment<F, R>,
  overrides: Partial<ConfigOf<F>> = {},
  profile: Profile = "quick",
): ConfigOf<F> {
  const config = {
    ...experiment.defaults,
    ...experiment.profiles[profile],
    ...overrides,
  } as ConfigOf<F>;
  return checkConfig(experiment, config);
}
