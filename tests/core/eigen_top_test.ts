/**
 * lib/core/linalg.ts's symmetricEigenTop (tridiagonal reduction of the lower triangle, QR
 * eigenvalues, inverse iteration, back-transformation) against the full eigensolver, and
 * lib/core/pca.ts's covariance (the WebAssembly sum over runs of nonzeros) and uncentredMoments against
 * the plain loops; the tridiagonal steps (WebAssembly) against their JavaScript originals.
 */
import assert from "node:assert/strict";
import {
  symmetricEigen,
  symmetricEigenTop,
  tridiagonalEigenvalues,
  tridiagonalEigenvectors,
} from "../../lib/core/linalg.ts";
import { columnMeans, covariance, momentsInHeap, uncentredMoments } from "../../lib/core/pca.ts";
import { loadMnist } from "../../lib/core/data/images.ts";
import { Rng } from "../../lib/core/random.ts";

/** Q·diag(values)·Qᵀ for a seeded random orthogonal Q (Gram–Schmidt of a random matrix). */
function withSpectrum(values: number[], seed: number): Float64Array {
  const n = values.length;
  const rng = new Rng(seed);
  const Q = rng.fillUniform(new Float64Array(n * n), -1, 1);
  for (let c = 0; c < n; c++) {
    for (let q = 0; q < c; q++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += Q[c * n + i] * Q[q * n + i];
      for (let i = 0; i < n; i++) Q[c * n + i] -= dot * Q[q * n + i];
    }
    let size = 0;
    for (let i = 0; i < n; i++) size += Q[c * n + i] ** 2;
    for (let i = 0; i < n; i++) Q[c * n + i] /= Math.sqrt(size);
  }
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += Q[c * n + i] * values[c] * Q[c * n + j];
      A[i * n + j] = s;
    }
  }
  return A;
}

