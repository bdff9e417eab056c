/**
 * Analysis of the toy autoencoder without a bias, y = ReLU(WᵀWx) (the no-bias aside):
 * which features are learnt, shared directions and collapsed columns, the
 * positive entries of WᵀW, the loss of the regular polygon in closed form,
 * the projected hypercube and the loss between two features against their
 * angle: pure functions of W (`[m][n]`). Then the reading of a trained run of
 * seeds: their states over training, the representative seed and the rows
 * and statistics toy-no-bias reports. See toy-no-bias for the experiment and
 * the reasoning behind each threshold.
 *
 * @module
 */
import { featureRows, gram } from "./geometry.ts";
import { UNLEARNT_NORM } from "./outcomes.ts";
import { identityLoss, snapshotState } from "./analysis.ts";
import type { ToyTrainResult } from "./config.ts";
import { maxOf, mean, minOf, quantile, std } from "../../core/stats.ts";
import { blankRow } from "../../core/train/divergence.ts";

/**
 * One vertex of the projected hypercube: W·v for a corner v ∈ {0,1}ⁿ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CubeVertexRow, hypercubeProjection } from "./no_bias.ts";
 * const W = [[1, 0, -1], [0, 1, 0]]; // columns +x, +y, −x
 * const corner: CubeVertexRow = hypercubeProjection(W).vertices[0b011];
 * assert.deepEqual(corner, { index: 3, bits: "110", weight: 2, x: 1, y: 1 });
 * ```
 */
export interface CubeVertexRow {
  /** The corner as a bit mask (bit i set: feature i + 1 is on). */
  index: number;
  /** The corner as a string of 0s and 1s, feature 1 first. */
  bits: string;
  /** How many features are on. */
  weight: number;
  /** x of W·v, the sum of the on features' columns. */
  x: number;
  /** y of W·v. */
  y: number;
}

/**
 * One edge of the projected hypercube: two corners that differ in one feature.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CubeEdgeRow, hypercubeProjection } from "./no_bias.ts";
 * const W = [[1, 0, -1], [0, 1, 0]];
 * const edges: CubeEdgeRow[] = hypercubeProjection(W).edges;
 * assert.equal(edges.length, 3 * 2 ** 2); // n·2ⁿ⁻¹
 * // Every edge is a translate of its feature's column.
 * const f = (e: CubeEdgeRow) => e.feature - 1;
 * assert.ok(edges.every((e) => e.x2 - e.x === W[0][f(e)] && e.y2 - e.y === W[1][f(e)]));
 * ```
 */
export interface CubeEdgeRow {
  /** Bit mask of the corner with the feature off (see {@link CubeVertexRow.index}). */
  from: number;
  /** Bit mask of the corner with the feature on: `from` plus that feature's bit. */
  to: number;
  /** The feature (numbered from 1) the edge moves along; the edge is parallel to its column. */
  feature: number;
  /** x of the `from` corner's image. */
  x: number;
  /** y of the `from` corner's image. */
  y: number;
  /** x of the `to` corner's image (x plus the feature column's x). */
  x2: number;
  /** y of the `to` corner's image. */
  y2: number;
}

/**
 * Own output yᵢᵢ = ‖Wᵢ‖² a learnt feature must exceed (nearer 1 than 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { learnMargins, LEARNT_OWN_OUTPUT, regularPolygonNoBias } from "./no_bias.ts";
 * // The best pentagon's own outputs are s* = 1/(1 + P) ≈ 0.84, well above the threshold.
 * const p = regularPolygonNoBias(5);
 * const own = learnMargins(p.W).map((x) => x.own);
 * assert.ok(own.every((y) => Math.abs(y - p.normSq) < 1e-12 && y > LEARNT_OWN_OUTPUT));
 * ```
 */
export const LEARNT_OWN_OUTPUT = 0.5;

/**
 * How far yᵢᵢ must exceed every other output on example eᵢ for feature i to count as learnt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { learnMargins, LEARNT_MARGIN, regularPolygonNoBias } from "./no_bias.ts";
 * // On its own example a pentagon feature beats its neighbours by s*(1 − cos 72°) ≈ 0.58.
 * const p = regularPolygonNoBias(5);
 * const expected = p.normSq * (1 - Math.cos((2 * Math.PI) / 5));
 * const margins = learnMargins(p.W).map((x) => x.margin);
 * assert.ok(margins.every((d) => Math.abs(d - expected) < 1e-12 && d > LEARNT_MARGIN));
 * // Two features on one column have no margin at all.
 * assert.deepEqual(learnMargins([[1, 1], [0, 0]]).map((x) => x.margin), [0, 0]);
 * ```
 */
export const LEARNT_MARGIN = 0.25;
/** Two columns share a direction when both are at least {@link UNLEARNT_NORM} long and their cosine exceeds this (≈ 8°). */
export const SHARED_DIRECTION_COS = 0.99;
/** Entries of WᵀW above this count as positive (far below anything the loss can see: its square is 1e-12). */
export const POSITIVE_ENTRY = 1e-6;

