/**
 * The reference model (`model.ts`): the tfjs forward pass against the closed
 * form of one-hot data, ReLU(WᵀW + b), for a shared and a per-instance batch;
 * the flat parameter layout round trip.
 */
import assert from "node:assert/strict";
import {
  concatToyParams,
  instanceB,
  instanceW,
  toyForwardTensors,
  toyParamsFrom,
} from "../../../lib/studies/toy/model.ts";
import { identityReconstruction } from "../../../lib/studies/toy/geometry.ts";
import { Rng } from "../../../lib/core/random.ts";
import { loadTf } from "../../../lib/core/tf.ts";
import { maxAbsDiff, randomState } from "./_kernel_helpers.ts";

Deno.test("toyForwardTensors() on one-hot data is ReLU(WᵀW + b), for a shared and a per-instance batch", async () => {
  const tf = await loadTf("cpu");
  const rng = new Rng(3);
  const n = 6;
  const m = 2;
  const states = [randomState(rng, n, m), randomState(rng, n, m)];
  // Row k of the expected output is the reconstruction of example eₖ.
  const expected = states.flatMap(({ W, b }) => identityReconstruction(W, b).flat());
  const [shared, perInstance] = tf.tidy(() => {
    const W = tf.tensor3d(states.map((s) => s.W)); // [instances, m, n]
    const b = tf.tensor2d(states.map((s) => s.b)); // [instances, n]
    const x = tf.eye(n); // [batch, n]
    const x3 = tf.stack([x, x]); // [instances, batch, n]
    return [toyForwardTensors(tf, W, b, x), toyForwardTensors(tf, W, b, x3)].map((y) => {
      assert.deepEqual(y.shape, [2, n, n]);
      return y.dataSync();
    });
  });
  assert.ok(maxAbsDiff(shared, expected) < 1e-6, "shared batch");
  assert.deepEqual(perInstance, shared);
});

Deno.test("toyParamsFrom(), instanceW(), instanceB() and concatToyParams() keep the [W, b] layout", () => {
  const W = [[1, 2, 3], [4, 5, 6]];
  const b = [7, 8, 9];
  const both = concatToyParams([toyParamsFrom(W, b), toyParamsFrom(W, b)]);
  assert.deepEqual(Array.from(both.data.subarray(0, 9)), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(instanceW(both, 1), W);
  assert.deepEqual(instanceB(both, 1), b);
  assert.throws(
    () => concatToyParams([toyParamsFrom(W, b), toyParamsFrom(W, null)]),
    /one shape/,
  );
});
