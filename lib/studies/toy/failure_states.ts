/**
 * Hand-built states around Symmetric Failure (seed 001, "What is W₇? Why
 * can't it increase?", "Small asymmetry favoring tilt") and the float64
 * loss and gradient of any state on one-hot data.
 *
 * Conventions: the unlearnt feature is the last one (index n−1, "feature n");
 * the learnt ones form a regular (n−1)-gon whose first vertex points along
 * +y. Features are 0-based in code and numbered from 1 in tables.
 *
 * @module
 */
import { identityBatch } from "./data.ts";
import { toyLossGrad, toyParamsFrom, toyScratch } from "./model.ts";
import { symmetricFailure } from "./closed_forms.ts";

/** A state of the toy model: W (`[m][n]`) and b. */
export interface ToyState {
  W: number[][];
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

/** How a pair of adjacent learnt features is made asymmetric. */
export type Perturbation = "shorten" | "bias";

/**
 * Symmetric Failure with learnt features `pair` (adjacent, 0-based) made
 * slightly weaker: `shorten` scales their columns by (1 − δ); `bias` raises
 * their biases by δ (seed 001's construction with W₆ and W₁).
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
