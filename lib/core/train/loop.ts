/**
 * The one training loop of the lab. A study supplies its state (one plain
 * object, saved and restored whole) and a function that advances it by a
 * span of steps; the loop owns everything around that:
 *
 * - the span schedule: it calls `advance` up to each progress point and each
 *   checkpoint point, so a fused kernel runs many steps per call;
 * - progress with elapsed time and ETA, reported after every span;
 * - abort: after every span it looks at the signal (or `shouldStop`); with
 *   a checkpoint it saves first and throws {@link TrainingInterrupted},
 *   otherwise it rethrows the signal's reason;
 * - checkpoints: every `every` steps and at the end, stamped with the run's
 *   key (`checkpoint.ts`); `resume` starts from the saved state instead of
 *   `init()` (after checking it is intact and has the structure of a fresh
 *   state), so a resumed run ends bit-identical to one never stopped.
 *
 * Divergence has one meaning everywhere ({@link isDiverged}): an instance
 * whose loss is not finite or exceeds the config's `divergeAbove` is marked
 * diverged at that step and frozen while the others carry on. The check sits
 * in each study's step, next to the loss it reads; the threshold and its
 * field spec ({@link divergeAboveField}) are shared.
 *
 * @module
 */
import { num, type NumberField } from "../config.ts";
import {
  CheckpointError,
  type CheckpointOptions,
  loadCheckpoint,
  saveCheckpoint,
  TrainingInterrupted,
} from "./checkpoint.ts";

/** Where a loop stands, for progress reports. */
export interface LoopProgress {
  /** Steps done (of `steps`). */
  step: number;
  /** Steps done (of `steps`). */
  steps: number;
  /** What a step is called in messages: "step", "epoch", "iteration". */
  unit: string;
  /** Wall time of the run so far, including time before a resume. */
  elapsedMs: number;
  /** Estimated time left, from the pace since this process started (NaN before the first span). */
  etaMs: number;
}

/** A span of steps for `advance`: it runs steps `from + 1` … `to`. */
export interface Span {
  /** The last step already done. */
  from: number;
  /** The last step to do. */
  to: number;
}

/** What a study gives the loop. */
export interface LoopSpec<S> {
  /** Total steps (epochs, iterations). */
  steps: number;
  /** What a step is called in messages (default "step"). */
  unit?: string;
  /** Steps between progress reports and abort checks (default: about 100 reports a run). */
  progressEvery?: number;
  /**
   * The fresh run state. When a checkpoint is resumed it is called too, and
   * its result only serves to check the checkpoint's structure: it must not
   * change anything the run reads later.
   */
  init: () => S | Promise<S>;
  /** Identifies the run in its checkpoint (config and a fingerprint of the data). */
  key?: unknown;
  /** Advances `state` through `span`. */
  advance: (state: S, span: Span) => void | Promise<void>;
  /** Called after every span with the state and where the loop stands. */
  progress?: (state: S, at: LoopProgress) => void | Promise<void>;
}

/** How to run a loop (never changes the numbers). */
export interface LoopOptions {
  /** Stops the run after the current span. */
  signal?: AbortSignal;
  /** Polled like `signal` (workers read a shared flag). */
  shouldStop?: () => boolean;
  /** Save the state every `every` steps and at the end, in `dir` as `name`; `resume` continues. */
  checkpoint?: CheckpointOptions & { name: string };
  /**
   * Stop, as if signalled, once this many steps are done (a run cut into
   * slices; a stop at a known step, wherever the loop runs).
   */
  stopAt?: number;
}

/** What a loop returns. */
export interface LoopResult<S> {
  /** The run's final state. */
  state: S;
  /** Wall time of the whole run, including time before a resume. */
  elapsedMs: number;
  /** The step a resumed run continued from (0 for a fresh run). */
  resumedFrom: number;
}

/** What a checkpoint of the loop holds. */
interface Saved<S> {
  step: number;
  elapsedMs: number;
  state: S;
}

/** The checkpoint format; part of every key, so older files are refused in one line. */
const FORMAT = "loop-1";

/**
 * Default threshold of {@link divergeAboveField}: far above any loss the
 * lab's models reach while training, far below where float64 overflows.
 */
export const DIVERGE_ABOVE = 1e6;

/**
 * The config field every training experiment shares.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { divergeAboveField } from "./loop.ts";
 * assert.equal(divergeAboveField.default, 1e6);
 * ```
 */
export const divergeAboveField: NumberField = num({
  default: DIVERGE_ABOVE,
  min: 0,
  exclusiveMin: true,
  doc: "an instance whose loss is not finite or exceeds this is marked diverged and frozen",
});

/**
 * Whether a loss counts as diverged: not finite, or above `limit`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDiverged } from "./loop.ts";
 * assert.deepEqual([0.5, 2e6, NaN, Infinity].map((l) => isDiverged(l, 1e6)), [false, true, true, true]);
 * ```
 */
export function isDiverged(loss: number, limit: number): boolean {
  return !Number.isFinite(loss) || loss > limit;
}

/** Steps between reports for about 100 reports a run. */
export function defaultProgressEvery(steps: number): number {
  return Math.max(1, Math.floor(steps / 100));
}