/**
 * States of a no-bias seed, in display order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NO_BIAS_STATES, noBiasState, regularPolygonNoBias } from "./no_bias.ts";
 * assert.equal(noBiasState(regularPolygonNoBias(5).W), NO_BIAS_STATES[0]); // "all learnt"
 * assert.equal(noBiasState([[1, 1, 0], [0, 0, 1]]), "shared direction"); // features 1 and 2
 * assert.equal(noBiasState([[1, 0, 0], [0, 1, 0]]), "collapsed"); // feature 3 has no column
 * ```
 */
export const NO_BIAS_STATES = [
  "all learnt",
  "shared direction",
  "collapsed",
  "other",
  "diverged",
] as const;

/**
 * One of {@link NO_BIAS_STATES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type NoBiasState, noBiasState } from "./no_bias.ts";
 * const identity = [[1, 0], [0, 1]]; // n = m = 2: exact without a bias
 * const states: NoBiasState[] = [noBiasState(identity, 0), noBiasState(identity, Infinity)];
 * assert.deepEqual(states, ["all learnt", "diverged"]);
 * ```
 */
export type NoBiasState = typeof NO_BIAS_STATES[number];

/**
 * Which features are learnt (see the module doc): yᵢᵢ = ‖Wᵢ‖² >
 * {@link LEARNT_OWN_OUTPUT} and yᵢᵢ − maxⱼ≠ᵢ ReLU(Wⱼ·Wᵢ) > {@link LEARNT_MARGIN}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { learntFeatures, regularPolygonNoBias } from "./no_bias.ts";
 * assert.deepEqual(learntFeatures(regularPolygonNoBias(5).W), [true, true, true, true, true]);
 * ```
 */
export function learntFeatures(W: number[][]): boolean[] {
  return learnMargins(W).map(({ own, margin }) =>
    own > LEARNT_OWN_OUTPUT && margin > LEARNT_MARGIN
  );
}

/** Per feature: its own output yᵢᵢ and its margin over the largest other output on eᵢ. */
export function learnMargins(W: number[][]): { own: number; margin: number }[] {
  const G = gram(W);
  return G.map((row, i) => {
    let other = 0; // outputs are ReLUs, so never below 0
    row.forEach((g, j) => {
      if (j !== i) other = Math.max(other, g);
    });
    return { own: row[i], margin: row[i] - other };
  });
}

/** Pairs of features (numbered from 1) whose columns share a direction (see {@link SHARED_DIRECTION_COS}). */
export function sharedPairs(W: number[][]): [number, number][] {
  const G = gram(W);
  const n = G.length;
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const ni = Math.sqrt(G[i][i]);
      const nj = Math.sqrt(G[j][j]);
      if (ni >= UNLEARNT_NORM && nj >= UNLEARNT_NORM && G[i][j] > SHARED_DIRECTION_COS * ni * nj) {
        out.push([i + 1, j + 1]);
      }
    }
  }
  return out;
}

/**
 * The state of a seed, in order of precedence: `diverged` (non-finite loss),
 * `all learnt` (every feature passes {@link learntFeatures}), `shared
 * direction` (two columns on one line), `collapsed` (a column shorter than
 * {@link UNLEARNT_NORM}), else `other`.
 */
export function noBiasState(W: number[][], loss = 0): NoBiasState {
  if (!Number.isFinite(loss)) return "diverged";
  if (learntFeatures(W).every(Boolean)) return "all learnt";
  if (sharedPairs(W).length > 0) return "shared direction";
  if (featureRows(W, new Array(W[0].length).fill(0)).some((r) => r.norm < UNLEARNT_NORM)) {
    return "collapsed";
  }
  return "other";
}

/**
 * Positive off-diagonal entries of each column of WᵀW (the write-up's criterion wants 0 for exact reconstruction).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gram } from "./geometry.ts";
 * import { positiveOffDiagonal, regularPolygonNoBias } from "./no_bias.ts";
 * // Pentagon: each column overlaps its two neighbours at 72°.
 * assert.deepEqual(positiveOffDiagonal(gram(regularPolygonNoBias(5).W)), [2, 2, 2, 2, 2]);
 * // Square: neighbours at 90°, opposite at 180°, so none.
 * assert.deepEqual(positiveOffDiagonal(gram(regularPolygonNoBias(4).W)), [0, 0, 0, 0]);
 * ```
 */
export function positiveOffDiagonal(G: number[][]): number[] {
  return G.map((_, j) =>
    G.reduce((s, row, i) => s + (i !== j && row[j] > POSITIVE_ENTRY ? 1 : 0), 0)
  );
}

