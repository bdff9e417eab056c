/**
 * `toy-sparse-regime`: Anthropic's own setting for the "two circles" figure
 * that “Optimization Failure” opens with ("Superposition, Memorization, and
 * Double Descent", 2023): n sparse features (each zero with probability S,
 * else uniform on [0, 1], every example scaled to unit length), m = 2, one
 * fixed set of T examples per run, AdamW (weight decay 0.01) at lr 1e-3 with
 * a linear warm-up and a cosine decay to zero. For each T and seed it measures
 * where the trained examples' hidden vectors h_t = W·x_t sit: on how many
 * radius levels, how circular and regular each is, the angular gaps at the
 * interfaces between levels against what a ReLU readout needs (arccos of the
 * radius ratio), which examples no readout can select, and whether the run
 * failed to learn an example it could have memorised. The write-up doubts
 * three of the figure's claims: that there are *two* levels, that they are
 * *circles*, and that a *large angular gap* is needed at the interface.
 *
 * @module
 */
import * as aq from "arquero";
import { defineExperiment, type Experiment, fusedMeta } from "../../../core/experiment.ts";
import { mergeRowParts } from "../../../core/shard.ts";
import {
  ConfigError,
  type ConfigOf,
  int,
  list,
  listItems,
  num,
  oneOf,
  withDefault,
} from "../../../core/config.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { pct } from "../../../core/format.ts";
import type { Spec } from "../../../core/plots/render.ts";
import type { ToyTrainConfig } from "../config.ts";
import { openToyData } from "../data.ts";
import { toyTrainMemory } from "../memory.ts";
import {
  analyseSparseRun,
  type HiddenRow,
  type InterfaceRow,
  LEARNT_ERROR,
  LEVEL_RULE,
  runStory,
  type SparseRunRow,
  storyPoint,
  type TimelineRow,
} from "../sparse_regime.ts";
import { sparseRegimeClaims } from "../claims.ts";
import {
  gapRatioSpec,
  hiddenVectorsSpec,
  levelCountsSpec,
  unlearntTimelineSpec,
} from "../plots_sparse.ts";
import {
  perSeedRows,
  seedRange,
  TOY_TRAIN_DEFAULTS,
  toyTrainConfig,
  toyTrainFields,
  trainStage,
} from "./common.ts";

/** Every set size from 3 to 30: "3,4,…,30". */
const T_3_TO_30 = Array.from({ length: 28 }, (_, k) => k + 3).join(",");

/**
 * The fields of `toy-sparse-regime`: Anthropic's data and schedule (ARENA's
 * n = 1,000 and S = 0.99 by default; the paper's n = 10,000 and S = 0.999 by
 * `--set`), the set sizes T and the seeds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sparseRegimeFields } from "./sparse_regime.ts";
 * assert.equal(sparseRegimeFields.steps.default, 50_000);
 * assert.equal(sparseRegimeFields.warmup.default, 2_500);
 * assert.equal(sparseRegimeFields.examples.default.split(",").length, 28); // T = 3 … 30
 * ```
 */
export const sparseRegimeFields = {
  n: int({ default: 1000, min: 3, max: 100_000, doc: "features (input dimension)" }),
  sparsity: num({ default: 0.99, min: 0, max: 0.999999, doc: "P(feature off) in an example" }),
  examples: list({
    default: T_3_TO_30,
    min: 1,
    doc: "sizes T of the fixed training set (one run of all seeds per T)",
  }),
  seeds: int({ default: 2, min: 1, max: 100_000, doc: "seeds per T" }),
  seed: toyTrainFields.seed,
  steps: int({ default: 50_000, min: 2, max: 10_000_000, doc: "training steps (full batch)" }),
  warmup: int({ default: 2_500, min: 0, max: 10_000_000, doc: "steps of linear lr warm-up" }),
  optimizer: oneOf(["adamw", "adam", "sgd"], { default: "adamw", doc: "optimizer" }),
  lr: toyTrainFields.lr, // the peak: the schedule scales it
  weightDecay: num({ default: 0.01, min: 0, doc: "weight decay (adamw: decoupled)" }),
  init: withDefault(toyTrainFields.init, "xavier"),
  divergeAbove: toyTrainFields.divergeAbove,
};

/**
 * Config of `toy-sparse-regime`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type SparseRegimeConfig, toySparseRegime } from "./sparse_regime.ts";
 * const config: SparseRegimeConfig = configure(toySparseRegime, {}, "smoke");
 * assert.equal(config.n, 100);
 * ```
 */
export type SparseRegimeConfig = ConfigOf<typeof sparseRegimeFields>;

