/**
 * Starting factors for the multiplicative updates. Updates can only scale an
 * entry, so the start decides which entries can ever be nonzero.
 *
 * - `random` draws |N(0, 1)| · √(mean(V)/r) for every entry, so that WH
 *   starts at the data's scale (scikit-learn's `init="random"`);
 * - `nndsvd` is Boutsidis & Gallopoulos's nonnegative double SVD (2008,
 *   "SVD based initialization: A head start for nonnegative matrix
 *   factorization", Pattern Recognition 41), built here from the exact
 *   leading singular vectors;
 * - `nndsvda` fills NNDSVD's zeros with mean(V) (multiplicative updates can
 *   never move an entry away from 0).
 *
 * @module
 */
// The eigensolver is plain linear algebra that happens to live with PCA.
import { type Eigen, symmetricEigen } from "../../core/linalg.ts";
import { deriveSeed, Rng } from "../../core/random.ts";
import { type NmfData, nmfDense } from "./data.ts";
import type { NmfFactors, NmfInit } from "./model.ts";

/** NNDSVD sets entries below this to 0 (scikit-learn's default `eps`). */
export const NNDSVD_TRUNCATE = 1e-6;

/**
 * The leading singular triplets of V: V ≈ U·diag(s)·Vᵀ restricted to k.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SingularTriplets } from "./init.ts";
 * // V = [[3, 0], [0, 0]] [2, 2]: one triplet, σ = 3, u = v = (1, 0).
 * const svd: SingularTriplets = { k: 1, s: Float64Array.of(3), u: Float64Array.of(1, 0), v: Float64Array.of(1, 0) };
 * assert.equal(svd.s.length, svd.k);
 * ```
 */
export interface SingularTriplets {
  /** How many triplets. */
  k: number;
  /** Singular values, descending. */
  s: Float64Array;
  /** Left singular vectors as columns of `[n, k]`. */
  u: Float64Array;
  /** Right singular vectors as columns of `[d, k]`. */
  v: Float64Array;
}

/**
 * The k leading singular triplets of V from the eigendecomposition of the
 * smaller Gram matrix (VᵀV `[d, d]` when d ≤ n, else VVᵀ `[n, n]`): its
 * eigenvectors give one side, σ = √λ, and the other side is V·v/σ (or Vᵀ·u/σ).
 * Squaring the matrix loses the smallest singular values' accuracy, not the
 * leading ones NNDSVD needs. A σ of 0 gives zero vectors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfData, topSingularTriplets } from "../../mod.ts";
 * const svd = topSingularTriplets(nmfData([3, 0, 0, 2], 2, 2), 2); // V = diag(3, 2)
 * assert.deepEqual([...svd.s].map((x) => Math.round(x * 1e9) / 1e9), [3, 2]);
 * ```
 */
export function topSingularTriplets(data: NmfData, k: number): SingularTriplets {
  const { n, d } = data;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, d)) {
    throw new RangeError(`k must be an integer in [1, ${Math.min(n, d)}], got ${k}`);
  }
  const s = new Float64Array(k);
  const u = new Float64Array(n * k);
  const v = new Float64Array(d * k);
  if (d <= n) {
    const G = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      for (let a = data.rowPtr[i]; a < data.rowPtr[i + 1]; a++) {
        const ja = data.rowCol[a];
        const va = data.rowVal[a];
        for (let b = data.rowPtr[i]; b <= a; b++) G[ja * d + data.rowCol[b]] += va * data.rowVal[b];
      }
    }
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) G[b * d + a] = G[a * d + b];
    singularFromGram(symmetricEigen(G, d), {
      k,
      s,
      near: v,
      far: u,
      ptr: data.rowPtr,
      idx: data.rowCol,
      val: data.rowVal,
    });
  } else {
    const dense = nmfDense(data);
    const G = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b <= a; b++) {
        let t = 0;
        for (let j = 0; j < d; j++) t += dense[a * d + j] * dense[b * d + j];
        G[a * n + b] = t;
        G[b * n + a] = t;
      }
    }
    singularFromGram(symmetricEigen(G, n), {
      k,
      s,
      near: u,
      far: v,
      ptr: data.colPtr,
      idx: data.colRow,
      val: data.colVal,
    });
  }
  return { k, s, u, v };
}

