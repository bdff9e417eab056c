/**
 * The toy autoencoder's data (“Optimization Failure”, "Our Problem Set-Up"; Anthropic's
 * "Toy Models of Superposition").
 *
 * - Batches are compressed sparse rows (CSR): the toy datasets are mostly
 *   zeros (one-hot rows, or features that are off with probability S), so
 *   kernels walk only the non-zero entries; {@link toDense} makes dense copies
 *   for tfjs.
 * - The identity dataset: one one-hot example per feature, so X = Iₙ and every
 *   feature has exactly one example.
 * - Synthetic sparse features: each entry is 0 with probability S and
 *   otherwise uniform in (0, 1]; each example is then scaled to unit length
 *   (an all-zero example stays zero).
 * - Streams: every instance gets its own stream seeded from its instance seed,
 *   so an instance trains on the same data whether it runs alone or in a sweep.
 *
 * @module
 */
import { deriveSeed, Rng } from "../../core/random.ts";

/**
 * `rows` examples of dimension `n`; row r's entries are `idx/val[start[r] .. start[r+1])`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CsrBatch, toDense } from "./data.ts";
 * // Two examples of n = 3: (0, 0.5, 0) and (1, 0, 1).
 * const batch: CsrBatch = {
 *   rows: 2,
 *   n: 3,
 *   start: Int32Array.of(0, 1, 3),
 *   idx: Int32Array.of(1, 0, 2),
 *   val: Float64Array.of(0.5, 1, 1),
 * };
 * assert.deepEqual(Array.from(toDense(batch)), [0, 0.5, 0, 1, 0, 1]);
 * ```
 */
export interface CsrBatch {
  /** Number of examples. */
  rows: number;
  /** Dimension of an example. */
  n: number;
  /** `[rows + 1]`: row r's entries are at `start[r] .. start[r+1]` of `idx` and `val`. */
  start: Int32Array;
  /** `[non-zeros]`: the feature (column) of each stored entry. */
  idx: Int32Array;
  /** `[non-zeros]`: the value of each stored entry. */
  val: Float64Array;
}

/**
 * Builds a CSR batch from dense rows (zeros dropped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromDense } from "./data.ts";
 * const batch = fromDense([[0, 2, 0], [1, 0, 3]], 3);
 * assert.deepEqual(Array.from(batch.idx), [1, 0, 2]);
 * assert.deepEqual(Array.from(batch.start), [0, 1, 3]);
 * ```
 */
