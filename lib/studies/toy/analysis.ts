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
} from "./model.ts";
import { identityBatch } from "./data.ts";
import type { ToyTrainResult } from "./config.ts";
import { quantile } from "../../core/stats.ts";
import {
  classifyParams,
  classifyToy,
  outcomeLabel,
  type State,
  STATES,
  type ToyOutcome,
} from "./outcomes.ts";

/** One row of a run's progress: feature i's norm and bias at a step. */
export interface ProgressRow {
  step: number;
  feature: number;
  norm: number;
  bias: number;
}

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
  /** Index into {@link STATES}, `[snapshots, instances]`. */
  codes: Uint8Array;
  /** 1 where the instance is in Symmetric Failure, `[snapshots, instances]`. */
  symmetricFailure: Uint8Array;
  /** 1 where the instance is in a settled failure (k ≥ 1 unlearnt, the rest learnt). */
  settled: Uint8Array;
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
  const settled = new Uint8Array(rows * instances);
  const row = new Float64Array(p);
  const values = result.snapshots.values;
  for (let k = 0; k < rows; k++) {
    for (let i = 0; i < instances; i++) {
      const off = (k * instances + i) * p;
      let loss = 0;
      if (options.oneHot) {
        for (let q = 0; q < p; q++) row[q] = values[off + q];
        loss = toyLossGradIdentity(shape, row, 0, importance, null, scratch);
      }
      const o = classifyParams(shape, values, off, loss, options);
      codes[k * instances + i] = STATES.indexOf(outcomeLabel(o));
      sf[k * instances + i] = o.symmetricFailure ? 1 : 0;
      settled[k * instances + i] = o.settled ? 1 : 0;
    }
  }
  return { steps: [...result.snapshots.steps], instances, codes, symmetricFailure: sf, settled };
}

/**
 * One instance's failure history, read off its snapshots (so every step is
 * known to the snapshot stride). A failure begins at the first snapshot in a
 * settled failure (k ≥ 1 unlearnt features, all others learnt); it has
 * recovered at the first later snapshot where every feature is learnt.
 */
export interface FailureHistory {
  /** Step of the first settled failure, or null if the instance never failed. */
  failedAt: number | null;
  /** State at that step ("symmetric failure", "skewed failure", "2 unlearnt", …). */
  failureKind: State | null;
  /** Unlearnt features at that step. */
  failureUnlearnt: number;
  /** First step in Symmetric Failure, or null. */
  symmetricAt: number | null;
  /** First step after failedAt with every feature learnt, or null. */
  recoveredAt: number | null;
  /** Whether a skewed failure was seen between failing and recovering (or the end). */
  skewed: boolean;
  /** Number of separate stretches of settled failure. */
  episodes: number;
}

/** The failure history of instance `i` (see {@link FailureHistory}). */
export function failureHistory(t: OutcomeTimeline, i: number): FailureHistory {
  const rows = t.steps.length;
  const at = (k: number) => k * t.instances + i;
  const allLearnt = STATES.indexOf("all learnt");
  const skewedCode = STATES.indexOf("skewed failure");
  let first = -1;
  let episodes = 0;
  let symmetricAt: number | null = null;
  for (let k = 0; k < rows; k++) {
    if (t.settled[at(k)]) {
      if (first < 0) first = k;
      if (k === 0 || !t.settled[at(k - 1)]) episodes++;
    }
    if (symmetricAt === null && t.symmetricFailure[at(k)]) symmetricAt = t.steps[k];
  }
  if (first < 0) {
    return {
      failedAt: null,
      failureKind: null,
      failureUnlearnt: 0,
      symmetricAt,
      recoveredAt: null,
      skewed: false,
      episodes: 0,
    };
  }
  let recovered = -1;
  let skewed = false;
  for (let k = first; k < rows; k++) {
    if (t.codes[at(k)] === skewedCode) skewed = true;
    if (t.codes[at(k)] === allLearnt) {
      recovered = k;
      break;
    }
  }
  const kind = STATES[t.codes[at(first)]];
  const failureUnlearnt = kind === "merged features"
    ? 0
    : kind === "2 unlearnt"
    ? 2
    : kind === "3+ unlearnt"
    ? 3
    : kind === "symmetric failure" || kind === "skewed failure" || kind === "1 unlearnt"
    ? 1
    : 0;
  return {
    failedAt: t.steps[first],
    failureKind: kind,
    failureUnlearnt,
    symmetricAt,
    recoveredAt: recovered >= 0 ? t.steps[recovered] : null,
    skewed,
    episodes,
  };
}

/** Fraction of instances with each label at each snapshot (labels that never occur are left out). */
export function outcomeFractions(
  timeline: OutcomeTimeline,
): { step: number; outcome: string; fraction: number }[] {
  const { steps, instances, codes } = timeline;
  const present = new Set(codes);
  const out: { step: number; outcome: string; fraction: number }[] = [];
  steps.forEach((step, k) => {
    const counts = new Array(STATES.length).fill(0);
    for (let i = 0; i < instances; i++) counts[codes[k * instances + i]]++;
    STATES.forEach((label, c) => {
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

/** How often and how fast a set of instances left their failures. */
export interface RecoveryStats {
  instances: number;
  /** Instances that reached a settled failure at some snapshot. */
  failed: number;
  /** Of those, instances that later had every feature learnt. */
  recovered: number;
  /** Failed instances still not all learnt at the end. */
  stillFailing: number;
  /** Instances in Symmetric Failure at some snapshot, and how many of them recovered. */
  symmetric: number;
  recoveredFromSymmetric: number;
  /** Steps from failing to recovering (recovered instances): 10%, 50% and 90% quantiles. */
  duration: { p10: number; median: number; p90: number };
  /** Steps from first Symmetric Failure to recovering. */
  durationFromSymmetric: { p10: number; median: number; p90: number };
  /** Recovered instances that passed through a skewed failure first. */
  recoveredViaSkew: number;
}

/** Summarises failure histories (see {@link failureHistory}). */
export function recoveryStats(histories: FailureHistory[]): RecoveryStats {
  const failed = histories.filter((h) => h.failedAt !== null);
  const recovered = failed.filter((h) => h.recoveredAt !== null);
  const symmetric = histories.filter((h) => h.symmetricAt !== null);
  const fromSym = symmetric.filter((h) => h.recoveredAt !== null && h.recoveredAt > h.symmetricAt!);
  // Steps are integers: report quantiles rounded to whole steps.
  const q3 = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => Math.round(quantile(s, p));
    return { p10: q(0.1), median: q(0.5), p90: q(0.9) };
  };
  return {
    instances: histories.length,
    failed: failed.length,
    recovered: recovered.length,
    stillFailing: failed.length - recovered.length,
    symmetric: symmetric.length,
    recoveredFromSymmetric: fromSym.length,
    duration: q3(recovered.map((h) => h.recoveredAt! - h.failedAt!)),
    durationFromSymmetric: q3(fromSym.map((h) => h.recoveredAt! - h.symmetricAt!)),
    recoveredViaSkew: recovered.filter((h) => h.skewed).length,
  };
}
