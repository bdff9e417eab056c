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
 * The second half turns a training run and its outcomes into the rows that
 * the experiment's tables and figures are made of.
 *
 * @module
 */
import { settingLabel, type ShallowAeSetting } from "./model.ts";
import { shallowAeError } from "./kernel.ts";
import type { ShallowAeInstance, ShallowAeTrainResult } from "./train.ts";
import type { CaptureRow, ErrorRow, GapRow, LevelRow, NormRow, OverlapRow } from "./plots.ts";
import { maxOf, mean, median, minOf } from "../../core/stats.ts";
import { blankRow } from "../../core/train/divergence.ts";

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

/**
 * One trained instance measured on held-out rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ShallowAeOutcome } from "../../mod.ts";
 * const o: ShallowAeOutcome = {
 *   setting: "linear-untied-none", activation: "linear", weights: "untied", bias: "none",
 *   seed: 0, error: 0.62, pcaError: 0.6, gap: 0.02, levels: 3, reached: true,
 *   divergedAt: null, levelSteps: [40, 300, 2000],
 * };
 * assert.equal(o.levels, o.levelSteps.length);
 * ```
 */
export interface ShallowAeOutcome {
  /** Its setting's label. */
  setting: string;
  /** Its activation. */
  activation: string;
  /** Its weight tying. */
  weights: string;
  /** Its bias mode. */
  bias: string;
  /** Its seed index. */
  seed: number;
  /** Held-out error (NaN when diverged). */
  error: number;
  /** PCA's error with K components on the same held-out rows. */
  pcaError: number;
  /** (error − PCA(K)) / (PCA(K − 1) − PCA(K)), see {@link pcaGap}. */
  gap: number;
  /** Levels reached, 0 … K (see the module's definition). */
  levels: number;
  /** Whether it reached level K, the PCA error. */
  reached: boolean;
  /** Step at which training diverged (null: never). */
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

/**
 * One row per setting: how many seeds reached the PCA error, errors and gaps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ShallowAeSettingRow } from "../../mod.ts";
 * const row: ShallowAeSettingRow = {
 *   setting: "erf-tied-none", activation: "erf", weights: "tied", bias: "none",
 *   seeds: 2, reached: 0, diverged: 0, verdict: "does not reach",
 *   meanError: 0.9, pcaError: 0.6, medianGap: 1.1, minLevels: 2, maxLevels: 2,
 *   levelSteps: [50, 900, null],
 * };
 * assert.equal(row.verdict, "does not reach");
 * ```
 */
export interface ShallowAeSettingRow {
  /** The setting's label. */
  setting: string;
  /** Its activation. */
  activation: string;
  /** Its weight tying. */
  weights: string;
  /** Its bias mode. */
  bias: string;
  /** How many seeds were trained. */
  seeds: number;
  /** How many seeds reached the PCA error. */
  reached: number;
  /** How many seeds diverged. */
  diverged: number;
  /** Of the seeds that did not diverge: all reached PCA, some did, none did; or all diverged. */
  verdict: "reaches PCA" | "sometimes" | "does not reach" | "diverged";
  /** Mean held-out error of the seeds that did not diverge. */
  meanError: number;
  /** PCA's held-out error with K components. */
  pcaError: number;
  /** Median gap to the PCA error over the seeds that did not diverge. */
  medianGap: number;
  /** Fewest levels any seed that did not diverge reached (NaN when all diverged). */
  minLevels: number;
  /** Most levels any seed that did not diverge reached (NaN when all diverged). */
  maxLevels: number;
  /**
   * Median over the seeds that did not diverge of the first step reaching
   * level k = 1 … K (null when one of them never did, or all diverged).
   */
  levelSteps: (number | null)[];
}

/**
 * Aggregates outcomes by setting, in the order settings first appear. Seeds
 * that diverged are counted in `diverged` and left out of everything else.
 */
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
      : reached === ok.length
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
      minLevels: ok.length ? minOf(ok.map((o) => o.levels)) : NaN,
      maxLevels: ok.length ? maxOf(ok.map((o) => o.levels)) : NaN,
      levelSteps: list[0].levelSteps.map((_, k) => {
        const at = ok.map((o) => o.levelSteps[k]);
        return ok.length && at.every((v) => v !== null) ? median(at as number[]) : null;
      }),
    };
  });
}

/** The settings whose verdict is `verdict`, in table order. */
export function settingsWithVerdict(
  rows: ShallowAeSettingRow[],
  verdict: ShallowAeSettingRow["verdict"],
): string[] {
  return rows.filter((s) => s.verdict === verdict).map((s) => s.setting);
}

/**
 * A row of the `settings` (and `mnist`) table (a setting whose every seed
 * diverged has null in every field but its names, `verdict`, `pca_error` and
 * `diverged`).
 */
