/**
 * The sparse autoencoder's readable reference (the research notes, "Disentangling Dense
 * Embeddings with Sparse Autoencoders"; Gao et al. 2024, "Scaling and
 * evaluating sparse autoencoders", section 2): a wide dictionary of unit
 * directions and a sparse code, written as a dense tfjs forward pass and loss.
 * The tests differentiate it with autodiff and hold the fused float64 kernel
 * (`kernel.ts`), which the trainer runs, equal to it.
 *
 * For a batch X of B examples (`[B, d]`) and n latents:
 *
 *   A = (X − b_pre) W_eᵀ + b_e                      pre-activations, [B, n]
 *   top-k:  H = ReLU(TopK_k(A))                    per row: the k largest a_j, the rest 0
 *   ReLU:   H = ReLU(A)                            (the L1 baseline)
 *   X̂ = H W_d + b_pre                              reconstruction, [B, d]
 *
 * TopK keeps the k largest pre-activations of an example and then applies a
 * ReLU to the kept values, as OpenAI's top-k SAE does, so a kept latent with a
 * negative pre-activation contributes nothing (and gets no gradient).
 *
 * Losses (V is the data's variance, the mean over examples of ‖x − mean‖²,
 * measured once on a data sample):
 *
 *   reconstruction   L_rec = Σ_b ‖x_b − x̂_b‖² / (B·V)      (normalised MSE, as OpenAI's mse_scale)
 *   AuxK (top-k)     L_aux = Σ_b ‖e_b − ê_b‖² / N_aux,   e = x − x̂ (held constant), ê = z W_d,
 *                    z = ReLU(TopK_{2k} of a over the dead latents only)
 *   L1 (ReLU)        L_l1  = (1/B) Σ_b Σ_j h_bj
 *   total            L = L_rec + auxCoef·L_aux + l1·L_l1
 *
 * N_aux is chosen by `auxNorm`: `residual` (the default, OpenAI's choice)
 * divides by Σ_b ‖e_b − ē‖², the batch's own spread of the residual, so the
 * auxiliary term stays of order one however small the residual gets; `data`
 * divides by B·V like the main term, so it shrinks with the residual. Either
 * way N_aux is a constant for the gradient (e is). ê has no b_pre (OpenAI adds
 * b_pre to both ê and the target, which changes the gradient on b_pre only).
 *
 * A latent is dead when it has not fired (h > 0) on any of the last
 * `deadAfter` examples; the kernel keeps the counters, and the reference takes
 * the resulting dead set as given. Decoder columns have unit norm: the trainer
 * projects each column's gradient onto the sphere's tangent before the step
 * and rescales the column after it (`kernel.ts`).
 *
 * Parameters of one instance lie in one float64 row ({@link saeLayout}):
 * `[W_e (latents × dim, row j = latent j's encoder row), b_e (latents),
 *   W_d (latents × dim, row j = decoder column j), b_pre (dim)]`.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { deriveSeed, Rng } from "../../core/random.ts";
import { assertInteger } from "../../core/validate.ts";

/**
 * Activation functions: top-k (then ReLU) or plain ReLU (the L1 baseline).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SAE_ACTIVATIONS } from "./model.ts";
 * assert.deepEqual([...SAE_ACTIVATIONS], ["topk", "relu"]);
 * ```
 */
export const SAE_ACTIVATIONS = ["topk", "relu"] as const;

/**
 * One of {@link SAE_ACTIVATIONS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeActivation } from "./model.ts";
 * const baseline: SaeActivation = "relu";
 * assert.equal(baseline, "relu");
 * ```
 */
export type SaeActivation = typeof SAE_ACTIVATIONS[number];

/**
 * What the AuxK loss is divided by (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AUX_NORMS } from "./model.ts";
 * assert.ok(AUX_NORMS.includes("residual"));
 * ```
 */
export const AUX_NORMS = ["residual", "data"] as const;

/**
 * One of {@link AUX_NORMS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AuxNorm } from "./model.ts";
 * const norm: AuxNorm = "data";
 * assert.equal(norm, "data");
 * ```
 */
export type AuxNorm = typeof AUX_NORMS[number];

