/**
 * Measurements of the step-function autoencoder (the step-function write-up): how linear the
 * latent code is in the step position, how the reconstruction error is spread
 * over positions, which units are dead (Lemma 1), the write-up's hand-derived
 * gradients (appendix, equations 10–18) as plain functions, and the rows the
 * experiments `step-ae` and `step-ae-remedies` turn a training result into.
 *
 * @module
 */
import { median } from "../../core/stats.ts";
import { stepValue } from "./data.ts";
import { stepAeLossGrad, stepAeOutputs, stepAeScratch } from "./kernel.ts";
import { type StepAeConfig, stepAeLayout } from "./model.ts";
import {
  encoderView,
  type StepAeInstanceResult,
  type StepAeTrainConfig,
  variantModel,
} from "./train.ts";

/**
 * A least-squares line y ≈ slope·x + intercept and how well it fits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LineFit } from "./analysis.ts";
 * const exact: LineFit = { slope: 2, intercept: 1, r2: 1, maxDeviation: 0 };
 * assert.equal(exact.r2, 1);
 * ```
 */
export interface LineFit {
  /** Slope of the line. */
  slope: number;
  /** Value of the line at x = 0. */
  intercept: number;
  /** Share of the variance of y the line explains (1 when y is constant). */
  r2: number;
  /** Largest |residual|. */
  maxDeviation: number;
}

/**
 * Least-squares line y ≈ slope·x + intercept, its R² and the largest |residual|.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linearFit } from "./analysis.ts";
 * const fit = linearFit([1, 2, 3], [3, 5, 7]);
 * assert.ok(Math.abs(fit.slope - 2) < 1e-12 && Math.abs(fit.r2 - 1) < 1e-12);
 * ```
 */
export function linearFit(xs: ArrayLike<number>, ys: ArrayLike<number>): LineFit {
  const m = xs.length;
  let mx = 0;
  let my = 0;
  for (let k = 0; k < m; k++) {
    mx += xs[k];
    my += ys[k];
  }
  mx /= m;
  my /= m;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let k = 0; k < m; k++) {
    sxx += (xs[k] - mx) ** 2;
    sxy += (xs[k] - mx) * (ys[k] - my);
    syy += (ys[k] - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const intercept = my - slope * mx;
  let sse = 0;
  let maxDeviation = 0;
  for (let k = 0; k < m; k++) {
    const r = ys[k] - (slope * xs[k] + intercept);
    sse += r * r;
    maxDeviation = Math.max(maxDeviation, Math.abs(r));
  }
  return { slope, intercept, r2: syy > 0 ? 1 - sse / syy : 1, maxDeviation };
}

/**
 * How linear a latent code is: the best line against the step position and
 * the largest deviation from it as a share of the code's range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LatentLinearity } from "./analysis.ts";
 * const bent: LatentLinearity = {
 *   slope: -0.1,
 *   intercept: 1,
 *   r2: 0.95,
 *   maxDeviation: 0.05,
 *   relativeMaxDeviation: 0.05,
 * };
 * assert.ok(bent.r2 < 1);
 * ```
 */
export interface LatentLinearity extends LineFit {
  /** {@link LineFit.maxDeviation} divided by the code's range (0 for a constant code). */
  relativeMaxDeviation: number;
}

/**
 * How linear the latent code is in the step position p = 1 … n + 1: R² of the
 * best line, and the largest deviation from it, absolute and as a share of
 * the code's range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latentLinearity } from "./analysis.ts";
 * const lin = latentLinearity([1, 0.9, 0.5, 0.1, 0]); // codes of p = 1 … 5
 * assert.ok(lin.slope < 0 && lin.r2 > 0.9 && lin.r2 < 1);
 * assert.ok(lin.relativeMaxDeviation > 0 && lin.relativeMaxDeviation < 0.2);
 * ```
 */
export function latentLinearity(z: ArrayLike<number>): LatentLinearity {
  const positions = Array.from({ length: z.length }, (_, e) => e + 1);
  const fit = linearFit(positions, z);
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < z.length; k++) {
    lo = Math.min(lo, z[k]);
    hi = Math.max(hi, z[k]);
  }
  return { ...fit, relativeMaxDeviation: hi > lo ? fit.maxDeviation / (hi - lo) : 0 };
}

/** The latent code by step position p = 1 … n + 1, next to the fitted line's value there. */
export function latentLineRows(
  z: ArrayLike<number>,
  fit: { slope: number; intercept: number },
): { position: number; z: number; line: number }[] {
  return Array.from(z, (v, e) => ({
    position: e + 1,
    z: v,
    line: fit.slope * (e + 1) + fit.intercept,
  }));
}

