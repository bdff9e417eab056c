/**
 * Principal component analysis from the eigendecomposition of the sample
 * covariance, and the PCA reconstruction error for k components (the
 * reference the shallow autoencoders of Refinetti & Goldt are measured
 * against).
 *
 * The eigensolver lives in ../linalg.ts (models need it too) and is
 * re-exported here.
 *
 * @module
 */

import { type Eigen, symmetricEigen } from "./linalg.ts";
import { WasmHeap } from "./wasm.ts";
import { WASM } from "./_linalg_wasm.ts";

export { type Eigen, symmetricEigen };

/** A fitted PCA. */
export interface Pca {
  /** Dimension of each sample. */
  dim: number;
  /** Number of samples. */
  samples: number;
  /** Mean of the samples `[dim]`. */
  mean: Float64Array;
  /** Eigenvalues of the covariance, descending (the variance along each component). */
  variances: Float64Array;
  /** Components as rows, `[dim, dim]` (row k is the k-th principal direction). */
  components: Float64Array;
}

/** The mean of rows `[count, dim]` (each column's). */
export function columnMeans(data: ArrayLike<number>, count: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let j = 0; j < dim; j++) mean[j] += data[r * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;
  return mean;
}

/**
 * Sample covariance (dividing by N) of rows `[count, dim]`, after removing the mean unless
 * `center` is false. Each row's products run over its nonzero entries only: a zero adds nothing
 * to a sum, so the result is the same, and uncentred images (MNIST: 81% zeros) cost about 1/25.
 * The sum runs as WebAssembly SIMD over runs of consecutive nonzeros, bit-identical to the scalar
 * loop (tests/core/eigen_top_test.ts).
 */
export function covariance(
  data: ArrayLike<number>,
  count: number,
  dim: number,
  options: { center?: boolean } = {},
): { mean: Float64Array; cov: Float64Array } {
  const mean = (options.center ?? true) ? columnMeans(data, count, dim) : new Float64Array(dim);
  // The sum runs in the SIMD kernel (linalg.as.ts's gramRuns), 64 rows a call, over each row's
  // nonzero entries as runs of consecutive indices (an image's strokes). Many short calls rather
  // than one: V8 runs a WebAssembly function as baseline code at first and switches to optimised
  // code between calls (one call over 10,000 MNIST digits took 2.5 times as long).
  const chunk = 64;
  const heap = new WasmHeap(WASM, {
    bytes: 8 * (dim * dim + 2 * chunk * dim) + 4 * (chunk * (2 * dim + 5)) + 64,
  });
  const { gramRuns } = heap.exports as unknown as {
    gramRuns(
      cov: number,
      dim: number,
      vals: number,
      runs: number,
      rowRuns: number,
      count: number,
    ): void;
  };
  const sum = heap.f64(dim * dim); // lower triangle
  const vals = heap.f64(2 * chunk * dim);
  const runs = heap.i32(3 * chunk * Math.ceil((dim + 1) / 2)); // [start, length, offset into vals]
  const rowRuns = heap.i32(chunk + 1);
  for (let r0 = 0; r0 < count; r0 += chunk) {
    const rows = Math.min(chunk, count - r0);
    let nz = 0;
    let nRuns = 0;
    for (let r = 0; r < rows; r++) {
      rowRuns[r] = nRuns;
      const base = (r0 + r) * dim;
      let last = -2;
      for (let j = 0; j < dim; j++) {
        const x = data[base + j] - mean[j];
        if (x === 0) continue;
        if (j !== last + 1) {
          if (nz & 1) vals[nz++] = 0; // gramRuns wants a zero after a run of odd length
          runs[3 * nRuns] = j;
          runs[3 * nRuns + 1] = 0;
          runs[3 * nRuns + 2] = nz;
          nRuns++;
        }
        runs[3 * nRuns - 2]++;
        vals[nz++] = x;
        last = j;
      }
      if (nz & 1) vals[nz++] = 0;
    }
    rowRuns[rows] = nRuns;
    gramRuns(sum.byteOffset, dim, vals.byteOffset, runs.byteOffset, rowRuns.byteOffset, rows);
  }
  return { mean, cov: symmetricFromLower(sum, dim, count) };
}

