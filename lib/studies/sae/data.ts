/**
 * Data with a known answer for sparse autoencoders: more unit directions than
 * dimensions ("features in superposition"), and examples that are sparse,
 * non-negative combinations of them. A dictionary learner that works should
 * find the directions again; the lab measures how close it gets (see
 * `analysis.ts`). the research notes tests sparse autoencoders this way before trusting
 * them on data whose answer is unknown.
 *
 * Each example picks `active` distinct directions uniformly at random and
 * weights each by a magnitude drawn uniformly from (0, 1]:
 *
 *   x = Σ_{f ∈ S} m_f t_f,   |S| = active,   m_f ~ U(0, 1].
 *
 * The directions are Gaussian vectors scaled to unit length. Batches are a
 * function of (seed, step), so every instance of a run sees the same stream
 * and a batch can be drawn again without replaying the ones before it.
 *
 * What the trainer reads is an {@link SaeData}: a batch stream plus a
 * held-out set and the statistics the loss is normalised by.
 * {@link saeSuperpositionData} makes one from this data, {@link saeImageData}
 * from images (MNIST in part 2, reshuffled every epoch by a seeded
 * permutation). Either way batch `step` depends on the seed and the step
 * alone, which is what lets a resumed run see exactly the batches it would
 * have seen. Both also draw the candidate examples of resampling
 * (`SaeData.sample`) from streams seeded apart from every batch.
 *
 * @module
 */
import type { Images } from "../../core/data/images.ts";
import { deriveSeed, MAX_SEED, Rng } from "../../core/random.ts";
import { assertInteger } from "../../core/validate.ts";

/**
 * Shape and seed of a superposition dataset.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SuperpositionConfig } from "./data.ts";
 * // Four times as many directions as dimensions, two on in each example.
 * const config: SuperpositionConfig = { dim: 8, features: 32, active: 2, seed: 0 };
 * assert.ok(config.features > config.dim);
 * ```
 */
export interface SuperpositionConfig {
  /** Dimension of the examples (d). */
  dim: number;
  /** Number of true directions (more than `dim` puts them in superposition). */
  features: number;
  /** Directions active in every example. */
  active: number;
  /** Seed of the directions and of every batch. */
  seed: number;
}

/** Throws a RangeError naming the first setting that is out of range. */
export function validateSuperposition(c: SuperpositionConfig): void {
  assertInteger(c.dim, "dim", { min: 1 });
  assertInteger(c.features, "features", { min: 1 });
  assertInteger(c.active, "active", { min: 1, max: c.features });
  assertInteger(c.seed, "seed", { min: 0, max: MAX_SEED });
}

/**
 * The true directions: `[features, dim]`, each row of unit length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { superpositionDirections } from "./data.ts";
 * const t = superpositionDirections({ dim: 3, features: 5, active: 1, seed: 0 });
 * assert.equal(t.length, 5 * 3);
 * assert.ok(Math.abs(Math.hypot(t[0], t[1], t[2]) - 1) < 1e-12);
 * ```
 */
export function superpositionDirections(c: SuperpositionConfig): Float64Array {
  validateSuperposition(c);
  const rng = new Rng(deriveSeed(c.seed, "superposition-directions"));
  const t = new Float64Array(c.features * c.dim);
  for (let f = 0; f < c.features; f++) {
    rng.fillUnitVector(t.subarray(f * c.dim, (f + 1) * c.dim));
  }
  return t;
}

/** One batch and the coefficients that made it. */
export interface SuperpositionBatch {
  /** Examples in the batch. */
  rows: number;
  /** `[rows, dim]`. */
  x: Float64Array;
  /** Active directions of each example, `[rows, active]`. */
  features: Int32Array;
  /** Their magnitudes, `[rows, active]`. */
  magnitudes: Float64Array;
}

/**
 * Draws `rows` examples from `rng` into `out` (`[rows, dim]`, overwritten).
 * Returns the active directions and magnitudes as well.
 */
