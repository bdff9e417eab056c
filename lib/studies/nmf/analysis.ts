/**
 * How sparse a vector is, two ways: Hoyer's measure (Hoyer 2004, "Non-negative
 * matrix factorization with sparseness constraints", JMLR 5), which is 0 when
 * every entry has the same magnitude and 1 when one entry carries everything,
 * and the fraction of entries that are near zero relative to the vector's
 * largest magnitude. Used to put NMF's parts next to PCA's wholes.
 *
 * Below them, the `nmf` experiment's analysis: from its fits to the rows of
 * its tables and figures.
 *
 * @module
 */
import { nmfBasis, type NmfInit, type NmfObjective } from "./model.ts";
import type { ObjectiveRow, SparsityRow } from "./plots.ts";
import type { NmfFit } from "./train.ts";

/** Entries at most this fraction of the vector's largest magnitude count as near zero. */
export const NEAR_ZERO = 0.01;

/**
 * Hoyer's sparseness (√m − ‖x‖₁/‖x‖₂) / (√m − 1) of the m entries of `x`
 * (signs ignored); NaN for an all-zero vector or m = 1.
 *
 * @example
 * ```ts
 * import { hoyerSparsity } from "./analysis.ts";
 * console.assert(hoyerSparsity([0, 0, 3, 0]) === 1);
 * console.assert(hoyerSparsity([2, -2, 2, 2]) === 0);
 * ```
 */
export function hoyerSparsity(x: ArrayLike<number>): number {
  const m = x.length;
  let l1 = 0;
  let l2 = 0;
  for (let k = 0; k < m; k++) {
    l1 += Math.abs(x[k]);
    l2 += x[k] * x[k];
  }
  if (m < 2 || l2 === 0) return NaN;
  const root = Math.sqrt(m);
  // Clamp: rounding can push the ratio a hair outside [1, √m].
  return Math.min(1, Math.max(0, (root - l1 / Math.sqrt(l2)) / (root - 1)));
}

/** Fraction of entries with |xₖ| ≤ relTol·maxₖ|xₖ| (NaN for an all-zero vector). */
export function nearZeroFraction(x: ArrayLike<number>, relTol = NEAR_ZERO): number {
  let max = 0;
  for (let k = 0; k < x.length; k++) max = Math.max(max, Math.abs(x[k]));
  if (max === 0) return NaN;
  let count = 0;
  for (let k = 0; k < x.length; k++) if (Math.abs(x[k]) <= relTol * max) count++;
  return count / x.length;
}

/** Both measures averaged over the rows of a row-major `[rows, cols]` matrix (all-zero rows skipped). */
export function rowSparsity(
  m: ArrayLike<number>,
  rows: number,
  cols: number,
  options: { relTol?: number } = {},
): { hoyer: number; nearZero: number; rows: number } {
  let hoyer = 0;
  let nearZero = 0;
  let counted = 0;
  const row = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) row[j] = m[i * cols + j];
    const h = hoyerSparsity(row);
    const z = nearZeroFraction(row, options.relTol);
    if (Number.isNaN(z)) continue;
    // A single-entry row has a near-zero fraction but no Hoyer value.
    if (!Number.isNaN(h)) hoyer += h;
    nearZero += z;
    counted++;
  }
  return {
    hoyer: counted > 0 && cols > 1 ? hoyer / counted : NaN,
    nearZero: counted > 0 ? nearZero / counted : NaN,
    rows: counted,
  };
}

// ---------------------------------------------------------------------------
// The `nmf` experiment's rows: from its fits to the tables and figures.

/** How the objectives are named in tables and figures. */
export const OBJECTIVE_LABEL: Record<NmfObjective, string> = { frobenius: "Frobenius", kl: "KL" };

/** Both sparsity measures of one factor (averaged over its rows, see {@link rowSparsity}). */
export interface FactorSparsity {
  /** Mean Hoyer sparsity. */
  hoyer: number;
  /** Mean near-zero fraction. */
  nearZero: number;
}

