// The NMF study's hot loops in AssemblyScript, compiled to WebAssembly with 128-bit SIMD by
// `deno task build-wasm` into `_kernel_wasm.ts` (the bytes, checked in). kernel.ts owns the memory
// layout and calls these; it is the file to read for what is computed and why.
//
// Every function here performs, for every output entry, the same float64 operations in the same
// order as the plain TypeScript loops it replaced (commit 69f7645's kernel.ts): SIMD lanes only
// ever hold independent outputs (two components k, k + 1 of one row, or two nonzeros' dot
// products), never two halves of one sum, and there is no fused multiply-add. The results are
// therefore bit-identical to the scalar loops; tests/studies/nmf/kernel_identity_test.ts checks
// it.
//
// Pointers are byte offsets into the module's memory; matrices are row-major float64 with rows of
// r entries; sparse matrices are CSR (ptr: i32 [rows + 1], idx: i32 [nnz], val: f64 [nnz]).

// The division guard of model.ts (NMF_EPSILON = 2⁻²³, scikit-learn's float32 epsilon).
const EPS: f64 = 1.1920928955078125e-7;

// Math.log of the host (V8): the objective's logarithms are then the ones the scalar code took.
// (A port of fdlibm's log into this module, tried as a faster stand-in, differed from V8's Math.log
// in the last bit for 3.5% of 14 million inputs, so the logs stay the host's.)
@external("env", "log")
declare function hostLog(x: f64): f64;

// Where the module's own static data ends: the host lays out its arrays above it.
export function heapBase(): usize {
  return __heap_base;
}

@inline function ld(p: usize): f64 {
  return load<f64>(p);
}

@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

@inline function idxAt(idx: usize, q: i32): i32 {
  return load<i32>(idx + (<usize>q << 2));
}

// out[p, k0 … k0 + 8) for one row p of a CSR matrix times B, in four SIMD accumulators held in
// registers. Nonzeros are taken four at a time as (((v0·b0 + v1·b1) + v2·b2) + v3·b3), added to
// the accumulator, then one at a time: the scalar code's grouping.
@inline function rowChunk8(
  beg: i32,
  end: i32,
  idx: usize,
  val: usize,
  B: usize,
  rb: usize,
  kb: usize,
  o: usize,
): void {
  let x0 = f64x2.splat(0);
  let x1 = f64x2.splat(0);
  let x2 = f64x2.splat(0);
  let x3 = f64x2.splat(0);
  let q = beg;
  for (; q + 4 <= end; q += 4) {
    const c0 = v128.load64_splat(at(val, q));
    const c1 = v128.load64_splat(at(val, q + 1));
    const c2 = v128.load64_splat(at(val, q + 2));
    const c3 = v128.load64_splat(at(val, q + 3));
    const b0 = B + <usize>idxAt(idx, q) * rb + kb;
    const b1 = B + <usize>idxAt(idx, q + 1) * rb + kb;
    const b2 = B + <usize>idxAt(idx, q + 2) * rb + kb;
    const b3 = B + <usize>idxAt(idx, q + 3) * rb + kb;
    let s = f64x2.mul(c0, v128.load(b0));
    s = f64x2.add(s, f64x2.mul(c1, v128.load(b1)));
    s = f64x2.add(s, f64x2.mul(c2, v128.load(b2)));
    s = f64x2.add(s, f64x2.mul(c3, v128.load(b3)));
    x0 = f64x2.add(x0, s);
    s = f64x2.mul(c0, v128.load(b0, 16));
    s = f64x2.add(s, f64x2.mul(c1, v128.load(b1, 16)));
    s = f64x2.add(s, f64x2.mul(c2, v128.load(b2, 16)));
    s = f64x2.add(s, f64x2.mul(c3, v128.load(b3, 16)));
    x1 = f64x2.add(x1, s);
    s = f64x2.mul(c0, v128.load(b0, 32));
    s = f64x2.add(s, f64x2.mul(c1, v128.load(b1, 32)));
    s = f64x2.add(s, f64x2.mul(c2, v128.load(b2, 32)));
    s = f64x2.add(s, f64x2.mul(c3, v128.load(b3, 32)));
    x2 = f64x2.add(x2, s);
    s = f64x2.mul(c0, v128.load(b0, 48));
    s = f64x2.add(s, f64x2.mul(c1, v128.load(b1, 48)));
    s = f64x2.add(s, f64x2.mul(c2, v128.load(b2, 48)));
    s = f64x2.add(s, f64x2.mul(c3, v128.load(b3, 48)));
    x3 = f64x2.add(x3, s);
  }
  for (; q < end; q++) {
    const c = v128.load64_splat(at(val, q));
    const b = B + <usize>idxAt(idx, q) * rb + kb;
    x0 = f64x2.add(x0, f64x2.mul(c, v128.load(b)));
    x1 = f64x2.add(x1, f64x2.mul(c, v128.load(b, 16)));
    x2 = f64x2.add(x2, f64x2.mul(c, v128.load(b, 32)));
    x3 = f64x2.add(x3, f64x2.mul(c, v128.load(b, 48)));
  }
  v128.store(o + kb, x0);
  v128.store(o + kb, x1, 16);
  v128.store(o + kb, x2, 32);
  v128.store(o + kb, x3, 48);
}

