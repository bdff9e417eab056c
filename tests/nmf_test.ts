/**
 * NMF (Lee & Seung 1999): the sparse kernels against a dense oracle, the
 * objective never increasing, exact factorisations recovered, NNDSVD and
 * whole runs against scikit-learn's fixture, seeded determinism, and the
 * `nmf` experiment's data loading and config errors.
 */
import assert from "node:assert/strict";
import * as aq from "arquero";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { loadMnist } from "../lib/core/data/images.ts";
import { hoyerSparsity, nearZeroFraction, rowSparsity } from "../lib/studies/nmf/analysis.ts";
import { loadSklearnNmfFixture, sklearnNmfComparison } from "../lib/studies/nmf/sklearn.ts";
import { pca } from "../lib/core/pca.ts";
import { pcaCodes, pcaReconstruct, pcaSquaredError, pcaTop } from "../lib/core/pca_top.ts";
import { ConfigError, resolveConfig } from "../lib/core/experiment.ts";
import { nmf, type NmfExperimentConfig } from "../lib/studies/nmf/experiments/nmf.ts";
import {
  cloneFactors,
  fitNmf,
  NMF_EPSILON,
  nmfBasis,
  nmfData,
  type NmfFactors,
  nmfInit,
  type NmfObjective,
  nmfObjective,
  nmfStep,
  nmfWorkspace,
  topSingularTriplets,
} from "../lib/studies/nmf/model.ts";
import { imageGridSpec } from "../lib/core/plots/images.ts";
import { renderSvg } from "../lib/core/plots/render.ts";
import { Rng } from "../lib/core/random.ts";
import { fitNmfJobs } from "../lib/studies/nmf/train.ts";
import { TrainingInterrupted } from "../lib/core/train/checkpoint.ts";
import { fromExactJson } from "../lib/core/io.ts";

const fixture = await loadSklearnNmfFixture();

/** A nonnegative `[n, d]` matrix with about `zeros` of its entries 0. */
function randomMatrix(n: number, d: number, seed: number, zeros = 0.5): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * d }, () => rng.uniform() < zeros ? 0 : rng.uniform());
}

