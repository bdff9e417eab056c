/**
 * The lab's NMF against scikit-learn's `solver="mu"`, from the fixture
 * data/reference/nmf_sklearn.json (written by scripts/reference/nmf_sklearn.py
 * on the lab's own MNIST subset): every fixture run is repeated here with the
 * same data, rank, initialisation and number of iterations, and the two
 * objective trajectories are put side by side.
 *
 * @module
 */
import { loadMnist } from "../../core/data/images.ts";
import { nmfData } from "./data.ts";
import { nmfInit, topSingularTriplets } from "./init.ts";
import type { NmfInit, NmfObjective } from "./model.ts";
import { fitNmf } from "./train.ts";

/**
 * One scikit-learn run of the fixture.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadSklearnNmfFixture, type SklearnNmfRun } from "../../mod.ts";
 * const run: SklearnNmfRun = (await loadSklearnNmfFixture()).runs[0];
 * assert.equal(run.trajectory[0][0], 0); // the first point is the start
 * ```
 */
export interface SklearnNmfRun {
  /** "nndsvd-exact" / "nndsvda-exact" (sklearn's NNDSVD fed the exact SVD), "nndsvd", "random". */
  init: string;
  /** The objective minimised (scikit-learn's `beta_loss`). */
  objective: NmfObjective;
  /** Sums and zero counts of the starting W and H. */
  start: { W_sum: number; H_sum: number; W_zeros: number; H_zeros: number };
  /** [iteration, objective] pairs. */
  trajectory: [number, number][];
  /** Both objectives at the final factors. */
  final: Record<NmfObjective, number>;
  /** scikit-learn's `reconstruction_err_`: √(2·divergence). */
  reconstruction_err: number;
}

/**
 * The fixture file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadSklearnNmfFixture, type SklearnNmfFixture } from "../../mod.ts";
 * const fixture: SklearnNmfFixture = await loadSklearnNmfFixture();
 * assert.equal(fixture.data.n, fixture.data.limit);
 * ```
 */
export interface SklearnNmfFixture {
  /** scikit-learn's version. */
  sklearn: string;
  /** The MNIST subset (loadMnist's `limit` and `seed`), its shape and two sums to check it by. */
  data: {
    limit: number;
    seed: number;
    n: number;
    d: number;
    sum: number;
    sum_sq: number;
  };
  /** Rank of every run. */
  rank: number;
  /** Iterations of every run. */
  iterations: number;
  /** The runs, one per start and objective. */
  runs: SklearnNmfRun[];
  /** NNDSVD starts of a 6 × 5 matrix ("-exact": with numpy's exact SVD). */
  tiny:
    & { X: number[][]; rank: number }
    & Record<
      "nndsvd" | "nndsvda" | "nndsvd-exact",
      { W: number[][]; H: number[][] }
    >;
}

/**
 * Reads data/reference/nmf_sklearn.json.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadSklearnNmfFixture } from "../../mod.ts";
 * const fixture = await loadSklearnNmfFixture();
 * assert.deepEqual([fixture.rank, fixture.iterations], [16, 200]);
 * ```
 */
export async function loadSklearnNmfFixture(): Promise<SklearnNmfFixture> {
  const url = new URL("../../../data/reference/nmf_sklearn.json", import.meta.url);
  return JSON.parse(await Deno.readTextFile(url)) as SklearnNmfFixture;
}

/**
 * One point of the comparison.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SklearnComparisonRow } from "../../mod.ts";
 * const row: SklearnComparisonRow = {
 *   init: "random", objective: "kl", iteration: 0, lab: 101, sklearn: 100, relative_difference: 0.01,
 * };
 * assert.equal(row.relative_difference, (row.lab - row.sklearn) / row.sklearn);
 * ```
 */
export interface SklearnComparisonRow {
  /** The fixture run's init. */
  init: string;
  /** The fixture run's objective. */
  objective: NmfObjective;
  /** Iterations done. */
  iteration: number;
  /** The lab's objective after them. */
  lab: number;
  /** scikit-learn's. */
  sklearn: number;
  /** (lab − sklearn) / sklearn. */
  relative_difference: number;
}

/**
 * Repeats every run of the fixture with the lab's NMF and returns both
 * objectives at the fixture's checkpoints. A `-exact` init maps to the lab's
 * NNDSVD (which uses the exact SVD); `random` shares only the distribution
 * with numpy's draws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadMnist, loadSklearnNmfFixture, nmfData, sklearnNmfComparison } from "../../mod.ts";
 * const fixture = await loadSklearnNmfFixture();
 * // A cut-down fixture (20 digits, rank 2, 3 iterations) to show the shape of the result.
 * const images = await loadMnist({ limit: 20, seed: fixture.data.seed });
 * const sum = nmfData(images.pixels, 20, 784).sum;
 * const run = { ...fixture.runs[0], trajectory: [[0, 1], [3, 1]] as [number, number][] };
 * const rows = await sklearnNmfComparison({
 *   ...fixture,
 *   data: { ...fixture.data, limit: 20, sum },
 *   rank: 2,
 *   iterations: 3,
 *   runs: [run],
 * });
 * assert.deepEqual(rows.map((r) => r.iteration), [0, 3]);
 * ```
 */
export async function sklearnNmfComparison(
  fixture: SklearnNmfFixture,
): Promise<SklearnComparisonRow[]> {
  const { limit, seed, d } = fixture.data;
  const images = await loadMnist({ limit, seed });
  const data = nmfData(images.pixels, images.count, d);
  if (Math.abs(data.sum - fixture.data.sum) > 1e-9 * fixture.data.sum) {
    throw new Error(
      `the MNIST subset differs from the fixture's (sum ${data.sum} vs ${fixture.data.sum})`,
    );
  }
  const svd = topSingularTriplets(data, fixture.rank);
  const rows: SklearnComparisonRow[] = [];
  for (const run of fixture.runs) {
    const init = run.init.replace("-exact", "") as NmfInit;
    const start = nmfInit(data, { rank: fixture.rank, init, seed: 0, svd });
    const fit = await fitNmf(data, start, {
      objective: run.objective,
      iterations: fixture.iterations,
    });
    for (const [iteration, value] of run.trajectory) {
      rows.push({
        init: run.init,
        objective: run.objective,
        iteration,
        lab: fit.history[iteration],
        sklearn: value,
        relative_difference: (fit.history[iteration] - value) / value,
      });
    }
  }
  return rows;
}
