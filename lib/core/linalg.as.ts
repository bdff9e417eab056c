// The O(n²) loops of linalg.ts (symmetricEigen: the Householder reduction's three and the QR
// steps' rotation of Q's columns; symmetricEigenTop: the fused reduction of the lower triangle and
// the back-transformation, the Lanczos route's products, projections and normalisations, and the
// scan for zero rows) and of pca.ts's covariance and uncentredMoments (gramRuns, rowsGram, which
// also finishes the sums into moments), and the tridiagonal steps (the QR steps, inverse
// iteration), in AssemblyScript compiled to WebAssembly with 128-bit SIMD by `deno task
// build-wasm` into `_linalg_wasm.ts`. linalg.ts and pca.ts are the files to read for what they
// compute.
//
// symmetricEigen's loops, gramRuns and rowsGram (and its finishing), and the tridiagonal steps
// perform, for every output entry, the same float64 operations in the same order as the scalar
// JavaScript they replaced (the Gram kernels add some exact zeros besides, which change no finite
// sum): SIMD lanes hold two independent outputs (two entries of one row, or two rows' dot
// products), never two halves of one sum, and there is no fused multiply-add, so their results
// are bit-identical to the scalar code's (tests/core/pca_test.ts, tests/core/eigen_top_test.ts,
// whose _scalar_*.ts files keep the originals). symUpdateTimes and the Lanczos kernels
// (symMatVec, projectOut, combineRows, normaliseInto) sum in their own order: they are new, not
// ports, and are held to the reduction's answers to rounding instead.
//
// Matrices are row-major float64 n × n; pointers are byte offsets into the module's memory.

// Where the module's own static data ends: the host lays out its arrays above it.
export function heapBase(): usize {
  return __heap_base;
}

@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

// Row dot products Σ_{j ≥ m0} M[i, j]·v[j] of rows i and i + 1, each summed in j order.
@inline function rowPairDots(M: usize, n: i32, m0: i32, i: i32, v: usize): v128 {
  const r0 = M + <usize>i * (<usize>n << 3);
  const r1 = r0 + (<usize>n << 3);
  let s = f64x2.splat(0);
  let j = m0;
  for (; j + 2 <= n; j += 2) {
    const y0 = v128.load(at(r0, j));
    const y1 = v128.load(at(r1, j));
    s = f64x2.add(s, f64x2.mul(i64x2.shuffle(y0, y1, 0, 2), v128.load64_splat(at(v, j))));
    s = f64x2.add(s, f64x2.mul(i64x2.shuffle(y0, y1, 1, 3), v128.load64_splat(at(v, j + 1))));
  }
  if (j < n) {
    const y = v128.load64_lane(at(r1, j), v128.load64_zero(at(r0, j)), 1);
    s = f64x2.add(s, f64x2.mul(y, v128.load64_splat(at(v, j))));
  }
  return s;
}

// One row's dot product Σ_{j ≥ m0} M[i, j]·v[j], in j order.
@inline function rowDot(M: usize, n: i32, m0: i32, i: i32, v: usize): f64 {
  const r0 = M + <usize>i * (<usize>n << 3);
  let s: f64 = 0;
  for (let j = m0; j < n; j++) s += load<f64>(at(r0, j)) * load<f64>(at(v, j));
  return s;
}

// p[i] = beta · Σ_{j ≥ m0} A[i, j]·v[j] for i ≥ m0 (the trailing block times v).
export function blockTimes(A: usize, n: i32, m0: i32, v: usize, beta: f64, p: usize): void {
  let i = m0;
  for (; i + 2 <= n; i += 2) {
    const s = rowPairDots(A, n, m0, i, v);
    store<f64>(at(p, i), beta * f64x2.extract_lane(s, 0));
    store<f64>(at(p, i + 1), beta * f64x2.extract_lane(s, 1));
  }
  if (i < n) store<f64>(at(p, i), beta * rowDot(A, n, m0, i, v));
}

// A[i, j] -= v[i]·w[j] + w[i]·v[j] for i, j ≥ m0 (the symmetric rank-2 update).
export function rank2(A: usize, n: i32, m0: i32, v: usize, w: usize): void {
  for (let i = m0; i < n; i++) {
    const row = A + <usize>i * (<usize>n << 3);
    const vi = load<f64>(at(v, i));
    const wi = load<f64>(at(w, i));
    const vv = f64x2.splat(vi);
    const ww = f64x2.splat(wi);
    let j = m0;
    for (; j + 2 <= n; j += 2) {
      const t = f64x2.add(f64x2.mul(vv, v128.load(at(w, j))), f64x2.mul(ww, v128.load(at(v, j))));
      v128.store(at(row, j), f64x2.sub(v128.load(at(row, j)), t));
    }
    if (j < n) {
      store<f64>(
        at(row, j),
        load<f64>(at(row, j)) - (vi * load<f64>(at(w, j)) + wi * load<f64>(at(v, j))),
      );
    }
  }
}

// Q[r, j] -= f·v[j] for j ≥ m0, where f = beta · Σ_{j ≥ m0} Q[r, j]·v[j] (Q ← Q·H), every row
// r < rows of the row-major [rows, n] matrix Q; a row with f = 0 is left alone. (With Q's rows
// read as vectors z this is z ← H·z, the back-transformation of symmetricEigenTop.)
export function applyReflector(Q: usize, rows: i32, n: i32, m0: i32, v: usize, beta: f64): void {
  let r = 0;
  for (; r + 2 <= rows; r += 2) {
    const s = rowPairDots(Q, n, m0, r, v);
    reflectRow(Q, n, m0, r, v, beta * f64x2.extract_lane(s, 0));
    reflectRow(Q, n, m0, r + 1, v, beta * f64x2.extract_lane(s, 1));
  }
  if (r < rows) reflectRow(Q, n, m0, r, v, beta * rowDot(Q, n, m0, r, v));
}