/**
 * One fit's numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NmfRunSummary } from "../../mod.ts";
 * const run: NmfRunSummary = {
 *   objective: "kl",
 *   init: "random",
 *   history: Float64Array.of(9, 4, 3),
 *   msPerIteration: 1,
 *   frobenius: 2,
 *   kl: 3,
 *   basis: { hoyer: 0.6, nearZero: 0.5 },
 *   codes: { hoyer: 0.4, nearZero: 0.2 },
 * };
 * assert.equal(run.history.at(-1), run.kl); // the KL fit ends at its KL objective
 * ```
 */
export interface NmfRunSummary {
  /** The objective minimised. */
  objective: NmfObjective;
  /** The start. */
  init: NmfInit;
  /** Objective after t iterations, t = 0 … iterations. */
  history: Float64Array;
  /** Wall time per iteration. */
  msPerIteration: number;
  /** ‖V − WH‖²_F at the end. */
  frobenius: number;
  /** D(V‖WH) at the end. */
  kl: number;
  /** Sparsity of the basis images (rows of H). */
  basis: FactorSparsity;
  /** Sparsity of the encodings (rows of W). */
  codes: FactorSparsity;
}

/** A fit's summary: its objectives at the end and the sparsity of both factors. */
export function summariseFit(
  job: { objective: NmfObjective; init: NmfInit },
  fit: NmfFit,
): NmfRunSummary {
  const f = fit.factors;
  return {
    objective: job.objective,
    init: job.init,
    history: fit.history,
    msPerIteration: fit.msPerIteration,
    frobenius: fit.final.frobenius,
    kl: fit.final.kl,
    basis: rowSparsity(nmfBasis(f), f.r, f.d),
    codes: rowSparsity(f.W, f.n, f.r),
  };
}

/** One row of the `runs` table. */
export interface NmfRunRow {
  /** The objective minimised. */
  objective: NmfObjective;
  /** The start. */
  init: NmfInit;
  /** Iterations of the fit. */
  iterations: number;
  /** The objective at the start. */
  objective_start: number;
  /** The objective at the end. */
  objective_end: number;
  /** ‖V − WH‖² at the end (whichever objective was minimised). */
  frobenius_sq: number;
  /** ‖V − WH‖² / ‖V‖². */
  relative_error: number;
  /** D(V‖WH) at the end. */
  kl: number;
  /** Mean Hoyer sparsity of the basis images. */
  basis_hoyer: number;
  /** Mean near-zero fraction of the basis images. */
  basis_near_zero: number;
  /** Mean Hoyer sparsity of the encodings. */
  code_hoyer: number;
  /** Mean near-zero fraction of the encodings. */
  code_near_zero: number;
}

/** The `runs` table: one row per fit (`normSq` = ‖V‖²). */
export function runRows(
  runs: NmfRunSummary[],
  options: { iterations: number; normSq: number },
): NmfRunRow[] {
  return runs.map((run) => ({
    objective: run.objective,
    init: run.init,
    iterations: options.iterations,
    objective_start: run.history[0],
    objective_end: run.history[run.history.length - 1],
    frobenius_sq: run.frobenius,
    relative_error: run.frobenius / options.normSq,
    kl: run.kl,
    basis_hoyer: run.basis.hoyer,
    basis_near_zero: run.basis.nearZero,
    code_hoyer: run.codes.hoyer,
    code_near_zero: run.codes.nearZero,
  }));
}

/**
 * The objective curves, thinned to at most about 400 points per fit (every
 * `⌈iterations/400⌉`-th iteration, and always the last).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { objectiveRows } from "./analysis.ts";
 * const run = {
 *   objective: "kl" as const, init: "random" as const, history: Float64Array.from({ length: 1001 }, (_, t) => 1 / (t + 1)),
 *   msPerIteration: 1, frobenius: 0, kl: 0, basis: { hoyer: 0, nearZero: 0 }, codes: { hoyer: 0, nearZero: 0 },
 * };
 * const rows = objectiveRows([run], { iterations: 1000 }); // stride 3
 * assert.deepEqual(rows.slice(0, 2).map((r) => r.iteration), [0, 3]);
 * assert.equal(rows.at(-1)!.iteration, 1000);
 * ```
 */
