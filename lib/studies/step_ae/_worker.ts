/**
 * Worker entry of the step-autoencoder trainer: trains a range of instances,
 * reports progress, and on a "stop" message saves its checkpoint and replies.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { CheckpointError, type CheckpointOptions } from "../../core/train/checkpoint.ts";
import { runStepAeRange, StepAeInterrupted, type StepAeTrainConfig } from "./train.ts";

interface Start {
  type: "start";
  config: StepAeTrainConfig;
  from: number;
  to: number;
  every: number;
  checkpoint: CheckpointOptions | null;
}

let stopRequested = false;

self.onmessage = async (event: MessageEvent<Start | { type: "stop" }>) => {
  const msg = event.data;
  if (msg.type === "stop") {
    stopRequested = true;
    return;
  }
  try {
    const results = await runStepAeRange(msg.config, { from: msg.from, to: msg.to }, {
      every: msg.every,
      checkpoint: msg.checkpoint,
      shouldStop: () => stopRequested,
      report: async (epoch, loss) => {
        self.postMessage({ type: "progress", epoch, loss: loss.slice() });
        // Let a "stop" message arrive.
        await new Promise((r) => setTimeout(r, 0));
      },
    });
    self.postMessage({ type: "done", results });
  } catch (err) {
    if (err instanceof StepAeInterrupted) {
      self.postMessage({ type: "stopped", epoch: err.epoch });
    } else {
      self.postMessage({
        type: "error",
        message: err instanceof Error ? err.message : String(err),
        checkpoint: err instanceof CheckpointError,
      });
    }
  }
};
