/**
 * The bench's rows and secondary checks, one entry each: its id, what it is,
 * who the peer is and what Python modules it needs, its sizes (quick and
 * full, from `sizes.json`, which the peer script reads too), how many repeats
 * it gets by default, and the lab function that runs it (loaded only by the
 * child process that needs it).
 *
 * @module
 */
import SIZES from "./sizes.json" with { type: "json" };
import type { LabOptions, LabOutcome, Sizes } from "./lab_common.ts";

/** One row of the bench: the lab and its peer doing the same work. */
export interface Workload {
  /** Row id; also the peer script's subcommand. */
  id: string;
  /** What the row measures, in words. */
  title: string;
  /** The peer, as the table names it. */
  peer: string;
  /** Python modules the peer imports (the interpreter must have them). */
  peerModules: string[];
  /** Repeats of a full run (lab and peer alternating); `--repeats` overrides. */
  repeats: number;
  /** Writes what the peer needs into a folder, before anything is timed (`--prepare`). */
  prepare?: (sizes: Sizes, dir: string) => Promise<void>;
  /** Sizes of `--quick` and of a full run. */
  sizes: { quick: Sizes; full: Sizes };
  /** The lab's side. */
  lab: (sizes: Sizes, options: LabOptions) => Promise<LabOutcome>;
}

/** A secondary check: lab only, printed apart from the table. */
export interface Check {
  /** Check id (selectable with `--only`). */
  id: string;
  /** What it measures. */
  title: string;
  /** The row whose sizes it runs at. */
  sizesOf: string;
  /** Runs the check (it repeats inside one process). */
  run: (sizes: Sizes, repeats: number) => Promise<LabOutcome>;
}

const sizes = SIZES as Record<string, { quick: Sizes; full: Sizes }>;

const toy = () => import("./lab_toy.ts");
const studies = () => import("./lab_studies.ts");
const nmfLab = () => import("./lab_nmf.ts");

/**
 * The rows, in table order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WORKLOADS } from "./workloads.ts";
 * assert.deepEqual(WORKLOADS.map((w) => w.id), [
 *   "toy-sweep-1k", "toy-sweep-10k", "step-ae", "sae-topk-auxk", "shallow-ae-sgd", "nmf", "pca",
 * ]);
 * assert.equal(WORKLOADS[0].sizes.full.steps, 10_000);
 * ```
 */
export const WORKLOADS: Workload[] = [
  {
    id: "toy-sweep-1k",
    title: "1,024 toy models (n=7, m=2), Adam, 10,000 steps, history recorded; 2 workers",
    peer: "PyTorch",
    peerModules: ["torch"],
    repeats: 3,
    sizes: sizes["toy-sweep-1k"],
    lab: async (s, o) => (await toy()).toySweep(s, o),
  },
  {
    id: "toy-sweep-10k",
    title: "toy-seed-sweep, 10,000 seeds x 5,000 AdamW steps: training, analysis, figure specs",
    peer: "PyTorch",
    peerModules: ["torch"],
    repeats: 2,
    sizes: sizes["toy-sweep-10k"],
    lab: async (s) => (await toy()).toySeedSweep10k(s),
  },
  {
    id: "step-ae",
    title: "step-function autoencoder, n=129, RMSprop, full batch, 20,000 epochs",
    peer: "PyTorch",
    peerModules: ["torch"],
    repeats: 3,
    sizes: sizes["step-ae"],
    lab: async (s) => (await studies()).stepAeRun(s),
  },
  {
    id: "sae-topk-auxk",
    title: "top-k + AuxK SAE, d=64, 256 latents, k=4, batch 256, Adam, 2,000 steps",
    peer: "PyTorch",
    peerModules: ["torch"],
    repeats: 3,
    sizes: sizes["sae-topk-auxk"],
    lab: async (s) => (await studies()).saeRun(s),
  },
  {
    id: "shallow-ae-sgd",
    title: "shallow autoencoders, spiked grid of 48 instances, online SGD, 30,000 steps",
    peer: "PyTorch",
    peerModules: ["torch"],
    repeats: 3,
    sizes: sizes["shallow-ae-sgd"],
    lab: async (s) => (await studies()).shallowAeRun(s),
  },
  {
    id: "nmf",
    title: "NMF job, 10,000 MNIST digits, rank 49, 4 fits x 100 MU iterations, with figures",
    peer: "scikit-learn",
    peerModules: ["sklearn", "matplotlib"],
    repeats: 1,
    prepare: async (s, dir) => (await nmfLab()).prepareNmf(s, dir),
    sizes: sizes["nmf"],
    lab: async (s, o) => (await nmfLab()).nmfJob(s, o),
  },
  {
    id: "pca",
    title: "PCA of 10,000 MNIST digits' covariance, top 49 components",
    peer: "numpy",
    peerModules: ["numpy", "sklearn"],
    // A fifth of a second each side, which moves by ±15% from one process to the next: seven
    // pairs (about 30 s) give a median that a single slow process cannot move.
    repeats: 7,
    sizes: sizes["pca"],
    lab: async (s) => (await studies()).pcaRun(s),
  },
];

/**
 * The secondary checks, after the table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CHECKS } from "./workloads.ts";
 * assert.deepEqual(CHECKS.map((c) => c.id), ["worker-speedup", "resampling-overhead"]);
 * ```
 */
export const CHECKS: Check[] = [
  {
    id: "worker-speedup",
    title: "the 1,024-instance sweep on 2 workers against 1",
    sizesOf: "toy-sweep-1k",
    run: async (s, k) => (await toy()).workerSpeedup(s, k),
  },
  {
    id: "resampling-overhead",
    title: "what resampling adds to the 1,024-instance sweep, 1 worker (issue 10: under 10%)",
    sizesOf: "toy-sweep-1k",
    run: async (s, k) => (await toy()).resamplingOverhead(s, k),
  },
];

/**
 * The rows and checks `--only` names, in their own order; an unknown id is a
 * one-line RangeError listing the known ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectIds } from "./workloads.ts";
 * assert.equal(selectIds(undefined).workloads.length, 7);
 * const picked = selectIds("pca,step-ae,worker-speedup");
 * assert.deepEqual(picked.workloads.map((w) => w.id), ["step-ae", "pca"]);
 * assert.deepEqual(picked.checks.map((c) => c.id), ["worker-speedup"]);
 * assert.throws(() => selectIds("pca,fft"), /unknown workload "fft"; known: toy-sweep-1k, /);
 * ```
 */
export function selectIds(only: string | undefined): { workloads: Workload[]; checks: Check[] } {
  if (only === undefined) return { workloads: WORKLOADS, checks: CHECKS };
  const ids = only.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const known = [...WORKLOADS.map((w) => w.id), ...CHECKS.map((c) => c.id)];
  const bad = ids.find((id) => !known.includes(id));
  if (bad !== undefined || ids.length === 0) {
    throw new RangeError(
      `--only: unknown workload ${JSON.stringify(bad ?? only)}; known: ${known.join(", ")}`,
    );
  }
  return {
    workloads: WORKLOADS.filter((w) => ids.includes(w.id)),
    checks: CHECKS.filter((c) => ids.includes(c.id)),
  };
}
