/**
 * What a sparse-autoencoder run (`train.ts`) holds at its peak, from its
 * config: the big terms of `core/memory.ts`. Every variant keeps its
 * parameters (encoder and decoder of latents × dim, `saeLayout`), their
 * gradient and Adam's two moments, and kernel scratch for a batch and for
 * an evaluation chunk (a ReLU variant's active latents can be all of them);
 * the hybrid engine adds a float32 copy of every encoder and tfjs's
 * transposed copy and product each step; a checkpoint writes the run state
 * as exact JSON (base64 in a string, then bytes).
 *
 * @module
 */
import type { MemoryTerm } from "../../core/memory.ts";
import { stateBufferCount } from "../../core/optim/optimizer.ts";
import { saeLayout } from "./model.ts";
import type { SaeTrainConfig } from "./train.ts";

/** Rows `train.ts` evaluates at once. */
const EVAL_CHUNK = 1024;

/** Bytes of one stored active latent in the kernel's scratch (index, value, by row and by column). */
const ENTRY = 24;

/**
 * The big terms of training `config` with `evalRows` held-out examples,
 * checkpointing when `checkpoint` is true (the data is the caller's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sae, saeTrainConfig } from "./experiments/sae.ts";
 * import { saeTrainMemory } from "./memory.ts";
 * const config = saeTrainConfig({ ...sae.defaults, dim: 4096, latents: 65_536, models: "topk" })!;
 * const [largest] = saeTrainMemory(config, { evalRows: 2048, checkpoint: false });
 * assert.match(largest.what, /^parameters, gradient and 2 optimizer buffers of 1 instances/);
 * assert.ok(largest.bytes > 17e9); // 2 · 4096 · 65536 parameters × 4 buffers × 8 bytes
 * ```
 */
export function saeTrainMemory(
  config: SaeTrainConfig,
  options: { evalRows: number; checkpoint: boolean },
): MemoryTerm[] {
  const { dim, latents } = config.model;
  const I = config.variants.length;
  const size = saeLayout(config.model).size;
  const k = stateBufferCount(config.optimizer);
  const B = config.batch;
  const chunk = Math.min(EVAL_CHUNK, options.evalRows);
  const entries = config.variants.reduce(
    (s, v) => s + (v.activation === "topk" ? Math.min(latents, 3 * v.k) : latents),
    0,
  );
  const hybrid = config.engine === "hybrid";
  const state = 8 * I * (size * (1 + k) + 2 * latents);
  return [
    {
      what: `parameters, gradient and ${k} optimizer buffers of ${I} instances × ${size}`,
      bytes: 8 * I * size * (2 + k),
    },
    { what: `final parameters of ${I} instances`, bytes: 8 * I * size },
    {
      what: `kernel scratch of ${I} instances for ${B} + ${chunk} rows`,
      bytes: (B + chunk) * (ENTRY * entries + 3 * 8 * dim * I) + 8 * Math.max(B, chunk) * latents,
    },
    {
      what: `float32 encoders and tfjs products of ${I} instances`,
      bytes: hybrid ? 4 * I * latents * (2 * dim + Math.max(B, chunk)) : 0,
    },
    {
      what: "checkpoint of the run as text",
      bytes: options.checkpoint ? state * 4 / 3 : 0,
      heap: true,
    },
    { what: "checkpoint of the run as bytes", bytes: options.checkpoint ? state * 8 / 3 : 0 },
  ];
}
