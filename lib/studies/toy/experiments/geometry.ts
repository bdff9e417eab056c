/**
 * `toy-geometry`: the latent geometry of two toy autoencoders (seed 001,
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
import { adjacentGaps } from "../geometry.ts";
import {
  finalOutcomes,
  finalState,
  identityLoss,
  lossRows,
  outcomeTimeline,
  progressRows,
  snapshotState,
} from "../analysis.ts";
import { outcomeLabel } from "../outcomes.ts";
import { regularPolygon, symmetricFailure, symmetricFailureLoss } from "../closed_forms.ts";
import type { ToyTrainResult } from "../config.ts";
import type { Spec } from "../../../core/plots/render.ts";
import type { Experiment } from "../../../core/experiment.ts";
import {
  featureTable,
  instanceFigures,
  seedRange,
  TOY_TRAIN_DEFAULTS,
  TOY_TRAIN_SPECS,
  toyTrainConfig,
  type ToyTrainFields,
  trainStage,
  validateSeedRange,
  validateShape,
  validateToyTrainFields,
} from "./common.ts";

/** Config of `toy-geometry`. */
export interface GeometryConfig extends ToyTrainFields {
  /** Features of the run that should learn everything. */
  nPerfect: number;
  /** Features of the run that should fall into Symmetric Failure. */
  nFailure: number;
  m: number;
  /** Candidate seeds trained for each example. */
  candidates: number;
}

/** One chosen example. */
export interface GeometryExample {
  n: number;
  seed: number;
  /** Snapshot row shown (-1: the final parameters). */
  row: number;
  step: number;
  /** How the example was chosen, in words. */
  rule: string;
  /** Whether the chosen run meets the example's goal (all learnt / Symmetric Failure). */
  found: boolean;
  state: { W: number[][]; b: number[] };
  loss: number;
  index: number;
}

/** What `toy-geometry` returns. */
export interface GeometryResult {
  perfect: GeometryExample;
  failure: GeometryExample;
  perfectRun: ToyTrainResult;
  failureRun: ToyTrainResult;
  /** Candidates in Symmetric Failure at the end of the n = nFailure run. */
  failureAtEnd: number;
}

function pickPerfect(run: ToyTrainResult, seeds: number[]): GeometryExample {
  const outcomes = finalOutcomes(run, { oneHot: true });
  let i = outcomes.findIndex((o) => o.outcome === "all_learnt");
  const found = i >= 0;
  if (!found) {
    i = 0;
    run.finalLoss.forEach((v, k) => {
      if (v < run.finalLoss[i]) i = k;
    });
  }
  return {
    n: run.final.n,
    seed: seeds[i],
    row: -1,
    step: run.snapshots.steps[run.snapshots.steps.length - 1],
    rule: found
      ? `first of ${seeds.length} candidate seeds with every feature learnt at the end`
      : `no candidate learnt every feature; lowest final loss of ${seeds.length} candidates`,
    found,
    state: finalState(run.final, i),
    loss: run.finalLoss[i],
    index: i,
  };
}

function pickFailure(run: ToyTrainResult, seeds: number[]): GeometryExample & { atEnd: number } {
  const t = outcomeTimeline(run, { oneHot: true });
  const rows = t.steps.length;
  const last = rows - 1;
  let best = -1;
  let bestCount = 0;
  let atEnd = 0;
  for (let i = 0; i < t.instances; i++) {
    let count = 0;
    for (let k = 0; k < rows; k++) count += t.symmetricFailure[k * t.instances + i];
    if (t.symmetricFailure[last * t.instances + i]) atEnd++;
    if (count > bestCount) {
      best = i;
      bestCount = count;
    }
  }
  if (best < 0) {
    const outcomes = finalOutcomes(run, { oneHot: true });
    const i = Math.max(0, outcomes.findIndex((o) => o.unlearnt.length > 0));
    return {
      n: run.final.n,
      seed: seeds[i],
      row: -1,
      step: t.steps[last],
      rule: `no candidate of ${seeds.length} was ever in Symmetric Failure; ` +
        `first with an unlearnt feature at the end (${outcomeLabel(outcomes[i])})`,
      found: false,
      state: finalState(run.final, i),
      loss: run.finalLoss[i],
      index: i,
      atEnd,
    };
  }
  let row = last;
  while (!t.symmetricFailure[row * t.instances + best]) row--;
  const endsThere = row === last;
  const state = endsThere ? finalState(run.final, best) : snapshotState(run, row, best);
  return {
    n: run.final.n,
    seed: seeds[best],
    row: endsThere ? -1 : row,
    step: t.steps[row],
    rule: `the candidate (of ${seeds.length}) in Symmetric Failure at the most snapshots ` +
      `(${bestCount} of ${rows}); ` +
      (endsThere
        ? "it is still there at the end"
        : `shown at step ${t.steps[row]}, after which it left`),
    found: true,
    state,
    loss: endsThere ? run.finalLoss[best] : identityLoss(state.W, state.b),
    index: best,
    atEnd,
  };
}

