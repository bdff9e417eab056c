/**
 * A worker for the tests of `lib/core/train/workers.ts`: each job adds its value
 * to a sum over `steps` steps (a square when steps = value) of the core loop, checkpointing when asked, so
 * the tests can stop and resume it.
 *
 * @module
 */
import { CheckpointError } from "../../../lib/core/train/checkpoint.ts";
import { runLoop } from "../../../lib/core/train/loop.ts";
import { serveJobs } from "../../../lib/core/train/workers.ts";

/** One job of the test worker. */
export interface TestJob {
  value: number;
  steps: number;
  /** Throw this message instead of computing. */
  fail?: string;
  failAsCheckpoint?: boolean;
  /** Checkpoint folder (a file per job). */
  dir?: string;
  resume?: boolean;
  /** Sleep this long per step (so that a stop lands mid-run). */
  sleepMs?: number;
}

serveJobs<TestJob, { square: number; steps: number }, { offset: number }, number>(
  async (job, ctx) => {
    if (job.fail) throw job.failAsCheckpoint ? new CheckpointError(job.fail) : new Error(job.fail);
    const { state } = await runLoop({
      steps: job.steps,
      progressEvery: 1,
      init: () => ({ acc: ctx.shared.offset, done: 0 }),
      key: { value: job.value },
      advance: async (s, { from, to }) => {
        for (let t = from + 1; t <= to; t++) {
          s.acc += job.value;
          s.done++;
          if (job.sleepMs) await new Promise((r) => setTimeout(r, job.sleepMs));
        }
      },
      progress: (_, at) => ctx.progress(at.step),
    }, {
      shouldStop: ctx.shouldStop,
      checkpoint: job.dir
        ? { dir: job.dir, every: 1, resume: job.resume ?? false, name: `job-${ctx.index}` }
        : undefined,
    });
    return { square: state.acc - ctx.shared.offset, steps: state.done };
  },
);
