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

/** Sample covariance (dividing by N) of rows `[count, dim]`, after removing the mean unless `center` is false. */
export function covariance(
  data: ArrayLike<number>,
  count: number,
  dim: number,
  options: { center?: boolean } = {},
): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(dim);
  if (options.center ?? true) {
    for (let r = 0; r < count; r++) for (let j = 0; j < dim; j++) mean[j] += data[r * dim + j];
    for (let j = 0; j < dim; j++) mean[j] /= count;
  }
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) row[j] = data[r * dim + j] - mean[j];
    for (let i = 0; i < dim; i++) {
      const ri = row[i];
      if (ri === 0) continue;
      const base = i * dim;
      for (let j = 0; j <= i; j++) cov[base + j] += ri * row[j];
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      const v = cov[i * dim + j] / count;
      cov[i * dim + j] = v;
      cov[j * dim + i] = v;
    }
  }
  return { mean, cov };
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
