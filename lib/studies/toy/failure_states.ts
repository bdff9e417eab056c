/**
 * Hand-built states around Symmetric Failure (“Optimization Failure”, "What is W₇? Why
 * can't it increase?", "Small asymmetry favoring tilt") and the float64
 * loss and gradient of any state on one-hot data; the perturbed starts of
 * toy-bias-optimum, the rows of toy-frozen-optimum and the splay of toy-chaos.
 *
 * Conventions: the unlearnt feature is the last one (index n−1, "feature n");
 * the learnt ones form a regular (n−1)-gon whose first vertex points along
 * +y. Features are 0-based in code and numbered from 1 in tables.
 *
 * @module
 */
import { identityBatch } from "./data.ts";
import { toyParamsFrom } from "./model.ts";
import { toyLossGrad, toyScratch } from "./kernel.ts";
import { symmetricFailure } from "./closed_forms.ts";
import { deriveSeed, Rng } from "../../core/random.ts";
import { polygonIrregularity } from "./outcomes.ts";

/**
 * A state of the toy model: W (`[m][n]`) and b.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baseFailure, stateLossGrad, type ToyState } from "./failure_states.ts";
 * import { symmetricFailureLoss } from "./closed_forms.ts";
 * const s: ToyState = baseFailure(7);
 * assert.deepEqual([s.W.length, s.W[0].length, s.b.length], [2, 7, 7]);
 * assert.ok(Math.abs(stateLossGrad(s).loss - symmetricFailureLoss(7)) < 1e-15); // (n−1)/n³
 * ```
 */
export interface ToyState {
  /** The encoder, `[m][n]`: column i (`W[·][i]`) is feature i's latent direction Wᵢ. */
  W: number[][];
  /** One bias per feature, `[n]`. */
  b: number[];
}

/** Loss and gradient of a state on the one-hot data (optionally leaving examples out). */
export function stateLossGrad(
  state: ToyState,
  options: { omit?: number[] } = {},
): { loss: number; gradW: number[][]; gradB: number[] } {
  const params = toyParamsFrom(state.W, state.b);
  const { n, m } = params;
  const grad = new Float64Array(params.data.length);
  const loss = toyLossGrad(
    params,
    params.data,
    0,
    identityBatch(n, options.omit),
    new Float64Array(n).fill(1),
    grad,
    toyScratch(n, m),
  );
  const gradW = Array.from({ length: m }, (_, a) => Array.from(grad.subarray(a * n, (a + 1) * n)));
  return { loss, gradW, gradB: Array.from(grad.subarray(m * n)) };
}

/** Deep copy of a state. */
export function cloneState(state: ToyState): ToyState {
  return { W: state.W.map((row) => [...row]), b: [...state.b] };
}

/** Exact Symmetric Failure with the unlearnt feature last and the first learnt vertex along +y. */
export function baseFailure(n: number): ToyState {
  return symmetricFailure(n, { unlearnt: n - 1, rotation: Math.PI / 2 });
}

/**
 * Symmetric Failure tilted by Wₙ = a·d, where d is the learnt column
 * `along` (a vertex direction) or, with `between`, the sum of two adjacent
 * learnt columns scaled to the same length (an edge direction). `bias`
 * overrides bₙ (default 1/n).
 */
export function tiltedFailure(
  n: number,
  a: number,
  options: { along?: number; between?: [number, number]; bias?: number } = {},
): ToyState {
  const s = baseFailure(n);
  let d: number[];
  if (options.between) {
    const [i, j] = options.between;
    const sum = [s.W[0][i] + s.W[0][j], s.W[1][i] + s.W[1][j]];
    const len = Math.hypot(s.W[0][i], s.W[1][i]) / Math.hypot(sum[0], sum[1]);
    d = sum.map((v) => v * len);
  } else {
    const j = options.along ?? 0;
    d = [s.W[0][j], s.W[1][j]];
  }
  s.W[0][n - 1] = a * d[0];
  s.W[1][n - 1] = a * d[1];
  if (options.bias !== undefined) s.b[n - 1] = options.bias;
  return s;
}