/**
 * Architecture and losses of one sparse autoencoder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SaeConfig, SAE_DEFAULTS } from "./model.ts";
 * const baseline: SaeConfig = { ...SAE_DEFAULTS, activation: "relu", l1: 0.3 };
 * assert.equal(baseline.latents, 512);
 * ```
 */
export interface SaeConfig {
  /** Input dimension d. */
  dim: number;
  /** Dictionary size (number of latents). */
  latents: number;
  /** Top-k then ReLU, or plain ReLU. */
  activation: SaeActivation;
  /** Latents kept per example (top-k only). */
  k: number;
  /** Weight of the AuxK loss (top-k only; 0 turns it off). */
  auxCoef: number;
  /** What the AuxK loss is divided by. */
  auxNorm: AuxNorm;
  /** Examples without firing after which a latent counts as dead. */
  deadAfter: number;
  /** Weight of the L1 penalty on h (ReLU only). */
  l1: number;
}

/**
 * Defaults: d = 64, 512 latents, top-4 with AuxK at 1/32 (OpenAI's coefficient).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SAE_DEFAULTS } from "./model.ts";
 * assert.equal(SAE_DEFAULTS.auxCoef, 1 / 32);
 * ```
 */
export const SAE_DEFAULTS: SaeConfig = {
  dim: 64,
  latents: 512,
  activation: "topk",
  k: 4,
  auxCoef: 1 / 32,
  auxNorm: "residual",
  deadAfter: 10_000,
  l1: 0,
};

/**
 * Throws a RangeError naming the first setting that is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SAE_DEFAULTS, validateSae } from "./model.ts";
 * assert.throws(() => validateSae({ ...SAE_DEFAULTS, k: 600 }), /k must be an integer/);
 * ```
 */
export function validateSae(c: SaeConfig): void {
  assertInteger(c.dim, "dim", { min: 1 });
  assertInteger(c.latents, "latents", { min: 1 });
  if (!(SAE_ACTIVATIONS as readonly string[]).includes(c.activation)) {
    throw new RangeError(
      `activation must be one of ${SAE_ACTIVATIONS.join("|")}, got ${c.activation}`,
    );
  }
  if (c.activation === "topk") {
    assertInteger(c.k, "k", { min: 1, max: c.latents, maxNote: " (the number of latents)" });
  }
  if (!(c.auxCoef >= 0 && Number.isFinite(c.auxCoef))) {
    throw new RangeError(`auxCoef must be a finite number >= 0, got ${c.auxCoef}`);
  }
  if (!(AUX_NORMS as readonly string[]).includes(c.auxNorm)) {
    throw new RangeError(`auxNorm must be one of ${AUX_NORMS.join("|")}, got ${c.auxNorm}`);
  }
  assertInteger(c.deadAfter, "deadAfter", { min: 1 });
  if (!(c.l1 >= 0 && Number.isFinite(c.l1))) {
    throw new RangeError(`l1 must be a finite number >= 0, got ${c.l1}`);
  }
}

/**
 * Offsets of the parameter blocks in an instance's row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SaeLayout, saeLayout } from "./model.ts";
 * const layout: SaeLayout = saeLayout({ dim: 2, latents: 3 });
 * assert.equal(layout.preBias, 15);
 * ```
 */
export interface SaeLayout {
  /** Start of W_e, `[latents, dim]`. */
  encoder: number;
  /** Start of b_e, `[latents]`. */
  encoderBias: number;
  /** Start of W_d, `[latents, dim]` (row j = decoder column j). */
  decoder: number;
  /** Start of b_pre, `[dim]`. */
  preBias: number;
  /** Length of the whole row. */
  size: number;
}

/**
 * The parameter layout of `c`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeLayout } from "./model.ts";
 * const layout = saeLayout({ dim: 4, latents: 8 });
 * assert.deepEqual(layout, { encoder: 0, encoderBias: 32, decoder: 40, preBias: 72, size: 76 });
 * ```
 */
export function saeLayout(c: Pick<SaeConfig, "dim" | "latents">): SaeLayout {
  const nd = c.latents * c.dim;
  return {
    encoder: 0,
    encoderBias: nd,
    decoder: nd + c.latents,
    preBias: 2 * nd + c.latents,
    size: 2 * nd + c.latents + c.dim,
  };
}