export interface SettingsTableRow {
  setting: string;
  activation: string;
  weights: string;
  bias: string;
  verdict: string;
  /** `reached/seeds` over the seeds that did not diverge. */
  reached: string;
  mean_error: number;
  pca_error: number;
  median_gap: number;
  /** Levels reached, as `min–max` over seeds (one number when all agree). */
  levels: string;
  /** Median step reaching level 1 / 2 / … (– when some seed never did). */
  steps_to_levels: string;
  diverged: number;
}

/**
 * The per-setting table, with counts and step lists written out for reading;
 * a setting whose every seed diverged keeps its names, PCA's error and its
 * counts, and leaves the rest empty.
 */
export function settingsTableRows(rows: ShallowAeSettingRow[]): SettingsTableRow[] {
  const keep = ["setting", "activation", "weights", "bias", "verdict", "pca_error", "diverged"];
  return rows.map((s) => ({
    setting: s.setting,
    activation: s.activation,
    weights: s.weights,
    bias: s.bias,
    verdict: s.verdict,
    reached: `${s.reached}/${s.seeds - s.diverged}`,
    mean_error: s.meanError,
    pca_error: s.pcaError,
    median_gap: s.medianGap,
    levels: s.minLevels === s.maxLevels ? `${s.minLevels}` : `${s.minLevels}–${s.maxLevels}`,
    steps_to_levels: s.levelSteps.map((v) => (v === null ? "–" : String(Math.round(v)))).join(
      " / ",
    ),
    diverged: s.diverged,
  })).map((row, i) =>
    rows[i].verdict === "diverged"
      ? blankRow(row, keep as (keyof SettingsTableRow)[]) as SettingsTableRow
      : row
  );
}

/**
 * A row of the `runs` table: one trained instance (one that diverged has null
 * in every field but `setting`, `seed`, `pca_error` and `diverged_at`).
 */
export interface RunsTableRow {
  setting: string;
  seed: number;
  error: number;
  pca_error: number;
  gap: number;
  levels: number;
  reached: boolean;
  diverged_at: number | null;
  /** First step reaching level 1 / 2 / … (– for never). */
  level_steps: string;
}

/**
 * The per-instance table; a diverged instance keeps its names, PCA's error
 * and `diverged_at`, and leaves its metrics empty.
 */
export function runsTableRows(outcomes: ShallowAeOutcome[]): RunsTableRow[] {
  const keep: (keyof RunsTableRow)[] = ["setting", "seed", "pca_error", "diverged_at"];
  return outcomes.map((o) => ({
    setting: o.setting,
    seed: o.seed,
    error: o.error,
    pca_error: o.pcaError,
    gap: o.gap,
    levels: o.levels,
    reached: o.reached,
    diverged_at: o.divergedAt,
    level_steps: o.levelSteps.map((s) => (s === null ? "–" : String(s))).join(" / "),
  })).map((row) => row.diverged_at === null ? row : blankRow(row, keep) as RunsTableRow);
}

/** PCA's levels k = 0 … K as reference-line rows. */
export function levelRows(levels: number[]): LevelRow[] {
  return levels.map((error, k) => ({ k, error }));
}

/** The `pca_levels` table: PCA's error with k components, population and held out. */
export function pcaLevelTableRows(
  population: number[],
  heldOut: number[],
): { components: number; population: number; held_out: number }[] {
  return heldOut.map((error, k) => ({ components: k, population: population[k], held_out: error }));
}

/** Each instance's gap to the PCA error, for the gap figure (diverged ones have none). */
export function gapRows(outcomes: ShallowAeOutcome[]): GapRow[] {
  return outcomes.filter((o) => o.divergedAt === null).map((o) => ({
    setting: o.setting,
    seed: o.seed,
    gap: o.gap,
    reached: o.reached,
  }));
}

/**
 * The training error of each setting averaged over its seeds that did not
 * diverge at every record (seeds whose error is not finite there are left
 * out; a record with none is skipped). `curve` and `panel` name the line and
 * the panel of a setting.
 */
export function meanCurves(
  train: ShallowAeTrainResult,
  by: { curve: (s: ShallowAeSetting) => string; panel: (s: ShallowAeSetting) => string },
): ErrorRow[] {
  const groups = new Map<string, { setting: ShallowAeSetting; errors: Float64Array[] }>();
  for (const inst of train.instances) {
    if (inst.divergedAt !== null) continue;
    const key = settingLabel(inst.setting);
    const g = groups.get(key) ?? { setting: inst.setting, errors: [] };
    g.errors.push(inst.error);
    groups.set(key, g);
  }
  const rows: ErrorRow[] = [];
  for (const { setting, errors } of groups.values()) {
    train.recordSteps.forEach((step, r) => {
      const values = errors.map((e) => e[r]).filter(Number.isFinite);
      if (values.length === 0) return;
      rows.push({
        step,
        error: values.reduce((a, b) => a + b, 0) / values.length,
        curve: by.curve(setting),
        panel: by.panel(setting),
      });
    });
  }
  return rows;
}

/**
 * Seed 0 of each setting named in `labels`, with its label (the instances the
 * figures draw) and the records to draw: a diverged instance's stop before
 * its divergence, since its weights afterwards are no result.
 */
