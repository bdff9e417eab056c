/**
 * `toy-frozen-optimum`: where the unlearnt column rests when the learnt
 * features are slightly asymmetric and frozen (seed 001, "Small asymmetry
 * favoring tilt").
 *
 * 1. Build Symmetric Failure (n features, the last unlearnt) and weaken two
 *    adjacent learnt features by δ: shorter columns (`shorten`) or higher
 *    biases (`bias`).
 * 2. Re-settle: train every learnt parameter on the learnt features' own
 *    examples (the unlearnt example left out, Wₙ = 0 and bₙ = 1/n frozen)
 *    until they reconstruct them again: a slightly skewed zero-loss polygon.
 * 3. Freeze every learnt parameter and bₙ, free Wₙ, train on all examples.
 *
 * Reported per δ: the resting Wₙ*, its length and its cosine with the sum of
 * the two perturbed columns, next to the linearised prediction
 * (M − 2(1 − bₙ − ‖Wₙ‖²)I)·Wₙ = −bₙ·Σₖ Wₖ (see `frozenOptimumPrediction`).
 * All δ and both modes are instances of one batched run per stage.
 *
 * @module
 */
import * as aq from "arquero";
import {
  cloneState,
  frozenOptimumPrediction,
  type Perturbation,
  perturbedFailure,
  stateLossGrad,
  type ToyState,
} from "../failure_states.ts";
import { polygonIrregularity } from "../outcomes.ts";
import { frozenOptimumSpec } from "../plots_failure.ts";
import { ConfigError, type Experiment, fusedMeta } from "../../../core/experiment.ts";
import { frozenOptimumStates } from "./failure_common.ts";

/** Config of `toy-frozen-optimum`. */
export interface FrozenConfig {
  [key: string]: number | string | boolean | null;
  n: number;
  /** Which perturbations to run: shorten, bias or both. */
  modes: "both" | "shorten" | "bias";
  deltaMin: number;
  deltaMax: number;
  /** Number of δ values (log-spaced). */
  deltas: number;
  /** SGD learning rate and steps of the re-settling stage. */
  settleLr: number;
  settleSteps: number;
  /** SGD learning rate and steps of the stage that frees Wₙ. */
  freeLr: number;
  freeSteps: number;
}

/** One δ and mode. */
export interface FrozenRow {
  mode: Perturbation;
  delta: number;
  /** Loss of the learnt features on their own examples after re-settling (the constant 1/n³ of output n removed). */
  settle_residual: number;
  learnt_norm_cv: number;
  learnt_gap_deviation: number;
  wn_x: number;
  wn_y: number;
  wn_norm: number;
  /** Cosine of Wₙ* with W_a + W_b (the two perturbed columns). */
  wn_cos_pair: number;
  /** Cosine of Wₙ* with −Σₖ Wₖ (minus the sum of all learnt columns). */
  wn_cos_minus_sum: number;
  predicted_norm: number;
  predicted_cos_pair: number;
  /** ‖∂L/∂Wₙ‖ at the end of the free stage. */
  final_grad_norm: number;
}

/** What `toy-frozen-optimum` returns. */
export interface FrozenResult {
  rows: FrozenRow[];
  settled: ToyState[];
}

/** δ values: `count` log-spaced values in [min, max]. */
export function logSpace(min: number, max: number, count: number): number[] {
  if (count === 1) return [min];
  return Array.from({ length: count }, (_, k) => min * (max / min) ** (k / (count - 1)));
}

function pairOf(n: number): [number, number] {
  return [0, n - 2];
}

