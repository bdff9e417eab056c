/** Spiked Gaussian inputs (lib/studies/shallow_ae/data.ts). */
import assert from "node:assert/strict";
import { sampleRows, spikedGaussian } from "../../../lib/studies/shallow_ae/data.ts";
import { Rng } from "../../../lib/core/random.ts";

Deno.test("spikedGaussian() has the covariance it promises", () => {
  const src = spikedGaussian({ dim: 20, spikes: [5, 9, 3], noise: 0.5, seed: 3 });
  assert.deepEqual(src.spikes, [9, 5, 3]);
  const D = 20;
  const u = src.components;
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      let dot = 0;
      for (let i = 0; i < D; i++) dot += u[a * D + i] * u[b * D + i];
      assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-14);
    }
  }
  const rng = new Rng(1);
  const x = new Float64Array(D);
  const N = 100_000;
  const along = [0, 0, 0];
  let total = 0;
  for (let n = 0; n < N; n++) {
    src.sample(rng, x);
    for (let r = 0; r < 3; r++) {
      let dot = 0;
      for (let i = 0; i < D; i++) dot += u[r * D + i] * x[i];
      along[r] += dot * dot;
    }
    for (let i = 0; i < D; i++) total += x[i] * x[i];
  }
  // Sample variances within 3% (their relative standard error is √(2/N) ≈ 0.45%).
  [9, 5, 3].forEach((v, r) => assert.ok(Math.abs(along[r] / N / v - 1) < 0.03, `spike ${r}`));
  const trace = 9 + 5 + 3 + 17 * 0.5;
  assert.ok(Math.abs(total / N / trace - 1) < 0.01);
  assert.throws(
    () => spikedGaussian({ dim: 5, spikes: [2, 0.5], noise: 1, seed: 0 }),
    /every spike must exceed the noise floor/,
  );
});

Deno.test("sampleRows() stacks consecutive samples of one stream", () => {
  const src = spikedGaussian({ dim: 4, spikes: [3], noise: 1, seed: 0 });
  const rows = sampleRows(src, { count: 3, rng: new Rng(5) });
  const rng = new Rng(5);
  const x = new Float64Array(4);
  for (let r = 0; r < 3; r++) {
    src.sample(rng, x);
    assert.deepEqual(rows.subarray(r * 4, (r + 1) * 4), x);
  }
});
