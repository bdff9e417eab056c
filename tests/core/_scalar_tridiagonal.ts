/**
 * lib/core/linalg.ts's tridiagonal steps as they were in JavaScript before they moved to
 * WebAssembly (commit c5edbf4): the implicit QR steps (eigenvalues, and the last row of the
 * rotations for the Lanczos convergence test) and inverse iteration. The oracle that
 * tridiagonalEigenvalues and tridiagonalEigenvectors must match bit for bit
 * (eigen_top_test.ts).
 *
 * @module
 */
import { Rng } from "../../lib/core/random.ts";

/** The eigenvalues of T (diagonal alpha, off-diagonal beta), descending, and the last entry of each unit eigenvector. */
export function scalarRitzValues(
  alpha: ArrayLike<number>,
  beta: ArrayLike<number>,
): { values: Float64Array; last: Float64Array } {
  const m = alpha.length;
  return ritzValues(Array.from(alpha), Array.from(beta), m);
}

/** Unit eigenvectors of T for `values`, as rows `[k, n]`. */
export function scalarTridiagonalVectors(
  d: ArrayLike<number>,
  e: ArrayLike<number>,
  values: ArrayLike<number>,
): Float64Array {
  const n = d.length;
  const ee = Float64Array.from(e);
  ee[n - 1] = 0;
  const out = new Float64Array(values.length * n);
  tridiagonalVectors(Float64Array.from(d), ee, Float64Array.from(values), out);
  return out;
}

function lanczosTridiagonal(alpha: number[], beta: number[], m: number) {
  const d = Float64Array.from(alpha.slice(0, m));
  const e = new Float64Array(m);
  for (let t = 0; t < m - 1; t++) e[t] = beta[t];
  return { d, e };
}

export function scalarTridiagonalQr(
  d: Float64Array,
  e: Float64Array,
  rotate?: (k: number, c: number, s: number) => void,
): void {
  const n = d.length;
  const eps = 2 ** -52;
  let hi = n - 1;
  let guard = 0;
  while (hi > 0) {
    if (++guard > 100 * n) throw new Error("symmetricEigen: the QR steps did not converge");
    // Deflate: drop negligible off-diagonal entries, find the bottom unreduced block [lo, hi].
    for (let i = 0; i < hi; i++) {
      if (Math.abs(e[i]) <= eps * (Math.abs(d[i]) + Math.abs(d[i + 1]))) e[i] = 0;
    }
    while (hi > 0 && e[hi - 1] === 0) hi--;
    if (hi === 0) break;
    let lo = hi - 1;
    while (lo > 0 && e[lo - 1] !== 0) lo--;
    // Wilkinson shift from the trailing 2 × 2 block.
    const delta = (d[hi - 1] - d[hi]) / 2;
    const b2 = e[hi - 1] * e[hi - 1];
    const mu = d[hi] - b2 / (delta + (delta >= 0 ? 1 : -1) * Math.sqrt(delta * delta + b2));
    let x = d[lo] - mu;
    let z = e[lo];
    for (let k = lo; k < hi; k++) {
      // Rotation in the (k, k+1) plane that zeroes z against x.
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : -z / r;
      if (k > lo) e[k - 1] = r;
      // T ← GᵀTG on the 2 × 2 block and its neighbours.
      const dk = d[k];
      const dk1 = d[k + 1];
      const ek = e[k];
      d[k] = c * c * dk - 2 * c * s * ek + s * s * dk1;
      d[k + 1] = s * s * dk + 2 * c * s * ek + c * c * dk1;
      e[k] = c * s * (dk - dk1) + (c * c - s * s) * ek;
      rotate?.(k, c, s);
      if (k + 1 < hi) {
        // The rotation spills onto (k, k+2): that is the bulge to chase next.
        x = e[k];
        z = -s * e[k + 1];
        e[k + 1] = c * e[k + 1];
      }
    }
  }
}

function ritzValues(
  alpha: number[],
  beta: number[],
  m: number,
): { values: Float64Array; last: Float64Array } {
  const { d, e } = lanczosTridiagonal(alpha, beta, m);
  // The last row of the accumulated rotations, which starts as e_{m−1}ᵀ.
  const z = new Float64Array(m);
  z[m - 1] = 1;
  scalarTridiagonalQr(d, e, (t, c, s) => {
    const a0 = z[t];
    const a1 = z[t + 1];
    z[t] = c * a0 - s * a1;
    z[t + 1] = s * a0 + c * a1;
  });
  const order = Array.from(d.keys()).sort((x, y) => d[y] - d[x] || x - y);
  return {
    values: Float64Array.from(order, (t) => d[t]),
    last: Float64Array.from(order, (t) => z[t]),
  };
}

