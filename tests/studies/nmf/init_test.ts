/**
 * lib/studies/nmf/init.ts: NNDSVD against scikit-learn's fixture and the
 * singular triplets it is built from.
 */
import assert from "node:assert/strict";
import { nmfData } from "../../../lib/studies/nmf/data.ts";
import { nmfInit, topSingularTriplets } from "../../../lib/studies/nmf/init.ts";
import { nmfBasis } from "../../../lib/studies/nmf/model.ts";
import { loadSklearnNmfFixture } from "../../../lib/studies/nmf/sklearn.ts";
import { randomMatrix, relDiff } from "./_helpers.ts";

const fixture = await loadSklearnNmfFixture();

Deno.test("nndsvd() reproduces scikit-learn's NNDSVD and NNDSVDa of a 6 × 5 matrix", () => {
  const tiny = fixture.tiny;
  const X = tiny.X.flat();
  const data = nmfData(X, 6, 5);
  for (const init of ["nndsvd", "nndsvda"] as const) {
    const f = nmfInit(data, { rank: tiny.rank, init, seed: 0 });
    const W = tiny[init].W.flat();
    const H = tiny[init].H.flat();
    assert.ok(relDiff(f.W, W) < 1e-12, `${init}: W ${f.W} vs ${W}`);
    assert.ok(relDiff(nmfBasis(f), H) < 1e-12, `${init}: H`);
  }
  // sklearn's randomized SVD is exact at this size: the two fixture entries agree too.
  assert.ok(
    relDiff(tiny.nndsvd.W.flat(), tiny["nndsvd-exact"].W.flat()) <
      1e-12,
  );
});

Deno.test("topSingularTriplets() satisfies Vv = σu through either Gram matrix", () => {
  for (const [n, d] of [[12, 7], [7, 12]]) {
    const V = randomMatrix(n, d, n * 100 + d, 0.3);
    const data = nmfData(V, n, d);
    const svd = topSingularTriplets(data, 4);
    for (let c = 0; c < 4; c++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += V[i * d + j] * svd.v[j * 4 + c];
        assert.ok(
          Math.abs(s - svd.s[c] * svd.u[i * 4 + c]) < 1e-10 * svd.s[0],
          `${n}×${d}, c=${c}`,
        );
      }
      if (c > 0) assert.ok(svd.s[c] <= svd.s[c - 1]);
    }
  }
});
