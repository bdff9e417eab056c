/** Shallow autoencoders against PCA: levels, gaps and rows (lib/studies/shallow_ae/analysis.ts). */
import assert from "node:assert/strict";
import {
  captureRows,
  levelsReached,
  meanCurves,
  normRows,
  overlapRows,
  pcaGap,
  projectionLevels,
  runsTableRows,
  settingsTableRows,
  settingsWithVerdict,
  type ShallowAeOutcome,
  type ShallowAeSettingRow,
  shownDiverged,
} from "../../../lib/studies/shallow_ae/analysis.ts";
import { spikedGaussian } from "../../../lib/studies/shallow_ae/data.ts";
import { initShallowAe, parseSetting } from "../../../lib/studies/shallow_ae/model.ts";
import type {
  ShallowAeInstance,
  ShallowAeTrainResult,
} from "../../../lib/studies/shallow_ae/train.ts";
import { pcaLevels } from "../../../lib/core/pca.ts";
import { Rng } from "../../../lib/core/random.ts";

Deno.test("projectionLevels() on many samples approaches the population pcaLevels()", () => {
  const src = spikedGaussian({ dim: 16, spikes: [8, 4], noise: 1, seed: 2 });
  const levels = pcaLevels(src.variances, 2);
  assert.deepEqual(
    levels.map((v) => +v.toFixed(12)),
    [26 / 16, 18 / 16, 14 / 16].map((v) => +v.toFixed(12)),
  );
  const N = 40_000;
  const rows = new Float64Array(N * 16);
  const rng = new Rng(9);
  const x = new Float64Array(16);
  for (let n = 0; n < N; n++) {
    src.sample(rng, x);
    rows.set(x, n * 16);
  }
  const held = projectionLevels(src.components, 2, rows, N, 16);
  held.forEach((v, k) =>
    assert.ok(Math.abs(v / levels[k] - 1) < 0.02, `level ${k}: ${v} vs ${levels[k]}`)
  );
});

Deno.test("levelsReached() and pcaGap() follow their definitions", () => {
  const levels = [1.6, 1.3, 1.1, 1.0];
  assert.equal(levelsReached(1.0, levels, 0.05), 3);
  assert.equal(levelsReached(1.004, levels, 0.05), 3); // within 5% of the last gain (0.1)
  assert.equal(levelsReached(1.006, levels, 0.05), 2);
  assert.equal(levelsReached(1.2, levels, 0.05), 1);
  assert.equal(levelsReached(1.5, levels, 0.05), 0);
  assert.equal(levelsReached(NaN, levels, 0.05), 0);
  assert.ok(Math.abs(pcaGap(1.05, levels) - 0.5) < 1e-12);
  assert.equal(pcaGap(1.1, levels), 1);
});

/**
 * A hand-made run: two settings × two seeds, K = 2 units, R = 1 component,
 * three records; every recorded array counts up from `base` so that a row
 * can be traced to its index.
 */
function handMadeRun(): ShallowAeTrainResult {
  const K = 2;
  const records = 3;
  const inst = (label: string, seedIndex: number, error: number[]): ShallowAeInstance => {
    const setting = parseSetting(label)!;
    const base = 100 * seedIndex;
    const count = (n: number) => Float64Array.from({ length: n }, (_, i) => base + i);
    const overlap = count(records * K).map((v) => v / 1000); // [records, K, R]
    overlap[1] = NaN; // record 0, unit 2: not drawn
    return {
      setting,
      seedIndex,
      params: initShallowAe(setting, 3, K, new Rng(0)),
      divergedAt: null,
      error: Float64Array.from(error),
      overlap,
      captured: count(records), // [records, R]
      decoderCaptured: count(records), // [records, R]
      encoderNorm: count(records * K), // [records, K]
      decoderNorm: count(records * K).map((v) => -v), // [records, K]
    };
  };
  return {
    config: {
      settings: [parseSetting("linear-untied-none")!, parseSetting("erf-tied-both")!],
      seeds: 2,
      seed: 0,
      units: K,
      steps: 100,
      lr: 0.05,
      initScale: 1,
      records,
      smoothing: 10,
      divergeAbove: 1e6,
    },
    recordSteps: [1, 10, 100],
    instances: [
      inst("linear-untied-none", 0, [1, 2, NaN]),
      inst("linear-untied-none", 1, [3, NaN, NaN]),
      inst("erf-tied-both", 0, [5, 5, 5]),
      inst("erf-tied-both", 1, [7, 7, 7]),
    ],
    elapsedMs: 0,
  };
}

