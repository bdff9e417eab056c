/**
 * What a toy training run (`train.ts`) holds at its peak, from its config:
 * the big terms of `core/memory.ts` for one {@link ToyTrainConfig}, so that
 * every toy experiment can estimate its runs the way it builds them.
 *
 * The fused engine keeps, over all its workers, the float64 parameters, their
 * gradient and the optimizer's buffers, the data of fixed batches, and the
 * float32 recorders; at the end each range copies its rows out, a worker's
 * result is copied again to the main thread, and the ranges are joined into
 * one more copy. The tfjs engine keeps float32 tensors of the same things
 * plus the batch's activations.
 *
 * @module
 */
import { largestStage, memoryEstimate, type MemoryTerm } from "../../core/memory.ts";
import { stateBufferCount } from "../../core/optim/optimizer.ts";
import { recorderRows } from "../../core/train/history.ts";
import type { ToyEngine, ToyTrainConfig } from "./config.ts";
import { toyParamCount } from "./model.ts";

/** Bytes of one stored entry of a sparse batch: its value (float64) and column (int32). */
const CSR_ENTRY = 12;

/**
 * What the estimate reads of a run: a {@link ToyTrainConfig}, or its shape
 * alone when building the config would already cost memory (the seeds as a
 * count, no initial states).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ToyRunShape } from "./memory.ts";
 * import { RECORD_DEFAULTS } from "./config.ts";
 * import { TOY_MODEL_DEFAULTS } from "./model.ts";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * const shape: ToyRunShape = {
 *   model: TOY_MODEL_DEFAULTS,
 *   data: { kind: "identity" },
 *   optimizer: optimizerDefaults("sgd", 0.1),
 *   steps: 100,
 *   record: RECORD_DEFAULTS,
 *   seeds: { length: 1_000_000 },
 * };
 * assert.equal(shape.seeds.length, 1_000_000);
 * ```
 */
export type ToyRunShape =
  & Pick<ToyTrainConfig, "model" | "data" | "optimizer" | "steps" | "record" | "resample">
  & { seeds: { readonly length: number } };

/** Rows of one batch of the run's data and the entries stored for all instances' fixed batches. */
function dataShape(config: ToyRunShape): { rows: number; storedEntries: number } {
  const { n } = config.model;
  const d = config.data;
  if (d.kind === "identity") {
    const rows = n - (d.omit?.length ?? 0);
    return { rows, storedEntries: rows };
  }
  const rows = d.examples > 0 ? d.examples : d.batchSize;
  return { rows, storedEntries: d.examples > 0 ? d.examples * n * (1 - d.sparsity) : 0 };
}

/**
 * The big terms of one toy training run of `config` (fused engine unless
 * `engine` says tfjs), whatever its number of worker threads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_TRAIN_DEFAULTS, seedRange, toyTrainConfig } from "./experiments/common.ts";
 * import { toyTrainMemory } from "./memory.ts";
 * const config = toyTrainConfig(TOY_TRAIN_DEFAULTS, { n: 64, m: 63, seeds: seedRange(0, 1000) });
 * const terms = toyTrainMemory(config);
 * // 1000 instances × 4096 parameters in float64, with the gradient and AdamW's two moments.
 * assert.equal(terms[0].bytes, 4 * 8 * 1000 * 4096);
 * assert.match(terms[0].what, /1000 instances × 4096 parameters/);
 * ```
 */
export function toyTrainMemory(
  config: ToyRunShape,
  options: { engine?: ToyEngine } = {},
): MemoryTerm[] {
  const I = config.seeds.length;
  const p = toyParamCount(config.model);
  const k = stateBufferCount(config.optimizer);
  const { steps, record } = config;
  const snapRows = recorderRows({
    stride: record.snapshotEvery,
    capacity: record.maxSnapshots,
    until: steps,
  });
  const lossRows = recorderRows({
    stride: record.lossEvery,
    capacity: record.maxLossRows,
    until: steps,
  });
  const tfjs = options.engine === "tfjs";
  // Copies of the rows at the end: the recorder's, the range's own and the joined one. With
  // workers, the copy the main thread receives comes while the workers' own are being freed:
  // measured peaks are no higher than on one thread (seeds=20000 n=16 m=8: 0.60 GB on two
  // threads, 0.74 GB on one), so the estimate does not depend on `workers`.
  const copies = 3;
  const float = tfjs ? 4 : 8;
  const { rows, storedEntries } = dataShape(config);
  const what = `${I} instances × ${p} parameters`;
  return [
    {
      what: `parameters, gradient and ${k} optimizer buffers of ${what}`,
      bytes: (2 + k) * float * I * p,
    },
    { what: `final parameters of ${what} (joined)`, bytes: 8 * I * p },
    { what: `snapshots of ${what} × ${snapRows} rows`, bytes: copies * 4 * I * p * snapRows },
    { what: `loss history of ${I} instances × ${lossRows} rows`, bytes: copies * 4 * I * lossRows },
    {
      what: `fixed batches of ${I} instances`,
      bytes: I * (storedEntries * CSR_ENTRY + 4 * (rows + 1)),
    },
    {
      // Counters per instance, per feature and per traced offset (`_resample_track.ts`).
      what: `resampling bookkeeping of ${I} instances`,
      bytes: config.resample
        ? I * (8 * config.resample.trace.length + 5 * config.model.n + 128)
        : 0,
    },
    {
      what: `activations of ${I} instances × ${rows} examples`,
      bytes: tfjs ? 6 * 4 * I * rows * config.model.n : 0,
    },
  ];
}

/**
 * The big terms of toy runs that go one after the other (each frees its
 * memory before the next starts): those of the largest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_TRAIN_DEFAULTS, seedRange, toyTrainConfig } from "./experiments/common.ts";
 * import { largestRunMemory, toyTrainMemory } from "./memory.ts";
 * const run = (n: number) => toyTrainConfig(TOY_TRAIN_DEFAULTS, { n, m: 2, seeds: seedRange(0, 10) });
 * assert.deepEqual(largestRunMemory([run(5), run(9)]), toyTrainMemory(run(9)).filter((t) => t.bytes > 0)
 *   .sort((a, b) => b.bytes - a.bytes));
 * ```
 */
export function largestRunMemory(runs: ToyRunShape[]): MemoryTerm[] {
  return largestStage(runs.map((run) => memoryEstimate(toyTrainMemory(run), []))).terms;
}
