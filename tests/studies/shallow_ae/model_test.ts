/** The shallow autoencoder's reference model (lib/studies/shallow_ae/model.ts). */
import assert from "node:assert/strict";
import {
  ACTIVATIONS,
  BIAS_MODES,
  cloneShallowAe,
  initShallowAe,
  parseSetting,
  settingLabel,
  shallowAeForwardTensors,
  shallowAeTensors,
  WEIGHT_MODES,
} from "../../../lib/studies/shallow_ae/model.ts";
import { Rng } from "../../../lib/core/random.ts";
import { loadTf } from "../../../lib/core/tf.ts";

Deno.test("parseSetting() inverts settingLabel() for every setting and rejects other labels", () => {
  for (const activation of ACTIVATIONS) {
    for (const weights of WEIGHT_MODES) {
      for (const bias of BIAS_MODES) {
        const s = { activation, weights, bias };
        assert.deepEqual(parseSetting(settingLabel(s)), s);
      }
    }
  }
  for (const bad of ["tanh-tied-none", "relu-tied", "relu-tied-none-x", "relu-shared-none"]) {
    assert.equal(parseSetting(bad), undefined, bad);
  }
});

Deno.test("initShallowAe() ties v to w and starts every setting of a stream from the same encoder", () => {
  const tied = initShallowAe(parseSetting("erf-tied-both")!, 6, 2, new Rng(3), 0.5);
  const untied = initShallowAe(parseSetting("relu-untied-none")!, 6, 2, new Rng(3), 0.5);
  assert.equal(tied.v, tied.w);
  assert.deepEqual(tied.w, untied.w);
  assert.notEqual(untied.v, untied.w);
  const copy = cloneShallowAe(tied);
  assert.equal(copy.v, copy.w);
  assert.notEqual(copy.w, tied.w);
});

Deno.test("shallowAeForwardTensors() maps rows [batch, D] to reconstructions [batch, D] and leaks no tensors", async () => {
  const tf = await loadTf("cpu");
  const model = shallowAeTensors(
    tf,
    initShallowAe(parseSetting("relu-untied-both")!, 5, 3, new Rng(0)),
  );
  const x = tf.tensor2d(Array.from({ length: 10 }, (_, i) => i / 10), [2, 5]);
  const before = tf.memory().numTensors;
  const shape = tf.tidy(() => shallowAeForwardTensors(tf, { model, x }).shape);
  assert.deepEqual(shape, [2, 5]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([model.w, model.v, model.b, model.c, x]);
});
