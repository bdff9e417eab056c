/**
 * The fused float64 kernel of the step-function autoencoder (the step-function write-up): loss
 * and hand-derived gradient of the model in `model.ts` on all n + 1 step
 * functions, at O(n²) per epoch instead of the dense O(n³), by using the
 * structure of the data:
 * - z of every example is a suffix sum of w₁ (x is a step);
 * - a(z) is ReLU of a line in z per unit, so W₃a(z) = z·U(z) + V(z), where U
 *   and V sum the columns W₃[:,k]·w₂ₖ and W₃[:,k]·b₂ₖ over the units active at
 *   z; sorted by z, each unit is active on one contiguous run of examples, so
 *   U and V for all examples come from running sums;
 * - the gradient reuses the same runs: ∂L/∂W₃[:,k] = w₂ₖ·Σ z d + b₂ₖ·Σ d over
 *   unit k's run, ∂L/∂w₂ₖ = W₃[:,k]·Σ z d, ∂L/∂z = d·U(z), and ∂L/∂w₁ is a
 *   prefix sum of ∂L/∂z.
 *
 * `tests/studies/step_ae/kernel_test.ts` holds it equal to tfjs autodiff of
 * the reference forward pass and loss (`stepAeLossTensors`).
 *
 * @module
 */
import { type EncoderView, type StepAeConfig, type StepAeLayout, stepAeLayout } from "./model.ts";

/**
 * Reusable buffers of {@link stepAeLossGrad} for one n (structure of arrays,
 * indexed by sorted position r unless said otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type StepAeScratch, stepAeScratch } from "./kernel.ts";
 * const scratch: StepAeScratch = stepAeScratch(4);
 * assert.equal(scratch.U.length, 5 * 4); // [n + 1, n]
 * ```
 */
export interface StepAeScratch {
  /** Latent code of each example, by example index, `[n + 1]`. */
  z: Float64Array;
  /** Example index at each sorted position (ascending z), `[n + 1]`. */
  order: Int32Array;
  /** First sorted position where hidden unit k is active, `[n]`. */
  lo: Int32Array;
  /** One past the last sorted position where hidden unit k is active, `[n]`. */
  hi: Int32Array;
  /** Running sum U at each sorted position, `[n + 1, n]`. */
  U: Float64Array;
  /** Running sum V at each sorted position, `[n + 1, n]`. */
  V: Float64Array;
  /** ∂L/∂pre per sorted position, `[n + 1, n]`. */
  d: Float64Array;
  /** Cumulative Σ z·d over sorted positions, `[n + 2, n]`. */
  cz: Float64Array;
  /** Cumulative Σ d over sorted positions, `[n + 2, n]`. */
  c1: Float64Array;
  /** ∂L/∂z by example index, `[n + 1]`. */
  dz: Float64Array;
  /** Accumulator of U while sweeping, `[n]`. */
  accU: Float64Array;
  /** Accumulator of V while sweeping, `[n]`. */
  accV: Float64Array;
  /** Head of the list of units whose run starts at each sorted position (-1: none), `[n + 1]`. */
  starts: Int32Array;
  /** Head of the list of units whose run ends at each sorted position (-1: none), `[n + 1]`. */
  ends: Int32Array;
  /** Next unit in the same list (-1: end), `[n]`. */
  link: Int32Array;
  /** Mean squared error of each example (by example index, not sorted), `[n + 1]`. */
  exampleError: Float64Array;
}

/**
 * Allocates scratch space for {@link stepAeLossGrad}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepAeScratch } from "./kernel.ts";
 * assert.equal(stepAeScratch(7).cz.length, 9 * 7); // [n + 2, n]
 * ```
 */
