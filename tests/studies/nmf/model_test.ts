/**
 * lib/studies/nmf/model.ts, the tfjs reference: each multiplicative update is
 * a gradient step on the reference objective (differentiated by tfjs) with
 * Lee & Seung's per-entry step sizes (Lee & Seung 2001, section 5), and the
 * helpers that move between the flat and the tensor layouts.
 */
import assert from "node:assert/strict";
import type * as tfNs from "@tensorflow/tfjs";
import { loadTf } from "../../../lib/core/tf.ts";
import { nmfData } from "../../../lib/studies/nmf/data.ts";
import { nmfInit } from "../../../lib/studies/nmf/init.ts";
import {
  nmfBasis,
  nmfObjectiveTensors,
  nmfReconstruct,
  nmfStepTensors,
  nmfTensors,
} from "../../../lib/studies/nmf/model.ts";
import { randomMatrix, relDiff } from "./_helpers.ts";

Deno.test("nmfStepTensors() is a gradient step on nmfObjectiveTensors() with step W/(denominator)", async () => {
  // W ← W − η ∘ ∇_W L with η = W / (W·HHᵀ) / 2 (Frobenius, whose gradient is
  // 2(W·HHᵀ − VHᵀ)) or η = W / (1·Hᵀ) (KL), and likewise for H from the new W.
  // Float32 throughout: tolerance 2e-6 of the largest entry (observed below 1.2e-7).
  const tf = await loadTf("cpu");
  const n = 8;
  const d = 6;
  const data = nmfData(randomMatrix(n, d, 21, 0.3), n, d);
  const start = nmfTensors(tf, {
    data,
    factors: nmfInit(data, { rank: 3, init: "random", seed: 2 }),
  });
  const { V } = start;
  for (const objective of ["frobenius", "kl"] as const) {
    const next = nmfStepTensors(tf, start, { objective });
    const loss = (W: tfNs.Tensor2D, H: tfNs.Tensor2D) =>
      nmfObjectiveTensors(tf, { V, W, H }, { objective });
    const expected = tf.tidy(() => {
      const gradW = tf.grad((W) => loss(W as tfNs.Tensor2D, start.H))(start.W);
      const denW = objective === "frobenius"
        ? start.W.matMul(start.H.matMul(start.H, false, true)).mul(2)
        : tf.onesLike(V).matMul(start.H, false, true);
      const W = start.W.sub(start.W.div(denW).mul(gradW)) as tfNs.Tensor2D;
      const gradH = tf.grad((H) => loss(next.W, H as tfNs.Tensor2D))(start.H);
      const denH = objective === "frobenius"
        ? next.W.matMul(next.W, true, false).matMul(start.H).mul(2)
        : next.W.matMul(tf.onesLike(V), true, false);
      const H = start.H.sub(start.H.div(denH).mul(gradH)) as tfNs.Tensor2D;
      return { W, H };
    });
    assert.ok(relDiff(next.W.dataSync(), expected.W.dataSync()) < 2e-6, `${objective}: W`);
    assert.ok(relDiff(next.H.dataSync(), expected.H.dataSync()) < 2e-6, `${objective}: H`);
    tf.dispose([next.W, next.H, expected.W, expected.H]);
  }
  tf.dispose([start.V, start.W, start.H]);
});

Deno.test("nmfTensors() lays out V, W and H so that W·H is nmfReconstruct()", async () => {
  const tf = await loadTf("cpu");
  const data = nmfData(randomMatrix(5, 4, 3, 0.2), 5, 4);
  const factors = nmfInit(data, { rank: 2, init: "nndsvda", seed: 0 });
  const t = nmfTensors(tf, { data, factors });
  assert.deepEqual([t.V.shape, t.W.shape, t.H.shape], [[5, 4], [5, 2], [2, 4]]);
  const WH = t.W.matMul(t.H);
  assert.ok(relDiff(WH.dataSync(), nmfReconstruct(factors)) < 1e-6);
  assert.ok(relDiff(t.H.dataSync(), nmfBasis(factors)) < 1e-7);
  tf.dispose([t.V, t.W, t.H, WH]);
  assert.throws(
    () => nmfTensors(tf, { data, factors: { ...factors, n: 4 } }),
    /factors are for 4×4; the data is 5×4/,
  );
});
