/**
 * Worker entry of the step-autoencoder trainer (`train.ts`): each job is a
 * range of instances, trained side by side by {@link trainStepAeRange} with
 * the run the worker got once; progress, stop and errors travel through the
 * lab's job plumbing (`core/train/workers.ts`).
 *
 * @module
 */
import { serveJobs } from "../../core/train/workers.ts";
import {
  type StepAeInstanceProgress,
  type StepAeInstanceResult,
  type StepAeWorkerShared,
  trainStepAeRange,
} from "./train.ts";

serveJobs<
  { from: number; to: number },
  StepAeInstanceResult[],
  StepAeWorkerShared,
  StepAeInstanceProgress
>((range, ctx) =>
  trainStepAeRange(ctx.shared.config, range, {
    every: ctx.shared.every,
    checkpoint: ctx.shared.checkpoint,
    shouldStop: ctx.shouldStop,
    stopAt: ctx.shared.stopAt,
    report: ctx.progress,
  })
);
