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
import { WasmHeap, wasmModule } from "./wasm.ts";
import { WASM } from "./_linalg_wasm.ts";
import { type Finish, GRAM_STATE, gramBand, type GramJob, gramSums } from "./_gram.ts";

export { type Eigen, symmetricEigen };
export type { WasmHeap };

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
 * rows `[count, dim]` by the SIMD kernel (linalg.as.ts's rowsGram), which
 * finds each row's nonzeros itself: the numbers of {@link columnMeans} and of
 * `covariance(…, { center: false })`, bit for bit
 * (tests/core/eigen_top_test.ts), without their passes of JavaScript over the
 * data.
 *
 * Each Gram entry gets one product per data row, in row order, whichever
 * thread computes its row, so the sum splits by Gram rows between two threads
 * without moving a bit. With `threads: 2` (the default from 2¹⁸ values on, on
 * a machine with two cores or more) a worker takes the rows that hold an
 * estimated {@link WORKER_SHARE} of the products. Data in a SharedArrayBuffer
 * (images.ts's loaders put pixels there) reaches it without a copy, and the
 * compiled kernel goes with it. Should the worker not start within 5 s, or
 * fail, this thread computes its rows too; `threads` says how many threads did
 * the sum (making a worker costs this thread about 20 ms, hence one thread
 * below 2¹⁸ values). With `centred`, `cov` is the covariance E[xxᵀ] − μμᵀ
 * instead, each entry E[xᵢxⱼ] − μᵢμⱼ.
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
  options: MomentOptions & {
    centred?: boolean;
    /** Fill only the lower triangle of `cov` (j ≤ i), leaving the rest zero: one pass less. */
    lowerOnly?: boolean;
  } = {},
): { mean: Float64Array; cov: Float64Array; threads: 1 | 2 } {
  const { sums, sum, threads } = momentSums(data, count, dim, options);
  const mean = meansOf(sums, count);
  const cov = symmetricFromLower(
    sum,
    dim,
    count,
    options.centred ? mean : undefined,
    options.lowerOnly,
  );
  return { mean, cov, threads };
}

/** How {@link uncentredMoments} and {@link momentsInHeap} share the sum between threads. */
export interface MomentOptions {
  /** Threads for the Gram sum (default: 2 from 2¹⁸ values on, on two cores or more). */
  threads?: 1 | 2;
  /** The worker's module (default _gram_worker.ts; tests give ones that fail or never answer). */
  worker?: string | URL;
}

/**
 * {@link uncentredMoments}'s numbers left in the kernel's heap for a caller that goes on
 * computing there (pca_top.ts's pcaTop: the eigensolver takes the covariance in place). `cov` is
 * a `[dim, dim]` view of the heap whose lower triangle (j ≤ i) holds the moments, bit for bit
 * those of uncentredMoments with `lowerOnly`; the entries above the diagonal hold partial sums
 * and mean nothing. Each thread finishes its own Gram rows (the division and the mean products)
 * in the kernel as its sum ends, and marks in `inked` (`[dim]`, 0 or 1) every row or column that
 * holds a nonzero entry: symmetricEigenTopInPlace's `inked`. The heap has `reserve` bytes free.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { momentsInHeap } from "./pca.ts";
 * import { eigenTopRoom, symmetricEigenTopInPlace } from "./linalg.ts";
 * // Rows (1, 0) and (3, 2): mean (2, 1), covariance [[1, 1], [1, 1]].
 * const X = Float32Array.of(1, 0, 3, 2);
 * const m = momentsInHeap(X, 2, 2, { centred: true, reserve: eigenTopRoom(2, 1) });
 * assert.deepEqual([...m.mean], [2, 1]);
 * assert.deepEqual([m.cov[0], m.cov[2], m.cov[3]], [1, 1, 1]); // the lower triangle
 * const top = symmetricEigenTopInPlace(m.heap, m.cov, 2, 1, { inked: m.inked });
 * assert.ok(Math.abs(top.values[0] - 2) < 1e-12);
 * ```
 */
export function momentsInHeap(
  data: Float32Array,
  count: number,
  dim: number,
  options: MomentOptions & { centred?: boolean; reserve?: number } = {},
): { heap: WasmHeap; mean: Float64Array; cov: Float64Array; inked: Int32Array; threads: 1 | 2 } {
  const { heap, sums, sum, inked, threads } = momentSums(data, count, dim, {
    ...options,
    finish: { centred: options.centred ?? false },
  });
  return { heap, mean: meansOf(sums, count), cov: sum, inked, threads };
}

/** Column means from column sums over `count` rows (the kernel's division, so the same bits). */
function meansOf(sums: Float64Array, count: number): Float64Array {
  return sums.map((x) => x / count);
}

/**
 * The column sums and the Gram sum's lower triangle, on one thread or two (see
 * uncentredMoments), in the heap of this thread's band, which keeps `reserve` bytes free; with
 * `finish`, the moments instead of the Gram sum (see momentsInHeap) and the inked rows in
 * `inked`. The column sums are all columns' whichever thread summed them.
 *
 * Making the worker blocks this thread for 11–20 ms. The first 16 data rows are summed before
 * that: V8 runs a WebAssembly function as baseline code until the optimising compiler, started
 * once the function has run a while, is done with it, and 16 rows of MNIST digits start it, so
 * that it compiles while the worker is made (the first 64 rows took about 10 ms rather than 1
 * when the compiler started only as both threads summed).
 */
function momentSums(
  data: Float32Array,
  count: number,
  dim: number,
  options: MomentOptions & { reserve?: number; finish?: Finish },
): {
  heap: WasmHeap;
  sums: Float64Array;
  sum: Float64Array;
  inked: Int32Array;
  threads: 1 | 2;
} {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const threads = options.threads ?? (count * dim >= 2 ** 18 && cores >= 2 ? 2 : 1);
  const module = wasmModule(WASM);
  const own = gramSums(count, dim, { ...options, module });
  const split = threads === 2 ? splitRow(own.profile(data, Math.min(count, 256)), dim) : dim;
  const band = { b0: 0, b1: split };
  const warm = Math.min(16, count);
  own.add(data, 0, warm, band);
  const helper = split < dim
    ? startGramWorker(data, count, dim, split, { ...options, module })
    : null;
  own.add(data, warm, count, { ...band, finish: options.finish });
  const theirs = helper?.join() ?? null;
  if (split < dim) {
    // The worker's rows, or this thread's own sum of them should it have failed.
    const rows = theirs ??
      gramBand(data, count, dim, split, dim, { module, finish: options.finish });
    own.sum.set(rows.sum.subarray(0, (dim - split) * dim), split * dim);
    for (let j = 0; j < dim; j++) own.inked[j] |= rows.inked[j];
    // This thread's band ends at split, and so did its scan of each row: the other columns'
    // sums come from the worker's.
    own.sums.set(rows.sums.subarray(split), split);
  }
  const { heap, sums, sum, inked } = own;
  return { heap, sums, sum, inked, threads: theirs === null ? 1 : 2 };
}

/**
 * The share of the Gram products (as splitRow estimates them) the worker of
 * {@link uncentredMoments} takes, on 10,000 MNIST digits the share at which both threads finish
 * together: this thread also makes the worker (about 11 ms) but scans each row only up to the
 * split. At 0.53 it waited 3–20 ms for the worker in five runs of five, at 0.50 the worker
 * finished first in five of five, and at 0.515 the two finished within about 1 ms of each other
 * in six runs of eight (timestamps taken in both threads).
 */
export const WORKER_SHARE = 0.515;

/**
 * The Gram row from which on about {@link WORKER_SHARE} of the products lie, estimated from the
 * products the first 256 data rows add to each Gram row (`work`, gramSums's profile). It
 * decides who computes what, never a number.
 */
function splitRow(work: Float64Array, dim: number): number {
  let total = 0;
  for (let i = 0; i < dim; i++) total += work[i];
  let acc = 0;
  for (let i = 0; i < dim; i++) {
    acc += work[i];
    if (acc >= (1 - WORKER_SHARE) * total) return i + 1;
  }
  return dim;
}

/**
 * Starts a worker (_gram_worker.ts) on Gram rows `split` … dim − 1 of float32 rows
 * `[count, dim]` (finished with `finish`, by the compiled kernel `module`); `join()` blocks until
 * it is done and gives those rows, its column sums and the columns they mark, or null when it did
 * not start within 5 s or failed (the caller then computes them). Null at once when no worker can
 * be made here.
 */
function startGramWorker(
  data: Float32Array,
  count: number,
  dim: number,
  split: number,
  options: { worker?: string | URL; finish?: Finish; module: WebAssembly.Module },
): { join(): { sum: Float64Array; sums: Float64Array; inked: Int32Array } | null } | null {
  let worker: Worker;
  try {
    const module = options.worker ?? new URL("./_gram_worker.ts", import.meta.url);
    worker = new Worker(new URL(module).href, { type: "module" });
  } catch {
    return null;
  }
  let shared = data.subarray(0, count * dim);
  if (!(data.buffer instanceof SharedArrayBuffer)) {
    shared = new Float32Array(new SharedArrayBuffer(4 * count * dim));
    shared.set(data.subarray(0, count * dim));
  }
  const out = new SharedArrayBuffer(8 * ((dim - split) * dim + dim) + 4 * dim);
  const flag = new Int32Array(new SharedArrayBuffer(4));
  // The compiled module goes along: the worker then shares its code, optimised code included,
  // instead of compiling its own.
  const job: GramJob = {
    data: shared,
    count,
    dim,
    split,
    finish: options.finish ?? null,
    out,
    flag,
    module: options.module,
  };
  worker.postMessage(job);
  return {
    join() {
      const deadline = performance.now() + 5_000;
      for (;;) {
        const state = Atomics.load(flag, 0);
        if (state === GRAM_STATE.done || state === GRAM_STATE.failed) break;
        if (state === 0 && performance.now() > deadline) break;
        Atomics.wait(flag, 0, state, 1000);
      }
      const done = Atomics.load(flag, 0) === GRAM_STATE.done;
      worker.terminate();
      if (!done) return null;
      return {
        sum: new Float64Array(out, 0, (dim - split) * dim),
        sums: new Float64Array(out, 8 * (dim - split) * dim, dim),
        inked: new Int32Array(out, 8 * ((dim - split) * dim + dim), dim),
      };
    },
  };
}

/**
 * The symmetric matrix from the lower triangle of `sum`, each entry divided by `count`, and less
 * mean[i]·mean[j] when a mean is given; with `lowerOnly` the upper triangle is left zero.
 */
function symmetricFromLower(
  sum: Float64Array,
  dim: number,
  count: number,
  mean?: Float64Array,
  lowerOnly = false,
): Float64Array {
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    const mi = mean === undefined ? 0 : mean[i];
    for (let j = 0; j <= i; j++) {
      let v = sum[i * dim + j] / count;
      if (mean !== undefined) v -= mi * mean[j];
      cov[i * dim + j] = v;
      if (!lowerOnly) cov[j * dim + i] = v;
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
