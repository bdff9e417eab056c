// The O(n²) loops of linalg.ts's symmetricEigen (the Householder reduction's three, and the QR
// steps' rotation of Q's columns), in AssemblyScript
// compiled to WebAssembly with 128-bit SIMD by `deno task build-wasm` into `_linalg_wasm.ts`.
// linalg.ts is the file to read for what they compute.
//
// Each loop performs, for every output entry, the same float64 operations in the same order as
// the scalar loops it replaced: SIMD lanes hold two independent outputs (two entries of one row,
// or two rows' dot products), never two halves of one sum, and there is no fused multiply-add,
// so the eigenvectors are bit-identical to the scalar code's (tests/core/pca_test.ts).
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

// Q[r, j] -= f·v[j] for j ≥ m0, where f = beta · Σ_{j ≥ m0} Q[r, j]·v[j] (Q ← Q·H), every row r;
// a row with f = 0 is left alone.
export function applyReflector(Q: usize, n: i32, m0: i32, v: usize, beta: f64): void {
  let r = 0;
  for (; r + 2 <= n; r += 2) {
    const s = rowPairDots(Q, n, m0, r, v);
    reflectRow(Q, n, m0, r, v, beta * f64x2.extract_lane(s, 0));
    reflectRow(Q, n, m0, r + 1, v, beta * f64x2.extract_lane(s, 1));
  }
  if (r < n) reflectRow(Q, n, m0, r, v, beta * rowDot(Q, n, m0, r, v));
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
