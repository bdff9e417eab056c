/** Real images as a sample source (lib/studies/shallow_ae/image_source.ts). */
import assert from "node:assert/strict";
import { imageSource } from "../../../lib/studies/shallow_ae/image_source.ts";
import type { Images } from "../../../lib/core/data/images.ts";
import { Rng } from "../../../lib/core/random.ts";

Deno.test("imageSource() centres and scales the training split and holds out the rest", () => {
  const side = 4;
  const count = 60;
  const rng = new Rng(4);
  const pixels = new Float32Array(count * side * side);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.uniform();
  const images: Images = {
    count,
    width: side,
    height: side,
    pixels,
    labels: new Int32Array(count),
    source: "test",
  };
  const src = imageSource(images, { trainCount: 50, testCount: 10, componentCount: 3, name: "t" });
  const D = 16;
  let total = 0;
  for (let i = 0; i < D; i++) {
    let m = 0;
    for (let r = 0; r < 50; r++) m += src.train[r * D + i];
    assert.ok(Math.abs(m / 50) < 1e-12);
  }
  for (const v of src.train) total += v * v;
  assert.ok(Math.abs(total / (50 * D) - 1) < 1e-12);
  assert.ok(Math.abs((pixels[50 * D] - src.mean[0]) / src.scale - src.test[0]) < 1e-6);
  assert.equal(src.componentCount, 3);
  assert.throws(
    () => imageSource(images, { trainCount: 50, testCount: 11, componentCount: 3, name: "t" }),
    /exceeds the 60 images/,
  );
});