/**
 * How a pair of adjacent learnt features is made asymmetric.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baseFailure, type Perturbation, perturbedFailure } from "./failure_states.ts";
 * const base = baseFailure(7);
 * const modes: Perturbation[] = ["shorten", "bias"];
 * const [shortened, raised] = modes.map((mode) => perturbedFailure(7, 0.1, { mode }));
 * assert.ok(Math.abs(shortened.W[1][0] - 0.9 * base.W[1][0]) < 1e-15); // column × (1 − δ)
 * assert.ok(Math.abs(raised.b[0] - (base.b[0] + 0.1)) < 1e-15); // bias + δ
 * assert.deepEqual(raised.W, base.W);
 * ```
 */
export type Perturbation = "shorten" | "bias";

/**
 * Symmetric Failure with learnt features `pair` (adjacent, 0-based) made
 * slightly weaker: `shorten` scales their columns by (1 − δ); `bias` raises
 * their biases by δ (“Optimization Failure”'s construction with W₆ and W₁).
 */
export function perturbedFailure(
  n: number,
  delta: number,
  options: { mode?: Perturbation; pair?: [number, number] } = {},
): ToyState {
  const s = baseFailure(n);
  const [i, j] = options.pair ?? [0, n - 2];
  for (const f of [i, j]) {
    if ((options.mode ?? "bias") === "shorten") {
      s.W[0][f] *= 1 - delta;
      s.W[1][f] *= 1 - delta;
    } else {
      s.b[f] += delta;
    }
  }
  return s;
}

/**
 * Linearised resting point of the unlearnt column when every other
 * parameter is frozen: with bₙ = β > 0 small enough that output n stays
 * positive on every learnt example and the learnt outputs stay off on
 * example n, ∇_{Wₙ} L = 0 reads (M − 2(1 − β − ‖Wₙ‖²)·I)·Wₙ = −β·s, with
 * M = Σₖ WₖWₖᵀ and s = Σₖ Wₖ over the learnt features. Solved here by
 * fixed-point iteration on ‖Wₙ‖² (m = 2).
 */
export function frozenOptimumPrediction(state: ToyState): number[] {
  const n = state.W[0].length;
  const beta = state.b[n - 1];
  let m00 = 0;
  let m01 = 0;
  let m11 = 0;
  let s0 = 0;
  let s1 = 0;
  for (let k = 0; k < n - 1; k++) {
    const x = state.W[0][k];
    const y = state.W[1][k];
    m00 += x * x;
    m01 += x * y;
    m11 += y * y;
    s0 += x;
    s1 += y;
  }
  let w = [0, 0];
  for (let it = 0; it < 100; it++) {
    const c = 2 * (1 - beta - (w[0] * w[0] + w[1] * w[1]));
    const a00 = m00 - c;
    const a11 = m11 - c;
    const det = a00 * a11 - m01 * m01;
    w = [(-beta * (a11 * s0 - m01 * s1)) / det, (-beta * (-m01 * s0 + a00 * s1)) / det];
  }
  return w;
}

/**
 * Exact Symmetric Failure (the unlearnt feature last) plus seeded normal
 * noise of std `perturbation` on every parameter, one state per seed
 * (toy-bias-optimum's starts; each seed's noise is its own derived stream).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perturbedSymmetricStarts } from "./failure_states.ts";
 * const [a, b] = perturbedSymmetricStarts(7, { seeds: [0, 1], perturbation: 0.01 });
 * assert.notEqual(a.W[0][0], b.W[0][0]);
 * assert.deepEqual(perturbedSymmetricStarts(7, { seeds: [0], perturbation: 0.01 })[0], a);
 * ```
 */
export function perturbedSymmetricStarts(
  n: number,
  options: { seeds: number[]; perturbation: number },
): ToyState[] {
  return options.seeds.map((seed) => {
    const rng = new Rng(deriveSeed(seed, "bias-optimum-start"));
    const s = symmetricFailure(n);
    return {
      W: s.W.map((row) => row.map((v) => v + options.perturbation * rng.normal())),
      b: s.b.map((v) => v + options.perturbation * rng.normal()),
    };
  });
}

/**
 * One δ and mode of toy-frozen-optimum (its `frozen` table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baseFailure, frozenOptimumRow, type FrozenRow } from "./failure_states.ts";
 * const exact = baseFailure(7);
 * const row: FrozenRow = frozenOptimumRow(
 *   { settled: exact, freed: exact },
 *   { mode: "shorten", delta: 0, pair: [0, 5] },
 * );
 * assert.deepEqual([row.mode, row.delta], ["shorten", 0]);
 * // Unperturbed, Σₖ Wₖ = 0: nothing pulls Wₙ off zero, in the prediction or the gradient.
 * assert.ok(row.predicted_norm < 1e-12 && row.final_grad_norm < 1e-12);
 * ```
 */
