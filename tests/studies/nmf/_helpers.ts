/**
 * What the NMF tests share: seeded random nonnegative matrices, exactly
 * factorisable ones, a relative difference, and a plain dense statement of
 * one multiplicative-update iteration in float64 (the oracle for the sparse
 * kernels of lib/studies/nmf/kernel.ts).
 */
import {
  NMF_EPSILON,
  nmfBasis,
  type NmfFactors,
  type NmfObjective,
} from "../../../lib/studies/nmf/model.ts";
import { Rng } from "../../../lib/core/random.ts";

/** A nonnegative `[n, d]` matrix with about `zeros` of its entries 0. */
export function randomMatrix(n: number, d: number, seed: number, zeros = 0.5): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * d }, () => rng.uniform() < zeros ? 0 : rng.uniform());
}

/** V = W₀H₀ for random nonnegative W₀ `[n, r]` and H₀ `[r, d]`. */
export function factorisable(n: number, d: number, r: number, seed: number): Float64Array {
  const W0 = randomMatrix(n, r, seed, 0.3);
  const H0 = randomMatrix(r, d, seed + 1, 0.3);
  const V = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < r; k++) V[i * d + j] += W0[i * r + k] * H0[k * d + j];
    }
  }
  return V;
}

/** Largest |a − b| relative to the largest |b|. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let k = 0; k < b.length; k++) {
    worst = Math.max(worst, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(b[k]));
  }
  return worst / scale;
}

/**
 * One multiplicative-update iteration written the plain dense way (W = [n, r],
 * H = [r, d], full products), with the same division guards: the oracle for
 * the sparse kernels.
 */
export function denseStep(V: Float64Array, f: NmfFactors, objective: NmfObjective): NmfFactors {
  const { n, d, r } = f;
  const W = f.W.slice();
  const H = nmfBasis(f);
  const WH = () => {
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        for (let k = 0; k < r; k++) out[i * d + j] += W[i * r + k] * H[k * d + j];
      }
    }
    return out;
  };
  const guard = (x: number) => (x === 0 ? NMF_EPSILON : x);
  if (objective === "frobenius") {
    let wh = WH();
    const newW = W.slice();
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < r; k++) {
        let num = 0;
        let den = 0;
        for (let j = 0; j < d; j++) {
          num += V[i * d + j] * H[k * d + j];
          den += wh[i * d + j] * H[k * d + j];
        }
        newW[i * r + k] = W[i * r + k] * num / guard(den);
      }
    }
    W.set(newW);
    wh = WH();
    const newH = H.slice();
    for (let k = 0; k < r; k++) {
      for (let j = 0; j < d; j++) {
        let num = 0;
        let den = 0;
        for (let i = 0; i < n; i++) {
          num += W[i * r + k] * V[i * d + j];
          den += W[i * r + k] * wh[i * d + j];
        }
        newH[k * d + j] = H[k * d + j] * num / guard(den);
      }
    }
    H.set(newH);
  } else {
    let wh = WH();
    const newW = W.slice();
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < r; k++) {
        let num = 0;
        let den = 0;
        for (let j = 0; j < d; j++) {
          num += (V[i * d + j] / guard(wh[i * d + j])) * H[k * d + j];
          den += H[k * d + j];
        }
        newW[i * r + k] = W[i * r + k] * num / guard(den);
      }
    }
    W.set(newW);
    wh = WH();
    const newH = H.slice();
    for (let k = 0; k < r; k++) {
      let den = 0;
      for (let i = 0; i < n; i++) den += W[i * r + k];
      for (let j = 0; j < d; j++) {
        let num = 0;
        for (let i = 0; i < n; i++) num += W[i * r + k] * (V[i * d + j] / guard(wh[i * d + j]));
        const h = H[k * d + j] * num / (den === 0 ? 1 : den);
        newH[k * d + j] = h < Number.EPSILON ? 0 : h;
      }
    }
    H.set(newH);
  }
  const Ht = new Float64Array(d * r);
  for (let k = 0; k < r; k++) for (let j = 0; j < d; j++) Ht[j * r + k] = H[k * d + j];
  return { n, d, r, W, Ht };
}