/**
 * Column means and the uncentred covariance E[xxᵀ] (dividing by N) of float32
 * rows `[count, dim]` in one pass of the SIMD kernel (linalg.as.ts's
 * rowsGram), which finds each row's nonzeros itself: the numbers of
 * {@link columnMeans} and of `covariance(…, { center: false })`, bit for bit
 * (tests/core/eigen_top_test.ts), without their two passes of JavaScript over
 * the data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uncentredMoments } from "./pca.ts";
 * const { mean, cov } = uncentredMoments(Float32Array.of(1, 0, 3, 2), 2, 2);
 * assert.deepEqual([...mean], [2, 1]);
 * assert.deepEqual([...cov], [5, 3, 3, 2]); // (1·1 + 3·3)/2, (3·2)/2, (2·2)/2
 * ```
 */
export function uncentredMoments(
  data: Float32Array,
  count: number,
  dim: number,
): { mean: Float64Array; cov: Float64Array } {
  const chunk = Math.min(64, count); // rows a call (see covariance: optimised code comes between calls)
  const heap = new WasmHeap(WASM, {
    bytes: 4 * chunk * dim + 8 * (dim * dim + 3 * dim) + 4 * 3 * (dim + 2) + 64,
  });
  const { rowsGram } = heap.exports as unknown as {
    rowsGram(
      cov: number,
      sums: number,
      dim: number,
      data: number,
      count: number,
      runs: number,
      vals: number,
    ): void;
  };
  const rows = heap.f32(chunk * dim); // each chunk is copied in here in turn
  const sum = heap.f64(dim * dim); // lower triangle
  const sums = heap.f64(dim);
  const runs = heap.i32(3 * Math.ceil((dim + 1) / 2));
  const vals = heap.f64(2 * dim); // a zero after each run of odd length
  for (let r0 = 0; r0 < count; r0 += chunk) {
    const n = Math.min(chunk, count - r0);
    rows.set(data.subarray(r0 * dim, (r0 + n) * dim));
    rowsGram(
      sum.byteOffset,
      sums.byteOffset,
      dim,
      rows.byteOffset,
      n,
      runs.byteOffset,
      vals.byteOffset,
    );
  }
  const mean = new Float64Array(dim);
  for (let j = 0; j < dim; j++) mean[j] = sums[j] / count;
  return { mean, cov: symmetricFromLower(sum, dim, count) };
}

/** The full symmetric matrix from the lower triangle of `sum`, each entry divided by `count`. */
function symmetricFromLower(sum: Float64Array, dim: number, count: number): Float64Array {
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      const v = sum[i * dim + j] / count;
      cov[i * dim + j] = v;
      cov[j * dim + i] = v;
    }
  }
  return cov;
}

/** PCA of rows `[count, dim]`. */
export function pca(
  data: ArrayLike<number>,
  count: number,
  dim: number,
  options: { center?: boolean } = {},
): Pca {
  const { mean, cov } = covariance(data, count, dim, options);
  return pcaFromCovariance(cov, dim, mean, count);
}

/** PCA from a known covariance (e.g. of a synthetic distribution). */
export function pcaFromCovariance(
  cov: ArrayLike<number>,
  dim: number,
  mean: Float64Array = new Float64Array(dim),
  samples = Infinity,
): Pca {
  const { values, vectors } = symmetricEigen(cov, dim);
  const components = new Float64Array(dim * dim);
  for (let k = 0; k < dim; k++) {
    for (let i = 0; i < dim; i++) components[k * dim + i] = vectors[i * dim + k];
  }
  return { dim, samples, mean, variances: values.map((v) => Math.max(v, 0)), components };
}

/**
 * The best mean squared error per coordinate of any rank-k linear
 * reconstruction, (1/D)·Σ_{i>k} λᵢ, for k = 0 … maxK (index k).
 */
export function pcaErrors(p: Pca, maxK: number): number[] {
  return pcaLevels(p.variances, maxK);
}

/** {@link pcaErrors} from the descending variances alone (D = their count), e.g. of a known distribution. */
export function pcaLevels(variances: ArrayLike<number>, maxK: number): number[] {
  const D = variances.length;
  let total = 0;
  for (let i = 0; i < D; i++) total += variances[i];
  const out = [total / D];
  let kept = 0;
  for (let k = 1; k <= Math.min(maxK, D); k++) {
    kept += variances[k - 1];
    out.push(Math.max(0, total - kept) / D);
  }
  return out;
}