@inline function reflectRow(Q: usize, n: i32, m0: i32, r: i32, v: usize, f: f64): void {
  if (f == 0) return;
  const row = Q + <usize>r * (<usize>n << 3);
  const ff = f64x2.splat(f);
  let j = m0;
  for (; j + 2 <= n; j += 2) {
    v128.store(at(row, j), f64x2.sub(v128.load(at(row, j)), f64x2.mul(ff, v128.load(at(v, j)))));
  }
  if (j < n) store<f64>(at(row, j), load<f64>(at(row, j)) - f * load<f64>(at(v, j)));
}

// Rows k and k + 1 of Qt (columns k, k + 1 of Q) ← the plane rotation (c, s) of the QR steps:
// a₀ ← c·a₀ − s·a₁ and a₁ ← s·a₀ + c·a₁, entry by entry.
export function rotateRows(Qt: usize, n: i32, k: i32, c: f64, s: f64): void {
  const r0 = Qt + <usize>k * (<usize>n << 3);
  const r1 = r0 + (<usize>n << 3);
  const cc = f64x2.splat(c);
  const ss = f64x2.splat(s);
  let r = 0;
  for (; r + 2 <= n; r += 2) {
    const a0 = v128.load(at(r0, r));
    const a1 = v128.load(at(r1, r));
    v128.store(at(r0, r), f64x2.sub(f64x2.mul(cc, a0), f64x2.mul(ss, a1)));
    v128.store(at(r1, r), f64x2.add(f64x2.mul(ss, a0), f64x2.mul(cc, a1)));
  }
  if (r < n) {
    const a0 = load<f64>(at(r0, r));
    const a1 = load<f64>(at(r1, r));
    store<f64>(at(r0, r), c * a0 - s * a1);
    store<f64>(at(r1, r), s * a0 + c * a1);
  }
}

// √(x² + z²) as V8's Math.hypot computes it for two finite numbers: both scaled by the larger
// magnitude, then the square root of the sum of their squares times it (V8's compensated sum
// changes nothing with two terms: the first goes in exactly). So the QR steps below round as the
// JavaScript they replaced did.
@inline function hypot(x: f64, z: f64): f64 {
  const ax = Math.abs(x);
  const az = Math.abs(z);
  let max: f64 = 0;
  if (!(ax <= max)) max = ax;
  if (!(az <= max)) max = az;
  if (max == 0) return 0;
  if (max == Infinity) return Infinity;
  const a = ax / max;
  const b = az / max;
  return Math.sqrt(a * a + b * b) * max;
}

// Diagonalises the symmetric tridiagonal matrix with diagonal d [n] and off-diagonal e [n]
// (e[i] = T[i, i + 1]; e[n − 1] unused) in place: d ends holding the eigenvalues, unordered.
// Implicit QR steps with a Wilkinson shift (a Givens rotation chasing the bulge down the band),
// deflating whenever an off-diagonal entry becomes negligible. Each rotation in the (k, k + 1)
// plane is applied to rows k and k + 1 of the row-major [n, len] matrix at `rows` (as rotateRows;
// len = 0: none): the transposed eigenvector matrix, or with len = 1 the last row of it. Returns
// 0, or 1 when the steps did not converge. linalg.ts's reference loop, in the same order.
export function tridiagonalQr(d: usize, e: usize, n: i32, rows: usize, len: i32): i32 {
  const eps: f64 = 2.220446049250313e-16; // 2⁻⁵²
  let hi = n - 1;
  let guard = 0;
  while (hi > 0) {
    if (++guard > 100 * n) return 1;
    for (let i = 0; i < hi; i++) {
      const q = at(e, i);
      if (Math.abs(load<f64>(q)) <= eps * (Math.abs(load<f64>(at(d, i))) + Math.abs(load<f64>(at(d, i + 1))))) {
        store<f64>(q, 0);
      }
    }
    while (hi > 0 && load<f64>(at(e, hi - 1)) == 0) hi--;
    if (hi == 0) break;
    let lo = hi - 1;
    while (lo > 0 && load<f64>(at(e, lo - 1)) != 0) lo--;
    const dh = load<f64>(at(d, hi));
    const delta = (load<f64>(at(d, hi - 1)) - dh) / 2;
    const eh = load<f64>(at(e, hi - 1));
    const b2 = eh * eh;
    const mu = dh - b2 / (delta + (delta >= 0 ? 1.0 : -1.0) * Math.sqrt(delta * delta + b2));
    let x = load<f64>(at(d, lo)) - mu;
    let z = load<f64>(at(e, lo));
    for (let k = lo; k < hi; k++) {
      const r = hypot(x, z);
      const c = r == 0 ? 1.0 : x / r;
      const s = r == 0 ? 0.0 : -z / r;
      if (k > lo) store<f64>(at(e, k - 1), r);
      const dk = load<f64>(at(d, k));
      const dk1 = load<f64>(at(d, k + 1));
      const ek = load<f64>(at(e, k));
      store<f64>(at(d, k), c * c * dk - 2 * c * s * ek + s * s * dk1);
      store<f64>(at(d, k + 1), s * s * dk + 2 * c * s * ek + c * c * dk1);
      const ekNew = c * s * (dk - dk1) + (c * c - s * s) * ek;
      store<f64>(at(e, k), ekNew);
      if (len > 0) rotateRows(rows, len, k, c, s);
      if (k + 1 < hi) {
        const e1 = load<f64>(at(e, k + 1));
        x = ekNew;
        z = -s * e1;
        store<f64>(at(e, k + 1), c * e1);
      }
    }
  }
  return 0;
}