// As rowChunk8 for two components k0, k0 + 1.
@inline function rowChunk2(
  beg: i32,
  end: i32,
  idx: usize,
  val: usize,
  B: usize,
  rb: usize,
  kb: usize,
  o: usize,
): void {
  let x = f64x2.splat(0);
  let q = beg;
  for (; q + 4 <= end; q += 4) {
    let s = f64x2.mul(v128.load64_splat(at(val, q)), v128.load(B + <usize>idxAt(idx, q) * rb + kb));
    s = f64x2.add(
      s,
      f64x2.mul(v128.load64_splat(at(val, q + 1)), v128.load(B + <usize>idxAt(idx, q + 1) * rb + kb)),
    );
    s = f64x2.add(
      s,
      f64x2.mul(v128.load64_splat(at(val, q + 2)), v128.load(B + <usize>idxAt(idx, q + 2) * rb + kb)),
    );
    s = f64x2.add(
      s,
      f64x2.mul(v128.load64_splat(at(val, q + 3)), v128.load(B + <usize>idxAt(idx, q + 3) * rb + kb)),
    );
    x = f64x2.add(x, s);
  }
  for (; q < end; q++) {
    x = f64x2.add(
      x,
      f64x2.mul(v128.load64_splat(at(val, q)), v128.load(B + <usize>idxAt(idx, q) * rb + kb)),
    );
  }
  v128.store(o + kb, x);
}

// As rowChunk8 for one component k0 (the last of an odd r).
@inline function rowChunk1(
  beg: i32,
  end: i32,
  idx: usize,
  val: usize,
  B: usize,
  rb: usize,
  kb: usize,
  o: usize,
): void {
  let x: f64 = 0;
  let q = beg;
  for (; q + 4 <= end; q += 4) {
    x += ld(at(val, q)) * ld(B + <usize>idxAt(idx, q) * rb + kb) +
      ld(at(val, q + 1)) * ld(B + <usize>idxAt(idx, q + 1) * rb + kb) +
      ld(at(val, q + 2)) * ld(B + <usize>idxAt(idx, q + 2) * rb + kb) +
      ld(at(val, q + 3)) * ld(B + <usize>idxAt(idx, q + 3) * rb + kb);
  }
  for (; q < end; q++) x += ld(at(val, q)) * ld(B + <usize>idxAt(idx, q) * rb + kb);
  store<f64>(o + kb, x);
}

// out[p, :] = Σ_{q ∈ nz(p)} val[q] · B[idx[q], :] for every row p (B [*, r], out [rows, r]).
export function sparseTimes(
  ptr: usize,
  idx: usize,
  val: usize,
  rows: i32,
  B: usize,
  r: i32,
  out: usize,
): void {
  const rb = <usize>r << 3;
  for (let p = 0; p < rows; p++) {
    const beg = load<i32>(ptr + (<usize>p << 2));
    const end = load<i32>(ptr + (<usize>(p + 1) << 2));
    const o = out + <usize>p * rb;
    let k = 0;
    for (; k + 8 <= r; k += 8) rowChunk8(beg, end, idx, val, B, rb, <usize>k << 3, o);
    for (; k + 2 <= r; k += 2) rowChunk2(beg, end, idx, val, B, rb, <usize>k << 3, o);
    if (k < r) rowChunk1(beg, end, idx, val, B, rb, <usize>k << 3, o);
  }
}