export function superpositionSample(
  c: SuperpositionConfig,
  directions: Float64Array,
  rng: Rng,
  rows: number,
  out: Float64Array = new Float64Array(rows * c.dim),
): SuperpositionBatch {
  validateSuperposition(c);
  const { dim, features, active } = c;
  const chosen = new Int32Array(rows * active);
  const magnitudes = new Float64Array(rows * active);
  out.fill(0, 0, rows * dim);
  for (let r = 0; r < rows; r++) {
    const base = r * active;
    for (let a = 0; a < active; a++) {
      // Distinct directions by rejection: active is small next to features.
      let f: number;
      let again: boolean;
      do {
        f = Math.floor(rng.uniform() * features);
        again = false;
        for (let b = 0; b < a; b++) if (chosen[base + b] === f) again = true;
      } while (again);
      const m = rng.uniformOpenClosed();
      chosen[base + a] = f;
      magnitudes[base + a] = m;
      const t = f * dim;
      const o = r * dim;
      for (let i = 0; i < dim; i++) out[o + i] += m * directions[t + i];
    }
  }
  return { rows, x: out, features: chosen, magnitudes };
}

/**
 * A seeded stream of batches: batch `step` is the same whenever it is drawn.
 * The evaluation set comes from its own seed, apart from every training batch.
 */
export class SuperpositionStream {
  /** The dataset's shape and seed. */
  readonly config: SuperpositionConfig;
  /** `[features, dim]`, unit rows. */
  readonly directions: Float64Array;

  /** Draws the directions of `config`. */
  constructor(config: SuperpositionConfig) {
    this.config = config;
    this.directions = superpositionDirections(config);
  }

  /** Writes training batch `step` (`rows` examples) into `out`. */
  batch(step: number, rows: number, out: Float64Array): SuperpositionBatch {
    const rng = new Rng(deriveSeed(this.config.seed, "superposition-batch", step));
    return superpositionSample(this.config, this.directions, rng, rows, out);
  }

  /** `rows` held-out examples (never a training batch). */
  evalSet(rows: number): SuperpositionBatch {
    const rng = new Rng(deriveSeed(this.config.seed, "superposition-eval"));
    return superpositionSample(this.config, this.directions, rng, rows);
  }
}

/**
 * A seeded stream of training batches and a held-out evaluation set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeData } from "./data.ts";
 * // Every batch is the same two examples of a 2-dimensional dataset.
 * const two = Float64Array.from([1, 0, 0, 1]);
 * const data: SaeData = {
 *   name: "two points",
 *   dim: 2,
 *   batch: (_step, rows, out) => out.set(two.subarray(0, rows * 2)),
 *   variance: 0.5,
 *   mean: Float64Array.from([0.5, 0.5]),
 *   evalX: two,
 *   evalRows: 2,
 *   evalDeviation: 1,
 * };
 * const out = new Float64Array(4);
 * data.batch(0, 2, out);
 * assert.deepEqual(out, two);
 * ```
 */
export interface SaeData {
  /** What the data is, for tables. */
  name: string;
  /** Dimension of the examples. */
  dim: number;
  /** Writes training batch `step` (`rows` examples, `[rows, dim]`) into `out`. */
  batch(step: number, rows: number, out: Float64Array): void;
  /** V: mean over training examples of ‖x − mean‖² (normalises the loss). */
  variance: number;
  /** Mean of the training examples (b_pre starts here). */
  mean: Float64Array;
  /** `[evalRows, dim]`, never a training example. */
  evalX: Float64Array;
  /** Examples in `evalX`. */
  evalRows: number;
  /** Σ‖x − x̄‖² over the evaluation set (the denominator of its normalised MSE). */
  evalDeviation: number;
  /**
   * Writes `rows` examples of a stream of their own, seeded by `seed` alone,
   * into `out` (`[rows, dim]`): the candidates of dead-latent resampling
   * (`resample.ts`). Data without it cannot resample.
   */
  sample?(seed: number, rows: number, out: Float64Array): void;
}

function meanAndDeviation(x: Float64Array, rows: number, dim: number) {
  const mean = new Float64Array(dim);
  for (let b = 0; b < rows; b++) for (let i = 0; i < dim; i++) mean[i] += x[b * dim + i];
  for (let i = 0; i < dim; i++) mean[i] /= rows;
  let deviation = 0;
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < dim; i++) deviation += (x[b * dim + i] - mean[i]) ** 2;
  }
  return { mean, deviation };
}

/**
 * Superposition data (see `data.ts`) as an SAE stream. The variance and mean
 * come from `statsRows` examples of their own seed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeSuperpositionData } from "./data.ts";
 * const data = saeSuperpositionData({ dim: 4, features: 6, active: 2, seed: 0 }, { evalRows: 16 });
 * assert.equal(data.evalX.length, 16 * 4);
 * assert.equal(data.directions.length, 6 * 4);
 * ```
 */