export function objectiveRows(
  runs: NmfRunSummary[],
  options: { iterations: number },
): ObjectiveRow[] {
  const { iterations } = options;
  const stride = Math.max(1, Math.ceil(iterations / 400));
  return runs.flatMap((run) =>
    Array.from(run.history, (value, t) => ({
      objective: OBJECTIVE_LABEL[run.objective],
      init: run.init,
      iteration: t,
      value,
    })).filter((row) => row.iteration % stride === 0 || row.iteration === iterations)
  );
}

/**
 * The `sparsity` table: both measures of both factors, for each fit shown
 * and for PCA (its components and codes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sparsityRows } from "./analysis.ts";
 * const pca = { basis: { hoyer: 0.1, nearZero: 0 }, codes: { hoyer: 0.2, nearZero: 0 } };
 * const rows = sparsityRows([], pca);
 * assert.deepEqual(rows.map((r) => r.factor), ["basis images", "basis images", "encodings", "encodings"]);
 * ```
 */
export function sparsityRows(
  shownRuns: NmfRunSummary[],
  pca: { basis: FactorSparsity; codes: FactorSparsity },
): SparsityRow[] {
  return [
    ...shownRuns.map((run) => ({
      method: `NMF ${OBJECTIVE_LABEL[run.objective]}`,
      basis: run.basis,
      codes: run.codes,
    })),
    { method: "PCA", basis: pca.basis, codes: pca.codes },
  ].flatMap((m) =>
    ([["basis images", m.basis], ["encodings", m.codes]] as const).flatMap(([factor, s]) => [
      { method: m.method, factor, measure: "Hoyer sparsity", value: s.hoyer },
      { method: m.method, factor, measure: "near-zero fraction", value: s.nearZero },
    ])
  );
}

/** One row of the `errors` table. */
export interface NmfErrorRow {
  /** NMF (objective and start), PCA or the truncated SVD. */
  method: string;
  /** The rank r shared by all methods. */
  rank: number;
  /** Σ‖x − x̂‖² over all images. */
  squared_error: number;
  /** squared_error / ‖V‖². */
  relative_error: number;
}

/**
 * The `errors` table: the squared error of each fit shown, of PCA (centred,
 * mean added back) and of the best rank-r approximation (truncated SVD).
 */
export function errorRows(
  shownRuns: NmfRunSummary[],
  options: { rank: number; normSq: number; pcaSquaredError: number; svdSquaredError: number },
): NmfErrorRow[] {
  const { rank, normSq } = options;
  const row = (method: string, squared_error: number): NmfErrorRow => ({
    method,
    rank,
    squared_error,
    relative_error: squared_error / normSq,
  });
  return [
    ...shownRuns.map((run) =>
      row(`NMF ${OBJECTIVE_LABEL[run.objective]} (${run.init})`, run.frobenius)
    ),
    row("PCA (centred, + mean)", options.pcaSquaredError),
    row("truncated SVD (best rank r)", options.svdSquaredError),
  ];
}

/**
 * Mean wall time per iteration of the fits of `objective` (null when there are none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanMsPerIteration } from "./analysis.ts";
 * const runs = [{ objective: "kl" as const, msPerIteration: 2 }, { objective: "kl" as const, msPerIteration: 4 }];
 * assert.equal(meanMsPerIteration(runs, "kl"), 3);
 * assert.equal(meanMsPerIteration(runs, "frobenius"), null);
 * ```
 */
export function meanMsPerIteration(
  runs: Pick<NmfRunSummary, "objective" | "msPerIteration">[],
  objective: NmfObjective,
): number | null {
  const ms = runs.filter((run) => run.objective === objective).map((run) => run.msPerIteration);
  return ms.length ? ms.reduce((s, x) => s + x, 0) / ms.length : null;
}
