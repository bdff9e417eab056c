/**
 * The worker of pca.ts's uncentredMoments and momentsInHeap: Gram rows `split` … dim − 1 of the float32 rows it is
 * sent (in shared memory), by the compiled kernel it is sent, written into the shared `out`.
 * `flag[0]` says started, then done or failed (_gram.ts's GRAM_STATE); the thread that sent the rows
 * waits on it.
 *
 * @module
 */
import { GRAM_STATE, gramBand, type GramJob } from "./_gram.ts";

// The worker's global scope, typed by what is used here (as serveJobs does in train/workers.ts).
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<GramJob>) => void) | null;
};
scope.onmessage = (event) => {
  const { data, count, dim, split, finish, out, flag, module } = event.data;
  Atomics.store(flag, 0, GRAM_STATE.started);
  Atomics.notify(flag, 0);
  try {
    const band = gramBand(data, count, dim, split, dim, { module, finish: finish ?? undefined });
    new Float64Array(out, 0, band.sum.length).set(band.sum);
    new Float64Array(out, 8 * band.sum.length, dim).set(band.sums);
    new Int32Array(out, 8 * (band.sum.length + dim), dim).set(band.inked);
    Atomics.store(flag, 0, GRAM_STATE.done);
  } catch {
    Atomics.store(flag, 0, GRAM_STATE.failed);
  }
  Atomics.notify(flag, 0);
};
