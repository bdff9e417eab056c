/**
 * The NMF model, stated plainly: V ≈ WH with W, H ≥ 0, its two objectives and
 * one of Lee & Seung's multiplicative updates for each, written as tfjs
 * tensor code a reader can follow line by line (Lee & Seung 1999, "Learning
 * the parts of objects by non-negative matrix factorization", Nature 401; the
 * updates and their monotonicity proofs are in Lee & Seung 2001, "Algorithms
 * for non-negative matrix factorization", NIPS 13).
 *
 *   frobenius  ‖V − WH‖²_F
 *   kl         D(V‖WH) = Σᵢⱼ Vᵢⱼ log(Vᵢⱼ / (WH)ᵢⱼ) − Vᵢⱼ + (WH)ᵢⱼ   (generalised KL)
 *
 * One iteration updates W, then H (scikit-learn's order), each entrywise:
 *
 *   frobenius  W ← W ∘ (VHᵀ) / (W·HHᵀ)          H ← H ∘ (WᵀV) / (WᵀW·H)
 *   kl         W ← W ∘ ((V/WH)·Hᵀ) / (1·Hᵀ)     H ← H ∘ (Wᵀ·(V/WH)) / (Wᵀ·1)
 *
 * Layout follows scikit-learn, not the paper: V is `[n, d]` with one image
 * per row, W `[n, r]` holds the encodings (one row per image) and H `[r, d]`
 * the basis images (one per row). Lee & Seung's V is our Vᵀ.
 *
 * Division guards copy scikit-learn 1.2's `solver="mu"` so that the two can be
 * compared number for number: a denominator that is exactly 0 is replaced by
 * {@link NMF_EPSILON} (float32's machine epsilon, 2⁻²³ ≈ 1.19e-7), as is a
 * (WH)ᵢⱼ that is exactly 0 in V/WH; a column sum of W that is 0 becomes 1;
 * and after the KL update of H, entries below float64's epsilon (2⁻⁵²) are
 * set to 0. Positive denominators are never touched, so the updates are
 * exactly Lee & Seung's wherever their proof applies.
 *
 * This file is the reference; the lab trains with the fused float64 loops of
 * kernel.ts (sparse in V, far faster, and precise enough to check that the
 * objective never rises), which tests/studies/nmf/kernel_test.ts holds equal
 * to the functions here. Starts (random, NNDSVD) are in init.ts, the sparse
 * storage of V in data.ts.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { type NmfData, nmfDense } from "./data.ts";

/** The two objectives. */
export const NMF_OBJECTIVES = ["frobenius", "kl"] as const;
/** One of {@link NMF_OBJECTIVES}. */
export type NmfObjective = typeof NMF_OBJECTIVES[number];

/** The initialisations (see init.ts). */
export const NMF_INITS = ["random", "nndsvd", "nndsvda"] as const;
/** One of {@link NMF_INITS}. */
export type NmfInit = typeof NMF_INITS[number];

/**
 * What replaces a zero denominator (float32's machine epsilon, as scikit-learn's NMF).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NMF_EPSILON } from "./model.ts";
 * assert.equal(NMF_EPSILON, 2 ** -23);
 * ```
 */
export const NMF_EPSILON = 2 ** -23;

/**
 * Factors of V ≈ WH, as flat float64 arrays. H is kept transposed (`Ht`,
 * `[d, r]`) so that the kernels' inner loops run over the r components of
 * one image or one pixel, contiguously.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NmfFactors } from "./model.ts";
 * // V [2, 3] ≈ W [2, 1] · H [1, 3]
 * const f: NmfFactors = { n: 2, d: 3, r: 1, W: Float64Array.of(1, 2), Ht: Float64Array.of(1, 0, 3) };
 * assert.equal(f.Ht.length, f.d * f.r);
 * ```
 */
export interface NmfFactors {
  /** Rows of V (images). */
  n: number;
  /** Columns of V (pixels). */
  d: number;
  /** Rank: the number of basis images. */
  r: number;
  /** Encodings, `[n, r]`. */
  W: Float64Array;
  /** Basis images transposed, `[d, r]` (Ht[j·r + k] = H[k, j]). */
  Ht: Float64Array;
}

/**
 * The basis images H `[r, d]` (row k is basis image k).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfBasis } from "./model.ts";
 * // Ht [3, 2] holds H [2, 3] = [[1, 2, 3], [4, 5, 6]].
 * const f = { n: 1, d: 3, r: 2, W: Float64Array.of(1, 1), Ht: Float64Array.of(1, 4, 2, 5, 3, 6) };
 * assert.deepEqual([...nmfBasis(f)], [1, 2, 3, 4, 5, 6]);
 * ```
 */
