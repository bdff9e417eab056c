/**
 * From trained sparse autoencoders to rows (the research notes; Gao et al. 2024,
 * section 4 for the measures): how well each one found the directions its data
 * was made of (see `data.ts`), and what its run ended with.
 *
 * Recovery: for each true direction, the largest cosine between it and any
 * decoder column; their mean ("mean max cosine") and the share above
 * {@link RECOVERED_ABOVE} ("recovered"). The other measures need the model's
 * forward pass or its training state and are taken by the trainer's
 * evaluation (`train.ts`): L0 (mean active latents per held-out example),
 * normalised MSE (Σ‖x − x̂‖² / Σ‖x − x̄‖² on held-out examples) and the share
 * of dead latents. The functions below turn those results into the rows of
 * the `sae` experiment's tables and figures.
 *
 * Resampling (`resample.ts`) is measured per event and per model: latents
 * rebuilt, and three costs in training loss (each model's own loss, its
 * penalties included). `loss_jump`: on the batch after the event, the loss
 * with the rebuilt weights minus the loss with the weights before (no batch
 * noise). `loss_spike`: the batch loss of the first update after the event
 * minus that of the last one before it. `loss_peak`: the largest batch loss
 * over the next `RESAMPLE_TRACE` updates minus the last one before; it
 * contains the batch-to-batch noise too, so compare it with itself across
 * models (every instance trains on the same batches).
 *
 * @module
 */
import { maxOf, mean } from "../../core/stats.ts";
import { divergedStep } from "../../core/train/divergence.ts";
import { type SaeConfig, saeLayout } from "./model.ts";
import type { SaeHistoryRow, SaeInstanceResult, SaeResampleEvent } from "./train.ts";

/**
 * Cosine above which a true direction counts as recovered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECOVERED_ABOVE } from "./analysis.ts";
 * assert.equal(RECOVERED_ABOVE, 0.9);
 * ```
 */
export const RECOVERED_ABOVE = 0.9;

/**
 * For each of the `count` true directions (rows of `truth`, `[count, dim]`),
 * the largest cosine with a row of `decoder` (`[latents, dim]`). Rows of zero
 * length have cosine 0; a non-finite decoder gives NaN.
 */
export function maxCosines(
  decoder: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: { latents: number; count: number; dim: number },
): Float64Array {
  const { latents, count, dim } = shape;
  const dn = new Float64Array(latents); // [latents]
  for (let j = 0; j < latents; j++) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += decoder[j * dim + i] ** 2;
    dn[j] = Math.sqrt(s);
  }
  const out = new Float64Array(count); // [count]
  for (let f = 0; f < count; f++) {
    let tn = 0;
    for (let i = 0; i < dim; i++) tn += truth[f * dim + i] ** 2;
    tn = Math.sqrt(tn);
    let best = -Infinity;
    let bad = false;
    for (let j = 0; j < latents; j++) {
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += decoder[j * dim + i] * truth[f * dim + i];
      const denom = dn[j] * tn;
      const cos = denom > 0 ? dot / denom : 0;
      if (!Number.isFinite(cos)) bad = true;
      if (cos > best) best = cos;
    }
    out[f] = bad ? NaN : best;
  }
  return out;
}

/** Mean of the max cosines and the share of directions above `threshold`. */
export function directionRecovery(
  maxCos: ArrayLike<number>,
  threshold = 0.9,
): { meanMaxCos: number; recovered: number } {
  let sum = 0;
  let above = 0;
  for (let f = 0; f < maxCos.length; f++) {
    sum += maxCos[f];
    if (maxCos[f] > threshold) above++;
  }
  return { meanMaxCos: sum / maxCos.length, recovered: above / maxCos.length };
}

/**
 * Best cosine of every true direction (`directions`, `[count, dim]`) with the
 * decoder columns of the instance at `offset` in `params`, and their summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeRecovery } from "./analysis.ts";
 * import { initSae, SAE_DEFAULTS, saeLayout } from "./model.ts";
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 4, k: 1 };
 * const params = initSae(c, { seed: 0 });
 * // The true directions are the decoder's first two columns: both are found.
 * const L = saeLayout(c);
 * const directions = params.slice(L.decoder, L.decoder + 2 * 3);
 * const r = saeRecovery(c, params, directions);
 * assert.equal(r.recovered, 1);
 * assert.equal(r.maxCos.length, 2);
 * ```
 */