/**
 * A way to let pending events run (a Ctrl-C handler, a worker message)
 * between spans. A `MessageChannel` message is a task without the ~1 ms
 * clamp of `setTimeout(0)`, which at 100 reports a run cost short runs a
 * quarter of a second.
 */
function eventLoopTurns(): { turn: () => Promise<void>; close: () => void } {
  const channel = new MessageChannel();
  let wake: (() => void) | null = null;
  channel.port1.onmessage = () => wake?.();
  return {
    turn: () =>
      new Promise<void>((resolve) => {
        wake = resolve;
        channel.port2.postMessage(null);
      }),
    close: () => {
      channel.port1.close();
      channel.port2.close();
    },
  };
}

/**
 * The error of a run that was stopped: the signal's reason when that is an
 * Error, otherwise a plain "training was aborted" (also when a shared stop
 * flag, not a signal, stopped it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { abortError } from "./loop.ts";
 * const controller = new AbortController();
 * controller.abort(new Error("interrupted"));
 * assert.equal(abortError(controller.signal).message, "interrupted");
 * assert.equal(abortError(undefined).message, "training was aborted");
 * ```
 */
export function abortError(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason;
  return reason instanceof Error ? reason : new Error("training was aborted");
}

/**
 * The checkpoint `cp` names, checked against a fresh state of the run (its
 * structure) and the run's length; null when there is none.
 */
async function resumeFrom<S>(
  cp: CheckpointOptions & { name: string },
  key: unknown,
  spec: LoopSpec<S>,
): Promise<Saved<S> | null> {
  const like = async (): Promise<Saved<S>> => ({ step: 0, elapsedMs: 0, state: await spec.init() });
  const saved = await loadCheckpoint<Saved<S>>(cp.dir, cp.name, key, { like });
  if (saved === null) return null;
  const { step, elapsedMs } = saved;
  if (!Number.isInteger(step) || step < 0 || step > spec.steps || !(elapsedMs >= 0)) {
    throw new CheckpointError(
      `the checkpoint ${cp.dir}/${cp.name}.json is refused: it stands at step ${step} of a run of ` +
        `${spec.steps}; remove it or run without --resume`,
    );
  }
  return saved;
}

/**
 * Runs a training loop: `init` (or the checkpoint), then `advance` span by
 * span up to `steps`, with progress, abort and checkpoints as described in
 * the module doc.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runLoop } from "./loop.ts";
 * // Gradient descent on f(x) = x², lr 0.25: x halves each step.
 * const { state } = await runLoop({
 *   steps: 10,
 *   init: () => ({ x: 1 }),
 *   advance: (s, { from, to }) => {
 *     for (let t = from + 1; t <= to; t++) s.x -= 0.25 * 2 * s.x;
 *   },
 * }, {});
 * assert.equal(state.x, 2 ** -10);
 * ```
 */
export async function runLoop<S>(
  spec: LoopSpec<S>,
  options: LoopOptions = {},
): Promise<LoopResult<S>> {
  const started = performance.now();
  const { steps } = spec;
  const unit = spec.unit ?? "step";
  const every = Math.max(1, spec.progressEvery ?? defaultProgressEvery(steps));
  const cp = options.checkpoint;
  const key = { format: FORMAT, run: spec.key ?? null };

  let step = 0;
  let elapsedBefore = 0;
  let state: S;
  const saved = cp?.resume ? await resumeFrom(cp, key, spec) : null;
  if (saved) {
    state = saved.state;
    step = saved.step;
    elapsedBefore = saved.elapsedMs;
  } else {
    state = await spec.init();
  }
  const resumedFrom = step;
  const elapsed = () => elapsedBefore + performance.now() - started;
  const save = async () => {
    if (!cp) return;
    await saveCheckpoint(cp.dir, cp.name, {
      key,
      state: { step, elapsedMs: elapsed(), state } satisfies Saved<S>,
    });
  };
  const { stopAt } = options;
  const stopRequested = () =>
    options.signal?.aborted === true || options.shouldStop?.() === true ||
    (stopAt !== undefined && step >= stopAt);

  const events = eventLoopTurns();
  try {
    while (step < steps) {
      // The next progress point, checkpoint point or the end, whichever comes first.
      let to = Math.min(steps, (Math.floor(step / every) + 1) * every);
      if (cp) to = Math.min(to, (Math.floor(step / cp.every) + 1) * cp.every);
      if (stopAt !== undefined && step < stopAt) to = Math.min(to, stopAt);
      await spec.advance(state, { from: step, to });
      step = to;
      if (cp && (step % cp.every === 0 || step === steps)) await save();
      const pace = (performance.now() - started) / (step - resumedFrom);
      await spec.progress?.(state, {
        step,
        steps,
        unit,
        elapsedMs: elapsed(),
        etaMs: pace * (steps - step),
      });
      // Let a signal handler (Ctrl-C) or a worker's stop message land.
      await events.turn();
      if (step < steps && stopRequested()) {
        if (cp) {
          await save();
          throw new TrainingInterrupted(`${unit} ${step} of ${cp.name}`, cp.dir);
        }
        throw abortError(options.signal);
      }
    }
  } finally {
    events.close();
  }
  return { state, elapsedMs: elapsed(), resumedFrom };
}
