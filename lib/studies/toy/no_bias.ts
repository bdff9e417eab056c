/**
 * Analysis of the toy autoencoder without a bias, y = ReLU(WᵀWx) (seed 000):
 * which features are learnt, shared directions and collapsed columns, the
 * positive entries of WᵀW, the loss of the regular polygon in closed form,
 * the projected hypercube and the loss between two features against their
 * angle. Pure functions of W (`[m][n]`); see toy-no-bias for the experiment
 * and the reasoning behind each threshold.
 *
 * @module
 */
import { featureRows, gram } from "./geometry.ts";
import { UNLEARNT_NORM } from "./outcomes.ts";

/** One vertex of the projected hypercube: W·v for a corner v ∈ {0,1}ⁿ. */
export interface CubeVertexRow {
  /** The corner as a bit mask (bit i set: feature i + 1 is on). */
  index: number;
  /** The corner as a string of 0s and 1s, feature 1 first. */
  bits: string;
  /** How many features are on. */
  weight: number;
  x: number;
  y: number;
}

/** One edge of the projected hypercube: two corners that differ in one feature. */
export interface CubeEdgeRow {
  from: number;
  to: number;
  /** The feature (numbered from 1) the edge moves along; the edge is parallel to its column. */
  feature: number;
  x: number;
  y: number;
  x2: number;
  y2: number;
}

/** Own output yᵢᵢ = ‖Wᵢ‖² a learnt feature must exceed (nearer 1 than 0). */
export const LEARNT_OWN_OUTPUT = 0.5;
/** How far yᵢᵢ must exceed every other output on example eᵢ for feature i to count as learnt. */
export const LEARNT_MARGIN = 0.25;
/** Two columns share a direction when both are at least {@link UNLEARNT_NORM} long and their cosine exceeds this (≈ 8°). */
export const SHARED_DIRECTION_COS = 0.99;
/** Entries of WᵀW above this count as positive (far below anything the loss can see: its square is 1e-12). */
export const POSITIVE_ENTRY = 1e-6;

/** States of a no-bias seed, in display order. */
export const NO_BIAS_STATES = [
  "all learnt",
  "shared direction",
  "collapsed",
  "other",
  "diverged",
] as const;
/** One of {@link NO_BIAS_STATES}. */
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

/** Positive off-diagonal entries of each column of WᵀW (the seed's criterion wants 0 for exact reconstruction). */
export function positiveOffDiagonal(G: number[][]): number[] {
  return G.map((_, j) =>
    G.reduce((s, row, i) => s + (i !== j && row[j] > POSITIVE_ENTRY ? 1 : 0), 0)
  );
}

/** The no-bias loss on one-hot data, split into the own (diagonal) and the other (off-diagonal) outputs. */
export interface LossParts {
  /** Σᵢ (‖Wᵢ‖² − 1)² / n²: own outputs short of (or beyond) 1. */
  diag: number;
  /** Σᵢ≠ⱼ ReLU(Wᵢ·Wⱼ)² / n²: other features lighting up. */
  offdiag: number;
  total: number;
}

/** {@link LossParts} of W (no bias), computed from WᵀW directly. */
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

/** Loss of the regular n-gon without a bias at common squared norm `normSq`: ((s − 1)² + P s²)/n, split. */
export function noBiasPolygonLoss(n: number, normSq: number): LossParts {
  const P = polygonOverlap(n);
  const diag = (normSq - 1) ** 2 / n;
  const offdiag = (P * normSq ** 2) / n;
  return { diag, offdiag, total: diag + offdiag };
}

/** The best regular n-gon without a bias (see the module doc), in closed form. */
export interface NoBiasPolygon {
  /** `[2][n]`, column i at angle rotation + 2πi/n. */
  W: number[][];
  /** P(n), see {@link polygonOverlap}. */
  overlap: number;
  /** s* = 1/(1 + P). */
  normSq: number;
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

/** One row of `loss_over_theta.csv`. */
export interface LossOverThetaRow {
  theta_deg: number;
  /** Radians. */
  theta: number;
  /** max(0, cos θ)²: the squared output of one unit feature on the other's example. */
  loss: number;
  /** The seed's closed form (cos 2θ + 1)/2 = cos² θ. */
  cos2theta_form: number;
  /** Whether the two agree (|θ| ≤ 90°). */
  identity_holds: boolean;
}

/** The loss of two unit features against their angle, on a grid of angles in degrees. */
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

/** Everything measured on one seed's final state. */
export interface NoBiasSeed {
  seed: number;
  state: NoBiasState;
  learnt: boolean[];
  /** First snapshot step from which the seed stays in `all learnt`, to the snapshot stride (null if it ends elsewhere). */
  learntAllAt: number | null;
  finalLoss: number;
  loss: LossParts;
  /** Adjacent pairs in angular order. */
  adjacent: { from: number; to: number; angle_deg: number }[];
  norms: number[];
  /** Positive off-diagonal entries per column of WᵀW. */
  positive: number[];
  shared: [number, number][];
  /** ‖Σᵢ Wᵢ‖: 0 for a regular polygon, where corners 0…0 and 1…1 of the n-cube meet. */
  closure: number;
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
