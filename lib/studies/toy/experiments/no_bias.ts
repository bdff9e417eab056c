/**
 * `toy-no-bias`: the tied toy autoencoder without a bias, y = ReLU(WᵀWx), on
 * n one-hot features in m = 2 latent dimensions with n > 2m (the no-bias aside, "(Aside)
 * Trying to compress even more vectors without b"; issue 3, part 7).
 *
 * The seed claims that the learnt columns of W still form a regular
 * arrangement, that the columns of WᵀW break the "one positive entry per
 * column" criterion so the reconstruction cannot be exact, and that the loss
 * of two unit features at angle θ is max(0, cos θ)² = (cos 2θ + 1)/2. This
 * experiment trains many seeds as one batched run and measures each claim.
 *
 * **The loss floor, in closed form.** Put the columns on a regular n-gon with
 * a common squared norm s. On example eₖ the output is ReLU(G eₖ), G = WᵀW:
 * the own entry is s, the entry of a feature at angle θ is ReLU(s cos θ). With
 * P = Σⱼ₌₁ⁿ⁻¹ max(0, cos(2πj/n))² (the positive overlaps of one column) the
 * mean squared error over the n² entries is
 *
 *   L(s) = ((s − 1)² + P s²) / n,   minimised at s* = 1/(1 + P), L* = P / (n (1 + P)).
 *
 * For n ≤ 4 no two columns of the regular polygon overlap (P = 0, L* = 0); for
 * n = 5, P = 2 cos² 72° = (3 − √5)/4, so s* = 4/(7 − √5) ≈ 0.8396 (‖Wᵢ‖ ≈ 0.9163)
 * and L* = (3 − √5)/(5 (7 − √5)) ≈ 0.032071. Of L*, the share 1/(1 + P) ≈ 84% is
 * paid on the two positive neighbour entries of each column and the rest on
 * the own entry, which stops short of 1 precisely to keep the neighbours small.
 * This is the best *regular* polygon, not a proven global optimum: at n = 5
 * no trained seed ended below it, but at n = 6 every seed of the quick profile
 * ended at a regular pentagon with one direction shared by two features
 * (loss ≈ 0.05005, below the hexagon's 1/18 ≈ 0.05556).
 *
 * **When is a feature learnt?** Without a bias, yᵢᵢ = ‖Wᵢ‖², and the natural
 * test yᵢᵢ > ½ is not enough: training passes through (and under SGD stays in)
 * a *shared direction* state where two features lie on one line with
 * ‖Wₐ‖² + ‖W_b‖² = 1, a flat valley of loss 1/n² per pair whose far end is a
 * collapsed column (W_b = 0), so an even pair has both own outputs at ½.
 * Feature i counts as learnt when its own example is decoded unambiguously:
 * yᵢᵢ > {@link LEARNT_OWN_OUTPUT} (nearer 1 than 0) and yᵢᵢ exceeds every other
 * output on eᵢ by more than {@link LEARNT_MARGIN}. The regular pentagon clears
 * both with room (0.84 and 0.58); a collapsed column and an even shared pair
 * have margin 0. Over 256 seeds of AdamW (lr 1e-3) after 5,000 steps, all but
 * 2 of the 1,280 margins were below 0.15 or at 0.58 and 1 (the last are the
 * square's columns next to a shared pair), so ¼ sits in the empty range. Under
 * SGD a shared pair drifts along its valley and the stronger member may pass
 * (it is decodable; the weaker is not): the run's state, which looks at the
 * geometry, still says "shared direction" or "collapsed".
 *
 * @module
 */
