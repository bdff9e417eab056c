/**
 * lib/core/pca_top.ts (PCA at a small rank through the N × N Gram matrix)
 * against the covariance route of lib/core/pca.ts.
 */
import assert from "node:assert/strict";
import { pca } from "../../lib/core/pca.ts";
import { pcaCodes, pcaReconstruct, pcaSquaredError, pcaTop } from "../../lib/core/pca_top.ts";
import { Rng } from "../../lib/core/random.ts";

/** A seeded [n, d] matrix with entries 0 (probability `zeros`) or uniform in [0, 1). */
function randomMatrix(n: number, d: number, seed: number, zeros = 0.5): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * d }, () => rng.uniform() < zeros ? 0 : rng.uniform());
}

Deno.test("pcaTop() through the N × N Gram matrix equals the covariance route", () => {
  const count = 9;
  const dim = 14;
  const X = randomMatrix(count, dim, 77, 0.2);
  const dual = pcaTop(X, count, dim, 4);
  const full = pca(X, count, dim);
  for (let c = 0; c < 4; c++) {
    assert.ok(Math.abs(dual.variances[c] - full.variances[c]) < 1e-12 * full.variances[0]);
    // Same direction up to sign.
    let dot = 0;
    for (let j = 0; j < dim; j++) {
      dot += dual.components[c * dim + j] * full.components[c * dim + j];
    }
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `component ${c}: |cos| = ${Math.abs(dot)}`);
  }
  // The squared error from the eigenvalues equals the residual of the reconstructions.
  const rows = Array.from({ length: count }, (_, i) => i);
  const rec = pcaReconstruct(dual, pcaCodes(dual, X, rows));
  let residual = 0;
  for (let q = 0; q < X.length; q++) residual += (X[q] - rec[q]) ** 2;
  assert.ok(Math.abs(residual - pcaSquaredError(dual)) < 1e-10 * residual);
});

Deno.test("pcaTop() on sparse images (E[xxᵀ] − μμᵀ over nonzeros) agrees with the centred covariance", () => {
  // Tolerance: 1e-12 of the largest variance, and |cos| within 1e-9 of 1 for well-separated
  // components; on the 10,000 MNIST digits the two routes differ by 6e-14 (relative variances).
  const count = 300;
  const dim = 40;
  const X = randomMatrix(count, dim, 5, 0.8);
  for (let j = 0; j < dim; j++) X[7 * dim + j] = 0; // an empty image
  const top = pcaTop(X, count, dim, 5);
  const full = pca(X, count, dim);
  assert.ok(Math.abs(top.totalVariance - full.variances.reduce((s, v) => s + v, 0)) < 1e-12);
  for (let c = 0; c < 5; c++) {
    assert.ok(Math.abs(top.variances[c] - full.variances[c]) < 1e-12 * full.variances[0]);
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += top.components[c * dim + j] * full.components[c * dim + j];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `component ${c}: |cos| = ${Math.abs(dot)}`);
  }
  for (let j = 0; j < dim; j++) assert.ok(Math.abs(top.mean[j] - full.mean[j]) < 1e-15);
});