/** Mean error of the leftmost and the rightmost step functions ({@link edgeErrors}). */
export interface EdgeErrors {
  /** Over step positions p = 1 … 40. */
  left: number;
  /** Over step positions p = n − 38 … n + 1. */
  right: number;
}

/** Positions counted as "left" and "right" in the summary. */
export const EDGE_POSITIONS = 40;

/**
 * Mean per-example error (mean squared error of one step function) over the
 * `EDGE_POSITIONS` leftmost step positions (p = 1 … 40) and the rightmost
 * (p = n − 38 … n + 1, the last being the all-zero signal).
 */
export function edgeErrors(exampleError: ArrayLike<number>): EdgeErrors {
  const rows = exampleError.length;
  const k = Math.min(EDGE_POSITIONS, rows);
  let left = 0;
  let right = 0;
  for (let e = 0; e < k; e++) {
    left += exampleError[e];
    right += exampleError[rows - 1 - e];
  }
  return { left: left / k, right: right / k };
}

/**
 * The appendix's gradients of the activation-free model, with its loss ½ΣΣ(y − x)².
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AppendixGradients } from "./analysis.ts";
 * const n = 2;
 * const zero: AppendixGradients = {
 *   W3: new Float64Array(n * n),
 *   w2: new Float64Array(n),
 *   b2: new Float64Array(n),
 *   w1: new Float64Array(n),
 * };
 * assert.equal(zero.W3.length, 4);
 * ```
 */
export interface AppendixGradients {
  /** ∂/∂W₃, `[n, n]` row-major (equations 10–11). */
  W3: Float64Array;
  /** ∂/∂w₂, `[n]` (equations 12–13). */
  w2: Float64Array;
  /** ∂/∂b₂, `[n]` (equations 14–15). */
  b2: Float64Array;
  /** ∂/∂w₁, `[n]` (equations 16–18). */
  w1: Float64Array;
}

/**
 * Equations 10–18 of the step-function write-up for the model without activations
 * (a = w₂z + b₂, y = W₃a) and loss ½ Σᵢ Σⱼ (yⱼ − xⱼ)², as written there when
 * `literal` is true, or with the index of W₃ in equations 12–15 corrected
 * (∂/∂w₂ᵣ sums W₃[j][r], i.e. W₃ᵀ(y − x), where the write-up writes W₃[r][j]).
 * A test holds the corrected form to tfjs autodiff and shows that the literal
 * one differs unless W₃ is symmetric.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendixGradients } from "./analysis.ts";
 * import { stepAeLayout } from "./model.ts";
 * const n = 3;
 * const params = new Float64Array(stepAeLayout({ n, outputBias: false }).size).fill(0.1);
 * const printed = appendixGradients({ n, amplitude: 5 }, params, { literal: true });
 * const fixed = appendixGradients({ n, amplitude: 5 }, params, { literal: false });
 * assert.deepEqual(printed.w2, fixed.w2); // a constant W₃ is symmetric: both forms agree
 * ```
 */
export function appendixGradients(
  config: Pick<StepAeConfig, "n" | "amplitude">,
  params: Float64Array,
  options: { literal: boolean },
): AppendixGradients {
  const n = config.n;
  const A = config.amplitude;
  const L = stepAeLayout({ n, outputBias: false });
  const w1 = (j: number) => params[L.w1 + j];
  const w2 = (k: number) => params[L.w2 + k];
  const b2 = (k: number) => params[L.b2 + k];
  const W3 = (j: number, k: number) => params[L.W3 + j * n + k];
  const out: AppendixGradients = {
    W3: new Float64Array(n * n),
    w2: new Float64Array(n),
    b2: new Float64Array(n),
    w1: new Float64Array(n),
  };
  const x = new Float64Array(n);
  const a = new Float64Array(n);
  const res = new Float64Array(n);
  for (let e = 0; e <= n; e++) {
    for (let j = 0; j < n; j++) x[j] = stepValue(e, j, A);
    let z = params[L.b1];
    for (let j = 0; j < n; j++) z += w1(j) * x[j];
    for (let k = 0; k < n; k++) a[k] = w2(k) * z + b2(k);
    for (let j = 0; j < n; j++) {
      let y = 0;
      for (let k = 0; k < n; k++) y += W3(j, k) * a[k];
      res[j] = y - x[j];
    }
    // (10)/(11): ∂/∂W3[u][v] = Σᵢ (w2_v z + b2_v)(y_u − x_u).
    for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) out.W3[u * n + v] += a[v] * res[u];
    // (12)-(15): ∂/∂w2_r = Σᵢ z Σⱼ W3[·][·] (y_j − x_j), ∂/∂b2_r likewise without z.
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += (options.literal ? W3(r, j) : W3(j, r)) * res[j];
      out.w2[r] += z * s;
      out.b2[r] += s;
    }
    // (17)/(18): ∂/∂w1_s = Σᵢ x_s (y − x)ᵀ W3 w2.
    let back = 0;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += W3(j, k) * w2(k);
      back += res[j] * s;
    }
    for (let s = 0; s < n; s++) out.w1[s] += x[s] * back;
  }
  return out;
}