export interface FrozenRow {
  /** How the adjacent pair was weakened. */
  mode: Perturbation;
  /** By how much. */
  delta: number;
  /** Loss of the learnt features on their own examples after re-settling (the constant 1/n³ of output n removed). */
  settle_residual: number;
  /** Coefficient of variation of the learnt norms after re-settling. */
  learnt_norm_cv: number;
  /** Largest relative deviation of a neighbour angle from the mean after re-settling. */
  learnt_gap_deviation: number;
  /** x of the resting Wₙ*. */
  wn_x: number;
  /** y of the resting Wₙ*. */
  wn_y: number;
  /** ‖Wₙ*‖. */
  wn_norm: number;
  /** Cosine of Wₙ* with W_a + W_b (the two perturbed columns). */
  wn_cos_pair: number;
  /** Cosine of Wₙ* with −Σₖ Wₖ (minus the sum of all learnt columns). */
  wn_cos_minus_sum: number;
  /** ‖Wₙ‖ of the linearised prediction ({@link frozenOptimumPrediction}). */
  predicted_norm: number;
  /** Cosine of the prediction with W_a + W_b. */
  predicted_cos_pair: number;
  /** ‖∂L/∂Wₙ‖ at the end of the free stage. */
  final_grad_norm: number;
}

/**
 * The {@link FrozenRow} of one case: `settled` is the re-settled state (Wₙ
 * still 0), `freed` the state after Wₙ alone was trained, `pair` the two
 * weakened learnt columns (0-based).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baseFailure, frozenOptimumRow } from "./failure_states.ts";
 * const exact = baseFailure(7);
 * const row = frozenOptimumRow({ settled: exact, freed: exact }, { mode: "bias", delta: 0, pair: [0, 5] });
 * assert.ok(row.settle_residual < 1e-15); // the exact polygon reconstructs its own examples
 * assert.equal(row.wn_norm, 0);
 * ```
 */
export function frozenOptimumRow(
  states: { settled: ToyState; freed: ToyState },
  options: { mode: Perturbation; delta: number; pair: [number, number] },
): FrozenRow {
  const { settled: s, freed } = states;
  const { pair } = options;
  const n = s.W[0].length;
  const learnt = Array.from({ length: n - 1 }, (_, i) => i + 1);
  const residual = stateLossGrad(s, { omit: [n - 1] }).loss - 1 / n ** 3;
  const { normCv, gapDeviation } = polygonIrregularity(s.W, learnt);
  const w = [freed.W[0][n - 1], freed.W[1][n - 1]];
  const pairSum = [s.W[0][pair[0]] + s.W[0][pair[1]], s.W[1][pair[0]] + s.W[1][pair[1]]];
  let sum = [0, 0];
  for (let k = 0; k < n - 1; k++) sum = [sum[0] + s.W[0][k], sum[1] + s.W[1][k]];
  const cos = (u: number[], v: number[]) =>
    (u[0] * v[0] + u[1] * v[1]) / (Math.hypot(u[0], u[1]) * Math.hypot(v[0], v[1]));
  const predicted = frozenOptimumPrediction(s);
  const g = stateLossGrad(freed).gradW;
  return {
    mode: options.mode,
    delta: options.delta,
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
}

/**
 * “Optimization Failure”'s splay of a state whose last feature is the unlearnt one: the sum
 * of the learnt columns' norms, Σⱼ₌₁ⁿ⁻¹ ‖Wⱼ‖ (m = 2), a measure of how far the
 * features swept out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baseFailure, splay } from "./failure_states.ts";
 * const s = baseFailure(7);
 * assert.ok(Math.abs(splay(s.W) - 6 * Math.hypot(s.W[0][0], s.W[1][0])) < 1e-12);
 * ```
 */
export function splay(W: number[][]): number {
  const n = W[0].length;
  let sum = 0;
  for (let j = 0; j < n - 1; j++) sum += Math.hypot(W[0][j], W[1][j]);
  return sum;
}