/**
 * The no-bias loss on one-hot data, split into the own (diagonal) and the other (off-diagonal) outputs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LossParts, noBiasLossParts } from "./no_bias.ts";
 * // Two features on one unit column: own outputs exact, each lights the other up fully.
 * const parts: LossParts = noBiasLossParts([[1, 1], [0, 0]]);
 * assert.deepEqual(parts, { diag: 0, offdiag: 0.5, total: 0.5 });
 * ```
 */
export interface LossParts {
  /** Σᵢ (‖Wᵢ‖² − 1)² / n²: own outputs short of (or beyond) 1. */
  diag: number;
  /** Σᵢ≠ⱼ ReLU(Wᵢ·Wⱼ)² / n²: other features lighting up. */
  offdiag: number;
  /** The whole loss, diag + offdiag (mean squared error over the n × n outputs). */
  total: number;
}

/**
 * {@link LossParts} of W (no bias), computed from WᵀW directly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noBiasLossParts, noBiasPolygonLoss, regularPolygonNoBias } from "./no_bias.ts";
 * // The unit square needs no bias: neighbours are orthogonal, opposite columns stay silent.
 * assert.ok(noBiasLossParts(regularPolygonNoBias(4).W).total < 1e-30);
 * // The pentagon's sum over WᵀW agrees with the closed form.
 * const p = regularPolygonNoBias(5);
 * assert.ok(Math.abs(noBiasLossParts(p.W).total - noBiasPolygonLoss(5, p.normSq).total) < 1e-15);
 * ```
 */
export function noBiasLossParts(W: number[][]): LossParts {
  const G = gram(W);
  const n = G.length;
  let diag = 0;
  let offdiag = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) diag += (G[i][i] - 1) ** 2;
      else offdiag += Math.max(0, G[i][j]) ** 2;
    }
  }
  return { diag: diag / n ** 2, offdiag: offdiag / n ** 2, total: (diag + offdiag) / n ** 2 };
}

/** P(n) = Σⱼ₌₁ⁿ⁻¹ max(0, cos(2πj/n))²: how much one column of the regular n-gon overlaps the others. */
export function polygonOverlap(n: number): number {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`n must be an integer >= 2, got ${n}`);
  let p = 0;
  for (let j = 1; j < n; j++) {
    const c = Math.cos((2 * Math.PI * j) / n);
    // cos(π/2) is 6e-17 in floating point, not 0: the square's neighbours do not overlap.
    if (c > 1e-12) p += c * c;
  }
  return p;
}

/**
 * Loss of the regular n-gon without a bias at common squared norm `normSq`: ((s − 1)² + P s²)/n, split.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noBiasPolygonLoss, polygonOverlap } from "./no_bias.ts";
 * assert.equal(noBiasPolygonLoss(6, 0).total, 1 / 6); // W = 0 misses every own output
 * const P = polygonOverlap(6); // 2·cos² 60° = ½
 * const unit = noBiasPolygonLoss(6, 1); // own outputs exact, overlap P/n
 * assert.ok(Math.abs(unit.total - P / 6) < 1e-15);
 * const best = noBiasPolygonLoss(6, 1 / (1 + P)); // s* = ⅔: P/(n(1 + P)) = 1/18
 * assert.ok(Math.abs(best.total - 1 / 18) < 1e-15 && best.total < unit.total);
 * ```
 */
export function noBiasPolygonLoss(n: number, normSq: number): LossParts {
  const P = polygonOverlap(n);
  const diag = (normSq - 1) ** 2 / n;
  const offdiag = (P * normSq ** 2) / n;
  return { diag, offdiag, total: diag + offdiag };
}

/**
 * The best regular n-gon without a bias (see the module doc), in closed form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type NoBiasPolygon, regularPolygonNoBias } from "./no_bias.ts";
 * const hexagon: NoBiasPolygon = regularPolygonNoBias(6);
 * assert.ok(Math.abs(hexagon.overlap - 0.5) < 1e-15); // 2·cos² 60°
 * assert.ok(Math.abs(hexagon.normSq - 2 / 3) < 1e-15 && Math.abs(hexagon.norm ** 2 - 2 / 3) < 1e-15);
 * assert.ok(Math.abs(Math.hypot(hexagon.W[0][1], hexagon.W[1][1]) - hexagon.norm) < 1e-15);
 * ```
 */
export interface NoBiasPolygon {
  /** `[2][n]`, column i at angle rotation + 2πi/n. */
  W: number[][];
  /** P(n), see {@link polygonOverlap}. */
  overlap: number;
  /** s* = 1/(1 + P). */
  normSq: number;
  /** ‖Wᵢ‖ = √s*, the common length of every column. */
  norm: number;
  /** L* = P/(n(1 + P)), with its diagonal and off-diagonal parts. */
  loss: LossParts;
}

/**
 * The regular n-gon with the loss-minimising common norm, s* = 1/(1 + P).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { regularPolygonNoBias } from "./no_bias.ts";
 * const p = regularPolygonNoBias(5);
 * const r5 = Math.sqrt(5);
 * assert.ok(Math.abs(p.loss.total - (3 - r5) / (5 * (7 - r5))) < 1e-15); // ≈ 0.032071
 * ```
 */
