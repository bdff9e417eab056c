/**
 * Geometry of a toy autoencoder's latent space (“Optimization Failure”, "Does the
 * Optimization Failure solution pursue linear separability?").
 *
 * Feature i's latent vector is the i-th column Wᵢ of W. For m = 2 the
 * latent polygon joins the columns in order of angle, and feature i's latent
 * zone is the part of that polygon where Wᵢᵀh + bᵢ > 0, i.e. where a latent
 * point h makes feature i's output positive. Zones are computed exactly, by
 * clipping the polygon with the half-plane.
 *
 * Features are numbered from 1 in every table and figure, as in the seed
 * (W₁ … Wₙ); arrays are indexed from 0.
 *
 * @module
 */

/**
 * A point of the latent plane.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Point, polygonArea } from "./geometry.ts";
 * const square: Point[] = [[0, 0], [1, 0], [1, 1], [0, 1]];
 * assert.equal(polygonArea(square), 1);
 * ```
 */
export type Point = [number, number];

/**
 * Per-feature geometry: norm ‖Wᵢ‖, angle of Wᵢ (m = 2, degrees in [0, 360)), bias bᵢ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FeatureRow, featureRows } from "./geometry.ts";
 * const [row]: FeatureRow[] = featureRows([[0], [2]], [0.5]);
 * assert.deepEqual([row.feature, row.norm, row.angle, row.bias], [1, 2, 90, 0.5]);
 * ```
 */
export interface FeatureRow {
  /** Feature number, from 1. */
  feature: number;
  /** ‖Wᵢ‖. */
  norm: number;
  /** Angle in degrees (only when m = 2, else NaN). */
  angle: number;
  /** bᵢ. */
  bias: number;
  /** First coordinate of Wᵢ (only when m = 2, else NaN). */
  x: number;
  /** Second coordinate of Wᵢ (only when m = 2, else NaN). */
  y: number;
}

/**
 * Column i of W (`[m][n]`): feature i's latent vector Wᵢ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { column } from "./geometry.ts";
 * assert.deepEqual(column([[1, 2], [3, 4]], 1), [2, 4]);
 * ```
 */
export function column(W: number[][], i: number): number[] {
  return W.map((row) => row[i]);
}

/**
 * Norm, angle and bias of every feature (W is `[m][n]`, b is `[n]`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { featureRows } from "./geometry.ts";
 * const rows = featureRows([[1, 0], [0, -1]], [0, 0]);
 * assert.deepEqual(rows.map((r) => r.angle), [0, 270]);
 * ```
 */
export function featureRows(W: number[][], b: number[]): FeatureRow[] {
  const m = W.length;
  const n = W[0].length;
  const planar = m === 2;
  // A plain loop: the sweeps' classification calls this for every seed at every snapshot.
  const out: FeatureRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = planar ? [W[0][i], W[1][i]] : column(W, i);
    const norm = planar ? Math.hypot(v[0], v[1]) : Math.hypot(...v);
    const angle = planar ? angleDegrees(v[0], v[1]) : NaN;
    out[i] = {
      feature: i + 1,
      norm,
      angle,
      bias: b[i],
      x: planar ? v[0] : NaN,
      y: planar ? v[1] : NaN,
    };
  }
  return out;
}

/**
 * The Gram matrix WᵀW (`[n][n]`): entry (i, j) is Wᵢ·Wⱼ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gram } from "./geometry.ts";
 * assert.deepEqual(gram([[1, 2], [0, 1]]), [[1, 2], [2, 5]]);
 * ```
 */
export function gram(W: number[][]): number[][] {
  const n = W[0].length;
  return Array.from(
    { length: n },
    (_, i) => Array.from({ length: n }, (_, j) => W.reduce((s, row) => s + row[i] * row[j], 0)),
  );
}

/**
 * Vertices of the latent polygon (m = 2): the columns of W in order of angle,
 * counter-clockwise from the positive x axis. Returns feature numbers too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latentPolygon } from "./geometry.ts";
 * // Columns at 90°, 0° and 180°: sorted by angle.
 * const polygon = latentPolygon([[0, 1, -1], [1, 0, 0]]);
 * assert.deepEqual(polygon.map((v) => v.feature), [2, 1, 3]);
 * ```
 */
export function latentPolygon(W: number[][]): { feature: number; point: Point }[] {
  if (W.length !== 2) throw new RangeError(`the latent polygon needs m = 2, got m = ${W.length}`);
  return featureRows(W, new Array(W[0].length).fill(0))
    .map((r) => ({ feature: r.feature, angle: r.angle, point: [r.x, r.y] as Point }))
    .sort((a, b) => a.angle - b.angle || a.feature - b.feature)
    .map(({ feature, point }) => ({ feature, point }));
}

/**
 * Clips a polygon to the half-plane {h : a·h + c > 0} (Sutherland–Hodgman
 * against one edge). Works for non-convex polygons; the result may contain
 * zero-width bridges, which draw and measure correctly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clipHalfPlane, type Point, polygonArea } from "./geometry.ts";
 * const square: Point[] = [[0, 0], [2, 0], [2, 2], [0, 2]];
 * const left = clipHalfPlane(square, [-1, 0], 1); // the part with x < 1
 * assert.equal(polygonArea(left), 2);
 * ```
 */