import * as aq from "arquero";
import { featureRows, latentPolygon } from "../geometry.ts";
import { finalState, identityLoss } from "../analysis.ts";
import {
  analyseNoBias,
  LEARNT_MARGIN,
  LEARNT_OWN_OUTPUT,
  lossOverTheta,
  type LossOverThetaRow,
  NO_BIAS_STATES,
  type NoBiasAngleRow,
  noBiasAngleRows,
  type NoBiasFractionRow,
  type NoBiasPolygon,
  noBiasRunRows,
  type NoBiasSeed,
  type NoBiasStats,
  noBiasStats,
  noBiasTimeline,
  noBiasTradeoffRows,
  pickRepresentative,
  regularPolygonNoBias,
  type RepresentativeView,
  representativeView,
  SHARED_DIRECTION_COS,
} from "../no_bias.ts";
import { featureVectorsSpec, gramHeatmapSpec } from "../plots.ts";
import {
  hypercubeSpec,
  lossOverThetaSpec,
  normTradeoffSpec,
  spreadSpec,
  stateFractionsSpec,
} from "../plots_no_bias.ts";
import type { ToyTrainResult } from "../config.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { defineExperiment, type Experiment } from "../../../core/experiment.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { toyTrainMemory } from "../memory.ts";
import { type ConfigOf, int, withDefault } from "../../../core/config.ts";
import { fixed, share, sig } from "../../../core/format.ts";
import { quantile } from "../../../core/stats.ts";
import {
  describeDivergence,
  type DivergenceReport,
  emptySpec,
  markSpec,
} from "../../../core/train/divergence.ts";
import {
  perSeedRows,
  seedRange,
  toyTrainConfig,
  toyTrainFields,
  trainStage,
  validateSeedRange,
  validateShape,
  validateToyTrainFields,
} from "./common.ts";
import { noBiasClaims } from "../claims.ts";

// The row types of the result, defined next to the analysis that builds them.
export type { NoBiasFractionRow } from "../no_bias.ts";

/**
 * The fields of `toy-no-bias`: the training fields (50,000 steps by
 * default), n and m, and the number of seeds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noBiasFields } from "./no_bias.ts";
 * assert.deepEqual([noBiasFields.n.default, noBiasFields.steps.default], [5, 50_000]);
 * ```
 */
export const noBiasFields = {
  ...toyTrainFields,
  steps: withDefault(toyTrainFields.steps, 50_000),
  n: int({ default: 5, min: 3, max: 10, doc: "features (the n-cube has 2ⁿ corners)" }),
  m: int({ default: 2, min: 2, max: 2, doc: "latent dimension (the figures need m = 2)" }),
  seeds: int({ default: 256, min: 1, max: 100_000, doc: "number of seeds (instances)" }),
};

/**
 * Config of `toy-no-bias`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type NoBiasConfig, toyNoBias } from "./no_bias.ts";
 * const config: NoBiasConfig = configure(toyNoBias, { optimizer: "sgd", lr: 0.1 }, "smoke");
 * assert.deepEqual([config.seeds, config.steps], [32, 3000]);
 * ```
 */
export type NoBiasConfig = ConfigOf<typeof noBiasFields>;

/**
 * What `toy-no-bias` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type NoBiasResult, toyNoBias } from "./no_bias.ts";
 * const config = configure(toyNoBias, { seeds: 2, steps: 20 });
 * const result: NoBiasResult = await toyNoBias.run(config, { workers: 1 });
 * assert.equal(result.analysis.length, 2);
 * assert.ok(result.representative === 0 || result.representative === 1);
 * ```
 */
export interface NoBiasResult {
  /** Seed of each instance. */
  seeds: number[];
  /** The training run (no bias). */
  train: ToyTrainResult;
  /** Each seed's final state, measured. */
  analysis: NoBiasSeed[];
  /** Fraction of seeds in each state at each snapshot. */
  timeline: NoBiasFractionRow[];
  /** Index of the representative seed (see {@link pickRepresentative}; -1: every seed diverged). */
  representative: number;
  /** How it was chosen, in words. */
  representativeRule: string;
}

/** What the notes, figures and summary are built from. */
interface NoBiasReading {
  r: NoBiasResult;
  c: NoBiasConfig;
  setting: string;
  stats: NoBiasStats;
  closed: NoBiasPolygon;
  /** The representative seed, and what is shown of it (null when every seed diverged). */
  shown: { rep: NoBiasSeed; repW: number[][]; view: RepresentativeView } | null;
  /** Divergence over the seeds: every statistic is over the others. */
  div: DivergenceReport;
}

