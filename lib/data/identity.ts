/**
 * The identity dataset of the Optimization Failure study (seed 001, "Our
 * Problem Set-Up"): one one-hot example per feature, so X = Iₙ and every
 * feature has exactly one example.
 *
 * @module
 */
import type { CsrBatch } from "./batch.ts";

/**
 * The n one-hot examples e₁ … eₙ as a CSR batch, leaving out the examples of
 * the features listed in `omit` (0-based), e.g. to fit the learnt features on
 * their own examples only.
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
