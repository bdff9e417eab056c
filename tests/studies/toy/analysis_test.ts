/** Reading a training run (`analysis.ts`): outcomes of a trained sweep, failure histories. */
import assert from "node:assert/strict";
import { STATES } from "../../../lib/studies/toy/outcomes.ts";
import { failureHistory, finalOutcomes, recoveryStats } from "../../../lib/studies/toy/analysis.ts";
import { symmetricFailureLoss } from "../../../lib/studies/toy/closed_forms.ts";
import { trainToy } from "../../../lib/studies/toy/train.ts";
import { toyRun } from "../../helpers.ts";

Deno.test("outcomes of a trained sweep are consistent with the cost of unlearnt features", async () => {
  // Each unlearnt feature (‖Wᵢ‖ < 0.1) outputs about a constant, which costs at least
  // about (n−1)/n³; an instance called "all learnt" has less than 1% of that.
  const n = 7;
  const run = await trainToy(toyRun({
    seeds: Array.from({ length: 48 }, (_, i) => i),
    optimizerName: "sgd",
    lr: 0.1,
    steps: 3000,
  }));
  const outcomes = finalOutcomes(run, { oneHot: true });
  const unlearntCount = outcomes.filter((o) => o.unlearnt.length > 0).length;
  assert.ok(unlearntCount > 10, "SGD at lr 0.1 leaves features unlearnt in many seeds");
  outcomes.forEach((o, i) => {
    const k = o.unlearnt.length;
    assert.ok(
      run.finalLoss[i] >= 0.9 * k * symmetricFailureLoss(n),
      `seed ${i}: ${k} unlearnt but loss ${run.finalLoss[i]}`,
    );
    if (o.unlearnt.length === 1 && o.symmetricFailure) {
      assert.ok(Math.abs(o.unlearntBias - 1 / n) < 0.1 / n);
    }
  });
});

Deno.test("failureHistory() finds when a failure starts, whether it recovers, and how", () => {
  const code = (s: string) => STATES.indexOf(s as typeof STATES[number]);
  // One instance over six snapshots: unlearnt at init, settles into Symmetric
  // Failure, skews, recovers.
  const states = [
    "3+ unlearnt",
    "1 unlearnt",
    "symmetric failure",
    "skewed failure",
    "other",
    "all learnt",
  ];
  const settled = [0, 0, 1, 1, 0, 0];
  const t = {
    steps: [0, 100, 200, 300, 400, 500],
    instances: 1,
    codes: Uint8Array.from(states.map(code)),
    symmetricFailure: Uint8Array.from(states.map((s) => (s === "symmetric failure" ? 1 : 0))),
    settled: Uint8Array.from(settled),
  };
  const h = failureHistory(t, 0);
  assert.deepEqual(h, {
    failedAt: 200,
    failureKind: "symmetric failure",
    failureUnlearnt: 1,
    symmetricAt: 200,
    recoveredAt: 500,
    skewed: true,
    episodes: 1,
  });
  const stats = recoveryStats([h, failureHistory({ ...t, settled: new Uint8Array(6) }, 0)]);
  assert.equal(stats.failed, 1);
  assert.equal(stats.recovered, 1);
  assert.equal(stats.duration.median, 300);
  assert.equal(stats.recoveredViaSkew, 1);
});
