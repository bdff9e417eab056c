/**
 * The autoencoder of seed 003 for the n + 1 step functions of length n:
 *
 *   encoder  z = w₁·x̃ + b₁                 (n → 1, no activation)
 *   decoder  a = ReLU(w₂ z + b₂)            (1 → n)
 *            y = ReLU(W₃ a [+ b₃])          (n → n)
 *
 * x̃ = s·x + c is what the encoder sees (s = 1, c = 0 by default; the
 * remedies rescale or centre it); the target is always x. Options drop either
 * activation (the seed's appendix differentiates the model without them) and
 * add the output bias b₃. The loss is PyTorch's MSELoss: the mean of
 * (y − x)² over all (n + 1)·n entries.
 *
 * Parameters of one instance lie in one float64 row:
 * `[w₁ (n), b₁, w₂ (n), b₂ (n), W₃ (n × n, row-major: W₃[j][k] at j·n + k), b₃ (n, if on)]`.
 *
 * Two engines: tfjs (dense, batched over instances; the reference) and a fused
 * float64 kernel ({@link stepAeLossGrad}) that uses the structure of the data
 * to cost O(n²) per epoch instead of O(n³):
 * - z of every example is a suffix sum of w₁ (x is a step);
 * - a(z) is ReLU of a line in z per unit, so W₃a(z) = z·U(z) + V(z), where U
 *   and V sum the columns W₃[:,k]·w₂ₖ and W₃[:,k]·b₂ₖ over the units active at
 *   z; sorted by z, each unit is active on one contiguous run of examples, so
 *   U and V for all examples come from running sums;
 * - the gradient reuses the same runs: ∂L/∂W₃[:,k] = w₂ₖ·Σ z d + b₂ₖ·Σ d over
 *   unit k's run, ∂L/∂w₂ₖ = W₃[:,k]·Σ z d, ∂L/∂z = d·U(z), and ∂L/∂w₁ is a
 *   prefix sum of ∂L/∂z. Tests hold it equal to tfjs autodiff.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { deriveSeed, Rng } from "../../core/random.ts";

/** Architecture and initialisation of the step-function autoencoder. */
export interface StepAeConfig {
  /** Signal length (the data has n + 1 examples). */
  n: number;
  /** Step height A. */
  amplitude: number;
  /** ReLU on the decoder's hidden layer a (false: a = w₂z + b₂). */
  hiddenRelu: boolean;
  /** ReLU on the output y (false: y = W₃a [+ b₃]). */
  outputRelu: boolean;
  /** Whether the last layer has a bias b₃. */
  outputBias: boolean;
  /** Weights start uniform in [−initScale, initScale] (biases too, as PyTorch's Linear). */
  initScale: number;
}

/** The seed's defaults: n = 129, A = 5, ReLUs on, no output bias, init scale 0.01. */
export const STEP_AE_DEFAULTS: StepAeConfig = {
  n: 129,
  amplitude: 5,
  hiddenRelu: true,
  outputRelu: true,
  outputBias: false,
  initScale: 0.01,
};

/** Offsets of each parameter block in an instance's row. */
export interface StepAeLayout {
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  W3: number;
  /** -1 when there is no output bias. */
  b3: number;
  size: number;
}

/** Where each block sits in a parameter row. */
export function stepAeLayout(config: Pick<StepAeConfig, "n" | "outputBias">): StepAeLayout {
  const n = config.n;
  const w1 = 0;
  const b1 = n;
  const w2 = n + 1;
  const b2 = 2 * n + 1;
  const W3 = 3 * n + 1;
  const b3 = config.outputBias ? W3 + n * n : -1;
  return { w1, b1, w2, b2, W3, b3, size: W3 + n * n + (config.outputBias ? n : 0) };
}

/** Throws a RangeError naming the first invalid field. */
export function validateStepAe(config: StepAeConfig): void {
  const { n, amplitude, initScale } = config;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`n must be an integer >= 2, got ${n}`);
  if (!(Number.isFinite(amplitude) && amplitude > 0)) {
    throw new RangeError(`amplitude must be a number > 0, got ${amplitude}`);
  }
  if (!(Number.isFinite(initScale) && initScale >= 0)) {
    throw new RangeError(`initScale must be a number >= 0, got ${initScale}`);
  }
}

