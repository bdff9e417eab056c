/** The symmetric eigensolver, PCA and its reconstruction errors, and the image loaders. */
import assert from "node:assert/strict";
import {
  covariance,
  pca,
  pcaErrors,
  pcaFromCovariance,
  symmetricEigen,
} from "../../lib/core/pca.ts";
import { loadFaces, loadMnist, parsePgm } from "../../lib/core/data/images.ts";
import { Rng } from "../../lib/core/random.ts";

function randomSpd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const B = rng.fillUniform(new Float64Array(n * n), -1, 1);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += B[i * n + k] * B[j * n + k];
      A[i * n + j] = s;
    }
  }
  return A;
}

Deno.test("symmetricEigen() reconstructs A = QΛQᵀ with orthonormal Q, eigenvalues descending", () => {
  for (const n of [1, 2, 3, 7, 30, 90]) {
    const A = randomSpd(n, n);
    const { values, vectors } = symmetricEigen(A, n);
    let recon = 0;
    let orth = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let o = 0;
        for (let k = 0; k < n; k++) {
          s += vectors[i * n + k] * values[k] * vectors[j * n + k];
          o += vectors[k * n + i] * vectors[k * n + j];
        }
        recon = Math.max(recon, Math.abs(s - A[i * n + j]));
        orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
      }
    }
    assert.ok(recon < 1e-11 * n, `n=${n}: reconstruction error ${recon}`);
    assert.ok(orth < 1e-12 * n, `n=${n}: orthogonality error ${orth}`);
    for (let k = 1; k < n; k++) assert.ok(values[k - 1] >= values[k]);
  }
});

Deno.test("symmetricEigen() handles diagonal matrices and repeated eigenvalues", () => {
  const n = 6;
  const diag = [3, 1, 3, 0.5, 1, 2];
  const A = new Float64Array(n * n);
  diag.forEach((v, i) => A[i * n + i] = v);
  assert.deepEqual([...symmetricEigen(A, n).values], [3, 3, 2, 1, 1, 0.5]);
});

Deno.test("pcaErrors() of a spiked covariance is the mean of the variances left out", () => {
  const D = 20;
  const spikes = [9, 5, 3];
  const cov = new Float64Array(D * D);
  for (let i = 0; i < D; i++) cov[i * D + i] = 0.2;
  // Spikes along a rotated basis: u_k = (e_k + e_{k+10})/√2.
  spikes.forEach((lam, k) => {
    for (const a of [k, k + 10]) for (const b of [k, k + 10]) cov[a * D + b] += lam / 2;
  });
  const p = pcaFromCovariance(cov, D);
  const errors = pcaErrors(p, 4);
  const total = 0.2 * D + 9 + 5 + 3;
  assert.ok(Math.abs(errors[0] - total / D) < 1e-12);
  assert.ok(Math.abs(errors[1] - (total - 9.2) / D) < 1e-12);
  assert.ok(Math.abs(errors[3] - (total - 9.2 - 5.2 - 3.2) / D) < 1e-12);
  // The first component is ±(e₀ + e₁₀)/√2.
  assert.ok(Math.abs(Math.abs(p.components[0]) - Math.SQRT1_2) < 1e-12);
  assert.ok(Math.abs(Math.abs(p.components[10]) - Math.SQRT1_2) < 1e-12);
});

Deno.test("pca() on samples recovers the sample covariance's spectrum", () => {
  const rng = new Rng(3);
  const count = 2000;
  const dim = 5;
  const data = new Float64Array(count * dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) data[r * dim + j] = (j + 1) * rng.normal() + 10;
  }
  const p = pca(data, count, dim);
  const { cov } = covariance(data, count, dim);
  const trace = [0, 1, 2, 3, 4].reduce((s, j) => s + cov[j * dim + j], 0);
  assert.ok(Math.abs(p.variances.reduce((s, v) => s + v, 0) - trace) < 1e-9);
  assert.ok(Math.abs(p.mean[0] - 10) < 0.1);
  assert.ok(Math.abs(p.variances[0] - 25) / 25 < 0.1);
});

