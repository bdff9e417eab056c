/**
 * What a shallow-autoencoder run (`train.ts`) holds at its peak, from its
 * config: the big terms of `core/memory.ts`. Every setting × seed keeps an
 * encoder and a decoder of units × D numbers and its timeline (error,
 * overlaps with each principal direction, norms, at every record); a
 * checkpoint writes the whole run state as exact JSON (base64 in a string,
 * then bytes).
 *
 * @module
 */
import type { MemoryTerm } from "../../core/memory.ts";
import { recordSteps, type ShallowAeTrainConfig } from "./train.ts";

/**
 * The big terms of training `config` on data of `dim` dimensions with
 * `components` principal directions tracked, checkpointing when `checkpoint`
 * is true.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSetting } from "./model.ts";
 * import { shallowAeTrainMemory } from "./memory.ts";
 * const config = {
 *   settings: [parseSetting("erf-untied-none")!],
 *   seeds: 1000, seed: 0, units: 256, steps: 1000, lr: 0.05, initScale: 1,
 *   records: 150, smoothing: 500, divergeAbove: 1e6,
 * };
 * const [largest] = shallowAeTrainMemory(config, { dim: 4096, components: 3 }, { checkpoint: false });
 * assert.equal(largest.bytes, 1000 * 8 * (2 * 256 * 4096 + 256 + 4096)); // w, v, b, c
 * ```
 */
export function shallowAeTrainMemory(
  config: ShallowAeTrainConfig,
  data: { dim: number; components: number },
  options: { checkpoint: boolean },
): MemoryTerm[] {
  const I = config.settings.length * config.seeds;
  const K = config.units;
  const { dim: D, components: R } = data;
  const records = recordSteps(config.steps, config.records).length;
  const params = 8 * I * (2 * K * D + K + D);
  const timeline = 8 * I * records * (1 + K * R + R + 2 * K);
  const state = params + timeline;
  return [
    {
      what: `encoders and decoders of ${I} instances × ${K} units × ${D} dimensions`,
      bytes: params,
    },
    { what: `timelines of ${I} instances × ${records} records`, bytes: timeline },
    {
      what: "checkpoint of the run as text",
      bytes: options.checkpoint ? state * 4 / 3 : 0,
      heap: true,
    },
    { what: "checkpoint of the run as bytes", bytes: options.checkpoint ? state * 8 / 3 : 0 },
  ];
}
