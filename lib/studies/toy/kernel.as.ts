// The toy autoencoder's hot loops in AssemblyScript, compiled to WebAssembly with 128-bit SIMD by
// `deno task build-wasm` into `_kernel_wasm.ts`. `_lanes.ts` lays out the memory and calls them;
// kernel.ts (`identityPlanar`, `toyLossGrad`) and core/optim/adam.ts are the files to read for what
// is computed.
//
// Two kernels, each a run of Adam or AdamW steps with m = 2 (loss, gradient, update):
// planarAdamPair trains two instances on the one-hot dataset, lane 0 of every vector one instance
// and lane 1 the other; sparseAdam trains one instance on its fixed set of sparse examples, SIMD
// over pairs of features. Each lane performs the same float64 operations in the same order as the
// scalar code (no fused multiply-add; the ReLU's branches become masks whose discarded side adds an
// exact zero), so the numbers are bit-identical to it; tests/studies/toy/lanes_test.ts checks it.
//
// Layout of planarAdamPair: an instance's p parameters (W row 0 [n], W row 1 [n], then b [n] when
// there is a bias) are interleaved with its partner's, entry k of both at byte 16·k; the moments,
// the gradient and ∂L/∂pre ([n, n]) are laid out the same way. sparseAdam's are one instance's, in
// that order, padded to an even count. Pointers are byte offsets into the memory.

// Where the module's own static data ends: the host lays out its arrays above it.
export function heapBase(): usize {
  return __heap_base;
}

// core/optim/_rule.ts's FLUSH: decaying moments below it are set to zero.
const FLUSH: f64 = 1e-280;

@inline function ld(base: usize, k: i32): v128 {
  return v128.load(base + (<usize>k << 4));
}

@inline function st(base: usize, k: i32, x: v128): void {
  v128.store(base + (<usize>k << 4), x);
}

@inline function f64At(base: usize, k: i32): f64 {
  return load<f64>(base + (<usize>k << 3));
}

@inline function diverged(loss: f64, limit: f64): bool {
  // isDiverged of core/train/loop.ts: not finite, or above the limit.
  return !(loss - loss == 0) || loss > limit;
}

// Loss of both lanes at the parameters P (returned, divided by n²), ∂L/∂pre into D and ∂L/∂b into
// G: the first loop of identityPlanar. The Gram entries above the diagonal are kept in S and read
// back below it (u·u′ + v·v′ either way round is the same number).
@inline function residuals(n: i32, bias: bool, P: usize, G: usize, D: usize, S: usize, imp: usize): v128 {
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const minusOne = f64x2.splat(-1);
  const minusZero = f64x2.splat(-0.0);
  const scale: f64 = 2 / <f64>(n * n);
  let loss = zero;
  for (let i = 0; i < n; i++) {
    const u = ld(P, i);
    const v = ld(P, n + i);
    const bi = bias ? ld(P, 2 * n + i) : zero;
    const wiS = f64At(imp, i);
    const wi = f64x2.splat(wiS);
    const sw = f64x2.splat(scale * wiS);
    let gb = zero;
    // Off the diagonal, where pre ≤ 0 the scalar code adds nothing: res = −0 adds wᵢ·(−0)·(−0) = +0
    // to the loss and −0 to the sums of ∂L/∂pre, which leaves them as they are.
    for (let k = 0; k < i; k++) {
      const pre = f64x2.add(ld(S, k * n + i), bi);
      const res = v128.bitselect(pre, minusZero, f64x2.gt(pre, zero));
      loss = f64x2.add(loss, f64x2.mul(f64x2.mul(wi, res), res));
      const d = f64x2.mul(sw, res);
      st(D, i * n + k, d);
      gb = f64x2.add(gb, d);
    }
    {
      // On it, where pre ≤ 0 the scalar code adds wᵢ = wᵢ·(−1)·(−1) to the loss and keeps d = 0.
      const pre = f64x2.add(f64x2.add(f64x2.mul(u, u), f64x2.mul(v, v)), bi);
      const on = f64x2.gt(pre, zero);
      const res = v128.bitselect(f64x2.sub(pre, one), minusOne, on);
      loss = f64x2.add(loss, f64x2.mul(f64x2.mul(wi, res), res));
      const d = v128.and(f64x2.mul(sw, res), on);
      st(D, i * n + i, d);
      gb = f64x2.add(gb, d);
    }
    for (let k = i + 1; k < n; k++) {
      const s = f64x2.add(f64x2.mul(u, ld(P, k)), f64x2.mul(v, ld(P, n + k)));
      st(S, i * n + k, s);
      const pre = f64x2.add(s, bi);
      const res = v128.bitselect(pre, minusZero, f64x2.gt(pre, zero));
      loss = f64x2.add(loss, f64x2.mul(f64x2.mul(wi, res), res));
      const d = f64x2.mul(sw, res);
      st(D, i * n + k, d);
      gb = f64x2.add(gb, d);
    }
    if (bias) st(G, 2 * n + i, gb);
  }
  return f64x2.div(loss, f64x2.splat(<f64>(n * n)));
}

