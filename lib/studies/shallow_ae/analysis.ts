/**
 * Shallow autoencoders against PCA: PCA's error on held-out samples (the
 * population levels are pca.ts's `pcaLevels`), the error of trained models on
 * them, and whether (and when) a model reaches each level.
 *
 * A model with K units "reaches level k" when its error is at most
 * PCA(k) + tolerance · (PCA(k − 1) − PCA(k)): it has captured all but a
 * `tolerance` share of what the k-th component adds. It "reaches the PCA
 * error" when it reaches level K.
 *
 * @module
 */
import { settingLabel, shallowAeError, type ShallowAeSetting } from "./model.ts";
import type { ShallowAeInstance, ShallowAeTrainResult } from "./train.ts";
import { mean, median } from "../../core/stats.ts";

/**
 * The error per coordinate of projecting rows `[count, D]` onto the leading
 * k of the orthonormal `components` (rows), for k = 0 … maxK: PCA's error on
 * those very rows, to compare with a model's error on them.
 */
export function projectionLevels(
  components: Float64Array,
  maxK: number,
  rows: ArrayLike<number>,
  count: number,
  dim: number,
): number[] {
  const sums = new Float64Array(maxK + 1);
  for (let r = 0; r < count; r++) {
    let rest = 0;
    for (let i = 0; i < dim; i++) rest += rows[r * dim + i] ** 2;
    sums[0] += rest;
    for (let k = 0; k < maxK; k++) {
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += components[k * dim + i] * rows[r * dim + i];
      rest -= dot * dot;
      sums[k + 1] += Math.max(0, rest);
    }
  }
  return Array.from(sums, (s) => s / (count * dim));
}

/** How many levels an error reaches (0 … K), see the module's definition. */
export function levelsReached(error: number, levels: number[], tolerance: number): number {
  if (!Number.isFinite(error)) return 0;
  let reached = 0;
  for (let k = 1; k < levels.length; k++) {
    if (error <= levels[k] + tolerance * (levels[k - 1] - levels[k])) reached = k;
  }
  return reached;
}

/**
 * The gap to the PCA error in units of what the last component adds:
 * (error − PCA(K)) / (PCA(K − 1) − PCA(K)). 0 is PCA's error, 1 is PCA with
 * one component fewer.
 */
export function pcaGap(error: number, levels: number[]): number {
  const K = levels.length - 1;
  return (error - levels[K]) / (levels[K - 1] - levels[K]);
}

/** First recorded step at which the training error reaches each level k = 1 … K (null: never). */
export function levelTimes(
  error: ArrayLike<number>,
  steps: readonly number[],
  levels: number[],
  tolerance: number,
): (number | null)[] {
  const out: (number | null)[] = [];
  for (let k = 1; k < levels.length; k++) {
    const bar = levels[k] + tolerance * (levels[k - 1] - levels[k]);
    let at: number | null = null;
    for (let r = 0; r < steps.length; r++) {
      if (error[r] <= bar) {
        at = steps[r];
        break;
      }
    }
    out.push(at);
  }
  return out;
}

/** One trained instance measured on held-out rows. */
export interface ShallowAeOutcome {
  setting: string;
  activation: string;
  weights: string;
  bias: string;
  seed: number;
  /** Held-out error (NaN when diverged). */
  error: number;
  pcaError: number;
  gap: number;
  levels: number;
  reached: boolean;
  divergedAt: number | null;
  /** First step reaching level k = 1 … K in the training error (null: never). */
  levelSteps: (number | null)[];
}

/** Measures every instance of a run on held-out rows `[count, D]`. */
export function shallowAeOutcomes(
  result: ShallowAeTrainResult,
  test: { rows: Float64Array; count: number; levels: number[] },
  timelineLevels: number[],
  tolerance: number,
): ShallowAeOutcome[] {
  return result.instances.map((inst: ShallowAeInstance) => {
    const error = inst.divergedAt === null
      ? shallowAeError(inst.params, test.rows, test.count)
      : NaN;
    const levels = levelsReached(error, test.levels, tolerance);
    return {
      ...settingParts(inst.setting),
      seed: inst.seedIndex,
      error,
      pcaError: test.levels[test.levels.length - 1],
      gap: pcaGap(error, test.levels),
      levels,
      reached: levels === test.levels.length - 1,
      divergedAt: inst.divergedAt,
      levelSteps: levelTimes(inst.error, result.recordSteps, timelineLevels, tolerance),
    };
  });
}

function settingParts(s: ShallowAeSetting) {
  return { setting: settingLabel(s), activation: s.activation, weights: s.weights, bias: s.bias };
}

/** One row per setting: how many seeds reached the PCA error, errors and gaps. */
export interface ShallowAeSettingRow {
  setting: string;
  activation: string;
  weights: string;
  bias: string;
  seeds: number;
  reached: number;
  diverged: number;
  verdict: "reaches PCA" | "sometimes" | "does not reach" | "diverged";
  meanError: number;
  pcaError: number;
  medianGap: number;
  minLevels: number;
  maxLevels: number;
  /** Median over seeds of the first step reaching level k = 1 … K (null when a seed never did). */
  levelSteps: (number | null)[];
}

/** Aggregates outcomes by setting, in the order settings first appear. */
export function settingTable(outcomes: ShallowAeOutcome[]): ShallowAeSettingRow[] {
  const bySetting = new Map<string, ShallowAeOutcome[]>();
  for (const o of outcomes) {
    const list = bySetting.get(o.setting) ?? [];
    list.push(o);
    bySetting.set(o.setting, list);
  }
  return [...bySetting.values()].map((list) => {
    const ok = list.filter((o) => o.divergedAt === null);
    const reached = list.filter((o) => o.reached).length;
    const diverged = list.length - ok.length;
    const verdict = ok.length === 0
      ? "diverged"
      : reached === list.length
      ? "reaches PCA"
      : reached > 0
      ? "sometimes"
      : "does not reach";
    return {
      setting: list[0].setting,
      activation: list[0].activation,
      weights: list[0].weights,
      bias: list[0].bias,
      seeds: list.length,
      reached,
      diverged,
      verdict,
      meanError: mean(ok.map((o) => o.error)),
      pcaError: list[0].pcaError,
      medianGap: ok.length ? median(ok.map((o) => o.gap)) : NaN,
      minLevels: Math.min(...list.map((o) => o.levels)),
      maxLevels: Math.max(...list.map((o) => o.levels)),
      levelSteps: list[0].levelSteps.map((_, k) => {
        const at = list.map((o) => o.levelSteps[k]);
        return at.every((v) => v !== null) ? median(at as number[]) : null;
      }),
    };
  });
}