/**
 * Units that are off for every example, by index (0-based).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DeadUnits } from "./analysis.ts";
 * const none: DeadUnits = { hidden: [], output: [] };
 * assert.equal(none.output.length, 0);
 * ```
 */
export interface DeadUnits {
  /** Hidden units k with w₂ₖz + b₂ₖ ≤ 0 for every example. */
  hidden: number[];
  /** Output units j whose pre-activation is ≤ 0 for every example. */
  output: number[];
}

/**
 * Units that are off for every example (ReLU input ≤ 0 throughout): by the
 * write-up's Lemma 1 their incoming weights get no gradient, so they stay dead.
 * Counts hidden units (a) and output units (y).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deadUnits } from "./analysis.ts";
 * import { stepAeLayout } from "./model.ts";
 * const config = { n: 2, amplitude: 5, outputBias: false };
 * const params = new Float64Array(stepAeLayout(config).size); // all zero: nothing ever fires
 * assert.deepEqual(deadUnits(config, params, [1, 0.5, 0]), { hidden: [0, 1], output: [0, 1] });
 * ```
 */
export function deadUnits(
  config: Pick<StepAeConfig, "n" | "amplitude" | "outputBias">,
  params: Float64Array,
  z: ArrayLike<number>,
): DeadUnits {
  const n = config.n;
  const L = stepAeLayout(config);
  const hiddenAlive = new Uint8Array(n);
  const outputAlive = new Uint8Array(n);
  const a = new Float64Array(n);
  for (let e = 0; e < z.length; e++) {
    for (let k = 0; k < n; k++) {
      const pre = params[L.w2 + k] * z[e] + params[L.b2 + k];
      a[k] = pre > 0 ? pre : 0;
      if (pre > 0) hiddenAlive[k] = 1;
    }
    for (let j = 0; j < n; j++) {
      let pre = L.b3 >= 0 ? params[L.b3 + j] : 0;
      for (let k = 0; k < n; k++) pre += params[L.W3 + j * n + k] * a[k];
      if (pre > 0) outputAlive[j] = 1;
    }
  }
  const dead = (alive: Uint8Array) => Array.from(alive.keys()).filter((k) => !alive[k]);
  return { hidden: dead(hiddenAlive), output: dead(outputAlive) };
}

/** Codes, reconstructions and errors of one instance at the end of training. */
export type StepAeOutputs = ReturnType<typeof stepAeOutputs>;

/** What the experiments measure on one trained instance. */
export interface InstanceMeasures {
  /** The instance's result, as the trainer returned it. */
  result: StepAeInstanceResult;
  /** The model as this instance computes it (its own output ReLU). */
  model: StepAeConfig;
  /** Whether it diverged: then every measure below is NaN (`dead` null), none read from its weights. */
  diverged: boolean;
  /** Codes `[n + 1]`, reconstructions `[n + 1, n]` and per-example errors `[n + 1]`. */
  outputs: StepAeOutputs;
  /** How linear the final code is in the step position. */
  linearity: LatentLinearity;
  /** Mean error of the leftmost and rightmost step functions. */
  edges: EdgeErrors;
  /** Units off for every example at the end (null when diverged). */
  dead: DeadUnits | null;
}

/** What a diverged instance measures: nothing (NaN everywhere, no dead units counted). */
function divergedMeasures(n: number): Omit<InstanceMeasures, "result" | "model"> {
  const none = (length: number) => new Float64Array(length).fill(NaN);
  return {
    diverged: true,
    outputs: { z: none(n + 1), y: none((n + 1) * n), exampleError: none(n + 1), loss: NaN },
    linearity: {
      slope: NaN,
      intercept: NaN,
      r2: NaN,
      maxDeviation: NaN,
      relativeMaxDeviation: NaN,
    },
    edges: { left: NaN, right: NaN },
    dead: null,
  };
}

