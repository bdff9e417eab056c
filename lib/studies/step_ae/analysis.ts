/**
 * Measurements of the step-function autoencoder (seed 003): how linear the
 * latent code is in the step position, how the reconstruction error is spread
 * over positions, and the seed's hand-derived gradients (appendix, equations
 * 10–18) as plain functions.
 *
 * @module
 */
import { stepValue } from "./data.ts";
import { type StepAeConfig, stepAeLayout } from "./model.ts";

/** Least-squares line y ≈ slope·x + intercept, its R² and the largest |residual|. */
export function linearFit(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
): { slope: number; intercept: number; r2: number; maxDeviation: number } {
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
 * How linear the latent code is in the step position p = 1 … n + 1: R² of the
 * best line, and the largest deviation from it, absolute and as a share of
 * the code's range.
 */
export function latentLinearity(z: ArrayLike<number>) {
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

/** Positions counted as "left" and "right" in the summary. */
export const EDGE_POSITIONS = 40;

/**
 * Mean per-example error (mean squared error of one step function) over the
 * `EDGE_POSITIONS` leftmost step positions (p = 1 … 40) and the rightmost
 * (p = n − 38 … n + 1, the last being the all-zero signal).
 */
export function edgeErrors(exampleError: ArrayLike<number>): { left: number; right: number } {
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

/** The appendix's gradients of the activation-free model, with its loss ½ΣΣ(y − x)². */
export interface AppendixGradients {
  W3: Float64Array;
  w2: Float64Array;
  b2: Float64Array;
  w1: Float64Array;
}

/**
 * Equations 10–18 of seed 003 for the model without activations
 * (a = w₂z + b₂, y = W₃a) and loss ½ Σᵢ Σⱼ (yⱼ − xⱼ)², as written there when
 * `literal` is true, or with the index of W₃ in equations 12–15 corrected
 * (∂/∂w₂ᵣ sums W₃[j][r], i.e. W₃ᵀ(y − x), where the seed writes W₃[r][j]).
 * A test holds the corrected form to tfjs autodiff and shows that the literal
 * one differs unless W₃ is symmetric.
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
 * Units that are off for every example (ReLU input ≤ 0 throughout): by the
 * seed's Lemma 1 their incoming weights get no gradient, so they stay dead.
 * Counts hidden units (a) and output units (y).
 */
export function deadUnits(
  config: Pick<StepAeConfig, "n" | "amplitude" | "outputBias">,
  params: Float64Array,
  z: ArrayLike<number>,
): { hidden: number[]; output: number[] } {
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
