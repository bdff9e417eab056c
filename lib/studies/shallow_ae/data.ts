/**
 * Gaussian inputs with a spiked covariance: a few large, distinct variances
 * along random orthonormal directions u₁ … u_R on an isotropic noise floor,
 *
 *   x = Σᵣ √(λᵣ − σ²) cᵣ uᵣ + σ z,   cᵣ ~ N(0, 1), z ~ N(0, I_D),
 *
 * so Cov(x) = σ² I + Σᵣ (λᵣ − σ²) uᵣuᵣᵀ has eigenvalues λ₁ … λ_R along the
 * spikes and σ² in every other direction. The principal components and the
 * PCA error are therefore known exactly.
 *
 * @module
 */
import { deriveSeed, Rng } from "../../core/random.ts";

/**
 * A source of samples with known (or estimated) principal components.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng, type SampleSource, spikedGaussian } from "../../mod.ts";
 * const source: SampleSource = spikedGaussian({ dim: 3, spikes: [4], noise: 1, seed: 0 });
 * const x = new Float64Array(source.dim);
 * source.sample(new Rng(0), x);
 * assert.equal(source.componentCount, 1);
 * assert.ok(x.every(Number.isFinite));
 * ```
 */
export interface SampleSource {
  /** Input dimension D. */
  dim: number;
  /** Fills `out` (length D) with one sample. */
  sample(rng: Rng, out: Float64Array): void;
  /** Variances along the principal components, descending (length D). */
  variances: Float64Array;
  /** The leading principal directions as rows `[count, D]`, unit norm. */
  components: Float64Array;
  /** How many rows `components` has. */
  componentCount: number;
  /** What the data is, for tables and captions. */
  description: string;
}

/**
 * Parameters of {@link spikedGaussian}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SpikedConfig } from "../../mod.ts";
 * const config: SpikedConfig = { dim: 100, spikes: [31, 21, 11], noise: 1, seed: 0 };
 * assert.ok(config.spikes.every((s) => s > config.noise));
 * ```
 */
export interface SpikedConfig {
  /** Input dimension D. */
  dim: number;
  /** Variances along the spikes (each above `noise`), any order; sorted descending internally. */
  spikes: number[];
  /** The noise floor σ² (variance in every other direction). */
  noise: number;
  /** Seed of the random spike directions. */
  seed: number;
}

/**
 * The spiked Gaussian distribution; spike directions are a seeded random orthonormal set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pcaLevels, spikedGaussian } from "../../mod.ts";
 * const source = spikedGaussian({ dim: 10, spikes: [3, 6], noise: 1, seed: 0 });
 * assert.deepEqual(source.spikes, [6, 3]); // sorted, largest first
 * // PCA with k components leaves the other variances: (6 + 3 + 8) / 10, (3 + 8) / 10, 8 / 10.
 * assert.deepEqual(pcaLevels(source.variances, 2).map((v) => +v.toFixed(12)), [1.7, 1.1, 0.8]);
 * ```
 */
export function spikedGaussian(config: SpikedConfig): SampleSource & { spikes: number[] } {
  const { dim: D, noise } = config;
  const spikes = [...config.spikes].sort((a, b) => b - a);
  if (!Number.isInteger(D) || D < 1) {
    throw new RangeError(`dim must be a positive integer, got ${D}`);
  }
  if (spikes.length > D) {
    throw new RangeError(`${spikes.length} spikes do not fit in ${D} dimensions`);
  }
  if (!(noise >= 0)) throw new RangeError(`noise must be >= 0, got ${noise}`);
  for (const s of spikes) {
    if (!(s > noise)) {
      throw new RangeError(`every spike must exceed the noise floor ${noise}, got ${s}`);
    }
  }
  const R = spikes.length;
  const rng = new Rng(deriveSeed(config.seed, "spike-directions"));
  const u = new Float64Array(R * D);
  const row = new Float64Array(D);
  // Gram–Schmidt (twice, for orthogonality to rounding) on Gaussian vectors.
  for (let r = 0; r < R; r++) {
    rng.fillNormal(row);
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < r; q++) {
        let dot = 0;
        for (let i = 0; i < D; i++) dot += row[i] * u[q * D + i];
        for (let i = 0; i < D; i++) row[i] -= dot * u[q * D + i];
      }
    }
    let norm = 0;
    for (let i = 0; i < D; i++) norm += row[i] * row[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < D; i++) u[r * D + i] = row[i] / norm;
  }
  const amp = spikes.map((s) => Math.sqrt(s - noise));
  const sigma = Math.sqrt(noise);
  const variances = new Float64Array(D).fill(noise);
  spikes.forEach((s, r) => (variances[r] = s));
  return {
    dim: D,
    spikes,
    variances,
    components: u,
    componentCount: R,
    description: `spiked Gaussian, D = ${D}, spikes ${spikes.join(", ")} on noise ${noise}`,
    sample(g: Rng, out: Float64Array) {
      g.fillNormal(out, sigma);
      for (let r = 0; r < R; r++) {
        const a = amp[r] * g.normal();
        const o = r * D;
        for (let i = 0; i < D; i++) out[i] += a * u[o + i];
      }
    },
  };
}

/** `count` samples of `source` drawn from `rng`, as rows `[count, D]` (held-out sets). */
export function sampleRows(
  source: SampleSource,
  options: { count: number; rng: Rng },
): Float64Array {
  const { count, rng } = options;
  const rows = new Float64Array(count * source.dim); // [count, D]
  const row = new Float64Array(source.dim); // [D]
  for (let r = 0; r < count; r++) {
    source.sample(rng, row);
    rows.set(row, r * source.dim);
  }
  return rows;
}
