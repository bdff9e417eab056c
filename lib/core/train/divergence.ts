/**
 * How a report shows the instances that diverged in training (in the meaning
 * of `isDiverged` in loop.ts: a loss not finite or above `divergeAbove`).
 * One convention for every study: a diverged instance keeps its row in a
 * per-instance table with its `diverged_at` step and empty metrics; every
 * statistic over instances leaves it out; the summary counts it
 * ({@link DivergenceSummary}), a note says so ({@link DivergenceReport.note}),
 * and each figure that leaves it out says so in its subtitle ({@link markSpec}).
 *
 * Studies store "did not diverge" as -1 (typed arrays) or null; both are read
 * here.
 *
 * @module
 */
import type { Spec } from "../plots/render.ts";
import { minOf } from "../stats.ts";

/**
 * The step an instance diverged at as a table or summary writes it: the step,
 * or null when it did not diverge (stored as -1, null or undefined).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { divergedStep } from "./divergence.ts";
 * assert.deepEqual([12, -1, null, 0].map(divergedStep), [12, null, null, 0]);
 * ```
 */
export function divergedStep(at: number | null | undefined): number | null {
  return at === null || at === undefined || at < 0 ? null : at;
}

/**
 * What a summary says about divergence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DivergenceSummary } from "./divergence.ts";
 * const none: DivergenceSummary = { diverged: 0, instances: 4, first_diverged_at: null };
 * assert.equal(none.diverged, 0);
 * ```
 */
export interface DivergenceSummary {
  /** Instances that diverged. */
  diverged: number;
  /** Instances in all. */
  instances: number;
  /** The earliest step any instance diverged at (null: none did). */
  first_diverged_at: number | null;
}

/**
 * Divergence in a run, ready for its summary, notes and figures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeDivergence, type DivergenceReport } from "./divergence.ts";
 * const report: DivergenceReport = describeDivergence([-1, -1], { divergeAbove: 1e6 });
 * assert.equal(report.note, null);
 * assert.equal(report.mark, "");
 * ```
 */
export interface DivergenceReport {
  /** The summary fields: `diverged`, `instances`, `first_diverged_at`. */
  summary: DivergenceSummary;
  /** Whether each instance diverged, in input order. */
  flags: boolean[];
  /** Whether every instance diverged (false for an empty run). */
  all: boolean;
  /** The note sentence, or null when nothing diverged. */
  note: string | null;
  /** The figure subtitle marker ("2 of 8 seeds diverged, not shown"), or "" when nothing diverged. */
  mark: string;
  /**
   * The marker of a figure that draws curves over training, where a diverged
   * instance stays up to its divergence ("2 of 8 seeds diverged, drawn up to
   * there"), or "" when nothing diverged.
   */
  curveMark: string;
}

/** How {@link describeDivergence} words its note and marker. */
export interface DivergenceWording {
  /** The threshold the run used (its config's `divergeAbove`). */
  divergeAbove: number;
  /** What a step is called: "step" (default), "epoch", "iteration". */
  unit?: string;
  /** What an instance is called, plural: "instances" (default), "seeds", "cells". */
  noun?: string;
}

/** A threshold as a note writes it: 1e6, 2.5e7, 0.5. */
function limitText(x: number): string {
  return x >= 1e4 || x < 1e-3 ? x.toExponential().replace("e+", "e") : String(x);
}

/**
 * Counts the instances that diverged (`divergedAt[i]` a step, or -1/null for
 * none) and words it once for every study. The note: one run that diverged
 * reports nothing it learnt; of several, the diverged ones are left out of
 * every statistic; if all diverged, nothing is reported.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeDivergence } from "./divergence.ts";
 * const some = describeDivergence([-1, 40, null, 7], { divergeAbove: 1e6, noun: "seeds" });
 * assert.deepEqual(some.summary, { diverged: 2, instances: 4, first_diverged_at: 7 });
 * assert.equal(
 *   some.note,
 *   "2 of 4 seeds diverged (loss not finite or above 1e6), the first at step 7; " +
 *     "they are left out of every statistic below.",
 * );
 * assert.equal(some.mark, "2 of 4 seeds diverged, not shown");
 * assert.equal(some.curveMark, "2 of 4 seeds diverged, drawn up to there");
 * const one = describeDivergence([1], { divergeAbove: 1e6, unit: "epoch" });
 * assert.equal(
 *   one.note,
 *   "The run diverged at epoch 1 (loss not finite or above 1e6); nothing it learnt is reported.",
 * );
 * assert.equal(one.mark, "diverged at epoch 1: nothing learnt to show");
 * ```
 */