Deno.test("meanCurves() averages each setting's finite errors over seeds and skips records with none", () => {
  const rows = meanCurves(handMadeRun(), { curve: (s) => s.weights, panel: (s) => s.activation });
  assert.deepEqual(rows, [
    { step: 1, error: 2, curve: "untied", panel: "linear" },
    { step: 10, error: 2, curve: "untied", panel: "linear" },
    { step: 1, error: 6, curve: "tied", panel: "erf" },
    { step: 10, error: 6, curve: "tied", panel: "erf" },
    { step: 100, error: 6, curve: "tied", panel: "erf" },
  ]);
});

Deno.test("meanCurves() leaves a diverged seed out, and seed-0 curves stop where it diverged", () => {
  const run = handMadeRun();
  run.instances[3].divergedAt = 50; // erf seed 1: its errors (7) must not reach the mean
  run.instances[2].divergedAt = 10; // erf seed 0, the one drawn: records from step 10 on go
  const rows = meanCurves(run, { curve: (s) => s.weights, panel: (s) => s.activation });
  assert.deepEqual(rows.filter((r) => r.panel === "erf"), []);
  run.instances[2].divergedAt = null;
  const kept = meanCurves(run, { curve: (s) => s.weights, panel: (s) => s.activation });
  assert.deepEqual(kept.filter((r) => r.panel === "erf").map((r) => r.error), [5, 5, 5]);
  run.instances[2].divergedAt = 10;
  assert.deepEqual(captureRows(run, ["erf-tied-both"]).map((r) => r.step), [1]);
  assert.deepEqual([...new Set(normRows(run, ["erf-tied-both"]).map((r) => r.step))], [1]);
  assert.equal(shownDiverged(run, ["erf-tied-both", "linear-untied-none"]), 1);
});

Deno.test("captureRows(), overlapRows() and normRows() draw seed 0 of the shown settings, indexed [records, K, R]", () => {
  const run = handMadeRun();
  const shown = ["erf-tied-both"];
  const capture = captureRows(run, shown);
  assert.deepEqual(capture.map((r) => [r.setting, r.step, r.component, r.share]), [
    ["erf-tied-both", 1, 1, 0],
    ["erf-tied-both", 10, 1, 1],
    ["erf-tied-both", 100, 1, 2],
  ]);
  const overlap = overlapRows(run, shown);
  assert.equal(overlap.length, 3 * 2 - 1); // the NaN overlap is left out
  const at = overlap.find((r) => r.step === 10 && r.unit === 2)!;
  assert.equal(at.overlap, 3 / 1000); // (record 1 · K + unit 1) · R + 0
  const norms = normRows(run, shown);
  assert.equal(norms.length, 3 * 2 * 2); // records × units × (encoder, decoder)
  const last = norms.filter((r) => r.step === 100 && r.unit === 2);
  assert.deepEqual(last.map((r) => [r.which, r.norm]), [["‖wₖ‖/√D", 5], ["‖vₖ‖", -5]]);
  assert.deepEqual(captureRows(run, ["relu-tied-none"]), []);
});

Deno.test("settingsTableRows() and runsTableRows() write counts, level ranges and missing steps", () => {
  const row: ShallowAeSettingRow = {
    setting: "erf-tied-none",
    activation: "erf",
    weights: "tied",
    bias: "none",
    seeds: 3,
    reached: 1,
    diverged: 0,
    verdict: "sometimes",
    meanError: 0.7,
    pcaError: 0.6,
    medianGap: 0.4,
    minLevels: 2,
    maxLevels: 3,
    levelSteps: [10.4, 200, null],
  };
  const [table] = settingsTableRows([row, { ...row, minLevels: 3 }]);
  assert.equal(table.reached, "1/3");
  assert.equal(table.levels, "2–3");
  assert.equal(table.steps_to_levels, "10 / 200 / –");
  assert.equal(settingsTableRows([{ ...row, minLevels: 3 }])[0].levels, "3");
  assert.deepEqual(
    settingsWithVerdict([row, { ...row, setting: "x", verdict: "diverged" }], "diverged"),
    [
      "x",
    ],
  );
  const outcome: ShallowAeOutcome = {
    setting: "erf-tied-none",
    activation: "erf",
    weights: "tied",
    bias: "none",
    seed: 1,
    error: 0.7,
    pcaError: 0.6,
    gap: 0.4,
    levels: 2,
    reached: false,
    divergedAt: null,
    levelSteps: [10, null],
  };
  const [run] = runsTableRows([outcome]);
  assert.equal(run.level_steps, "10 / –");
  assert.equal(run.diverged_at, null);
});