/**
 * Latents the AuxK loss may use per example: 2k with AuxK on, else 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { auxLatents, SAE_DEFAULTS } from "./model.ts";
 * assert.equal(auxLatents(SAE_DEFAULTS), 8);
 * assert.equal(auxLatents({ ...SAE_DEFAULTS, auxCoef: 0 }), 0);
 * ```
 */
export function auxLatents(c: SaeConfig): number {
  return c.activation === "topk" && c.auxCoef > 0 ? Math.min(2 * c.k, c.latents) : 0;
}

/**
 * A seeded start: decoder columns are Gaussian directions scaled to unit
 * length, the encoder is their transpose (OpenAI's tied start), b_e = 0, and
 * b_pre is `preBias` (the data mean, say) or zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initSae, SAE_DEFAULTS, saeLayout } from "./model.ts";
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 };
 * const params = initSae(c, { seed: 1, preBias: [0.5, 0.5, 0.5] });
 * const L = saeLayout(c);
 * assert.equal(params.length, L.size);
 * assert.equal(Math.hypot(...params.subarray(L.decoder, L.decoder + 3)).toFixed(12), "1.000000000000");
 * ```
 */
export function initSae(
  c: SaeConfig,
  options: { seed: number; preBias?: ArrayLike<number> },
): Float64Array {
  validateSae(c);
  const L = saeLayout(c);
  const { dim, latents } = c;
  const p = new Float64Array(L.size); // [size]
  const rng = new Rng(deriveSeed(options.seed, "sae-init"));
  for (let j = 0; j < latents; j++) {
    rng.fillUnitVector(p.subarray(L.decoder + j * dim, L.decoder + (j + 1) * dim));
  }
  p.copyWithin(L.encoder, L.decoder, L.decoder + latents * dim);
  if (options.preBias) {
    if (options.preBias.length !== dim) {
      throw new RangeError(`preBias needs ${dim} values, got ${options.preBias.length}`);
    }
    for (let i = 0; i < dim; i++) p[L.preBias + i] = options.preBias[i];
  }
  return p;
}

/**
 * Parameters of one instance as tensors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { initSae, SAE_DEFAULTS, type SaeTensors, saeTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 };
 * const p: SaeTensors = saeTensors(tf, c, initSae(c, { seed: 0 }));
 * assert.deepEqual(p.decoder.shape, [5, 3]);
 * tf.dispose([p.encoder, p.encoderBias, p.decoder, p.preBias]);
 * ```
 */
export interface SaeTensors {
  /** W_e, `[latents, dim]`. */
  encoder: tfNs.Tensor2D;
  /** b_e, `[latents]`. */
  encoderBias: tfNs.Tensor1D;
  /** W_d, `[latents, dim]`, row j = decoder column j. */
  decoder: tfNs.Tensor2D;
  /** b_pre, `[dim]`. */
  preBias: tfNs.Tensor1D;
}

/**
 * One instance's parameters as (float32) tensors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { initSae, SAE_DEFAULTS, saeTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 };
 * const p = saeTensors(tf, c, initSae(c, { seed: 0 }));
 * assert.deepEqual(p.encoder.shape, [5, 3]);
 * assert.deepEqual(p.preBias.shape, [3]);
 * tf.dispose([p.encoder, p.encoderBias, p.decoder, p.preBias]);
 * ```
 */
export function saeTensors(tf: typeof tfNs, c: SaeConfig, params: Float64Array): SaeTensors {
  const L = saeLayout(c);
  const { dim, latents } = c;
  const f32 = (from: number, len: number) => Float32Array.from(params.subarray(from, from + len));
  return {
    encoder: tf.tensor2d(f32(L.encoder, latents * dim), [latents, dim]),
    encoderBias: tf.tensor1d(f32(L.encoderBias, latents)),
    decoder: tf.tensor2d(f32(L.decoder, latents * dim), [latents, dim]),
    preBias: tf.tensor1d(f32(L.preBias, dim)),
  };
}

/** A = (X − b_pre) W_eᵀ + b_e. */
function encode(p: SaeTensors, x: tfNs.Tensor2D): tfNs.Tensor2D {
  // [rows, dim] · [latents, dim]ᵀ → [rows, latents]
  return x.sub(p.preBias).matMul(p.encoder, false, true).add(p.encoderBias) as tfNs.Tensor2D;
}

