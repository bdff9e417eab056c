/**
 * Anthropic's synthetic sparse features ("Toy Models of Superposition";
 * "Superposition, Memorization, and Double Descent"): each entry is 0 with
 * probability S and otherwise uniform in (0, 1]; each example is then scaled
 * to unit length (an all-zero example stays zero).
 *
 * @module
 */
import type { CsrBatch } from "./batch.ts";
import type { Rng } from "../random.ts";

/** Draws `rows` sparse examples of dimension `n` with sparsity `sparsity` from `rng`. */
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
