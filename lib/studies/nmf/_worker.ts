/**
 * Worker entry of {@link fitNmfJobs}: the core plumbing (`serveJobs`) hands
 * it the data once and then one job at a time; each is a {@link fitNmfJob}
 * that stops on the main thread's shared flag, and its fit goes back with
 * the arrays moved, not copied.
 *
 * @module
 */
import { serveJobs } from "../../core/train/workers.ts";
import type { NmfData } from "./data.ts";
import { fitNmfJob, type NmfFit, type NmfJobRun } from "./train.ts";

serveJobs<NmfJobRun, NmfFit, NmfData, number>(
  (job, ctx) =>
    fitNmfJob(ctx.shared, job, { shouldStop: ctx.shouldStop, onIteration: ctx.progress }),
  // Each array has a buffer of its own (a copy of the start, or read from a checkpoint).
  (fit) => [fit.factors.W, fit.factors.Ht, fit.history].map((a) => a.buffer as ArrayBuffer),
);
