// The toy sweep's hot loop in AssemblyScript, compiled to WebAssembly with 128-bit SIMD by
// `deno task build-wasm` into `_kernel_wasm.ts`. `_lanes.ts` lays out the memory and calls it;
// kernel.ts (`identityPlanar`) and core/optim/adam.ts are the files to read for what is computed.
//
// One call trains a pair of instances through a run of Adam or AdamW steps on the one-hot dataset
// with m = 2: lane 0 of every vector is one instance, lane 1 the other. Each lane performs the same
// float64 operations in the same order as the scalar code (no fused multiply-add; the ReLU's
// branches become masks whose discarded side adds an exact zero), so the numbers are
// bit-identical to it; tests/studies/toy/lanes_test.ts checks it.
//
// Layout: an instance's p parameters (W row 0 [n], W row 1 [n], then b [n] when there is a bias)
// are interleaved with its partner's, entry k of both at byte 16·k. The moments, the gradient and
// ∂L/∂pre ([n, n]) are laid out the same way. Pointers are byte offsets into the memory.

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

// Trains the pair through `steps` updates. hyper holds [lr₀, lr₁, wd₀, wd₁]; decay is 0 (no weight
// decay), 1 (AdamW's θ(1 − γλ)) or 2 (Adam's g + λθ). fac, bc1 and bc2 hold, per update, the
// learning-rate factor, 1 − β₁ᵗ and √(1 − β₂ᵗ) of its step count t. out receives each update's
// loss, both lanes. Returns the updates done: fewer than `steps` when a lane's loss diverged
// (that update is not applied to either lane; the host takes over from there).
export function planarAdamPair(
  n: i32,
  bias: bool,
  P: usize,
  M: usize,
  V: usize,
  G: usize,
  D: usize,
  imp: usize,
  hyper: usize,
  decay: i32,
  b1: f64,
  b2: f64,
  eps: f64,
  fac: usize,
  bc1: usize,
  bc2: usize,
  steps: i32,
  limit: f64,
  out: usize,
  S: usize,
): i32 {
  const p = bias ? 3 * n : 2 * n;
  const lr = v128.load(hyper);
  const wd = v128.load(hyper + 16);
  const one = f64x2.splat(1);
  const zero = f64x2.splat(0);
  const b1v = f64x2.splat(b1);
  const b2v = f64x2.splat(b2);
  const c1 = f64x2.splat(1 - b1);
  const c2 = f64x2.splat(1 - b2);
  const epsv = f64x2.splat(eps);
  const flush = f64x2.splat(FLUSH);
  for (let t = 0; t < steps; t++) {
    const L = residuals(n, bias, P, G, D, S, imp);
    if (diverged(f64x2.extract_lane(L, 0), limit) || diverged(f64x2.extract_lane(L, 1), limit)) {
      return t;
    }
    st(out, t, L);
    weightGrad(n, P, G, D);
    // adamArrays, lane-wise.
    const rate = f64x2.mul(lr, f64x2.splat(f64At(fac, t)));
    const stepSize = f64x2.div(rate, f64x2.splat(f64At(bc1, t)));
    const bc2Sqrt = f64x2.splat(f64At(bc2, t));
    const shrink = f64x2.sub(one, f64x2.mul(rate, wd));
    for (let k = 0; k < p; k++) {
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
      const denom = f64x2.add(f64x2.div(f64x2.sqrt(vk), bc2Sqrt), epsv);
      st(P, k, f64x2.sub(theta, f64x2.mul(stepSize, f64x2.div(mk, denom))));
    }
  }
  return steps;
}