// Unit eigenvectors of the symmetric tridiagonal T (diagonal d [n], off-diagonal e [n], e[n − 1]
// = 0) for the eigenvalues values [k] (descending), by inverse iteration, into the rows of out
// [k, n]; starts [k, n] holds each one's seeded random start and scratch 7n float64s. Returns −1,
// or the index of the first value whose iteration did not converge. linalg.ts's
// tridiagonalVectors documents the method; this is its loop, in the same order.
export function tridiagonalVectors(
  d: usize,
  e: usize,
  n: i32,
  values: usize,
  k: i32,
  out: usize,
  starts: usize,
  scratch: usize,
): i32 {
  const eps: f64 = 2.220446049250313e-16; // 2⁻⁵²
  let norm: f64 = 0; // ‖T‖₁
  for (let i = 0; i < n; i++) {
    const row = Math.abs(load<f64>(at(d, i))) + (i > 0 ? Math.abs(load<f64>(at(e, i - 1))) : 0) +
      Math.abs(load<f64>(at(e, i)));
    norm = Math.max(norm, row);
  }
  if (n == 1) {
    store<f64>(out, 1);
    return -1;
  }
  const clusterGap = 1e-3 * norm;
  const tolerance = <f64>(16 * n) * eps * norm; // residual at rounding level
  const lower = scratch;
  const diag = at(lower, n);
  const up1 = at(diag, n);
  const up2 = at(up1, n);
  const swapped = at(up2, n); // 0 or 1, as float64s
  const y = at(swapped, n);
  const z = at(y, n);
  let clusterStart = 0;
  let previous: f64 = Infinity;
  for (let c = 0; c < k; c++) {
    let lambda = load<f64>(at(values, c));
    if (previous - lambda > clusterGap) clusterStart = c;
    else if (previous - lambda < 10 * eps * Math.abs(lambda)) {
      lambda = previous - 10 * eps * Math.abs(lambda);
    }
    previous = lambda;
    factorShifted(d, e, n, lambda, eps * norm, lower, diag, up1, up2, swapped);
    memory.copy(z, starts + ((<usize>c * <usize>n) << 3), <usize>n << 3);
    let converged = false;
    let extra = 2;
    for (let iteration = 0; iteration < 10 && extra > 0; iteration++) {
      if (converged) extra--;
      memory.copy(y, z, <usize>n << 3);
      solveShifted(n, lower, diag, up1, up2, swapped, y);
      for (let q = clusterStart; q < c; q++) {
        const row = out + ((<usize>q * <usize>n) << 3);
        let dot: f64 = 0;
        for (let i = 0; i < n; i++) dot += load<f64>(at(y, i)) * load<f64>(at(row, i));
        for (let i = 0; i < n; i++) store<f64>(at(y, i), load<f64>(at(y, i)) - dot * load<f64>(at(row, i)));
      }
      let size: f64 = 0;
      for (let i = 0; i < n; i++) size += load<f64>(at(y, i)) * load<f64>(at(y, i));
      size = Math.sqrt(size);
      for (let i = 0; i < n; i++) store<f64>(at(z, i), load<f64>(at(y, i)) / size);
      converged = tridiagonalResidual(d, e, n, load<f64>(at(values, c)), z) <= tolerance;
    }
    memory.copy(out + ((<usize>c * <usize>n) << 3), z, <usize>n << 3);
    if (!converged) return c;
  }
  return -1;
}

// LU factors of T − λI with partial pivoting (LAPACK's dgttrf layout): L's multipliers, U's
// diagonal and two superdiagonals, and 1 where rows i and i + 1 were swapped. A pivot that comes
// out exactly zero means λ is exact; `tiny` in its place still points the solve along the vector.
@inline function factorShifted(
  d: usize,
  e: usize,
  n: i32,
  lambda: f64,
  tiny: f64,
  lower: usize,
  diag: usize,
  up1: usize,
  up2: usize,
  swapped: usize,
): void {
  for (let i = 0; i < n; i++) {
    store<f64>(at(diag, i), load<f64>(at(d, i)) - lambda);
    store<f64>(at(up1, i), load<f64>(at(e, i)));
    store<f64>(at(up2, i), 0);
    store<f64>(at(swapped, i), 0);
  }
  for (let i = 0; i < n - 1; i++) {
    const sub = load<f64>(at(e, i));
    const di = load<f64>(at(diag, i));
    if (Math.abs(di) >= Math.abs(sub)) {
      const f = di == 0 ? 0 : sub / di;
      store<f64>(at(lower, i), f);
      store<f64>(at(diag, i + 1), load<f64>(at(diag, i + 1)) - f * load<f64>(at(up1, i)));
    } else {
      const f = di / sub;
      store<f64>(at(swapped, i), 1);
      store<f64>(at(diag, i), sub);
      store<f64>(at(lower, i), f);
      const t = load<f64>(at(up1, i));
      const dn = load<f64>(at(diag, i + 1));
      store<f64>(at(up1, i), dn);
      store<f64>(at(diag, i + 1), t - f * dn);
      if (i < n - 2) {
        const u = load<f64>(at(up1, i + 1));
        store<f64>(at(up2, i), u);
        store<f64>(at(up1, i + 1), -f * u);
      }
    }
  }
  for (let i = 0; i < n; i++) if (load<f64>(at(diag, i)) == 0) store<f64>(at(diag, i), tiny);
}

