/** lib/core/plots/images.ts: the PNG an image grid embeds. */
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { imageGridSpec } from "../../../lib/core/plots/images.ts";

Deno.test("imageGridSpec() embeds the images as a PNG with one pixel per image pixel", () => {
  // Two 2 × 2 images, side by side with a 1-pixel grey gap, zoom 1.
  const spec = imageGridSpec([1, 0, 0, 0.5, 0, 1, 1, 0], {
    count: 2,
    width: 2,
    height: 2,
    columns: 2,
    normalize: "none",
    maxSide: 5,
  }) as unknown as { data: { values: { url: string }[] }; width: number; height: number };
  assert.equal(spec.width, 5);
  assert.equal(spec.height, 2);
  const png = Uint8Array.from(atob(spec.data.values[0].url.split(",")[1]), (c) => c.charCodeAt(0));
  // Parse IHDR and the (single) IDAT chunk.
  const view = new DataView(png.buffer);
  assert.equal(view.getUint32(16), 5);
  assert.equal(view.getUint32(20), 2);
  const idatLength = view.getUint32(33);
  const raw = new Uint8Array(inflateSync(png.subarray(41, 41 + idatLength)));
  const grey = (x: number, y: number) => raw[y * (1 + 15) + 1 + 3 * x];
  // Row 0: image 1 (1 → black, 0 → white), gap (grey 200), image 2 (0 → white, 1 → black).
  assert.deepEqual([0, 1, 2, 3, 4].map((x) => grey(x, 0)), [0, 255, 200, 255, 0]);
  assert.deepEqual([0, 1, 2, 3, 4].map((x) => grey(x, 1)), [255, 128, 200, 0, 255]);
});
