/**
 * Worker entry of {@link fitNmfJobs}: receives the data once, then fits the
 * jobs it is sent one at a time and posts each fit back.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { fitNmf, type NmfData, type NmfFactors, type NmfObjective } from "../models/nmf.ts";

type Message =
  | { type: "data"; data: NmfData }
  | {
    type: "job";
    index: number;
    objective: NmfObjective;
    start: NmfFactors;
    iterations: number;
    every: number;
  };

let data: NmfData | null = null;

self.onmessage = async (event: MessageEvent<Message>) => {
  const msg = event.data;
  if (msg.type === "data") {
    data = msg.data;
    return;
  }
  try {
    if (!data) throw new Error("no data before the first job");
    const fit = await fitNmf(data, msg.start, {
      objective: msg.objective,
      iterations: msg.iterations,
      progressEvery: msg.every,
      onProgress: (iteration) => {
        self.postMessage({ type: "progress", index: msg.index, iteration });
      },
    });
    self.postMessage({ type: "done", index: msg.index, fit });
  } catch (err) {
    self.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