export const toyFrozenOptimum: Experiment<FrozenConfig, FrozenResult> = {
  id: "toy-frozen-optimum",
  title: "Toy autoencoder: the resting point of the unlearnt column next to an asymmetric polygon",
  description:
    "Weakens two adjacent learnt features of Symmetric Failure by δ (shorter columns or higher " +
    "biases), lets the learnt features re-settle to zero loss on their own examples, freezes them, " +
    "and frees the unlearnt column alone. Seed 001 found that it settles slightly away from zero, " +
    "in the direction of the two weakened columns; this measures its direction and length against δ " +
    "and against a linearised closed form.",
  defaults: {
    n: 7,
    modes: "both",
    deltaMin: 1e-3,
    deltaMax: 0.1,
    deltas: 9,
    settleLr: 1,
    settleSteps: 20_000,
    freeLr: 2,
    freeSteps: 5_000,
  },
  fields: {
    n: { type: "int", min: 5, max: 32, doc: "features (the last one unlearnt)" },
    modes: { type: "enum", values: ["both", "shorten", "bias"], doc: "perturbations to run" },
    deltaMin: { type: "number", min: 0, exclusiveMin: true, max: 0.5, doc: "smallest δ" },
    deltaMax: { type: "number", min: 0, exclusiveMin: true, max: 0.5, doc: "largest δ" },
    deltas: { type: "int", min: 1, max: 1000, doc: "number of δ (log-spaced)" },
    settleLr: { type: "number", min: 0, exclusiveMin: true, doc: "SGD lr, re-settling stage" },
    settleSteps: { type: "int", min: 1, max: 10_000_000, doc: "steps, re-settling stage" },
    freeLr: { type: "number", min: 0, exclusiveMin: true, doc: "SGD lr, stage with Wₙ free" },
    freeSteps: { type: "int", min: 1, max: 10_000_000, doc: "steps, stage with Wₙ free" },
  },
  profiles: {
    smoke: { deltas: 3, settleSteps: 2000, freeSteps: 1000 },
    quick: {},
    full: { deltas: 33, settleSteps: 100_000, freeSteps: 20_000 },
  },
  validate(c) {
    if (c.deltaMin > c.deltaMax) {
      throw new ConfigError(
        `deltaMin=${c.deltaMin} is not allowed: it must be <= deltaMax=${c.deltaMax}`,
      );
    }
  },
  async run(c, options) {
    const started = performance.now();
    const n = c.n;
    const modes: Perturbation[] = c.modes === "both" ? ["shorten", "bias"] : [c.modes];
    const deltas = logSpace(c.deltaMin, c.deltaMax, c.deltas);
    const cases = modes.flatMap((mode) => deltas.map((delta) => ({ mode, delta })));
    const pair = pairOf(n);
    const { settled, freed } = await frozenOptimumStates(
      cases,
      c,
      options,
      [0, 1],
      (mode, delta) => perturbedFailure(n, delta, { mode, pair }),
    );
    const learnt = Array.from({ length: n - 1 }, (_, i) => i + 1);
    const rows: FrozenRow[] = cases.map(({ mode, delta }, i) => {
      const s = settled[i];
      const residual = stateLossGrad(s, { omit: [n - 1] }).loss - 1 / n ** 3;
      const { normCv, gapDeviation } = polygonIrregularity(s.W, learnt);
      const w = [freed[i].W[0][n - 1], freed[i].W[1][n - 1]];
      const pairSum = [s.W[0][pair[0]] + s.W[0][pair[1]], s.W[1][pair[0]] + s.W[1][pair[1]]];
      let sum = [0, 0];
      for (let k = 0; k < n - 1; k++) sum = [sum[0] + s.W[0][k], sum[1] + s.W[1][k]];
      const cos = (u: number[], v: number[]) =>
        (u[0] * v[0] + u[1] * v[1]) / (Math.hypot(u[0], u[1]) * Math.hypot(v[0], v[1]));
      const predicted = frozenOptimumPrediction(s);
      const g = stateLossGrad(freed[i]).gradW;
      return {
        mode,
        delta,
        settle_residual: residual,
        learnt_norm_cv: normCv,
        learnt_gap_deviation: gapDeviation,
        wn_x: w[0],
        wn_y: w[1],
        wn_norm: Math.hypot(w[0], w[1]),
        wn_cos_pair: cos(w, pairSum),
        wn_cos_minus_sum: cos(w, [-sum[0], -sum[1]]),
        predicted_norm: Math.hypot(predicted[0], predicted[1]),
        predicted_cos_pair: cos(predicted, pairSum),
        final_grad_norm: Math.hypot(g[0][n - 1], g[1][n - 1]),
      };
    });
    return {
      rows,
      settled: settled.map(cloneState),
      meta: fusedMeta({ workers: 1, elapsedMs: performance.now() - started }),
    };
  },
  artefacts(r, c) {
    const n = c.n;
    const pair = pairOf(n).map((i) => `W${i + 1}`).join(" + ");
    const worstResidual = Math.max(...r.rows.map((x) => x.settle_residual));
    const ratio = r.rows.map((x) => x.wn_norm / x.predicted_norm);
    return {
      summary: {
        n,
        perturbed_pair: pair,
        rows: r.rows,
        min_cos_pair: Math.min(...r.rows.map((x) => x.wn_cos_pair)),
        worst_settle_residual: worstResidual,
        norm_over_prediction: { min: Math.min(...ratio), max: Math.max(...ratio) },
      },
      tables: { frozen: aq.from(r.rows) },
      figures: { frozen_optimum: frozenOptimumSpec(r.rows, { n, pair }) },
      notes: [
        `Symmetric Failure at n=${n} with ${pair} weakened by δ; learnt features re-settled by SGD ` +
        `(lr ${c.settleLr}, ${c.settleSteps} steps; worst residual loss ${
          worstResidual.toExponential(2)
        }), ` +
        `then Wₙ alone trained by SGD (lr ${c.freeLr}, ${c.freeSteps} steps).`,
        `Cosine of the resting Wₙ with ${pair}: ${
          Math.min(...r.rows.map((x) => x.wn_cos_pair)).toFixed(4)
        } at worst; ‖Wₙ‖ over the linearised prediction: ${Math.min(...ratio).toFixed(4)}–${
          Math.max(...ratio).toFixed(4)
        }.`,
      ],
    };
  },
};