/**
 * Measures every trained instance of a run (one result per variant, in order):
 * its final codes and reconstructions, the code's linearity, the edge errors
 * and the dead units. An instance that diverged measures NaN: its weights
 * are whatever blew up, and a code or an error read from them is no result.
 */
export function measureInstances(
  train: StepAeTrainConfig,
  results: StepAeInstanceResult[],
): InstanceMeasures[] {
  return results.map((result, i) => {
    const variant = train.variants[i];
    const model = variantModel(train, variant);
    if (result.divergedAt >= 0) return { result, model, ...divergedMeasures(train.model.n) };
    const outputs = stepAeOutputs(model, result.params, encoderView(train, variant));
    return {
      result,
      model,
      diverged: false,
      outputs,
      linearity: latentLinearity(outputs.z),
      edges: edgeErrors(outputs.exampleError),
      dead: deadUnits(model, result.params, outputs.z),
    };
  });
}

/** A recorded loss curve as figure rows, tagged with `label`. */
export function lossRows(
  loss: { steps: number[]; values: ArrayLike<number> },
  label: string,
): { epoch: number; loss: number; label: string }[] {
  return loss.steps.map((epoch, k) => ({ epoch, loss: loss.values[k], label }));
}

/** Each example's error by its step position p = e + 1, tagged with `label`. */
export function positionErrorRows(
  exampleError: ArrayLike<number>,
  label: string,
): { position: number; error: number; label: string }[] {
  return Array.from(exampleError, (error, e) => ({ position: e + 1, error, label }));
}

/** The encoder by input index s = 1 … n: its weight and its gradient summed over training. */
export function encoderRows(
  w1: ArrayLike<number>,
  gradW1: ArrayLike<number>,
): { s: number; w1: number; grad_sum: number }[] {
  return Array.from(w1, (w, k) => ({ s: k + 1, w1: w, grad_sum: gradW1[k] }));
}

/** One row of the remedies table: medians over the seeds of one remedy. */
export interface RemedyRow {
  remedy: string;
  /** What the remedy changes. */
  change: string;
  seeds: number;
  /** Seeds whose loss fell below the threshold. */
  reached_threshold: number;
  /** Median first epoch below the threshold, or null unless every seed that did not diverge got there. */
  epochs_to_threshold: number | null;
  final_loss: number;
  latent_r2: number;
  latent_relative_max_deviation: number;
  err_left: number;
  err_right: number;
  /** Dead output units (0 for a remedy without an output ReLU, where the notion does not apply). */
  dead_output_units: number;
  /** Seeds that diverged: left out of every other column but `seeds`. */
  diverged: number;
}

/**
 * Seconds each remedy took to reach the threshold, from its median epochs
 * and the measured cost of an instance-epoch: a run fact for the summary,
 * kept out of the table so that the same config gives the same table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { secondsToThreshold } from "./analysis.ts";
 * const rows = [{ remedy: "adam", epochs_to_threshold: 800 }, { remedy: "baseline", epochs_to_threshold: null }];
 * assert.deepEqual(secondsToThreshold(rows, 2), { adam: 1.6, baseline: null });
 * ```
 */
export function secondsToThreshold(
  rows: Pick<RemedyRow, "remedy" | "epochs_to_threshold">[],
  msPerInstanceEpoch: number,
): Record<string, number | null> {
  return Object.fromEntries(rows.map((r) => [
    r.remedy,
    r.epochs_to_threshold === null ? null : (r.epochs_to_threshold * msPerInstanceEpoch) / 1000,
  ]));
}

/**
 * The remedies table: one row per remedy label, in the order the labels first
 * appear, each the median over that remedy's seeds that did not diverge (the
 * diverged ones are counted in `diverged`; with none left every median is NaN).
 */
