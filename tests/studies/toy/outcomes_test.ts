/** Outcome classification (`outcomes.ts`): the thresholds for unlearnt, settled and skewed states. */
import assert from "node:assert/strict";
import { classifyToy, outcomeLabel, UNLEARNT_NORM } from "../../../lib/studies/toy/outcomes.ts";
import {
  regularPolygon,
  symmetricFailure,
  symmetricFailureLoss,
} from "../../../lib/studies/toy/closed_forms.ts";

Deno.test("classifyToy(): thresholds for unlearnt features, learnt loss and Symmetric Failure", () => {
  const n = 7;
  const ngon = regularPolygon(n);
  assert.equal(classifyToy(ngon.W, ngon.b, 0).outcome, "all_learnt");

  const sf = symmetricFailure(n, { unlearnt: 2 });
  const o = classifyToy(sf.W, sf.b, symmetricFailureLoss(n));
  assert.equal(o.outcome, "unlearnt");
  assert.deepEqual(o.unlearnt, [3]);
  assert.ok(o.biasAtMean && o.symmetricFailure);
  assert.equal(outcomeLabel(o), "symmetric failure");
  assert.ok(o.settled && o.regular);

  // The norm threshold sits at 0.1: just below counts as unlearnt, just above does not.
  const at = (norm: number) => {
    const W = sf.W.map((row) => [...row]);
    W[0][2] = norm;
    return classifyToy(W, sf.b, symmetricFailureLoss(n)).unlearnt.length;
  };
  assert.equal(at(UNLEARNT_NORM * 0.99), 1);
  assert.equal(at(UNLEARNT_NORM * 1.01), 0);

  // A bias 20% away from 1/n is not "at 1/n", so not Symmetric Failure either.
  const b = [...sf.b];
  b[2] = 1.2 / n;
  const off = classifyToy(sf.W, b, symmetricFailureLoss(n));
  assert.ok(!off.biasAtMean && !off.symmetricFailure);
  // A loss far from (n−1)/n³ is not Symmetric Failure.
  assert.ok(!classifyToy(sf.W, sf.b, 3 * symmetricFailureLoss(n)).symmetricFailure);
  assert.equal(classifyToy(sf.W, sf.b, NaN).outcome, "diverged");
  assert.equal(classifyToy(sf.W, sf.b, 1, { oneHot: false }).outcome, "unlearnt");
});

Deno.test("classifyToy(): a settled failure with an irregular polygon is a skewed failure", () => {
  const n = 7;
  const sf = symmetricFailure(n);
  // Stretch two learnt columns by 20%: still one unlearnt feature and (we pretend) the
  // loss of a settled failure, but the polygon is no longer regular.
  const W = sf.W.map((row) => row.map((v, i) => (i < 2 ? 1.2 * v : v)));
  const o = classifyToy(W, sf.b, symmetricFailureLoss(n));
  assert.equal(o.state, "skewed failure");
  assert.ok(o.settled && !o.regular && !o.symmetricFailure);
  // Not settled (the other features are not learnt yet): just "1 unlearnt".
  assert.equal(classifyToy(sf.W, sf.b, 4 * symmetricFailureLoss(n)).state, "1 unlearnt");
  // Two unlearnt features with the loss of two: settled.
  const two = symmetricFailure(n);
  two.W[0][0] = two.W[1][0] = 0;
  const o2 = classifyToy(two.W, two.b, 2 * symmetricFailureLoss(n));
  assert.equal(o2.state, "2 unlearnt");
  assert.ok(o2.settled);
});