// coef[q] = val[q] / s for four nonzeros with dot products s (a zero read as EPS); returns their
// Σ val·log(s) as (((v0·l0 + v1·l1) + v2·l2) + v3·l3) when withLog is set, else 0.
@inline function ratios4(s01: v128, s23: v128, val: usize, coef: usize, q: i32, withLog: i32): f64 {
  let s0 = f64x2.extract_lane(s01, 0);
  let s1 = f64x2.extract_lane(s01, 1);
  let s2 = f64x2.extract_lane(s23, 0);
  let s3 = f64x2.extract_lane(s23, 1);
  if (s0 == 0) s0 = EPS;
  if (s1 == 0) s1 = EPS;
  if (s2 == 0) s2 = EPS;
  if (s3 == 0) s3 = EPS;
  const v0 = ld(at(val, q));
  const v1 = ld(at(val, q + 1));
  const v2 = ld(at(val, q + 2));
  const v3 = ld(at(val, q + 3));
  store<f64>(at(coef, q), v0 / s0);
  store<f64>(at(coef, q + 1), v1 / s1);
  store<f64>(at(coef, q + 2), v2 / s2);
  store<f64>(at(coef, q + 3), v3 / s3);
  if (!withLog) return 0;
  return v0 * hostLog(s0) + v1 * hostLog(s1) + v2 * hostLog(s2) + v3 * hostLog(s3);
}

