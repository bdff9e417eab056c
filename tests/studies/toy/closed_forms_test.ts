/**
 * The closed-form states of “Optimization Failure” (`closed_forms.ts`) as oracles: the
 * regular n-gon reconstructs one-hot data exactly and is stationary, Symmetric
 * Failure costs (n−1)/n³ and is stationary, and a merged pair costs 1/n².
 */
import assert from "node:assert/strict";
import { identityBatch } from "../../../lib/studies/toy/data.ts";
import { identityLoss } from "../../../lib/studies/toy/analysis.ts";
import { classifyToy } from "../../../lib/studies/toy/outcomes.ts";
import {
  mergedPair,
  regularPolygon,
  symmetricFailure,
  symmetricFailureLoss,
} from "../../../lib/studies/toy/closed_forms.ts";
import { fusedGrad } from "./_kernel_helpers.ts";

Deno.test("the regular n-gon reconstructs one-hot data exactly and is stationary", () => {
  for (let n = 4; n <= 16; n++) {
    const { W, b } = regularPolygon(n, 0.3);
    assert.ok(identityLoss(W, b) < 1e-24, `n=${n}: loss ${identityLoss(W, b)}`);
    const { grad } = fusedGrad(W, b, identityBatch(n), new Float64Array(n).fill(1));
    assert.ok(Math.max(...grad.map(Math.abs)) < 1e-12, `n=${n}: gradient is not zero`);
  }
});

Deno.test("Symmetric Failure has loss (n−1)/n³ for n >= 5, and more for n = 4", () => {
  for (let n = 5; n <= 16; n++) {
    const { W, b } = symmetricFailure(n, { unlearnt: n % 3 });
    const loss = identityLoss(W, b);
    assert.ok(Math.abs(loss - symmetricFailureLoss(n)) < 1e-15, `n=${n}: ${loss}`);
  }
  // With a 3-gon the learnt biases are +1/3, so the three learnt features also
  // output 1/3 on the unlearnt example: (3/4 + 3·(1/3)²) / 4² instead of 3/64.
  const { W, b } = symmetricFailure(4);
  assert.ok(Math.abs(identityLoss(W, b) - (3 / 4 + 1 / 3) / 16) < 1e-15);
});

Deno.test("Symmetric Failure is stationary: b_n = 1/n is the best constant and W_n = 0 has zero gradient", () => {
  for (const n of [5, 7, 10]) {
    const { W, b } = symmetricFailure(n);
    const { grad } = fusedGrad(W, b, identityBatch(n), new Float64Array(n).fill(1));
    assert.ok(Math.max(...grad.map(Math.abs)) < 1e-12, `n=${n}`);
  }
});

Deno.test("a merged pair costs 1/n² and is classified as merged features", () => {
  for (const n of [5, 7, 10]) {
    const { W, b } = mergedPair(n, 0.4);
    const loss = identityLoss(W, b);
    assert.ok(Math.abs(loss - 1 / n ** 2) < 1e-15, `n=${n}: ${loss}`);
    const o = classifyToy(W, b, loss);
    assert.equal(o.state, "merged features");
    assert.equal(o.mergedPairs, 1);
    assert.ok(o.settled && o.unlearnt.length === 0);
  }
  // The regular polygon has no merged pair.
  const ngon = regularPolygon(12);
  assert.equal(classifyToy(ngon.W, ngon.b, 0).mergedPairs, 0);
});