// ∂L/∂W = W (D + Dᵀ) into G: the second loop of identityPlanar.
@inline function weightGrad(n: i32, P: usize, G: usize, D: usize): void {
  for (let j = 0; j < n; j++) {
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    for (let i = 0; i < n; i++) {
      const c = f64x2.add(ld(D, i * n + j), ld(D, j * n + i));
      s0 = f64x2.add(s0, f64x2.mul(ld(P, i), c));
      s1 = f64x2.add(s1, f64x2.mul(ld(P, n + i), c));
    }
    st(G, j, s0);
    st(G, n + j, s1);
  }
}

// The settings block both kernels read their optimizer from (f64 slots; the host writes it,
// _lanes.ts's ADAM_SLOTS): learning rate and weight decay of lane 0 and lane 1, β₁, β₂, ε, the
// divergence limit, the weight-decay mode (0 none, 1 AdamW's θ(1 − γλ), 2 Adam's g + λθ), and
// pointers to the tables of the call's first update: the schedule's factor, 1 − β₁ᵗ and √(1 − β₂ᵗ)
// (one entry per update).
const LR: i32 = 0; // and 1
const WD: i32 = 2; // and 3
const BETA1: i32 = 4;
const BETA2: i32 = 5;
const EPS: i32 = 6;
const LIMIT: i32 = 7;
const DECAY: i32 = 8;
const FAC: i32 = 9;
const BC1: i32 = 10;
const BC2: i32 = 11;

// Update t of the call (adamArrays, lane-wise) over `slots` vectors of P with gradient G and
// moments M, V, as the settings block `adam` says.
@inline function adamSlots(slots: i32, P: usize, M: usize, V: usize, G: usize, adam: usize, t: i32): void {
  const b1 = f64At(adam, BETA1);
  const b2 = f64At(adam, BETA2);
  const decay = <i32>f64At(adam, DECAY);
  const wd = v128.load(adam + (<usize>WD << 3));
  const rate = f64x2.mul(
    v128.load(adam + (<usize>LR << 3)),
    f64x2.splat(f64At(<usize>f64At(adam, FAC), t)),
  );
  const bc1 = f64At(<usize>f64At(adam, BC1), t);
  const bc2Sqrt = f64At(<usize>f64At(adam, BC2), t);
  const eps = f64At(adam, EPS);
  const zero = f64x2.splat(0);
  const b1v = f64x2.splat(b1);
  const b2v = f64x2.splat(b2);
  const c1 = f64x2.splat(1 - b1);
  const c2 = f64x2.splat(1 - b2);
  const epsv = f64x2.splat(eps);
  const flush = f64x2.splat(FLUSH);
  const stepSize = f64x2.div(rate, f64x2.splat(bc1));
  const bc2v = f64x2.splat(bc2Sqrt);
  const shrink = f64x2.sub(f64x2.splat(1), f64x2.mul(rate, wd));
  for (let k = 0; k < slots; k++) {
    let d = ld(G, k);
    let theta = ld(P, k);
    if (decay == 1) theta = f64x2.mul(theta, shrink);
    else if (decay == 2) d = f64x2.add(d, f64x2.mul(wd, theta));
    let mk = f64x2.add(f64x2.mul(ld(M, k), b1v), f64x2.mul(c1, d));
    let vk = f64x2.add(f64x2.mul(ld(V, k), b2v), f64x2.mul(f64x2.mul(c2, d), d));
    mk = v128.bitselect(zero, mk, f64x2.lt(f64x2.abs(mk), flush));
    vk = v128.bitselect(zero, vk, f64x2.lt(vk, flush));
    st(M, k, mk);
    st(V, k, vk);
    const denom = f64x2.add(f64x2.div(f64x2.sqrt(vk), bc2v), epsv);
    st(P, k, f64x2.sub(theta, f64x2.mul(stepSize, f64x2.div(mk, denom))));
  }
}