function read(r: NoBiasResult, c: NoBiasConfig): NoBiasReading {
  const index = r.representative;
  const repW = index >= 0 ? finalState(r.train.final, index).W : null;
  const rep = r.analysis[index];
  return {
    r,
    c,
    setting: `n=${c.n}, m=${c.m}, no bias, ${c.optimizer}(lr=${c.lr}), ${c.steps} steps`,
    stats: noBiasStats(r.analysis),
    closed: regularPolygonNoBias(c.n),
    shown: repW ? { rep, repW, view: representativeView(repW, rep) } : null,
    div: describeDivergence(r.train.divergedAt, { divergeAbove: c.divergeAbove, noun: "seeds" }),
  };
}

/** The seeds that did not diverge: what every share is over. */
function keptSeeds(x: NoBiasReading): number {
  return x.div.summary.instances - x.div.summary.diverged;
}

function noBiasFigures(
  x: NoBiasReading,
  rows: { angles: NoBiasAngleRow[]; overTheta: LossOverThetaRow[] },
): Record<string, Spec> {
  const { r, c, closed, setting, div } = x;
  const n = c.n;
  const common = {
    spread: markSpec(
      spreadSpec(
        rows.angles,
        x.stats.learnt.flatMap((a) => a.norms.map((norm) => ({ seed: a.seed, norm }))),
        {
          title: `Adjacent angles and norms over ${r.analysis.length} seeds (${setting})`,
          n,
          regularNorm: closed.norm,
        },
      ),
      div.mark,
    ),
    state_fractions: markSpec(
      stateFractionsSpec(r.timeline, {
        title: `State of ${keptSeeds(x)} seeds over training (${setting})`,
      }),
      div.mark,
    ),
  };
  if (!x.shown) {
    return {
      vectors: emptySpec("Feature vectors without a bias", div.mark),
      gram: emptySpec("WᵀW of the representative seed", div.mark),
      hypercube: emptySpec(`The ${n}-cube projected by W`, div.mark),
      ...common,
      ...closedFormFigures(x, rows.overTheta),
    };
  }
  const { rep, repW, view } = x.shown;
  const { cube } = view;
  const repLabel = `seed ${rep.seed} (${rep.state}, loss ${sig(rep.finalLoss, 5)})`;
  // The representative is never a diverged seed; its figures say how many were passed over.
  const picked = (spec: Spec) => markSpec(spec, div.mark.replace("not shown", "none picked"));
  return {
    vectors: picked(
      featureVectorsSpec(featureRows(repW, new Array(n).fill(0)), latentPolygon(repW), {
        title: `Feature vectors without a bias: ${repLabel}`,
      }),
    ),
    gram: picked(gramHeatmapSpec(view.gram, {
      title: new Set(rep.positive).size === 1
        ? `WᵀW of seed ${rep.seed}: ${
          rep.positive[0]
        } positive entries off the diagonal in every column`
        : `WᵀW of seed ${rep.seed}: ${rep.positive.join(", ")} positive entries off the diagonal`,
    })),
    hypercube: picked(hypercubeSpec(cube.vertices, cube.edges, {
      title: [
        `The ${n}-cube projected by W, seed ${rep.seed}`,
        `${cube.vertices.length} corners W·v, v ∈ {0,1}^${n}; ${cube.edges.length} edges`,
      ],
      n,
    })),
    ...common,
    ...closedFormFigures(x, rows.overTheta),
  };
}

/** The figures of closed forms (no seed in them). */
function closedFormFigures(x: NoBiasReading, overTheta: LossOverThetaRow[]): Record<string, Spec> {
  const { c, closed } = x;
  const n = c.n;
  return {
    norm_tradeoff: normTradeoffSpec(noBiasTradeoffRows(n), {
      title: `Regular ${n}-gon without a bias: loss against the common norm`,
      optimum: { norm: closed.norm, loss: closed.loss.total },
    }),
    loss_over_theta: lossOverThetaSpec(overTheta, {
      title: [
        "Loss of two unit features against their angle",
        `dotted: a regular ${n}-gon's neighbour angles`,
      ],
      marks: [1, 2].filter((k) => (360 * k) / n <= 180).map((k) => ({
        theta_deg: (360 * k) / n,
        label: `${k === 1 ? "neighbours" : "2nd neighbours"} (${fixed((360 * k) / n, 0)}°)`,
      })),
    }),
  };
}

