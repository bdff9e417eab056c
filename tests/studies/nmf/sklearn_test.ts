/**
 * lib/studies/nmf/sklearn.ts: whole runs of the lab's NMF against scikit-learn
 * 1.2's `solver="mu"` (fixture data/reference/nmf_sklearn.json).
 */
import assert from "node:assert/strict";
import { loadMnist } from "../../../lib/core/data/images.ts";
import { nmfData } from "../../../lib/studies/nmf/data.ts";
import { nmfInit } from "../../../lib/studies/nmf/init.ts";
import type { NmfObjective } from "../../../lib/studies/nmf/model.ts";
import { loadSklearnNmfFixture, sklearnNmfComparison } from "../../../lib/studies/nmf/sklearn.ts";
import { fitNmf } from "../../../lib/studies/nmf/train.ts";

const fixture = await loadSklearnNmfFixture();

Deno.test("NMF on 500 MNIST digits agrees with scikit-learn's solver='mu' (fixture)", async () => {
  const rows = await sklearnNmfComparison(fixture);
  assert.equal(rows.length, fixture.runs.length * 9);
  // Tolerances (observed differences in brackets):
  // - exact-SVD NNDSVD(a): the same arithmetic as sklearn, 1e-11 [≤ 1.1e-14];
  // - sklearn's randomized SVD: its trailing singular vectors differ from the
  //   exact ones in the 5th digit, 1e-3 [≤ 1.3e-4];
  // - random: numpy's generator draws other numbers from the same
  //   distribution, so only the scale is shared: 5% at the start [≤ 0.7%]
  //   and 1% after 200 iterations [≤ 0.2%].
  for (const row of rows) {
    const tol = row.init.endsWith("-exact")
      ? 1e-11
      : row.init === "nndsvd"
      ? 1e-3
      : row.iteration === 0
      ? 0.05
      : row.iteration === fixture.iterations
      ? 0.01
      : Infinity;
    assert.ok(
      Math.abs(row.relative_difference) <= tol,
      `${row.init}/${row.objective} at t=${row.iteration}: ${row.lab} vs ${row.sklearn}`,
    );
  }
  // The exact runs once more, by hand: the table's numbers, the other objective,
  // reconstruction_err_ and the zeros of the start.
  const d = fixture.data;
  const img = await loadMnist({ limit: d.limit, seed: d.seed });
  const data = nmfData(img.pixels, img.count, d.d);
  assert.ok(Math.abs(data.sum - d.sum) <= 1e-12 * d.sum);
  assert.ok(Math.abs(data.sumSq - d.sum_sq) <= 1e-12 * d.sum_sq);
  for (const run of fixture.runs.filter((r) => r.init === "nndsvd-exact")) {
    const start = nmfInit(data, { rank: fixture.rank, init: "nndsvd", seed: 0 });
    const fit = await fitNmf(data, start, {
      objective: run.objective,
      iterations: fixture.iterations,
    });
    for (const row of rows.filter((r) => r.init === run.init && r.objective === run.objective)) {
      assert.equal(row.lab, fit.history[row.iteration]);
    }
    const other: NmfObjective = run.objective === "frobenius" ? "kl" : "frobenius";
    const rel = Math.abs(fit.final[other] - run.final[other]) / run.final[other];
    assert.ok(rel < 1e-11, `${run.init}/${run.objective}: final ${other}`);
    // reconstruction_err_ is √(2·divergence): √‖V − WH‖² for Frobenius, √(2D) for KL.
    const err = Math.sqrt(run.objective === "frobenius" ? fit.final.frobenius : 2 * fit.final.kl);
    assert.ok(Math.abs(err - run.reconstruction_err) < 1e-10 * run.reconstruction_err);
    let wz = 0;
    for (const x of start.W) if (x === 0) wz++;
    assert.equal(wz, run.start.W_zeros);
  }
});
