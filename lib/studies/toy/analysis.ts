/**
 * Reading a toy training run: one instance's state at a snapshot, its
 * progress rows, and the outcome of every instance at every snapshot
 * (“Optimization Failure”, "Optimization Failure Mode: Symmetric Failure").
 *
 * Below those, the analyses the experiments hand their results to, one block
 * per experiment: picking and describing toy-geometry's examples, the rows
 * and counts of a seed sweep and of the failure survey, toy-bias-optimum's
 * rows per n, toy-update-field's windows and toy-chaos's cells. Each turns a
 * training result into plain rows; the experiment only assembles them.
 *
 * @module
 */
import { toyParamCount, type ToyParams } from "./model.ts";
import { toyLossGrad, toyLossGradIdentity, toyScratch } from "./kernel.ts";
import { identityBatch } from "./data.ts";
import type { ToyTrainResult } from "./config.ts";
import type { OptimizerName } from "../../core/optim/config.ts";
import { maxOf, mean, minOf, quantile } from "../../core/stats.ts";
import { blankRow } from "../../core/train/divergence.ts";
import { symmetricFailureLoss } from "./closed_forms.ts";
import { adjacentGaps } from "./geometry.ts";
import { splay } from "./failure_states.ts";
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

/**
 * Instance `i`'s final W and b.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { finalState } from "./analysis.ts";
 * import { symmetricFailure } from "./closed_forms.ts";
 * import { concatToyParams, toyParamsFrom } from "./model.ts";
 * const states = [symmetricFailure(5), symmetricFailure(5, { unlearnt: 0 })];
 * const params = concatToyParams(states.map((s) => toyParamsFrom(s.W, s.b)));
 * assert.deepEqual(finalState(params, 1), states[1]);
 * ```
 */
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

/**
 * Outcome of every instance at every snapshot, as label codes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failureHistory, type OutcomeTimeline } from "./analysis.ts";
 * import { type State, STATES } from "./outcomes.ts";
 * // One instance over four snapshots: still learning, Symmetric Failure twice, all learnt.
 * const code = (s: State) => STATES.indexOf(s);
 * const timeline: OutcomeTimeline = {
 *   steps: [0, 100, 200, 300],
 *   instances: 1,
 *   codes: Uint8Array.from(
 *     ["1 unlearnt", "symmetric failure", "symmetric failure", "all learnt"] as State[],
 *     code,
 *   ),
 *   symmetricFailure: Uint8Array.of(0, 1, 1, 0),
 *   settled: Uint8Array.of(0, 1, 1, 0),
 * };
 * const h = failureHistory(timeline, 0);
 * assert.deepEqual([h.failedAt, h.symmetricAt, h.recoveredAt, h.episodes], [100, 100, 300, 1]);
 * ```
 */