// Solves (T − λI)·x = y in place with factorShifted's factors (n ≥ 2).
@inline function solveShifted(
  n: i32,
  lower: usize,
  diag: usize,
  up1: usize,
  up2: usize,
  swapped: usize,
  y: usize,
): void {
  for (let i = 0; i < n - 1; i++) {
    const f = load<f64>(at(lower, i));
    if (load<f64>(at(swapped, i)) != 0) {
      const t = load<f64>(at(y, i));
      const next = load<f64>(at(y, i + 1));
      store<f64>(at(y, i), next);
      store<f64>(at(y, i + 1), t - f * next);
    } else store<f64>(at(y, i + 1), load<f64>(at(y, i + 1)) - f * load<f64>(at(y, i)));
  }
  store<f64>(at(y, n - 1), load<f64>(at(y, n - 1)) / load<f64>(at(diag, n - 1)));
  store<f64>(
    at(y, n - 2),
    (load<f64>(at(y, n - 2)) - load<f64>(at(up1, n - 2)) * load<f64>(at(y, n - 1))) / load<f64>(at(diag, n - 2)),
  );
  for (let i = n - 3; i >= 0; i--) {
    store<f64>(
      at(y, i),
      (load<f64>(at(y, i)) - load<f64>(at(up1, i)) * load<f64>(at(y, i + 1)) -
        load<f64>(at(up2, i)) * load<f64>(at(y, i + 2))) / load<f64>(at(diag, i)),
    );
  }
}

// ‖T·z − λ·z‖₂ for the tridiagonal T (diagonal d, off-diagonal e).
@inline function tridiagonalResidual(d: usize, e: usize, n: i32, lambda: f64, z: usize): f64 {
  let residual: f64 = 0;
  for (let i = 0; i < n; i++) {
    let t = (load<f64>(at(d, i)) - lambda) * load<f64>(at(z, i));
    if (i > 0) t += load<f64>(at(e, i - 1)) * load<f64>(at(z, i - 1));
    if (i < n - 1) t += load<f64>(at(e, i)) * load<f64>(at(z, i + 1));
    residual += t * t;
  }
  return Math.sqrt(residual);
}

// The fused step of symmetricEigenTop's reduction, on the lower triangle of the row-major n × n
// matrix A (entries j ≤ i; the upper triangle is never read): for m0 ≤ j ≤ i,
//   A[i, j] ← A[i, j] − (v[i]·w[j] + w[i]·v[j])          (this reflection's rank-2 update)
// and, from the updated entries, p[i] += Σ_j A[i, j]·u[j] over the whole symmetric block, i.e.
// p = A₂₂·u for the next reflection's vector u (p must be zero from m0 on when called). One pass
// over the block instead of three (a product with the full block, then the update): half the
// memory traffic of symmetricEigen's reduction and two thirds of its arithmetic.
export function symUpdateTimes(
  A: usize,
  n: i32,
  m0: i32,
  v: usize,
  w: usize,
  u: usize,
  p: usize,
): void {
  for (let i = m0; i < n; i++) {
    const row = A + <usize>i * (<usize>n << 3);
    const vi = load<f64>(at(v, i));
    const wi = load<f64>(at(w, i));
    const ui = load<f64>(at(u, i));
    const vv = f64x2.splat(vi);
    const ww = f64x2.splat(wi);
    const uu = f64x2.splat(ui);
    let acc = f64x2.splat(0);
    let j = m0;
    for (; j + 2 <= i; j += 2) {
      const t = f64x2.add(f64x2.mul(vv, v128.load(at(w, j))), f64x2.mul(ww, v128.load(at(v, j))));
      const a = f64x2.sub(v128.load(at(row, j)), t);
      v128.store(at(row, j), a);
      acc = f64x2.add(acc, f64x2.mul(a, v128.load(at(u, j))));
      v128.store(at(p, j), f64x2.add(v128.load(at(p, j)), f64x2.mul(a, uu)));
    }
    let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; j < i; j++) {
      const a = load<f64>(at(row, j)) - (vi * load<f64>(at(w, j)) + wi * load<f64>(at(v, j)));
      store<f64>(at(row, j), a);
      s += a * load<f64>(at(u, j));
      store<f64>(at(p, j), load<f64>(at(p, j)) + a * ui);
    }
    const diag = load<f64>(at(row, i)) - (vi * wi + wi * vi);
    store<f64>(at(row, i), diag);
    store<f64>(at(p, i), load<f64>(at(p, i)) + s + diag * ui);
  }
}

// The uncentred Gram matrix Σ_rows x·xᵀ of `count` rows, lower triangle (entries j ≤ i) of the
// row-major dim × dim matrix cov: cov[i, j] += x[i]·x[j] for every pair of a row's nonzero
// entries. The nonzeros come as runs of consecutive indices: run q starts at index runs[3q], holds
// runs[3q + 1] entries, and its values sit at vals[runs[3q + 2] …], followed by a zero when that
// count is odd; row r's runs are rowRuns[r] … rowRuns[r + 1] − 1. Every entry receives its
// products one per row, in row order, as in the scalar loop over nonzeros (and, from the padding,
// some exact zeros, which change no finite sum).
export function gramRuns(
  cov: usize,
  dim: i32,
  vals: usize,
  runs: usize,
  rowRuns: usize,
  count: i32,
): void {
  for (let r = 0; r < count; r++) {
    const first = load<i32>(rowRuns + (<usize>r << 2));
    const end = load<i32>(rowRuns + (<usize>(r + 1) << 2));
    runsGram(cov, dim, vals, runs, first, end, 0, dim);
  }
}

