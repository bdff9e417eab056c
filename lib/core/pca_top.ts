/**
 * The k leading principal components of many-pixel images, through whichever
 * Gram matrix is smaller: the d × d covariance when there are more images
 * than pixels (MNIST: 784 pixels), or the N × N matrix of centred images
 * otherwise (the AT&T faces: 400 images of 10,304 pixels, where a 10,304²
 * covariance would not fit in memory). The N × N route is the "snapshot"
 * method of Sirovich (1987): if (1/N)·XXᵀu = λu then Xᵀu/√(Nλ) is a unit
 * eigenvector of the covariance (1/N)·XᵀX with the same λ.
 *
 * Either way only the k leading eigenpairs are computed (linalg.ts's
 * symmetricEigenTop: on the 10,000 MNIST digits, k = 49, by the Lanczos
 * iteration, under a tenth of the full decomposition's time).
 *
 * Also the codes (projections), reconstructions and squared error of PCA at
 * rank k, which the NMF study sets against NMF's.
 *
 * @module
 */
import { columnMeans, covariance, momentsInHeap } from "./pca.ts";
import {
  eigenTopRoom,
  signByLargest,
  symmetricEigenTop,
  symmetricEigenTopInPlace,
  type TopEigen,
} from "./linalg.ts";

/** The k leading components of a PCA. */
export interface PcaTop {
  /** Dimension of each sample. */
  dim: number;
  /** Number of samples. */
  samples: number;
  /** Number of components kept. */
  k: number;
  /** Mean of the samples `[dim]`. */
  mean: Float64Array;
  /** Variances along the components (covariance eigenvalues, dividing by N), descending. */
  variances: Float64Array;
  /** Components as rows, `[k, dim]`, unit length, each signed so that its entry of largest magnitude is positive. */
  components: Float64Array;
  /** Total variance (trace of the covariance). */
  totalVariance: number;
  /** How symmetricEigenTop found the eigenpairs (`lanczos`, `reduction` or `zero`). */
  route: "lanczos" | "reduction" | "zero";
  /** Threads that computed the covariance (pca.ts's uncentredMoments; 1 by the other routes). */
  threads: 1 | 2;
}

/** PCA of rows `[count, dim]` keeping k components. */
export function pcaTop(data: ArrayLike<number>, count: number, dim: number, k: number): PcaTop {
  const limit = Math.min(count, dim);
  if (!Number.isInteger(k) || k < 1 || k > limit) {
    throw new RangeError(`k must be an integer in [1, ${limit}], got ${k}`);
  }
  if (dim <= count) {
    // E[xxᵀ] − μμᵀ: the uncentred sum skips the images' zeros (MNIST: 1/25 of the products of the
    // centred one), and agrees with it to about 1e-15 of the largest entry, since pixel means are
    // of the order of their spread (tests/core/pca_top_test.ts bounds the difference).
    // Images come as float32 (data/images.ts): one pass of the kernel gives the means and the sum,
    // the mean products come off as its lower triangle is finished in the kernel's heap, and the
    // eigensolver works on it there (the lower triangle is all it reads).
    let mean: Float64Array;
    let threads: 1 | 2 = 1;
    let totalVariance = 0;
    let top: TopEigen;
    if (data instanceof Float32Array) {
      const moments = momentsInHeap(data, count, dim, {
        centred: true,
        reserve: eigenTopRoom(dim, k),
      });
      ({ mean, threads } = moments);
      for (let i = 0; i < dim; i++) totalVariance += moments.cov[i * dim + i];
      top = symmetricEigenTopInPlace(moments.heap, moments.cov, dim, k, { inked: moments.inked });
    } else {
      mean = columnMeans(data, count, dim);
      const { cov } = covariance(data, count, dim, { center: false });
      for (let i = 0; i < dim; i++) {
        for (let j = 0; j < dim; j++) cov[i * dim + j] -= mean[i] * mean[j];
        totalVariance += cov[i * dim + i];
      }
      top = symmetricEigenTop(cov, dim, k);
    }
    return {
      dim,
      samples: count,
      k,
      mean,
      variances: top.values.map((v) => Math.max(v, 0)),
      components: top.vectors,
      totalVariance,
      route: top.route,
      threads,
    };
  }
  const mean = columnMeans(data, count, dim);
  const X = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) X[i * dim + j] = data[i * dim + j] - mean[j];
  }
  const G = new Float64Array(count * count);
  for (let a = 0; a < count; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += X[a * dim + j] * X[b * dim + j];
      G[a * count + b] = s / count;
      G[b * count + a] = s / count;
    }
  }
  let totalVariance = 0;
  for (let a = 0; a < count; a++) totalVariance += G[a * count + a];
  const eig = symmetricEigenTop(G, count, k);
  const variances = new Float64Array(k);
  const components = new Float64Array(k * dim);
  for (let c = 0; c < k; c++) {
    const lambda = Math.max(eig.values[c], 0);
    variances[c] = lambda;
    if (lambda === 0) continue;
    const scale = 1 / Math.sqrt(count * lambda);
    const row = components.subarray(c * dim, (c + 1) * dim);
    for (let i = 0; i < count; i++) {
      const u = eig.vectors[c * count + i] * scale;
      if (u === 0) continue;
      for (let j = 0; j < dim; j++) row[j] += u * X[i * dim + j];
    }
    signByLargest(row); // the covariance route's sign convention
  }
  return {
    dim,
    samples: count,
    k,
    mean,
    variances,
    components,
    totalVariance,
    route: eig.route,
    threads: 1,
  };
}

/** Codes (x − mean)·cₖ of the given rows, `[rows.length, k]`. */
export function pcaCodes(p: PcaTop, data: ArrayLike<number>, rows: number[]): Float64Array {
  const { dim, k } = p;
  const out = new Float64Array(rows.length * k);
  const x = new Float64Array(dim);
  rows.forEach((i, row) => {
    for (let j = 0; j < dim; j++) x[j] = data[i * dim + j] - p.mean[j];
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += x[j] * p.components[c * dim + j];
      out[row * k + c] = s;
    }
  });
  return out;
}

/** Reconstructions mean + Σₖ codeₖ·cₖ from codes `[rows, k]`. */
export function pcaReconstruct(p: PcaTop, codes: Float64Array): Float64Array {
  const { dim, k } = p;
  const rows = codes.length / k;
  const out = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    out.set(p.mean, r * dim);
    for (let c = 0; c < k; c++) {
      const z = codes[r * k + c];
      for (let j = 0; j < dim; j++) out[r * dim + j] += z * p.components[c * dim + j];
    }
  }
  return out;
}

/** Σ over samples of ‖x − x̂‖² at rank `rank` ≤ k: N·(total variance − Σ_{c<rank} λ_c). */
export function pcaSquaredError(p: PcaTop, rank = p.k): number {
  let kept = 0;
  for (let c = 0; c < Math.min(rank, p.k); c++) kept += p.variances[c];
  return p.samples * Math.max(0, p.totalVariance - kept);
}