/** What the experiment computes: one row per run, its hidden vectors and its interfaces. */
export interface SparseRegimeResult {
  /** One per (T, seed), T in the config's order. */
  runs: SparseRunRow[];
  /** Every run's hidden vectors. */
  hidden: HiddenRow[];
  /** Every run's interfaces between levels. */
  interfaces: InterfaceRow[];
  /** Every run's state at each snapshot of its weights. */
  timeline: TimelineRow[];
}

/** Snapshots of the weights over training, for each run's timeline. */
const TIMELINE_POINTS = 50;

/** The set sizes of a config, as numbers. */
function sizes(c: SparseRegimeConfig): number[] {
  return listItems(c.examples).map(Number);
}

/** The batched run of one T: every seed, Anthropic's schedule, the weights 50 times. */
function runConfig(c: SparseRegimeConfig, T: number): ToyTrainConfig {
  const config = toyTrainConfig(
    {
      ...TOY_TRAIN_DEFAULTS,
      optimizer: c.optimizer,
      lr: c.lr,
      weightDecay: c.weightDecay,
      init: c.init,
      steps: c.steps,
      divergeAbove: c.divergeAbove,
    },
    {
      n: c.n,
      m: 2,
      seeds: seedRange(c.seed, c.seeds),
      data: { kind: "sparse", sparsity: c.sparsity, examples: T, batchSize: T },
    },
  );
  // The weights 50 times over training, for the story of each run (its timeline).
  const every = Math.max(1, Math.floor(c.steps / TIMELINE_POINTS));
  config.record = { ...config.record, snapshotEvery: every, maxSnapshots: TIMELINE_POINTS + 2 };
  config.schedule = { kind: "warmup-cosine", warmup: c.warmup };
  return config;
}

/** One T's runs, measured. */
async function runT(
  c: SparseRegimeConfig,
  T: number,
  stage: Parameters<typeof trainStage>[1],
): Promise<SparseRegimeResult & { workers: number; backend: string }> {
  const config = runConfig(c, T);
  const train = await trainStage(config, stage);
  const p = 3 * c.n;
  const out: SparseRegimeResult = { runs: [], hidden: [], interfaces: [], timeline: [] };
  config.seeds.forEach((seed, i) => {
    if (train.divergedAt[i] >= 0) {
      out.runs.push(divergedRow(T, seed, train.divergedAt[i]));
      return;
    }
    // The instance's own fixed set, drawn again from its seed as training drew it.
    const examples = openToyData(config.data, c.n, seed).next();
    const instance = (params: Float64Array | Float32Array) => ({
      W: params.subarray(0, 2 * c.n),
      b: params.subarray(2 * c.n),
      n: c.n,
      examples,
    });
    const a = analyseSparseRun(instance(train.final.data.subarray(i * p, (i + 1) * p)), {
      seed,
      loss: train.finalLoss[i],
    });
    const { steps, values } = train.snapshots;
    const timeline = steps.map((step, k) => {
      const at = (k * config.seeds.length + i) * p;
      return { step, ...storyPoint(instance(values.subarray(at, at + p))) };
    });
    out.timeline.push(...timeline.map((x) => ({ examples: T, seed, ...x })));
    out.runs.push({ ...a.row, ...runStory(timeline, c) });
    out.hidden.push(...a.hidden);
    out.interfaces.push(...a.interfaces);
  });
  return { ...out, workers: train.workers, backend: train.backend };
}

function divergedRow(examples: number, seed: number, step: number): SparseRunRow {
  return {
    examples,
    seed,
    diverged_at_step: step,
    loss: null,
    radius_levels: null,
    level_counts: null,
    level_radii: null,
    empty: null,
    collapsed: null,
    max_level_cv: null,
    max_level_spread_deg: null,
    interfaces: null,
    min_interface_gap_deg: null,
    unselectable: null,
    unlearnt: null,
    failure: null,
    unlearnt_at_half: null,
    ever_symmetric_like: null,
    symmetric_like_at_end: null,
    recovered: null,
  };
}