export function clipHalfPlane(polygon: Point[], a: Point, c: number): Point[] {
  const out: Point[] = [];
  const value = (p: Point) => a[0] * p[0] + a[1] * p[1] + c;
  for (let k = 0; k < polygon.length; k++) {
    const p = polygon[k];
    const q = polygon[(k + 1) % polygon.length];
    const vp = value(p);
    const vq = value(q);
    if (vp > 0) out.push(p);
    if ((vp > 0) !== (vq > 0)) {
      const t = vp / (vp - vq);
      out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
    }
  }
  return out;
}

/**
 * Signed area of a polygon (shoelace formula; positive when counter-clockwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { polygonArea } from "./geometry.ts";
 * assert.equal(polygonArea([[0, 0], [0, 1], [1, 0]]), -0.5); // clockwise
 * ```
 */
export function polygonArea(polygon: Point[]): number {
  let s = 0;
  for (let k = 0; k < polygon.length; k++) {
    const [x0, y0] = polygon[k];
    const [x1, y1] = polygon[(k + 1) % polygon.length];
    s += x0 * y1 - x1 * y0;
  }
  return s / 2;
}

/**
 * Feature i's latent zone: the part of the latent polygon where Wᵢᵀh + bᵢ > 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LatentZone } from "./geometry.ts";
 * const everywhere: LatentZone = { feature: 7, polygon: [[0, 0], [1, 0], [0, 1]], fraction: 1 };
 * assert.equal(everywhere.polygon.length, 3);
 * ```
 */
export interface LatentZone {
  /** Feature number, from 1. */
  feature: number;
  /** The zone's outline (empty when the feature is never active). */
  polygon: Point[];
  /** Area of the zone over the area of the latent polygon. */
  fraction: number;
}

/**
 * Latent zones of every feature (m = 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latentZones } from "./geometry.ts";
 * // A triangle whose third feature has a large bias: active on the whole polygon.
 * const zones = latentZones([[1, 0, -1], [0, 1, -1]], [-1, -1, 5]);
 * assert.equal(zones[2].fraction, 1);
 * ```
 */
export function latentZones(W: number[][], b: number[]): LatentZone[] {
  const polygon = latentPolygon(W).map((v) => v.point);
  const total = Math.abs(polygonArea(polygon));
  return Array.from({ length: W[0].length }, (_, i) => {
    const zone = clipHalfPlane(polygon, [W[0][i], W[1][i]], b[i]);
    const area = zone.length >= 3 ? Math.abs(polygonArea(zone)) : 0;
    return { feature: i + 1, polygon: zone, fraction: total > 0 ? area / total : 0 };
  });
}

/**
 * Reconstruction of every one-hot example: entry (k, i) is
 * ReLU(Wᵢ·Wₖ + bᵢ), the output for feature i when feature k is on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identityReconstruction } from "./geometry.ts";
 * assert.deepEqual(identityReconstruction([[1, -1]], [0, 0]), [[1, 0], [0, 1]]);
 * ```
 */
export function identityReconstruction(W: number[][], b: number[]): number[][] {
  const G = gram(W);
  return G.map((row) => row.map((g, i) => Math.max(0, g + b[i])));
}

/**
 * Angular gaps (degrees) between angle-adjacent feature vectors (m = 2),
 * over the features in `features` (numbered from 1; default all). The gaps
 * sum to 360; a regular k-gon has every gap 360/k.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adjacentGaps } from "./geometry.ts";
 * assert.deepEqual(adjacentGaps([[1, 0, -1, 0], [0, 1, 0, -1]]), [90, 90, 90, 90]);
 * ```
 */
export function adjacentGaps(W: number[][], features?: number[]): number[] {
  const rows = featureRows(W, new Array(W[0].length).fill(0));
  const chosen = features ? rows.filter((r) => features.includes(r.feature)) : rows;
  const angles = chosen.map((r) => r.angle).sort((a, b) => a - b);
  const gaps = new Array<number>(angles.length);
  circularGaps(angles, angles.length, gaps);
  return gaps;
}

/**
 * The direction of (x, y) in degrees, in [0, 360).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { angleDegrees } from "./geometry.ts";
 * assert.deepEqual([angleDegrees(0, 1), angleDegrees(0, -1)], [90, 270]);
 * ```
 */
export function angleDegrees(x: number, y: number): number {
  const angle = (Math.atan2(y, x) * 180) / Math.PI;
  return angle < 0 ? angle + 360 : angle;
}

/**
 * The gaps between the first `count` of ascending angles (degrees), into
 * `out[0 … count − 1]`: each to the next, the last round to the first
 * (they sum to 360).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { circularGaps } from "./geometry.ts";
 * const out = [0, 0, 0];
 * circularGaps([10, 100, 190], 3, out);
 * assert.deepEqual(out, [90, 90, 180]);
 * ```
 */
export function circularGaps(
  sorted: ArrayLike<number>,
  count: number,
  out: { [k: number]: number },
): void {
  for (let k = 0; k < count; k++) {
    out[k] = k + 1 < count ? sorted[k + 1] - sorted[k] : 360 - sorted[k] + sorted[0];
  }
}