/**
 * The k leading triplets from the eigendecomposition of one side's Gram
 * matrix: σ = √λ into `s`, that side's singular vectors (`near`, `[m, k]`)
 * from the eigenvectors, and the other side's (`far`, `[rows, k]`) as
 * (V·near)/σ, with V's nonzeros stored by the far side's rows (`ptr`, `idx`
 * into near, `val`).
 */
function singularFromGram(
  eig: Eigen,
  o: {
    k: number;
    s: Float64Array;
    near: Float64Array;
    far: Float64Array;
    ptr: Int32Array;
    idx: Int32Array;
    val: Float64Array;
  },
): void {
  const { k, s, near, far, ptr, idx, val } = o;
  const m = eig.n;
  const rows = ptr.length - 1;
  for (let c = 0; c < k; c++) {
    const sigma = Math.sqrt(Math.max(eig.values[c], 0));
    s[c] = sigma;
    if (sigma === 0) continue;
    for (let j = 0; j < m; j++) near[j * k + c] = eig.vectors[j * m + c];
    for (let i = 0; i < rows; i++) {
      let t = 0;
      for (let q = ptr[i]; q < ptr[i + 1]; q++) t += val[q] * near[idx[q] * k + c];
      far[i * k + c] = t / sigma;
    }
  }
}

/**
 * NNDSVD (Boutsidis & Gallopoulos 2008) as scikit-learn writes it: the
 * leading triplet's absolute values; for every further triplet (σ, x, y),
 * the positive parts (x₊, y₊) or the negative parts (x₋, y₋), whichever
 * pair has the larger product of norms m, scaled to √(σ·m)·x₊/‖x₊‖ (and
 * likewise for y); entries below {@link NNDSVD_TRUNCATE} become 0. With
 * `fill: "mean"` (NNDSVDa) the zeros are then set to mean(V). Flipping the
 * sign of a singular pair swaps the positive and negative parts, so the
 * result does not depend on the eigensolver's signs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfData } from "./data.ts";
 * import { nndsvd } from "./init.ts";
 * const f = nndsvd(nmfData([1, 2, 2, 4], 2, 2), 1); // rank 1 and exactly rank 1
 * assert.ok(Math.abs(f.W[0] * f.Ht[1] - 2) < 1e-12); // (WH)[0, 1] = V[0, 1]
 * ```
 */
export function nndsvd(
  data: NmfData,
  rank: number,
  options: { fill?: "zeros" | "mean"; svd?: SingularTriplets } = {},
): NmfFactors {
  const { n, d } = data;
  const svd = options.svd ?? topSingularTriplets(data, rank);
  if (svd.k < rank) throw new RangeError(`nndsvd needs ${rank} singular triplets, got ${svd.k}`);
  const r = rank;
  const W = new Float64Array(n * r);
  const Ht = new Float64Array(d * r);
  const k = svd.k;
  const x = new Float64Array(n);
  const y = new Float64Array(d);
  for (let c = 0; c < r; c++) {
    for (let i = 0; i < n; i++) x[i] = svd.u[i * k + c];
    for (let j = 0; j < d; j++) y[j] = svd.v[j * k + c];
    const sigma = svd.s[c];
    if (c === 0) {
      const root = Math.sqrt(sigma);
      for (let i = 0; i < n; i++) W[i * r] = root * Math.abs(x[i]);
      for (let j = 0; j < d; j++) Ht[j * r] = root * Math.abs(y[j]);
      continue;
    }
    let xp = 0, xn = 0, yp = 0, yn = 0;
    for (const t of x) t > 0 ? (xp += t * t) : (xn += t * t);
    for (const t of y) t > 0 ? (yp += t * t) : (yn += t * t);
    xp = Math.sqrt(xp);
    xn = Math.sqrt(xn);
    yp = Math.sqrt(yp);
    yn = Math.sqrt(yn);
    const mp = xp * yp;
    const mn = xn * yn;
    const positive = mp > mn;
    const m = positive ? mp : mn;
    if (m === 0) continue;
    const lambda = Math.sqrt(sigma * m);
    const xs = lambda / (positive ? xp : xn);
    const ys = lambda / (positive ? yp : yn);
    for (let i = 0; i < n; i++) {
      const t = positive ? Math.max(x[i], 0) : Math.max(-x[i], 0);
      W[i * r + c] = xs * t;
    }
    for (let j = 0; j < d; j++) {
      const t = positive ? Math.max(y[j], 0) : Math.max(-y[j], 0);
      Ht[j * r + c] = ys * t;
    }
  }
  const mean = data.sum / (n * d);
  const fill = options.fill === "mean" ? mean : 0;
  for (let q = 0; q < W.length; q++) if (W[q] < NNDSVD_TRUNCATE) W[q] = fill;
  for (let q = 0; q < Ht.length; q++) if (Ht[q] < NNDSVD_TRUNCATE) Ht[q] = fill;
  return { n, d, r, W, Ht };
}

