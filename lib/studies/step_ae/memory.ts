/**
 * What a step-autoencoder run (`train.ts`) holds at its peak, from its
 * config: the big terms of `core/memory.ts`. Each instance keeps its
 * parameter row (n² + 3n + 1 numbers, `stepAeLayout`), its gradient and
 * optimizer buffers, the kernel's scratch (five `[n + 1, n]` planes) and its
 * recorders; a checkpoint writes one instance at a time as exact JSON
 * (base64 in a string, then bytes, then the file).
 *
 * @module
 */
import type { MemoryTerm } from "../../core/memory.ts";
import { stateBufferCount } from "../../core/optim/optimizer.ts";
import { recorderRows } from "../../core/train/history.ts";
import { stepAeLayout } from "./model.ts";
import type { StepAeTrainConfig } from "./train.ts";
import { maxOf } from "../../core/stats.ts";

/**
 * The big terms of training every instance of `config` on `workers` threads,
 * checkpointing when `checkpoint` is true.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../core/experiment.ts";
 * import { stepAe, stepAeTrainConfig } from "./experiments/step_ae.ts";
 * import { stepAeTrainMemory } from "./memory.ts";
 * import { memoryEstimate } from "../../core/memory.ts";
 * const train = stepAeTrainConfig(configure(stepAe, { n: 1024 }));
 * const { terms } = memoryEstimate(stepAeTrainMemory(train, { workers: 1, checkpoint: false }), []);
 * assert.equal(terms[0].what, "kernel scratch of 1 instances × 5 planes of 1025 × 1024");
 * ```
 */
export function stepAeTrainMemory(
  config: StepAeTrainConfig,
  options: { workers: number; checkpoint: boolean },
): MemoryTerm[] {
  const { n } = config.model;
  const I = config.variants.length;
  const P = stepAeLayout(config.model).size;
  const buffers = config.variants.reduce((s, v) => s + stateBufferCount(v.optimizer), 0);
  const mostBuffers = maxOf(config.variants.map((v) => stateBufferCount(v.optimizer)));
  const rows = recorderRows({
    stride: config.record.snapshotEvery,
    capacity: config.record.maxRows,
    until: config.epochs,
  });
  // A worker's results reach the main thread as copies.
  const copies = options.workers > 1 ? 2 : 1;
  const saved = 8 * P * (1 + mostBuffers);
  return [
    {
      what: `parameters, gradients and ${buffers} optimizer buffers of ${I} instances × ${P}`,
      bytes: 8 * P * (2 * I + buffers) + 8 * P * I * (copies - 1),
    },
    {
      what: `kernel scratch of ${I} instances × 5 planes of ${n + 1} × ${n}`,
      bytes: I * 5 * 8 * (n + 2) * n,
    },
    {
      // The recorder, its saved rows after every span, and the result's copy.
      what: `snapshots of ${I} instances × ${2 * n + 1} values × ${rows} rows`,
      bytes: (2 + copies) * 4 * I * (2 * n + 1) * rows,
    },
    {
      what: "checkpoint of one instance as text",
      bytes: options.checkpoint ? saved * 4 / 3 : 0,
      heap: true,
    },
    { what: "checkpoint of one instance as bytes", bytes: options.checkpoint ? saved * 8 / 3 : 0 },
  ];
}

/**
 * The reconstruction figure's cells: one object per example and coordinate,
 * kept by the spec and again by the renderer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reconstructionCells } from "./memory.ts";
 * assert.equal(reconstructionCells(129).what, "reconstruction figure of 130 × 129 cells");
 * ```
 */
export function reconstructionCells(n: number): MemoryTerm {
  return {
    what: `reconstruction figure of ${n + 1} × ${n} cells`,
    bytes: (n + 1) * n * 400,
    heap: true,
  };
}
