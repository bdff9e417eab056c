/** The superposition data of the sae study (`lib/studies/sae/data.ts`). */
import assert from "node:assert/strict";
import {
  saeImageData,
  saeSuperpositionData,
  superpositionDirections,
  superpositionSample,
  SuperpositionStream,
} from "../../../lib/studies/sae/data.ts";
import type { Images } from "../../../lib/core/data/images.ts";
import { Rng } from "../../../lib/core/random.ts";
import { worstDifference } from "./_helpers.ts";

Deno.test("superposition data: unit directions, `active` distinct ones per example, reproducible batches", () => {
  const config = { dim: 8, features: 20, active: 3, seed: 9 };
  const t = superpositionDirections(config);
  for (let f = 0; f < config.features; f++) {
    const norm = Math.hypot(...t.subarray(f * 8, (f + 1) * 8));
    assert.ok(Math.abs(norm - 1) < 1e-12);
  }
  const stream = new SuperpositionStream(config);
  const out = new Float64Array(50 * 8);
  const batch = stream.batch(3, 50, out);
  for (let r = 0; r < 50; r++) {
    const chosen = batch.features.subarray(r * 3, (r + 1) * 3);
    assert.equal(new Set(chosen).size, 3);
    const expect = new Float64Array(8);
    chosen.forEach((f, a) => {
      const m = batch.magnitudes[r * 3 + a];
      assert.ok(m > 0 && m <= 1);
      for (let i = 0; i < 8; i++) expect[i] += m * t[f * 8 + i];
    });
    assert.ok(worstDifference(expect, out.subarray(r * 8, (r + 1) * 8)) < 1e-12);
  }
  const again = stream.batch(3, 50, new Float64Array(50 * 8));
  assert.deepEqual(again.x, out);
  assert.notDeepEqual(stream.batch(4, 50, new Float64Array(50 * 8)).x, out);
  assert.throws(
    () => superpositionSample({ ...config, active: 21 }, t, new Rng(1), 2),
    /active must be an integer >= 1 and <= 20, got 21/,
  );
});

Deno.test("SaeData.sample(): candidates depend on their seed alone and are never a training batch", () => {
  const data = saeSuperpositionData({ dim: 8, features: 20, active: 3, seed: 9 }, { evalRows: 16 });
  const a = new Float64Array(40 * 8);
  const b = new Float64Array(40 * 8);
  data.sample!(123, 40, a);
  data.sample!(123, 40, b);
  assert.deepEqual(a, b);
  data.sample!(124, 40, b);
  assert.notDeepEqual(a, b);
  const batch = new Float64Array(40 * 8);
  data.batch(0, 40, batch);
  assert.notDeepEqual(a, batch);
  // Images: training images only, drawn with replacement.
  const images: Images = {
    count: 6,
    width: 1,
    height: 1,
    pixels: Float32Array.from([0, 1, 2, 3, 4, 5]),
    labels: new Int32Array(6),
    source: "six pixels",
  };
  const img = saeImageData(images, { trainRows: 4, evalRows: 2, seed: 0 });
  const out = new Float64Array(200);
  img.sample!(7, 200, out);
  assert.deepEqual([...new Set(out)].sort(), [0, 1, 2, 3]);
});
