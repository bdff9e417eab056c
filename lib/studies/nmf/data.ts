/**
 * The data matrix of the NMF study: V `[n, d]`, one image per row, stored
 * twice sparsely (by rows and by columns) because the kernels only ever touch
 * its nonzeros (MNIST is 81% zeros; see kernel.ts).
 *
 * The sums Σ V, Σ V² and Σ V log V are taken once here: they are the
 * constant parts of the two objectives (Lee & Seung 2001, eqs. 2 and 3).
 *
 * @module
 */

/** A nonnegative matrix V `[n, d]` stored by rows and by columns (nonzeros only). */
export interface NmfData {
  /** Rows (images). */
  n: number;
  /** Columns (pixels). */
  d: number;
  /** `[n + 1]`: row i's nonzeros are rowCol/rowVal[rowPtr[i] … rowPtr[i+1]). */
  rowPtr: Int32Array;
  /** `[nnz]`: column of each nonzero, row by row. */
  rowCol: Int32Array;
  /** `[nnz]`: value of each nonzero, row by row. */
  rowVal: Float64Array;
  /** `[d + 1]`: column j's nonzeros are colRow/colVal[colPtr[j] … colPtr[j+1]). */
  colPtr: Int32Array;
  /** `[nnz]`: row of each nonzero, column by column. */
  colRow: Int32Array;
  /** `[nnz]`: value of each nonzero, column by column. */
  colVal: Float64Array;
  /** Σ V over the nonzeros (a constant of the KL objective). */
  sum: number;
  /** Σ V² = ‖V‖²_F (a constant of the Frobenius objective). */
  sumSq: number;
  /** Σ V log V over the nonzeros (a constant of the KL objective). */
  sumVlogV: number;
}

/**
 * Stores the row-major `[n, d]` matrix `values` for NMF. Throws a RangeError
 * naming the first negative or non-finite entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfData } from "./data.ts";
 * const data = nmfData([1, 0, 2, 0, 3, 0], 2, 3); // [2, 3]
 * assert.deepEqual([...data.rowPtr], [0, 2, 3]); // two nonzeros in row 0, one in row 1
 * assert.equal(data.sumSq, 14);
 * assert.throws(() => nmfData([1, -1], 1, 2), /entry \(0, 1\) is -1/);
 * ```
 */
export function nmfData(values: ArrayLike<number>, n: number, d: number): NmfData {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1) {
    throw new RangeError(`nmfData needs n, d >= 1, got n=${n}, d=${d}`);
  }
  if (values.length !== n * d) {
    throw new RangeError(`nmfData: ${values.length} values for a ${n}×${d} matrix`);
  }
  let nnz = 0;
  const colCount = new Int32Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = values[i * d + j];
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new RangeError(
          `NMF needs finite nonnegative data; entry (${i}, ${j}) is ${v}`,
        );
      }
      if (v !== 0) {
        nnz++;
        colCount[j]++;
      }
    }
  }
  const rowPtr = new Int32Array(n + 1);
  const rowCol = new Int32Array(nnz);
  const rowVal = new Float64Array(nnz);
  const colPtr = new Int32Array(d + 1);
  for (let j = 0; j < d; j++) colPtr[j + 1] = colPtr[j] + colCount[j];
  const colRow = new Int32Array(nnz);
  const colVal = new Float64Array(nnz);
  const fill = colPtr.slice(0, d);
  let p = 0;
  let sum = 0;
  let sumSq = 0;
  let sumVlogV = 0;
  for (let i = 0; i < n; i++) {
    rowPtr[i] = p;
    // Row totals first: the long sums then add n numbers, not n·d.
    let s1 = 0, s2 = 0, s3 = 0;
    for (let j = 0; j < d; j++) {
      const v = values[i * d + j];
      if (v === 0) continue;
      rowCol[p] = j;
      rowVal[p++] = v;
      colRow[fill[j]] = i;
      colVal[fill[j]++] = v;
      s1 += v;
      s2 += v * v;
      s3 += v * Math.log(v);
    }
    sum += s1;
    sumSq += s2;
    sumVlogV += s3;
  }
  rowPtr[n] = p;
  return { n, d, rowPtr, rowCol, rowVal, colPtr, colRow, colVal, sum, sumSq, sumVlogV };
}

/**
 * V as a dense row-major `[n, d]` array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfData, nmfDense } from "./data.ts";
 * const values = [1, 0, 2, 0, 3, 0];
 * assert.deepEqual([...nmfDense(nmfData(values, 2, 3))], values);
 * ```
 */
export function nmfDense(data: NmfData): Float64Array {
  const out = new Float64Array(data.n * data.d); // [n, d]
  for (let i = 0; i < data.n; i++) {
    for (let q = data.rowPtr[i]; q < data.rowPtr[i + 1]; q++) {
      out[i * data.d + data.rowCol[q]] = data.rowVal[q];
    }
  }
  return out;
}