export function nmfBasis(f: NmfFactors): Float64Array {
  const H = new Float64Array(f.r * f.d); // [r, d]
  for (let j = 0; j < f.d; j++) {
    for (let k = 0; k < f.r; k++) H[k * f.d + j] = f.Ht[j * f.r + k];
  }
  return H;
}

/**
 * The reconstruction WH `[rows, d]` of the images `rows` (all by default);
 * row i of the result reconstructs image rows[i].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfReconstruct } from "./model.ts";
 * const f = { n: 2, d: 3, r: 1, W: Float64Array.of(1, 2), Ht: Float64Array.of(1, 0, 3) };
 * assert.deepEqual([...nmfReconstruct(f)], [1, 0, 3, 2, 0, 6]);
 * assert.deepEqual([...nmfReconstruct(f, [1])], [2, 0, 6]);
 * ```
 */
export function nmfReconstruct(f: NmfFactors, rows?: number[]): Float64Array {
  const { d, r, W, Ht } = f;
  const picks = rows ?? Array.from({ length: f.n }, (_, i) => i);
  const out = new Float64Array(picks.length * d); // [rows, d]
  picks.forEach((i, row) => {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += W[i * r + k] * Ht[j * r + k];
      out[row * d + j] = s;
    }
  });
  return out;
}

/**
 * A copy of factors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cloneFactors } from "./model.ts";
 * const f = { n: 1, d: 1, r: 1, W: Float64Array.of(2), Ht: Float64Array.of(3) };
 * const g = cloneFactors(f);
 * g.W[0] = 5;
 * assert.equal(f.W[0], 2);
 * ```
 */
export function cloneFactors(f: NmfFactors): NmfFactors {
  return { ...f, W: f.W.slice(), Ht: f.Ht.slice() };
}

// ---------------------------------------------------------------------------
// The reference in tfjs (float32, dense).

/**
 * V, W and H as tfjs tensors (float32), in the paper's shapes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf } from "../../mod.ts";
 * import type { NmfTensors } from "./model.ts";
 * const tf = await loadTf("cpu");
 * const t: NmfTensors = { V: tf.ones([4, 3]), W: tf.ones([4, 2]), H: tf.ones([2, 3]) };
 * assert.deepEqual(t.W.matMul(t.H).shape, t.V.shape);
 * tf.dispose([t.V, t.W, t.H]);
 * ```
 */
export interface NmfTensors {
  /** The data, `[n, d]`. */
  V: tfNs.Tensor2D;
  /** Encodings, `[n, r]`. */
  W: tfNs.Tensor2D;
  /** Basis images, `[r, d]`. */
  H: tfNs.Tensor2D;
}

/**
 * The data and factors as tensors (dense V, H untransposed). The caller
 * disposes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf, nmfData, nmfTensors } from "../../mod.ts";
 * const tf = await loadTf("cpu");
 * const data = nmfData([1, 0, 2, 0, 3, 0], 2, 3);
 * const factors = { n: 2, d: 3, r: 1, W: Float64Array.of(1, 2), Ht: Float64Array.of(1, 0, 3) };
 * const t = nmfTensors(tf, { data, factors });
 * assert.deepEqual([t.V.shape, t.W.shape, t.H.shape], [[2, 3], [2, 1], [1, 3]]);
 * tf.dispose([t.V, t.W, t.H]);
 * ```
 */
export function nmfTensors(
  tf: typeof tfNs,
  problem: { data: NmfData; factors: NmfFactors },
): NmfTensors {
  const { data, factors: f } = problem;
  if (f.n !== data.n || f.d !== data.d) {
    throw new RangeError(`factors are for ${f.n}×${f.d}; the data is ${data.n}×${data.d}`);
  }
  return {
    V: tf.tensor2d(Float32Array.from(nmfDense(data)), [data.n, data.d]),
    W: tf.tensor2d(Float32Array.from(f.W), [f.n, f.r]),
    H: tf.tensor2d(Float32Array.from(nmfBasis(f)), [f.r, f.d]),
  };
}

/** `x` (≥ 0) with its exact zeros replaced by {@link NMF_EPSILON} (the division guard). */
function guard<T extends tfNs.Tensor>(tf: typeof tfNs, x: T): T {
  // As x ≥ 0, "0 ≥ x" picks out its zeros; written so because tfjs can differentiate
  // through greaterEqual (a zero gradient) but not through equal.
  const isZero = tf.zerosLike(x).greaterEqual(x);
  return tf.where(isZero, tf.onesLike(x).mul(NMF_EPSILON), x) as T;
}

