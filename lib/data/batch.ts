/**
 * A batch of examples stored as compressed sparse rows (CSR).
 *
 * The toy datasets are mostly zeros (one-hot rows, or features that are off
 * with probability S), so kernels walk only the non-zero entries. Dense
 * copies are made for tfjs with {@link toDense}.
 *
 * @module
 */

/** `rows` examples of dimension `n`; row r's entries are `idx/val[start[r] .. start[r+1])`. */
export interface CsrBatch {
  rows: number;
  n: number;
  start: Int32Array;
  idx: Int32Array;
  val: Float64Array;
}

/** Builds a CSR batch from dense rows (zeros dropped). */
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

/** Dense row-major copy `[rows, n]`. */
export function toDense(batch: CsrBatch): Float64Array {
  const out = new Float64Array(batch.rows * batch.n);
  for (let r = 0; r < batch.rows; r++) {
    for (let e = batch.start[r]; e < batch.start[r + 1]; e++) {
      out[r * batch.n + batch.idx[e]] = batch.val[e];
    }
  }
  return out;
}