// Rows b0 … b1 − 1 of the uncentred Gram sum of `count` float32 rows at data ([count, dim],
// row-major), and the sums of columns 0 … b1 − 1: cov[i, j] += x[i]·x[j] (j ≤ i, b0 ≤ i < b1) for
// every pair of a row's nonzero entries, and sums[j] += x[j] (j < b1), each in row order. Those
// rows read no entry from b1 on, so each row is scanned only up to there (the first thread's band
// ends near the middle of an MNIST image: Gram rows 0 … 399 of 10,000 digits took 37 ms rather
// than 44 when each row was scanned to its end). The nonzeros are found here, as runs, and summed
// as gramRuns sums them; runs (i32 [3·⌈(dim + 1)/2⌉]) and vals (f64 [2·dim]) are scratch. The sums
// are columnMeans's before its division, and the Gram entries covariance's with center false.
// Every entry gets its products in row order whichever band it is computed in, so bands split
// between threads give the same bits.
export function rowsGram(
  cov: usize,
  sums: usize,
  dim: i32,
  data: usize,
  count: i32,
  runs: usize,
  vals: usize,
  b0: i32,
  b1: i32,
  finish: f64,
  centred: bool,
  mean: usize,
  flags: usize,
): void {
  for (let r = 0; r < count; r++) {
    const row = data + ((<usize>r * <usize>dim) << 2);
    let nz = 0;
    let nRuns = 0;
    let open = false; // whether the entry before is a nonzero, so that a run is open
    let len = 0; // the open run's length so far
    // Four entries a step: their nonzeros as a bit mask (−0 counts as a zero, NaN as a nonzero,
    // as x == 0 tells them), skipped when there are none (most of an image; adding zeros would
    // leave the column sums as they are), added to the column sums otherwise. Four nonzeros that
    // continue a run are appended in one go; other steps go entry by entry. The run's length is
    // kept here and written when it ends.
    const quads = b1 & ~3;
    for (let j = 0; j < quads; j += 4) {
      const four = v128.load(row + (<usize>j << 2));
      const mask = i32x4.bitmask(f32x4.ne(four, f32x4.splat(0)));
      if (mask == 0) {
        if (open) endRun(runs, nRuns, len);
        open = false;
        continue;
      }
      const low = f64x2.promote_low_f32x4(four);
      const high = f64x2.promote_low_f32x4(i64x2.shuffle(four, four, 1, 0));
      const q = at(sums, j);
      v128.store(q, f64x2.add(v128.load(q), low));
      v128.store(q + 16, f64x2.add(v128.load(q + 16), high));
      if (mask == 15 && open) {
        v128.store(at(vals, nz), low);
        v128.store(at(vals, nz + 2), high);
        nz += 4;
        len += 4;
        continue;
      }
      for (let t = 0; t < 4; t++) {
        if ((mask >> t) & 1) {
          if (!open) {
            if (nz & 1) store<f64>(at(vals, nz++), 0);
            nRuns = openRun(runs, nRuns, j + t, nz);
            len = 0;
            open = true;
          }
          store<f64>(at(vals, nz++), <f64>load<f32>(row + (<usize>(j + t) << 2)));
          len++;
        } else {
          if (open) endRun(runs, nRuns, len);
          open = false;
        }
      }
    }
    // The last b1 mod 4 entries one at a time (each added to the column sums).
    for (let t = quads; t < b1; t++) {
      const x = <f64>load<f32>(row + (<usize>t << 2));
      const q = at(sums, t);
      store<f64>(q, load<f64>(q) + x);
      if (x != 0) {
        if (!open) {
          if (nz & 1) store<f64>(at(vals, nz++), 0);
          nRuns = openRun(runs, nRuns, t, nz);
          len = 0;
          open = true;
        }
        store<f64>(at(vals, nz++), x);
        len++;
      } else {
        if (open) endRun(runs, nRuns, len);
        open = false;
      }
    }
    if (open) endRun(runs, nRuns, len);
    if (nz & 1) store<f64>(at(vals, nz++), 0);
    runsGram(cov, dim, vals, runs, 0, nRuns, b0, b1);
  }
  if (finish > 0) finishBand(cov, sums, dim, b0, b1, finish, centred, mean, flags);
}

// work[j] += c for the c-th nonzero (in index order) of each of the `count` float32 rows of dim
// entries at data: the products a nonzero at j adds to Gram row j (pca.ts's splitRow).
export function productProfile(data: usize, count: i32, dim: i32, work: usize): void {
  for (let r = 0; r < count; r++) {
    const row = data + ((<usize>r * <usize>dim) << 2);
    let c = 0;
    for (let j = 0; j < dim; j++) {
      if (load<f32>(row + (<usize>j << 2)) != 0) {
        c++;
        const q = at(work, j);
        store<f64>(q, load<f64>(q) + <f64>c);
      }
    }
  }
}

// The moments from the sums over `count` data rows, in place, for Gram rows b0 … b1 − 1: mean[j] =
// sums[j] / count for the columns below b1 (those summed), and each lower-triangle entry (j ≤ i)
// becomes sum / count, less mean[i]·mean[j] when `centred` (pca.ts's symmetricFromLower, in its
// order); each entry that is then nonzero (or NaN) sets flags[i] and flags[j] (i32) to 1, as
// linalg.as.ts's inkedLower would.
// Part of rowsGram, whose last call does it, so that it runs as the optimised code rowsGram has
// become by then rather than as a new function's baseline code.
@inline function finishBand(
  sum: usize,
  sums: usize,
  dim: i32,
  b0: i32,
  b1: i32,
  count: f64,
  centred: bool,
  mean: usize,
  flags: usize,
): void {
  for (let j = 0; j < b1; j++) store<f64>(at(mean, j), load<f64>(at(sums, j)) / count);
  for (let i = b0; i < b1; i++) {
    const row = sum + ((<usize>i * <usize>dim) << 3);
    const mi = load<f64>(at(mean, i));
    let any = false;
    for (let j = 0; j <= i; j++) {
      let v = load<f64>(at(row, j)) / count;
      if (centred) v -= mi * load<f64>(at(mean, j));
      store<f64>(at(row, j), v);
      if (v != 0) {
        any = true;
        store<i32>(flags + (<usize>j << 2), 1);
      }
    }
    if (any) store<i32>(flags + (<usize>i << 2), 1);
  }
}

// Starts run number nRuns at index j with its values from vals[nz] on; returns the new count.
@inline function openRun(runs: usize, nRuns: i32, j: i32, nz: i32): i32 {
  store<i32>(runs + (<usize>(3 * nRuns) << 2), j);
  store<i32>(runs + (<usize>(3 * nRuns + 1) << 2), 0);
  store<i32>(runs + (<usize>(3 * nRuns + 2) << 2), nz);
  return nRuns + 1;
}

