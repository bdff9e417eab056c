/**
 * The Gram sums of pca.ts's uncentredMoments and momentsInHeap, apart from the rest of pca.ts so
 * that _gram_worker.ts loads only this and wasm.ts (its thread starts summing about 2 ms sooner
 * than with pca.ts's imports): a heap of linalg.as.ts's kernel for one band of Gram rows, the job
 * a worker is sent, and the states it reports.
 *
 * @module
 */
import { WasmHeap } from "./wasm.ts";

/** How the last call of the Gram kernel finishes the sums into moments (see momentsInHeap). */
export interface Finish {
  /** Less the mean products: the covariance rather than E[xxᵀ]. */
  centred: boolean;
}

/** What _gram_worker.ts writes into `flag[0]`: started, then done or failed (0 before it starts). */
export const GRAM_STATE = { started: 1, done: 2, failed: 3 } as const;

/**
 * What _gram_worker.ts is sent: the rows (shared), the Gram rows it sums (split on), how to
 * finish them, where its rows go (`out`: the rows, then the `[dim]` column sums, then the `[dim]`
 * inked marks), the flag it sets (GRAM_STATE) and the compiled kernel.
 */
export interface GramJob {
  /** The float32 rows `[count, dim]`, in shared memory. */
  data: Float32Array;
  /** Number of rows. */
  count: number;
  /** Entries a row. */
  dim: number;
  /** The first Gram row the worker sums; it sums the rest too. */
  split: number;
  /** How to finish the rows, or null to leave them sums. */
  finish: Finish | null;
  /** The worker's rows `[(dim − split)·dim]` and column sums `[dim]` (float64), then the inked marks `[dim]` (int32). */
  out: SharedArrayBuffer;
  /** The worker's state (GRAM_STATE), for the sending thread to wait on. */
  flag: Int32Array;
  /** The compiled kernel (linalg.as.ts). */
  module: WebAssembly.Module;
}

/**
 * Rows b0 … b1 − 1 of the uncentred Gram sum of float32 rows `[count, dim]` (lower triangle;
 * finished into moments with `finish`, see momentsInHeap), as `sum` `[(b1 − b0)·dim]`, with the
 * rows and columns they mark in `inked` and the sums of columns 0 … b1 − 1 (the rest of `sums`
 * is zero): the worker's share of
 * uncentredMoments, by the SIMD kernel `module` (see gramSums).
 */
export function gramBand(
  data: Float32Array,
  count: number,
  dim: number,
  b0: number,
  b1: number,
  options: { module: WebAssembly.Module; finish?: Finish },
): { sums: Float64Array; sum: Float64Array; inked: Int32Array } {
  const band = gramSums(count, dim, options);
  band.add(data, 0, count, { b0, b1, finish: options.finish });
  return { sums: band.sums, sum: band.sum.subarray(b0 * dim, b1 * dim), inked: band.inked };
}

/** Gram rows b0 … b1 − 1: a thread's band. */
export interface Band {
  b0: number;
  b1: number;
}

/**
 * A heap for the column sums and a band of Gram rows of up to `count` float32 rows of `dim`
 * entries, with
 * - `add(data, from, to, band)` to sum rows from … to − 1 of `data` into the band's Gram rows
 *   and the sums of the columns before `band.b1` (and, with `band.finish`, to finish them into
 *   moments after the last), 64 data rows a kernel call (optimised code replaces baseline code
 *   between calls; see pca.ts's covariance);
 * - `profile(data, rows)`: for each Gram row j, the products the first `rows` data rows add to it
 *   (a nonzero at j that is the c-th of its row adds c), in a `[dim]` view of the heap.
 *
 * `reserve` bytes of the heap are left free.
 */
export function gramSums(
  count: number,
  dim: number,
  options: { module: WebAssembly.Module; reserve?: number },
): {
  heap: WasmHeap;
  sums: Float64Array;
  sum: Float64Array;
  inked: Int32Array;
  add(data: Float32Array, from: number, to: number, band: Band & { finish?: Finish }): void;
  profile(data: Float32Array, rows: number): Float64Array;
} {
  const chunk = Math.max(1, Math.min(64, count));
  const heap = new WasmHeap(options.module, {
    bytes: 4 * chunk * dim + 8 * (dim * dim + 5 * dim) + 4 * (4 * dim + 6) + 128 +
      (options.reserve ?? 0),
  });
  const kernel = heap.exports as unknown as {
    rowsGram(
      cov: number,
      sums: number,
      dim: number,
      data: number,
      count: number,
      runs: number,
      vals: number,
      b0: number,
      b1: number,
      finish: number,
      centred: boolean,
      mean: number,
      flags: number,
    ): void;
    productProfile(data: number, count: number, dim: number, work: number): void;
  };
  const sum = heap.f64(dim * dim); // lower triangle
  const sums = heap.f64(dim);
  const mean = heap.f64(dim); // the kernel's, for the mean products
  const inked = heap.i32(dim);
  const work = heap.f64(dim);
  const rows = heap.f32(chunk * dim); // each chunk is copied in here in turn
  const runs = heap.i32(3 * Math.ceil((dim + 1) / 2));
  const vals = heap.f64(2 * dim); // a zero after each run of odd length
  const add = (
    data: Float32Array,
    from: number,
    to: number,
    { b0, b1, finish }: Band & { finish?: Finish },
  ) => {
    // With `finish`, at least one call (of no rows, when there are none left), the last.
    for (let r0 = from; r0 < to || (r0 === from && finish !== undefined); r0 += chunk) {
      const n = Math.max(0, Math.min(chunk, to - r0));
      const last = finish !== undefined && r0 + n >= to;
      rows.set(data.subarray(r0 * dim, (r0 + n) * dim));
      kernel.rowsGram(
        sum.byteOffset,
        sums.byteOffset,
        dim,
        rows.byteOffset,
        n,
        runs.byteOffset,
        vals.byteOffset,
        b0,
        b1,
        last ? count : 0,
        finish?.centred ?? false,
        mean.byteOffset,
        inked.byteOffset,
      );
    }
  };
  const profile = (data: Float32Array, upTo: number) => {
    for (let r0 = 0; r0 < upTo; r0 += chunk) {
      const n = Math.min(chunk, upTo - r0);
      rows.set(data.subarray(r0 * dim, (r0 + n) * dim));
      kernel.productProfile(rows.byteOffset, n, dim, work.byteOffset);
    }
    return work;
  };
  return { heap, sums, sum, inked, add, profile }; // views of the heap, which lives as long as they do
}