// The KL ratio of every nonzero: coef[q] = val[q] / (A[p] · B[idx[q]]), with a zero dot product
// read as EPS. Returns Σ val·log(A[p] · B[idx[q]]) (same guard) when withLog is set, else 0,
// summed as the scalar code summed it: per group of four nonzeros, then one at a time.
// Dot products run over k one term at a time, as the scalar code's did; SIMD lanes hold two
// nonzeros of the same row, eight nonzeros at a time so that four sums are in flight.
export function klRatios(
  ptr: usize,
  idx: usize,
  val: usize,
  rows: i32,
  A: usize,
  B: usize,
  r: i32,
  coef: usize,
  withLog: i32,
): f64 {
  const rb = <usize>r << 3;
  const r2 = r & ~1;
  let vlog: f64 = 0;
  for (let p = 0; p < rows; p++) {
    const a = A + <usize>p * rb;
    const end = load<i32>(ptr + (<usize>(p + 1) << 2));
    let q = load<i32>(ptr + (<usize>p << 2));
    for (; q + 8 <= end; q += 8) {
      const b0 = B + <usize>idxAt(idx, q) * rb;
      const b1 = B + <usize>idxAt(idx, q + 1) * rb;
      const b2 = B + <usize>idxAt(idx, q + 2) * rb;
      const b3 = B + <usize>idxAt(idx, q + 3) * rb;
      const b4 = B + <usize>idxAt(idx, q + 4) * rb;
      const b5 = B + <usize>idxAt(idx, q + 5) * rb;
      const b6 = B + <usize>idxAt(idx, q + 6) * rb;
      const b7 = B + <usize>idxAt(idx, q + 7) * rb;
      let s01 = f64x2.splat(0);
      let s23 = f64x2.splat(0);
      let s45 = f64x2.splat(0);
      let s67 = f64x2.splat(0);
      let k = 0;
      for (; k < r2; k += 2) {
        const kb = <usize>k << 3;
        const a0 = v128.load64_splat(a + kb);
        const a1 = v128.load64_splat(a + kb, 8);
        const y0 = v128.load(b0 + kb);
        const y1 = v128.load(b1 + kb);
        const y2 = v128.load(b2 + kb);
        const y3 = v128.load(b3 + kb);
        const y4 = v128.load(b4 + kb);
        const y5 = v128.load(b5 + kb);
        const y6 = v128.load(b6 + kb);
        const y7 = v128.load(b7 + kb);
        // [bₓ[k], bᵧ[k]] then [bₓ[k+1], bᵧ[k+1]]: term k is added before term k + 1.
        s01 = f64x2.add(s01, f64x2.mul(a0, i64x2.shuffle(y0, y1, 0, 2)));
        s23 = f64x2.add(s23, f64x2.mul(a0, i64x2.shuffle(y2, y3, 0, 2)));
        s45 = f64x2.add(s45, f64x2.mul(a0, i64x2.shuffle(y4, y5, 0, 2)));
        s67 = f64x2.add(s67, f64x2.mul(a0, i64x2.shuffle(y6, y7, 0, 2)));
        s01 = f64x2.add(s01, f64x2.mul(a1, i64x2.shuffle(y0, y1, 1, 3)));
        s23 = f64x2.add(s23, f64x2.mul(a1, i64x2.shuffle(y2, y3, 1, 3)));
        s45 = f64x2.add(s45, f64x2.mul(a1, i64x2.shuffle(y4, y5, 1, 3)));
        s67 = f64x2.add(s67, f64x2.mul(a1, i64x2.shuffle(y6, y7, 1, 3)));
      }
      if (k < r) {
        const ak = v128.load64_splat(at(a, k));
        s01 = f64x2.add(s01, f64x2.mul(ak, v128.load64_lane(at(b1, k), v128.load64_zero(at(b0, k)), 1)));
        s23 = f64x2.add(s23, f64x2.mul(ak, v128.load64_lane(at(b3, k), v128.load64_zero(at(b2, k)), 1)));
        s45 = f64x2.add(s45, f64x2.mul(ak, v128.load64_lane(at(b5, k), v128.load64_zero(at(b4, k)), 1)));
        s67 = f64x2.add(s67, f64x2.mul(ak, v128.load64_lane(at(b7, k), v128.load64_zero(at(b6, k)), 1)));
      }
      vlog += ratios4(s01, s23, val, coef, q, withLog);
      vlog += ratios4(s45, s67, val, coef, q + 4, withLog);
    }
    // A last group of four: the loop above with two sums in flight instead of four (one loop
    // for both would keep the eight-wide one from hiding the additions' latency).
    if (q + 4 <= end) {
      const b0 = B + <usize>idxAt(idx, q) * rb;
      const b1 = B + <usize>idxAt(idx, q + 1) * rb;
      const b2 = B + <usize>idxAt(idx, q + 2) * rb;
      const b3 = B + <usize>idxAt(idx, q + 3) * rb;
      let s01 = f64x2.splat(0);
      let s23 = f64x2.splat(0);
      let k = 0;
      for (; k < r2; k += 2) {
        const kb = <usize>k << 3;
        const a0 = v128.load64_splat(a + kb);
        const a1 = v128.load64_splat(a + kb, 8);
        const y0 = v128.load(b0 + kb);
        const y1 = v128.load(b1 + kb);
        const y2 = v128.load(b2 + kb);
        const y3 = v128.load(b3 + kb);
        s01 = f64x2.add(s01, f64x2.mul(a0, i64x2.shuffle(y0, y1, 0, 2)));
        s23 = f64x2.add(s23, f64x2.mul(a0, i64x2.shuffle(y2, y3, 0, 2)));
        s01 = f64x2.add(s01, f64x2.mul(a1, i64x2.shuffle(y0, y1, 1, 3)));
        s23 = f64x2.add(s23, f64x2.mul(a1, i64x2.shuffle(y2, y3, 1, 3)));
      }
      if (k < r) {
        const ak = v128.load64_splat(at(a, k));
        s01 = f64x2.add(s01, f64x2.mul(ak, v128.load64_lane(at(b1, k), v128.load64_zero(at(b0, k)), 1)));
        s23 = f64x2.add(s23, f64x2.mul(ak, v128.load64_lane(at(b3, k), v128.load64_zero(at(b2, k)), 1)));
      }
      vlog += ratios4(s01, s23, val, coef, q, withLog);
      q += 4;
    }
    for (; q < end; q++) {
      const b = B + <usize>idxAt(idx, q) * rb;
      let s: f64 = 0;
      for (let k = 0; k < r; k++) s += ld(at(a, k)) * ld(at(b, k));
      if (s == 0) s = EPS;
      const v = ld(at(val, q));
      if (withLog) vlog += v * hostLog(s);
      store<f64>(at(coef, q), v / s);
    }
  }
  return vlog;
}