/** The notes on the run, the learnt rule and the geometry of the seeds that learnt all. */
function runNotes(x: NoBiasReading): string[] {
  const { r, c, stats, closed, setting } = x;
  const n = c.n;
  const expected = 360 / n;
  const { counts, settle } = stats;
  return [
    `${r.analysis.length} seeds (${r.seeds[0]}–${r.seeds[r.seeds.length - 1]}), ${setting}, ` +
    `${r.train.engine} engine on ${r.train.backend}. States at the end: ` +
    NO_BIAS_STATES.filter((s) => counts[s]).map((s) => `${s} ${counts[s]}`).join(", ") + ".",
    ...(x.div.note ? [x.div.note] : []),
    `A feature counts as learnt when its own output ‖Wᵢ‖² exceeds ${LEARNT_OWN_OUTPUT} and beats ` +
    `every other output on its example by more than ${LEARNT_MARGIN}; "shared direction" means ` +
    `two columns on one line (cosine > ${SHARED_DIRECTION_COS}), a flat valley costing 1/n² = ` +
    `${sig(1 / n ** 2, 4)} per pair, which seeds leave slowly (median step of settling into all ` +
    `learnt: ${settle?.median ?? "–"}, 90%: ${settle?.p90 ?? "–"}).`,
    `Over the ${stats.learnt.length} seeds that learnt all ${n}: adjacent angles ` +
    `${sig(stats.gapMean, 6)}° on average (always 360/n = ${sig(expected, 6)}° since they sum ` +
    `to 360°), at most ${sig(stats.gapMaxDev, 3)}° away; column norms ${sig(stats.normMean, 6)} ` +
    `± ${sig(stats.normCv, 3)} (coefficient of variation) against the closed form ` +
    `${sig(closed.norm, 6)}.`,
  ];
}

/** The notes on the closed form and why the reconstruction is not exact. */
function closedFormNotes(x: NoBiasReading): string[] {
  const { c, stats, closed } = x;
  const n = c.n;
  const losses = stats.learntLosses;
  const rep = x.shown?.rep;
  return [
    `Closed form: the regular ${n}-gon with common squared norm s loses ((s−1)² + P·s²)/n with ` +
    `P = Σ max(0, cos 2πj/n)² = ${sig(closed.overlap, 6)}; the best s = 1/(1+P) = ` +
    `${sig(closed.normSq, 6)} gives loss P/(n(1+P)) = ${sig(closed.loss.total, 6)}. Trained ` +
    `seeds that learnt everything end at ${sig(losses[0], 7)}–${
      sig(losses[losses.length - 1], 7)
    }.`,
    ...(!rep ? [] : [
      `Why the reconstruction is not exact: every column of WᵀW has ` +
      `${Object.keys(stats.positiveHist).join(" or ") || "–"} positive off-diagonal entries (the ` +
      `two neighbours at ${sig(360 / n, 3)}°, each ` +
      `${
        sig(closed.normSq * Math.cos((2 * Math.PI) / n), 4)
      } in the closed form), not 0 as exact ` +
      `reconstruction needs. Seed ${rep.seed} pays ${sig(rep.loss.offdiag, 5)} on them and ` +
      `${sig(rep.loss.diag, 5)} on own outputs short of 1 ` +
      `(${share(rep.loss.offdiag, rep.loss.total)} of its loss on the extra positive entries; ` +
      `closed form ${share(closed.loss.offdiag, closed.loss.total)}).`,
    ]),
  ];
}

