/**
 * From trained SAEs to rows (`lib/studies/sae/analysis.ts`): the best cosine
 * of each true direction, and the rows of the `sae` experiment's tables.
 */
import assert from "node:assert/strict";
import {
  directionRecovery,
  maxCosines,
  saeDecoderColumns,
  saeEnd,
  saeLatentRows,
  saeMetricRows,
  saeModelRows,
  saeRecovery,
  saeRecoveryRows,
  saeResampleRows,
  saeResampleTraceRows,
  type SaeRun,
  saeRuns,
} from "../../../lib/studies/sae/analysis.ts";
import { saeLayout } from "../../../lib/studies/sae/model.ts";
import type { SaeHistoryRow, SaeInstanceResult } from "../../../lib/studies/sae/train.ts";
import { BASE } from "./_helpers.ts";

Deno.test("maxCosines() finds permuted, rescaled directions and ignores the sign of none", () => {
  const truth = Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const decoder = Float64Array.from([0, 2, 0, 0, 0, 0.5, 3, 0, 0, 1, 1, 0]);
  const mc = maxCosines(decoder, truth, { latents: 4, count: 3, dim: 3 });
  assert.deepEqual(Array.from(mc), [1, 1, 1]);
  const flipped = maxCosines(decoder.map((v) => -v), truth, { latents: 4, count: 3, dim: 3 });
  assert.deepEqual(Array.from(flipped), [0, 0, 0], "a negated direction is not a match");
  const rec = directionRecovery([0.95, 0.5, 0.91, 0.9]);
  assert.ok(Math.abs(rec.meanMaxCos - 0.815) < 1e-12);
  assert.equal(rec.recovered, 0.5, "0.9 itself is not above 0.9");
});

/** A history row with the given step, dead share and held-out metrics. */
function row(step: number, dead: number, over: Partial<SaeHistoryRow> = {}): SaeHistoryRow {
  return {
    step,
    instance: 0,
    label: "m",
    seed: 0,
    loss: 1,
    recon: 1,
    aux: 0,
    l1: 0,
    train_l0: 1,
    dead_fraction: dead,
    eval_nmse: 0.5,
    eval_l0: 3,
    ...over,
  };
}

/** An instance of BASE's shape whose decoder columns are the unit vectors e_(j mod dim). */
function instance(over: Partial<SaeInstanceResult> = {}): SaeInstanceResult {
  const c = BASE;
  const L = saeLayout(c);
  const params = new Float64Array(L.size);
  for (let j = 0; j < c.latents; j++) params[L.decoder + j * c.dim + (j % c.dim)] = 1;
  return {
    label: "top-k",
    variant: { label: "top-k", activation: "topk", k: 3, auxCoef: 0.5, l1: 0, seed: 0 },
    config: c,
    params,
    since: new Float64Array(c.latents),
    history: [row(0, 0), row(10, 0.25), row(20, 0.125)],
    finalLoss: 0.4,
    divergedAt: -1,
    evalFrequency: new Float64Array(c.latents),
    resamples: [],
    ...over,
  };
}

Deno.test("saeRecovery() measures the decoder of the instance at an offset", () => {
  const res = instance();
  // The first three unit vectors of R^7 are found exactly, the fourth direction is not.
  const directions = new Float64Array(4 * BASE.dim);
  for (let f = 0; f < 3; f++) directions[f * BASE.dim + f] = 1;
  directions[3 * BASE.dim] = 1;
  directions[3 * BASE.dim + 1] = 1;
  const two = new Float64Array(2 * res.params.length);
  two.set(res.params, res.params.length);
  const r = saeRecovery(BASE, two, directions, res.params.length);
  assert.deepEqual(Array.from(r.maxCos.subarray(0, 3)), [1, 1, 1]);
  assert.ok(Math.abs(r.maxCos[3] - Math.SQRT1_2) < 1e-12);
  assert.equal(r.recovered, 0.75);
  // The first instance (all zeros) finds nothing.
  assert.equal(saeRecovery(BASE, two, directions).recovered, 0);
});

Deno.test("saeEnd() masks a diverged instance, its largest dead share too", () => {
  const ok = saeEnd(instance());
  assert.deepEqual(ok, {
    eval_nmse: 0.5,
    eval_l0: 3,
    dead_fraction: 0.125,
    max_dead_fraction: 0.25,
    diverged_at: null,
  });
  const history = [row(0, 0.5), row(7, NaN, { eval_nmse: NaN, eval_l0: NaN })];
  const bad = saeEnd(instance({ history, divergedAt: 7, finalLoss: NaN }));
  assert.ok(Number.isNaN(bad.eval_nmse) && Number.isNaN(bad.dead_fraction));
  assert.ok(Number.isNaN(bad.max_dead_fraction), "no share of a run that diverged");
  assert.equal(bad.diverged_at, 7);
});