export function saeRecovery(
  config: Pick<SaeConfig, "dim" | "latents">,
  params: Float64Array,
  directions: Float64Array,
  offset = 0,
): { maxCos: Float64Array; meanMaxCos: number; recovered: number } {
  const L = saeLayout(config);
  const start = offset + L.decoder;
  const maxCos = maxCosines(
    params.subarray(start, start + config.latents * config.dim),
    directions,
    { latents: config.latents, count: directions.length / config.dim, dim: config.dim },
  );
  return { maxCos, ...directionRecovery(maxCos, RECOVERED_ABOVE) };
}

/** One evaluation point of one instance (a model at one seed). */
export interface SaeMetricRow {
  step: number;
  model: string;
  seed: number;
  eval_nmse: number;
  eval_l0: number;
  dead_fraction: number;
  mean_max_cos?: number;
  recovered?: number;
}

/** One true direction's best match in one instance. */
export interface SaeRecoveryRow {
  model: string;
  seed: number;
  /** 1 for the best-matched direction, … (sorted descending within the instance). */
  rank: number;
  max_cos: number;
}

/** How an instance ended (NaN, or null for `diverged_at`, where it diverged). */
export interface SaeEnd {
  eval_nmse: number;
  eval_l0: number;
  dead_fraction: number;
  /** Largest share of dead latents over training (NaN when it diverged). */
  max_dead_fraction: number;
  /** Step at which the instance diverged, or null. */
  diverged_at: number | null;
}

/** One instance of part 1 at the end (a row of `runs.csv`). */
export interface SaeRunRow {
  model: string;
  seed: number;
  l1: number;
  aux_coef: number;
  eval_nmse: number;
  eval_l0: number;
  mean_max_cos: number;
  recovered: number;
  dead_fraction: number;
  max_dead_fraction: number;
  final_loss: number;
  diverged_at: number | null;
  /** Resampling events (checks that rebuilt at least one latent). */
  resamples: number;
  /** Latents rebuilt over the run. */
  latents_resampled: number;
}

/** A run row with the best cosine of every true direction (for the recovery curves). */
export type SaeRun = SaeRunRow & { maxCos: Float64Array };

/**
 * One model of part 1, averaged over its seeds that did not diverge (a row of
 * `models.csv`; NaN where every seed diverged).
 */
export interface SaeModelRow {
  model: string;
  seeds: number;
  recovered: number;
  mean_max_cos: number;
  eval_nmse: number;
  eval_l0: number;
  dead_fraction: number;
  max_dead_fraction: number;
  /** How many of its seeds diverged (left out of every mean). */
  diverged: number;
  /** Resampling events per instance. */
  resamples: number;
  /** Latents rebuilt per instance. */
  latents_resampled: number;
  /** Mean over its events of `loss_jump` (NaN without events; see the module doc). */
  loss_jump: number;
  /** Mean over its events of `loss_spike`. */
  loss_spike: number;
  /** Mean over its events of `loss_peak`. */
  loss_peak: number;
}

/** One resampling event of part 1 (a row of `resample_events.csv`; see the module doc). */
export interface SaeResampleRow {
  model: string;
  seed: number;
  /** The update after which it ran. */
  step: number;
  latents_resampled: number;
  /** Distinct candidate examples the latents were built from (0 for fresh weights). */
  examples: number;
  loss_before: number;
  loss_jump: number;
  loss_spike: number;
  loss_peak: number;
}

/** One update after a resampling event (figure rows). */
export interface SaeResampleTraceRow {
  model: string;
  seed: number;
  /** The event's step. */
  event: number;
  /** Updates since the event (1 for the first). */
  after: number;
  /** Batch loss minus the loss before the event. */
  rise: number;
}

/** One MNIST latent, by how often it fires on held-out digits (a row of `mnist_latents.csv`). */
export interface SaeLatentRow {
  /** 1 for the most used latent. */
  rank: number;
  latent: number;
  /** Share of held-out examples on which it fires. */
  frequency: number;
  dead: boolean;
}

/**
 * An instance's history up to its divergence (all of it when it did not
 * diverge): the evaluations of weights that had not blown up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyBeforeDivergence } from "./analysis.ts";
 * import type { SaeInstanceResult } from "./train.ts";
 * const res = { divergedAt: 20, history: [{ step: 0 }, { step: 10 }, { step: 20 }] };
 * const kept = historyBeforeDivergence(res as unknown as SaeInstanceResult);
 * assert.deepEqual(kept.map((h) => h.step), [0, 10]);
 * ```
 */