// Trains the pair through `steps` updates, the optimizer as the settings block `adam` says. out
// receives each update's loss, both lanes. Returns the updates done: fewer than `steps` when a
// lane's loss diverged (that update is not applied to either lane; the host takes over from there).
export function planarAdamPair(
  n: i32,
  bias: bool,
  P: usize,
  M: usize,
  V: usize,
  G: usize,
  D: usize,
  S: usize,
  imp: usize,
  adam: usize,
  steps: i32,
  out: usize,
): i32 {
  const p = bias ? 3 * n : 2 * n;
  const limit = f64At(adam, LIMIT);
  for (let t = 0; t < steps; t++) {
    const L = residuals(n, bias, P, G, D, S, imp);
    if (diverged(f64x2.extract_lane(L, 0), limit) || diverged(f64x2.extract_lane(L, 1), limit)) {
      return t;
    }
    st(out, t, L);
    weightGrad(n, P, G, D);
    adamSlots(p, P, M, V, G, adam, t);
  }
  return steps;
}

// The loss and ∂L/∂pre bookkeeping of feature i of one sparse example (toyLossGrad's decode loop,
// scalar, in its order), for the few features where pre > 0 or the example is non-zero: the loss so
// far, and g = W d, are the module's globals below.
let accLoss: f64 = 0;
let accG0: f64 = 0;
let accG1: f64 = 0;

@inline function sparseFeature(
  i: i32,
  pre: f64,
  h0: f64,
  h1: f64,
  scale: f64,
  bias: bool,
  W0: usize,
  W1: usize,
  G0: usize,
  G1: usize,
  GB: usize,
  X: usize,
  imp: usize,
): void {
  const wi = f64At(imp, i);
  const res = (pre > 0 ? pre : 0) - f64At(X, i);
  accLoss += wi * res * res;
  if (pre > 0) {
    const d = scale * wi * res;
    const at = <usize>i << 3;
    if (bias) store<f64>(GB + at, load<f64>(GB + at) + d);
    store<f64>(G0 + at, load<f64>(G0 + at) + h0 * d);
    store<f64>(G1 + at, load<f64>(G1 + at) + h1 * d);
    accG0 += load<f64>(W0 + at) * d;
    accG1 += load<f64>(W1 + at) * d;
  }
}

