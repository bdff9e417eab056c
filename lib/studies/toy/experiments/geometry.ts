/**
 * `toy-geometry`: the latent geometry of two toy autoencoders (“Optimization Failure”,
 * "Why do Features Organize Themselves into a Circle?" and "Symmetric
 * Failure"): one that learns all n = 6 features and one that falls into
 * Symmetric Failure at n = 7, next to the closed-form states they approach.
 *
 * Both examples are picked by a stated rule from a batch of candidate seeds
 * trained together: the perfect run is the first candidate with every feature
 * learnt at the end; the failure run is the candidate that spent the most
 * snapshots in Symmetric Failure, shown at the last snapshot where it was in
 * it (the end of the run when it never left).
 *
 * @module
 */
import * as aq from "arquero";
import {
  describeExample,
  type GeometryExample,
  identityLoss,
  lossRows,
  pickFailure,
  pickPerfect,
  progressRows,
} from "../analysis.ts";
import { regularPolygon, symmetricFailure, symmetricFailureLoss } from "../closed_forms.ts";
import type { ToyTrainResult } from "../config.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { defineExperiment, type Experiment } from "../../../core/experiment.ts";
import {
  blankRow,
  describeDivergence,
  type DivergenceReport,
  emptySpec,
  markSpec,
} from "../../../core/train/divergence.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { toyTrainMemory } from "../memory.ts";
import { type ConfigOf, int } from "../../../core/config.ts";
import { sci, sig } from "../../../core/format.ts";
import {
  featureTable,
  instanceFigures,
  perSeedRows,
  seedRange,
  toyTrainConfig,
  toyTrainFields,
  trainStage,
  validateSeedRange,
  validateShape,
  validateToyTrainFields,
} from "./common.ts";
import { geometryClaims } from "../claims.ts";

// The row types of the result, defined next to the analysis that builds them.
export type { GeometryExample } from "../analysis.ts";

/**
 * The fields of `toy-geometry`: the training fields and the two examples' shapes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { geometryFields } from "./geometry.ts";
 * assert.deepEqual([geometryFields.nPerfect.default, geometryFields.nFailure.default], [6, 7]);
 * ```
 */
export const geometryFields = {
  ...toyTrainFields,
  nPerfect: int({ default: 6, min: 3, max: 32, doc: "features of the perfect run" }),
  nFailure: int({ default: 7, min: 5, max: 32, doc: "features of the Symmetric Failure run" }),
  m: int({ default: 2, min: 2, max: 2, doc: "latent dimension (the figures need m = 2)" }),
  candidates: int({ default: 64, min: 1, max: 4096, doc: "candidate seeds per example" }),
};

/**
 * Config of `toy-geometry`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type GeometryConfig, toyGeometry } from "./geometry.ts";
 * const config: GeometryConfig = configure(toyGeometry, { candidates: 8 });
 * assert.equal(config.nFailure, 7);
 * ```
 */
export type GeometryConfig = ConfigOf<typeof geometryFields>;

/**
 * What `toy-geometry` returns: both examples and the runs they come from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type GeometryResult, toyGeometry } from "./geometry.ts";
 * const config = configure(toyGeometry, { candidates: 2, steps: 20 });
 * const result: GeometryResult = await toyGeometry.run(config, { workers: 1 });
 * assert.equal(result.perfectRun.final.instances, 2);
 * ```
 */
export interface GeometryResult {
  /** The run of n = nPerfect that should learn every feature. */
  perfect: GeometryExample;
  /** The run of n = nFailure in Symmetric Failure. */
  failure: GeometryExample;
  /** Every candidate at n = nPerfect. */
  perfectRun: ToyTrainResult;
  /** Every candidate at n = nFailure. */
  failureRun: ToyTrainResult;
  /** Candidates in Symmetric Failure at the end of the n = nFailure run. */
  failureAtEnd: number;
}

/** The closed forms the two examples approach, and their losses on one-hot data. */
function references(c: GeometryConfig) {
  const ngon = regularPolygon(c.nPerfect, Math.PI / 2);
  const sf = symmetricFailure(c.nFailure, { rotation: Math.PI / 2 });
  return { ngon, sf, ngonLoss: identityLoss(ngon.W, ngon.b), sfLoss: identityLoss(sf.W, sf.b) };
}