export function historyBeforeDivergence(res: SaeInstanceResult): SaeHistoryRow[] {
  return res.divergedAt < 0 ? res.history : res.history.filter((h) => h.step < res.divergedAt);
}

/** The held-out metrics of an instance's history as figure rows (`seed` = instance mod `seeds`). */
export function saeMetricRows(history: SaeHistoryRow[], seeds: number): SaeMetricRow[] {
  return history.map((h) => ({
    step: h.step,
    model: h.label,
    seed: h.instance % seeds,
    eval_nmse: h.eval_nmse,
    eval_l0: h.eval_l0,
    dead_fraction: h.dead_fraction,
    ...(typeof h.mean_max_cos === "number" ? { mean_max_cos: h.mean_max_cos } : {}),
    ...(typeof h.recovered === "number" ? { recovered: h.recovered } : {}),
  }));
}

/** The last evaluation of an instance, masked where it diverged. */
export function saeEnd(res: SaeInstanceResult): SaeEnd {
  const last = res.history[res.history.length - 1];
  const diverged = res.divergedAt >= 0;
  return {
    eval_nmse: diverged ? NaN : last.eval_nmse,
    eval_l0: diverged ? NaN : last.eval_l0,
    dead_fraction: diverged ? NaN : last.dead_fraction,
    max_dead_fraction: diverged
      ? NaN
      : maxOf(res.history.map((h) => h.dead_fraction).filter(Number.isFinite)),
    diverged_at: diverged ? res.divergedAt : null,
  };
}

/** Part 1's instances at the end, measured against the true directions (`[count, dim]`). */
export function saeRuns(
  results: SaeInstanceResult[],
  options: { directions: Float64Array; seeds: number },
): SaeRun[] {
  return results.map((res, i) => {
    const end = saeEnd(res);
    const rec = saeRecovery(res.config, res.params, options.directions);
    const diverged = end.diverged_at !== null;
    return {
      model: res.label,
      seed: i % options.seeds,
      l1: res.variant.l1,
      aux_coef: res.variant.auxCoef,
      eval_nmse: end.eval_nmse,
      eval_l0: end.eval_l0,
      mean_max_cos: diverged ? NaN : rec.meanMaxCos,
      recovered: diverged ? NaN : rec.recovered,
      dead_fraction: end.dead_fraction,
      max_dead_fraction: end.max_dead_fraction,
      final_loss: res.finalLoss,
      diverged_at: end.diverged_at,
      resamples: res.resamples.length,
      latents_resampled: res.resamples.reduce((n, e) => n + e.latents.length, 0),
      maxCos: rec.maxCos,
    };
  });
}

/**
 * The models of `runs` in first-seen order, each averaged over its seeds that
 * did not diverge, with the mean costs of those seeds' resampling `events`.
 */
export function saeModelRows(runs: SaeRunRow[], events: SaeResampleRow[] = []): SaeModelRow[] {
  const labels = [...new Set(runs.map((x) => x.model))];
  return labels.map((model) => {
    const all = runs.filter((x) => x.model === model);
    const mine = all.filter((x) => x.diverged_at === null);
    const avg = (f: (x: SaeRunRow) => number) => mean(mine.map(f));
    const theirs = events.filter((e) => e.model === model && mine.some((x) => x.seed === e.seed));
    return {
      model,
      seeds: all.length,
      recovered: avg((x) => x.recovered),
      mean_max_cos: avg((x) => x.mean_max_cos),
      eval_nmse: avg((x) => x.eval_nmse),
      eval_l0: avg((x) => x.eval_l0),
      dead_fraction: avg((x) => x.dead_fraction),
      max_dead_fraction: avg((x) => x.max_dead_fraction),
      diverged: all.length - mine.length,
      resamples: avg((x) => x.resamples),
      latents_resampled: avg((x) => x.latents_resampled),
      loss_jump: mean(theirs.map((e) => e.loss_jump)),
      loss_spike: mean(theirs.map((e) => e.loss_spike)),
      loss_peak: mean(theirs.map((e) => e.loss_peak)),
    };
  });
}