// The last of nRuns runs holds `len` entries.
@inline function endRun(runs: usize, nRuns: i32, len: i32): void {
  store<i32>(runs + (<usize>(3 * nRuns - 2) << 2), len);
}

// One row's products into Gram rows b0 … b1 − 1, over its runs first … end − 1 (see gramRuns;
// runs come in index order). Each run's values are followed by a zero when its length is odd, so
// that a block against an earlier run b goes over lb rounded up to even: the extra column, sb + lb,
// is a zero of this row (runs are apart), its products x·0 add nothing, and there is no odd last
// entry to branch on (about 7% less time on MNIST). The run's own triangle goes exactly to the
// diagonal.
@inline function runsGram(
  cov: usize,
  dim: i32,
  vals: usize,
  runs: usize,
  first: i32,
  end: i32,
  b0: i32,
  b1: i32,
): void {
  const stride = <usize>dim << 3;
  for (let a = first; a < end; a++) {
    const sa = load<i32>(runs + (<usize>(3 * a) << 2));
    if (sa >= b1) break;
    const la = load<i32>(runs + (<usize>(3 * a + 1) << 2));
    if (sa + la <= b0) continue;
    const xa = vals + (<usize>load<i32>(runs + (<usize>(3 * a + 2) << 2)) << 3);
    // The run's rows sa + lo … sa + hi − 1 lie in the band.
    const lo = sa < b0 ? b0 - sa : 0;
    const hi = sa + la > b1 ? b1 - sa : la;
    // Earlier runs b < a: the block's rows × lb, two rows a pass over xb (each entry still gets
    // its one product).
    for (let b = first; b < a; b++) {
      const sb = load<i32>(runs + (<usize>(3 * b) << 2));
      const lb = load<i32>(runs + (<usize>(3 * b + 1) << 2));
      const xb = vals + (<usize>load<i32>(runs + (<usize>(3 * b + 2) << 2)) << 3);
      let dst = cov + ((<usize>(sa + lo) * <usize>dim + <usize>sb) << 3);
      let ii = lo;
      for (; ii + 2 <= hi; ii += 2) {
        addScaledTwiceEven(dst, dst + stride, xb, lb, load<f64>(at(xa, ii)), load<f64>(at(xa, ii + 1)));
        dst += stride << 1;
      }
      if (ii < hi) addScaledEven(dst, xb, lb, load<f64>(at(xa, ii)));
    }
    // The run with itself: its lower triangle.
    for (let ii = lo; ii < hi; ii++) {
      const dst = cov + ((<usize>(sa + ii) * <usize>dim + <usize>sa) << 3);
      addScaled(dst, xa, ii + 1, load<f64>(at(xa, ii)));
    }
  }
}

// dst[t] += xi·src[t] for t < len.
@inline function addScaled(dst: usize, src: usize, len: i32, xi: f64): void {
  const xx = f64x2.splat(xi);
  let t = 0;
  for (; t + 2 <= len; t += 2) {
    const q = at(dst, t);
    v128.store(q, f64x2.add(v128.load(q), f64x2.mul(xx, v128.load(at(src, t)))));
  }
  if (t < len) {
    const q = at(dst, t);
    store<f64>(q, load<f64>(q) + xi * load<f64>(at(src, t)));
  }
}

// dst[t] += xi·src[t] for t < len rounded up to even (src has a zero after an odd length).
@inline function addScaledEven(dst: usize, src: usize, len: i32, xi: f64): void {
  const xx = f64x2.splat(xi);
  for (let t = 0; t < len; t += 2) {
    const q = at(dst, t);
    v128.store(q, f64x2.add(v128.load(q), f64x2.mul(xx, v128.load(at(src, t)))));
  }
}
// addScaledEven into two Gram rows from one pass over src (a quarter less time than two calls on
// MNIST's runs).
@inline function addScaledTwiceEven(
  dst0: usize,
  dst1: usize,
  src: usize,
  len: i32,
  x0: f64,
  x1: f64,
): void {
  const a0 = f64x2.splat(x0);
  const a1 = f64x2.splat(x1);
  for (let t = 0; t < len; t += 2) {
    const v = v128.load(at(src, t));
    const q0 = at(dst0, t);
    const q1 = at(dst1, t);
    v128.store(q0, f64x2.add(v128.load(q0), f64x2.mul(a0, v)));
    v128.store(q1, f64x2.add(v128.load(q1), f64x2.mul(a1, v)));
  }
}

