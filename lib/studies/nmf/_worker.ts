/**
 * Worker entry of {@link fitNmfJobs}: receives the data once, then fits the
 * jobs it is sent one at a time and posts each fit back.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import {
  fitNmf,
  type NmfData,
  type NmfFactors,
  type NmfFitState,
  type NmfObjective,
} from "./model.ts";
import { nmfCheckpointSaver, type NmfJobCheckpoint } from "./train.ts";

type Message =
  | { type: "data"; data: NmfData; stopFlag: Int32Array }
  | {
    type: "job";
    index: number;
    objective: NmfObjective;
    start: NmfFactors;
    iterations: number;
    every: number;
    checkpoint: NmfJobCheckpoint | null;
    resumeFrom: NmfFitState | null;
  };

let data: NmfData | null = null;
let stopFlag: Int32Array | null = null;

self.onmessage = async (event: MessageEvent<Message>) => {
  const msg = event.data;
  if (msg.type === "data") {
    data = msg.data;
    stopFlag = msg.stopFlag;
    return;
  }
  try {
    if (!data) throw new Error("no data before the first job");
    const fit = await fitNmf(data, msg.start, {
      objective: msg.objective,
      iterations: msg.iterations,
      progressEvery: msg.every,
      // The main thread raises the flag on a stop; a message could not get through a busy fit.
      shouldStop: () => stopFlag !== null && Atomics.load(stopFlag, 0) === 1,
      checkpoint: msg.checkpoint ? nmfCheckpointSaver(msg.checkpoint) : undefined,
      resumeFrom: msg.resumeFrom,
      onProgress: (iteration) => {
        self.postMessage({ type: "progress", index: msg.index, iteration });
      },
    });
    self.postMessage({ type: "done", index: msg.index, fit });
  } catch (err) {
    if (stopFlag && Atomics.load(stopFlag, 0) === 1) {
      self.postMessage({ type: "stopped", index: msg.index });
      return;
    }
    self.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
