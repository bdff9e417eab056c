/**
 * The identity dataset of the Optimization Failure study (seed 001, "Our
 * Problem Set-Up"): one one-hot example per feature, so X = Iₙ and every
 * feature has exactly one example.
 *
 * @module
 */
import type { CsrBatch } from "./batch.ts";

/** The n one-hot examples e₁ … eₙ as a CSR batch. */
export function identityBatch(n: number): CsrBatch {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer >= 1, got ${n}`);
  const start = new Int32Array(n + 1);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    start[i + 1] = i + 1;
    idx[i] = i;
  }
  return { rows: n, n, start, idx, val: new Float64Array(n).fill(1) };
}