// y = A·x for the symmetric row-major n × n matrix A from its lower triangle alone (entries
// j ≤ i), each of which serves row i and row j: half the memory traffic of a full product, which
// is what bounds it (symmetricEigenTop's Lanczos iteration).
export function symMatVec(A: usize, n: i32, x: usize, y: usize): void {
  memory.fill(y, 0, <usize>n << 3);
  const stride = <usize>n << 3;
  let i = 0;
  // Rows i and i + 1 together: x[j] and y[j] are loaded once for both, and the two rows' sums are
  // separate chains of additions (one chain alone waits on each addition in turn).
  for (; i + 2 <= n; i += 2) {
    const r0 = A + <usize>i * stride;
    const r1 = r0 + stride;
    const x0 = f64x2.splat(load<f64>(at(x, i)));
    const x1 = f64x2.splat(load<f64>(at(x, i + 1)));
    let acc0 = f64x2.splat(0);
    let acc1 = f64x2.splat(0);
    let acc2 = f64x2.splat(0);
    let acc3 = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= i; j += 4) {
      const a0 = v128.load(at(r0, j));
      const a1 = v128.load(at(r1, j));
      const b0 = v128.load(at(r0, j + 2));
      const b1 = v128.load(at(r1, j + 2));
      const xj = v128.load(at(x, j));
      const xk = v128.load(at(x, j + 2));
      acc0 = f64x2.add(acc0, f64x2.mul(a0, xj));
      acc1 = f64x2.add(acc1, f64x2.mul(a1, xj));
      acc2 = f64x2.add(acc2, f64x2.mul(b0, xk));
      acc3 = f64x2.add(acc3, f64x2.mul(b1, xk));
      const q = at(y, j);
      v128.store(q, f64x2.add(v128.load(q), f64x2.add(f64x2.mul(a0, x0), f64x2.mul(a1, x1))));
      const q2 = at(y, j + 2);
      v128.store(q2, f64x2.add(v128.load(q2), f64x2.add(f64x2.mul(b0, x0), f64x2.mul(b1, x1))));
    }
    for (; j + 2 <= i; j += 2) {
      const a0 = v128.load(at(r0, j));
      const a1 = v128.load(at(r1, j));
      const xj = v128.load(at(x, j));
      acc0 = f64x2.add(acc0, f64x2.mul(a0, xj));
      acc1 = f64x2.add(acc1, f64x2.mul(a1, xj));
      const q = at(y, j);
      v128.store(q, f64x2.add(v128.load(q), f64x2.add(f64x2.mul(a0, x0), f64x2.mul(a1, x1))));
    }
    // j = i (even): row i's diagonal, and row i + 1's entries i and i + 1.
    acc0 = f64x2.add(acc0, acc2);
    acc1 = f64x2.add(acc1, acc3);
    let s0 = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
    let s1 = f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1);
    const xi = load<f64>(at(x, i));
    const xi1 = load<f64>(at(x, i + 1));
    const aii = load<f64>(at(r0, i));
    const a10 = load<f64>(at(r1, i));
    const a11 = load<f64>(at(r1, i + 1));
    s0 += aii * xi;
    s1 += a10 * xi + a11 * xi1;
    store<f64>(at(y, i), load<f64>(at(y, i)) + s0 + a10 * xi1);
    store<f64>(at(y, i + 1), load<f64>(at(y, i + 1)) + s1);
  }
  if (i < n) {
    const row = A + <usize>i * stride;
    const xi = load<f64>(at(x, i));
    const xx = f64x2.splat(xi);
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j + 2 <= i; j += 2) {
      const a = v128.load(at(row, j));
      acc = f64x2.add(acc, f64x2.mul(a, v128.load(at(x, j))));
      v128.store(at(y, j), f64x2.add(v128.load(at(y, j)), f64x2.mul(a, xx)));
    }
    let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; j < i; j++) {
      const a = load<f64>(at(row, j));
      s += a * load<f64>(at(x, j));
      store<f64>(at(y, j), load<f64>(at(y, j)) + a * xi);
    }
    store<f64>(at(y, i), load<f64>(at(y, i)) + s + load<f64>(at(row, i)) * xi);
  }
}

// One classical Gram–Schmidt pass of w against the rows of the row-major [rows, n] matrix Q:
// h[l] = Σ_i Q[l, i]·w[i] for every row l (in i order), then w[i] −= Σ_l h[l]·Q[l, i] (in l
// order). Twice in a row this is the Lanczos iteration's full reorthogonalisation.
export function projectOut(Q: usize, rows: i32, n: i32, w: usize, h: usize): void {
  const stride = <usize>n << 3;
  let l = 0;
  // Two rows' dot products at a time, each as two chains of additions (even and odd entries).
  for (; l + 2 <= rows; l += 2) {
    const r0 = Q + <usize>l * stride;
    const r1 = r0 + stride;
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let i = 0;
    for (; i + 2 <= n; i += 2) {
      const wi = v128.load(at(w, i));
      a0 = f64x2.add(a0, f64x2.mul(v128.load(at(r0, i)), wi));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(at(r1, i)), wi));
    }
    let s0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
    let s1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
    if (i < n) {
      const wi = load<f64>(at(w, i));
      s0 += load<f64>(at(r0, i)) * wi;
      s1 += load<f64>(at(r1, i)) * wi;
    }
    store<f64>(at(h, l), s0);
    store<f64>(at(h, l + 1), s1);
  }
  if (l < rows) store<f64>(at(h, l), rowDot(Q, n, 0, l, w));
  // Then w −= h[l]·q_l (adding (−h[l])·q_l is the same number).
  addRows(Q, rows, n, h, -1, w);
}

// out[i] = Σ_l c[l]·Q[l, i] over the rows l < rows of the row-major [rows, n] matrix Q, in l
// order (Ritz vectors from the Lanczos basis).
export function combineRows(Q: usize, rows: i32, n: i32, c: usize, out: usize): void {
  memory.fill(out, 0, <usize>n << 3);
  addRows(Q, rows, n, c, 1, out);
}

// out[i] += Σ_l (sign·c[l])·Q[l, i] over the rows l < rows of the row-major [rows, n] matrix Q,
// in l order, two rows a pass over out (sign is ±1, so sign·c[l] is exact).
@inline function addRows(Q: usize, rows: i32, n: i32, c: usize, sign: f64, out: usize): void {
  const stride = <usize>n << 3;
  let l = 0;
  for (; l + 2 <= rows; l += 2) {
    const q0 = Q + <usize>l * stride;
    const q1 = q0 + stride;
    const f0 = sign * load<f64>(at(c, l));
    const f1 = sign * load<f64>(at(c, l + 1));
    const g0 = f64x2.splat(f0);
    const g1 = f64x2.splat(f1);
    let i = 0;
    for (; i + 2 <= n; i += 2) {
      const p = at(out, i);
      const t = f64x2.add(v128.load(p), f64x2.mul(g0, v128.load(at(q0, i))));
      v128.store(p, f64x2.add(t, f64x2.mul(g1, v128.load(at(q1, i)))));
    }
    if (i < n) {
      store<f64>(at(out, i), load<f64>(at(out, i)) + f0 * load<f64>(at(q0, i)) + f1 * load<f64>(at(q1, i)));
    }
  }
  if (l < rows) {
    const q = Q + <usize>l * stride;
    const f = sign * load<f64>(at(c, l));
    const ff = f64x2.splat(f);
    let i = 0;
    for (; i + 2 <= n; i += 2) {
      v128.store(at(out, i), f64x2.add(v128.load(at(out, i)), f64x2.mul(ff, v128.load(at(q, i)))));
    }
    if (i < n) store<f64>(at(out, i), load<f64>(at(out, i)) + f * load<f64>(at(q, i)));
  }
}