function tridiagonalVectors(
  d: Float64Array,
  e: Float64Array,
  values: Float64Array,
  out: Float64Array,
): void {
  const n = d.length;
  const eps = 2 ** -52;
  let norm = 0; // ‖T‖₁
  for (let i = 0; i < n; i++) {
    norm = Math.max(norm, Math.abs(d[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0) + Math.abs(e[i]));
  }
  if (n === 1) {
    out[0] = 1;
    return;
  }
  const clusterGap = 1e-3 * norm;
  const tolerance = 16 * n * eps * norm; // residual at rounding level
  const lu = shiftedLu(n);
  const y = new Float64Array(n);
  const rng = new Rng(0x5eed);
  let clusterStart = 0;
  let previous = Infinity;
  for (let c = 0; c < values.length; c++) {
    let lambda = values[c];
    if (previous - lambda > clusterGap) clusterStart = c;
    // Shifts of one cluster stay apart by a few ulps, so that each solve singles out its vector.
    else if (previous - lambda < 10 * eps * Math.abs(lambda)) {
      lambda = previous - 10 * eps * Math.abs(lambda);
    }
    previous = lambda;
    factorShifted(d, e, lambda, lu, eps * norm);

    const z = new Float64Array(n);
    // A seeded random start, as dstein's: almost surely not orthogonal to the eigenvector.
    for (let i = 0; i < n; i++) z[i] = 2 * rng.uniform() - 1;
    // Solve until the residual is at rounding level, then twice more (as dstein): each solve
    // shrinks the other eigenvectors' share by |λ − λⱼ| / gap.
    let converged = false;
    let extra = 2;
    for (let iteration = 0; iteration < 10 && extra > 0; iteration++) {
      if (converged) extra--;
      y.set(z);
      solveShifted(lu, y);
      for (let q = clusterStart; q < c; q++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += y[i] * out[q * n + i];
        for (let i = 0; i < n; i++) y[i] -= dot * out[q * n + i];
      }
      let size = 0;
      for (let i = 0; i < n; i++) size += y[i] * y[i];
      size = Math.sqrt(size);
      for (let i = 0; i < n; i++) z[i] = y[i] / size;
      converged = tridiagonalResidual(d, e, values[c], z) <= tolerance;
    }
    out.set(z, c * n);
    if (!converged) {
      throw new Error(
        `symmetricEigenTop: inverse iteration for eigenvalue ${values[c]} did not converge`,
      );
    }
  }
}

/** LU factors of a shifted tridiagonal T − λI with partial pivoting (LAPACK's dgttrf layout). */
interface ShiftedLu {
  /** L's multipliers. */
  lower: Float64Array;
  /** U's diagonal. */
  diag: Float64Array;
  /** U's first superdiagonal. */
  up1: Float64Array;
  /** U's second superdiagonal (filled by row swaps). */
  up2: Float64Array;
  /** 1 where rows i and i + 1 were swapped. */
  swapped: Uint8Array;
}

function shiftedLu(n: number): ShiftedLu {
  return {
    lower: new Float64Array(n),
    diag: new Float64Array(n),
    up1: new Float64Array(n),
    up2: new Float64Array(n),
    swapped: new Uint8Array(n),
  };
}

/**
 * Factors T − λI (diagonal d, off-diagonal e) into `lu`. A pivot that comes out exactly zero means
 * λ is exact; `tiny` in its place still points the solve along the eigenvector.
 */
function factorShifted(
  d: Float64Array,
  e: Float64Array,
  lambda: number,
  lu: ShiftedLu,
  tiny: number,
): void {
  const n = d.length;
  const { lower, diag, up1, up2, swapped } = lu;
  for (let i = 0; i < n; i++) {
    diag[i] = d[i] - lambda;
    up1[i] = e[i];
    up2[i] = 0;
    swapped[i] = 0;
  }
  for (let i = 0; i < n - 1; i++) {
    const sub = e[i];
    if (Math.abs(diag[i]) >= Math.abs(sub)) {
      const f = diag[i] === 0 ? 0 : sub / diag[i];
      lower[i] = f;
      diag[i + 1] -= f * up1[i];
    } else {
      const f = diag[i] / sub;
      swapped[i] = 1;
      diag[i] = sub;
      lower[i] = f;
      const t = up1[i];
      up1[i] = diag[i + 1];
      diag[i + 1] = t - f * diag[i + 1];
      if (i < n - 2) {
        up2[i] = up1[i + 1];
        up1[i + 1] = -f * up1[i + 1];
      }
    }
  }
  for (let i = 0; i < n; i++) if (diag[i] === 0) diag[i] = tiny;
}

/** Solves (T − λI)·x = y in place with the factors of {@link factorShifted} (n ≥ 2). */
function solveShifted(lu: ShiftedLu, y: Float64Array): void {
  const { lower, diag, up1, up2, swapped } = lu;
  const n = y.length;
  for (let i = 0; i < n - 1; i++) {
    if (swapped[i]) {
      const t = y[i];
      y[i] = y[i + 1];
      y[i + 1] = t - lower[i] * y[i + 1];
    } else y[i + 1] -= lower[i] * y[i];
  }
  y[n - 1] /= diag[n - 1];
  y[n - 2] = (y[n - 2] - up1[n - 2] * y[n - 1]) / diag[n - 2];
  for (let i = n - 3; i >= 0; i--) {
    y[i] = (y[i] - up1[i] * y[i + 1] - up2[i] * y[i + 2]) / diag[i];
  }
}

/** ‖T·z − λ·z‖₂ for the tridiagonal T (diagonal d, off-diagonal e). */
function tridiagonalResidual(d: Float64Array, e: Float64Array, lambda: number, z: Float64Array) {
  const n = d.length;
  let residual = 0;
  for (let i = 0; i < n; i++) {
    const t = (d[i] - lambda) * z[i] + (i > 0 ? e[i - 1] * z[i - 1] : 0) +
      (i < n - 1 ? e[i] * z[i + 1] : 0);
    residual += t * t;
  }
  return Math.sqrt(residual);
}
