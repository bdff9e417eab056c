/**
 * What an NMF experiment holds at its peak, from its config: the big terms
 * of `core/memory.ts`. The images (float32) become a sparse matrix stored by
 * row and by column; the SVD behind NNDSVD and PCA build a Gram matrix of
 * the smaller side; every fit keeps its factors W `[n, r]` and Hᵀ `[d, r]`
 * with a workspace of the same size, every worker its own copy of the data,
 * and a checkpoint the factors of every fit as exact JSON.
 *
 * @module
 */
import type { MemoryTerm } from "../../core/memory.ts";

/**
 * The big terms of factorising `n` images of `d` pixels (a share `density`
 * of them nonzero) at rank `rank` with `fits` fits (objectives × inits) on
 * `workers` threads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfMemory } from "./memory.ts";
 * const shape = { n: 10_000, d: 784, density: 0.2, rank: 1000, fits: 4 };
 * const terms = nmfMemory(shape, { workers: 2, checkpoint: false });
 * const fits = terms.find((t) => t.what.startsWith("factors"))!;
 * assert.equal(fits.bytes, 4 * 3 * 8 * 1000 * (10_000 + 784)); // W, Hᵀ and their workspace
 * ```
 */
export function nmfMemory(
  shape: { n: number; d: number; density: number; rank: number; fits: number },
  options: { workers: number; checkpoint: boolean },
): MemoryTerm[] {
  const { n, d, rank: r, fits } = shape;
  const small = Math.min(n, d);
  const factors = 8 * r * (n + d);
  // Stored entries, by row and by column, as a float64 value and an int32 index.
  const sparse = 24 * n * d * shape.density;
  return [
    { what: `${n} images × ${d} pixels and their dense copy`, bytes: 12 * n * d },
    {
      what: `the images as a sparse matrix, one copy per thread (${options.workers + 1})`,
      bytes: sparse * (options.workers + 1),
    },
    { what: `Gram matrix and eigenvectors of ${small} × ${small}`, bytes: 4 * 8 * small * small },
    { what: `factors of ${fits} fits at rank ${r}`, bytes: 3 * fits * factors },
    {
      // kernel.ts: V by rows with each nonzero's column place and KL ratio (24 bytes a nonzero),
      // W and Ht, the update buffers and the open column groups, per thread that fits.
      what: `the WebAssembly kernel's memory, one per fitting thread (${options.workers})`,
      bytes: options.workers *
        (4 * (n + d) + 24 * n * d * shape.density + 8 * r * (3 * n + 4 * d)),
    },
    {
      what: "checkpoint of the fits as text",
      bytes: options.checkpoint ? fits * factors * 4 / 3 : 0,
      heap: true,
    },
    {
      what: "checkpoint of the fits as bytes",
      bytes: options.checkpoint ? fits * factors * 8 / 3 : 0,
    },
  ];
}
