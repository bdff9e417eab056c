/**
 * lib/studies/nmf/analysis.ts: the sparsity measures on vectors with known
 * values, and the rows the `nmf` experiment's tables are built from.
 */
import assert from "node:assert/strict";
import {
  errorRows,
  hoyerSparsity,
  meanMsPerIteration,
  nearZeroFraction,
  type NmfRunSummary,
  objectiveRows,
  rowSparsity,
  runRows,
  sparsityRows,
} from "../../../lib/studies/nmf/analysis.ts";

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

/** A fit's summary with a given objective, init and history. */
function run(
  objective: "frobenius" | "kl",
  init: "random" | "nndsvd",
  history: number[],
  extra: Partial<NmfRunSummary> = {},
): NmfRunSummary {
  return {
    objective,
    init,
    history: Float64Array.from(history),
    msPerIteration: 2,
    frobenius: 5,
    kl: 7,
    basis: { hoyer: 0.5, nearZero: 0.25 },
    codes: { hoyer: 0.75, nearZero: 0.125 },
    ...extra,
  };
}

Deno.test("objectiveRows() keeps every ⌈iterations/400⌉-th iteration and the last", () => {
  const iterations = 1000; // stride 3: 0, 3, …, 999, and 1000
  const rows = objectiveRows([run("kl", "random", Array.from({ length: 1001 }, (_, t) => t))], {
    iterations,
  });
  assert.equal(rows.length, 334 + 1);
  assert.deepEqual(rows.slice(0, 3).map((r) => r.iteration), [0, 3, 6]);
  assert.deepEqual(rows.slice(-2).map((r) => r.iteration), [999, 1000]);
  assert.ok(rows.every((r) => r.value === r.iteration && r.objective === "KL"));
  // Up to 400 iterations every one is kept.
  const all = objectiveRows([run("frobenius", "nndsvd", [3, 2, 1])], { iterations: 2 });
  assert.deepEqual(all.map((r) => [r.objective, r.init, r.iteration, r.value]), [
    ["Frobenius", "nndsvd", 0, 3],
    ["Frobenius", "nndsvd", 1, 2],
    ["Frobenius", "nndsvd", 2, 1],
  ]);
});

Deno.test("runRows() and errorRows() divide squared errors by ‖V‖², errors in a fixed order", () => {
  const runs = [run("frobenius", "random", [9, 6]), run("kl", "random", [8, 4], { frobenius: 6 })];
  const rows = runRows(runs, { iterations: 1, normSq: 20 });
  assert.deepEqual(rows.map((r) => [r.objective_start, r.objective_end, r.relative_error]), [
    [9, 6, 0.25],
    [8, 4, 0.3],
  ]);
  assert.deepEqual(Object.keys(rows[0]), [
    "objective",
    "init",
    "iterations",
    "objective_start",
    "objective_end",
    "frobenius_sq",
    "relative_error",
    "kl",
    "basis_hoyer",
    "basis_near_zero",
    "code_hoyer",
    "code_near_zero",
  ]);
  const errors = errorRows(runs, { rank: 3, normSq: 20, pcaSquaredError: 4, svdSquaredError: 2 });
  assert.deepEqual(errors.map((r) => [r.method, r.rank, r.squared_error, r.relative_error]), [
    ["NMF Frobenius (random)", 3, 5, 0.25],
    ["NMF KL (random)", 3, 6, 0.3],
    ["PCA (centred, + mean)", 3, 4, 0.2],
    ["truncated SVD (best rank r)", 3, 2, 0.1],
  ]);
});

Deno.test("sparsityRows() gives both measures of both factors per method, PCA last", () => {
  const pca = { basis: { hoyer: 0.1, nearZero: 0.2 }, codes: { hoyer: 0.3, nearZero: 0.4 } };
  const rows = sparsityRows([run("kl", "random", [1])], pca);
  assert.deepEqual(rows.map((r) => [r.method, r.factor, r.measure, r.value]), [
    ["NMF KL", "basis images", "Hoyer sparsity", 0.5],
    ["NMF KL", "basis images", "near-zero fraction", 0.25],
    ["NMF KL", "encodings", "Hoyer sparsity", 0.75],
    ["NMF KL", "encodings", "near-zero fraction", 0.125],
    ["PCA", "basis images", "Hoyer sparsity", 0.1],
    ["PCA", "basis images", "near-zero fraction", 0.2],
    ["PCA", "encodings", "Hoyer sparsity", 0.3],
    ["PCA", "encodings", "near-zero fraction", 0.4],
  ]);
});

Deno.test("meanMsPerIteration() averages the fits of one objective, null without any", () => {
  const runs = [
    run("kl", "random", [1], { msPerIteration: 1 }),
    run("kl", "nndsvd", [1], { msPerIteration: 4 }),
    run("frobenius", "random", [1], { msPerIteration: 9 }),
  ];
  assert.equal(meanMsPerIteration(runs, "kl"), 2.5);
  assert.equal(meanMsPerIteration(runs, "frobenius"), 9);
  assert.equal(meanMsPerIteration(runs.slice(0, 2), "frobenius"), null);
});