/** X̂ = H W_d + b_pre. */
function decode(p: SaeTensors, h: tfNs.Tensor): tfNs.Tensor2D {
  // [rows, latents] · [latents, dim] → [rows, dim]
  return h.matMul(p.decoder).add(p.preBias) as tfNs.Tensor2D;
}

/** 1 where a latent is kept: the row's k largest (top-k; ties all kept) or every latent (ReLU). */
function keepMask(tf: typeof tfNs, c: SaeConfig, a: tfNs.Tensor2D): tfNs.Tensor2D {
  if (c.activation === "relu") return tf.onesLike(a);
  const kth = tf.topk(a, c.k).values.slice([0, c.k - 1], [-1, 1]); // [rows, 1]
  return a.greaterEqual(kth).toFloat() as tfNs.Tensor2D; // [rows, latents]
}

/**
 * What the reference forward pass computes for a batch of `rows` examples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { initSae, SAE_DEFAULTS, type SaeForward, saeForwardTensors, saeTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 };
 * const p = saeTensors(tf, c, initSae(c, { seed: 0 }));
 * const out: SaeForward = saeForwardTensors(tf, c, p, tf.ones([4, 3]));
 * assert.deepEqual(out.recon.shape, [4, 3]);
 * ```
 */
export interface SaeForward {
  /** Pre-activations A, `[rows, latents]`. */
  pre: tfNs.Tensor2D;
  /** 1 where a latent is kept by the selection (top-k), all ones for ReLU, `[rows, latents]`. */
  keep: tfNs.Tensor2D;
  /** The code H = ReLU(A) where kept, else 0, `[rows, latents]`. */
  code: tfNs.Tensor2D;
  /** The reconstruction X̂, `[rows, dim]`. */
  recon: tfNs.Tensor2D;
}

/**
 * The forward pass of the module doc on a batch `x` (`[rows, dim]`), in
 * float32 tfjs. The caller owns (and disposes) the returned tensors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { initSae, SAE_DEFAULTS, saeForwardTensors, saeTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 };
 * const p = saeTensors(tf, c, initSae(c, { seed: 0 }));
 * const x = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]);
 * const { pre, code, recon } = saeForwardTensors(tf, c, p, x);
 * assert.deepEqual([pre.shape, code.shape, recon.shape], [[4, 5], [4, 5], [4, 3]]);
 * // Top-k: at most k latents of each example are on.
 * const active = code.greater(0).sum(1).arraySync() as number[];
 * assert.ok(active.every((n) => n <= c.k));
 * ```
 */
export function saeForwardTensors(
  tf: typeof tfNs,
  c: SaeConfig,
  p: SaeTensors,
  x: tfNs.Tensor2D,
): SaeForward {
  const out = tf.tidy(() => {
    const pre = encode(p, x); // [rows, latents]
    const keep = keepMask(tf, c, pre); // [rows, latents]
    const code = pre.relu().mul(keep) as tfNs.Tensor2D; // [rows, latents]
    const recon = decode(p, code); // [rows, dim]
    return { pre, keep, code, recon };
  });
  return out;
}

/**
 * The selections of a forward pass, as constants for the differentiated loss.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { initSae, SAE_DEFAULTS, type SaeMasks, saeMasksTensors, saeTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 };
 * const p = saeTensors(tf, c, initSae(c, { seed: 0 }));
 * const masks: SaeMasks = saeMasksTensors(tf, c, p, tf.ones([2, 3]), { variance: 1 });
 * assert.equal(masks.aux, null); // no dead latents given: no AuxK term
 * ```
 */
export interface SaeMasks {
  /** 1 where a latent is kept (top-k) or may fire (ReLU), `[rows, latents]`. */
  main: tfNs.Tensor2D;
  /** 1 where a latent is among the auxiliary top-2k of the dead ones, `[rows, latents]`. */
  aux: tfNs.Tensor2D | null;
  /** e = x − x̂ of the forward pass (held constant in L_aux), `[rows, dim]`. */
  residual: tfNs.Tensor2D | null;
  /** N_aux. */
  auxNorm: number;
}

