/**
 * lib/studies/nmf/train.ts: fitNmf() recovering exact factorisations,
 * keeping NNDSVD's zeros and stopping and resuming on the core loop, and
 * fitNmfJobs() giving the same fits on one worker or two and after a stop and
 * a resume from checkpoints.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadMnist } from "../../../lib/core/data/images.ts";
import { readCheckpoint, TrainingInterrupted } from "../../../lib/core/train/checkpoint.ts";
import { nmfData } from "../../../lib/studies/nmf/data.ts";
import { nmfInit } from "../../../lib/studies/nmf/init.ts";
import { nmfObjective } from "../../../lib/studies/nmf/kernel.ts";
import { fitNmf, fitNmfJobs, type NmfFitProgress } from "../../../lib/studies/nmf/train.ts";
import { factorisable } from "./_helpers.ts";

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

Deno.test("fitNmf() reports with an ETA, saves on a stop and resumes bit-identical", async () => {
  const data = nmfData(factorisable(30, 20, 4, 5), 30, 20);
  const start = nmfInit(data, { rank: 4, init: "random", seed: 2 });
  const whole = await fitNmf(data, start, { objective: "kl", iterations: 60 });
  const dir = await Deno.makeTempDir();
  try {
    const checkpoint = { dir, every: 25, resume: false, name: "fit" };
    const stop = new AbortController();
    const heard: NmfFitProgress[] = [];
    await assert.rejects(
      fitNmf(data, start, {
        objective: "kl",
        iterations: 60,
        progressEvery: 10,
        checkpoint,
        signal: stop.signal,
        onProgress: (p) => {
          heard.push(p);
          if (p.iteration === 30) stop.abort(new Error("ctrl-c"));
        },
      }),
      (err: Error) => err instanceof TrainingInterrupted && /iteration 30 of fit/.test(err.message),
    );
    // Progress at every tenth iteration and at the checkpoint, with the objective before the last.
    assert.deepEqual(heard.map((p) => p.iteration), [10, 20, 25, 30]);
    assert.deepEqual(heard.map((p) => p.objective), [9, 19, 24, 29].map((t) => whole.history[t]));
    assert.ok(heard.every((p) => p.iterations === 60 && Number.isFinite(p.etaMs) && p.etaMs >= 0));
    const resumed = await fitNmf(data, start, {
      objective: "kl",
      iterations: 60,
      checkpoint: { ...checkpoint, resume: true },
    });
    assert.deepEqual(resumed.history, whole.history);
    assert.deepEqual(resumed.factors, whole.factors);
    assert.deepEqual(resumed.final, whole.final);
  } finally {
    await Deno.remove(dir, { recursive: true });
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
      const saved = await Promise.all(
        [...Deno.readDirSync(dir)].map(async (e) =>
          (await readCheckpoint<{ step: number }>(join(dir, e.name)))!.state.step
        ),
      );
      assert.ok(saved.some((t) => t > 0 && t < 300), `saved at ${saved}`);
      let reports = 0;
      const resumed = await fitNmfJobs(data, jobs, {
        workers,
        checkpoint: { ...checkpoint, resume: true },
        onProgress: () => void reports++,
      });
      // A report every 6 iterations, at every checkpoint and at the end: 56 a fit from scratch,
      // 168 in all; fewer when the saved work is skipped (about 120 here).
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
