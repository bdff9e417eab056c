/**
 * Reading a toy training run: one instance's state at a snapshot, its
 * progress rows, and the outcome of every instance at every snapshot.
 *
 * @module
 */
import {
  toyLossGrad,
  toyLossGradIdentity,
  toyParamCount,
  type ToyParams,
  toyScratch,
} from "../models/toy_relu.ts";
import { identityBatch } from "../data/identity.ts";
import type { ToyTrainResult } from "../train/toy_config.ts";
import { classifyToy, outcomeLabel, type ToyOutcome } from "./outcomes.ts";

/** One row of a run's progress: feature i's norm and bias at a step. */
export interface ProgressRow {
  step: number;
  feature: number;
  norm: number;
  bias: number;
}

/** Outcome labels in display order (see {@link outcomeLabel}). */
export const OUTCOME_LABELS = [
  "all learnt",
  "1 unlearnt",
  "2 unlearnt",
  "3+ unlearnt",
  "other",
  "diverged",
] as const;

/** W (`[m][n]`) and b of instance `i` from a flat parameter row. */
export function unpackInstance(
  shape: { n: number; m: number; bias: boolean },
  data: ArrayLike<number>,
  offset: number,
): { W: number[][]; b: number[] } {
  const { n, m, bias } = shape;
  const W = Array.from(
    { length: m },
    (_, a) => Array.from({ length: n }, (_, j) => data[offset + a * n + j]),
  );
  const b = Array.from({ length: n }, (_, j) => (bias ? data[offset + m * n + j] : 0));
  return { W, b };
}

/** Instance `i`'s W and b at snapshot row `row` of a run. */
export function snapshotState(
  result: ToyTrainResult,
  row: number,
  i: number,
): { W: number[][]; b: number[] } {
  const p = toyParamCount(result.final);
  const instances = result.final.instances;
  return unpackInstance(result.final, result.snapshots.values, (row * instances + i) * p);
}

/** Instance `i`'s final W and b. */
export function finalState(params: ToyParams, i: number): { W: number[][]; b: number[] } {
  return unpackInstance(params, params.data, i * toyParamCount(params));
}

/** Norm and bias of every feature of instance `i` at every snapshot. */
export function progressRows(result: ToyTrainResult, i: number): ProgressRow[] {
  const rows: ProgressRow[] = [];
  result.snapshots.steps.forEach((step, k) => {
    const { W, b } = snapshotState(result, k, i);
    for (let f = 0; f < result.final.n; f++) {
      const norm = Math.hypot(...W.map((row) => row[f]));
      rows.push({ step, feature: f + 1, norm, bias: b[f] });
    }
  });
  return rows;
}

/** Instance `i`'s recorded loss over steps (diverged steps dropped). */
export function lossRows(result: ToyTrainResult, i: number): { step: number; loss: number }[] {
  const width = result.loss.width;
  return result.loss.steps
    .map((step, k) => ({ step, loss: result.loss.values[k * width + i] }))
    .filter((r) => Number.isFinite(r.loss));
}

/** Outcome of every instance at every snapshot, as label codes. */
export interface OutcomeTimeline {
  steps: number[];
  instances: number;
  /** Index into {@link OUTCOME_LABELS}, `[snapshots, instances]`. */
  codes: Uint8Array;
  /** 1 where the instance is in Symmetric Failure, `[snapshots, instances]`. */
  symmetricFailure: Uint8Array;
}

/**
 * Classifies every instance at every snapshot. The loss of a snapshot is
 * recomputed from its parameters (identity data) so that it matches the
 * state exactly; for other data only the norms decide (`oneHot: false`).
 */
export function outcomeTimeline(
  result: ToyTrainResult,
  options: { oneHot: boolean },
): OutcomeTimeline {
  const { n, m, bias, instances } = result.final;
  const shape = { n, m, bias };
  const p = toyParamCount(shape);
  const scratch = toyScratch(n, m);
  const importance = new Float64Array(n).fill(1);
  const rows = result.snapshots.steps.length;
  const codes = new Uint8Array(rows * instances);
  const sf = new Uint8Array(rows * instances);
  const row = new Float64Array(p);
  const loss = (k: number, i: number) => {
    if (!options.oneHot) return 0;
    row.set(result.snapshots.values.subarray((k * instances + i) * p, (k * instances + i + 1) * p));
    return toyLossGradIdentity(shape, row, 0, importance, null, scratch);
  };
  for (let k = 0; k < rows; k++) {
    for (let i = 0; i < instances; i++) {
      const { W, b } = snapshotState(result, k, i);
      const o = classifyToy(W, b, loss(k, i), options);
      codes[k * instances + i] = OUTCOME_LABELS.indexOf(
        outcomeLabel(o) as typeof OUTCOME_LABELS[number],
      );
      sf[k * instances + i] = o.symmetricFailure ? 1 : 0;
    }
  }
  return { steps: [...result.snapshots.steps], instances, codes, symmetricFailure: sf };
}

/** Fraction of instances with each label at each snapshot (labels that never occur are left out). */
export function outcomeFractions(
  timeline: OutcomeTimeline,
): { step: number; outcome: string; fraction: number }[] {
  const { steps, instances, codes } = timeline;
  const present = new Set(codes);
  const out: { step: number; outcome: string; fraction: number }[] = [];
  steps.forEach((step, k) => {
    const counts = new Array(OUTCOME_LABELS.length).fill(0);
    for (let i = 0; i < instances; i++) counts[codes[k * instances + i]]++;
    OUTCOME_LABELS.forEach((label, c) => {
      if (present.has(c)) out.push({ step, outcome: label, fraction: counts[c] / instances });
    });
  });
  return out;
}

/** Final outcome of every instance (from the final float64 parameters and losses). */
export function finalOutcomes(result: ToyTrainResult, options: { oneHot: boolean }): ToyOutcome[] {
  return Array.from({ length: result.final.instances }, (_, i) => {
    const { W, b } = finalState(result.final, i);
    return classifyToy(W, b, result.finalLoss[i], options);
  });
}

/** Loss of one instance's state on the identity dataset (float64). */
export function identityLoss(W: number[][], b: number[]): number {
  const n = W[0].length;
  const m = W.length;
  const data = new Float64Array(m * n + n);
  W.forEach((row, a) => data.set(row, a * n));
  data.set(b, m * n);
  return toyLossGrad(
    { n, m, bias: true },
    data,
    0,
    identityBatch(n),
    new Float64Array(n).fill(1),
    null,
    toyScratch(n, m),
  );
}