/** The numbers the summary and the claims read. */
function sparseSummary(r: SparseRegimeResult, c: SparseRegimeConfig): Record<string, unknown> {
  const kept = r.runs.filter((x) => x.radius_levels !== null);
  const multi = kept.filter((x) => x.radius_levels! >= 2);
  const byT = sizes(c).map((T) => {
    const rows = kept.filter((x) => x.examples === T);
    const tally = (f: (x: SparseRunRow) => boolean) => rows.filter(f).length;
    return {
      examples: T,
      runs: rows.length,
      one_level: tally((x) => x.radius_levels === 1),
      two_levels: tally((x) => x.radius_levels === 2),
      three_or_more: tally((x) => x.radius_levels! >= 3),
      failures: tally((x) => x.failure === true),
    };
  });
  const cvs = multi.map((x) => x.max_level_cv!).sort((a, b) => a - b);
  const inner = r.interfaces.filter((f) => f.inner_selectable);
  const wide = inner.filter((f) => f.gapDeg >= f.neededDeg);
  return {
    setting: { ...c },
    level_rule: LEVEL_RULE,
    learnt_error: LEARNT_ERROR,
    runs: kept.length,
    diverged: r.runs.length - kept.length,
    by_examples: byT,
    multi_level_runs: multi.length,
    two_level_runs: multi.filter((x) => x.radius_levels === 2).length,
    three_plus_level_runs: multi.filter((x) => x.radius_levels! >= 3).length,
    median_max_level_cv_multi: cvs.length ? cvs[Math.floor(cvs.length / 2)] : null,
    failures: kept.filter((x) => x.failure).length,
    multi_level_failures: multi.filter((x) => x.failure).length,
    interfaces: r.interfaces.length,
    selectable_inner_interfaces: inner.length,
    selectable_inner_wider_than_needed: wide.length,
    unselectable_examples: kept.reduce((s, x) => s + x.unselectable!, 0),
    unlearnt_examples: kept.reduce((s, x) => s + x.unlearnt!, 0),
    failed_at_half: kept.filter((x) => x.unlearnt_at_half! > 0).length,
    recovered: kept.filter((x) => x.recovered).length,
    ever_symmetric_like: kept.filter((x) => x.ever_symmetric_like).length,
    symmetric_like_at_end: kept.filter((x) => x.symmetric_like_at_end).length,
    symmetric_like_recovered: kept.filter((x) => x.ever_symmetric_like && x.recovered).length,
    failed_at_half_ever_symmetric_like:
      kept.filter((x) => x.unlearnt_at_half! > 0 && x.ever_symmetric_like).length,
    // Runs in which the examples no readout can select are exactly as many as those not learnt.
    runs_unselectable_equals_unlearnt: kept.filter((x) => x.unselectable === x.unlearnt).length,
    // Example by example: selectable exactly when learnt.
    examples_shown: r.hidden.length,
    examples_selectable_iff_learnt: r.hidden.filter((h) => h.selectable === h.learnt).length,
  };
}

function sparseFigures(r: SparseRegimeResult, c: SparseRegimeConfig): Record<string, Spec> {
  const Ts = sizes(c);
  // Up to six set sizes spread over the range, the first seed of each.
  const shown = Ts.length <= 6
    ? Ts
    : [0, 1, 2, 3, 4, 5].map((k) => Ts[Math.round((k * (Ts.length - 1)) / 5)]);
  const setting = `n=${c.n}, S=${c.sparsity}, ${c.optimizer}(lr=${c.lr}), ${c.steps} steps`;
  return {
    hidden_vectors: hiddenVectorsSpec(
      r.hidden.filter((h) => h.seed === c.seed && shown.includes(h.examples)),
      { title: `Hidden vectors h = W·x of the trained examples, seed ${c.seed} (${setting})` },
    ),
    level_counts: levelCountsSpec(r.runs, {
      title: `Radius levels of the hidden vectors against T (${c.seeds} seeds each; ${setting})`,
    }),
    unlearnt_over_training: unlearntTimelineSpec(r.timeline, {
      title: `Examples not learnt over training, every run (${setting})`,
      warmup: c.warmup,
    }),
    gap_against_ratio: gapRatioSpec(r.interfaces, {
      title: `Angle at each interface between levels against the radius ratio (${setting})`,
    }),
  };
}

function sparseNotes(c: SparseRegimeConfig, s: Record<string, unknown>): string[] {
  return [
    `n = ${c.n} features, each 0 with probability S = ${c.sparsity} and otherwise uniform on ` +
    `[0, 1], every example scaled to unit length; m = 2; one fixed set of T examples per run ` +
    `(T = ${c.examples}), ${c.seeds} seeds each; ${c.optimizer} lr ${c.lr} (weight decay ` +
    `${c.weightDecay}) with ${c.warmup} steps of linear warm-up and a cosine decay to zero at ` +
    `${c.steps} steps; W ${c.init}, b = 0. Replications report that results at small m depend ` +
    `strongly on these settings.`,
    `Levels: the hidden vectors' norms sorted, a norm more than ${
      pct(LEVEL_RULE.gap)
    } above the previous starts a new level; norms under ${
      pct(LEVEL_RULE.zero)
    } of the longest are "collapsed". An example is selectable when its hidden vector is a vertex ` +
    `of the convex hull of all of them (a ReLU readout can then fire on it alone), learnt when ` +
    `its squared error is below ${LEARNT_ERROR} of its squared norm; a run with an unlearnt ` +
    `example counts as an optimization failure.`,
    `${s.multi_level_runs} of ${s.runs} runs have two or more levels (${s.two_level_runs} two, ` +
    `${s.three_plus_level_runs} three or more); ${s.failures} runs failed to learn an example. ` +
    `${s.unselectable_examples} examples could not be selected and ${s.unlearnt_examples} were ` +
    `not learnt; an example is selectable exactly when it was learnt for ` +
    `${s.examples_selectable_iff_learnt} of the ${s.examples_shown} non-empty examples.`,
  ];
}

