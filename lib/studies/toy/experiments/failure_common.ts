/**
 * Training stages shared by the experiments that start from hand-built
 * failure states (toy-frozen-optimum, toy-update-field, toy-chaos).
 *
 * @module
 */
import { finalState } from "../analysis.ts";
import type { ToyState } from "../failure_states.ts";
import { concatToyParams, toyParamsFrom } from "../model.ts";
import { optimizerDefaults, type OptimizerName } from "../../../core/optim/config.ts";
import { RECORD_DEFAULTS, type ToyTrainConfig, type ToyTrainResult } from "../config.ts";
import type { RunOptions } from "../../../core/experiment.ts";
import { trainStage } from "./common.ts";

/** A training run that starts every instance from a given state. */
export function fromStates(
  states: ToyState[],
  options: {
    optimizer?: OptimizerName;
    lr: number;
    lrs?: number[];
    steps: number;
    frozen?: number[];
    omit?: number[];
    snapshotEvery?: number;
    maxSnapshots?: number;
  },
): ToyTrainConfig {
  const n = states[0].W[0].length;
  return {
    model: { n, m: 2, bias: true, init: "normal", initStd: 0, biasInit: 0 },
    data: { kind: "identity", omit: options.omit },
    importanceDecay: 1,
    optimizer: optimizerDefaults(options.optimizer ?? "sgd", options.lr),
    steps: options.steps,
    seeds: states.map((_, i) => i),
    lrs: options.lrs,
    init: concatToyParams(states.map((s) => toyParamsFrom(s.W, s.b))),
    frozen: options.frozen,
    record: {
      ...RECORD_DEFAULTS,
      lossEvery: Math.max(1, Math.floor(options.steps / 200)),
      snapshotEvery: options.snapshotEvery ?? options.steps,
      maxSnapshots: options.maxSnapshots ?? RECORD_DEFAULTS.maxSnapshots,
    },
    divergeAbove: 1e6,
  };
}

/** Trains from `states` with SGD and returns the final states. */
export async function stage(
  states: ToyState[],
  options: { frozen: number[]; omit?: number[]; lr: number; steps: number },
  run: RunOptions,
  progress: [number, number, string],
): Promise<ToyState[]> {
  const result = await trainFrom(states, options, run, progress);
  return states.map((_, i) => finalState(result.final, i));
}

/** Trains from `states` and returns the whole run. */
export function trainFrom(
  states: ToyState[],
  options: Parameters<typeof fromStates>[1],
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

/** Parameter indices (m = 2, bias on): W[a][j] is a·n + j and b_j is 2n + j. */
export function paramIndex(n: number) {
  return {
    w: (a: number, j: number) => a * n + j,
    b: (j: number) => 2 * n + j,
    all: Array.from({ length: 3 * n }, (_, k) => k),
  };
}

/**
 * The state of toy-frozen-optimum for each (mode, δ): Symmetric Failure with
 * a weakened adjacent pair, re-settled on the learnt examples, then Wₙ moved
 * to its resting point with everything else frozen.
 */
export async function frozenOptimumStates(
  cases: { mode: "shorten" | "bias"; delta: number }[],
  c: { n: number; settleLr: number; settleSteps: number; freeLr: number; freeSteps: number },
  run: RunOptions,
  progress: [number, number],
  build: (mode: "shorten" | "bias", delta: number) => ToyState,
): Promise<{ settled: ToyState[]; freed: ToyState[] }> {
  const n = c.n;
  const idx = paramIndex(n);
  const unlearntW = [idx.w(0, n - 1), idx.w(1, n - 1)];
  const unlearntB = idx.b(n - 1);
  const mid = (progress[0] + progress[1]) / 2;
  const settled = await stage(
    cases.map(({ mode, delta }) => build(mode, delta)),
    { frozen: [...unlearntW, unlearntB], omit: [n - 1], lr: c.settleLr, steps: c.settleSteps },
    run,
    [progress[0], mid, "re-settling"],
  );
  const freed = await stage(
    settled,
    { frozen: idx.all.filter((k) => !unlearntW.includes(k)), lr: c.freeLr, steps: c.freeSteps },
    run,
    [mid, progress[1], "freeing Wₙ"],
  );
  return { settled, freed };
}
