/**
 * Training stages shared by the experiments that start from hand-built
 * failure states (toy-frozen-optimum, toy-update-field, toy-chaos,
 * toy-bias-optimum; “Optimization Failure”, "Small asymmetry favoring tilt" and
 * "Asymmetric Recovery is Chaotic"): a run whose instances start at given
 * states, optionally with some parameters frozen or examples left out.
 *
 * @module
 */
import { finalState } from "../analysis.ts";
import type { ToyState } from "../failure_states.ts";
import { concatToyParams, toyParamsFrom } from "../model.ts";
import { optimizerDefaults, type OptimizerName } from "../../../core/optim/config.ts";
import { RECORD_DEFAULTS, type ToyTrainConfig, type ToyTrainResult } from "../config.ts";
import type { RunOptions } from "../../../core/experiment.ts";
import { DIVERGE_ABOVE } from "../../../core/train/loop.ts";
import { trainStage } from "./common.ts";
import { toyTrainMemory } from "../memory.ts";
import type { MemoryTerm } from "../../../core/memory.ts";

/**
 * A training run that starts every instance from a given state (m = 2, bias
 * on, one-hot data): plain SGD unless `optimizer` says otherwise, per-instance
 * learning rates with `lrs`, parameters `frozen` (flat indices, see
 * {@link paramIndex}) and examples `omit`ted; an instance whose loss exceeds
 * `divergeAbove` (default: the shared 1e6) is marked diverged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromStates } from "./failure_common.ts";
 * import { perturbedFailure } from "../failure_states.ts";
 * const config = fromStates([perturbedFailure(7, 0.01), perturbedFailure(7, 0.02)], { lr: 1, steps: 100 });
 * assert.equal(config.init?.instances, 2);
 * assert.equal(config.optimizer.name, "sgd");
 * ```
 */
export function fromStates(states: ToyState[], options: FromStatesOptions): ToyTrainConfig {
  const n = states[0].W[0].length;
  return {
    ...fromStatesShape(n, options),
    seeds: states.map((_, i) => i),
    lrs: options.lrs,
    init: concatToyParams(states.map((s) => toyParamsFrom(s.W, s.b))),
    frozen: options.frozen,
  };
}

/** How {@link fromStates} trains (plain SGD unless `optimizer` says otherwise). */
export interface FromStatesOptions {
  /** The optimizer (default sgd). */
  optimizer?: OptimizerName;
  /** Its learning rate. */
  lr: number;
  /** One learning rate per state instead. */
  lrs?: number[];
  /** Steps. */
  steps: number;
  /** Flat parameter indices that never move (see {@link paramIndex}). */
  frozen?: number[];
  /** Examples left out of the one-hot data. */
  omit?: number[];
  /** Steps between snapshots (default: only the start and the end). */
  snapshotEvery?: number;
  /** Snapshot rows kept at most. */
  maxSnapshots?: number;
  /** Loss above which an instance counts as diverged. */
  divergeAbove?: number;
}

/** Everything of {@link fromStates}'s run but the states themselves. */
function fromStatesShape(
  n: number,
  options: FromStatesOptions,
): Omit<ToyTrainConfig, "seeds" | "init" | "lrs" | "frozen"> {
  return {
    model: { n, m: 2, bias: true, init: "normal", initStd: 0, biasInit: 0 },
    data: { kind: "identity", omit: options.omit },
    importanceDecay: 1,
    optimizer: optimizerDefaults(options.optimizer ?? "sgd", options.lr),
    steps: options.steps,
    record: {
      ...RECORD_DEFAULTS,
      lossEvery: Math.max(1, Math.floor(options.steps / 200)),
      snapshotEvery: options.snapshotEvery ?? options.steps,
      maxSnapshots: options.maxSnapshots ?? RECORD_DEFAULTS.maxSnapshots,
    },
    divergeAbove: options.divergeAbove ?? DIVERGE_ABOVE,
  };
}

/** Heap bytes of one hand-built state of n features: W as two arrays of n numbers, b as one. */
function stateBytes(n: number): number {
  return 3 * (8 * n + 64) + 128;
}

/**
 * The big terms of a {@link fromStates} run from `count` states of `n`
 * features: the run itself, the states (plain arrays, on the heap) and the
 * initial parameters built from them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromStatesMemory } from "./failure_common.ts";
 * const terms = fromStatesMemory(1_000_000, 7, { lr: 1, steps: 100 });
 * const states = terms.find((t) => t.heap)!;
 * assert.match(states.what, /^start states of 1000000 instances/);
 * ```
 */
export function fromStatesMemory(
  count: number,
  n: number,
  options: FromStatesOptions,
): MemoryTerm[] {
  const p = 3 * n;
  return [
    ...toyTrainMemory({ ...fromStatesShape(n, options), seeds: { length: count } }),
    { what: `start states of ${count} instances`, bytes: count * stateBytes(n), heap: true },
    { what: `initial parameters of ${count} instances × ${p} parameters`, bytes: 8 * count * p },
  ];
}

/**
 * Trains from `states` with SGD and returns the final states and the step
 * each diverged at (-1: it did not); `progress` is `[from, to, label]` of
 * the experiment's whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stage } from "./failure_common.ts";
 * import { perturbedFailure } from "../failure_states.ts";
 * const { states, divergedAt } = await stage(
 *   [perturbedFailure(7, 0.01)],
 *   { frozen: [], lr: 0.1, steps: 10 },
 *   {},
 *   [0, 1, "demo"],
 * );
 * assert.equal(states[0].W[0].length, 7);
 * assert.deepEqual(divergedAt, [-1]);
 * ```
 */