function shownInstances(
  train: ShallowAeTrainResult,
  labels: string[],
): { inst: ShallowAeInstance; label: string; records: number }[] {
  return train.instances
    .map((inst) => ({
      inst,
      label: settingLabel(inst.setting),
      records: inst.divergedAt === null
        ? train.recordSteps.length
        : train.recordSteps.filter((step) => step < inst.divergedAt!).length,
    }))
    .filter(({ inst, label }) => inst.seedIndex === 0 && labels.includes(label));
}

/** The seed-0 instances the figures of `labels` draw that diverged. */
export function shownDiverged(train: ShallowAeTrainResult, labels: string[]): number {
  return shownInstances(train, labels).filter(({ inst }) => inst.divergedAt !== null).length;
}

/**
 * ‖P uᵣ‖² at every record, for seed 0 of the settings in `labels`: P the
 * projection onto the encoder rows' span (default) or the decoder columns'.
 */
export function captureRows(
  train: ShallowAeTrainResult,
  labels: string[],
  options: { span?: "encoder" | "decoder" } = {},
): CaptureRow[] {
  const rows: CaptureRow[] = [];
  for (const { inst, label, records } of shownInstances(train, labels)) {
    const shares = options.span === "decoder" ? inst.decoderCaptured : inst.captured;
    const R = shares.length / train.recordSteps.length;
    train.recordSteps.slice(0, records).forEach((step, r) => {
      for (let q = 0; q < R; q++) {
        rows.push({ setting: label, step, component: q + 1, share: shares[r * R + q] });
      }
    });
  }
  return rows;
}

/** cos(wₖ, uᵣ) at every record (finite ones), for seed 0 of the settings in `labels`. */
export function overlapRows(train: ShallowAeTrainResult, labels: string[]): OverlapRow[] {
  const rows: OverlapRow[] = [];
  const K = train.config.units;
  for (const { inst, label, records } of shownInstances(train, labels)) {
    const R = inst.overlap.length / (train.recordSteps.length * K);
    train.recordSteps.slice(0, records).forEach((step, r) => {
      for (let k = 0; k < K; k++) {
        for (let q = 0; q < R; q++) {
          const overlap = inst.overlap[(r * K + k) * R + q];
          if (Number.isFinite(overlap)) {
            rows.push({ setting: label, step, unit: k + 1, component: q + 1, overlap });
          }
        }
      }
    });
  }
  return rows;
}

/** ‖wₖ‖/√D and ‖vₖ‖ at every record, for seed 0 of the settings in `labels`. */
export function normRows(train: ShallowAeTrainResult, labels: string[]): NormRow[] {
  const rows: NormRow[] = [];
  const K = train.config.units;
  for (const { inst, label, records } of shownInstances(train, labels)) {
    const norms = [["‖wₖ‖/√D", inst.encoderNorm], ["‖vₖ‖", inst.decoderNorm]] as const;
    train.recordSteps.slice(0, records).forEach((step, r) => {
      for (let k = 0; k < K; k++) {
        for (const [which, norm] of norms) {
          rows.push({ setting: label, step, unit: k + 1, which, norm: norm[r * K + k] });
        }
      }
    });
  }
  return rows;
}

/** When each principal direction entered one setting's encoder span (see {@link captureOrder}). */
export interface CaptureOrder {
  /** The setting's label. */
  setting: string;
  /** For r = 1 … R, the first recorded step at which ‖P uᵣ‖² ≥ `level` (null: never). */
  steps: (number | null)[];
}

/**
 * For seed 0 of each setting in `labels`, the first recorded step at which
 * each principal direction uᵣ lies in the encoder's span to `level`
 * (‖P uᵣ‖² ≥ level): the order the directions are learnt in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { captureOrder } from "./analysis.ts";
 * const inst = { setting: { activation: "linear", weights: "untied", bias: "none" }, seedIndex: 0,
 *   divergedAt: null, captured: Float64Array.of(0.1, 0, 0.95, 0.2, 0.99, 0.93) };
 * // deno-lint-ignore no-explicit-any
 * const train = { recordSteps: [0, 10, 20], instances: [inst] } as any;
 * assert.deepEqual(captureOrder(train, ["linear-untied-none"], 0.9), [
 *   { setting: "linear-untied-none", steps: [10, 20] },
 * ]);
 * ```
 */
export function captureOrder(
  train: ShallowAeTrainResult,
  labels: string[],
  level: number,
): CaptureOrder[] {
  const rows = captureRows(train, labels);
  return [...new Set(rows.map((r) => r.setting))].map((setting) => {
    const mine = rows.filter((r) => r.setting === setting);
    const R = Math.max(...mine.map((r) => r.component));
    const steps = Array.from(
      { length: R },
      (_, q) => mine.find((r) => r.component === q + 1 && r.share >= level)?.step ?? null,
    );
    return { setting, steps };
  });
}