// ‖x‖₂ of x [n], and out = x / ‖x‖₂ when that is above `floor` (out is left alone otherwise).
export function normaliseInto(x: usize, n: i32, floor: f64, out: usize): f64 {
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const v = v128.load(at(x, i));
    acc = f64x2.add(acc, f64x2.mul(v, v));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (i < n) s += load<f64>(at(x, i)) * load<f64>(at(x, i));
  const size = Math.sqrt(s);
  if (size <= floor) return size;
  const ss = f64x2.splat(size);
  for (i = 0; i + 2 <= n; i += 2) v128.store(at(out, i), f64x2.div(v128.load(at(x, i)), ss));
  if (i < n) store<f64>(at(out, i), load<f64>(at(x, i)) / size);
  return size;
}

// The lower triangle of the rows and columns kept of the row-major n0 × n0 matrix A, packed in
// place into its first m² entries as a row-major m × m matrix (m kept indices): kept comes as
// `count` spans of consecutive indices (i32 pairs: start, length; in order). Each entry moves to
// an index no later than its own, rows in order, so none is overwritten before it is read; each
// row's entries move a span at a time (memory.copy, which allows the overlap).
export function packLower(A: usize, n0: i32, spans: usize, count: i32): void {
  let m = 0;
  for (let s = 0; s < count; s++) m += load<i32>(spans + (<usize>(2 * s + 1) << 2));
  let di = 0;
  for (let s = 0; s < count; s++) {
    const rs = load<i32>(spans + (<usize>(2 * s) << 2));
    const rl = load<i32>(spans + (<usize>(2 * s + 1) << 2));
    for (let i = rs; i < rs + rl; i++) {
      const src = A + ((<usize>i * <usize>n0) << 3);
      const dst = A + ((<usize>di * <usize>m) << 3);
      let dj = 0;
      for (let c = 0; c < count; c++) {
        const cs = load<i32>(spans + (<usize>(2 * c) << 2));
        if (cs > i) break;
        const cl = load<i32>(spans + (<usize>(2 * c + 1) << 2));
        const len = cs + cl <= i + 1 ? cl : i + 1 - cs;
        memory.copy(at(dst, dj), at(src, cs), <usize>len << 3);
        dj += len;
      }
      di++;
    }
  }
}

// flags[i] = 1 for every row i of the symmetric row-major n × n matrix A that holds a nonzero
// (NaN counts), read from the lower triangle alone: each nonzero A[i, j], j ≤ i, marks row i and
// row j (the same as column j). flags (i32 [n]) must be zero when called.
export function inkedLower(A: usize, n: i32, flags: usize): void {
  for (let i = 0; i < n; i++) {
    const row = A + ((<usize>i * <usize>n) << 3);
    let any = false;
    for (let j = 0; j <= i; j++) {
      if (load<f64>(at(row, j)) != 0) {
        any = true;
        store<i32>(flags + (<usize>j << 2), 1);
      }
    }
    if (any) store<i32>(flags + (<usize>i << 2), 1);
  }
}

// out[t] = 2u − 1 for t < count, u the uniform doubles in [0, 1) of random.ts's Rng continuing
// from its state (i32 [4]: the words a, b, c, d of its small fast counter generator, which this
// advances), in the same integer and float64 steps, so the values are the same bits.
export function fillSigned(state: usize, out: usize, count: i32): void {
  let a = load<i32>(state);
  let b = load<i32>(state, 4);
  let c = load<i32>(state, 8);
  let d = load<i32>(state, 12);
  for (let t = 0; t < count; t++) {
    let hi: u32 = 0;
    let lo: u32 = 0;
    for (let half = 0; half < 2; half++) {
      const x = a + b + d;
      d += 1;
      a = b ^ <i32>(<u32>b >>> 9);
      b = c + (c << 3);
      c = (c << 21) | <i32>(<u32>c >>> 11);
      c += x;
      if (half == 0) hi = <u32>x >>> 5;
      else lo = <u32>x >>> 6;
    }
    const u = (<f64>hi * 67108864 + <f64>lo) / 9007199254740992;
    store<f64>(at(out, t), 2 * u - 1);
  }
  store<i32>(state, a);
  store<i32>(state, b, 4);
  store<i32>(state, c, 8);
  store<i32>(state, d, 12);
}

// Each of the k rows [n] at Z flipped so that its entry of largest magnitude (the first, on
// ties) is positive (linalg.ts's signByLargest, row by row).
export function signRows(Z: usize, k: i32, n: i32): void {
  for (let c = 0; c < k; c++) {
    const row = Z + ((<usize>c * <usize>n) << 3);
    let best = 0;
    for (let i = 1; i < n; i++) {
      if (Math.abs(load<f64>(at(row, i))) > Math.abs(load<f64>(at(row, best)))) best = i;
    }
    if (load<f64>(at(row, best)) < 0) {
      for (let i = 0; i < n; i++) store<f64>(at(row, i), -load<f64>(at(row, i)));
    }
  }
}