Deno.test("loadMnist() reads the 10,000 digits; subsets are seeded", async () => {
  const all = await loadMnist();
  assert.equal(all.count, 10_000);
  assert.equal(all.width * all.height, 784);
  assert.ok(all.pixels.every((v) => v >= 0 && v <= 1));
  const a = await loadMnist({ limit: 50, seed: 4 });
  const b = await loadMnist({ limit: 50, seed: 4 });
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(a.pixels, b.pixels);
  await assert.rejects(() => loadMnist({ limit: 0 }), /limit must be an integer in \[1, 10000\]/);
});

Deno.test("parsePgm() reads P5 and P2; loadFaces() names what is missing or malformed", async () => {
  const p5 = new Uint8Array([
    ...new TextEncoder().encode("P5\n# a comment\n3 2\n255\n"),
    0,
    51,
    102,
    153,
    204,
    255,
  ]);
  const img = parsePgm(p5);
  assert.equal(img.width, 3);
  assert.deepEqual([...img.pixels].map((v) => Math.round(v * 255)), [0, 51, 102, 153, 204, 255]);
  const p2 = new TextEncoder().encode("P2 2 1 15\n0 15\n");
  assert.deepEqual([...parsePgm(p2).pixels], [0, 1]);
  assert.throws(() => parsePgm(new TextEncoder().encode("P6 1 1 255\n\0\0\0")), /not a PGM file/);
  assert.throws(
    () => parsePgm(new Uint8Array([...new TextEncoder().encode("P5 4 4 255\n"), 1, 2])),
    /truncated/,
  );

  const dir = await Deno.makeTempDir();
  await assert.rejects(() => loadFaces(`${dir}/nope`), /does not exist/);
  await Deno.mkdir(`${dir}/s1`);
  await Deno.writeFile(`${dir}/s1/1.pgm`, p5);
  await Deno.writeFile(`${dir}/s1/2.pgm`, p5);
  const faces = await loadFaces(dir, { subjects: 1, perSubject: 2 });
  assert.equal(faces.count, 2);
  await assert.rejects(() => loadFaces(dir, { subjects: 1, perSubject: 3 }), /missing s1\/3\.pgm/);
  await Deno.writeFile(`${dir}/s1/2.pgm`, new TextEncoder().encode("P2 1 1 255\n7\n"));
  await assert.rejects(
    () => loadFaces(dir, { subjects: 1, perSubject: 2 }),
    /is 1×1; the other faces are 3×2/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("symmetricEigen() (WebAssembly SIMD reduction) is bit-identical to the scalar loops", async () => {
  const { scalarSymmetricEigen } = await import("./_scalar_eigen.ts");
  // Odd and even sizes (the SIMD loops' remainders), a repeated eigenvalue, a rank-deficient matrix.
  const cases: [string, Float64Array, number][] = [
    ["spd 1", randomSpd(1, 1), 1],
    ["spd 2", randomSpd(2, 2), 2],
    ["spd 7", randomSpd(7, 3), 7],
    ["spd 40", randomSpd(40, 4), 40],
    ["spd 101", randomSpd(101, 5), 101],
  ];
  const low = new Float64Array(30 * 30);
  for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) low[i * 30 + j] = (i % 3) * (j % 3) + 1;
  cases.push(["rank 2, 30", low, 30]);
  for (const [name, A, n] of cases) {
    const ours = symmetricEigen(A, n);
    const ref = scalarSymmetricEigen(A, n);
    const same = (x: Float64Array, y: Float64Array) => x.every((v, k) => Object.is(v, y[k]));
    assert.ok(same(ours.values, ref.values), `${name}: eigenvalues`);
    assert.ok(same(ours.vectors, ref.vectors), `${name}: eigenvectors`);
  }
});