/**
 * `toy-sparse-regime`: the hidden vectors of Anthropic's sparse regime, and the
 * "two circles" claims measured.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { toySparseRegime } from "./sparse_regime.ts";
 * const config = configure(toySparseRegime, { n: 30, examples: "3,5", steps: 200, warmup: 20 });
 * const result = await toySparseRegime.run(config, { workers: 1 });
 * const { tables } = toySparseRegime.artefacts(result, config);
 * assert.deepEqual(tables.runs.array("examples"), [3, 3, 5, 5]);
 * ```
 */
export const toySparseRegime: Experiment<typeof sparseRegimeFields, SparseRegimeResult> =
  defineExperiment({
    id: "toy-sparse-regime",
    title: "Toy autoencoder in Anthropic's sparse regime: levels, circles and gaps of the examples",
    description:
      "Anthropic's toy double-descent setting (sparse unit-norm examples, a fixed set of T per run, " +
      "AdamW with warm-up and cosine decay, m = 2): for each T and seed, the trained examples' hidden " +
      "vectors, their radius levels, how circular and regular each level is, the angular gaps at the " +
      "interfaces against arccos of the radius ratio (what a ReLU readout needs), the examples no " +
      "readout can select, and which runs failed to learn an example. Tests the three claims about " +
      "the “two circles” that “Optimization Failure” questions in its introduction.",
    fields: sparseRegimeFields,
    profiles: {
      smoke: { n: 100, examples: "3,5,8", steps: 2000, warmup: 100 },
      quick: {},
      full: {
        examples: `${T_3_TO_30},40,50`,
        seeds: 8,
      },
    },
    validate(c) {
      if (c.warmup >= c.steps) {
        throw new ConfigError(
          `warmup=${c.warmup} is not allowed: it must be below steps=${c.steps}`,
        );
      }
      for (const T of sizes(c)) {
        if (!Number.isInteger(T) || T < 1 || T > 100_000) {
          throw new ConfigError(
            `examples=${c.examples} is not allowed: each T must be an integer from 1 to 100000`,
          );
        }
      }
    },
    memory(c) {
      const largest = Math.max(...sizes(c));
      return memoryEstimate(
        [
          ...toyTrainMemory(runConfig(c, largest)),
          perSeedRows(c.seeds * sizes(c).length * largest),
        ],
        ["n", "seeds", "examples"],
      );
    },
    async run(c, options) {
      const started = performance.now();
      const Ts = sizes(c);
      // A shard runs its range of the set sizes (each T's runs depend on nothing else).
      const { lo, hi } = options.range ?? { lo: 0, hi: Ts.length };
      const result: SparseRegimeResult = { runs: [], hidden: [], interfaces: [], timeline: [] };
      let workers = 1;
      let backend: string | undefined;
      for (let j = lo; j < hi; j++) {
        const part = await runT(c, Ts[j], {
          run: options,
          label: `T=${Ts[j]}, ${c.seeds} seeds`,
          from: (j - lo) / (hi - lo),
          to: (j - lo + 1) / (hi - lo),
        });
        workers = Math.max(workers, part.workers);
        backend = part.backend;
        result.runs.push(...part.runs);
        result.hidden.push(...part.hidden);
        result.interfaces.push(...part.interfaces);
        result.timeline.push(...part.timeline);
      }
      const elapsedMs = performance.now() - started;
      return { ...result, meta: fusedMeta({ workers, backend, elapsedMs }) };
    },
    shard: {
      unit: "set sizes T",
      instances: (c) => sizes(c).length,
      merge: mergeRowParts,
    },
    claims: sparseRegimeClaims,
    artefacts(r, c) {
      const summary = sparseSummary(r, c);
      return {
        summary,
        tables: {
          runs: aq.from(r.runs),
          hidden: aq.from(r.hidden),
          timeline: aq.from(r.timeline),
          interfaces: aq.from(r.interfaces.map((f) => ({
            examples: f.examples,
            seed: f.seed,
            gap_deg: f.gapDeg,
            ratio: f.ratio,
            needed_deg: f.neededDeg,
            inner_selectable: f.inner_selectable,
          }))),
        },
        figures: sparseFigures(r, c),
        notes: sparseNotes(c, summary),
      };
    },
  });