// The lower triangle (b ≤ a) of Σ_{i ∈ [from, to)} A[i]ᵀA[i] into G [r, r], G zeroed first; rows
// are taken four at a time as (((x0·y0 + x1·y1) + x2·y2) + x3·y3), then one at a time.
export function gramRows(A: usize, from: i32, to: i32, r: i32, G: usize): void {
  memory.fill(G, 0, <usize>r * <usize>r << 3);
  const rb = <usize>r << 3;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const o0 = A + <usize>i * rb;
    const o1 = o0 + rb;
    const o2 = o1 + rb;
    const o3 = o2 + rb;
    for (let a = 0; a < r; a++) {
      const x0 = v128.load64_splat(at(o0, a));
      const x1 = v128.load64_splat(at(o1, a));
      const x2 = v128.load64_splat(at(o2, a));
      const x3 = v128.load64_splat(at(o3, a));
      const g = G + <usize>a * rb;
      let b = 0;
      for (; b + 1 <= a; b += 2) {
        const bb = <usize>b << 3;
        let s = f64x2.mul(x0, v128.load(o0 + bb));
        s = f64x2.add(s, f64x2.mul(x1, v128.load(o1 + bb)));
        s = f64x2.add(s, f64x2.mul(x2, v128.load(o2 + bb)));
        s = f64x2.add(s, f64x2.mul(x3, v128.load(o3 + bb)));
        v128.store(g + bb, f64x2.add(v128.load(g + bb), s));
      }
      if (b == a) {
        store<f64>(
          at(g, b),
          ld(at(g, b)) +
            (ld(at(o0, a)) * ld(at(o0, b)) + ld(at(o1, a)) * ld(at(o1, b)) +
              ld(at(o2, a)) * ld(at(o2, b)) + ld(at(o3, a)) * ld(at(o3, b))),
        );
      }
    }
  }
  for (; i < to; i++) {
    const o = A + <usize>i * rb;
    for (let a = 0; a < r; a++) {
      const x = ld(at(o, a));
      const g = G + <usize>a * rb;
      for (let b = 0; b <= a; b++) store<f64>(at(g, b), ld(at(g, b)) + x * ld(at(o, b)));
    }
  }
}

// out = A·G for A [m, r] and G [r, r]: out[i, b] sums A[i, a]·G[a, b] over a four at a time,
// then one at a time, in registers over chunks of eight, two and one b.
export function timesSquare(A: usize, m: i32, r: i32, G: usize, out: usize): void {
  const rb = <usize>r << 3;
  const r4 = r & ~3;
  for (let i = 0; i < m; i++) {
    const o = A + <usize>i * rb;
    const dst = out + <usize>i * rb;
    let b = 0;
    for (; b + 8 <= r; b += 8) {
      const bb = <usize>b << 3;
      let y0 = f64x2.splat(0);
      let y1 = f64x2.splat(0);
      let y2 = f64x2.splat(0);
      let y3 = f64x2.splat(0);
      let a = 0;
      for (; a < r4; a += 4) {
        const x0 = v128.load64_splat(at(o, a));
        const x1 = v128.load64_splat(at(o, a + 1));
        const x2 = v128.load64_splat(at(o, a + 2));
        const x3 = v128.load64_splat(at(o, a + 3));
        const g0 = G + <usize>a * rb + bb;
        const g1 = g0 + rb;
        const g2 = g1 + rb;
        const g3 = g2 + rb;
        let s = f64x2.mul(x0, v128.load(g0));
        s = f64x2.add(s, f64x2.mul(x1, v128.load(g1)));
        s = f64x2.add(s, f64x2.mul(x2, v128.load(g2)));
        s = f64x2.add(s, f64x2.mul(x3, v128.load(g3)));
        y0 = f64x2.add(y0, s);
        s = f64x2.mul(x0, v128.load(g0, 16));
        s = f64x2.add(s, f64x2.mul(x1, v128.load(g1, 16)));
        s = f64x2.add(s, f64x2.mul(x2, v128.load(g2, 16)));
        s = f64x2.add(s, f64x2.mul(x3, v128.load(g3, 16)));
        y1 = f64x2.add(y1, s);
        s = f64x2.mul(x0, v128.load(g0, 32));
        s = f64x2.add(s, f64x2.mul(x1, v128.load(g1, 32)));
        s = f64x2.add(s, f64x2.mul(x2, v128.load(g2, 32)));
        s = f64x2.add(s, f64x2.mul(x3, v128.load(g3, 32)));
        y2 = f64x2.add(y2, s);
        s = f64x2.mul(x0, v128.load(g0, 48));
        s = f64x2.add(s, f64x2.mul(x1, v128.load(g1, 48)));
        s = f64x2.add(s, f64x2.mul(x2, v128.load(g2, 48)));
        s = f64x2.add(s, f64x2.mul(x3, v128.load(g3, 48)));
        y3 = f64x2.add(y3, s);
      }
      for (; a < r; a++) {
        const x = v128.load64_splat(at(o, a));
        const g = G + <usize>a * rb + bb;
        y0 = f64x2.add(y0, f64x2.mul(x, v128.load(g)));
        y1 = f64x2.add(y1, f64x2.mul(x, v128.load(g, 16)));
        y2 = f64x2.add(y2, f64x2.mul(x, v128.load(g, 32)));
        y3 = f64x2.add(y3, f64x2.mul(x, v128.load(g, 48)));
      }
      v128.store(dst + bb, y0);
      v128.store(dst + bb, y1, 16);
      v128.store(dst + bb, y2, 32);
      v128.store(dst + bb, y3, 48);
    }
    for (; b < r; b++) {
      let y: f64 = 0;
      let a = 0;
      for (; a < r4; a += 4) {
        y += ld(at(o, a)) * ld(at(G + <usize>a * rb, b)) +
          ld(at(o, a + 1)) * ld(at(G + <usize>(a + 1) * rb, b)) +
          ld(at(o, a + 2)) * ld(at(G + <usize>(a + 2) * rb, b)) +
          ld(at(o, a + 3)) * ld(at(G + <usize>(a + 3) * rb, b));
      }
      for (; a < r; a++) y += ld(at(o, a)) * ld(at(G + <usize>a * rb, b));
      store<f64>(at(dst, b), y);
    }
  }
}