/**
 * The objective at W, H: ‖V − WH‖²_F, or D(V‖WH) with 0·log(0/x) read as 0
 * and a zero (WH)ᵢⱼ under a positive Vᵢⱼ read as {@link NMF_EPSILON}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf, nmfObjectiveTensors } from "../../mod.ts";
 * const tf = await loadTf("cpu");
 * const V = tf.tensor2d([[1, 2], [2, 4]]); // [2, 2], exactly rank 1
 * const W = tf.tensor2d([[1], [2]]); // [2, 1]
 * const H = tf.tensor2d([[1, 2]]); // [1, 2]
 * const loss = nmfObjectiveTensors(tf, { V, W, H }, { objective: "frobenius" });
 * assert.equal(loss.dataSync()[0], 0);
 * const kl = nmfObjectiveTensors(tf, { V, W: W.mul(2), H }, { objective: "kl" });
 * assert.ok(kl.dataSync()[0] > 0);
 * tf.dispose([V, W, H, loss, kl]);
 * ```
 */
export function nmfObjectiveTensors(
  tf: typeof tfNs,
  t: NmfTensors,
  options: { objective: NmfObjective },
): tfNs.Scalar {
  return tf.tidy(() => {
    const { V } = t;
    const WH = t.W.matMul(t.H); // [n, d]
    if (options.objective === "frobenius") return V.sub(WH).square().sum() as tfNs.Scalar;
    // Σ V log(V/WH) − V + WH, written as V log V − V log WH − V + WH so that the
    // gradient with respect to W and H is finite where V is 0 (V log V is then 0).
    const vLogV = tf.where(V.greater(0), V.mul(V.log()), tf.zerosLike(V)); // [n, d]
    return vLogV.sub(V.mul(guard(tf, WH).log())).sub(V).add(WH).sum() as tfNs.Scalar;
  });
}

/**
 * One multiplicative-update iteration: W first, then H from the new W.
 * Returns new tensors (the caller disposes them); `t` is left alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTf, nmfObjectiveTensors, nmfStepTensors } from "../../mod.ts";
 * const tf = await loadTf("cpu");
 * const V = tf.tensor2d([[1, 2, 0], [0, 1, 3], [2, 0, 1]]); // [3, 3]
 * const W = tf.fill([3, 2], 0.5) as typeof V; // [3, 2]
 * const H = tf.tensor2d([[1, 0.5, 0.2], [0.3, 1, 0.8]]); // [2, 3]
 * const before = nmfObjectiveTensors(tf, { V, W, H }, { objective: "kl" });
 * const next = nmfStepTensors(tf, { V, W, H }, { objective: "kl" });
 * const after = nmfObjectiveTensors(tf, { V, ...next }, { objective: "kl" });
 * assert.ok(after.dataSync()[0] <= before.dataSync()[0]); // the objective never rises
 * tf.dispose([V, W, H, before, after, next.W, next.H]);
 * ```
 */
export function nmfStepTensors(
  tf: typeof tfNs,
  t: NmfTensors,
  options: { objective: NmfObjective },
): { W: tfNs.Tensor2D; H: tfNs.Tensor2D } {
  return tf.tidy(() => {
    const { V } = t;
    if (options.objective === "frobenius") {
      // W ← W ∘ (VHᵀ) / (W·HHᵀ)
      const HHt = t.H.matMul(t.H, false, true); // [r, r]
      const W = t.W.mul(V.matMul(t.H, false, true)).div(guard(tf, t.W.matMul(HHt))); // [n, r]
      // H ← H ∘ (WᵀV) / (WᵀW·H)
      const WtW = W.matMul(W, true, false); // [r, r]
      const H = t.H.mul(W.matMul(V, true, false)).div(guard(tf, WtW.matMul(t.H))); // [r, d]
      return { W: W as tfNs.Tensor2D, H: H as tfNs.Tensor2D };
    }
    // W ← W ∘ ((V/WH)·Hᵀ) / (1·Hᵀ): entry (i, k)'s denominator is the sum of H's row k.
    const ratioW = V.div(guard(tf, t.W.matMul(t.H))); // [n, d]
    const rowSumsH = t.H.sum(1); // [r], the same for every row of W
    const W = t.W.mul(ratioW.matMul(t.H, false, true)).div(guard(tf, rowSumsH)); // [n, r]
    // H ← H ∘ (Wᵀ·(V/WH)) / (Wᵀ·1): entry (k, j)'s denominator is the sum of W's column k.
    const ratioH = V.div(guard(tf, W.matMul(t.H))); // [n, d]
    const colSumsW = W.sum(0); // [r]
    const den = tf.where(colSumsW.equal(0), tf.onesLike(colSumsW), colSumsW).expandDims(1); // [r, 1]
    const H = t.H.mul(W.matMul(ratioH, true, false)).div(den); // [r, d]
    // scikit-learn flushes what is below float64's epsilon to 0 after this update.
    const flushed = tf.where(H.less(Number.EPSILON), tf.zerosLike(H), H); // [r, d]
    return { W: W as tfNs.Tensor2D, H: flushed as tfNs.Tensor2D };
  });
}