export function fromDense(rows: ArrayLike<number>[], n: number): CsrBatch {
  const start = new Int32Array(rows.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  rows.forEach((row, r) => {
    if (row.length !== n) throw new RangeError(`row ${r} has ${row.length} entries, expected ${n}`);
    for (let j = 0; j < n; j++) {
      if (row[j] !== 0) {
        idx.push(j);
        val.push(row[j]);
      }
    }
    start[r + 1] = idx.length;
  });
  return { rows: rows.length, n, start, idx: Int32Array.from(idx), val: Float64Array.from(val) };
}

/**
 * Dense row-major copy `[rows, n]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identityBatch, toDense } from "./data.ts";
 * assert.deepEqual(Array.from(toDense(identityBatch(2))), [1, 0, 0, 1]);
 * ```
 */
export function toDense(batch: CsrBatch): Float64Array {
  const out = new Float64Array(batch.rows * batch.n);
  for (let r = 0; r < batch.rows; r++) {
    for (let e = batch.start[r]; e < batch.start[r + 1]; e++) {
      out[r * batch.n + batch.idx[e]] = batch.val[e];
    }
  }
  return out;
}

/**
 * The n one-hot examples e₁ … eₙ as a CSR batch, leaving out the examples of
 * the features listed in `omit` (0-based), e.g. to fit the learnt features on
 * their own examples only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identityBatch } from "./data.ts";
 * const batch = identityBatch(5, [2]); // e₁, e₂, e₄, e₅
 * assert.equal(batch.rows, 4);
 * assert.deepEqual(Array.from(batch.idx), [0, 1, 3, 4]);
 * ```
 */
export function identityBatch(n: number, omit: readonly number[] = []): CsrBatch {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer >= 1, got ${n}`);
  for (const f of omit) {
    if (!Number.isInteger(f) || f < 0 || f >= n) {
      throw new RangeError(`omitted feature must be an integer in [0, ${n - 1}], got ${f}`);
    }
  }
  const kept = Array.from({ length: n }, (_, i) => i).filter((i) => !omit.includes(i));
  if (kept.length === 0) throw new RangeError("identityBatch: every example was omitted");
  const start = new Int32Array(kept.length + 1);
  const idx = new Int32Array(kept.length);
  kept.forEach((f, r) => {
    start[r + 1] = r + 1;
    idx[r] = f;
  });
  return { rows: kept.length, n, start, idx, val: new Float64Array(kept.length).fill(1) };
}

/**
 * Draws `rows` sparse examples of dimension `n` with sparsity `sparsity` from
 * `rng` (see the module doc; `normalize: false` keeps the raw values).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../../core/random.ts";
 * import { sparseFeatureBatch } from "./data.ts";
 * const batch = sparseFeatureBatch(new Rng(1), { rows: 8, n: 10, sparsity: 0.7 });
 * assert.equal(batch.rows, 8);
 * // Every example with an entry on is scaled to unit length.
 * const first = batch.val.subarray(batch.start[0], batch.start[1]);
 * if (first.length > 0) assert.ok(Math.abs(Math.hypot(...first) - 1) < 1e-12);
 * ```
 */
export function sparseFeatureBatch(
  rng: Rng,
  options: { rows: number; n: number; sparsity: number; normalize?: boolean },
): CsrBatch {
  const { rows, n, sparsity } = options;
  const normalize = options.normalize ?? true;
  if (!(sparsity >= 0 && sparsity < 1)) {
    throw new RangeError(`sparsity must be in [0, 1), got ${sparsity}`);
  }
  const start = new Int32Array(rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < rows; r++) {
    const first = idx.length;
    let sq = 0;
    for (let j = 0; j < n; j++) {
      // One uniform decides on/off and a second gives the value, so the
      // stream's use does not depend on the sparsity.
      const on = rng.uniform() >= sparsity;
      const v = rng.uniformOpenClosed();
      if (on) {
        idx.push(j);
        val.push(v);
        sq += v * v;
      }
    }
    if (normalize && sq > 0) {
      const inv = 1 / Math.sqrt(sq);
      for (let e = first; e < val.length; e++) val[e] *= inv;
    }
    start[r + 1] = idx.length;
  }
  return { rows, n, start, idx: Int32Array.from(idx), val: Float64Array.from(val) };
}

/**
 * The identity dataset (“Optimization Failure”'s setting).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IdentityDataConfig } from "./data.ts";
 * const withoutFeature3: IdentityDataConfig = { kind: "identity", omit: [2] };
 * assert.equal(withoutFeature3.omit?.length, 1);
 * ```
 */
export interface IdentityDataConfig {
  /** Tags the identity dataset. */
  kind: "identity";
  /** Features (0-based) whose examples are left out of the data. */
  omit?: number[];
}

/**
 * Anthropic's sparse synthetic features.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SparseDataConfig } from "./data.ts";
 * const fresh: SparseDataConfig = { kind: "sparse", sparsity: 0.9, examples: 0, batchSize: 256 };
 * assert.equal(fresh.examples, 0); // a new batch every step
 * ```
 */
export interface SparseDataConfig {
  /** Tags the sparse synthetic features. */
  kind: "sparse";
  /** Probability that an entry is zero. */
  sparsity: number;
  /** Size T of a fixed dataset drawn once per instance; 0 draws a fresh batch every step. */
  examples: number;
  /** Examples per step when `examples` is 0 (fresh batches). */
  batchSize: number;
}

/**
 * Data of the toy autoencoder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ToyDataConfig } from "./data.ts";
 * const data: ToyDataConfig = { kind: "identity" };
 * assert.equal(data.kind, "identity");
 * ```
 */
export type ToyDataConfig = IdentityDataConfig | SparseDataConfig;

/**
 * Yields one instance's batch for each step, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openToyData, type ToyDataStream } from "./data.ts";
 * const stream: ToyDataStream = openToyData({ kind: "identity" }, 4, 0);
 * assert.ok(stream.fixed);
 * assert.equal(stream.next(), stream.next()); // the same batch every step
 * ```
 */
export interface ToyDataStream {
  /** True when every call returns the same batch. */
  readonly fixed: boolean;
  /** The batch of the next step. */
  next(): CsrBatch;
}

/**
 * Per-feature loss weights `decay^i` (i = 0 … n−1); decay 1 weighs all features equally.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { featureImportance } from "./data.ts";
 * assert.deepEqual(Array.from(featureImportance(3, 0.5)), [1, 0.5, 0.25]);
 * ```
 */
export function featureImportance(n: number, decay: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = decay ** i;
  return out;
}

/**
 * Opens the data stream of one instance (its draws come from `instanceSeed` only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openToyData } from "./data.ts";
 * const stream = openToyData({ kind: "sparse", sparsity: 0.5, examples: 0, batchSize: 4 }, 6, 42);
 * assert.equal(stream.fixed, false);
 * assert.equal(stream.next().rows, 4);
 * ```
 */
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