/** Divergence among the candidates of one example's run. */
function candidatesDivergence(run: ToyTrainResult, c: GeometryConfig): DivergenceReport {
  return describeDivergence(run.divergedAt, { divergeAbove: c.divergeAbove, noun: "candidates" });
}

/**
 * One example's figures and feature table: of the picked candidate, marked
 * when some candidates diverged (none of them is ever picked); empty when
 * every candidate diverged.
 */
function exampleFigures(e: GeometryExample, run: ToyTrainResult, c: GeometryConfig) {
  const div = candidatesDivergence(run, c);
  const label = `n=${e.n}, seed ${e.seed}, step ${e.step}`;
  const figs = instanceFigures(e.state, {
    rows: progressRows(run, e.index),
    loss: lossRows(run, e.index),
  }, label);
  const mark = div.mark.replace("not shown", "none picked");
  const figures = Object.fromEntries(
    Object.entries(figs).map(([name, spec]) => [
      name,
      // "Feature vectors: n=7, seed 3, step 1500" → "Feature vectors: n=7": no seed to name.
      e.diverged
        ? emptySpec(`${String(spec.title).split(":")[0]}: n=${e.n}`, div.mark)
        : markSpec(spec, mark),
    ]),
  );
  const table = featureTable(e.state);
  return {
    figures,
    table: e.diverged
      ? aq.from(table.objects().map((row) => blankRow(row as Record<string, unknown>, ["feature"])))
      : table,
  };
}

/** Figures and feature tables of both examples and both closed forms. */
function geometryFigures(r: GeometryResult, c: GeometryConfig) {
  const figures: Record<string, Spec> = {};
  const tables: Record<string, aq.ColumnTable> = {};
  const examples = [
    ["perfect", r.perfect, r.perfectRun],
    ["failure", r.failure, r.failureRun],
  ] as const;
  for (const [key, e, run] of examples) {
    const shown = exampleFigures(e, run, c);
    for (const [name, spec] of Object.entries(shown.figures)) figures[`${key}_${name}`] = spec;
    tables[`${key}_features`] = shown.table;
  }
  const { ngon, sf } = references(c);
  const refs = [
    ["reference_ngon", ngon, `regular ${c.nPerfect}-gon (closed form, loss 0)`],
    ["reference_sf", sf, `Symmetric Failure n=${c.nFailure} (closed form)`],
  ] as const;
  for (const [key, state, label] of refs) {
    const figs = instanceFigures(state, null, label);
    figures[`${key}_zones`] = figs.zones;
    figures[`${key}_gram`] = figs.gram;
  }
  return { figures, tables };
}

/** An example in the summary: its description, or only how it was (not) picked. */
function exampleSummary(e: GeometryExample) {
  const d = describeExample(e);
  return e.diverged ? blankRow(d, ["n", "rule", "found", "one_over_n"]) : d;
}

function geometryNotes(r: GeometryResult, c: GeometryConfig, setting: string): string[] {
  const { ngonLoss, sfLoss } = references(c);
  const diverged = [[c.nPerfect, r.perfectRun], [c.nFailure, r.failureRun]] as const;
  return [
    `Training: m=${c.m}, one-hot data, ${setting}, ${c.candidates} candidate seeds from ${c.seed}.`,
    ...diverged.flatMap(([n, run]) => {
      const note = candidatesDivergence(run, c).note;
      return note ? [`n=${n}: ${note.replace("every statistic below", "the picking")}`] : [];
    }),
    `Perfect example (n=${c.nPerfect}): ${r.perfect.rule}.`,
    `Failure example (n=${c.nFailure}): ${r.failure.rule}. ` +
    `${r.failureAtEnd} of ${c.candidates} candidates are in Symmetric Failure at the end of the run.`,
    `Closed forms: the regular ${c.nPerfect}-gon has loss ${sci(ngonLoss, 2)}; ` +
    `the exact Symmetric Failure state has loss ${sig(sfLoss, 6)} = (n−1)/n³.`,
  ];
}

