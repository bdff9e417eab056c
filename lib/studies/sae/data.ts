/**
 * Data with a known answer for sparse autoencoders: more unit directions than
 * dimensions ("features in superposition"), and examples that are sparse,
 * non-negative combinations of them. A dictionary learner that works should
 * find the directions again; the lab measures how close it gets (see
 * `analysis/sae.ts`).
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
 * @module
 */
import { deriveSeed, MAX_SEED, Rng } from "../../core/random.ts";
import { assertInteger } from "../../core/validate.ts";

/** Shape and seed of a superposition dataset. */
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

/** The true directions: `[features, dim]`, each row of unit length. */
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
  readonly config: SuperpositionConfig;
  /** `[features, dim]`, unit rows. */
  readonly directions: Float64Array;

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