/**
 * The selections tfjs would make: top-k masks from `tf.topk`, the dead
 * latents' top-2k, and the residual and N_aux of L_aux. `dead` is 1 for dead
 * latents (from the same counters the kernel keeps).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { initSae, SAE_DEFAULTS, saeMasksTensors, saeTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 6, k: 1 };
 * const p = saeTensors(tf, c, initSae(c, { seed: 0 }));
 * const x = tf.tensor2d([[1, 0, 0], [0, 1, 0]]);
 * // Latents 3, 4 and 5 are dead: AuxK may use 2k = 2 of them.
 * const dead = Float32Array.from([0, 0, 0, 1, 1, 1]);
 * const masks = saeMasksTensors(tf, c, p, x, { variance: 1, dead });
 * const perRow = masks.aux!.sum(1).arraySync() as number[];
 * assert.deepEqual(perRow, [2, 2]);
 * ```
 */
export function saeMasksTensors(
  tf: typeof tfNs,
  c: SaeConfig,
  p: SaeTensors,
  x: tfNs.Tensor2D,
  options: { variance: number; dead?: Float32Array },
): SaeMasks {
  let auxNorm = 0;
  const kept = tf.tidy(() => {
    const a = encode(p, x); // [rows, latents]
    const main = keepMask(tf, c, a); // [rows, latents]
    if (c.activation === "relu") return { main };
    const kAux = auxLatents(c);
    const dead = options.dead;
    if (kAux === 0 || !dead || !dead.some((v) => v > 0)) return { main };
    const deadT = tf.tensor1d(dead); // [latents]
    // Live latents can never win the auxiliary selection.
    const masked = tf.where(deadT.greater(0).expandDims(0).tile([a.shape[0], 1]), a, -1e30);
    const count = Math.min(kAux, dead.filter((v) => v > 0).length);
    const kthAux = tf.topk(masked, count).values.slice([0, count - 1], [-1, 1]); // [rows, 1]
    const aux = masked.greaterEqual(kthAux).toFloat().mul(deadT) as tfNs.Tensor2D;
    const h = a.relu().mul(main); // [rows, latents]
    const residual = x.sub(decode(p, h)) as tfNs.Tensor2D; // [rows, dim]
    auxNorm = c.auxNorm === "data"
      ? a.shape[0] * options.variance
      : residual.sub(residual.mean(0)).square().sum().arraySync() as number;
    return { main, aux, residual };
  }) as { main: tfNs.Tensor2D; aux?: tfNs.Tensor2D; residual?: tfNs.Tensor2D };
  return {
    main: kept.main,
    aux: kept.aux ?? null,
    residual: kept.residual ?? null,
    auxNorm,
  };
}

/**
 * L of the module doc with the selections fixed by `masks` (differentiable in `p`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../core/tf.ts";
 * import { initSae, SAE_DEFAULTS, saeLossTensors, saeMasksTensors, saeTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 5, k: 2 };
 * const p = saeTensors(tf, c, initSae(c, { seed: 0 }));
 * const x = tf.tensor2d([[1, 0, 0], [0, 1, 0]]);
 * const masks = saeMasksTensors(tf, c, p, x, { variance: 1 });
 * const loss = saeLossTensors(c, p, x, { variance: 1, masks }).arraySync() as number;
 * assert.ok(loss >= 0 && Number.isFinite(loss));
 * ```
 */
export function saeLossTensors(
  c: SaeConfig,
  p: SaeTensors,
  x: tfNs.Tensor2D,
  options: { variance: number; masks: SaeMasks },
): tfNs.Scalar {
  const rows = x.shape[0];
  const { masks } = options;
  const a = encode(p, x); // [rows, latents]
  const h = a.relu().mul(masks.main); // [rows, latents]
  const xHat = decode(p, h); // [rows, dim]
  let loss = xHat.sub(x).square().sum().div(rows * options.variance) as tfNs.Scalar;
  if (c.activation === "relu" && c.l1 > 0) {
    loss = loss.add(h.sum().mul(c.l1 / rows));
  }
  if (masks.aux && masks.residual && masks.auxNorm > 0) {
    const z = a.relu().mul(masks.aux); // [rows, latents]
    const eHat = z.matMul(p.decoder); // [rows, dim]
    const aux = eHat.sub(masks.residual).square().sum().div(masks.auxNorm);
    loss = loss.add(aux.mul(c.auxCoef));
  }
  return loss;
}