function describe(e: GeometryExample) {
  const norms = e.state.W[0].map((_, i) => Math.hypot(...e.state.W.map((r) => r[i])));
  const learnt = norms.flatMap((v, i) => (v >= 0.1 ? [i + 1] : []));
  const unlearnt = norms.flatMap((v, i) => (v < 0.1 ? [i + 1] : []));
  const gaps = e.state.W.length === 2 ? adjacentGaps(e.state.W, learnt) : [];
  const learntNorms = learnt.map((f) => norms[f - 1]);
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const normMean = mean(learntNorms);
  const gapMean = gaps.length ? mean(gaps) : NaN;
  return {
    n: e.n,
    seed: e.seed,
    step: e.step,
    rule: e.rule,
    found: e.found,
    loss: e.loss,
    learnt_features: learnt.length,
    unlearnt_features: unlearnt,
    unlearnt_bias: unlearnt.map((f) => e.state.b[f - 1]),
    one_over_n: 1 / e.n,
    learnt_norm_mean: normMean,
    learnt_norm_cv: Math.sqrt(mean(learntNorms.map((v) => (v - normMean) ** 2))) / normMean,
    adjacent_gap_deg_mean: gapMean,
    adjacent_gap_deg_max_dev: gaps.length
      ? Math.max(...gaps.map((g) => Math.abs(g - gapMean)))
      : NaN,
  };
}

export const toyGeometry: Experiment<GeometryConfig, GeometryResult> = {
  id: "toy-geometry",
  title: "Toy autoencoder: the latent geometry of a perfect run and of Symmetric Failure",
  description:
    "Trains candidate seeds at n = 6 and n = 7 (m = 2, one-hot data) and shows, for a run that " +
    "learns every feature and for one in Symmetric Failure, the feature vectors with the latent " +
    "polygon, each feature's latent zone (where Wᵢᵀh + bᵢ > 0), WᵀW, the biases and the training " +
    "progress; next to them the closed forms: the regular n-gon that reconstructs one-hot data " +
    "exactly, and the exact Symmetric Failure state with loss (n−1)/n³.",
  defaults: { ...TOY_TRAIN_DEFAULTS, nPerfect: 6, nFailure: 7, m: 2, candidates: 64 },
  fields: {
    ...TOY_TRAIN_SPECS,
    nPerfect: { type: "int", min: 3, max: 32, doc: "features of the perfect run" },
    nFailure: { type: "int", min: 5, max: 32, doc: "features of the Symmetric Failure run" },
    m: { type: "int", min: 2, max: 2, doc: "latent dimension (the figures need m = 2)" },
    candidates: { type: "int", min: 1, max: 4096, doc: "candidate seeds per example" },
  },
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
  artefacts(r, c) {
    const setting = `${c.optimizer}(lr=${c.lr}), ${c.steps} steps`;
    const figures: Record<string, Spec> = {};
    const tables: Record<string, aq.ColumnTable> = {};
    const examples = [
      ["perfect", r.perfect, r.perfectRun],
      ["failure", r.failure, r.failureRun],
    ] as const;
    for (const [key, e, run] of examples) {
      const label = `n=${e.n}, seed ${e.seed}, step ${e.step}`;
      const figs = instanceFigures(e.state, {
        rows: progressRows(run, e.index),
        loss: lossRows(run, e.index),
      }, label);
      for (const [name, spec] of Object.entries(figs)) figures[`${key}_${name}`] = spec;
      tables[`${key}_features`] = featureTable(e.state);
    }
    const ngon = regularPolygon(c.nPerfect, Math.PI / 2);
    const sf = symmetricFailure(c.nFailure, { rotation: Math.PI / 2 });
    const refs = [
      ["reference_ngon", ngon, `regular ${c.nPerfect}-gon (closed form, loss 0)`],
      ["reference_sf", sf, `Symmetric Failure n=${c.nFailure} (closed form)`],
    ] as const;
    for (const [key, state, label] of refs) {
      const figs = instanceFigures(state, null, label);
      figures[`${key}_zones`] = figs.zones;
      figures[`${key}_gram`] = figs.gram;
    }
    const sfLoss = symmetricFailureLoss(c.nFailure);
    return {
      summary: {
        setting,
        perfect: describe(r.perfect),
        failure: {
          ...describe(r.failure),
          symmetric_failure_loss: sfLoss,
          loss_over_reference: r.failure.loss / sfLoss,
        },
        candidates_in_symmetric_failure_at_end: r.failureAtEnd,
        candidates: c.candidates,
        closed_forms: {
          regular_ngon_loss: identityLoss(ngon.W, ngon.b),
          symmetric_failure_loss: identityLoss(sf.W, sf.b),
          symmetric_failure_loss_formula: sfLoss,
        },
      },
      tables,
      figures,
      notes: [
        `Training: m=${c.m}, one-hot data, ${setting}, ${c.candidates} candidate seeds from ${c.seed}.`,
        `Perfect example (n=${c.nPerfect}): ${r.perfect.rule}.`,
        `Failure example (n=${c.nFailure}): ${r.failure.rule}. ` +
        `${r.failureAtEnd} of ${c.candidates} candidates are in Symmetric Failure at the end of the run.`,
        `Closed forms: the regular ${c.nPerfect}-gon has loss ${
          identityLoss(ngon.W, ngon.b).toExponential(2)
        }; ` +
        `the exact Symmetric Failure state has loss ${
          identityLoss(sf.W, sf.b).toPrecision(6)
        } = (n−1)/n³.`,
      ],
    };
  },
};
