/**
 * Data sources for the toy autoencoder, as plain serialisable configs.
 *
 * Every instance gets its own stream seeded from its instance seed, so an
 * instance trains on the same data whether it runs alone or in a sweep.
 *
 * @module
 */
import { deriveSeed, Rng } from "../random.ts";
import type { CsrBatch } from "./batch.ts";
import { identityBatch } from "./identity.ts";
import { sparseFeatureBatch } from "./sparse_features.ts";

/** The identity dataset (seed 001's setting). */
export interface IdentityDataConfig {
  kind: "identity";
  /** Features (0-based) whose examples are left out of the data. */
  omit?: number[];
}

/** Anthropic's sparse synthetic features. */
export interface SparseDataConfig {
  kind: "sparse";
  /** Probability that an entry is zero. */
  sparsity: number;
  /** Size T of a fixed dataset drawn once per instance; 0 draws a fresh batch every step. */
  examples: number;
  /** Examples per step when `examples` is 0 (fresh batches). */
  batchSize: number;
}

/** Data of the toy autoencoder. */
export type ToyDataConfig = IdentityDataConfig | SparseDataConfig;

/** Yields one instance's batch for each step, in order. */
export interface ToyDataStream {
  /** True when every call returns the same batch. */
  readonly fixed: boolean;
  next(): CsrBatch;
}

/** Per-feature loss weights `decay^i` (i = 0 … n−1); decay 1 weighs all features equally. */
export function featureImportance(n: number, decay: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = decay ** i;
  return out;
}

/** Opens the data stream of one instance. */
export function openToyData(config: ToyDataConfig, n: number, instanceSeed: number): ToyDataStream {
  if (config.kind === "identity") {
    const batch = identityBatch(n, config.omit);
    return { fixed: true, next: () => batch };
  }
  const rng = new Rng(deriveSeed(instanceSeed, "toy-data"));
  if (config.examples > 0) {
    const batch = sparseFeatureBatch(rng, { rows: config.examples, n, sparsity: config.sparsity });
    return { fixed: true, next: () => batch };
  }
  return {
    fixed: false,
    next: () => sparseFeatureBatch(rng, { rows: config.batchSize, n, sparsity: config.sparsity }),
  };
}