export function saeSuperpositionData(
  config: SuperpositionConfig,
  options: { evalRows: number; statsRows?: number },
): SaeData & { directions: Float64Array; features: number } {
  const stream = new SuperpositionStream(config);
  const statsRows = options.statsRows ?? 8192;
  // The same directions, examples from a seed of their own.
  const rng = new Rng(deriveSeed(config.seed, "superposition-stats"));
  const sample = superpositionSample(config, stream.directions, rng, statsRows).x;
  const { mean, deviation } = meanAndDeviation(sample, statsRows, config.dim);
  const ev = stream.evalSet(options.evalRows);
  return {
    name: `superposition (d=${config.dim}, ${config.features} directions, ${config.active} active)`,
    dim: config.dim,
    batch: (step, rows, out) => void stream.batch(step, rows, out),
    variance: deviation / statsRows,
    mean,
    evalX: ev.x,
    evalRows: options.evalRows,
    evalDeviation: meanAndDeviation(ev.x, options.evalRows, config.dim).deviation,
    directions: stream.directions,
    features: config.features,
    sample: (seed, rows, out) =>
      void superpositionSample(config, stream.directions, new Rng(seed), rows, out),
  };
}

/**
 * Images as an SAE stream: the first `trainRows` images train (reshuffled
 * every epoch with a seeded permutation), the next `evalRows` are held out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeImageData } from "./data.ts";
 * import type { Images } from "../../core/data/images.ts";
 * const images: Images = {
 *   count: 4,
 *   width: 2,
 *   height: 1,
 *   pixels: Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]),
 *   labels: new Int32Array(4),
 *   source: "four pixels pairs",
 * };
 * const data = saeImageData(images, { trainRows: 3, evalRows: 1, seed: 0 });
 * assert.deepEqual(Array.from(data.evalX), [1, 1]); // the last image is held out
 * ```
 */
export function saeImageData(
  images: Images,
  options: { trainRows: number; evalRows: number; seed: number },
): SaeData {
  const dim = images.width * images.height;
  const { trainRows, evalRows, seed } = options;
  if (!Number.isInteger(trainRows) || trainRows < 1 || trainRows + evalRows > images.count) {
    throw new RangeError(
      `trainRows + evalRows must be <= ${images.count} images, got ${trainRows} + ${evalRows}`,
    );
  }
  const train = Float64Array.from(images.pixels.subarray(0, trainRows * dim));
  const evalX = Float64Array.from(
    images.pixels.subarray(trainRows * dim, (trainRows + evalRows) * dim),
  );
  const { mean, deviation } = meanAndDeviation(train, trainRows, dim);
  const perms = new Map<number, Int32Array>();
  const permutation = (epoch: number): Int32Array => {
    let p = perms.get(epoch);
    if (!p) {
      p = Int32Array.from({ length: trainRows }, (_, k) => k);
      const rng = new Rng(deriveSeed(seed, "image-epoch", epoch));
      for (let k = trainRows - 1; k > 0; k--) {
        const j = Math.floor(rng.uniform() * (k + 1));
        const t = p[k];
        p[k] = p[j];
        p[j] = t;
      }
      if (perms.size > 2) perms.delete(Math.min(...perms.keys()));
      perms.set(epoch, p);
    }
    return p;
  };
  return {
    name: `${images.source} (${trainRows} training images, ${evalRows} held out)`,
    dim,
    batch(step, rows, out) {
      for (let r = 0; r < rows; r++) {
        const q = step * rows + r;
        const src = permutation(Math.floor(q / trainRows))[q % trainRows];
        out.set(train.subarray(src * dim, (src + 1) * dim), r * dim);
      }
    },
    variance: deviation / trainRows,
    mean,
    evalX,
    evalRows,
    evalDeviation: meanAndDeviation(evalX, evalRows, dim).deviation,
    sample(seed, rows, out) {
      // Training images drawn with replacement.
      const rng = new Rng(seed);
      for (let r = 0; r < rows; r++) {
        const src = Math.floor(rng.uniform() * trainRows);
        out.set(train.subarray(src * dim, (src + 1) * dim), r * dim);
      }
    },
  };
}