export async function stage(
  states: ToyState[],
  options: { frozen: number[]; omit?: number[]; lr: number; steps: number; divergeAbove?: number },
  run: RunOptions,
  progress: [number, number, string],
): Promise<{ states: ToyState[]; divergedAt: number[] }> {
  const result = await trainFrom(states, options, run, progress);
  return {
    states: states.map((_, i) => finalState(result.final, i)),
    divergedAt: Array.from(result.divergedAt),
  };
}

/** Where a run of stages diverged: the stage's label and the step within it. */
export interface StageDivergence {
  /** The stage ("re-settling", "freeing Wₙ", …). */
  stage: string;
  /** Its step. */
  step: number;
}

/**
 * Trains from `states` (see {@link fromStates}) and returns the whole run;
 * `progress` is `[from, to, label]` of the experiment's whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainFrom } from "./failure_common.ts";
 * import { perturbedFailure } from "../failure_states.ts";
 * const run = await trainFrom([perturbedFailure(7, 0.01)], { lr: 0.1, steps: 10 }, {}, [0, 1, "demo"]);
 * assert.equal(run.finalLoss.length, 1);
 * ```
 */
export function trainFrom(
  states: ToyState[],
  options: FromStatesOptions,
  run: RunOptions,
  progress: [number, number, string],
): Promise<ToyTrainResult> {
  return trainStage(fromStates(states, options), {
    run,
    label: progress[2],
    from: progress[0],
    to: progress[1],
  });
}

/**
 * Flat parameter indices of one instance (m = 2, bias on): W[a][j] is a·n + j
 * and b_j is 2n + j; `all` lists every index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paramIndex } from "./failure_common.ts";
 * const idx = paramIndex(7);
 * assert.deepEqual([idx.w(1, 6), idx.b(6), idx.all.length], [13, 20, 21]);
 * ```
 */
export function paramIndex(n: number): {
  w: (a: number, j: number) => number;
  b: (j: number) => number;
  all: number[];
} {
  return {
    w: (a: number, j: number) => a * n + j,
    b: (j: number) => 2 * n + j,
    all: Array.from({ length: 3 * n }, (_, k) => k),
  };
}

/**
 * The state of toy-frozen-optimum for each (mode, δ): Symmetric Failure with
 * a weakened adjacent pair (`build`), re-settled on the learnt examples with
 * Wₙ and bₙ frozen (`settled`), then Wₙ moved to its resting point with
 * everything else frozen (`freed`); `diverged` says, per case, in which
 * stage and at which step it diverged (null: it did not). `progress` is
 * `[from, to]` of the experiment's whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frozenOptimumStates } from "./failure_common.ts";
 * import { perturbedFailure } from "../failure_states.ts";
 * const { settled, freed } = await frozenOptimumStates(
 *   [{ mode: "bias", delta: 0.05 }],
 *   { n: 7, settleLr: 1, settleSteps: 20, freeLr: 2, freeSteps: 20 },
 *   {},
 *   [0, 1],
 *   (mode, delta) => perturbedFailure(7, delta, { mode }),
 * );
 * assert.equal(settled.length, 1);
 * assert.ok(Math.hypot(freed[0].W[0][6], freed[0].W[1][6]) > 0); // Wₙ left zero
 * ```
 */
export async function frozenOptimumStates(
  cases: { mode: "shorten" | "bias"; delta: number }[],
  c: {
    n: number;
    settleLr: number;
    settleSteps: number;
    freeLr: number;
    freeSteps: number;
    divergeAbove?: number;
  },
  run: RunOptions,
  progress: [number, number],
  build: (mode: "shorten" | "bias", delta: number) => ToyState,
): Promise<{ settled: ToyState[]; freed: ToyState[]; diverged: (StageDivergence | null)[] }> {
  const n = c.n;
  const idx = paramIndex(n);
  const unlearntW = [idx.w(0, n - 1), idx.w(1, n - 1)];
  const unlearntB = idx.b(n - 1);
  const mid = (progress[0] + progress[1]) / 2;
  const settle = await stage(
    cases.map(({ mode, delta }) => build(mode, delta)),
    {
      frozen: [...unlearntW, unlearntB],
      omit: [n - 1],
      lr: c.settleLr,
      steps: c.settleSteps,
      divergeAbove: c.divergeAbove,
    },
    run,
    [progress[0], mid, "re-settling"],
  );
  const free = await stage(
    settle.states,
    {
      frozen: idx.all.filter((k) => !unlearntW.includes(k)),
      lr: c.freeLr,
      steps: c.freeSteps,
      divergeAbove: c.divergeAbove,
    },
    run,
    [mid, progress[1], "freeing Wₙ"],
  );
  const diverged = cases.map((_, i) =>
    settle.divergedAt[i] >= 0
      ? { stage: "re-settling", step: settle.divergedAt[i] }
      : free.divergedAt[i] >= 0
      ? { stage: "freeing Wₙ", step: free.divergedAt[i] }
      : null
  );
  return { settled: settle.states, freed: free.states, diverged };
}