Deno.test("saeRuns() and saeModelRows(): one row per instance, models averaged over their seeds that did not diverge, in first-seen order", () => {
  const directions = new Float64Array(2 * BASE.dim);
  directions[0] = 1;
  directions[BASE.dim + 1] = 1;
  const diverged = instance({
    label: "ReLU",
    history: [row(0, 0), row(5, NaN)],
    divergedAt: 5,
    finalLoss: NaN,
  });
  const runs = saeRuns([instance(), instance(), diverged], { directions, seeds: 2 });
  assert.deepEqual(runs.map((r) => [r.model, r.seed]), [["top-k", 0], ["top-k", 1], ["ReLU", 0]]);
  assert.equal(runs[0].recovered, 1);
  assert.ok(Number.isNaN(runs[2].recovered), "a diverged instance recovers nothing");
  assert.equal(runs[2].diverged_at, 5);
  const models = saeModelRows([
    ...runs,
    { ...runs[2], diverged_at: null, recovered: 0.5, eval_nmse: 1 },
  ]);
  const summary = models.map((m) => [m.model, m.seeds, m.diverged]);
  assert.deepEqual(summary, [["top-k", 2, 0], ["ReLU", 2, 1]]);
  assert.equal(models[0].eval_nmse, 0.5);
  assert.equal(models[1].recovered, 0.5, "the diverged seed is left out of the mean");
  assert.equal(models[1].eval_nmse, 1);
  const [alone] = saeModelRows([runs[2]]);
  assert.deepEqual([alone.seeds, alone.diverged], [1, 1]);
  assert.ok(Number.isNaN(alone.recovered), "no seed left: no mean");
});

Deno.test("saeRecoveryRows() sorts each run's max cosines from best to worst, ranked from 1", () => {
  const run = { model: "m", seed: 1, maxCos: Float64Array.from([0.2, 0.9, 0.5]) } as SaeRun;
  assert.deepEqual(saeRecoveryRows([run]), [
    { model: "m", seed: 1, rank: 1, max_cos: 0.9 },
    { model: "m", seed: 1, rank: 2, max_cos: 0.5 },
    { model: "m", seed: 1, rank: 3, max_cos: 0.2 },
  ]);
  assert.deepEqual(
    saeRecoveryRows([{ ...run, diverged_at: 40 }]),
    [],
    "a diverged decoder has none",
  );
});

Deno.test("saeLatentRows() orders latents by held-out use (ties by index) and marks the dead", () => {
  const evalFrequency = new Float64Array(BASE.latents);
  evalFrequency[5] = 0.5;
  evalFrequency[2] = 0.25;
  evalFrequency[9] = 0.25;
  const since = new Float64Array(BASE.latents).fill(1);
  since[0] = 100;
  const rows = saeLatentRows(instance({ evalFrequency, since }), 100);
  assert.deepEqual(rows.slice(0, 4).map((r) => r.latent), [5, 2, 9, 0]);
  assert.deepEqual(rows.map((r) => r.rank), Array.from({ length: BASE.latents }, (_, i) => i + 1));
  assert.deepEqual(rows.filter((r) => r.dead).map((r) => r.latent), [0]);
});

Deno.test("saeDecoderColumns() copies the chosen decoder columns in the order given", () => {
  const cols = saeDecoderColumns(instance(), [8, 1]);
  const expect = new Float64Array(2 * BASE.dim);
  expect[8 % BASE.dim] = 1;
  expect[BASE.dim + 1] = 1;
  assert.deepEqual(cols, expect);
});

Deno.test("saeMetricRows() numbers seeds within a model and keeps recovery columns only where measured", () => {
  const history = [
    row(0, 0, { instance: 3, recovered: 0.5, mean_max_cos: 0.7 }),
    row(0, 0, { instance: 4 }),
  ];
  const rows = saeMetricRows(history, 2);
  assert.deepEqual(rows.map((r) => r.seed), [1, 0]);
  assert.equal(rows[0].recovered, 0.5);
  assert.ok(!("recovered" in rows[1]) && !("mean_max_cos" in rows[1]));
});

Deno.test("saeResampleRows() and saeModelRows(): events per instance, their costs averaged per model", () => {
  const event = (step: number, after: number[]) => ({
    instance: 0,
    step,
    latents: [1, 4, 7],
    picked: [5, 5, -1],
    lossBefore: 0.5,
    lossJump: 0.01,
    after,
  });
  const resampling = instance({
    label: "R",
    resamples: [event(10, [0.75, 0.5]), event(20, [0.25, 1])],
  });
  const plain = instance();
  const rows = saeResampleRows([plain, resampling], 1);
  assert.deepEqual(rows.map((r) => [r.model, r.step, r.latents_resampled, r.examples]), [
    ["R", 10, 3, 1],
    ["R", 20, 3, 1],
  ]);
  assert.deepEqual(rows.map((r) => [r.loss_spike, r.loss_peak]), [[0.25, 0.25], [-0.25, 0.5]]);
  const directions = new Float64Array(BASE.dim);
  directions[0] = 1;
  const runs = saeRuns([plain, resampling], { directions, seeds: 1 });
  assert.deepEqual(runs.map((r) => [r.resamples, r.latents_resampled]), [[0, 0], [2, 6]]);
  const models = saeModelRows(runs, rows);
  assert.deepEqual(models.map((m) => [m.model, m.resamples, m.latents_resampled]), [
    ["top-k", 0, 0],
    ["R", 2, 6],
  ]);
  assert.ok(Number.isNaN(models[0].loss_jump), "no event, no cost");
  assert.equal(models[1].loss_spike, 0);
  assert.equal(models[1].loss_peak, 0.375);
  // A trace row per recorded update, relative to the loss before.
  const trace = saeResampleTraceRows([resampling], 1);
  assert.deepEqual(trace.map((r) => [r.event, r.after, r.rise]), [
    [10, 1, 0.25],
    [10, 2, 0],
    [20, 1, -0.25],
    [20, 2, 0.5],
  ]);
});
