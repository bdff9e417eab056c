/**
 * `toy-no-bias`: the tied toy autoencoder without a bias, y = ReLU(WᵀWx), on
 * n one-hot features in m = 2 latent dimensions with n > 2m (seed 000, "(Aside)
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
import { featureRows, gram, latentPolygon } from "../geometry.ts";
import { finalState, identityLoss, snapshotState } from "../analysis.ts";
import { mean, quantile, std } from "../../../core/stats.ts";
import {
  analyseNoBias,
  hypercubeProjection,
  LEARNT_MARGIN,
  LEARNT_OWN_OUTPUT,
  lossOverTheta,
  NO_BIAS_STATES,
  noBiasPolygonLoss,
  type NoBiasSeed,
  type NoBiasState,
  noBiasState,
  regularPolygonNoBias,
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
import type { Experiment } from "../../../core/experiment.ts";
import {
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

/** Config of `toy-no-bias`. */
export interface NoBiasConfig extends ToyTrainFields {
  /** Features (one-hot examples). */
  n: number;
  /** Latent dimension (2: the figures draw the latent plane). */
  m: number;
  /** Number of seeds (instances): seed, seed+1, … */
  seeds: number;
}

/** What `toy-no-bias` returns. */
export interface NoBiasResult {
  seeds: number[];
  train: ToyTrainResult;
  analysis: NoBiasSeed[];
  /** Fraction of seeds in each state at each snapshot. */
  timeline: { step: number; state: NoBiasState; fraction: number }[];
  /** Index of the representative seed (see {@link pickRepresentative}). */
  representative: number;
  /** How it was chosen, in words. */
  representativeRule: string;
}

/**
 * The representative seed: among the seeds with every feature learnt, the
 * one whose largest adjacent-angle deviation from 360°/n is the median (the
 * lower median; ties to the lower seed), i.e. neither the most nor the least
 * regular. When no seed learnt everything, the one with the lowest loss.
 */
export function pickRepresentative(analysis: NoBiasSeed[]): { index: number; rule: string } {
  const learnt = analysis.map((a, i) => ({ a, i })).filter(({ a }) => a.state === "all learnt");
  if (learnt.length > 0) {
    const n = analysis[0].norms.length;
    const dev = (a: NoBiasSeed) =>
      Math.max(...a.adjacent.map((p) => Math.abs(p.angle_deg - 360 / n)));
    const sorted = learnt.sort((p, q) => dev(p.a) - dev(q.a) || p.a.seed - q.a.seed);
    const { i } = sorted[Math.floor((sorted.length - 1) / 2)];
    return {
      index: i,
      rule: `of the ${learnt.length} seeds with every feature learnt, the one whose largest ` +
        `adjacent-angle deviation is the median`,
    };
  }
  let best = 0;
  analysis.forEach((a, i) => {
    if (a.finalLoss < analysis[best].finalLoss) best = i;
  });
  return { index: best, rule: "no seed learnt every feature; the seed with the lowest final loss" };
}

/** State of every instance at every snapshot, and the step each settles into `all learnt`. */
function stateTimeline(
  train: ToyTrainResult,
  finalStates: NoBiasState[],
): { rows: NoBiasResult["timeline"]; learntAllAt: (number | null)[] } {
  const { instances } = train.final;
  const steps = train.snapshots.steps;
  const counts = steps.map(() => new Array(NO_BIAS_STATES.length).fill(0));
  const since: (number | null)[] = new Array(instances).fill(null);
  for (let k = 0; k < steps.length; k++) {
    for (let i = 0; i < instances; i++) {
      const diverged = train.divergedAt[i] >= 0 && steps[k] >= train.divergedAt[i];
      const state = diverged ? "diverged" : noBiasState(snapshotState(train, k, i).W);
      counts[k][NO_BIAS_STATES.indexOf(state)]++;
      if (state !== "all learnt") since[i] = null;
      else if (since[i] === null) since[i] = steps[k];
    }
  }
  const present = NO_BIAS_STATES.filter((_, c) => counts.some((row) => row[c] > 0));
  const rows = steps.flatMap((step, k) =>
    present.map((state) => ({
      step,
      state,
      fraction: counts[k][NO_BIAS_STATES.indexOf(state)] / instances,
    }))
  );
  // A seed that ends elsewhere has no settling step, whatever its snapshots said.
  const learntAllAt = since.map((s, i) => (finalStates[i] === "all learnt" ? s : null));
  return { rows, learntAllAt };
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? v.toPrecision(digits) : "–");

