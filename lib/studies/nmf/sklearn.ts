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
import {
  fitNmf,
  nmfData,
  type NmfInit,
  nmfInit,
  type NmfObjective,
  topSingularTriplets,
} from "./model.ts";

/** One scikit-learn run of the fixture. */
export interface SklearnNmfRun {
  /** "nndsvd-exact" / "nndsvda-exact" (sklearn's NNDSVD fed the exact SVD), "nndsvd", "random". */
  init: string;
  objective: NmfObjective;
  start: { W_sum: number; H_sum: number; W_zeros: number; H_zeros: number };
  /** [iteration, objective] pairs. */
  trajectory: [number, number][];
  final: Record<NmfObjective, number>;
  reconstruction_err: number;
}

/** The fixture file. */
export interface SklearnNmfFixture {
  sklearn: string;
  data: {
    limit: number;
    seed: number;
    n: number;
    d: number;
    sum: number;
    sum_sq: number;
  };
  rank: number;
  iterations: number;
  runs: SklearnNmfRun[];
  /** NNDSVD starts of a 6 × 5 matrix ("-exact": with numpy's exact SVD). */
  tiny:
    & { X: number[][]; rank: number }
    & Record<
      "nndsvd" | "nndsvda" | "nndsvd-exact",
      { W: number[][]; H: number[][] }
    >;
}

/** Reads data/reference/nmf_sklearn.json. */
export async function loadSklearnNmfFixture(): Promise<SklearnNmfFixture> {
  const url = new URL("../../../data/reference/nmf_sklearn.json", import.meta.url);
  return JSON.parse(await Deno.readTextFile(url)) as SklearnNmfFixture;
}

/** One point of the comparison. */
export interface SklearnComparisonRow {
  init: string;
  objective: NmfObjective;
  iteration: number;
  lab: number;
  sklearn: number;
  /** (lab − sklearn) / sklearn. */
  relative_difference: number;
}

/**
 * Repeats every run of the fixture with the lab's NMF and returns both
 * objectives at the fixture's checkpoints. A `-exact` init maps to the lab's
 * NNDSVD (which uses the exact SVD); `random` shares only the distribution
 * with numpy's draws.
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