/**
 * `toy-geometry`: a perfect run and a Symmetric Failure, each picked from a
 * batch of candidate seeds, next to their closed forms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { toyGeometry } from "./geometry.ts";
 * const config = configure(toyGeometry, { candidates: 2, steps: 20 });
 * const result = await toyGeometry.run(config, { workers: 1 });
 * const { tables, figures } = toyGeometry.artefacts(result, config);
 * assert.equal(tables.perfect_features.numRows(), 6);
 * assert.ok("reference_sf_zones" in figures);
 * ```
 */
export const toyGeometry: Experiment<typeof geometryFields, GeometryResult> = defineExperiment({
  id: "toy-geometry",
  title: "Toy autoencoder: the latent geometry of a perfect run and of Symmetric Failure",
  description:
    "Trains candidate seeds at n = 6 and n = 7 (m = 2, one-hot data) and shows, for a run that " +
    "learns every feature and for one in Symmetric Failure, the feature vectors with the latent " +
    "polygon, each feature's latent zone (where Wᵢᵀh + bᵢ > 0), WᵀW, the biases and the training " +
    "progress; next to them the closed forms: the regular n-gon that reconstructs one-hot data " +
    "exactly, and the exact Symmetric Failure state with loss (n−1)/n³.",
  fields: geometryFields,
  profiles: {
    smoke: { steps: 1500, candidates: 16 },
    quick: {},
    full: { steps: 25_000, candidates: 256 },
  },
  validate(c) {
    validateShape(c.nPerfect, c.m, { n: "nPerfect", m: "m" });
    validateShape(c.nFailure, c.m, { n: "nFailure", m: "m" });
    validateToyTrainFields(c);
    validateSeedRange(c.seed, c.candidates, "candidates");
  },
  memory(c) {
    const seeds = seedRange(c.seed, c.candidates);
    const run = (n: number) =>
      toyTrainMemory(toyTrainConfig(c, { n, m: c.m, seeds }), { engine: c.engine });
    // The first run's result is kept while the second trains.
    return memoryEstimate(
      [...run(c.nPerfect), ...run(c.nFailure), perSeedRows(2 * c.candidates)],
      ["candidates"],
    );
  },
  async run(c, options) {
    const seeds = seedRange(c.seed, c.candidates);
    const train = (n: number, from: number, to: number) =>
      trainStage(toyTrainConfig(c, { n, m: c.m, seeds }), {
        run: options,
        engine: c.engine,
        label: `n=${n}`,
        from,
        to,
      });
    const perfectRun = await train(c.nPerfect, 0, 0.45);
    const failureRun = await train(c.nFailure, 0.45, 0.9);
    const perfect = pickPerfect(perfectRun, seeds);
    const { atEnd, ...failure } = pickFailure(failureRun, seeds);
    await options.onProgress?.({ fraction: 1, message: "picked the examples" });
    return {
      perfect,
      failure,
      perfectRun,
      failureRun,
      failureAtEnd: atEnd,
      meta: {
        engine: perfectRun.engine,
        backend: perfectRun.backend,
        workers: perfectRun.workers,
        elapsedMs: perfectRun.elapsedMs + failureRun.elapsedMs,
      },
    };
  },
  claims: geometryClaims,
  artefacts(r, c) {
    const setting = `${c.optimizer}(lr=${c.lr}), ${c.steps} steps`;
    const { figures, tables } = geometryFigures(r, c);
    const sfLoss = symmetricFailureLoss(c.nFailure);
    const closed = references(c);
    return {
      summary: {
        setting,
        perfect: exampleSummary(r.perfect),
        failure: {
          ...exampleSummary(r.failure),
          symmetric_failure_loss: sfLoss,
          loss_over_reference: r.failure.loss / sfLoss,
        },
        candidates_in_symmetric_failure_at_end: r.failureAtEnd,
        candidates: c.candidates,
        closed_forms: {
          regular_ngon_loss: closed.ngonLoss,
          symmetric_failure_loss: closed.sfLoss,
          symmetric_failure_loss_formula: sfLoss,
        },
        divergence: {
          perfect: candidatesDivergence(r.perfectRun, c).summary,
          failure: candidatesDivergence(r.failureRun, c).summary,
        },
      },
      tables,
      figures,
      notes: geometryNotes(r, c, setting),
    };
  },
});
