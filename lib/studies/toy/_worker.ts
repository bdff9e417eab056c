/**
 * Worker entry of the fused toy engine: each job is an instance range of the
 * run sent once as `shared`, trained by `runToyRange` (see `train.ts`).
 *
 * @module
 */
import { serveJobs } from "../../core/train/workers.ts";
import {
  type RangeProgress,
  type RangeResult,
  runToyRange,
  type ToyRange,
  type ToyShared,
} from "./_train_fused.ts";

serveJobs<ToyRange, RangeResult, ToyShared, RangeProgress>(
  (range, ctx) =>
    runToyRange(ctx.shared.config, range, {
      every: ctx.shared.every,
      kernel: ctx.shared.kernel,
      report: ctx.progress,
      shouldStop: ctx.shouldStop,
    }),
  (r) =>
    [
      r.params.buffer,
      r.finalLoss.buffer,
      r.divergedAt.buffer,
      r.loss.values.buffer,
      r.snapshots.values.buffer,
    ] as ArrayBuffer[],
);