/** V = W₀H₀ for random nonnegative W₀ `[n, r]` and H₀ `[r, d]`. */
function factorisable(n: number, d: number, r: number, seed: number): Float64Array {
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

/**
 * One multiplicative-update iteration written the plain dense way (W = [n, r],
 * H = [r, d], full products), with the same division guards: the oracle for
 * the sparse kernels.
 */
function denseStep(V: Float64Array, f: NmfFactors, objective: NmfObjective): NmfFactors {
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

/** Largest |a − b| relative to the largest |b|. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let k = 0; k < b.length; k++) {
    worst = Math.max(worst, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(b[k]));
  }
  return worst / scale;
}

Deno.test("nmfStep() equals a dense implementation of the updates (both objectives)", () => {
  // Sizes that leave remainders in every 4-way unrolled loop (r = 7, ragged rows).
  const n = 23;
  const d = 17;
  const V = randomMatrix(n, d, 3, 0.6);
  V[5] = 0; // and an all-zero column of V for good measure
  for (let i = 0; i < n; i++) V[i * d + 5] = 0;
  const data = nmfData(V, n, d);
  for (const objective of ["frobenius", "kl"] as const) {
    for (const init of ["random", "nndsvd", "nndsvda"] as const) {
      const ours = nmfInit(data, { rank: 7, init, seed: 4 });
      let ref = cloneFactors(ours);
      const ws = nmfWorkspace(ours);
      for (let t = 0; t < 5; t++) {
        const before = nmfStep(data, ours, objective, ws);
        const direct = nmfObjective(data, ref, objective);
        assert.ok(
          Math.abs(before - direct) <= 1e-12 * direct,
          `${objective}/${init} t=${t}: tracked objective ${before} vs ${direct}`,
        );
        ref = denseStep(V, ref, objective);
        assert.ok(relDiff(ours.W, ref.W) < 1e-12, `${objective}/${init} t=${t}: W`);
        assert.ok(relDiff(ours.Ht, ref.Ht) < 1e-12, `${objective}/${init} t=${t}: H`);
      }
    }
  }
});

Deno.test("multiplicative updates never increase the objective (both objectives, all inits)", async () => {
  // Tolerance: an increase of at most 1e-12 of the objective (rounding only).
  const img = await loadMnist({ limit: 80, seed: 3 });
  const cases = [
    { name: "sparse 40×30", V: randomMatrix(40, 30, 7, 0.4), n: 40, d: 30, r: 6 },
    { name: "dense 25×35", V: randomMatrix(25, 35, 8, 0), n: 25, d: 35, r: 9 },
    { name: "80 MNIST digits", V: img.pixels, n: 80, d: 784, r: 10 },
  ];
  for (const c of cases) {
    const data = nmfData(c.V, c.n, c.d);
    for (const objective of ["frobenius", "kl"] as const) {
      for (const init of ["random", "nndsvd", "nndsvda"] as const) {
        const f = nmfInit(data, { rank: c.r, init, seed: 1 });
        const ws = nmfWorkspace(f);
        let previous = nmfObjective(data, f, objective);
        const first = previous;
        for (let t = 1; t <= 300; t++) {
          nmfStep(data, f, objective, ws);
          const now = nmfObjective(data, f, objective);
          assert.ok(
            now <= previous * (1 + 1e-12),
            `${c.name}, ${objective}, ${init}: iteration ${t} raised ${previous} to ${now}`,
          );
          previous = now;
        }
        assert.ok(previous < 0.9 * first, `${c.name}, ${objective}, ${init}: little progress`);
      }
    }
  }
});

Deno.test("fitNmf() drives ‖V − WH‖² to near zero on an exactly factorisable V", async () => {
  const V = factorisable(30, 20, 4, 5);
  const data = nmfData(V, 30, 20);
  const fit = await fitNmf(data, nmfInit(data, { rank: 4, init: "random", seed: 1 }), {
    objective: "frobenius",
    iterations: 3000,
  });
  const relative = nmfObjective(data, fit.factors, "frobenius") / data.sumSq;
  assert.ok(relative < 1e-5, `relative error ${relative}`);
  // The history is the same objective, evaluated on the way.
  assert.ok(Math.abs(fit.history[3000] / data.sumSq - relative) < 1e-12);
  const kl = await fitNmf(data, nmfInit(data, { rank: 4, init: "random", seed: 1 }), {
    objective: "kl",
    iterations: 3000,
  });
  assert.ok(kl.final.kl / data.sum < 1e-5, `KL relative to ΣV: ${kl.final.kl / data.sum}`);
});

Deno.test("zeros of an NNDSVD start stay zero under multiplicative updates", async () => {
  const V = factorisable(30, 20, 4, 5);
  const data = nmfData(V, 30, 20);
  const start = nmfInit(data, { rank: 4, init: "nndsvd", seed: 0 });
  const zerosW = [...start.W.keys()].filter((k) => start.W[k] === 0);
  assert.ok(zerosW.length > 0, "NNDSVD of this matrix has zeros");
  for (const objective of ["frobenius", "kl"] as const) {
    const fit = await fitNmf(data, start, { objective, iterations: 200 });
    for (const k of zerosW) assert.equal(fit.factors.W[k], 0);
  }
});

Deno.test("nndsvd() reproduces scikit-learn's NNDSVD and NNDSVDa of a 6 × 5 matrix", () => {
  const tiny = fixture.tiny;
  const X = tiny.X.flat();
  const data = nmfData(X, 6, 5);
  for (const init of ["nndsvd", "nndsvda"] as const) {
    const f = nmfInit(data, { rank: tiny.rank, init, seed: 0 });
    const W = tiny[init].W.flat();
    const H = tiny[init].H.flat();
    assert.ok(relDiff(f.W, W) < 1e-12, `${init}: W ${f.W} vs ${W}`);
    assert.ok(relDiff(nmfBasis(f), H) < 1e-12, `${init}: H`);
  }
  // sklearn's randomized SVD is exact at this size: the two fixture entries agree too.
  assert.ok(
    relDiff(tiny.nndsvd.W.flat(), tiny["nndsvd-exact"].W.flat()) <
      1e-12,
  );
});

Deno.test("NMF on 500 MNIST digits agrees with scikit-learn's solver='mu' (fixture)", async () => {
  const rows = await sklearnNmfComparison(fixture);
  assert.equal(rows.length, fixture.runs.length * 9);
  // Tolerances (observed differences in brackets):
  // - exact-SVD NNDSVD(a): the same arithmetic as sklearn, 1e-11 [≤ 1.1e-14];
  // - sklearn's randomized SVD: its trailing singular vectors differ from the
  //   exact ones in the 5th digit, 1e-3 [≤ 1.3e-4];
  // - random: numpy's generator draws other numbers from the same
  //   distribution, so only the scale is shared: 5% at the start [≤ 0.7%]
  //   and 1% after 200 iterations [≤ 0.2%].
  for (const row of rows) {
    const tol = row.init.endsWith("-exact")
      ? 1e-11
      : row.init === "nndsvd"
      ? 1e-3
      : row.iteration === 0
      ? 0.05
      : row.iteration === fixture.iterations
      ? 0.01
      : Infinity;
    assert.ok(
      Math.abs(row.relative_difference) <= tol,
      `${row.init}/${row.objective} at t=${row.iteration}: ${row.lab} vs ${row.sklearn}`,
    );
  }
  // The exact runs once more, by hand: the table's numbers, the other objective,
  // reconstruction_err_ and the zeros of the start.
  const d = fixture.data;
  const img = await loadMnist({ limit: d.limit, seed: d.seed });
  const data = nmfData(img.pixels, img.count, d.d);
  assert.ok(Math.abs(data.sum - d.sum) <= 1e-12 * d.sum);
  assert.ok(Math.abs(data.sumSq - d.sum_sq) <= 1e-12 * d.sum_sq);
  for (const run of fixture.runs.filter((r) => r.init === "nndsvd-exact")) {
    const start = nmfInit(data, { rank: fixture.rank, init: "nndsvd", seed: 0 });
    const fit = await fitNmf(data, start, {
      objective: run.objective,
      iterations: fixture.iterations,
    });
    for (const row of rows.filter((r) => r.init === run.init && r.objective === run.objective)) {
      assert.equal(row.lab, fit.history[row.iteration]);
    }
    const other: NmfObjective = run.objective === "frobenius" ? "kl" : "frobenius";
    const rel = Math.abs(fit.final[other] - run.final[other]) / run.final[other];
    assert.ok(rel < 1e-11, `${run.init}/${run.objective}: final ${other}`);
    // reconstruction_err_ is √(2·divergence): √‖V − WH‖² for Frobenius, √(2D) for KL.
    const err = Math.sqrt(run.objective === "frobenius" ? fit.final.frobenius : 2 * fit.final.kl);
    assert.ok(Math.abs(err - run.reconstruction_err) < 1e-10 * run.reconstruction_err);
    let wz = 0;
    for (const x of start.W) if (x === 0) wz++;
    assert.equal(wz, run.start.W_zeros);
  }
});

Deno.test("topSingularTriplets() satisfies Vv = σu through either Gram matrix", () => {
  for (const [n, d] of [[12, 7], [7, 12]]) {
    const V = randomMatrix(n, d, n * 100 + d, 0.3);
    const data = nmfData(V, n, d);
    const svd = topSingularTriplets(data, 4);
    for (let c = 0; c < 4; c++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += V[i * d + j] * svd.v[j * 4 + c];
        assert.ok(
          Math.abs(s - svd.s[c] * svd.u[i * 4 + c]) < 1e-10 * svd.s[0],
          `${n}×${d}, c=${c}`,
        );
      }
      if (c > 0) assert.ok(svd.s[c] <= svd.s[c - 1]);
    }
  }
});

Deno.test("same data, config and seed give identical fits on one worker or two", async () => {
  const img = await loadMnist({ limit: 200, seed: 9 });
  const data = nmfData(img.pixels, img.count, 784);
  const jobs = (["random", "nndsvda"] as const).flatMap((init) =>
    (["frobenius", "kl"] as const).map((objective) => ({
      objective,
      start: nmfInit(data, { rank: 6, init, seed: 21 }),
      iterations: 15,
    }))
  );
  const one = await fitNmfJobs(data, jobs, { workers: 1 });
  const two = await fitNmfJobs(data, jobs, { workers: 2 });
  assert.equal(two.workers, 2);
  for (let k = 0; k < jobs.length; k++) {
    assert.deepEqual(two.fits[k].history, one.fits[k].history);
    assert.deepEqual(two.fits[k].factors.W, one.fits[k].factors.W);
    assert.deepEqual(two.fits[k].factors.Ht, one.fits[k].factors.Ht);
  }
  const again = nmfInit(data, { rank: 6, init: "random", seed: 21 });
  assert.deepEqual(again.W, jobs[0].start.W);
  const other = nmfInit(data, { rank: 6, init: "random", seed: 22 });
  assert.notDeepEqual(other.W, jobs[0].start.W);
});

Deno.test("NMF fits stopped and resumed from checkpoints end bit-identical (1 and 2 workers)", async () => {
  const img = await loadMnist({ limit: 200, seed: 9 });
  const data = nmfData(img.pixels, img.count, 784);
  const jobs = (["frobenius", "kl", "frobenius"] as const).map((objective, k) => ({
    objective,
    start: nmfInit(data, { rank: 6, init: "random", seed: 30 + k }),
    iterations: 300,
  }));
  const whole = await fitNmfJobs(data, jobs, { workers: 1 });
  for (const workers of [1, 2]) {
    const dir = await Deno.makeTempDir();
    try {
      const checkpoint = { dir, every: 40, resume: false };
      const stop = new AbortController();
      await assert.rejects(
        fitNmfJobs(data, jobs, {
          workers,
          checkpoint,
          signal: stop.signal,
          onProgress: (done) => {
            if (done >= 250) stop.abort(new Error("ctrl-c"));
          },
        }),
        (err: Error) => err instanceof TrainingInterrupted && /NMF iterations/.test(err.message),
      );
      // Some fit was stopped part-way (so the resume below has work to do).
      const saved = [...Deno.readDirSync(dir)].map((e) =>
        fromExactJson<{ state: { iteration: number } }>(Deno.readTextFileSync(join(dir, e.name)))
          .state.iteration
      );
      assert.ok(saved.some((t) => t > 0 && t < 300), `saved at ${saved}`);
      let reports = 0;
      const resumed = await fitNmfJobs(data, jobs, {
        workers,
        checkpoint: { ...checkpoint, resume: true },
        onProgress: () => void reports++,
      });
      // Every 6 iterations a report: 150 from scratch, fewer when the saved work is skipped.
      assert.ok(reports < 150 - 10, `${reports} progress reports after resuming`);
      for (let k = 0; k < jobs.length; k++) {
        assert.deepEqual(resumed.fits[k].history, whole.fits[k].history, `${workers}: fit ${k}`);
        assert.deepEqual(resumed.fits[k].factors.W, whole.fits[k].factors.W);
        assert.deepEqual(resumed.fits[k].factors.Ht, whole.fits[k].factors.Ht);
      }
      await assert.rejects(
        fitNmfJobs(data, jobs.map((j) => ({ ...j, iterations: 301 })), {
          workers,
          checkpoint: { ...checkpoint, resume: true },
        }),
        /made with another configuration/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

const small: Partial<NmfExperimentConfig> = { digits: 150, rank: 5, iterations: 12 };

function configOf(sets: [string, string][]): NmfExperimentConfig {
  return resolveConfig(nmf, "smoke", [
    ...Object.entries(small).map(([k, v]): [string, string] => [k, String(v)]),
    ...sets,
  ]);
}

Deno.test("nmf experiment: the same config and seed give identical tables", async () => {
  const config = configOf([["seed", "4"]]);
  const a = nmf.artefacts(await nmf.run(config, { workers: 1 }), config);
  const b = nmf.artefacts(await nmf.run(config, { workers: 2 }), config);
  // ms_per_iteration is a wall time; everything else must match byte for byte.
  const csv = (t: aq.ColumnTable) =>
    (t.columnNames().includes("ms_per_iteration") ? t.select(aq.not("ms_per_iteration")) : t)
      .toCSV();
  for (const name of Object.keys(a.tables)) {
    assert.equal(csv(b.tables[name]), csv(a.tables[name]), name);
  }
  assert.deepEqual(Object.keys(a.figures), ["bases", "reconstructions", "sparsity", "objective"]);
  const other = configOf([["seed", "5"]]);
  const c = nmf.artefacts(await nmf.run(other, {}), other);
  assert.notEqual(csv(c.tables.objective), csv(a.tables.objective));
});

/** A P5 PGM of `width × height` grey bytes. */
function pgm(width: number, height: number, pixel: (x: number, y: number) => number): Uint8Array {
  const header = new TextEncoder().encode(`P5\n# test face\n${width} ${height}\n255\n`);
  const out = new Uint8Array(header.length + width * height);
  out.set(header);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[header.length + y * width + x] = pixel(x, y);
  }
  return out;
}

/** A faces folder s1/1.pgm … s{subjects}/{per}.pgm of 8 × 10 images. */
async function facesFolder(subjects: number, per: number): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (let s = 1; s <= subjects; s++) {
    await Deno.mkdir(join(dir, `s${s}`));
    for (let i = 1; i <= per; i++) {
      await Deno.writeFile(
        join(dir, `s${s}`, `${i}.pgm`),
        pgm(8, 10, (x, y) => (x * 13 + y * 7 + s * 31 + i * 17) % 256),
      );
    }
  }
  return dir;
}

