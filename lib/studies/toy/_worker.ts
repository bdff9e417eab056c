/**
 * Worker entry for the fused toy loop: receives a config and an instance
 * range, posts progress messages and finally the range's result.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { runToyRange } from "./_train_fused.ts";
import type { ToyTrainConfig } from "./config.ts";

interface Job {
  config: ToyTrainConfig;
  from: number;
  to: number;
  progressEvery: number;
}

self.onmessage = async (event: MessageEvent<Job>) => {
  const { config, from, to, progressEvery } = event.data;
  try {
    const result = await runToyRange(config, { from, to }, {
      every: progressEvery,
      report: async (p) => {
        self.postMessage({ type: "progress", step: p.step, loss: p.loss.slice() });
        // Yield so that a terminate() from the main thread can land.
        await new Promise((r) => setTimeout(r, 0));
      },
    });
    const buffers = [
      result.params.buffer,
      result.finalLoss.buffer,
      result.divergedAt.buffer,
      result.loss.values.buffer,
      result.snapshots.values.buffer,
    ] as ArrayBuffer[];
    self.postMessage({ type: "done", result }, buffers);
  } catch (err) {
    self.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