export function regularPolygonNoBias(n: number, rotation = 0): NoBiasPolygon {
  const overlap = polygonOverlap(n);
  const normSq = 1 / (1 + overlap);
  const norm = Math.sqrt(normSq);
  const angles = Array.from({ length: n }, (_, i) => rotation + (2 * Math.PI * i) / n);
  return {
    W: [angles.map((a) => norm * Math.cos(a)), angles.map((a) => norm * Math.sin(a))],
    overlap,
    normSq,
    norm,
    loss: noBiasPolygonLoss(n, normSq),
  };
}

/**
 * The n-cube {0,1}ⁿ projected into the latent plane by W (m = 2): its 2ⁿ
 * corners v go to W·v = Σᵢ vᵢWᵢ, and its n·2ⁿ⁻¹ edges join corners that
 * differ in one feature, so every edge is a translate of one column Wᵢ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hypercubeProjection, regularPolygonNoBias } from "./no_bias.ts";
 * const { vertices, edges } = hypercubeProjection(regularPolygonNoBias(5).W);
 * assert.deepEqual([vertices.length, edges.length], [32, 80]); // 2ⁿ corners, n·2ⁿ⁻¹ edges
 * // Σᵢ Wᵢ = 0 for a regular polygon: corner 11111 lands on corner 00000, the origin.
 * assert.ok(Math.hypot(vertices[31].x, vertices[31].y) < 1e-12);
 * ```
 */
export function hypercubeProjection(
  W: number[][],
): { vertices: CubeVertexRow[]; edges: CubeEdgeRow[] } {
  if (W.length !== 2) {
    throw new RangeError(`the projection is drawn in the plane: m must be 2, got ${W.length}`);
  }
  const n = W[0].length;
  if (n > 16) throw new RangeError(`n must be <= 16 to enumerate the n-cube, got ${n}`);
  const corners = 1 << n;
  const vertices: CubeVertexRow[] = [];
  for (let v = 0; v < corners; v++) {
    let x = 0;
    let y = 0;
    let weight = 0;
    let bits = "";
    for (let i = 0; i < n; i++) {
      const on = (v >> i) & 1;
      bits += on;
      weight += on;
      if (on) {
        x += W[0][i];
        y += W[1][i];
      }
    }
    vertices.push({ index: v, bits, weight, x, y });
  }
  const edges: CubeEdgeRow[] = [];
  for (const a of vertices) {
    for (let i = 0; i < n; i++) {
      if ((a.index >> i) & 1) continue; // each edge once, from its corner with feature i off
      const b = vertices[a.index | (1 << i)];
      edges.push({ from: a.index, to: b.index, feature: i + 1, x: a.x, y: a.y, x2: b.x, y2: b.y });
    }
  }
  return { vertices, edges };
}

/**
 * One row of `loss_over_theta.csv`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lossOverTheta, type LossOverThetaRow } from "./no_bias.ts";
 * const [row]: LossOverThetaRow[] = lossOverTheta([45]);
 * assert.ok(Math.abs(row.theta - Math.PI / 4) < 1e-15);
 * assert.ok(Math.abs(row.loss - 0.5) < 1e-15 && row.identity_holds); // cos² 45° = ½
 * ```
 */
export interface LossOverThetaRow {
  /** The angle between the two features, in degrees (as given). */
  theta_deg: number;
  /** Radians. */
  theta: number;
  /** max(0, cos θ)²: the squared output of one unit feature on the other's example. */
  loss: number;
  /** The write-up's closed form (cos 2θ + 1)/2 = cos² θ. */
  cos2theta_form: number;
  /** Whether the two agree (|θ| ≤ 90°). */
  identity_holds: boolean;
}

/**
 * The loss of two unit features against their angle, on a grid of angles in degrees.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lossOverTheta } from "./no_bias.ts";
 * const rows = lossOverTheta([0, 60, 90, 120]);
 * assert.ok(Math.abs(rows[1].loss - 0.25) < 1e-15); // cos² 60° = ¼
 * assert.equal(rows[3].loss, 0); // past 90° the ReLU keeps the other output at 0
 * assert.deepEqual(rows.map((r) => r.identity_holds), [true, true, true, false]);
 * ```
 */
export function lossOverTheta(thetasDeg: number[]): LossOverThetaRow[] {
  return thetasDeg.map((deg) => {
    const theta = (deg * Math.PI) / 180;
    const loss = Math.max(0, Math.cos(theta)) ** 2;
    const cos2theta_form = (Math.cos(2 * theta) + 1) / 2;
    return {
      theta_deg: deg,
      theta,
      loss,
      cos2theta_form,
      identity_holds: Math.abs(loss - cos2theta_form) < 1e-12,
    };
  });
}