export function remedyRows(
  measured: InstanceMeasures[],
  options: { changeOf: (id: string) => string },
): RemedyRow[] {
  const ids = [...new Set(measured.map((m) => m.result.label))];
  return ids.map((id) => {
    const all = measured.filter((m) => m.result.label === id);
    const mine = all.filter((m) => !m.diverged);
    const reached = mine.map((m) => m.result.thresholdEpoch).filter((e) => e >= 0);
    const epochsTo = mine.length > 0 && reached.length === mine.length ? median(reached) : null;
    const dead = mine.map((m) => m.model.outputRelu ? m.dead!.output.length : 0);
    return {
      remedy: id,
      change: options.changeOf(id),
      seeds: all.length,
      reached_threshold: reached.length,
      epochs_to_threshold: epochsTo,
      final_loss: median(mine.map((m) => m.result.finalLoss)),
      latent_r2: median(mine.map((m) => m.linearity.r2)),
      latent_relative_max_deviation: median(mine.map((m) => m.linearity.relativeMaxDeviation)),
      err_left: median(mine.map((m) => m.edges.left)),
      err_right: median(mine.map((m) => m.edges.right)),
      dead_output_units: median(dead),
      diverged: all.length - mine.length,
    };
  });
}

/**
 * The first instance of each label that did not diverge (the first of all
 * when every one did), in the order the labels first appear.
 */
export function firstOfEachLabel(measured: InstanceMeasures[]): InstanceMeasures[] {
  const ids = [...new Set(measured.map((m) => m.result.label))];
  return ids.map((id) => {
    const mine = measured.filter((m) => m.result.label === id);
    return mine.find((m) => !m.diverged) ?? mine[0];
  });
}

/**
 * Remedies that reached the threshold on every seed (so none diverged),
 * fastest first (ties keep table order).
 */
export function fastestRemedies(rows: RemedyRow[]): RemedyRow[] {
  return rows.filter((x) => x.epochs_to_threshold !== null && x.diverged === 0).sort((a, b) =>
    a.epochs_to_threshold! - b.epochs_to_threshold!
  );
}

/** How far the appendix's equations are from the kernel's gradient, relative to its largest entry. */
export interface AppendixCheck {
  /** Equations 10–11, ∂/∂W₃. */
  eq10_11: number;
  /** Equations 12–15 as printed, ∂/∂w₂ and ∂/∂b₂. */
  eq12_15_printed: number;
  /** Equations 12–15 with W₃'s index corrected. */
  eq12_15_corrected: number;
  /** Equations 16–18, ∂/∂w₁. */
  eq16_18: number;
}

/**
 * The appendix's gradients (equations 10–18, model without activations,
 * loss ½ΣΣ(y − x)²) against the lab's float64 kernel for the same model, at
 * the parameters `params` (a layout without output bias): for each group of
 * equations, the largest difference over the largest entry of the kernel's
 * gradient of that block.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendixCheck } from "./analysis.ts";
 * import { stepAeLayout } from "./model.ts";
 * const n = 4;
 * const params = Float64Array.from({ length: stepAeLayout({ n, outputBias: false }).size },
 *   (_, k) => Math.sin(k + 1));
 * const check = appendixCheck({ n, amplitude: 5 }, params);
 * assert.ok(check.eq10_11 < 1e-12 && check.eq16_18 < 1e-12 && check.eq12_15_corrected < 1e-12);
 * assert.ok(check.eq12_15_printed > 1e-3); // W₃ is not symmetric here
 * ```
 */
export function appendixCheck(
  config: Pick<StepAeConfig, "n" | "amplitude">,
  params: Float64Array,
): AppendixCheck {
  const n = config.n;
  const model = { ...config, hiddenRelu: false, outputRelu: false, outputBias: false };
  const L = stepAeLayout(model);
  const grad = new Float64Array(L.size);
  stepAeLossGrad(model, params, 0, { scale: 1, shift: 0 }, grad, stepAeScratch(n));
  // The kernel differentiates the mean over N = (n + 1)·n entries; the appendix ½ of the sum.
  const half = (n + 1) * n / 2;
  const ref = grad.map((g) => g * half);
  const rel = (eq: Float64Array[], blocks: [number, number][]) => {
    let diff = 0;
    let scale = 0;
    blocks.forEach(([start, length], b) => {
      for (let k = 0; k < length; k++) {
        diff = Math.max(diff, Math.abs(eq[b][k] - ref[start + k]));
        scale = Math.max(scale, Math.abs(ref[start + k]));
      }
    });
    return scale ? diff / scale : diff;
  };
  const printed = appendixGradients(config, params, { literal: true });
  const corrected = appendixGradients(config, params, { literal: false });
  const mid: [number, number][] = [[L.w2, n], [L.b2, n]];
  return {
    eq10_11: rel([printed.W3], [[L.W3, n * n]]),
    eq12_15_printed: rel([printed.w2, printed.b2], mid),
    eq12_15_corrected: rel([corrected.w2, corrected.b2], mid),
    eq16_18: rel([printed.w1], [[L.w1, n]]),
  };
}