/** The notes on the drawn n-cube, the loss over θ and (when any) the shared directions. */
function cubeAndThetaNotes(x: NoBiasReading): string[] {
  const { r, c, closed } = x;
  const n = c.n;
  const notes = [];
  if (x.shown) {
    const { rep, view } = x.shown;
    notes.push(
      `The ${n}-cube drawn is seed ${rep.seed} (${r.representativeRule}): ` +
        `${view.cube.vertices.length} corners and ${view.cube.edges.length} edges; ‖ΣWᵢ‖ = ` +
        `${sig(rep.closure, 3)}, so corners 0…0 and 1…1 land ` +
        `${rep.closure < 1e-2 * view.scale ? "on the same point" : "apart"} ` +
        `(${view.distinct} distinct points at 0.1% of the column length).`,
    );
  }
  notes.push(
    `Loss over θ: max(0, cos θ)² equals the write-up's (cos 2θ + 1)/2 only for |θ| ≤ 90°. Beyond, ` +
      `the ReLU output is 0 while the write-up's form climbs back to 1 at 180°. Within ±90° the loss ` +
      `is concave for |θ| < 45° and convex for 45° ≤ |θ| ≤ 90° (flat beyond), so a pentagon's ` +
      `neighbours at 72° sit in the convex part and spreading them evenly is what Jensen rewards; ` +
      `its second neighbours at 144° cost nothing, not the 0.65 the write-up's form would say.`,
  );
  const shared = x.stats.sharedLosses;
  if (shared.length) {
    notes.push(
      `${shared.length} seeds end in a shared direction with loss ` +
        `${sig(shared[0], 5)}–${sig(shared[shared.length - 1], 5)} ` +
        `against the regular ${n}-gon's ${sig(closed.loss.total, 5)}: ` +
        (shared[0] < closed.loss.total
          ? `here sharing a direction is cheaper, so the regular ${n}-gon is not the optimum.`
          : `sharing a direction costs more (a settled pair alone costs 1/n² = ${
            sig(1 / n ** 2, 5)
          }).`),
    );
  }
  return notes;
}

function noBiasSummary(x: NoBiasReading): Record<string, unknown> {
  const { c, stats, closed } = x;
  const n = c.n;
  const losses = stats.learntLosses;
  return {
    n,
    m: c.m,
    seeds: x.r.analysis.length,
    optimizer: c.optimizer,
    lr: c.lr,
    steps: c.steps,
    states: stats.counts,
    learnt_all: stats.learnt.length,
    learnt_all_fraction: keptSeeds(x) ? stats.learnt.length / keptSeeds(x) : null,
    learnt_rule: `‖Wᵢ‖² > ${LEARNT_OWN_OUTPUT} and ‖Wᵢ‖² − maxⱼ≠ᵢ ReLU(Wᵢ·Wⱼ) > ${LEARNT_MARGIN}`,
    learnt_all_at_step: stats.settle,
    adjacent_angle_deg_mean: stats.gapMean,
    adjacent_angle_deg_max_dev: stats.gapMaxDev,
    adjacent_angle_deg_expected: 360 / n,
    norm_mean: stats.normMean,
    norm_cv: stats.normCv,
    norm_cv_seed_max: stats.normCvSeedMax,
    positive_offdiag_per_column: stats.positiveHist,
    final_loss_learnt: losses.length
      ? { min: losses[0], median: quantile(losses, 0.5), max: losses[losses.length - 1] }
      : null,
    regular_polygon: {
      method: "closed form: s* = 1/(1+P), loss = P/(n(1+P)), P = Σⱼ max(0, cos(2πj/n))²",
      overlap_P: closed.overlap,
      norm: closed.norm,
      norm_sq: closed.normSq,
      neighbour_entry: closed.normSq * Math.cos((2 * Math.PI) / n),
      loss: closed.loss.total,
      loss_diag: closed.loss.diag,
      loss_offdiag: closed.loss.offdiag,
      kernel_loss: identityLoss(closed.W, new Array(n).fill(0)),
    },
    loss_gap_median: losses.length ? quantile(losses, 0.5) - closed.loss.total : null,
    shared_direction_loss_per_pair: 1 / n ** 2,
    representative: representativeSummary(x),
    divergence: x.div.summary,
  };
}

/** What the summary says of the representative seed (null when every seed diverged). */
function representativeSummary(x: NoBiasReading): Record<string, unknown> | null {
  if (!x.shown) return null;
  const { rep, view } = x.shown;
  return {
    seed: rep.seed,
    rule: x.r.representativeRule,
    state: rep.state,
    loss: rep.finalLoss,
    kernel_loss: view.kernelLoss,
    loss_diag: rep.loss.diag,
    loss_offdiag: rep.loss.offdiag,
    own_outputs: view.gram.map((row, i) => row[i]),
    largest_other_outputs: view.neighbour,
    positive_offdiag_per_column: rep.positive,
    closure: rep.closure,
    hypercube_vertices: view.cube.vertices.length,
    hypercube_edges: view.cube.edges.length,
    hypercube_distinct_points: view.distinct,
  };
}