/** Angle-adjacent pairs of columns (m = 2), counter-clockwise, with the angle between them in degrees. */
export function adjacentPairs(W: number[][]): { from: number; to: number; angle_deg: number }[] {
  const rows = featureRows(W, new Array(W[0].length).fill(0))
    .sort((a, b) => a.angle - b.angle || a.feature - b.feature);
  return rows.map((r, k) => {
    const next = rows[(k + 1) % rows.length];
    const gap = k + 1 < rows.length ? next.angle - r.angle : 360 - r.angle + next.angle;
    return { from: r.feature, to: next.feature, angle_deg: gap };
  });
}

/**
 * Everything measured on one seed's final state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyseNoBias, type NoBiasSeed, regularPolygonNoBias } from "./no_bias.ts";
 * const p = regularPolygonNoBias(5);
 * const seed: NoBiasSeed = analyseNoBias(p.W, { seed: 2, loss: p.loss.total });
 * assert.equal(seed.state, "all learnt");
 * assert.deepEqual(seed.positive, [2, 2, 2, 2, 2]); // each column overlaps its two neighbours
 * assert.ok(seed.closure < 1e-12 && seed.divergedAt === null && seed.shared.length === 0);
 * ```
 */
export interface NoBiasSeed {
  /** The seed (instance) measured. */
  seed: number;
  /** Its state (see {@link noBiasState}). */
  state: NoBiasState;
  /** Per feature, whether it counts as learnt (see {@link learntFeatures}). */
  learnt: boolean[];
  /** First snapshot step from which the seed stays in `all learnt`, to the snapshot stride (null if it ends elsewhere). */
  learntAllAt: number | null;
  /** The loss the run reported for this seed (not finite once diverged). */
  finalLoss: number;
  /** The loss recomputed from W (b = 0), split into own and other outputs. */
  loss: LossParts;
  /** Adjacent pairs in angular order. */
  adjacent: { from: number; to: number; angle_deg: number }[];
  /** ‖Wᵢ‖ of each column, feature 1 first. */
  norms: number[];
  /** Positive off-diagonal entries per column of WᵀW. */
  positive: number[];
  /** Pairs of features (numbered from 1) whose columns share a direction (see {@link sharedPairs}). */
  shared: [number, number][];
  /** ‖Σᵢ Wᵢ‖: 0 for a regular polygon, where corners 0…0 and 1…1 of the n-cube meet. */
  closure: number;
  /** Step at which the run marked the seed diverged (null: it did not). */
  divergedAt: number | null;
}

/** Measures one state (see {@link NoBiasSeed}); `learntAllAt` is filled in by the caller. */
export function analyseNoBias(
  W: number[][],
  info: { seed: number; loss: number; divergedAt?: number | null },
): NoBiasSeed {
  const G = gram(W);
  const norms = G.map((row, i) => Math.sqrt(row[i]));
  return {
    seed: info.seed,
    state: noBiasState(W, info.loss),
    learnt: learntFeatures(W),
    learntAllAt: null,
    finalLoss: info.loss,
    loss: noBiasLossParts(W),
    adjacent: W.length === 2 ? adjacentPairs(W) : [],
    norms,
    positive: positiveOffDiagonal(G),
    shared: sharedPairs(W),
    closure: Math.hypot(...W.map((row) => row.reduce((s, v) => s + v, 0))),
    divergedAt: info.divergedAt ?? null,
  };
}

// ---- reading a trained run of seeds (toy-no-bias) ------------------------

/**
 * Share of a run's seeds in one state at one snapshot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NoBiasFractionRow } from "./no_bias.ts";
 * // Four seeds at step 1000: three learnt every feature, one has a shared direction.
 * const rows: NoBiasFractionRow[] = [
 *   { step: 1000, state: "all learnt", fraction: 0.75 },
 *   { step: 1000, state: "shared direction", fraction: 0.25 },
 * ];
 * assert.equal(rows.reduce((s, r) => s + r.fraction, 0), 1); // one step's shares add up to 1
 * ```
 */
export interface NoBiasFractionRow {
  /** Training step. */
  step: number;
  /** The state. */
  state: NoBiasState;
  /** Share of the seeds in it. */
  fraction: number;
}

/**
 * The state of every instance at every snapshot, as fractions per state
 * (states that never occur left out), and for each instance the step from
 * which it stays in `all learnt` (null when its final state, `finalStates`,
 * is another).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noBiasTimeline } from "./no_bias.ts";
 * import { toyTrainConfig, TOY_TRAIN_DEFAULTS } from "./experiments/common.ts";
 * import { trainToy } from "./train.ts";
 * const base = toyTrainConfig({ ...TOY_TRAIN_DEFAULTS, steps: 20 }, { n: 5, m: 2, seeds: [0, 1] });
 * const train = await trainToy({ ...base, model: { ...base.model, bias: false } });
 * const { rows, learntAllAt } = noBiasTimeline(train, ["other", "other"]);
 * assert.deepEqual(learntAllAt, [null, null]);
 * assert.ok(rows.every((r) => r.fraction > 0 && r.fraction <= 1));
 * ```
 */