/** One event as a row (`seed` is the instance's seed index). */
function eventRow(e: SaeResampleEvent, model: string, seed: number): SaeResampleRow {
  const first = e.after.length > 0 ? e.after[0] : NaN;
  const peak = e.after.length > 0 ? maxOf(e.after) : NaN;
  return {
    model,
    seed,
    step: e.step,
    latents_resampled: e.latents.length,
    examples: new Set(e.picked.filter((k) => k >= 0)).size,
    loss_before: e.lossBefore,
    loss_jump: e.lossJump,
    loss_spike: first - e.lossBefore,
    loss_peak: peak - e.lossBefore,
  };
}

/**
 * Every resampling event of `results` (instance i has seed index i mod
 * `seeds`), instance by instance, in step order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeResampleRows } from "./analysis.ts";
 * import type { SaeInstanceResult } from "./train.ts";
 * const res = {
 *   label: "top-k + resampling (Anthropic)",
 *   resamples: [{
 *     instance: 0, step: 500, latents: [3, 9], picked: [17, 17],
 *     lossBefore: 0.1, lossJump: 0.01, after: [0.125, 0.25, 0.1],
 *   }],
 * } as unknown as SaeInstanceResult;
 * const [row] = saeResampleRows([res], 1);
 * assert.equal(row.examples, 1); // both latents came from example 17
 * assert.equal(row.loss_spike.toFixed(3), "0.025");
 * assert.equal(row.loss_peak.toFixed(2), "0.15");
 * ```
 */
export function saeResampleRows(results: SaeInstanceResult[], seeds: number): SaeResampleRow[] {
  return results.flatMap((res, i) => res.resamples.map((e) => eventRow(e, res.label, i % seeds)));
}

/**
 * The batch losses after every resampling event, relative to the loss
 * before it (figure rows).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeResampleTraceRows } from "./analysis.ts";
 * import type { SaeInstanceResult } from "./train.ts";
 * const res = {
 *   label: "top-k + resampling (ARENA)",
 *   resamples: [{
 *     instance: 0, step: 500, latents: [3], picked: [17],
 *     lossBefore: 0.5, lossJump: 0, after: [0.75, 0.5],
 *   }],
 * } as unknown as SaeInstanceResult;
 * const rows = saeResampleTraceRows([res], 1);
 * assert.deepEqual(rows.map((r) => [r.after, r.rise]), [[1, 0.25], [2, 0]]);
 * ```
 */
export function saeResampleTraceRows(
  results: SaeInstanceResult[],
  seeds: number,
): SaeResampleTraceRow[] {
  return results.flatMap((res, i) =>
    res.resamples.flatMap((e) =>
      e.after.map((loss, t) => ({
        model: res.label,
        seed: i % seeds,
        event: e.step,
        after: t + 1,
        rise: loss - e.lossBefore,
      }))
    )
  );
}

/**
 * Every run's max cosines, sorted from best to worst and ranked from 1 (none
 * for a run that diverged: its decoder is no result).
 */
export function saeRecoveryRows(runs: SaeRun[]): SaeRecoveryRow[] {
  return runs.filter((x) => divergedStep(x.diverged_at) === null).flatMap((x) =>
    Array.from(x.maxCos).sort((a, b) => b - a).map((max_cos, k) => ({
      model: x.model,
      seed: x.seed,
      rank: k + 1,
      max_cos,
    }))
  );
}

/**
 * An instance's latents from most to least used on held-out data (ties by
 * index); `dead` when its counter is at `deadAfter` or more.
 */
export function saeLatentRows(res: SaeInstanceResult, deadAfter: number): SaeLatentRow[] {
  const n = res.config.latents;
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) =>
    res.evalFrequency[b] - res.evalFrequency[a] || a - b
  );
  return order.map((j, rank) => ({
    rank: rank + 1,
    latent: j,
    frequency: res.evalFrequency[j],
    dead: res.since[j] >= deadAfter,
  }));
}

/** The decoder columns of `latents`, in that order: `[latents.length, dim]`. */
export function saeDecoderColumns(res: SaeInstanceResult, latents: number[]): Float64Array {
  const { dim } = res.config;
  const L = saeLayout(res.config);
  const columns = new Float64Array(latents.length * dim); // [count, dim]
  latents.forEach((j, q) => {
    columns.set(res.params.subarray(L.decoder + j * dim, L.decoder + (j + 1) * dim), q * dim);
  });
  return columns;
}