/**
 * `toy-no-bias`: seeds of the no-bias toy model, measured against the no-bias aside.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { toyNoBias } from "./no_bias.ts";
 * const config = configure(toyNoBias, { seeds: 2, steps: 20 });
 * const result = await toyNoBias.run(config, { workers: 1 });
 * const { tables, figures } = toyNoBias.artefacts(result, config);
 * assert.equal(tables.angles.numRows(), 2 * 5);
 * assert.ok("hypercube" in figures);
 * ```
 */
export const toyNoBias: Experiment<typeof noBiasFields, NoBiasResult> = defineExperiment({
  id: "toy-no-bias",
  title: "Toy autoencoder without a bias: regular geometry when n > 2m",
  description:
    "Trains many seeds of y = ReLU(WᵀWx) (no bias; n = 5 one-hot features in m = 2 dimensions by " +
    "default) as one batched run and measures the claims of the aside “(Aside) Trying to compress " +
    "even more vectors without b”: the learnt columns form a regular " +
    "polygon (adjacent angles and norm spread over seeds), each column of WᵀW has more than one " +
    "positive entry so the reconstruction is not exact (the loss it pays, against the closed-form " +
    "best regular polygon), the 5-cube projected by W, and the loss of two unit features against " +
    "their angle, max(0, cos θ)², next to the write-up's (cos 2θ + 1)/2.",
  fields: noBiasFields,
  profiles: {
    smoke: { seeds: 32, steps: 3000 },
    quick: {},
    full: { seeds: 4096, steps: 100_000 },
  },
  validate(c) {
    validateShape(c.n, c.m);
    validateToyTrainFields(c);
    validateSeedRange(c.seed, c.seeds, "seeds");
  },
  memory(c) {
    const base = toyTrainConfig(c, { n: c.n, m: c.m, seeds: seedRange(c.seed, c.seeds) });
    const run = { ...base, model: { ...base.model, bias: false } };
    return memoryEstimate(
      [...toyTrainMemory(run, { engine: c.engine }), perSeedRows(c.seeds)],
      ["seeds"],
    );
  },
  async run(c, options) {
    const seeds = seedRange(c.seed, c.seeds);
    const base = toyTrainConfig(c, { n: c.n, m: c.m, seeds });
    const train = await trainStage({ ...base, model: { ...base.model, bias: false } }, {
      run: options,
      engine: c.engine,
      label: `${c.seeds} seeds, no bias`,
      from: 0,
      to: 0.95,
    });
    const analysis = seeds.map((seed, i) =>
      analyseNoBias(finalState(train.final, i).W, {
        seed,
        loss: train.finalLoss[i],
        divergedAt: train.divergedAt[i] >= 0 ? train.divergedAt[i] : null,
      })
    );
    const { rows, learntAllAt } = noBiasTimeline(train, analysis.map((a) => a.state));
    analysis.forEach((a, i) => (a.learntAllAt = learntAllAt[i]));
    const { index, rule } = pickRepresentative(analysis);
    await options.onProgress?.({ fraction: 1, message: "measured every seed" });
    return {
      seeds,
      train,
      analysis,
      timeline: rows,
      representative: index,
      representativeRule: rule,
      meta: {
        engine: train.engine,
        backend: train.backend,
        workers: train.workers,
        elapsedMs: train.elapsedMs,
      },
    };
  },
  claims: noBiasClaims,
  artefacts(r, c) {
    const reading = read(r, c);
    const angles = noBiasAngleRows(r.analysis);
    const overTheta = lossOverTheta(Array.from({ length: 361 }, (_, k) => k - 180));
    return {
      summary: noBiasSummary(reading),
      tables: {
        runs: aq.from(noBiasRunRows(r.analysis)),
        // A header even when every seed diverged and no angle is left.
        angles: angles.length ? aq.from(angles) : aq.table(Object.fromEntries(
          ["seed", "state", "rank", "from_feature", "to_feature", "angle_deg", "deviation_deg"]
            .map((k) => [k, []]),
        )),
        loss_over_theta: aq.from(overTheta),
      },
      figures: noBiasFigures(reading, { angles, overTheta }),
      notes: [...runNotes(reading), ...closedFormNotes(reading), ...cubeAndThetaNotes(reading)],
    };
  },
});