export function noBiasTimeline(
  train: ToyTrainResult,
  finalStates: NoBiasState[],
): { rows: NoBiasFractionRow[]; learntAllAt: (number | null)[] } {
  const { instances } = train.final;
  const steps = train.snapshots.steps;
  const counts = steps.map(() => new Array(NO_BIAS_STATES.length).fill(0));
  const since: (number | null)[] = new Array(instances).fill(null);
  // A seed that diverged is left out of every share, at every snapshot.
  const kept = Array.from({ length: instances }, (_, i) => i).filter((i) =>
    train.divergedAt[i] < 0
  );
  for (let k = 0; k < steps.length; k++) {
    for (const i of kept) {
      const state = noBiasState(snapshotState(train, k, i).W);
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
      fraction: counts[k][NO_BIAS_STATES.indexOf(state)] / kept.length,
    }))
  );
  // A seed that ends elsewhere has no settling step, whatever its snapshots said.
  const learntAllAt = since.map((s, i) => (finalStates[i] === "all learnt" ? s : null));
  return { rows, learntAllAt };
}

/**
 * The representative seed: among the seeds with every feature learnt, the
 * one whose largest adjacent-angle deviation from 360°/n is the median (the
 * lower median; ties to the lower seed), i.e. neither the most nor the least
 * regular. When no seed learnt everything, the one with the lowest loss of
 * those that did not diverge; when every seed diverged, none (index -1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyseNoBias, pickRepresentative, regularPolygonNoBias } from "./no_bias.ts";
 * const pentagon = regularPolygonNoBias(5).W;
 * const collapsed = pentagon.map((row) => row.map((v, i) => (i === 4 ? v / 100 : v)));
 * const seeds = [collapsed, pentagon].map((W, seed) => analyseNoBias(W, { seed, loss: 0.04 }));
 * assert.equal(seeds[0].state, "collapsed");
 * assert.equal(pickRepresentative(seeds).index, 1); // the only seed that learnt all five
 * ```
 */
export function pickRepresentative(analysis: NoBiasSeed[]): { index: number; rule: string } {
  const learnt = analysis.map((a, i) => ({ a, i })).filter(({ a }) => a.state === "all learnt");
  if (learnt.length > 0) {
    const n = analysis[0].norms.length;
    const dev = (a: NoBiasSeed) => maxOf(a.adjacent.map((p) => Math.abs(p.angle_deg - 360 / n)));
    const sorted = learnt.sort((p, q) => dev(p.a) - dev(q.a) || p.a.seed - q.a.seed);
    const { i } = sorted[Math.floor((sorted.length - 1) / 2)];
    return {
      index: i,
      rule: `of the ${learnt.length} seeds with every feature learnt, the one whose largest ` +
        `adjacent-angle deviation is the median`,
    };
  }
  const kept = analysis.map((a, i) => ({ a, i })).filter(({ a }) => a.divergedAt === null);
  if (kept.length === 0) return { index: -1, rule: "every seed diverged" };
  let best = kept[0].i;
  for (const { a, i } of kept) if (a.finalLoss < analysis[best].finalLoss) best = i;
  return { index: best, rule: "no seed learnt every feature; the seed with the lowest final loss" };
}

/** One seed of toy-no-bias (its `runs` table). */
export interface NoBiasRunRow {
  /** The seed. */
  seed: number;
  /** Its final state. */
  state: NoBiasState;
  /** Whether it learnt every feature. */
  learnt_all: boolean;
  /** Features it learnt. */
  learnt_features: number;
  /** See {@link NoBiasSeed.learntAllAt}. */
  learnt_all_at_step: number | null;
  /** Final loss (null when not finite). */
  final_loss: number | null;
  /** Loss on the own outputs. */
  loss_diag: number;
  /** Loss on the other outputs. */
  loss_offdiag: number;
  /** Angles between neighbouring columns, smallest first, joined by ";". */
  adjacent_angles_deg: string;
  /** Smallest of them. */
  adjacent_angle_min: number;
  /** Largest of them. */
  adjacent_angle_max: number;
  /** Largest distance of one from 360°/n. */
  adjacent_angle_max_dev: number;
  /** Mean column norm. */
  norm_mean: number;
  /** Smallest column norm. */
  norm_min: number;
  /** Largest column norm. */
  norm_max: number;
  /** Coefficient of variation of the norms. */
  norm_cv: number;
  /** Positive off-diagonal entries of each column of WᵀW, joined by ";". */
  positive_offdiag_per_column: string;
  /** The most of them in one column. */
  positive_offdiag_max: number;
  /** Pairs sharing a direction, "i-j" joined by ";". */
  shared_pairs: string;
  /** ‖Σᵢ Wᵢ‖. */
  closure: number;
  /** Step of divergence (null: did not diverge). */
  diverged_at_step: number | null;
}