/** The `toy-no-bias` experiment: seeds of the no-bias toy model, measured against seed 000's aside. */
export const toyNoBias: Experiment<NoBiasConfig, NoBiasResult> = {
  id: "toy-no-bias",
  title: "Toy autoencoder without a bias: regular geometry when n > 2m",
  description:
    "Trains many seeds of y = ReLU(WᵀWx) (no bias; n = 5 one-hot features in m = 2 dimensions by " +
    "default) as one batched run and measures seed 000's aside: the learnt columns form a regular " +
    "polygon (adjacent angles and norm spread over seeds), each column of WᵀW has more than one " +
    "positive entry so the reconstruction is not exact (the loss it pays, against the closed-form " +
    "best regular polygon), the 5-cube projected by W, and the loss of two unit features against " +
    "their angle, max(0, cos θ)², next to the seed's (cos 2θ + 1)/2.",
  defaults: { ...TOY_TRAIN_DEFAULTS, n: 5, m: 2, steps: 50_000, seeds: 256 },
  fields: {
    ...TOY_TRAIN_SPECS,
    n: { type: "int", min: 3, max: 10, doc: "features (the n-cube has 2ⁿ corners)" },
    m: { type: "int", min: 2, max: 2, doc: "latent dimension (the figures need m = 2)" },
    seeds: { type: "int", min: 1, max: 100_000, doc: "number of seeds (instances)" },
  },
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
    const { rows, learntAllAt } = stateTimeline(train, analysis.map((a) => a.state));
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
  artefacts(r, c) {
    const { analysis, train } = r;
    const n = c.n;
    const expected = 360 / n;
    const closed = regularPolygonNoBias(n);
    const setting = `n=${n}, m=${c.m}, no bias, ${c.optimizer}(lr=${c.lr}), ${c.steps} steps`;

    // ---- per seed -------------------------------------------------------
    const runs = aq.from(analysis.map((a) => {
      const gaps = a.adjacent.map((p) => p.angle_deg).sort((x, y) => x - y);
      const normMean = mean(a.norms);
      return {
        seed: a.seed,
        state: a.state,
        learnt_all: a.state === "all learnt",
        learnt_features: a.learnt.filter(Boolean).length,
        learnt_all_at_step: a.learntAllAt,
        final_loss: Number.isFinite(a.finalLoss) ? a.finalLoss : null,
        loss_diag: a.loss.diag,
        loss_offdiag: a.loss.offdiag,
        adjacent_angles_deg: gaps.map((g) => g.toFixed(4)).join(";"),
        adjacent_angle_min: gaps[0],
        adjacent_angle_max: gaps[gaps.length - 1],
        adjacent_angle_max_dev: Math.max(...gaps.map((g) => Math.abs(g - expected))),
        norm_mean: normMean,
        norm_min: Math.min(...a.norms),
        norm_max: Math.max(...a.norms),
        norm_cv: std(a.norms) / normMean,
        positive_offdiag_per_column: a.positive.join(";"),
        positive_offdiag_max: Math.max(...a.positive),
        shared_pairs: a.shared.map(([i, j]) => `${i}-${j}`).join(";"),
        closure: a.closure,
        diverged_at_step: a.divergedAt,
      };
    }));
    const angles = aq.from(analysis.flatMap((a) =>
      a.adjacent.map((p, k) => ({
        seed: a.seed,
        state: a.state,
        rank: k + 1,
        from_feature: p.from,
        to_feature: p.to,
        angle_deg: p.angle_deg,
        deviation_deg: p.angle_deg - expected,
      }))
    ));
    const thetas = Array.from({ length: 361 }, (_, k) => k - 180);
    const overTheta = lossOverTheta(thetas);
    const lossOverThetaTable = aq.from(overTheta);

    // ---- over the seeds that learnt every feature -------------------------
    const learnt = analysis.filter((a) => a.state === "all learnt");
    const learntGaps = learnt.flatMap((a) => a.adjacent.map((p) => p.angle_deg));
    const gapMean = learntGaps.length ? mean(learntGaps) : NaN;
    const gapMaxDev = learntGaps.length
      ? Math.max(...learntGaps.map((g) => Math.abs(g - gapMean)))
      : NaN;
    const learntNorms = learnt.flatMap((a) => a.norms);
    const normMean = learntNorms.length ? mean(learntNorms) : NaN;
    const normCv = learntNorms.length ? std(learntNorms) / normMean : NaN;
    const seedCvs = learnt.map((a) => std(a.norms) / mean(a.norms));
    const learntLosses = learnt.map((a) => a.finalLoss).sort((x, y) => x - y);
    const positiveHist: Record<string, number> = {};
    for (const a of learnt) {
      for (const p of a.positive) positiveHist[p] = (positiveHist[p] ?? 0) + 1;
    }
    const counts: Record<string, number> = {};
    for (const a of analysis) counts[a.state] = (counts[a.state] ?? 0) + 1;
    const settle = learnt.flatMap((a) => (a.learntAllAt === null ? [] : [a.learntAllAt]))
      .sort((x, y) => x - y);
    const otherLosses = analysis.filter((a) => a.state === "shared direction")
      .map((a) => a.finalLoss).sort((x, y) => x - y);

    // ---- the representative seed ------------------------------------------
    const rep = analysis[r.representative];
    const repW = finalState(train.final, r.representative).W;
    const repG = gram(repW);
    const cube = hypercubeProjection(repW);
    const scale = Math.max(...rep.norms);
    const distinct = new Set(
      cube.vertices.map((v) =>
        `${Math.round(v.x / (1e-3 * scale))},${Math.round(v.y / (1e-3 * scale))}`
      ),
    ).size;
    const neighbour = repG.map((row, i) => Math.max(...row.filter((_, j) => j !== i)));
    const kernelLoss = identityLoss(repW, new Array(n).fill(0));

    // ---- figures ----------------------------------------------------------
    const tradeoff = Array.from({ length: 121 }, (_, k) => (k / 100)).flatMap((norm) => {
      const parts = noBiasPolygonLoss(n, norm * norm);
      return [
        { norm, part: "total", loss: parts.total },
        { norm, part: "own outputs (diagonal)", loss: parts.diag },
        { norm, part: "neighbours (off-diagonal)", loss: parts.offdiag },
      ];
    });
    const repLabel = `seed ${rep.seed} (${rep.state}, loss ${fmt(rep.finalLoss, 5)})`;
    const figures = {
      vectors: featureVectorsSpec(featureRows(repW, new Array(n).fill(0)), latentPolygon(repW), {
        title: `Feature vectors without a bias: ${repLabel}`,
      }),
      gram: gramHeatmapSpec(repG, {
        title: new Set(rep.positive).size === 1
          ? `WᵀW of seed ${rep.seed}: ${
            rep.positive[0]
          } positive entries off the diagonal in every column`
          : `WᵀW of seed ${rep.seed}: ${rep.positive.join(", ")} positive entries off the diagonal`,
      }),
      hypercube: hypercubeSpec(cube.vertices, cube.edges, {
        title: [
          `The ${n}-cube projected by W, seed ${rep.seed}`,
          `${cube.vertices.length} corners W·v, v ∈ {0,1}^${n}; ${cube.edges.length} edges`,
        ],
        n,
      }),
      spread: spreadSpec(
        angles.objects() as { seed: number; angle_deg: number; state: string }[],
        learnt.flatMap((a) => a.norms.map((norm) => ({ seed: a.seed, norm }))),
        {
          title: `Adjacent angles and norms over ${analysis.length} seeds (${setting})`,
          n,
          regularNorm: closed.norm,
        },
      ),
      state_fractions: stateFractionsSpec(r.timeline, {
        title: `State of ${analysis.length} seeds over training (${setting})`,
      }),
      norm_tradeoff: normTradeoffSpec(tradeoff, {
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
          label: `${k === 1 ? "neighbours" : "2nd neighbours"} (${((360 * k) / n).toFixed(0)}°)`,
        })),
      }),
    };

    // ---- notes --------------------------------------------------------------
    const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : "–");
    const notes = [
      `${analysis.length} seeds (${r.seeds[0]}–${r.seeds[r.seeds.length - 1]}), ${setting}, ` +
      `${train.engine} engine on ${train.backend}. States at the end: ` +
      NO_BIAS_STATES.filter((s) => counts[s]).map((s) => `${s} ${counts[s]}`).join(", ") + ".",
      `A feature counts as learnt when its own output ‖Wᵢ‖² exceeds ${LEARNT_OWN_OUTPUT} and beats ` +
      `every other output on its example by more than ${LEARNT_MARGIN}; "shared direction" means ` +
      `two columns on one line (cosine > ${SHARED_DIRECTION_COS}), a flat valley costing 1/n² = ` +
      `${fmt(1 / n ** 2)} per pair, which seeds leave slowly (median step of settling into all ` +
      `learnt: ${settle.length ? Math.round(quantile(settle, 0.5)) : "–"}, 90%: ` +
      `${settle.length ? Math.round(quantile(settle, 0.9)) : "–"}).`,
      `Over the ${learnt.length} seeds that learnt all ${n}: adjacent angles ${
        fmt(gapMean, 6)
      }° on ` +
      `average (always 360/n = ${fmt(expected, 6)}° since they sum to 360°), at most ` +
      `${fmt(gapMaxDev, 3)}° away; column norms ${fmt(normMean, 6)} ± ${
        fmt(normCv, 3)
      } (coefficient ` +
      `of variation) against the closed form ${fmt(closed.norm, 6)}.`,
      `Closed form: the regular ${n}-gon with common squared norm s loses ((s−1)² + P·s²)/n with ` +
      `P = Σ max(0, cos 2πj/n)² = ${fmt(closed.overlap, 6)}; the best s = 1/(1+P) = ` +
      `${fmt(closed.normSq, 6)} gives loss P/(n(1+P)) = ${
        fmt(closed.loss.total, 6)
      }. Trained seeds ` +
      `that learnt everything end at ${fmt(learntLosses[0] ?? NaN, 7)}–` +
      `${fmt(learntLosses[learntLosses.length - 1] ?? NaN, 7)}.`,
      `Why the reconstruction is not exact: every column of WᵀW has ` +
      `${Object.keys(positiveHist).join(" or ") || "–"} positive off-diagonal entries (the two ` +
      `neighbours at ${fmt(expected, 3)}°, each ${
        fmt(closed.normSq * Math.cos((2 * Math.PI) / n), 4)
      } ` +
      `in the closed form), not 0 as exact reconstruction needs. Seed ${rep.seed} pays ` +
      `${fmt(rep.loss.offdiag, 5)} on them and ${
        fmt(rep.loss.diag, 5)
      } on own outputs short of 1 ` +
      `(${
        pct(rep.loss.offdiag, rep.loss.total)
      } of its loss on the extra positive entries; closed ` +
      `form ${pct(closed.loss.offdiag, closed.loss.total)}).`,
      `The ${n}-cube drawn is seed ${rep.seed} (${r.representativeRule}): ${cube.vertices.length} ` +
      `corners and ${cube.edges.length} edges; ‖ΣWᵢ‖ = ${
        fmt(rep.closure, 3)
      }, so corners 0…0 and ` +
      `1…1 land ${rep.closure < 1e-2 * scale ? "on the same point" : "apart"} ` +
      `(${distinct} distinct points at 0.1% of the column length).`,
      `Loss over θ: max(0, cos θ)² equals the seed's (cos 2θ + 1)/2 only for |θ| ≤ 90°. Beyond, ` +
      `the ReLU output is 0 while the seed's form climbs back to 1 at 180°. Within ±90° the loss ` +
      `is concave for |θ| < 45° and convex for 45° ≤ |θ| ≤ 90° (flat beyond), so a pentagon's ` +
      `neighbours at 72° sit in the convex part and spreading them evenly is what Jensen rewards; ` +
      `its second neighbours at 144° cost nothing, not the 0.65 the seed's form would say.`,
    ];
    if (otherLosses.length) {
      notes.push(
        `${otherLosses.length} seeds end in a shared direction with loss ` +
          `${fmt(otherLosses[0], 5)}–${fmt(otherLosses[otherLosses.length - 1], 5)} ` +
          `against the regular ${n}-gon's ${fmt(closed.loss.total, 5)}: ` +
          (otherLosses[0] < closed.loss.total
            ? `here sharing a direction is cheaper, so the regular ${n}-gon is not the optimum.`
            : `sharing a direction costs more (a settled pair alone costs 1/n² = ${
              fmt(1 / n ** 2, 5)
            }).`),
      );
    }

    return {
      summary: {
        n,
        m: c.m,
        seeds: analysis.length,
        optimizer: c.optimizer,
        lr: c.lr,
        steps: c.steps,
        states: counts,
        learnt_all: learnt.length,
        learnt_all_fraction: learnt.length / analysis.length,
        learnt_rule:
          `‖Wᵢ‖² > ${LEARNT_OWN_OUTPUT} and ‖Wᵢ‖² − maxⱼ≠ᵢ ReLU(Wᵢ·Wⱼ) > ${LEARNT_MARGIN}`,
        learnt_all_at_step: settle.length
          ? {
            median: Math.round(quantile(settle, 0.5)),
            p90: Math.round(quantile(settle, 0.9)),
            max: settle[settle.length - 1],
          }
          : null,
        adjacent_angle_deg_mean: learntGaps.length ? gapMean : null,
        adjacent_angle_deg_max_dev: learntGaps.length ? gapMaxDev : null,
        adjacent_angle_deg_expected: expected,
        norm_mean: learntNorms.length ? normMean : null,
        norm_cv: learntNorms.length ? normCv : null,
        norm_cv_seed_max: seedCvs.length ? Math.max(...seedCvs) : null,
        positive_offdiag_per_column: positiveHist,
        final_loss_learnt: learntLosses.length
          ? {
            min: learntLosses[0],
            median: quantile(learntLosses, 0.5),
            max: learntLosses[learntLosses.length - 1],
          }
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
        loss_gap_median: learntLosses.length
          ? quantile(learntLosses, 0.5) - closed.loss.total
          : null,
        shared_direction_loss_per_pair: 1 / n ** 2,
        representative: {
          seed: rep.seed,
          rule: r.representativeRule,
          state: rep.state,
          loss: rep.finalLoss,
          kernel_loss: kernelLoss,
          loss_diag: rep.loss.diag,
          loss_offdiag: rep.loss.offdiag,
          own_outputs: repG.map((row, i) => row[i]),
          largest_other_outputs: neighbour,
          positive_offdiag_per_column: rep.positive,
          closure: rep.closure,
          hypercube_vertices: cube.vertices.length,
          hypercube_edges: cube.edges.length,
          hypercube_distinct_points: distinct,
        },
      },
      tables: { runs, angles, loss_over_theta: lossOverThetaTable },
      figures,
      notes,
    };
  },
};