/** One instance's parameters drawn uniformly in [−initScale, initScale] from its seed. */
export function initStepAe(config: StepAeConfig, seed: number): Float64Array {
  validateStepAe(config);
  const layout = stepAeLayout(config);
  const rng = new Rng(deriveSeed(seed, "step-ae-init"));
  const out = new Float64Array(layout.size);
  rng.fillUniform(out, -config.initScale, config.initScale);
  return out;
}

/** How the encoder of one instance sees its input, and whether it is trained. */
export interface EncoderView {
  /** x̃ = scale·x + shift. */
  scale: number;
  shift: number;
  /** A fixed latent code z_e per example (the encoder is then not used or trained). */
  fixedZ?: Float64Array;
}

/** Reusable buffers of {@link stepAeLossGrad} for one n. */
export interface StepAeScratch {
  z: Float64Array;
  order: Int32Array;
  lo: Int32Array;
  hi: Int32Array;
  /** Running sums U, V at each sorted position, `[n + 1, n]`. */
  U: Float64Array;
  V: Float64Array;
  /** ∂L/∂pre per sorted position, `[n + 1, n]`. */
  d: Float64Array;
  /** Cumulative Σ z·d and Σ d over sorted positions, `[n + 2, n]`. */
  cz: Float64Array;
  c1: Float64Array;
  dz: Float64Array;
  accU: Float64Array;
  accV: Float64Array;
  /** Linked lists of units by the sorted position where their run starts / ends. */
  starts: Int32Array;
  ends: Int32Array;
  link: Int32Array;
  /** Mean squared error of each example (by example index, not sorted). */
  exampleError: Float64Array;
}

/** Allocates scratch space for {@link stepAeLossGrad}. */
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

/**
 * Loss (PyTorch's MSELoss) and gradient of one instance on all n + 1 step
 * functions, in float64, exploiting their structure (module doc). Reads
 * `params[off ..]`, writes the gradient to `grad[off ..]` when not null and
 * returns the loss. After the call, `scratch.z` holds every example's latent
 * code and `scratch.exampleError` every example's mean squared error.
 */