/**
 * One row per seed (a diverged one keeps its seed, state and step, nothing
 * else): state, loss parts, angles, norms and the positive
 * entries of WᵀW (m = 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyseNoBias, noBiasRunRows, regularPolygonNoBias } from "./no_bias.ts";
 * const [row] = noBiasRunRows([analyseNoBias(regularPolygonNoBias(5).W, { seed: 3, loss: 0.032 })]);
 * assert.equal(row.adjacent_angles_deg, "72.0000;72.0000;72.0000;72.0000;72.0000");
 * assert.equal(row.positive_offdiag_per_column, "2;2;2;2;2");
 * ```
 */
export function noBiasRunRows(analysis: NoBiasSeed[]): NoBiasRunRow[] {
  const keep: (keyof NoBiasRunRow)[] = ["seed", "state", "diverged_at_step"];
  return analysis.map((a): NoBiasRunRow => {
    const expected = 360 / a.norms.length;
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
      adjacent_angle_max_dev: maxOf(gaps.map((g) => Math.abs(g - expected))),
      norm_mean: normMean,
      norm_min: minOf(a.norms),
      norm_max: maxOf(a.norms),
      norm_cv: std(a.norms) / normMean,
      positive_offdiag_per_column: a.positive.join(";"),
      positive_offdiag_max: maxOf(a.positive),
      shared_pairs: a.shared.map(([i, j]) => `${i}-${j}`).join(";"),
      closure: a.closure,
      diverged_at_step: a.divergedAt,
    };
  }).map((row) => row.diverged_at_step === null ? row : blankRow(row, keep) as NoBiasRunRow);
}

/** One angle between neighbouring columns of one seed (toy-no-bias's `angles` table). */
export interface NoBiasAngleRow {
  /** The seed. */
  seed: number;
  /** Its final state. */
  state: NoBiasState;
  /** Position in angular order, from 1. */
  rank: number;
  /** The first column's feature. */
  from_feature: number;
  /** The next column's feature, counter-clockwise. */
  to_feature: number;
  /** The angle between them. */
  angle_deg: number;
  /** Its distance from 360°/n. */
  deviation_deg: number;
}

/**
 * Every angle between neighbouring columns of every seed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyseNoBias, noBiasAngleRows, regularPolygonNoBias } from "./no_bias.ts";
 * const rows = noBiasAngleRows([analyseNoBias(regularPolygonNoBias(5).W, { seed: 3, loss: 0.032 })]);
 * assert.equal(rows.length, 5);
 * assert.ok(rows.every((r) => Math.abs(r.deviation_deg) < 1e-9));
 * ```
 */
export function noBiasAngleRows(analysis: NoBiasSeed[]): NoBiasAngleRow[] {
  // A diverged seed's columns point anywhere: it has no angles.
  return analysis.filter((a) => a.divergedAt === null).flatMap((a) =>
    a.adjacent.map((p, k) => ({
      seed: a.seed,
      state: a.state,
      rank: k + 1,
      from_feature: p.from,
      to_feature: p.to,
      angle_deg: p.angle_deg,
      deviation_deg: p.angle_deg - 360 / a.norms.length,
    }))
  );
}

/** What the seeds of a no-bias run add up to (see {@link noBiasStats}). */
export interface NoBiasStats {
  /** Seeds per final state, in the order the states first occur. */
  counts: Record<string, number>;
  /** The seeds that learnt every feature. */
  learnt: NoBiasSeed[];
  /** Mean angle between neighbours over those seeds (null: none). */
  gapMean: number | null;
  /** Largest distance of one of those angles from that mean (null: none). */
  gapMaxDev: number | null;
  /** Mean column norm over those seeds (null: none). */
  normMean: number | null;
  /** Coefficient of variation of all their norms (null: none). */
  normCv: number | null;
  /** Largest coefficient of variation of one seed's norms (null: none). */
  normCvSeedMax: number | null;
  /** Their final losses, smallest first. */
  learntLosses: number[];
  /** How many of their columns have 0, 1, 2 … positive off-diagonal entries in WᵀW. */
  positiveHist: Record<string, number>;
  /** Step of settling into all learnt: median, 90% and last (null: none settled). */
  settle: { median: number; p90: number; max: number } | null;
  /** Final losses of the seeds in a shared direction, smallest first. */
  sharedLosses: number[];
}

/**
 * Statistics over the seeds that learnt every feature (angles, norms,
 * losses, positive entries of WᵀW, when they settled), the counts of every
 * final state and the losses of the seeds in a shared direction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyseNoBias, noBiasStats, regularPolygonNoBias } from "./no_bias.ts";
 * const seeds = [0, 0.5].map((turn, seed) => analyseNoBias(regularPolygonNoBias(5, turn).W, { seed, loss: 0.032 }));
 * const stats = noBiasStats(seeds);
 * assert.deepEqual(stats.counts, { "all learnt": 2 });
 * assert.ok(Math.abs(stats.gapMean! - 72) < 1e-9);
 * assert.deepEqual(stats.positiveHist, { 2: 10 });
 * ```
 */
