/**
 * Real images as a {@link SampleSource} for online training: a training split
 * to draw samples from (uniformly, with replacement) and a held-out split for
 * the error, both centred by the training split's mean pixel and scaled so the
 * average variance per pixel is 1 (the spiked data's noise floor), with the
 * principal components of the training split.
 *
 * @module
 */
import { pca } from "../../core/pca.ts";
import type { Rng } from "../../core/random.ts";
import type { Images } from "../../core/data/images.ts";
import type { SampleSource } from "./data.ts";

/** An image source with its held-out rows. */
export interface ImageSource extends SampleSource {
  /** Held-out rows `[testCount, D]`, transformed like the training rows. */
  test: Float64Array;
  testCount: number;
  /** Training rows `[trainCount, D]`, transformed. */
  train: Float64Array;
  trainCount: number;
  /** Mean pixel of the training split (added back to show images). */
  mean: Float64Array;
  /** The scale the centred pixels were divided by. */
  scale: number;
}

/**
 * The first `trainCount` images for training, the next `testCount` held out;
 * `components` keeps the leading `componentCount` principal directions.
 */
export function imageSource(
  images: Images,
  options: { trainCount: number; testCount: number; componentCount: number; name: string },
): ImageSource {
  const D = images.width * images.height;
  const { trainCount, testCount, componentCount } = options;
  if (trainCount + testCount > images.count) {
    throw new RangeError(
      `trainCount + testCount = ${trainCount + testCount} exceeds the ${images.count} images`,
    );
  }
  const mean = new Float64Array(D);
  for (let r = 0; r < trainCount; r++) {
    for (let i = 0; i < D; i++) mean[i] += images.pixels[r * D + i];
  }
  for (let i = 0; i < D; i++) mean[i] /= trainCount;
  let total = 0;
  for (let r = 0; r < trainCount; r++) {
    for (let i = 0; i < D; i++) total += (images.pixels[r * D + i] - mean[i]) ** 2;
  }
  const scale = Math.sqrt(total / (trainCount * D));
  const transform = (from: number, count: number) => {
    const out = new Float64Array(count * D);
    for (let r = 0; r < count; r++) {
      for (let i = 0; i < D; i++) {
        out[r * D + i] = (images.pixels[(from + r) * D + i] - mean[i]) / scale;
      }
    }
    return out;
  };
  const train = transform(0, trainCount);
  const test = transform(trainCount, testCount);
  const fit = pca(train, trainCount, D, { center: false });
  const k = Math.min(componentCount, D);
  return {
    dim: D,
    variances: fit.variances,
    components: fit.components.slice(0, k * D),
    componentCount: k,
    description: `${options.name}: ${trainCount} training images, ${testCount} held out, ` +
      `centred and scaled to unit mean variance per pixel`,
    train,
    trainCount,
    test,
    testCount,
    mean,
    scale,
    sample(rng: Rng, out: Float64Array) {
      const r = Math.floor(rng.uniform() * trainCount);
      out.set(train.subarray(r * D, (r + 1) * D));
    },
  };
}