/**
 * Random factors: every entry |N(0, 1)|·√(mean(V)/r), so that WH starts at
 * the data's scale (scikit-learn's `init="random"`; its numbers differ since
 * the generators differ). H and W use separate streams derived from `seed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfData } from "./data.ts";
 * import { nmfRandomInit } from "./init.ts";
 * const f = nmfRandomInit(nmfData([1, 2, 3, 4, 5, 6], 2, 3), 2, 7);
 * assert.ok(f.W.every((x) => x >= 0) && f.Ht.every((x) => x >= 0));
 * ```
 */
export function nmfRandomInit(data: NmfData, rank: number, seed: number): NmfFactors {
  const { n, d } = data;
  const r = rank;
  const scale = Math.sqrt(data.sum / (n * d) / r);
  const hRng = new Rng(deriveSeed(seed, "nmf-init", "H"));
  const wRng = new Rng(deriveSeed(seed, "nmf-init", "W"));
  const Ht = new Float64Array(d * r);
  // Drawn in H's row-major order [r, d], stored transposed.
  for (let k = 0; k < r; k++) {
    for (let j = 0; j < d; j++) Ht[j * r + k] = scale * Math.abs(hRng.normal());
  }
  const W = new Float64Array(n * r);
  for (let q = 0; q < n * r; q++) W[q] = scale * Math.abs(wRng.normal());
  return { n, d, r, W, Ht };
}

/**
 * Initial factors by `init`, of rank `rank` (`seed` drives the random start;
 * `svd` lets several NNDSVD starts share one decomposition). NNDSVD needs
 * rank ≤ min(n, d); a bad rank is a RangeError naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfData, nmfInit } from "../../mod.ts";
 * const data = nmfData([1, 2, 3, 4, 5, 6], 2, 3); // [2, 3]
 * const start = nmfInit(data, { rank: 2, init: "nndsvda", seed: 0 });
 * assert.deepEqual([start.W.length, start.Ht.length], [2 * 2, 3 * 2]);
 * assert.throws(() => nmfInit(data, { rank: 3, init: "nndsvd", seed: 0 }), /rank must be/);
 * ```
 */
export function nmfInit(
  data: NmfData,
  options: { rank: number; init: NmfInit; seed: number; svd?: SingularTriplets },
): NmfFactors {
  const { rank, init } = options;
  const limit = init === "random" ? Infinity : Math.min(data.n, data.d);
  if (!Number.isInteger(rank) || rank < 1 || rank > limit) {
    throw new RangeError(
      `rank must be an integer in [1, ${limit}] for init=${init}, got ${rank}`,
    );
  }
  if (init === "random") return nmfRandomInit(data, rank, options.seed);
  return nndsvd(data, rank, { fill: init === "nndsvda" ? "mean" : "zeros", svd: options.svd });
}
