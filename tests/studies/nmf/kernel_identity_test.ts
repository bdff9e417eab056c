/**
 * lib/studies/nmf/kernel.ts (WebAssembly SIMD) against the scalar loops it
 * replaced (_scalar_kernel.ts): every iteration's objective and both factors
 * must be bit-identical, on shapes that leave every remainder of the SIMD
 * loops (r odd and even, r below and above a chunk of eight, ragged rows).
 */
import assert from "node:assert/strict";
import { loadMnist } from "../../../lib/core/data/images.ts";
import { nmfData } from "../../../lib/studies/nmf/data.ts";
import { nmfInit } from "../../../lib/studies/nmf/init.ts";
import { nmfStep, nmfWorkspace } from "../../../lib/studies/nmf/kernel.ts";
import { cloneFactors } from "../../../lib/studies/nmf/model.ts";
import { scalarNmfStep, scalarWorkspace } from "./_scalar_kernel.ts";
import { randomMatrix } from "./_helpers.ts";

/** The index of the first entry where a and b differ as bits, or -1. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

Deno.test("nmfStep() is bit-identical to the scalar loops it replaced", async () => {
  const img = await loadMnist({ limit: 60, seed: 2 });
  const cases = [
    { name: "23×17 r=1", V: randomMatrix(23, 17, 3, 0.6), n: 23, d: 17, r: 1 },
    { name: "23×17 r=7", V: randomMatrix(23, 17, 3, 0.6), n: 23, d: 17, r: 7 },
    { name: "30×41 r=10", V: randomMatrix(30, 41, 5, 0.3), n: 30, d: 41, r: 10 },
    { name: "19×25 r=19", V: randomMatrix(19, 25, 6, 0), n: 19, d: 25, r: 19 },
    { name: "60 MNIST digits r=49", V: img.pixels, n: 60, d: 784, r: 49 },
  ];
  for (const c of cases) {
    const data = nmfData(c.V, c.n, c.d);
    for (const objective of ["frobenius", "kl"] as const) {
      for (const init of ["random", "nndsvda"] as const) {
        const simd = nmfInit(data, { rank: c.r, init, seed: 9 });
        const scalar = cloneFactors(simd);
        const ws = nmfWorkspace(simd);
        const sws = scalarWorkspace(scalar);
        for (let t = 0; t < 12; t++) {
          const where = `${c.name} ${objective}/${init} t=${t}`;
          const a = nmfStep(data, simd, objective, ws);
          const b = scalarNmfStep(data, scalar, objective, sws);
          assert.ok(Object.is(a, b), `${where}: objective ${a} vs ${b}`);
          assert.equal(firstDifference(simd.W, scalar.W), -1, `${where}: W`);
          assert.equal(firstDifference(simd.Ht, scalar.Ht), -1, `${where}: Ht`);
        }
      }
    }
  }
});
