/** Geometry of the latent plane (`geometry.ts`): clipping, latent zones, the Gram matrix. */
import assert from "node:assert/strict";
import {
  adjacentGaps,
  clipHalfPlane,
  gram,
  latentPolygon,
  latentZones,
  type Point,
  polygonArea,
} from "../../../lib/studies/toy/geometry.ts";
import { regularPolygon, symmetricFailure } from "../../../lib/studies/toy/closed_forms.ts";

Deno.test("clipHalfPlane() clips a square exactly", () => {
  const square: Point[] = [[0, 0], [2, 0], [2, 2], [0, 2]];
  const left = clipHalfPlane(square, [-1, 0], 0.5); // x < 0.5
  assert.ok(Math.abs(polygonArea(left) - 1) < 1e-15);
  assert.equal(clipHalfPlane(square, [1, 0], -5).length, 0);
  assert.ok(Math.abs(polygonArea(clipHalfPlane(square, [1, 1], 10)) - 4) < 1e-15);
  // A diagonal cut keeps a triangle of area 2.
  assert.ok(Math.abs(polygonArea(clipHalfPlane(square, [1, 1], -2)) - 2) < 1e-15);
});

Deno.test("latentZones() of the regular n-gon: the triangle of each vertex and its neighbours", () => {
  // Wᵢ·Wᵢ₊₁ + bᵢ = 0 exactly, so feature i's zone is cut off by the line through
  // its two neighbouring vertices.
  for (const n of [5, 6, 9]) {
    const { W, b } = regularPolygon(n, 0.2);
    const zones = latentZones(W, b);
    const v = (i: number): Point => [W[0][(i + n) % n], W[1][(i + n) % n]];
    const hull = Math.abs(polygonArea(Array.from({ length: n }, (_, i) => v(i))));
    const triangle = Math.abs(polygonArea([v(-1), v(0), v(1)])) / hull;
    for (const z of zones) {
      assert.ok(Math.abs(z.fraction - triangle) < 1e-12, `n=${n}: ${z.fraction} vs ${triangle}`);
    }
    // Each zone touches its own vertex, where the feature's output is exactly 1.
    zones.forEach((z, i) => {
      const [x, y] = [W[0][i], W[1][i]];
      assert.ok(z.polygon.some(([px, py]) => Math.hypot(px - x, py - y) < 1e-12));
    });
    const gaps = adjacentGaps(W);
    for (const g of gaps) assert.ok(Math.abs(g - 360 / n) < 1e-9);
  }
});

Deno.test("latentZones() of Symmetric Failure: the unlearnt feature is active everywhere", () => {
  const { W, b } = symmetricFailure(7);
  const zones = latentZones(W, b);
  assert.ok(Math.abs(zones[6].fraction - 1) < 1e-12);
  // The polygon is the hexagon plus the origin (the pac-man's mouth).
  assert.equal(latentPolygon(W).length, 7);
  for (const z of zones.slice(0, 6)) assert.ok(z.fraction > 0 && z.fraction < 0.2);
});

Deno.test("gram() is WᵀW", () => {
  const G = gram([[1, 2, 0], [0, 1, 3]]);
  assert.deepEqual(G, [[1, 2, 0], [2, 5, 3], [0, 3, 9]]);
});