export function stepAeScratch(n: number): StepAeScratch {
  const rows = n + 1;
  return {
    z: new Float64Array(rows),
    order: new Int32Array(rows),
    lo: new Int32Array(n),
    hi: new Int32Array(n),
    U: new Float64Array(rows * n),
    V: new Float64Array(rows * n),
    d: new Float64Array(rows * n),
    cz: new Float64Array((rows + 1) * n),
    c1: new Float64Array((rows + 1) * n),
    dz: new Float64Array(rows),
    accU: new Float64Array(n),
    accV: new Float64Array(n),
    starts: new Int32Array(rows),
    ends: new Int32Array(rows),
    link: new Int32Array(n),
    exampleError: new Float64Array(rows),
  };
}

/** What the kernel needs of the model. */
type KernelModel = Pick<
  StepAeConfig,
  "n" | "amplitude" | "hiddenRelu" | "outputRelu" | "outputBias"
>;

/** One call's inputs, shared by the phases below. */
interface Call {
  config: KernelModel;
  params: Float64Array;
  view: EncoderView;
  /** Where this instance's row starts in `params` (and `grad`). */
  off: number;
  /** Absolute offsets of the blocks (`b3` is -1 without an output bias). */
  at: StepAeLayout;
  grad: Float64Array | null;
}

/**
 * Loss (PyTorch's MSELoss) and gradient of one instance on all n + 1 step
 * functions, in float64, exploiting their structure (module doc). Reads
 * `params[off ..]`, writes the gradient to `grad[off ..]` when not null and
 * returns the loss. After the call, `scratch.z` holds every example's latent
 * code and `scratch.exampleError` every example's mean squared error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepAeLossGrad, stepAeScratch } from "./kernel.ts";
 * import { initStepAe, STEP_AE_DEFAULTS } from "./model.ts";
 * const config = { ...STEP_AE_DEFAULTS, n: 3, initScale: 0.5 };
 * const params = initStepAe(config, 1); // [3n + 1 + n²]
 * const grad = new Float64Array(params.length);
 * const loss = stepAeLossGrad(config, params, 0, { scale: 1, shift: 0 }, grad, stepAeScratch(3));
 * assert.ok(loss > 0 && grad.some((g) => g !== 0));
 * ```
 */
export function stepAeLossGrad(
  config: Pick<StepAeConfig, "n" | "amplitude" | "hiddenRelu" | "outputRelu" | "outputBias">,
  params: Float64Array,
  off: number,
  view: EncoderView,
  grad: Float64Array | null,
  scratch: StepAeScratch,
): number {
  const L = stepAeLayout(config);
  const at: StepAeLayout = {
    w1: off + L.w1,
    b1: off + L.b1,
    w2: off + L.w2,
    b2: off + L.b2,
    W3: off + L.W3,
    b3: L.b3 >= 0 ? off + L.b3 : -1,
    size: L.size,
  };
  const call: Call = { config, params, view, off, at, grad };
  latentCodes(call, scratch);
  activeRuns(call, scratch);
  runningSums(call, scratch);
  const loss = outputsAndLoss(call, scratch);
  if (grad === null) return loss;
  decoderGradient(call, scratch);
  if (view.fixedZ) return loss;
  encoderGradient(call, scratch);
  return loss;
}

/** Latent codes z_e = s·A·Σ_{j≥e} w1_j + c·Σ_j w1_j + b1, and the examples sorted by them. */
function latentCodes(call: Call, scratch: StepAeScratch): void {
  const { params, view, at } = call;
  const n = call.config.n;
  const A = call.config.amplitude;
  const rows = n + 1;
  const { z, order } = scratch;
  if (view.fixedZ) {
    z.set(view.fixedZ);
  } else {
    let total = 0;
    for (let j = 0; j < n; j++) total += params[at.w1 + j];
    const base = view.shift * total + params[at.b1];
    let suffix = 0;
    z[n] = base;
    for (let e = n - 1; e >= 0; e--) {
      suffix += params[at.w1 + e];
      z[e] = view.scale * A * suffix + base;
    }
  }
  for (let r = 0; r < rows; r++) order[r] = r;
  order.sort((a, b) => z[a] - z[b] || a - b);
}

