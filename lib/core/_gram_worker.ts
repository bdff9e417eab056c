/**
 * The worker of pca.ts's uncentredMoments: Gram rows `split` … dim − 1 of the float32 rows it is
 * sent (in shared memory), by the compiled kernel it is sent, written into the shared `out`.
 * `flag[0]` says started, then done or failed (pca.ts's GRAM_STATE); the thread that sent the rows
 * waits on it.
 *
 * @module
 */
import { GRAM_STATE, gramBand } from "./pca.ts";

interface GramJob {
  data: Float32Array;
  count: number;
  dim: number;
  split: number;
  out: SharedArrayBuffer;
  flag: Int32Array;
  module: WebAssembly.Module;
}

// The worker's global scope, typed by what is used here (as serveJobs does in train/workers.ts).
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<GramJob>) => void) | null;
};
scope.onmessage = (event) => {
  const { data, count, dim, split, out, flag, module } = event.data;
  Atomics.store(flag, 0, GRAM_STATE.started);
  Atomics.notify(flag, 0);
  try {
    const { sum } = gramBand(data, count, dim, split, dim, module);
    new Float64Array(out).set(sum.subarray(split * dim));
    Atomics.store(flag, 0, GRAM_STATE.done);
  } catch {
    Atomics.store(flag, 0, GRAM_STATE.failed);
  }
  Atomics.notify(flag, 0);
};