/** Largest |Az − λz| over the pairs, and largest |zᵢ·zⱼ − δᵢⱼ|. */
function quality(
  A: Float64Array,
  n: number,
  top: { k: number; values: Float64Array; vectors: Float64Array },
) {
  let residual = 0;
  let orthogonality = 0;
  for (let c = 0; c < top.k; c++) {
    const z = top.vectors.subarray(c * n, (c + 1) * n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j] * z[j];
      residual = Math.max(residual, Math.abs(s - top.values[c] * z[i]));
    }
    for (let q = 0; q <= c; q++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += z[i] * top.vectors[q * n + i];
      orthogonality = Math.max(orthogonality, Math.abs(dot - (q === c ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

Deno.test("symmetricEigenTop() agrees with symmetricEigen() on separated spectra, every size", () => {
  for (const n of [1, 2, 3, 4, 9, 40, 101]) {
    const spectrum = Array.from({ length: n }, (_, i) => 3 - 5 * i / n); // some negative
    const A = withSpectrum(spectrum, n);
    const full = symmetricEigen(A, n);
    for (const k of new Set([1, Math.ceil(n / 3), n])) {
      const top = symmetricEigenTop(A, n, k);
      for (let c = 0; c < k; c++) {
        assert.ok(Math.abs(top.values[c] - full.values[c]) < 1e-13 * 3, `n ${n} k ${k} value ${c}`);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += top.vectors[c * n + i] * full.vectors[i * n + c];
        assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-12, `n ${n} k ${k} vector ${c}: |cos| ${dot}`);
      }
      const q = quality(A, n, top);
      assert.ok(
        q.residual < 1e-13 * n && q.orthogonality < 1e-13,
        `n ${n} k ${k}: ${JSON.stringify(q)}`,
      );
    }
  }
});

Deno.test("symmetricEigenTop() keeps vectors of repeated and clustered eigenvalues orthonormal", () => {
  // A triple eigenvalue, a pair 1e-9 apart, and a cluster within 1e-3 of ‖A‖.
  const spectrum = [5, 5, 5, 4, 4 - 1e-9, 3, 3 - 1e-4, 3 - 2e-4, 3 - 3e-4, 1, 0.5, 0.25, 0];
  const n = spectrum.length;
  const A = withSpectrum(spectrum, 11);
  const top = symmetricEigenTop(A, n, 9);
  for (let c = 0; c < 9; c++) {
    assert.ok(Math.abs(top.values[c] - spectrum[c]) < 1e-13, `value ${c}`);
  }
  const q = quality(A, n, top);
  assert.ok(q.residual < 1e-13 && q.orthogonality < 1e-12, JSON.stringify(q));
});

Deno.test("symmetricEigenTop() splits off zero rows exactly and signs vectors by their largest entry", () => {
  // diag(2, 0, 3, 0) with a coupling between coordinates 0 and 2: rows 1 and 3 are zero.
  const A = [2, 0, 1, 0, 0, 0, 0, 0, 1, 0, 3, 0, 0, 0, 0, 0];
  const top = symmetricEigenTop(A, 4, 4);
  const r = Math.sqrt(1.25);
  assert.deepEqual([...top.values].map((v) => Math.round(v * 1e12) / 1e12), [
    Math.round((2.5 + r) * 1e12) / 1e12,
    Math.round((2.5 - r) * 1e12) / 1e12,
    0,
    0,
  ]);
  assert.deepEqual([...top.vectors.subarray(8)], [0, 1, 0, 0, 0, 0, 0, 1]);
  for (let c = 0; c < 2; c++) {
    const z = top.vectors.subarray(c * 4, c * 4 + 4);
    assert.equal(z[1], 0);
    assert.equal(z[3], 0);
    const largest = Math.abs(z[0]) > Math.abs(z[2]) ? z[0] : z[2];
    assert.ok(largest > 0, `vector ${c} signed by its largest entry`);
  }
  // Negative eigenvalues rank below the zero rows' zeros.
  const neg = symmetricEigenTop([-1, 0, 0, 0], 2, 2);
  assert.deepEqual([...neg.values], [0, -1]);
  assert.deepEqual([...neg.vectors], [0, 1, 1, 0]);
  assert.deepEqual([...symmetricEigenTop([0, 0, 0, 0], 2, 1).values], [0]);
});

Deno.test("symmetricEigenTop() rejects k outside [1, n] in one line", () => {
  assert.throws(() => symmetricEigenTop([1], 1, 2), /k must be an integer in \[1, 1\], got 2/);
  assert.throws(() => symmetricEigenTop([1], 1, 0), /k must be an integer/);
});

Deno.test("symmetricEigenTop()'s Lanczos route agrees with the reduction on a separated spectrum", () => {
  const n = 300;
  const spectrum = Array.from({ length: n }, (_, i) => 4 * 0.98 ** i - 0.5); // some negative
  const A = withSpectrum(spectrum, 5);
  const k = 30;
  const auto = symmetricEigenTop(A, n, k);
  const reduction = symmetricEigenTop(A, n, k, { method: "reduction" });
  assert.equal(auto.route, "lanczos");
  assert.equal(reduction.route, "reduction");
  for (let c = 0; c < k; c++) {
    assert.ok(Math.abs(auto.values[c] - spectrum[c]) < 1e-13 * 4, `value ${c}`);
    assert.ok(Math.abs(auto.values[c] - reduction.values[c]) < 1e-13 * 4, `value ${c}`);
    // Same sign convention, so the vectors themselves agree (to rounding over the gap, 0.08).
    for (let i = 0; i < n; i++) {
      const diff = Math.abs(auto.vectors[c * n + i] - reduction.vectors[c * n + i]);
      assert.ok(diff < 1e-12, `vector ${c} entry ${i}: ${diff}`);
    }
  }
  const q = quality(A, n, auto);
  assert.ok(q.residual < 1e-13 * n && q.orthogonality < 1e-13, JSON.stringify(q));
  // Below 256 rows auto takes the reduction; asked for, the Lanczos route runs there too.
  const small = withSpectrum(spectrum.slice(0, 60), 6);
  assert.equal(symmetricEigenTop(small, 60, 5).route, "reduction");
  const forced = symmetricEigenTop(small, 60, 5, { method: "lanczos" });
  assert.equal(forced.route, "lanczos");
  for (let c = 0; c < 5; c++) assert.ok(Math.abs(forced.values[c] - spectrum[c]) < 1e-13 * 4);
});

Deno.test("symmetricEigenTop()'s Lanczos route gets repeated eigenvalues, and its check refuses what a start cannot see", () => {
  // diag(B, B): every eigenvalue of B twice, with eigenvectors (u, 0) and (0, u).
  const h = 150;
  const B = withSpectrum(Array.from({ length: h }, (_, i) => 10 * 0.95 ** i), 3);
  const n = 2 * h;
  const A = new Float64Array(n * n);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < h; j++) {
      A[i * n + j] = B[i * h + j];
      A[(i + h) * n + j + h] = B[i * h + j];
    }
  }
  const want = Array.from({ length: 20 }, (_, c) => 10 * 0.95 ** Math.floor(c / 2));
  const check = (
    top: { k: number; values: Float64Array; vectors: Float64Array },
    label: string,
  ) => {
    for (let c = 0; c < 20; c++) {
      assert.ok(Math.abs(top.values[c] - want[c]) < 1e-12, `${label}: value ${c} ${top.values[c]}`);
    }
    const q = quality(A, n, top);
    assert.ok(q.residual < 1e-12 && q.orthogonality < 1e-12, `${label}: ${JSON.stringify(q)}`);
  };
  // From the seeded random start, rounding and the full reorthogonalisation bring in both copies.
  const seeded = symmetricEigenTop(A, n, 20);
  assert.equal(seeded.route, "lanczos");
  check(seeded, "seeded start");
  // A start in the first block never leaves it: the search converges on B's eigenvalues alone,
  // each once, and the check (from its own start) finds the second 10 above the 20th value found,
  // so the answer is refused and the reduction gives the right one.
  const start = new Float64Array(n);
  for (let i = 0; i < h; i++) start[i] = Math.cos(i);
  const blind = symmetricEigenTop(A, n, 20, { start });
  assert.equal(blind.route, "reduction");
  check(blind, "start in one block");
});

Deno.test("uncentredMoments() computes the worker's rows itself when the worker fails or never answers", async () => {
  const images = await loadMnist({ limit: 400 });
  const X = images.pixels;
  const d = images.width * images.height;
  const want = uncentredMoments(X, 400, d, { threads: 1 });
  const wantInHeap = momentsInHeap(X, 400, d, { threads: 1, centred: true });
  const dir = await Deno.makeTempDir();
  try {
    // One that says it failed at once, and one that never answers (the 5 s wait runs out).
    const failing = `${dir}/failing.ts`;
    await Deno.writeTextFile(
      failing,
      "globalThis.onmessage = (e) => { Atomics.store(e.data.flag, 0, 3); Atomics.notify(e.data.flag, 0); };",
    );
    const silent = `${dir}/silent.ts`;
    await Deno.writeTextFile(silent, "globalThis.onmessage = () => {};");
    for (const path of [failing, silent]) {
      const got = uncentredMoments(X, 400, d, { threads: 2, worker: new URL(`file://${path}`) });
      assert.equal(got.threads, 1, path);
      for (let k = 0; k < d * d; k++) {
        assert.ok(Object.is(got.cov[k], want.cov[k]), `${path}: cov ${k}`);
      }
      for (let j = 0; j < d; j++) {
        assert.ok(Object.is(got.mean[j], want.mean[j]), `${path}: mean ${j}`);
      }
      // Finished in the heap: this thread scanned each row only up to its split, so the means of
      // the other columns come from the rows it computed in the worker's place.
      const inHeap = momentsInHeap(X, 400, d, {
        threads: 2,
        centred: true,
        worker: new URL(`file://${path}`),
      });
      assert.equal(inHeap.threads, 1, path);
      for (let j = 0; j < d; j++) {
        assert.ok(Object.is(inHeap.mean[j], wantInHeap.mean[j]), `${path}: in heap, mean ${j}`);
      }
      for (let i = 0; i < d; i++) {
        for (let j = 0; j <= i; j++) {
          assert.ok(
            Object.is(inHeap.cov[i * d + j], wantInHeap.cov[i * d + j]),
            `${path}: (${i}, ${j})`,
          );
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("symmetricEigenTop() on an MNIST covariance: the Lanczos route matches the reduction", async () => {
  const images = await loadMnist();
  const d = images.width * images.height;
  const count = 2000;
  const { mean, cov } = uncentredMoments(images.pixels.subarray(0, count * d), count, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j] -= mean[i] * mean[j];
  const k = 49;
  const lanczos = symmetricEigenTop(cov, d, k);
  const reduction = symmetricEigenTop(cov, d, k, { method: "reduction" });
  assert.equal(lanczos.route, "lanczos");
  for (let c = 0; c < k; c++) {
    const dv = Math.abs(lanczos.values[c] - reduction.values[c]);
    assert.ok(dv < 1e-13 * reduction.values[0], `value ${c}: ${dv}`);
    let worst = 0;
    for (let i = 0; i < d; i++) {
      worst = Math.max(worst, Math.abs(lanczos.vectors[c * d + i] - reduction.vectors[c * d + i]));
    }
    assert.ok(worst < 1e-10, `vector ${c}: ${worst}`);
  }
  const q = quality(cov, d, lanczos);
  assert.ok(q.residual < 1e-14 * d && q.orthogonality < 1e-13, JSON.stringify(q));
  // Given the lower triangle alone (zeros above), both routes give the full matrix's bits.
  const lower = cov.slice();
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) lower[i * d + j] = 0;
  for (const method of ["lanczos", "reduction"] as const) {
    const full = method === "lanczos" ? lanczos : reduction;
    const fromLower = symmetricEigenTop(lower, d, k, { method, lower: true });
    assert.equal(fromLower.route, method);
    assert.deepEqual([...fromLower.values], [...full.values], method);
    assert.deepEqual([...fromLower.vectors], [...full.vectors], method);
  }
});

Deno.test("covariance() (runs of nonzeros, WebAssembly) is bit-identical to the loop over nonzeros", () => {
  const rng = new Rng(3);
  for (const [count, dim] of [[1, 1], [5, 7], [130, 33], [70, 64]]) {
    // Strokes: runs of nonzeros of random length, odd and even, at random places.
    const X = new Float64Array(count * dim);
    for (let q = 0; q < X.length; q++) X[q] = rng.uniform() < 0.45 ? rng.uniform() : 0;
    for (const center of [false, true]) {
      const ours = covariance(X, count, dim, { center }).cov;
      const mean = new Float64Array(dim);
      if (center) {
        for (let r = 0; r < count; r++) for (let j = 0; j < dim; j++) mean[j] += X[r * dim + j];
        for (let j = 0; j < dim; j++) mean[j] /= count;
      }
      const sum = new Float64Array(dim * dim);
      for (let r = 0; r < count; r++) {
        for (let i = 0; i < dim; i++) {
          const xi = X[r * dim + i] - mean[i];
          if (xi === 0) continue;
          for (let j = 0; j <= i; j++) {
            const xj = X[r * dim + j] - mean[j];
            if (xj !== 0) sum[i * dim + j] += xi * xj;
          }
        }
      }
      for (let i = 0; i < dim; i++) {
        for (let j = 0; j <= i; j++) {
          const v = sum[i * dim + j] / count;
          assert.ok(
            Object.is(ours[i * dim + j], v) && Object.is(ours[j * dim + i], v),
            `${count}×${dim} ${center} (${i}, ${j})`,
          );
        }
      }
    }
  }
});

Deno.test("uncentredMoments() (SIMD kernels, one thread or two) gives columnMeans and the uncentred covariance, bit for bit", async () => {
  const rng = new Rng(5);
  const cases: [Float32Array, number, number][] = [];
  for (const [count, dim] of [[1, 1], [3, 2], [5, 7], [130, 33], [70, 64], [65, 9]]) {
    const X = new Float32Array(count * dim);
    for (let q = 0; q < X.length; q++) X[q] = rng.uniform() < 0.45 ? rng.uniform() : 0;
    cases.push([X, count, dim]);
  }
  // And real images: 300 MNIST digits (strokes of nonzeros between long runs of zeros).
  const images = await loadMnist({ limit: 300 });
  cases.push([images.pixels, 300, images.width * images.height]);
  // 2,000 digits: the default splits the Gram rows between this thread and a worker; the data
  // comes in shared memory (loadMnist) and, as a copy, in an ordinary buffer.
  const many = await loadMnist({ limit: 2000 });
  assert.ok(many.pixels.buffer instanceof SharedArrayBuffer);
  cases.push([many.pixels, 2000, 784], [many.pixels.slice(), 2000, 784]);
  for (const [X, count, dim] of cases) {
    const mean = columnMeans(X, count, dim);
    const { cov } = covariance(X, count, dim, { center: false });
    const oneThread = [false, true].map((centred) =>
      uncentredMoments(X, count, dim, { threads: 1, centred })
    );
    for (const threads of [1, 2, undefined] as const) {
      const ours = uncentredMoments(X, count, dim, { threads });
      const label = `${count}×${dim}, threads ${threads ?? "default"}`;
      // On the 2,000 digits two threads asked for (or the default) means two ran, not a fallback.
      if (threads === 1) assert.equal(ours.threads, 1, label);
      else if (count === 2000) assert.equal(ours.threads, 2, label);
      for (let j = 0; j < dim; j++) {
        assert.ok(Object.is(ours.mean[j], mean[j]), `${label}: mean ${j}`);
      }
      for (let k = 0; k < dim * dim; k++) {
        assert.ok(Object.is(ours.cov[k], cov[k]), `${label}: cov ${k}`);
      }
      // Left in the kernel's heap (finished there by each thread), centred or not: the same lower
      // triangle as uncentredMoments's, and the rows that hold a nonzero marked.
      for (const centred of [false, true]) {
        const want = oneThread[Number(centred)];
        const got = momentsInHeap(X, count, dim, { threads, centred });
        if (threads === 1) assert.equal(got.threads, 1, label);
        else if (count === 2000) assert.equal(got.threads, 2, label);
        for (let j = 0; j < dim; j++) assert.ok(Object.is(got.mean[j], want.mean[j]), `${label}`);
        for (let i = 0; i < dim; i++) {
          let inked = 0;
          for (let j = 0; j < dim; j++) {
            if (want.cov[i * dim + j] !== 0) inked = 1;
            if (j > i) continue;
            assert.ok(
              Object.is(got.cov[i * dim + j], want.cov[i * dim + j]),
              `${label} (${i}, ${j})`,
            );
          }
          assert.equal(got.inked[i], inked, `${label}, centred ${centred}: row ${i} inked`);
        }
      }
    }
  }
});

Deno.test("tridiagonalEigenvalues() and tridiagonalEigenvectors() are bit-identical to the JavaScript loops", async () => {
  const { scalarRitzValues, scalarTridiagonalVectors } = await import("./_scalar_tridiagonal.ts");
  const rng = new Rng(11);
  const cases: [string, Float64Array, Float64Array][] = [];
  for (const n of [1, 2, 3, 17, 120]) {
    const d = rng.fillUniform(new Float64Array(n), -1, 3);
    const e = rng.fillUniform(new Float64Array(n), 0.01, 1);
    cases.push([`random ${n}`, d, e]);
  }
  // Clusters: triples of equal diagonal entries with couplings near rounding (the inverse
  // iteration's orthogonalisation and shifted shifts), and a zero coupling (a split).
  const n = 48;
  const d = Float64Array.from({ length: n }, (_, i) => Math.floor(i / 3) * 0.5);
  const e = Float64Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : 1e-9 * ((i % 5) + 1)));
  cases.push(["clustered 48", d, e]);
  // A Lanczos tridiagonal of a matrix with repeated eigenvalues (values 4, 4, 3, 2, 2, 1, …).
  const m = 40;
  const lam = Float64Array.from({ length: m }, (_, i) => 4 - Math.floor(i / 2) * 0.1);
  const alpha = new Float64Array(m);
  const beta = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    alpha[i] = lam[i] * 0.5 + lam[(i + 1) % m] * 0.5;
    beta[i] = 0.3 / (1 + i);
  }
  cases.push(["graded 40", alpha, beta]);
  const same = (x: Float64Array, y: Float64Array) =>
    x.length === y.length && x.every((v, k) => Object.is(v, y[k]));
  for (const [name, dd, ee] of cases) {
    const ours = tridiagonalEigenvalues(dd, ee);
    const ref = scalarRitzValues(dd, ee);
    assert.ok(same(ours.values, ref.values), `${name}: eigenvalues`);
    assert.ok(same(ours.last, ref.last), `${name}: last row`);
    const want = ours.values.subarray(0, Math.ceil(dd.length / 2));
    const vectors = tridiagonalEigenvectors(dd, ee, want);
    assert.ok(same(vectors, scalarTridiagonalVectors(dd, ee, want)), `${name}: eigenvectors`);
    // The vectors are eigenvectors: ‖Tz − λz‖ at rounding level.
    const k = want.length;
    const size = dd.length;
    for (let c = 0; c < k; c++) {
      let r = 0;
      for (let i = 0; i < size; i++) {
        const z = (j: number) => vectors[c * size + j];
        const t = (dd[i] - want[c]) * z(i) + (i > 0 ? ee[i - 1] * z(i - 1) : 0) +
          (i < size - 1 ? ee[i] * z(i + 1) : 0);
        r += t * t;
      }
      assert.ok(Math.sqrt(r) < 1e-12, `${name}: residual of vector ${c}`);
    }
  }
});