Deno.test("nmf experiment reads a faces folder given as facesDir", async () => {
  const dir = await facesFolder(3, 2);
  const config = configOf([
    ["facesDir", dir],
    ["faceSubjects", "3"],
    ["facesPerSubject", "2"],
    ["rank", "4"],
  ]);
  const result = await nmf.run(config, {});
  assert.equal(result.dataset.kind, "faces");
  assert.equal(result.dataset.count, 6);
  assert.equal(result.dataset.width, 8);
  assert.equal(result.dataset.height, 10);
  assert.equal(result.bases[0].images.length, 4 * 80);
  const art = nmf.artefacts(result, config);
  assert.match(String(art.summary.setting), /6 AT&T faces, rank 4/);
  const svg = await renderSvg(art.figures.bases);
  assert.ok(svg.includes("data:image/png;base64,"));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("nmf experiment: a bad faces folder is one config error", async () => {
  const dir = await facesFolder(2, 2);
  const sets = (d: string): [string, string][] => [
    ["facesDir", d],
    ["faceSubjects", "2"],
    ["facesPerSubject", "2"],
    ["rank", "2"],
  ];
  // Missing folder: refused while the config is resolved, before anything runs.
  assert.throws(
    () => configOf(sets(join(dir, "nope"))),
    (err: Error) =>
      err instanceof ConfigError && !err.message.includes("\n") &&
      /^facesDir=.*nope does not exist; it must hold s1\/1\.pgm … s2\/2\.pgm$/.test(err.message),
  );
  // A missing file and a truncated one: found when run reads the folder.
  await Deno.remove(join(dir, "s2/1.pgm"));
  await assert.rejects(
    () => nmf.run(configOf(sets(dir)), {}),
    (err: Error) =>
      err instanceof ConfigError && !err.message.includes("\n") &&
      /is missing s2\/1\.pgm/.test(err.message),
  );
  const bytes = pgm(8, 10, () => 9);
  await Deno.writeFile(join(dir, "s2/1.pgm"), bytes.subarray(0, bytes.length - 5));
  await assert.rejects(
    () => nmf.run(configOf(sets(dir)), {}),
    (err: Error) =>
      err instanceof ConfigError && !err.message.includes("\n") && /is truncated/.test(err.message),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reproduce --only nmf with a broken faces folder: one line, exit 2, nothing written", async () => {
  const dir = await facesFolder(1, 2);
  await Deno.writeFile(join(dir, "s1/2.pgm"), new TextEncoder().encode("GIF89a not a pgm"));
  const out = join(dir, "out");
  const script = new URL("../scripts/reproduce.ts", import.meta.url).pathname;
  for (const faces of [dir, join(dir, "missing")]) {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        script,
        "--only",
        "nmf",
        "--profile",
        "smoke",
        "--set",
        `facesDir=${faces}`,
        "--set",
        "faceSubjects=1",
        "--set",
        "facesPerSubject=2",
        "--set",
        "rank=2",
        "--out",
        out,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(r.stderr).trim();
    assert.equal(r.code, 2, stderr);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(
      stderr,
      faces === dir ? /^error: .*2\.pgm is not a PGM file/ : /^error: facesDir=.* does not exist/,
    );
    const wrote = await Deno.stat(out).then(() => true, () => false);
    assert.ok(!wrote, `${out} was written`);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("nmf config errors are one line naming the value and what is allowed", () => {
  const cases: [[string, string][], RegExp][] = [
    [
      [["rank", "600"]],
      /^rank=600 is not allowed with 150 images of 784 pixels: NNDSVD needs rank <= 150 \(or inits=random\)$/,
    ],
    [
      [["objectives", "frobenius,itakura"]],
      /^objectives=frobenius,itakura is not allowed: objectives must be a comma-separated list of frobenius\|kl$/,
    ],
    [[["inits", "random,random"]], /^inits=random,random is not allowed: random is listed twice$/],
    [
      [["faceSubjects", "41"]],
      /^faceSubjects=41 is not allowed: faceSubjects must be an integer >= 1 and <= 40$/,
    ],
    [[["digits", "0"]], /^digits=0 is not allowed/],
    [[["facesDir", "a\nb"]], /is not allowed: facesDir must be a string without line breaks/],
  ];
  for (const [sets, pattern] of cases) {
    assert.throws(
      () => configOf(sets),
      (err: Error) => err instanceof ConfigError && pattern.test(err.message),
      JSON.stringify(sets),
    );
  }
  // Random starts have no rank limit.
  assert.equal(configOf([["rank", "600"], ["inits", "random"]]).rank, 600);
});

Deno.test("hoyerSparsity() and nearZeroFraction() on vectors with known values", () => {
  assert.equal(hoyerSparsity([0, 0, 5, 0]), 1);
  assert.equal(hoyerSparsity([-2, 2, 2, -2]), 0);
  // Two equal entries of four: (√4 − 2/√2)/(√4 − 1) = 2 − √2.
  assert.ok(Math.abs(hoyerSparsity([1, 0, 1, 0]) - (2 - Math.SQRT2)) < 1e-15);
  assert.ok(Number.isNaN(hoyerSparsity([0, 0])));
  // 1% of the largest magnitude is 1: 0.5 and 1 are near zero, 2 and −1.5 are not.
  assert.equal(nearZeroFraction([100, 0.5, 1, 2, -1.5]), 0.4);
  const rows = rowSparsity([0, 0, 0, 1, 0, 0, 1, 1, 1], 3, 3);
  assert.equal(rows.rows, 2); // the all-zero row is skipped
  assert.ok(Math.abs(rows.hoyer - 0.5) < 1e-15);
});

Deno.test("pcaTop() through the N × N Gram matrix equals the covariance route", () => {
  const count = 9;
  const dim = 14;
  const X = randomMatrix(count, dim, 77, 0.2);
  const dual = pcaTop(X, count, dim, 4);
  const full = pca(X, count, dim);
  for (let c = 0; c < 4; c++) {
    assert.ok(Math.abs(dual.variances[c] - full.variances[c]) < 1e-12 * full.variances[0]);
    // Same direction up to sign.
    let dot = 0;
    for (let j = 0; j < dim; j++) {
      dot += dual.components[c * dim + j] * full.components[c * dim + j];
    }
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `component ${c}: |cos| = ${Math.abs(dot)}`);
  }
  // The squared error from the eigenvalues equals the residual of the reconstructions.
  const rows = Array.from({ length: count }, (_, i) => i);
  const rec = pcaReconstruct(dual, pcaCodes(dual, X, rows));
  let residual = 0;
  for (let q = 0; q < X.length; q++) residual += (X[q] - rec[q]) ** 2;
  assert.ok(Math.abs(residual - pcaSquaredError(dual)) < 1e-10 * residual);
});

Deno.test("imageGridSpec() embeds the images as a PNG with one pixel per image pixel", () => {
  // Two 2 × 2 images, side by side with a 1-pixel grey gap, zoom 1.
  const spec = imageGridSpec([1, 0, 0, 0.5, 0, 1, 1, 0], {
    count: 2,
    width: 2,
    height: 2,
    columns: 2,
    normalize: "none",
    maxSide: 5,
  }) as unknown as { data: { values: { url: string }[] }; width: number; height: number };
  assert.equal(spec.width, 5);
  assert.equal(spec.height, 2);
  const png = Uint8Array.from(atob(spec.data.values[0].url.split(",")[1]), (c) => c.charCodeAt(0));
  // Parse IHDR and the (single) IDAT chunk.
  const view = new DataView(png.buffer);
  assert.equal(view.getUint32(16), 5);
  assert.equal(view.getUint32(20), 2);
  const idatLength = view.getUint32(33);
  const raw = new Uint8Array(inflateSync(png.subarray(41, 41 + idatLength)));
  const grey = (x: number, y: number) => raw[y * (1 + 15) + 1 + 3 * x];
  // Row 0: image 1 (1 → black, 0 → white), gap (grey 200), image 2 (0 → white, 1 → black).
  assert.deepEqual([0, 1, 2, 3, 4].map((x) => grey(x, 0)), [0, 255, 200, 255, 0]);
  assert.deepEqual([0, 1, 2, 3, 4].map((x) => grey(x, 1)), [255, 128, 200, 0, 255]);
});