export interface OutcomeTimeline {
  /** Training step of each snapshot, in order (one row of the arrays below per step). */
  steps: number[];
  /** Instances of the run (the width of each row). */
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

/**
 * The timeline of some of a run's instances, in the order given (`codes`,
 * `symmetricFailure` and `settled` are all subset, so instance s of the
 * result is instance `index[s]` of `t`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { subTimeline } from "./analysis.ts";
 * const t = {
 *   steps: [0, 10],
 *   instances: 3,
 *   codes: Uint8Array.of(0, 1, 2, 3, 4, 5), // [snapshots, instances]
 *   symmetricFailure: new Uint8Array(6),
 *   settled: Uint8Array.of(0, 0, 1, 0, 0, 1),
 * };
 * const sub = subTimeline(t, [2, 0]);
 * assert.deepEqual([sub.instances, [...sub.codes], [...sub.settled]], [2, [2, 0, 5, 3], [1, 0, 1, 0]]);
 * ```
 */
export function subTimeline(t: OutcomeTimeline, index: number[]): OutcomeTimeline {
  const pick = (a: Uint8Array) => {
    const out = new Uint8Array(t.steps.length * index.length); // [snapshots, index.length]
    for (let k = 0; k < t.steps.length; k++) {
      index.forEach((i, s) => {
        out[k * index.length + s] = a[k * t.instances + i];
      });
    }
    return out;
  };
  return {
    steps: t.steps,
    instances: index.length,
    codes: pick(t.codes),
    symmetricFailure: pick(t.symmetricFailure),
    settled: pick(t.settled),
  };
}

/**
 * The instances of `index` (default: all) that did not diverge, in order:
 * the ones every statistic over instances is taken over.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { undiverged } from "./analysis.ts";
 * const run = { divergedAt: Int32Array.of(-1, 12, -1, 3) };
 * assert.deepEqual(undiverged(run), [0, 2]);
 * assert.deepEqual(undiverged(run, [1, 2, 3]), [2]);
 * ```
 */
export function undiverged(
  result: Pick<ToyTrainResult, "divergedAt">,
  index?: number[],
): number[] {
  const all = index ?? Array.from(result.divergedAt.keys());
  return all.filter((i) => result.divergedAt[i] < 0);
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

/**
 * Final outcome of every instance (from the final float64 parameters and losses).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { finalOutcomes } from "./analysis.ts";
 * import { regularPolygon } from "./closed_forms.ts";
 * import { fromStates } from "./experiments/failure_common.ts";
 * import { baseFailure } from "./failure_states.ts";
 * import { trainToy } from "./train.ts";
 * // Two exact stationary states, trained for two steps.
 * const run = await trainToy(fromStates([regularPolygon(7), baseFailure(7)], { lr: 0.1, steps: 2 }));
 * const outcomes = finalOutcomes(run, { oneHot: true });
 * assert.deepEqual(outcomes.map((o) => o.state), ["all learnt", "symmetric failure"]);
 * ```
 */
export function finalOutcomes(result: ToyTrainResult, options: { oneHot: boolean }): ToyOutcome[] {
  return Array.from({ length: result.final.instances }, (_, i) => {
    const { W, b } = finalState(result.final, i);
    return classifyToy(W, b, result.finalLoss[i], options);
  });
}

/**
 * Loss of one instance's state on the identity dataset (float64).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identityLoss } from "./analysis.ts";
 * import { regularPolygon, symmetricFailure, symmetricFailureLoss } from "./closed_forms.ts";
 * const hexagon = regularPolygon(6);
 * assert.ok(identityLoss(hexagon.W, hexagon.b) < 1e-24); // the regular n-gon reconstructs exactly
 * const failure = symmetricFailure(6);
 * // One unlearnt feature outputs 1/n everywhere: (n−1)/n³.
 * assert.ok(Math.abs(identityLoss(failure.W, failure.b) - symmetricFailureLoss(6)) < 1e-15);
 * ```
 */
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

/**
 * How often and how fast a set of instances left their failures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FailureHistory, type RecoveryStats, recoveryStats } from "./analysis.ts";
 * const never: FailureHistory = {
 *   failedAt: null,
 *   failureKind: null,
 *   failureUnlearnt: 0,
 *   symmetricAt: null,
 *   recoveredAt: null,
 *   skewed: false,
 *   episodes: 0,
 * };
 * const back: FailureHistory = {
 *   ...never,
 *   failedAt: 100,
 *   failureKind: "symmetric failure",
 *   failureUnlearnt: 1,
 *   symmetricAt: 100,
 *   recoveredAt: 400,
 *   episodes: 1,
 * };
 * const stuck: FailureHistory = { ...back, recoveredAt: null };
 * const stats: RecoveryStats = recoveryStats([never, back, stuck]);
 * assert.deepEqual([stats.instances, stats.failed, stats.recovered, stats.stillFailing], [3, 2, 1, 1]);
 * assert.deepEqual([stats.symmetric, stats.recoveredFromSymmetric], [2, 1]);
 * assert.equal(stats.duration.median, 300); // steps 100 → 400
 * ```
 */
export interface RecoveryStats {
  /** Histories summarised (one per instance). */
  instances: number;
  /** Instances that reached a settled failure at some snapshot. */
  failed: number;
  /** Of those, instances that later had every feature learnt. */
  recovered: number;
  /** Failed instances still not all learnt at the end. */
  stillFailing: number;
  /** Instances in Symmetric Failure at some snapshot. */
  symmetric: number;
  /** Of those, instances whose recovery (all learnt again) came after their first Symmetric Failure. */
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

// ---- toy-geometry: picking and describing one example of a batch ---------

/**
 * One example picked from a batch of candidate seeds trained together (toy-geometry).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type GeometryExample, pickPerfect } from "./analysis.ts";
 * import { regularPolygon } from "./closed_forms.ts";
 * import { fromStates } from "./experiments/failure_common.ts";
 * import { baseFailure } from "./failure_states.ts";
 * import { trainToy } from "./train.ts";
 * const run = await trainToy(fromStates([baseFailure(7), regularPolygon(7)], { lr: 0.1, steps: 2 }));
 * const example: GeometryExample = pickPerfect(run, [10, 11]);
 * assert.deepEqual([example.found, example.index, example.seed], [true, 1, 11]);
 * assert.ok(example.loss < 1e-12); // the regular heptagon
 * ```
 */
export interface GeometryExample {
  /** Features of the run. */
  n: number;
  /** Seed of the chosen candidate. */
  seed: number;
  /** Snapshot row shown (-1: the final parameters). */
  row: number;
  /** Training step of the state shown. */
  step: number;
  /** How the example was chosen, in words. */
  rule: string;
  /** Whether the chosen run meets the example's goal (all learnt / Symmetric Failure). */
  found: boolean;
  /** The state shown: W (`[m][n]`) and b. */
  state: { W: number[][]; b: number[] };
  /** Its loss on one-hot data. */
  loss: number;
  /** The candidate's instance index in the run. */
  index: number;
  /**
   * True when every candidate diverged: then there is no example, and the
   * fields above describe candidate 0 only to keep the shape (show none of it).
   */
  diverged?: boolean;
}

/** The example of a batch whose every candidate diverged: nothing to show. */
function noExample(run: ToyTrainResult, seeds: number[]): GeometryExample {
  return {
    n: run.final.n,
    seed: seeds[0],
    row: -1,
    step: run.snapshots.steps[run.snapshots.steps.length - 1],
    rule: `every one of ${seeds.length} candidates diverged`,
    found: false,
    state: finalState(run.final, 0),
    loss: NaN,
    index: 0,
    diverged: true,
  };
}

/**
 * The perfect example of a batch: the first candidate with every feature
 * learnt at the end, or (when none did) the one with the lowest final loss.
 * A candidate that diverged is never picked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pickPerfect } from "./analysis.ts";
 * import { toyTrainConfig, TOY_TRAIN_DEFAULTS } from "./experiments/common.ts";
 * import { trainToy } from "./train.ts";
 * const run = await trainToy(toyTrainConfig({ ...TOY_TRAIN_DEFAULTS, steps: 30 }, { n: 6, m: 2, seeds: [4, 5] }));
 * const example = pickPerfect(run, [4, 5]);
 * assert.equal(example.found, false); // 30 steps learn nothing
 * assert.equal(example.seed, [4, 5][example.index]);
 * ```
 */
export function pickPerfect(run: ToyTrainResult, seeds: number[]): GeometryExample {
  const outcomes = finalOutcomes(run, { oneHot: true });
  const kept = undiverged(run);
  if (kept.length === 0) return noExample(run, seeds);
  let i = outcomes.findIndex((o) => o.outcome === "all_learnt");
  const found = i >= 0;
  if (!found) {
    i = kept[0];
    for (const k of kept) if (run.finalLoss[k] < run.finalLoss[i]) i = k;
  }
  return {
    n: run.final.n,
    seed: seeds[i],
    row: -1,
    step: run.snapshots.steps[run.snapshots.steps.length - 1],
    rule: found
      ? `first of ${seeds.length} candidate seeds with every feature learnt at the end`
      : `no candidate learnt every feature; lowest final loss of ${seeds.length} candidates`,
    found,
    state: finalState(run.final, i),
    loss: run.finalLoss[i],
    index: i,
    diverged: false,
  };
}

/**
 * The Symmetric Failure example of a batch: the candidate in Symmetric
 * Failure at the most snapshots, shown at the last snapshot where it was in
 * it (its final state when it never left). When no candidate was ever in
 * Symmetric Failure, the first with an unlearnt feature at the end (or the
 * first candidate). `atEnd` counts the candidates in Symmetric Failure at
 * the last snapshot. A candidate that diverged is never picked, even if it
 * was in Symmetric Failure before it diverged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pickFailure } from "./analysis.ts";
 * import { toyTrainConfig, TOY_TRAIN_DEFAULTS } from "./experiments/common.ts";
 * import { trainToy } from "./train.ts";
 * const run = await trainToy(toyTrainConfig({ ...TOY_TRAIN_DEFAULTS, steps: 30 }, { n: 7, m: 2, seeds: [0, 1] }));
 * const example = pickFailure(run, [0, 1]);
 * assert.equal(example.found, false);
 * assert.equal(example.atEnd, 0);
 * ```
 */
export function pickFailure(
  run: ToyTrainResult,
  seeds: number[],
): GeometryExample & { atEnd: number } {
  const t = outcomeTimeline(run, { oneHot: true });
  const rows = t.steps.length;
  const last = rows - 1;
  let best = -1;
  let bestCount = 0;
  let atEnd = 0;
  const kept = undiverged(run);
  for (let i = 0; i < t.instances; i++) {
    let count = 0;
    for (let k = 0; k < rows; k++) count += t.symmetricFailure[k * t.instances + i];
    if (t.symmetricFailure[last * t.instances + i]) atEnd++;
    if (count > bestCount && run.divergedAt[i] < 0) {
      best = i;
      bestCount = count;
    }
  }
  if (kept.length === 0) return { ...noExample(run, seeds), atEnd };
  if (best < 0) {
    const outcomes = finalOutcomes(run, { oneHot: true });
    const i = kept.find((k) => outcomes[k].unlearnt.length > 0) ?? kept[0];
    return {
      n: run.final.n,
      seed: seeds[i],
      row: -1,
      step: t.steps[last],
      rule: `no candidate of ${seeds.length} was ever in Symmetric Failure; ` +
        `first with an unlearnt feature at the end (${outcomeLabel(outcomes[i])})`,
      found: false,
      state: finalState(run.final, i),
      loss: run.finalLoss[i],
      index: i,
      diverged: false,
      atEnd,
    };
  }
  let row = last;
  while (!t.symmetricFailure[row * t.instances + best]) row--;
  const endsThere = row === last;
  const state = endsThere ? finalState(run.final, best) : snapshotState(run, row, best);
  return {
    n: run.final.n,
    seed: seeds[best],
    row: endsThere ? -1 : row,
    step: t.steps[row],
    rule: `the candidate (of ${seeds.length}) in Symmetric Failure at the most snapshots ` +
      `(${bestCount} of ${rows}); ` +
      (endsThere
        ? "it is still there at the end"
        : `shown at step ${t.steps[row]}, after which it left`),
    found: true,
    state,
    loss: endsThere ? run.finalLoss[best] : identityLoss(state.W, state.b),
    index: best,
    diverged: false,
    atEnd,
  };
}

/** What toy-geometry's summary says about one example (see {@link describeExample}). */
export interface ExampleDescription {
  /** Features of the run. */
  n: number;
  /** Seed of the example. */
  seed: number;
  /** Training step of the state described. */
  step: number;
  /** How the example was chosen. */
  rule: string;
  /** Whether it meets its goal. */
  found: boolean;
  /** Loss of the state on one-hot data. */
  loss: number;
  /** Features with ‖Wᵢ‖ ≥ 0.1. */
  learnt_features: number;
  /** The other features, numbered from 1. */
  unlearnt_features: number[];
  /** Bias of each unlearnt feature. */
  unlearnt_bias: number[];
  /** 1/n, where an unlearnt feature's bias settles. */
  one_over_n: number;
  /** Mean norm of the learnt columns. */
  learnt_norm_mean: number;
  /** Coefficient of variation of the learnt columns' norms. */
  learnt_norm_cv: number;
  /** Mean angle between neighbouring learnt columns (m = 2; NaN otherwise). */
  adjacent_gap_deg_mean: number;
  /** Largest distance of a neighbour angle from that mean. */
  adjacent_gap_deg_max_dev: number;
}

/**
 * Learnt and unlearnt features of an example (‖Wᵢ‖ ≥ 0.1 or not), the
 * spread of the learnt norms and of the angles between neighbours.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeExample } from "./analysis.ts";
 * import { symmetricFailure } from "./closed_forms.ts";
 * const state = symmetricFailure(7);
 * const d = describeExample({ n: 7, seed: 0, row: -1, step: 0, rule: "closed form", found: true, state, loss: 0, index: 0 });
 * assert.equal(d.learnt_features, 6);
 * assert.deepEqual(d.unlearnt_features, [7]);
 * assert.ok(Math.abs(d.adjacent_gap_deg_mean - 60) < 1e-9);
 * ```
 */
export function describeExample(e: GeometryExample): ExampleDescription {
  const norms = e.state.W[0].map((_, i) => Math.hypot(...e.state.W.map((r) => r[i])));
  const learnt = norms.flatMap((v, i) => (v >= 0.1 ? [i + 1] : []));
  const unlearnt = norms.flatMap((v, i) => (v < 0.1 ? [i + 1] : []));
  const gaps = e.state.W.length === 2 ? adjacentGaps(e.state.W, learnt) : [];
  const learntNorms = learnt.map((f) => norms[f - 1]);
  const normMean = mean(learntNorms);
  const gapMean = gaps.length ? mean(gaps) : NaN;
  return {
    n: e.n,
    seed: e.seed,
    step: e.step,
    rule: e.rule,
    found: e.found,
    loss: e.loss,
    learnt_features: learnt.length,
    unlearnt_features: unlearnt,
    unlearnt_bias: unlearnt.map((f) => e.state.b[f - 1]),
    one_over_n: 1 / e.n,
    learnt_norm_mean: normMean,
    learnt_norm_cv: Math.sqrt(mean(learntNorms.map((v) => (v - normMean) ** 2))) / normMean,
    adjacent_gap_deg_mean: gapMean,
    adjacent_gap_deg_max_dev: gaps.length ? maxOf(gaps.map((g) => Math.abs(g - gapMean))) : NaN,
  };
}

// ---- toy-seed-sweep: what became of every seed of a sweep ----------------

/**
 * Seeds trained as the instances of one run, each classified at the end and at every snapshot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ClassifiedSweep, finalOutcomes, outcomeTimeline } from "./analysis.ts";
 * import { fromStates } from "./experiments/failure_common.ts";
 * import { baseFailure } from "./failure_states.ts";
 * import { trainToy } from "./train.ts";
 * const train = await trainToy(fromStates([baseFailure(7)], { lr: 0.1, steps: 20, snapshotEvery: 10 }));
 * const sweep: ClassifiedSweep = {
 *   seeds: [3],
 *   train,
 *   outcomes: finalOutcomes(train, { oneHot: true }),
 *   timeline: outcomeTimeline(train, { oneHot: true }),
 * };
 * assert.deepEqual(sweep.timeline.steps, [0, 10, 20]);
 * // Exact Symmetric Failure is a stationary point: it is there at every snapshot.
 * assert.ok(sweep.timeline.symmetricFailure.every((x) => x === 1));
 * assert.equal(sweep.outcomes[0].state, "symmetric failure");
 * ```
 */
export interface ClassifiedSweep {
  /** Seed of each instance. */
  seeds: number[];
  /** The training run. */
  train: ToyTrainResult;
  /** Final outcome of each instance (see {@link finalOutcomes}). */
  outcomes: ToyOutcome[];
  /** Outcome of each instance at each snapshot (see {@link outcomeTimeline}). */
  timeline: OutcomeTimeline;
}

/**
 * One seed of a sweep: its final state and its failure history (toy-seed-sweep's
 * `runs` table). A seed that diverged has null in every field but `seed`,
 * `outcome` and `diverged_at_step`.
 */
export interface SweepRunRow {
  /** The seed. */
  seed: number;
  /** Final state (one of {@link STATES}). */
  outcome: State;
  /** Unlearnt features at the end. */
  n_unlearnt: number;
  /** Those features, numbered from 1 and joined by ";". */
  unlearnt_features: string;
  /** Mean bias of the unlearnt features (null when there are none). */
  unlearnt_bias: number | null;
  /** Whether every unlearnt bias is within 10% of 1/n (null when there are none). */
  bias_at_1_over_n: boolean | null;
  /** Whether the seed ends in Symmetric Failure. */
  symmetric_failure: boolean;
  /** First snapshot step from which the seed stays in its final state (-1: not in it at the last snapshot). */
  outcome_since_step: number;
  /** See {@link FailureHistory}. */
  failed_at_step: number | null;
  /** See {@link FailureHistory}. */
  failure_kind: State | null;
  /** See {@link FailureHistory}. */
  symmetric_at_step: number | null;
  /** See {@link FailureHistory}. */
  recovered_at_step: number | null;
  /** Steps from failing to recovering, or to the last snapshot when it did not recover. */
  failure_steps: number | null;
  /** Whether a skewed failure came between failing and recovering (null: never failed). */
  skewed_before_recovery: boolean | null;
  /** Separate stretches of settled failure. */
  failure_episodes: number;
  /** Final loss (null when not finite). */
  final_loss: number | null;
  /** Step of divergence (null: did not diverge). */
  diverged_at_step: number | null;
}

/** First snapshot step from which instance `i` keeps label `code` to the end (-1 if it never does). */
function settledAt(t: OutcomeTimeline, i: number, code: number): number {
  let since = -1;
  for (let k = 0; k < t.steps.length; k++) {
    if (t.codes[k * t.instances + i] === code) {
      if (since < 0) since = t.steps[k];
    } else {
      since = -1;
    }
  }
  return since;
}

/**
 * One row per seed of a sweep: its final state and its failure history (a
 * seed that diverged keeps its seed, its state and the step, nothing else).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { finalOutcomes, outcomeTimeline, sweepRunRows } from "./analysis.ts";
 * import { toyTrainConfig, TOY_TRAIN_DEFAULTS } from "./experiments/common.ts";
 * import { trainToy } from "./train.ts";
 * const train = await trainToy(toyTrainConfig({ ...TOY_TRAIN_DEFAULTS, steps: 30 }, { n: 5, m: 2, seeds: [0, 1] }));
 * const rows = sweepRunRows({
 *   seeds: [0, 1],
 *   train,
 *   outcomes: finalOutcomes(train, { oneHot: true }),
 *   timeline: outcomeTimeline(train, { oneHot: true }),
 * });
 * assert.deepEqual(rows.map((r) => r.seed), [0, 1]);
 * ```
 */
export function sweepRunRows(sweep: ClassifiedSweep): SweepRunRow[] {
  const { seeds, train, outcomes, timeline } = sweep;
  return seeds.map((seed, i) => {
    const o = outcomes[i];
    const h = failureHistory(timeline, i);
    return {
      seed,
      outcome: outcomeLabel(o),
      n_unlearnt: o.unlearnt.length,
      unlearnt_features: o.unlearnt.join(";"),
      unlearnt_bias: Number.isNaN(o.unlearntBias) ? null : o.unlearntBias,
      bias_at_1_over_n: o.unlearnt.length ? o.biasAtMean : null,
      symmetric_failure: o.symmetricFailure,
      outcome_since_step: settledAt(timeline, i, STATES.indexOf(outcomeLabel(o))),
      failed_at_step: h.failedAt,
      failure_kind: h.failureKind,
      symmetric_at_step: h.symmetricAt,
      recovered_at_step: h.recoveredAt,
      failure_steps: h.failedAt === null
        ? null
        : (h.recoveredAt ?? timeline.steps[timeline.steps.length - 1]) - h.failedAt,
      skewed_before_recovery: h.failedAt === null ? null : h.skewed,
      failure_episodes: h.episodes,
      final_loss: Number.isNaN(train.finalLoss[i]) ? null : train.finalLoss[i],
      diverged_at_step: train.divergedAt[i] >= 0 ? train.divergedAt[i] : null,
    };
  }).map((row) =>
    row.diverged_at_step === null
      ? row
      : blankRow(row, ["seed", "outcome", "diverged_at_step"]) as SweepRunRow
  );
}

/** What a sweep's seeds add up to (see {@link sweepStats}). */
export interface SweepStats {
  /** Seeds per final state, in the order the states first occur. */
  counts: Record<string, number>;
  /** How often and how fast the seeds that did not diverge left their failures. */
  recovery: RecoveryStats;
  /** Upper median of the finite final losses (null when none is finite). */
  medianFinalLoss: number | null;
  /** Mean bias of the unlearnt feature over the seeds in Symmetric Failure (null when none). */
  meanSymmetricFailureBias: number | null;
}

/**
 * Counts of the final states, recovery statistics, the median final loss
 * and the mean unlearnt bias in Symmetric Failure of a sweep.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { finalOutcomes, outcomeTimeline, sweepStats } from "./analysis.ts";
 * import { toyTrainConfig, TOY_TRAIN_DEFAULTS } from "./experiments/common.ts";
 * import { trainToy } from "./train.ts";
 * const train = await trainToy(toyTrainConfig({ ...TOY_TRAIN_DEFAULTS, steps: 30 }, { n: 5, m: 2, seeds: [0, 1] }));
 * const stats = sweepStats({
 *   seeds: [0, 1],
 *   train,
 *   outcomes: finalOutcomes(train, { oneHot: true }),
 *   timeline: outcomeTimeline(train, { oneHot: true }),
 * });
 * assert.equal(Object.values(stats.counts).reduce((s, v) => s + v, 0), 2);
 * assert.equal(stats.recovery.instances, 2);
 * ```
 */
export function sweepStats(sweep: ClassifiedSweep): SweepStats {
  const { seeds, train, outcomes, timeline } = sweep;
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[outcomeLabel(o)] = (counts[outcomeLabel(o)] ?? 0) + 1;
  const sfBiases = outcomes.flatMap((o) => (o.symmetricFailure ? [o.unlearntBias] : []));
  const finite = [...train.finalLoss].filter(Number.isFinite).sort((a, b) => a - b);
  return {
    counts,
    recovery: recoveryStats(
      undiverged(train, seeds.map((_, i) => i)).map((i) => failureHistory(timeline, i)),
    ),
    medianFinalLoss: finite.length ? finite[Math.floor(finite.length / 2)] : null,
    meanSymmetricFailureBias: sfBiases.length
      ? sfBiases.reduce((s, v) => s + v, 0) / sfBiases.length
      : null,
  };
}

// ---- toy-failure-survey: failures and recoveries per setting -------------

/**
 * One (n, optimizer, learning rate) of the failure survey.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SurveyCell, surveySettings, symmetricVerdict } from "./analysis.ts";
 * import { regularPolygon } from "./closed_forms.ts";
 * import { fromStates } from "./experiments/failure_common.ts";
 * import { baseFailure } from "./failure_states.ts";
 * import { trainToy } from "./train.ts";
 * // Two seeds at one learning rate: exact Symmetric Failure and the regular heptagon.
 * const starts = [baseFailure(7), regularPolygon(7)];
 * const run = await trainToy(fromStates(starts, { lr: 0.1, steps: 20, snapshotEvery: 10 }));
 * const job = { n: 7, optimizer: "sgd" as const, lrs: [0.1], seeds: [0, 1] };
 * const [cell]: SurveyCell[] = surveySettings(run, job).cells;
 * assert.equal(cell.setting, "sgd lr=0.1");
 * assert.deepEqual(cell.final, { "symmetric failure": 0.5, "all learnt": 0.5 });
 * assert.deepEqual([cell.symmetric, cell.symmetricStillAtEnd], [1, 1]);
 * assert.equal(symmetricVerdict(cell), "resting state");
 * ```
 */
export interface SurveyCell extends RecoveryStats {
  /** Seeds of the setting (`instances` counts those that did not diverge). */
  seeds: number;
  /** Seeds that diverged: left out of every share and count but `seeds`. */
  diverged: number;
  /** Features. */
  n: number;
  /** Optimizer. */
  optimizer: OptimizerName;
  /** Learning rate. */
  lr: number;
  /** "optimizer lr=…", the setting's label. */
  setting: string;
  /** Share of the instances that did not diverge in each state at the end. */
  final: Record<string, number>;
  /** Of the instances ever in Symmetric Failure, the share still in it at the end. */
  symmetricStillAtEnd: number | null;
}

/**
 * One seed of one setting of the failure survey (its `runs` table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SurveyRunRow, surveySettings } from "./analysis.ts";
 * import { regularPolygon } from "./closed_forms.ts";
 * import { fromStates } from "./experiments/failure_common.ts";
 * import { baseFailure } from "./failure_states.ts";
 * import { trainToy } from "./train.ts";
 * // Two seeds at one learning rate: exact Symmetric Failure and the regular heptagon.
 * const starts = [baseFailure(7), regularPolygon(7)];
 * const run = await trainToy(fromStates(starts, { lr: 0.1, steps: 20, snapshotEvery: 10 }));
 * const job = { n: 7, optimizer: "sgd" as const, lrs: [0.1], seeds: [0, 1] };
 * const [failure, learnt]: SurveyRunRow[] = surveySettings(run, job).runs;
 * assert.deepEqual([failure.outcome, failure.failed_at_step, failure.recovered_at_step], [
 *   "symmetric failure",
 *   0,
 *   null,
 * ]);
 * assert.deepEqual([learnt.outcome, learnt.failed_at_step], ["all learnt", null]);
 * ```
 */
export interface SurveyRunRow {
  /** Features. */
  n: number;
  /** Optimizer. */
  optimizer: OptimizerName;
  /** Learning rate. */
  lr: number;
  /** The seed. */
  seed: number;
  /** Final state (one of {@link STATES}). */
  outcome: State;
  /** See {@link FailureHistory}. */
  failed_at_step: number | null;
  /** See {@link FailureHistory}. */
  failure_kind: State | null;
  /** See {@link FailureHistory}. */
  symmetric_at_step: number | null;
  /** See {@link FailureHistory}. */
  recovered_at_step: number | null;
  /** Whether a skewed failure came between failing and recovering (null: never failed). */
  skewed_before_recovery: boolean | null;
  /** Final loss (null when not finite). */
  final_loss: number | null;
  /** Step of divergence (null: did not diverge; then every field but the setting's is null). */
  diverged_at_step: number | null;
}

/**
 * Share of one setting's seeds in one state at one snapshot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SurveyFractionRow, surveySettings } from "./analysis.ts";
 * import { regularPolygon } from "./closed_forms.ts";
 * import { fromStates } from "./experiments/failure_common.ts";
 * import { baseFailure } from "./failure_states.ts";
 * import { trainToy } from "./train.ts";
 * // Two seeds at one learning rate: exact Symmetric Failure and the regular heptagon.
 * const starts = [baseFailure(7), regularPolygon(7)];
 * const run = await trainToy(fromStates(starts, { lr: 0.1, steps: 20, snapshotEvery: 10 }));
 * const job = { n: 7, optimizer: "sgd" as const, lrs: [0.1], seeds: [0, 1] };
 * const rows: SurveyFractionRow[] = surveySettings(run, job).fractions;
 * assert.deepEqual(rows.map((r) => r.step), [0, 0, 10, 10, 20, 20]); // two states per snapshot
 * assert.ok(rows.every((r) => r.fraction === 0.5)); // one seed of two in each
 * ```
 */
export interface SurveyFractionRow {
  /** "optimizer lr=…". */
  setting: string;
  /** Features. */
  n: number;
  /** Training step. */
  step: number;
  /** The state (one of {@link STATES}). */
  outcome: string;
  /** Share of the setting's seeds that did not diverge in it. */
  fraction: number;
}

/**
 * The survey's rows of one batched run at size n and one optimizer, whose
 * instances are the same `seeds` at each learning rate of `lrs` in turn:
 * one {@link SurveyCell} per learning rate, one {@link SurveyRunRow} per
 * instance and the state fractions over time of each learning rate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { surveySettings } from "./analysis.ts";
 * import { toyTrainConfig, TOY_TRAIN_DEFAULTS } from "./experiments/common.ts";
 * import { trainToy } from "./train.ts";
 * const config = toyTrainConfig({ ...TOY_TRAIN_DEFAULTS, steps: 30 }, { n: 5, m: 2, seeds: [0, 1, 0, 1] });
 * const run = await trainToy({ ...config, lrs: [1e-3, 1e-3, 3e-3, 3e-3] });
 * const rows = surveySettings(run, { n: 5, optimizer: "adamw", lrs: [1e-3, 3e-3], seeds: [0, 1] });
 * assert.deepEqual(rows.cells.map((x) => x.setting), ["adamw lr=0.001", "adamw lr=0.003"]);
 * assert.equal(rows.runs.length, 4);
 * ```
 */
export function surveySettings(
  run: ToyTrainResult,
  job: { n: number; optimizer: OptimizerName; lrs: number[]; seeds: number[] },
): { cells: SurveyCell[]; runs: SurveyRunRow[]; fractions: SurveyFractionRow[] } {
  const { n, optimizer, seeds } = job;
  const timeline = outcomeTimeline(run, { oneHot: true });
  const outcomes = finalOutcomes(run, { oneHot: true });
  const cells: SurveyCell[] = [];
  const runs: SurveyRunRow[] = [];
  const fractions: SurveyFractionRow[] = [];
  job.lrs.forEach((lr, l) => {
    const index = seeds.map((_, s) => l * seeds.length + s);
    // Every share and count is over the seeds that did not diverge.
    const kept = undiverged(run, index);
    const histories = index.map((i) => failureHistory(timeline, i));
    const keptHistories = kept.map((i) => histories[index.indexOf(i)]);
    const setting = `${optimizer} lr=${lr}`;
    const final: Record<string, number> = {};
    for (const i of kept) final[outcomes[i].state] = (final[outcomes[i].state] ?? 0) + 1;
    for (const state of Object.keys(final)) final[state] /= kept.length;
    const everSymmetric = kept.filter((i) => histories[index.indexOf(i)].symmetricAt !== null);
    const stillSymmetric = everSymmetric.filter((i) => outcomes[i].symmetricFailure).length;
    cells.push({
      seeds: seeds.length,
      diverged: seeds.length - kept.length,
      n,
      optimizer,
      lr,
      setting,
      final,
      symmetricStillAtEnd: everSymmetric.length ? stillSymmetric / everSymmetric.length : null,
      ...recoveryStats(keptHistories),
    });
    index.forEach((i, s) => {
      const h = histories[s];
      const row: SurveyRunRow = {
        n,
        optimizer,
        lr,
        seed: seeds[s],
        outcome: outcomes[i].state,
        failed_at_step: h.failedAt,
        failure_kind: h.failureKind,
        symmetric_at_step: h.symmetricAt,
        recovered_at_step: h.recoveredAt,
        skewed_before_recovery: h.failedAt === null ? null : h.skewed,
        final_loss: Number.isFinite(run.finalLoss[i]) ? run.finalLoss[i] : null,
        diverged_at_step: run.divergedAt[i] >= 0 ? run.divergedAt[i] : null,
      };
      const keep: (keyof SurveyRunRow)[] = ["n", "optimizer", "lr", "seed", "outcome"];
      runs.push(
        row.diverged_at_step === null
          ? row
          : blankRow(row, [...keep, "diverged_at_step"]) as SurveyRunRow,
      );
    });
    for (const f of outcomeFractions(subTimeline(timeline, kept))) {
      fractions.push({ setting, n, ...f });
    }
  });
  return { cells, runs, fractions };
}

/** What Symmetric Failure is in one survey setting, in words. */
export type SymmetricVerdict = "never seen" | "resting state" | "transient" | "mixed";

/**
 * Whether Symmetric Failure is a resting state in a setting (half or more of
 * the seeds that reached it are still in it at the end), a transient (half or
 * more recovered), mixed, or never seen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricVerdict } from "./analysis.ts";
 * assert.equal(symmetricVerdict({ symmetric: 0, symmetricStillAtEnd: null, recoveredFromSymmetric: 0 }), "never seen");
 * assert.equal(symmetricVerdict({ symmetric: 4, symmetricStillAtEnd: 0.75, recoveredFromSymmetric: 1 }), "resting state");
 * assert.equal(symmetricVerdict({ symmetric: 4, symmetricStillAtEnd: 0, recoveredFromSymmetric: 3 }), "transient");
 * ```
 */
export function symmetricVerdict(
  x: Pick<SurveyCell, "symmetric" | "symmetricStillAtEnd" | "recoveredFromSymmetric">,
): SymmetricVerdict {
  return x.symmetric === 0
    ? "never seen"
    : x.symmetricStillAtEnd! >= 0.5
    ? "resting state"
    : x.recoveredFromSymmetric / x.symmetric >= 0.5
    ? "transient"
    : "mixed";
}

/**
 * One setting of the survey as a row of its `survey` table (a setting whose
 * every seed diverged has null in every field but n, optimizer, lr, seeds and
 * diverged).
 */
export interface SurveyTableRow {
  /** Features. */
  n: number;
  /** Optimizer. */
  optimizer: OptimizerName;
  /** Learning rate. */
  lr: number;
  /** Seeds of the setting. */
  seeds: number;
  /** Share with every feature learnt at the end (null when every seed diverged). */
  all_learnt_at_end: number | null;
  /** Share in Symmetric Failure at the end (null when every seed diverged). */
  symmetric_failure_at_end: number | null;
  /** Share with merged features at the end (null when every seed diverged). */
  merged_at_end: number | null;
  /** Seeds that settled into a failure. */
  failed: number;
  /** Of those, seeds that recovered. */
  recovered: number;
  /** Failed seeds not all learnt at the end. */
  still_failing: number;
  /** Seeds in Symmetric Failure at some snapshot. */
  ever_symmetric: number;
  /** Of those, seeds that recovered. */
  recovered_from_symmetric: number;
  /** Of those, the share still in Symmetric Failure at the end. */
  symmetric_still_at_end: number | null;
  /** See {@link symmetricVerdict}. */
  symmetric_verdict: SymmetricVerdict;
  /** Median steps from failing to recovering (null: none recovered). */
  failure_steps_median: number | null;
  /** Median steps from Symmetric Failure to recovering (null: none recovered). */
  symmetric_to_recovery_median: number | null;
  /** Recovered seeds that passed through a skewed failure. */
  recovered_via_skew: number;
  /** Seeds that diverged (left out of every share and count but `seeds`). */
  diverged: number;
}

/**
 * The survey's table: one row per setting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { surveySettings, surveyTableRows } from "./analysis.ts";
 * import { toyTrainConfig, TOY_TRAIN_DEFAULTS } from "./experiments/common.ts";
 * import { trainToy } from "./train.ts";
 * const run = await trainToy(toyTrainConfig({ ...TOY_TRAIN_DEFAULTS, steps: 30 }, { n: 5, m: 2, seeds: [0, 1] }));
 * const { cells } = surveySettings(run, { n: 5, optimizer: "adamw", lrs: [1e-3], seeds: [0, 1] });
 * const [row] = surveyTableRows(cells);
 * assert.deepEqual([row.seeds, row.all_learnt_at_end, row.symmetric_verdict], [2, 0, "never seen"]);
 * ```
 */
export function surveyTableRows(cells: SurveyCell[]): SurveyTableRow[] {
  const share = (x: SurveyCell, state: State) => x.instances ? x.final[state] ?? 0 : null;
  return cells.map((x) => ({
    n: x.n,
    optimizer: x.optimizer,
    lr: x.lr,
    seeds: x.seeds,
    all_learnt_at_end: share(x, "all learnt"),
    symmetric_failure_at_end: share(x, "symmetric failure"),
    merged_at_end: share(x, "merged features"),
    failed: x.failed,
    recovered: x.recovered,
    still_failing: x.stillFailing,
    ever_symmetric: x.symmetric,
    recovered_from_symmetric: x.recoveredFromSymmetric,
    symmetric_still_at_end: x.symmetricStillAtEnd,
    symmetric_verdict: symmetricVerdict(x),
    failure_steps_median: x.recovered ? x.duration.median : null,
    symmetric_to_recovery_median: x.recoveredFromSymmetric ? x.durationFromSymmetric.median : null,
    recovered_via_skew: x.recoveredViaSkew,
    diverged: x.diverged,
  })).map((row, k) =>
    cells[k].instances
      ? row
      : blankRow(row, ["n", "optimizer", "lr", "seeds", "diverged"]) as SurveyTableRow
  );
}

/** The survey's settings of one optimizer, added up (see {@link surveyByOptimizer}). */
export interface OptimizerTally {
  /** Instances over every n and learning rate that did not diverge. */
  instances: number;
  /** Instances that diverged (left out of every count here). */
  diverged: number;
  /** Of those, instances that settled into a failure. */
  failed: number;
  /** Of those, instances that recovered. */
  recovered: number;
  /** Instances in Symmetric Failure at some snapshot. */
  ever_symmetric: number;
  /** Of those, instances that recovered. */
  recovered_from_symmetric: number;
  /** Of those, instances still in it at the end. */
  symmetric_still_at_end: number;
  /** {@link symmetricVerdict} per "n=… lr=…". */
  verdicts: Record<string, SymmetricVerdict>;
}

/**
 * The survey's cells added up per optimizer, in the order the optimizers first occur.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { surveyByOptimizer, surveySettings } from "./analysis.ts";
 * import { toyTrainConfig, TOY_TRAIN_DEFAULTS } from "./experiments/common.ts";
 * import { trainToy } from "./train.ts";
 * const run = await trainToy(toyTrainConfig({ ...TOY_TRAIN_DEFAULTS, steps: 30 }, { n: 5, m: 2, seeds: [0, 1] }));
 * const { cells } = surveySettings(run, { n: 5, optimizer: "adamw", lrs: [1e-3], seeds: [0, 1] });
 * const tally = surveyByOptimizer(cells);
 * assert.equal(tally.adamw.instances, 2);
 * assert.deepEqual(tally.adamw.verdicts, { "n=5 lr=0.001": "never seen" });
 * ```
 */
export function surveyByOptimizer(cells: SurveyCell[]): Record<string, OptimizerTally> {
  return Object.fromEntries(
    [...new Set(cells.map((x) => x.optimizer))].map((opt) => {
      const mine = cells.filter((x) => x.optimizer === opt);
      const sum = (f: (x: SurveyCell) => number) => mine.reduce((s, x) => s + f(x), 0);
      const tally: OptimizerTally = {
        instances: sum((x) => x.instances),
        diverged: sum((x) => x.diverged),
        failed: sum((x) => x.failed),
        recovered: sum((x) => x.recovered),
        ever_symmetric: sum((x) => x.symmetric),
        recovered_from_symmetric: sum((x) => x.recoveredFromSymmetric),
        symmetric_still_at_end: sum((x) => Math.round((x.symmetricStillAtEnd ?? 0) * x.symmetric)),
        verdicts: Object.fromEntries(mine.map((x) => [`n=${x.n} lr=${x.lr}`, symmetricVerdict(x)])),
      };
      return [opt, tally];
    }),
  );
}

// ---- toy-bias-optimum: where the unlearnt features' biases settle --------

/**
 * One n of toy-bias-optimum (its `bias_optimum` table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { biasOptimumRow, type BiasRow } from "./analysis.ts";
 * import { symmetricFailureLoss } from "./closed_forms.ts";
 * // One perturbed start back in Symmetric Failure at n = 5, at b = 1/5 and (n−1)/n³ = 4/125.
 * const row: BiasRow = biasOptimumRow(5, {
 *   seeds: 1,
 *   natural: 0,
 *   symmetric: [{ bias: 0.2, loss: 0.032 }],
 *   features: [],
 * });
 * assert.equal(row.symmetric_failure_loss, symmetricFailureLoss(5));
 * assert.ok(row.bias_max_rel_error! < 1e-12 && row.loss_max_rel_error! < 1e-12);
 * ```
 */
export interface BiasRow {
  /** Features. */
  n: number;
  /** Seeds of each part. */
  seeds: number;
  /** Random starts that ended with one unlearnt column and the others a regular polygon. */
  natural_symmetric_failures: number;
  /** Perturbed Symmetric Failure starts that are back in it at the end (the bias and loss columns). */
  in_symmetric_failure: number;
  /** Mean unlearnt bias of those (null: none). */
  bias_mean: number | null;
  /** Smallest of those biases. */
  bias_min: number | null;
  /** Largest of those biases. */
  bias_max: number | null;
  /** 1/n, the best constant output. */
  one_over_n: number;
  /** Largest |bᵢ − 1/n| / (1/n) over the instances. */
  bias_max_rel_error: number | null;
  /** Mean final loss of those instances. */
  loss_mean: number | null;
  /** (n−1)/n³, the loss of exact Symmetric Failure. */
  symmetric_failure_loss: number;
  /** Largest |loss − (n−1)/n³| / ((n−1)/n³). */
  loss_max_rel_error: number | null;
  /** Unlearnt features in any settled failure (k ≥ 1 unlearnt, the rest exact). */
  settled_unlearnt_features: number;
  /** Mean bias of those features. */
  settled_bias_mean: number | null;
  /** Smallest bias of those features. */
  settled_bias_min: number | null;
  /** Largest bias of those features. */
  settled_bias_max: number | null;
  /** Largest |bᵢ·n − 1| over those features. */
  settled_bias_max_rel_error: number | null;
  /** Random starts that diverged (no state, so in none of the counts above). */
  diverged: number;
  /** Perturbed Symmetric Failure starts that diverged. */
  diverged_from_failure: number;
}

/**
 * One unlearnt feature of a settled failure (toy-bias-optimum's `unlearnt_features` table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { biasByNorm, type UnlearntFeatureRow } from "./analysis.ts";
 * import { symmetricFailure } from "./closed_forms.ts";
 * const { W, b } = symmetricFailure(7); // feature 7 is the unlearnt one
 * const row: UnlearntFeatureRow = {
 *   n: 7,
 *   seed: 0,
 *   feature: 7,
 *   k: 1,
 *   norm: Math.hypot(W[0][6], W[1][6]),
 *   bias: b[6],
 *   rel_error: b[6] * 7 - 1,
 * };
 * assert.equal(row.norm, 0);
 * assert.ok(Math.abs(row.rel_error) < 1e-15); // the bias sits at 1/n
 * assert.equal(biasByNorm([row], [1e-3])[0].features, 1);
 * ```
 */
export interface UnlearntFeatureRow {
  /** Features of its run. */
  n: number;
  /** Seed of its instance. */
  seed: number;
  /** The feature, numbered from 1. */
  feature: number;
  /** Unlearnt features in its instance. */
  k: number;
  /** ‖Wᵢ‖. */
  norm: number;
  /** bᵢ. */
  bias: number;
  /** bᵢ·n − 1: the relative distance from 1/n. */
  rel_error: number;
}

/**
 * Every unlearnt feature of every settled failure of a run (whatever k: each
 * outputs a constant), its instances numbered as seeds from `seed` (m = 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { finalOutcomes, unlearntFeatureRows } from "./analysis.ts";
 * import { fromStates } from "./experiments/failure_common.ts";
 * import { baseFailure } from "./failure_states.ts";
 * import { trainToy } from "./train.ts";
 * const run = await trainToy(fromStates([baseFailure(7)], { lr: 0.1, steps: 2 }));
 * const [row] = unlearntFeatureRows(run, { outcomes: finalOutcomes(run, { oneHot: true }), seed: 40 });
 * assert.deepEqual([row.seed, row.feature, row.k], [40, 7, 1]);
 * assert.ok(Math.abs(row.rel_error) < 1e-9); // exact Symmetric Failure: b₇ = 1/7
 * ```
 */
export function unlearntFeatureRows(
  run: ToyTrainResult,
  options: { outcomes: ToyOutcome[]; seed: number },
): UnlearntFeatureRow[] {
  const n = run.final.n;
  return options.outcomes.flatMap((o, i) => {
    if (!o.settled || o.unlearnt.length === 0) return [];
    const { W, b } = finalState(run.final, i);
    return o.unlearnt.map((f) => ({
      n,
      seed: options.seed + i,
      feature: f,
      k: o.unlearnt.length,
      norm: Math.hypot(W[0][f - 1], W[1][f - 1]),
      bias: b[f - 1],
      rel_error: b[f - 1] * n - 1,
    }));
  });
}

/**
 * The {@link BiasRow} of one n: `natural` random starts ended in Symmetric
 * Failure; `symmetric` lists the unlearnt bias and the loss of every
 * perturbed start back in it; `features` are the unlearnt features of the
 * random starts' settled failures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { biasOptimumRow } from "./analysis.ts";
 * const row = biasOptimumRow(7, {
 *   seeds: 2,
 *   natural: 0,
 *   symmetric: [{ bias: 1 / 7, loss: 6 / 343 }],
 *   features: [],
 * });
 * assert.equal(row.bias_max_rel_error, 0);
 * assert.equal(row.settled_bias_mean, null);
 * ```
 */
export function biasOptimumRow(
  n: number,
  parts: {
    seeds: number;
    natural: number;
    symmetric: { bias: number; loss: number }[];
    features: UnlearntFeatureRow[];
    /** Random starts and perturbed starts that diverged (default 0 each). */
    diverged?: { random: number; fromFailure: number };
  },
): BiasRow {
  const biases = parts.symmetric.map((x) => x.bias);
  const losses = parts.symmetric.map((x) => x.loss);
  const settledBiases = parts.features.map((x) => x.bias);
  const ref = symmetricFailureLoss(n);
  const meanOrNull = (xs: number[]) => (xs.length ? mean(xs) : null);
  return {
    n,
    seeds: parts.seeds,
    natural_symmetric_failures: parts.natural,
    in_symmetric_failure: parts.symmetric.length,
    bias_mean: meanOrNull(biases),
    bias_min: biases.length ? minOf(biases) : null,
    bias_max: biases.length ? maxOf(biases) : null,
    one_over_n: 1 / n,
    bias_max_rel_error: biases.length ? maxOf(biases.map((b) => Math.abs(b * n - 1))) : null,
    loss_mean: meanOrNull(losses),
    symmetric_failure_loss: ref,
    loss_max_rel_error: losses.length ? maxOf(losses.map((l) => Math.abs(l - ref) / ref)) : null,
    settled_unlearnt_features: settledBiases.length,
    settled_bias_mean: meanOrNull(settledBiases),
    settled_bias_min: settledBiases.length ? minOf(settledBiases) : null,
    settled_bias_max: settledBiases.length ? maxOf(settledBiases) : null,
    settled_bias_max_rel_error: settledBiases.length
      ? maxOf(settledBiases.map((b) => Math.abs(b * n - 1)))
      : null,
    diverged: parts.diverged?.random ?? 0,
    diverged_from_failure: parts.diverged?.fromFailure ?? 0,
  };
}

/** How close unlearnt biases sit to 1/n among the columns shorter than `norm_below`. */
export interface BiasByNorm {
  /** The norm bound. */
  norm_below: number;
  /** Unlearnt features with ‖Wᵢ‖ below it. */
  features: number;
  /** Median |bᵢ·n − 1| over them (null: none). */
  median_abs_rel_error: number | null;
  /** 90% quantile of |bᵢ·n − 1| over them (null: none). */
  p90_abs_rel_error: number | null;
}

/**
 * How close the bias sits to 1/n against how close the column is to zero:
 * |bᵢ·n − 1| over the unlearnt features with ‖Wᵢ‖ below each bound.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { biasByNorm } from "./analysis.ts";
 * const row = { n: 7, seed: 0, feature: 7, k: 1, bias: 1 / 7, rel_error: 0.002 };
 * const [tiny, small] = biasByNorm([{ ...row, norm: 1e-4 }, { ...row, norm: 0.05, rel_error: -0.2 }], [1e-3, 0.1]);
 * assert.deepEqual([tiny.features, small.features], [1, 2]);
 * assert.equal(tiny.median_abs_rel_error, 0.002);
 * ```
 */
export function biasByNorm(features: UnlearntFeatureRow[], limits: number[]): BiasByNorm[] {
  return limits.map((limit) => {
    const errs = features.filter((x) => x.norm < limit).map((x) => Math.abs(x.rel_error))
      .sort((a, b) => a - b);
    return {
      norm_below: limit,
      features: errs.length,
      median_abs_rel_error: errs.length ? quantile(errs, 0.5) : null,
      p90_abs_rel_error: errs.length ? quantile(errs, 0.9) : null,
    };
  });
}

// ---- toy-update-field: the update each column receives, window by window --

/**
 * One window of a run: every column at its start and its mean update per step over the window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { UpdateFrame } from "./analysis.ts";
 * import { perturbedFailure, stateLossGrad } from "./failure_states.ts";
 * // One plain-SGD step (lr 1) from Symmetric Failure with columns 1 and 6 shortened by 5%.
 * const state = perturbedFailure(7, 0.05, { mode: "shorten" });
 * const { gradW } = stateLossGrad(state);
 * const frame: UpdateFrame = {
 *   step: 0,
 *   columns: state.W[0].map((x, j) => ({
 *     feature: j + 1,
 *     x,
 *     y: state.W[1][j],
 *     dx: -gradW[0][j],
 *     dy: -gradW[1][j],
 *   })),
 * };
 * const [a, b, wn] = [frame.columns[0], frame.columns[5], frame.columns[6]];
 * const pair = [a.x + b.x, a.y + b.y];
 * const cos = (wn.dx * pair[0] + wn.dy * pair[1]) /
 *   (Math.hypot(wn.dx, wn.dy) * Math.hypot(pair[0], pair[1]));
 * assert.ok(cos > 1 - 1e-9); // the unlearnt column is pulled towards the weakened pair
 * ```
 */
export interface UpdateFrame {
  /** Step at the window's start. */
  step: number;
  /** Every column (m = 2): its position and its update per step. */
  columns: { feature: number; x: number; y: number; dx: number; dy: number }[];
}

/**
 * The windows between consecutive snapshots of instance `instance` (m = 2):
 * each column's position at the window's start and (Wⱼ(end) − Wⱼ(start)) / span.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { updateFrames } from "./analysis.ts";
 * import { fromStates } from "./experiments/failure_common.ts";
 * import { perturbedFailure } from "./failure_states.ts";
 * import { trainToy } from "./train.ts";
 * const run = await trainToy(fromStates([perturbedFailure(7, 0.05)], { lr: 1, steps: 40, snapshotEvery: 10 }));
 * const frames = updateFrames(run, { instance: 0 });
 * assert.deepEqual(frames.map((f) => f.step), [0, 10, 20, 30]);
 * assert.equal(frames[0].columns.length, 7);
 * ```
 */
export function updateFrames(run: ToyTrainResult, options: { instance: number }): UpdateFrame[] {
  const n = run.final.n;
  const steps = run.snapshots.steps;
  const frames: UpdateFrame[] = [];
  for (let k = 0; k + 1 < steps.length; k++) {
    const a = snapshotState(run, k, options.instance);
    const b = snapshotState(run, k + 1, options.instance);
    const span = steps[k + 1] - steps[k];
    frames.push({
      step: steps[k],
      columns: Array.from({ length: n }, (_, j) => ({
        feature: j + 1,
        x: a.W[0][j],
        y: a.W[1][j],
        dx: (b.W[0][j] - a.W[0][j]) / span,
        dy: (b.W[1][j] - a.W[1][j]) / span,
      })),
    });
  }
  return frames;
}

/** One column in one window (toy-update-field's `updates` table). */
export interface UpdateRow {
  /** Step at the window's start. */
  step: number;
  /** The column's feature, numbered from 1. */
  feature: number;
  /** Its x at the window's start. */
  x: number;
  /** Its y at the window's start. */
  y: number;
  /** Its update of x per step. */
  dx: number;
  /** Its update of y per step. */
  dy: number;
  /** Length of the update per step. */
  update_norm: number;
}

/**
 * The frames as one row per column and window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { updateRows } from "./analysis.ts";
 * const rows = updateRows([{ step: 0, columns: [{ feature: 1, x: 1, y: 0, dx: 3e-4, dy: 4e-4 }] }]);
 * assert.ok(Math.abs(rows[0].update_norm - 5e-4) < 1e-18);
 * ```
 */
export function updateRows(frames: UpdateFrame[]): UpdateRow[] {
  return frames.flatMap((f) =>
    f.columns.map((col) => ({
      step: f.step,
      feature: col.feature,
      x: col.x,
      y: col.y,
      dx: col.dx,
      dy: col.dy,
      update_norm: Math.hypot(col.dx, col.dy),
    }))
  );
}

// ---- toy-chaos: the outcome of every cell of a δ × learning-rate grid ----

/**
 * One cell of toy-chaos's grid (its `chaos` table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ChaosCell } from "./analysis.ts";
 * import { baseFailure, splay } from "./failure_states.ts";
 * const { W } = baseFailure(7);
 * const cell: ChaosCell = {
 *   delta: 0,
 *   lr: 0.5,
 *   splay: splay(W),
 *   wn_norm: Math.hypot(W[0][6], W[1][6]),
 *   learnt: false,
 *   diverged: false,
 *   state: "symmetric failure",
 *   final_loss: 6 / 343,
 * };
 * assert.ok(Math.abs(cell.splay - 6 * Math.SQRT2) < 1e-12); // six hexagon columns of norm √2
 * assert.equal(cell.wn_norm, 0);
 * ```
 */
export interface ChaosCell {
  /** Bias perturbation δ of the start. */
  delta: number;
  /** Learning rate. */
  lr: number;
  /** Sum of the learnt columns' norms at the end (NaN when diverged). */
  splay: number;
  /** ‖Wₙ‖ at the end (NaN when diverged). */
  wn_norm: number;
  /** Whether every feature is learnt at the end. */
  learnt: boolean;
  /** Whether the cell diverged. */
  diverged: boolean;
  /** Final state (one of {@link STATES}). */
  state: string;
  /** Final loss. */
  final_loss: number;
  /** Step of divergence (null: did not diverge). */
  diverged_at?: number | null;
}

/**
 * The cells of a chaos run: instance i of `run` trained the start and
 * learning rate of `grid[i]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chaosCells } from "./analysis.ts";
 * import { fromStates } from "./experiments/failure_common.ts";
 * import { perturbedFailure } from "./failure_states.ts";
 * import { trainToy } from "./train.ts";
 * const grid = [{ delta: 0, lr: 0.5 }, { delta: 0.05, lr: 0.5 }];
 * const run = await trainToy(fromStates(grid.map((x) => perturbedFailure(7, x.delta)), { lr: 0.5, steps: 5 }));
 * const [exact] = chaosCells(run, grid);
 * assert.equal(exact.state, "symmetric failure");
 * assert.ok(exact.wn_norm < 1e-12); // Wₙ stays at zero
 * ```
 */
export function chaosCells(
  run: ToyTrainResult,
  grid: { delta: number; lr: number }[],
): ChaosCell[] {
  const n = run.final.n;
  const outcomes = finalOutcomes(run, { oneHot: true });
  return grid.map(({ delta, lr }, i) => {
    const diverged = run.divergedAt[i] >= 0;
    const { W } = finalState(run.final, i);
    return {
      delta,
      lr,
      splay: diverged ? NaN : splay(W),
      wn_norm: diverged ? NaN : Math.hypot(W[0][n - 1], W[1][n - 1]),
      learnt: outcomes[i].state === "all learnt",
      diverged,
      state: outcomes[i].state,
      final_loss: run.finalLoss[i],
      diverged_at: diverged ? run.divergedAt[i] : null,
    };
  });
}

/**
 * Patchiness of a chaos map: along δ at each fixed learning rate, how often
 * the final state changes between neighbouring cells, of how many pairs. A
 * pair with a diverged cell is not counted: divergence is no final state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ChaosCell, stateChanges } from "./analysis.ts";
 * const cell = (delta: number, lr: number, state: string): ChaosCell =>
 *   ({ delta, lr, state, splay: 1, wn_norm: 0, learnt: false, diverged: false, final_loss: 0 });
 * const cells = [cell(0, 1, "a"), cell(0.1, 1, "b"), cell(0.2, 1, "b"), cell(0, 2, "a"), cell(0.1, 2, "a")];
 * assert.deepEqual(stateChanges(cells), { changes: 1, pairs: 3 });
 * ```
 */
export function stateChanges(cells: ChaosCell[]): { changes: number; pairs: number } {
  const byLr = new Map<number, ChaosCell[]>();
  for (const x of cells) byLr.set(x.lr, [...(byLr.get(x.lr) ?? []), x]);
  let changes = 0;
  let pairs = 0;
  for (const row of byLr.values()) {
    const sorted = [...row].sort((a, b) => a.delta - b.delta);
    for (let k = 1; k < sorted.length; k++) {
      if (sorted[k].diverged || sorted[k - 1].diverged) continue;
      pairs++;
      if (sorted[k].state !== sorted[k - 1].state) changes++;
    }
  }
  return { changes, pairs };
}

/** How the splay of a chaos map changes with the learning rate (see {@link splayTrend}). */
export interface SplayTrend {
  /** Share of neighbouring learning rates (both cells not diverged) where the splay does not fall, below the lr range's geometric middle. */
  rising_low: number;
  /** The same above the middle. */
  rising_high: number;
  /** Pairs counted below the middle. */
  pairs_low: number;
  /** Pairs counted above it. */
  pairs_high: number;
  /** The smallest δ above 0 (at δ = 0 the start is an exact fixed point: nothing can splay). */
  zero_delta: number;
  /** Cells at that δ that did not diverge. */
  zero_delta_cells: number;
  /** Of those, cells whose splay ended 1% or more above the start's. */
  zero_delta_splayed: number;
}

/**
 * The chaos map's splay along the learning rate: in each δ row, whether the
 * splay rises from one learning rate to the next, counted separately below
 * and above the geometric middle of the learning rates (the write-up: it
 * rises, then turns patchy); and at the smallest δ above 0, how many cells
 * splayed at all (1% or more above `baseSplay`, the start's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splayTrend } from "./analysis.ts";
 * const cell = (delta: number, lr: number, splay: number) =>
 *   ({ delta, lr, splay, wn_norm: 0, learnt: false, diverged: false, state: "other", final_loss: 0 });
 * const cells = [1, 2, 4, 8, 16].map((lr, k) => cell(0.01, lr, [8, 9, 10, 9, 12][k]));
 * const t = splayTrend(cells, 8);
 * assert.deepEqual([t.rising_low, t.rising_high], [1, 0.5]);
 * assert.deepEqual([t.zero_delta_cells, t.zero_delta_splayed], [5, 4]);
 * ```
 */
export function splayTrend(cells: ChaosCell[], baseSplay: number): SplayTrend {
  const lrs = [...new Set(cells.map((x) => x.lr))].sort((a, b) => a - b);
  const middle = Math.sqrt(lrs[0] * lrs[lrs.length - 1]);
  const rows = new Map<number, ChaosCell[]>();
  for (const x of cells) rows.set(x.delta, [...(rows.get(x.delta) ?? []), x]);
  const count = { low: 0, high: 0, riseLow: 0, riseHigh: 0 };
  for (const row of rows.values()) {
    row.sort((a, b) => a.lr - b.lr);
    for (let j = 0; j + 1 < row.length; j++) {
      const [a, b] = [row[j], row[j + 1]];
      if (a.diverged || b.diverged) continue;
      const rises = b.splay >= a.splay;
      if (b.lr <= middle) {
        count.low++;
        if (rises) count.riseLow++;
      } else {
        count.high++;
        if (rises) count.riseHigh++;
      }
    }
  }
  const positive = cells.map((x) => x.delta).filter((d) => d > 0);
  const smallest = positive.length ? Math.min(...positive) : 0;
  const zero = cells.filter((x) => x.delta === smallest && !x.diverged);
  return {
    rising_low: count.low ? count.riseLow / count.low : 0,
    rising_high: count.high ? count.riseHigh / count.high : 0,
    pairs_low: count.low,
    pairs_high: count.high,
    zero_delta: smallest,
    zero_delta_cells: zero.length,
    zero_delta_splayed: zero.filter((x) => x.splay >= 1.01 * baseSplay).length,
  };
}