/** Each hidden unit is active on one run [lo_k, hi_k) of the sorted examples. */
function activeRuns(call: Call, scratch: StepAeScratch): void {
  const { config, params, at } = call;
  const n = config.n;
  const rows = n + 1;
  const { z, order, lo, hi } = scratch;
  for (let k = 0; k < n; k++) {
    const wk = params[at.w2 + k];
    const bk = params[at.b2 + k];
    if (!config.hiddenRelu) {
      lo[k] = 0;
      hi[k] = rows;
      continue;
    }
    const on = (r: number) => wk * z[order[r]] + bk > 0;
    if (wk > 0) {
      // Active on a suffix: first r that is on.
      let a = 0;
      let b = rows;
      while (a < b) {
        const m = (a + b) >> 1;
        if (on(m)) b = m;
        else a = m + 1;
      }
      lo[k] = a;
      hi[k] = rows;
    } else if (wk < 0) {
      // Active on a prefix: first r that is off.
      let a = 0;
      let b = rows;
      while (a < b) {
        const m = (a + b) >> 1;
        if (on(m)) a = m + 1;
        else b = m;
      }
      lo[k] = 0;
      hi[k] = a;
    } else {
      lo[k] = 0;
      hi[k] = bk > 0 ? rows : 0;
    }
  }
}

/**
 * U_r = Σ_{k active at r} w2_k·W3[:,k], V_r likewise with b2_k. Runs that reach
 * the last example are added sweeping up from their start, the others sweeping
 * down from their end, so nothing is ever subtracted.
 */
function runningSums(call: Call, scratch: StepAeScratch): void {
  const { params, at } = call;
  const n = call.config.n;
  const rows = n + 1;
  const { lo, hi, U, V, accU, accV, starts, ends } = scratch;
  starts.fill(-1);
  ends.fill(-1);
  const next = scratch.link;
  for (let k = 0; k < n; k++) {
    if (lo[k] >= hi[k]) continue;
    if (hi[k] === rows) {
      next[k] = starts[lo[k]];
      starts[lo[k]] = k;
    } else {
      next[k] = ends[hi[k] - 1];
      ends[hi[k] - 1] = k;
    }
  }
  const addUnit = (k: number) => {
    const wk = params[at.w2 + k];
    const bk = params[at.b2 + k];
    for (let j = 0; j < n; j++) {
      const c = params[at.W3 + j * n + k];
      accU[j] += wk * c;
      accV[j] += bk * c;
    }
  };
  accU.fill(0);
  accV.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let k = starts[r]; k >= 0; k = next[k]) addUnit(k);
    U.set(accU, r * n);
    V.set(accV, r * n);
  }
  accU.fill(0);
  accV.fill(0);
  for (let r = rows - 1; r >= 0; r--) {
    for (let k = ends[r]; k >= 0; k = next[k]) addUnit(k);
    for (let j = 0; j < n; j++) {
      U[r * n + j] += accU[j];
      V[r * n + j] += accV[j];
    }
  }
}

/** Output, loss and ∂L/∂pre per sorted position; returns the loss. */
function outputsAndLoss(call: Call, scratch: StepAeScratch): number {
  const { config, params, at } = call;
  const n = config.n;
  const A = config.amplitude;
  const rows = n + 1;
  const { z, order, U, V, d, exampleError } = scratch;
  const scale = 2 / (rows * n);
  const b3 = at.b3;
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const e = order[r];
    const ze = z[e];
    let err = 0;
    for (let j = 0; j < n; j++) {
      let pre = ze * U[r * n + j] + V[r * n + j];
      if (b3 >= 0) pre += params[b3 + j];
      const active = !config.outputRelu || pre > 0;
      const y = active ? pre : 0;
      const res = y - (j >= e ? A : 0);
      err += res * res;
      d[r * n + j] = active ? scale * res : 0;
    }
    exampleError[e] = err / n;
    loss += err;
  }
  loss /= rows * n;
  return loss;
}