// Trains one instance (m = 2) on its fixed set of sparse examples (CSR: start i32 [rows + 1], idx
// i32 [nnz], val f64 [nnz]) through `steps` full-batch updates, as toyLossGrad and adamArrays do it.
// P, M, V and G hold the instance's p parameters ([W row 0, W row 1, b]) padded to an even count; X
// is a zeroed [n] scratch (the current example, dense). A feature pair where pre ≤ 0 and the example
// is zero adds exactly nothing to the loss or the gradient, so only the other pairs take the scalar
// bookkeeping. The settings block holds the instance's lr and weight decay in both lanes; out
// (one loss per update) and the return are as in planarAdamPair.
export function sparseAdam(
  n: i32,
  bias: bool,
  P: usize,
  M: usize,
  V: usize,
  G: usize,
  X: usize,
  imp: usize,
  start: usize,
  idx: usize,
  val: usize,
  rows: i32,
  adam: usize,
  steps: i32,
  out: usize,
): i32 {
  const p = bias ? 3 * n : 2 * n;
  const slots = (p + 1) >> 1;
  const limit = f64At(adam, LIMIT);
  const W0 = P;
  const W1 = P + (<usize>n << 3);
  const B = P + (<usize>(2 * n) << 3);
  const G0 = G;
  const G1 = G + (<usize>n << 3);
  const GB = G + (<usize>(2 * n) << 3);
  const scale: f64 = 2 / <f64>(rows * n);
  const zero = f64x2.splat(0);
  for (let t = 0; t < steps; t++) {
    memory.fill(G, 0, <usize>slots << 4);
    accLoss = 0;
    for (let r = 0; r < rows; r++) {
      const e0 = load<i32>(start + (<usize>r << 2));
      const e1 = load<i32>(start + (<usize>(r + 1) << 2));
      // h = W x over the example's non-zero entries.
      let h0: f64 = 0;
      let h1: f64 = 0;
      for (let e = e0; e < e1; e++) {
        const at = <usize>load<i32>(idx + (<usize>e << 2)) << 3;
        const v = load<f64>(val + (<usize>e << 3));
        store<f64>(X + at, v);
        h0 += load<f64>(W0 + at) * v;
        h1 += load<f64>(W1 + at) * v;
      }
      accG0 = 0;
      accG1 = 0;
      const h0v = f64x2.splat(h0);
      const h1v = f64x2.splat(h1);
      let i = 0;
      for (; i + 2 <= n; i += 2) {
        const at = <usize>i << 3;
        const b = bias ? v128.load(B + at) : zero;
        const pre = f64x2.add(
          f64x2.add(b, f64x2.mul(v128.load(W0 + at), h0v)),
          f64x2.mul(v128.load(W1 + at), h1v),
        );
        const busy = v128.or(f64x2.gt(pre, zero), f64x2.ne(v128.load(X + at), zero));
        if (v128.any_true(busy)) {
          const p0 = f64x2.extract_lane(pre, 0);
          const p1 = f64x2.extract_lane(pre, 1);
          sparseFeature(i, p0, h0, h1, scale, bias, W0, W1, G0, G1, GB, X, imp);
          sparseFeature(i + 1, p1, h0, h1, scale, bias, W0, W1, G0, G1, GB, X, imp);
        }
      }
      if (i < n) {
        const at = <usize>i << 3;
        const b: f64 = bias ? load<f64>(B + at) : 0;
        const pre = b + load<f64>(W0 + at) * h0 + load<f64>(W1 + at) * h1;
        sparseFeature(i, pre, h0, h1, scale, bias, W0, W1, G0, G1, GB, X, imp);
      }
      // The (W d) xᵀ part, over the non-zero entries again; X is cleared for the next example.
      for (let e = e0; e < e1; e++) {
        const at = <usize>load<i32>(idx + (<usize>e << 2)) << 3;
        const v = load<f64>(val + (<usize>e << 3));
        store<f64>(X + at, 0);
        store<f64>(G0 + at, load<f64>(G0 + at) + accG0 * v);
        store<f64>(G1 + at, load<f64>(G1 + at) + accG1 * v);
      }
    }
    const L = accLoss / <f64>(rows * n);
    if (diverged(L, limit)) return t;
    store<f64>(out + (<usize>t << 3), L);
    adamSlots(slots, P, M, V, G, adam, t);
  }
  return steps;
}