// out = VᵀA for V given by rows (CSR [n, d]) and A [n, r], out [d, r], walking V row by row so that
// A is read in order. Each column's sum keeps the grouping the column layout gives: its nonzeros
// (ascending row) four at a time as (((t0 + t1) + t2) + t3) added to the total, then one at a
// time, with t = v·A[i, :]. pos[q] is nonzero q's place in its column, full[j] the number of
// column j's nonzeros that fall in groups of four; part [d, r] holds the open groups.
export function scatterTimes(
  ptr: usize,
  idx: usize,
  val: usize,
  rows: i32,
  A: usize,
  r: i32,
  pos: usize,
  full: usize,
  part: usize,
  out: usize,
  d: i32,
): void {
  const rb = <usize>r << 3;
  const r2 = r & ~1;
  memory.fill(out, 0, <usize>d * rb);
  for (let i = 0; i < rows; i++) {
    const a = A + <usize>i * rb;
    const end = load<i32>(ptr + (<usize>(i + 1) << 2));
    for (let q = load<i32>(ptr + (<usize>i << 2)); q < end; q++) {
      const j = idxAt(idx, q);
      const p = idxAt(pos, q);
      const v = ld(at(val, q));
      const vv = f64x2.splat(v);
      const o = out + <usize>j * rb;
      if (p >= idxAt(full, j)) {
        // One of the column's last nonzeros: added on its own.
        let k = 0;
        for (; k < r2; k += 2) {
          const kb = <usize>k << 3;
          v128.store(o + kb, f64x2.add(v128.load(o + kb), f64x2.mul(vv, v128.load(a + kb))));
        }
        if (k < r) store<f64>(at(o, k), ld(at(o, k)) + v * ld(at(a, k)));
        continue;
      }
      const g = part + <usize>j * rb;
      const m = p & 3;
      if (m == 0) {
        let k = 0;
        for (; k < r2; k += 2) {
          const kb = <usize>k << 3;
          v128.store(g + kb, f64x2.mul(vv, v128.load(a + kb)));
        }
        if (k < r) store<f64>(at(g, k), v * ld(at(a, k)));
      } else if (m < 3) {
        let k = 0;
        for (; k < r2; k += 2) {
          const kb = <usize>k << 3;
          v128.store(g + kb, f64x2.add(v128.load(g + kb), f64x2.mul(vv, v128.load(a + kb))));
        }
        if (k < r) store<f64>(at(g, k), ld(at(g, k)) + v * ld(at(a, k)));
      } else {
        // The group's fourth term closes it: the group's sum goes into the total.
        let k = 0;
        for (; k < r2; k += 2) {
          const kb = <usize>k << 3;
          const s = f64x2.add(v128.load(g + kb), f64x2.mul(vv, v128.load(a + kb)));
          v128.store(o + kb, f64x2.add(v128.load(o + kb), s));
        }
        if (k < r) store<f64>(at(o, k), ld(at(o, k)) + (ld(at(g, k)) + v * ld(at(a, k))));
      }
    }
  }
}