export function stepAeLossGrad(
  config: Pick<StepAeConfig, "n" | "amplitude" | "hiddenRelu" | "outputRelu" | "outputBias">,
  params: Float64Array,
  off: number,
  view: EncoderView,
  grad: Float64Array | null,
  scratch: StepAeScratch,
): number {
  const n = config.n;
  const A = config.amplitude;
  const rows = n + 1;
  const L = stepAeLayout(config);
  const w1 = off + L.w1;
  const w2 = off + L.w2;
  const b2 = off + L.b2;
  const W3 = off + L.W3;
  const { z, order, lo, hi, U, V, d, cz, c1, dz, exampleError } = scratch;

  // Latent codes: z_e = s·A·Σ_{j≥e} w1_j + c·Σ_j w1_j + b1.
  if (view.fixedZ) {
    z.set(view.fixedZ);
  } else {
    let total = 0;
    for (let j = 0; j < n; j++) total += params[w1 + j];
    const base = view.shift * total + params[off + L.b1];
    let suffix = 0;
    z[n] = base;
    for (let e = n - 1; e >= 0; e--) {
      suffix += params[w1 + e];
      z[e] = view.scale * A * suffix + base;
    }
  }
  for (let r = 0; r < rows; r++) order[r] = r;
  order.sort((a, b) => z[a] - z[b] || a - b);

  // Each hidden unit is active on one run [lo_k, hi_k) of the sorted examples.
  for (let k = 0; k < n; k++) {
    const wk = params[w2 + k];
    const bk = params[b2 + k];
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

  // U_r = Σ_{k active at r} w2_k·W3[:,k], V_r likewise with b2_k. Runs that reach the
  // last example are added sweeping up from their start, the others sweeping down
  // from their end, so nothing is ever subtracted.
  const { accU, accV, starts, ends } = scratch;
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
    const wk = params[w2 + k];
    const bk = params[b2 + k];
    for (let j = 0; j < n; j++) {
      const c = params[W3 + j * n + k];
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

  // Output, loss and ∂L/∂pre per sorted position.
  const scale = 2 / (rows * n);
  const b3 = L.b3 >= 0 ? off + L.b3 : -1;
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
  if (grad === null) return loss;

  // Cumulative sums of z·d and d over sorted positions.
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

  grad.fill(0, off, off + L.size);
  for (let k = 0; k < n; k++) {
    const a = lo[k] * n;
    const b = hi[k] * n;
    if (lo[k] >= hi[k]) continue;
    const wk = params[w2 + k];
    const bk = params[b2 + k];
    let gw2 = 0;
    let gb2 = 0;
    for (let j = 0; j < n; j++) {
      const gz = cz[b + j] - cz[a + j];
      const g1 = c1[b + j] - c1[a + j];
      grad[W3 + j * n + k] = wk * gz + bk * g1;
      const c = params[W3 + j * n + k];
      gw2 += c * gz;
      gb2 += c * g1;
    }
    grad[w2 + k] = gw2;
    grad[b2 + k] = gb2;
  }
  if (b3 >= 0) {
    const last = rows * n;
    for (let j = 0; j < n; j++) grad[b3 + j] = c1[last + j];
  }
  if (view.fixedZ) return loss;

  // ∂L/∂z_e = d_e · U_e; then ∂L/∂w1_j = s·A·Σ_{e≤j} ∂L/∂z_e + c·Σ_e ∂L/∂z_e.
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
    grad[w1 + j] = view.scale * A * prefix + view.shift * dzTotal;
  }
  grad[off + L.b1] = dzTotal;
  return loss;
}

/**
 * tfjs forward pass of `instances` autoencoders on the dense data.
 * `p` holds the parameter rows `[instances, size]`; `x` is `[n + 1, n]`,
 * `xIn` the encoder's view of it `[instances, n + 1, n]`. Returns y,
 * `[instances, n + 1, n]`.
 */
export function stepAeForwardTensors(
  tf: typeof tfNs,
  config: StepAeConfig,
  p: tfNs.Tensor2D,
  xIn: tfNs.Tensor3D,
  fixedZ: tfNs.Tensor2D | null,
): tfNs.Tensor3D {
  const n = config.n;
  const L = stepAeLayout(config);
  const instances = p.shape[0];
  const take = (start: number, size: number) => tf.slice(p, [0, start], [instances, size]);
  const z = fixedZ
    ? fixedZ.expandDims(2) // [I, n+1, 1]
    : tf.matMul(xIn, take(L.w1, n).expandDims(2)).add(take(L.b1, 1).expandDims(1)); // [I, n+1, 1]
  let a = tf.mul(z, take(L.w2, n).expandDims(1)).add(take(L.b2, n).expandDims(1)); // [I, n+1, n]
  if (config.hiddenRelu) a = tf.relu(a);
  const W3 = take(L.W3, n * n).reshape([instances, n, n]); // [I, j, k]
  let y = tf.matMul(a, W3, false, true); // [I, n+1, n]
  if (L.b3 >= 0) y = y.add(take(L.b3, n).expandDims(1));
  if (config.outputRelu) y = tf.relu(y);
  return y as tfNs.Tensor3D;
}

/** tfjs per-instance loss `[instances]`: mean over (n + 1)·n entries of (y − x)². */
export function stepAeLossTensors(
  tf: typeof tfNs,
  config: StepAeConfig,
  p: tfNs.Tensor2D,
  x: tfNs.Tensor2D,
  xIn: tfNs.Tensor3D,
  fixedZ: tfNs.Tensor2D | null,
): tfNs.Tensor1D {
  const y = stepAeForwardTensors(tf, config, p, xIn, fixedZ);
  return y.sub(x.expandDims(0)).square().mean([1, 2]) as tfNs.Tensor1D;
}

/**
 * Every example's latent code and reconstruction, `y` as `[n + 1, n]`
 * row-major by example index (float64, from the same kernel as training).
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
