/**
 * lib/studies/nmf/kernel.ts: the fused float64 updates and objectives against
 * a dense float64 statement of the same updates (exact up to rounding), against
 * the tfjs reference of model.ts (float32), and the objective never increasing.
 */
import assert from "node:assert/strict";
import { loadMnist } from "../../../lib/core/data/images.ts";
import { loadTf } from "../../../lib/core/tf.ts";
import { nmfData } from "../../../lib/studies/nmf/data.ts";
import { nmfInit } from "../../../lib/studies/nmf/init.ts";
import { nmfObjective, nmfStep, nmfWorkspace } from "../../../lib/studies/nmf/kernel.ts";
import {
  cloneFactors,
  nmfBasis,
  nmfObjectiveTensors,
  nmfStepTensors,
  nmfTensors,
} from "../../../lib/studies/nmf/model.ts";
import { denseStep, randomMatrix, relDiff } from "./_helpers.ts";

Deno.test("nmfStep() equals a dense implementation of the updates (both objectives)", () => {
  // Sizes that leave remainders in every 4-way unrolled loop (r = 7, ragged rows).
  const n = 23;
  const d = 17;
  const V = randomMatrix(n, d, 3, 0.6);
  V[5] = 0; // and an all-zero column of V for good measure
  for (let i = 0; i < n; i++) V[i * d + 5] = 0;
  const data = nmfData(V, n, d);
  for (const objective of ["frobenius", "kl"] as const) {
    for (const init of ["random", "nndsvd", "nndsvda"] as const) {
      const ours = nmfInit(data, { rank: 7, init, seed: 4 });
      let ref = cloneFactors(ours);
      const ws = nmfWorkspace(ours);
      for (let t = 0; t < 5; t++) {
        const before = nmfStep(data, ours, objective, ws);
        const direct = nmfObjective(data, ref, objective);
        assert.ok(
          Math.abs(before - direct) <= 1e-12 * direct,
          `${objective}/${init} t=${t}: tracked objective ${before} vs ${direct}`,
        );
        ref = denseStep(V, ref, objective);
        assert.ok(relDiff(ours.W, ref.W) < 1e-12, `${objective}/${init} t=${t}: W`);
        assert.ok(relDiff(ours.Ht, ref.Ht) < 1e-12, `${objective}/${init} t=${t}: H`);
      }
    }
  }
});

Deno.test("multiplicative updates never increase the objective (both objectives, all inits)", async () => {
  // Tolerance: an increase of at most 1e-12 of the objective (rounding only).
  const img = await loadMnist({ limit: 80, seed: 3 });
  const cases = [
    { name: "sparse 40×30", V: randomMatrix(40, 30, 7, 0.4), n: 40, d: 30, r: 6 },
    { name: "dense 25×35", V: randomMatrix(25, 35, 8, 0), n: 25, d: 35, r: 9 },
    { name: "80 MNIST digits", V: img.pixels, n: 80, d: 784, r: 10 },
  ];
  for (const c of cases) {
    const data = nmfData(c.V, c.n, c.d);
    for (const objective of ["frobenius", "kl"] as const) {
      for (const init of ["random", "nndsvd", "nndsvda"] as const) {
        const f = nmfInit(data, { rank: c.r, init, seed: 1 });
        const ws = nmfWorkspace(f);
        let previous = nmfObjective(data, f, objective);
        const first = previous;
        for (let t = 1; t <= 300; t++) {
          nmfStep(data, f, objective, ws);
          const now = nmfObjective(data, f, objective);
          assert.ok(
            now <= previous * (1 + 1e-12),
            `${c.name}, ${objective}, ${init}: iteration ${t} raised ${previous} to ${now}`,
          );
          previous = now;
        }
        assert.ok(previous < 0.9 * first, `${c.name}, ${objective}, ${init}: little progress`);
      }
    }
  }
});

Deno.test("nmfStep() and nmfObjective() equal the tfjs reference of model.ts (float32)", async () => {
  // Tolerance 2e-6 relative (the largest difference over the largest entry, and of
  // the objective): tfjs computes in float32 (2⁻²³ ≈ 1.2e-7 per rounding) on float32
  // copies of the inputs, the kernel in float64; observed differences are below 1.8e-7.
  const TOL = 2e-6;
  const tf = await loadTf("cpu");
  const tensorsBefore = tf.memory().numTensors;
  const n = 11;
  const d = 9;
  const V = randomMatrix(n, d, 12, 0.4);
  const data = nmfData(V, n, d);
  for (const objective of ["frobenius", "kl"] as const) {
    for (const init of ["random", "nndsvd"] as const) {
      const f = nmfInit(data, { rank: 3, init, seed: 5 });
      const ws = nmfWorkspace(f);
      for (let t = 0; t < 3; t++) {
        const where = `${objective}/${init} t=${t}`;
        const tensors = nmfTensors(tf, { data, factors: f });
        const reference = nmfObjectiveTensors(tf, tensors, { objective });
        const next = nmfStepTensors(tf, tensors, { objective });
        const fused = nmfObjective(data, f, objective);
        const expected = reference.dataSync()[0];
        assert.ok(Math.abs(fused - expected) <= TOL * fused, `${where}: ${fused} vs ${expected}`);
        nmfStep(data, f, objective, ws);
        assert.ok(relDiff(f.W, next.W.dataSync()) < TOL, `${where}: W`);
        assert.ok(relDiff(nmfBasis(f), next.H.dataSync()) < TOL, `${where}: H`);
        tf.dispose([tensors.V, tensors.W, tensors.H, reference, next.W, next.H]);
      }
    }
  }
  // The reference leaves no tensor behind (tidy inside, the caller disposes what it returns).
  assert.equal(tf.memory().numTensors, tensorsBefore);
});