/** Gradient of W₃, w₂, b₂ and b₃ from cumulative sums of z·d and d over each unit's run. */
function decoderGradient(call: Call, scratch: StepAeScratch): void {
  const { params, at, off } = call;
  const grad = call.grad!;
  const n = call.config.n;
  const rows = n + 1;
  const { z, order, lo, hi, d, cz, c1 } = scratch;
  for (let j = 0; j < n; j++) {
    cz[j] = 0;
    c1[j] = 0;
  }
  for (let r = 0; r < rows; r++) {
    const zr = z[order[r]];
    const a = r * n;
    const b = (r + 1) * n;
    for (let j = 0; j < n; j++) {
      cz[b + j] = cz[a + j] + zr * d[a + j];
      c1[b + j] = c1[a + j] + d[a + j];
    }
  }

  grad.fill(0, off, off + at.size);
  for (let k = 0; k < n; k++) {
    const a = lo[k] * n;
    const b = hi[k] * n;
    if (lo[k] >= hi[k]) continue;
    const wk = params[at.w2 + k];
    const bk = params[at.b2 + k];
    let gw2 = 0;
    let gb2 = 0;
    for (let j = 0; j < n; j++) {
      const gz = cz[b + j] - cz[a + j];
      const g1 = c1[b + j] - c1[a + j];
      grad[at.W3 + j * n + k] = wk * gz + bk * g1;
      const c = params[at.W3 + j * n + k];
      gw2 += c * gz;
      gb2 += c * g1;
    }
    grad[at.w2 + k] = gw2;
    grad[at.b2 + k] = gb2;
  }
  if (at.b3 >= 0) {
    const last = rows * n;
    for (let j = 0; j < n; j++) grad[at.b3 + j] = c1[last + j];
  }
}

/** ∂L/∂z_e = d_e · U_e; then ∂L/∂w1_j = s·A·Σ_{e≤j} ∂L/∂z_e + c·Σ_e ∂L/∂z_e. */
function encoderGradient(call: Call, scratch: StepAeScratch): void {
  const { view, at } = call;
  const grad = call.grad!;
  const n = call.config.n;
  const A = call.config.amplitude;
  const rows = n + 1;
  const { order, U, d, dz } = scratch;
  let dzTotal = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += d[r * n + j] * U[r * n + j];
    dz[order[r]] = s;
    dzTotal += s;
  }
  let prefix = 0;
  for (let j = 0; j < n; j++) {
    prefix += dz[j];
    grad[at.w1 + j] = view.scale * A * prefix + view.shift * dzTotal;
  }
  grad[at.b1] = dzTotal;
}

/**
 * Every example's latent code and reconstruction, `y` as `[n + 1, n]`
 * row-major by example index (float64, from the same kernel as training).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepAeOutputs } from "./kernel.ts";
 * import { initStepAe, STEP_AE_DEFAULTS } from "./model.ts";
 * const config = { ...STEP_AE_DEFAULTS, n: 3 };
 * const out = stepAeOutputs(config, initStepAe(config, 0), { scale: 1, shift: 0 });
 * assert.equal(out.y.length, 4 * 3); // [n + 1, n]
 * ```
 */
export function stepAeOutputs(
  config: Pick<StepAeConfig, "n" | "amplitude" | "hiddenRelu" | "outputRelu" | "outputBias">,
  params: Float64Array,
  view: EncoderView,
): { z: Float64Array; y: Float64Array; exampleError: Float64Array; loss: number } {
  const n = config.n;
  const scratch = stepAeScratch(n);
  const loss = stepAeLossGrad(config, params, 0, view, null, scratch);
  const L = stepAeLayout(config);
  const y = new Float64Array((n + 1) * n);
  for (let r = 0; r <= n; r++) {
    const e = scratch.order[r];
    for (let j = 0; j < n; j++) {
      let pre = scratch.z[e] * scratch.U[r * n + j] + scratch.V[r * n + j];
      if (L.b3 >= 0) pre += params[L.b3 + j];
      y[e * n + j] = config.outputRelu && pre <= 0 ? 0 : pre;
    }
  }
  return { z: scratch.z.slice(), y, exampleError: scratch.exampleError.slice(), loss };
}