export function noBiasStats(analysis: NoBiasSeed[]): NoBiasStats {
  const learnt = analysis.filter((a) => a.state === "all learnt");
  const learntGaps = learnt.flatMap((a) => a.adjacent.map((p) => p.angle_deg));
  const gapMean = learntGaps.length ? mean(learntGaps) : null;
  const learntNorms = learnt.flatMap((a) => a.norms);
  const normMean = learntNorms.length ? mean(learntNorms) : null;
  const seedCvs = learnt.map((a) => std(a.norms) / mean(a.norms));
  const positiveHist: Record<string, number> = {};
  for (const a of learnt) {
    for (const p of a.positive) positiveHist[p] = (positiveHist[p] ?? 0) + 1;
  }
  const counts: Record<string, number> = {};
  for (const a of analysis) counts[a.state] = (counts[a.state] ?? 0) + 1;
  const settle = learnt.flatMap((a) => (a.learntAllAt === null ? [] : [a.learntAllAt]))
    .sort((x, y) => x - y);
  return {
    counts,
    learnt,
    gapMean,
    gapMaxDev: gapMean === null ? null : maxOf(learntGaps.map((g) => Math.abs(g - gapMean))),
    normMean,
    normCv: normMean === null ? null : std(learntNorms) / normMean,
    normCvSeedMax: seedCvs.length ? maxOf(seedCvs) : null,
    learntLosses: learnt.map((a) => a.finalLoss).sort((x, y) => x - y),
    positiveHist,
    settle: settle.length
      ? {
        median: Math.round(quantile(settle, 0.5)),
        p90: Math.round(quantile(settle, 0.9)),
        max: settle[settle.length - 1],
      }
      : null,
    sharedLosses: analysis.filter((a) => a.state === "shared direction")
      .map((a) => a.finalLoss).sort((x, y) => x - y),
  };
}

/** What toy-no-bias shows of its representative seed (see {@link representativeView}). */
export interface RepresentativeView {
  /** WᵀW. */
  gram: number[][];
  /** The n-cube projected by W. */
  cube: { vertices: CubeVertexRow[]; edges: CubeEdgeRow[] };
  /** Its longest column's norm. */
  scale: number;
  /** Distinct corners of the projected cube, at 0.1% of the longest column. */
  distinct: number;
  /** On each feature's example, the largest output of another feature (WᵀW off the diagonal). */
  neighbour: number[];
  /** Its loss recomputed by the float64 kernel (b = 0). */
  kernelLoss: number;
}

/**
 * WᵀW, the projected n-cube and how many of its corners coincide, the
 * largest other output per example and the kernel's loss of one seed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyseNoBias, regularPolygonNoBias, representativeView } from "./no_bias.ts";
 * const p = regularPolygonNoBias(5);
 * const view = representativeView(p.W, analyseNoBias(p.W, { seed: 0, loss: p.loss.total }));
 * assert.equal(view.cube.vertices.length, 32);
 * assert.equal(view.distinct, 31); // corners 00000 and 11111 meet at the origin
 * assert.ok(Math.abs(view.kernelLoss - p.loss.total) < 1e-15);
 * ```
 */
export function representativeView(W: number[][], seed: NoBiasSeed): RepresentativeView {
  const n = W[0].length;
  const G = gram(W);
  const cube = hypercubeProjection(W);
  const scale = maxOf(seed.norms);
  const distinct = new Set(
    cube.vertices.map((v) =>
      `${Math.round(v.x / (1e-3 * scale))},${Math.round(v.y / (1e-3 * scale))}`
    ),
  ).size;
  return {
    gram: G,
    cube,
    scale,
    distinct,
    neighbour: G.map((row, i) => maxOf(row.filter((_, j) => j !== i))),
    kernelLoss: identityLoss(W, new Array(n).fill(0)),
  };
}

/**
 * The regular n-gon's loss against its common norm ‖Wᵢ‖ from 0 to 1.2 in
 * steps of 0.01: total, own outputs and neighbours (rows of `normTradeoffSpec`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noBiasTradeoffRows } from "./no_bias.ts";
 * const rows = noBiasTradeoffRows(5);
 * assert.equal(rows.length, 3 * 121);
 * assert.deepEqual(rows[0], { norm: 0, part: "total", loss: 0.2 }); // W = 0 misses every own output
 * ```
 */
export function noBiasTradeoffRows(n: number): { norm: number; part: string; loss: number }[] {
  return Array.from({ length: 121 }, (_, k) => (k / 100)).flatMap((norm) => {
    const parts = noBiasPolygonLoss(n, norm * norm);
    return [
      { norm, part: "total", loss: parts.total },
      { norm, part: "own outputs (diagonal)", loss: parts.diag },
      { norm, part: "neighbours (off-diagonal)", loss: parts.offdiag },
    ];
  });
}