export function describeDivergence(
  divergedAt: ArrayLike<number | null>,
  wording: DivergenceWording,
): DivergenceReport {
  const unit = wording.unit ?? "step";
  const noun = wording.noun ?? "instances";
  const steps = Array.from(divergedAt, divergedStep);
  const flags = steps.map((s) => s !== null);
  const hit = steps.filter((s): s is number => s !== null);
  const n = steps.length;
  const k = hit.length;
  const first = k ? minOf(hit) : null;
  const summary = { diverged: k, instances: n, first_diverged_at: first };
  const why = `(loss not finite or above ${limitText(wording.divergeAbove)})`;
  const all = n > 0 && k === n;
  let note: string | null = null;
  let mark = "";
  let curveMark = "";
  if (k > 0 && n === 1) {
    note = `The run diverged at ${unit} ${first} ${why}; nothing it learnt is reported.`;
    mark = `diverged at ${unit} ${first}: nothing learnt to show`;
    curveMark = `diverged at ${unit} ${first}, drawn up to there`;
  } else if (all) {
    note = `All ${n} ${noun} diverged ${why}, the first at ${unit} ${first}; ` +
      "nothing they learnt is reported.";
    mark = `all ${n} ${noun} diverged, none shown`;
    curveMark = `all ${n} ${noun} diverged, drawn up to there`;
  } else if (k > 0) {
    note = `${k} of ${n} ${noun} diverged ${why}, the first at ${unit} ${first}; ` +
      "they are left out of every statistic below.";
    mark = `${k} of ${n} ${noun} diverged, not shown`;
    curveMark = `${k} of ${n} ${noun} diverged, drawn up to there`;
  }
  return { summary, flags, all, note, mark, curveMark };
}

/**
 * `row` with every field but those in `keep` set to null: a diverged
 * instance's row in a per-instance table keeps what names it (and when it
 * diverged) and leaves its metrics empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blankRow } from "./divergence.ts";
 * const row = { seed: 3, loss: 1e21, r2: 0.99, diverged_at: 12 };
 * assert.deepEqual(blankRow(row, ["seed", "diverged_at"]), {
 *   seed: 3,
 *   loss: null,
 *   r2: null,
 *   diverged_at: 12,
 * });
 * ```
 */
export function blankRow<T extends object>(
  row: T,
  keep: readonly (keyof T)[],
): { [K in keyof T]: T[K] | null } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = keep.includes(k as keyof T) ? v : null;
  return out as { [K in keyof T]: T[K] | null };
}

/**
 * `spec` with `mark` added to its title as a last subtitle line (the spec
 * itself when `mark` is empty), so a figure that leaves diverged instances
 * out says so where its reader looks first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { markSpec } from "./divergence.ts";
 * const spec = { title: "Loss", mark: "line" as const, data: { values: [] } };
 * assert.deepEqual(markSpec(spec, "1 of 4 seeds diverged, not shown").title, {
 *   text: "Loss",
 *   subtitle: ["1 of 4 seeds diverged, not shown"],
 * });
 * assert.equal(markSpec(spec, ""), spec);
 * ```
 */
export function markSpec<S extends Spec>(spec: S, mark: string): S {
  if (!mark) return spec;
  const title = spec.title;
  if (title === undefined) return { ...spec, title: { text: mark } };
  if (typeof title === "string" || Array.isArray(title)) {
    return { ...spec, title: { text: title, subtitle: [mark] } };
  }
  const old = title.subtitle;
  const lines = (old === undefined ? [] : Array.isArray(old) ? [...old] : [old]).filter((l) => l);
  return { ...spec, title: { ...title, subtitle: [...lines, mark] } };
}

/**
 * Every figure of `figures` marked with {@link markSpec}: with `mark`, or with
 * what `mark(name)` gives that figure (curves and snapshots are marked apart).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { markFigures } from "./divergence.ts";
 * const spec = { title: "Loss", mark: "line" as const, data: { values: [] } };
 * const marked = markFigures({ loss: spec, w: spec }, (name) => (name === "loss" ? "a" : "b"));
 * assert.deepEqual([marked.loss.title, marked.w.title], [
 *   { text: "Loss", subtitle: ["a"] },
 *   { text: "Loss", subtitle: ["b"] },
 * ]);
 * ```
 */
export function markFigures<S extends Spec>(
  figures: Record<string, S>,
  mark: string | ((name: string) => string),
): Record<string, S> {
  return Object.fromEntries(
    Object.entries(figures).map((
      [name, spec],
    ) => [name, markSpec(spec, typeof mark === "string" ? mark : mark(name))]),
  );
}

/**
 * A figure that draws nothing, titled and marked: what stands in for a
 * figure of weights that diverged (an image grid of them, say), so the
 * report keeps its place and says why it is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptySpec } from "./divergence.ts";
 * const spec = emptySpec("Decoder columns", "diverged at step 2: nothing learnt to show");
 * assert.deepEqual(spec.title, {
 *   text: "Decoder columns",
 *   subtitle: ["diverged at step 2: nothing learnt to show"],
 * });
 * ```
 */
export function emptySpec(title: string, mark: string): Spec {
  return {
    title: { text: title, subtitle: [mark] },
    width: 320,
    height: 40,
    data: { values: [] },
    mark: "point",
  };
}
