/**
 * `nmf`: parts against wholes (Lee & Seung 1999; seed 002's last section).
 * Factorises MNIST digits, or the AT&T faces when `facesDir` is given, with
 * multiplicative updates for both objectives (Frobenius and generalised KL)
 * from each initialisation, and sets the result against PCA at the same
 * rank: basis images next to principal components, reconstructions, the
 * sparsity of bases and encodings, and the objective over iterations.
 *
 * @module
 */
import * as aq from "arquero";
import { type Images, loadFaces, loadMnist } from "../../../core/data/images.ts";
import { pcaCodes, pcaReconstruct, pcaSquaredError, pcaTop } from "../../../core/pca_top.ts";
import { rowSparsity } from "../analysis.ts";
import {
  NMF_INITS,
  NMF_OBJECTIVES,
  nmfBasis,
  nmfData,
  type NmfFactors,
  type NmfInit,
  nmfInit,
  type NmfObjective,
  nmfReconstruct,
  type SingularTriplets,
  topSingularTriplets,
} from "../model.ts";
import { imagePanelsSpec } from "../../../core/plots/images.ts";
import { type ObjectiveRow, objectiveSpec, type SparsityRow, sparsitySpec } from "../plots.ts";
import { MAX_SEED } from "../../../core/random.ts";
import { fitNmfJobs } from "../train.ts";
import {
  ConfigError,
  type Experiment,
  fusedMeta,
  listItems,
  runCheckpoint,
} from "../../../core/experiment.ts";

/** Config of `nmf`. */
export interface NmfExperimentConfig {
  [key: string]: number | string | boolean | null;
  /** MNIST digits to factorise (a seeded random subset of the 10,000 when fewer). */
  digits: number;
  /** Folder of the AT&T faces (s1/1.pgm … s40/10.pgm); "" = use MNIST. */
  facesDir: string;
  faceSubjects: number;
  facesPerSubject: number;
  /** Number of components r. */
  rank: number;
  iterations: number;
  /** Comma-separated objectives; each runs from each init. */
  objectives: string;
  /** Comma-separated inits; the first one's factors are drawn and measured. */
  inits: string;
  seed: number;
  /** Iterations between checkpoints (when the run has a checkpoint folder). */
  checkpointEvery: number;
}

/** One fit's numbers. */
export interface NmfRunSummary {
  objective: NmfObjective;
  init: NmfInit;
  /** Objective after t iterations, t = 0 … iterations. */
  history: Float64Array;
  msPerIteration: number;
  /** ‖V − WH‖²_F and D(V‖WH) at the end. */
  frobenius: number;
  kl: number;
  basis: { hoyer: number; nearZero: number };
  codes: { hoyer: number; nearZero: number };
}

/** What `nmf` returns. */
export interface NmfExperimentResult {
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
  runs: NmfRunSummary[];
  /** Basis images `[rank, d]` of the first init's fit, per objective. */
  bases: { objective: NmfObjective; images: Float64Array }[];
  /** Images shown in the reconstruction figure (indices into the data). */
  shownRows: number[];
  originals: Float64Array;
  reconstructions: { objective: NmfObjective; images: Float64Array }[];
  pca: {
    components: Float64Array;
    reconstructions: Float64Array;
    squaredError: number;
    basis: { hoyer: number; nearZero: number };
    codes: { hoyer: number; nearZero: number };
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
    if (err instanceof RangeError) throw new ConfigError(err.message);
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

function describe(c: NmfExperimentConfig, r: NmfExperimentResult): string {
  const what = r.dataset.kind === "mnist"
    ? `${r.dataset.count.toLocaleString("en-US")} MNIST digits`
    : `${r.dataset.count} AT&T faces`;
  return `${what}, rank ${c.rank}, ${c.iterations} iterations`;
}

const LABEL: Record<NmfObjective, string> = { frobenius: "Frobenius", kl: "KL" };

/** The `nmf` experiment (registered for `deno task reproduce --only nmf`). */
export const nmf: Experiment<NmfExperimentConfig, NmfExperimentResult> = {
  id: "nmf",
  title: "NMF: parts against wholes",
  description:
    "Factorises images as V ≈ WH with nonnegative W and H by Lee & Seung's multiplicative updates " +
    "(Frobenius and generalised KL objectives, random and NNDSVD starts) and sets the basis images " +
    "against PCA's components at the same rank, with reconstructions, the sparsity of bases and " +
    "encodings, and the objective over iterations (Lee & Seung 1999; seed 002). MNIST by default, " +
    "the AT&T faces with --set facesDir=PATH.",
  defaults: {
    digits: 10_000,
    facesDir: "",
    faceSubjects: 40,
    facesPerSubject: 10,
    rank: 49,
    iterations: 100,
    objectives: "frobenius,kl",
    inits: "random,nndsvd",
    seed: 0,
    checkpointEvery: 50,
  },
  fields: {
    digits: { type: "int", min: 1, max: 10_000, doc: "MNIST digits (seeded subset when < 10,000)" },
    facesDir: {
      type: "string",
      doc: "folder of AT&T faces s1/1.pgm … s40/10.pgm (empty: MNIST)",
    },
    faceSubjects: { type: "int", min: 1, max: 40, doc: "faces: subjects s1 … sN to read" },
    facesPerSubject: { type: "int", min: 1, max: 10, doc: "faces: images 1 … N per subject" },
    rank: { type: "int", min: 1, max: 1000, doc: "number of components r" },
    iterations: { type: "int", min: 1, max: 1_000_000, doc: "multiplicative-update iterations" },
    objectives: {
      type: "list",
      values: NMF_OBJECTIVES,
      doc: "objectives to minimise (each from each init)",
    },
    inits: {
      type: "list",
      values: NMF_INITS,
      doc: "initialisations (the first one's factors are drawn)",
    },
    seed: { type: "int", min: 0, max: MAX_SEED, doc: "seed of the digit subset and random init" },
    checkpointEvery: {
      type: "int",
      min: 1,
      doc: "iterations between checkpoints (with a checkpoint folder)",
    },
  },
  profiles: {
    smoke: { digits: 500, rank: 16, iterations: 30 },
    quick: {},
    full: { iterations: 1000 },
  },
  validate(c) {
    for (const key of ["objectives", "inits"] as const) {
      const items = listItems(c[key]);
      const twice = items.find((x, k) => items.indexOf(x) !== k);
      if (twice) throw new ConfigError(`${key}=${c[key]} is not allowed: ${twice} is listed twice`);
    }
    if (c.facesDir) checkFacesDir(c.facesDir, c);
    checkRank(c, imageCount(c), c.facesDir ? null : 784);
  },
  async run(c, options) {
    const started = performance.now();
    const images = await loadImages(c);
    const n = images.count;
    const d = images.width * images.height;
    checkRank(c, n, d);
    const data = nmfData(images.pixels, n, d);
    const objectives = parseList<NmfObjective>(c.objectives);
    const inits = parseList<NmfInit>(c.inits);
    await options.onProgress?.({ fraction: 0, message: `${n} images of ${d} pixels loaded` });

    // The exact leading singular triplets: NNDSVD's input and the rank-r optimum.
    const svd: SingularTriplets = topSingularTriplets(data, Math.min(c.rank, n, d));
    let kept = 0;
    for (const s of svd.s) kept += s * s;
    const svdSquaredError = Math.max(0, data.sumSq - kept);
    const starts = new Map<NmfInit, NmfFactors>(
      inits.map((init) => [init, nmfInit(data, { rank: c.rank, init, seed: c.seed, svd })]),
    );
    const jobs = inits.flatMap((init) =>
      objectives.map((objective) => ({
        init,
        objective,
        start: starts.get(init)!,
        iterations: c.iterations,
      }))
    );
    let prepMs = performance.now() - started;

    const fitting = fitNmfJobs(data, jobs, {
      workers: options.workers,
      signal: options.signal,
      checkpoint: runCheckpoint(options, { name: "nmf", every: c.checkpointEvery }),
      onProgress: (done, total) =>
        options.onProgress?.({
          fraction: done / total,
          message: `NMF ${jobs.length} fits: ${done}/${total} iterations`,
          step: done,
          steps: total,
        }),
    });
    // PCA runs on this thread while workers (if any) fit.
    const pcaStarted = performance.now();
    const pcaK = Math.min(c.rank, n, d);
    const p = pcaTop(images.pixels, n, d, pcaK);
    const allRows = Array.from({ length: n }, (_, i) => i);
    const pcaAllCodes = pcaCodes(p, images.pixels, allRows);
    const shownRows = pickShown(images);
    const pcaShown = pcaReconstruct(p, pcaCodes(p, images.pixels, shownRows));
    prepMs += performance.now() - pcaStarted;
    const { fits, workers } = await fitting;

    const runs: NmfRunSummary[] = jobs.map((job, k) => {
      const f = fits[k].factors;
      return {
        objective: job.objective,
        init: job.init,
        history: fits[k].history,
        msPerIteration: fits[k].msPerIteration,
        frobenius: fits[k].final.frobenius,
        kl: fits[k].final.kl,
        basis: rowSparsity(nmfBasis(f), f.r, d),
        codes: rowSparsity(f.W, n, f.r),
      };
    });
    const shownJobs = jobs.map((j, k) => ({ ...j, k })).filter((j) => j.init === inits[0]);
    const originals = new Float64Array(shownRows.length * d);
    shownRows.forEach((i, row) =>
      originals.set(images.pixels.subarray(i * d, (i + 1) * d), row * d)
    );
    const elapsedMs = performance.now() - started;
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
      runs,
      bases: shownJobs.map((j) => ({
        objective: j.objective,
        images: nmfBasis(fits[j.k].factors),
      })),
      shownRows,
      originals,
      reconstructions: shownJobs.map((j) => ({
        objective: j.objective,
        images: nmfReconstruct(fits[j.k].factors, shownRows),
      })),
      pca: {
        components: p.components,
        reconstructions: pcaShown,
        squaredError: pcaSquaredError(p),
        basis: rowSparsity(p.components, pcaK, d),
        codes: rowSparsity(pcaAllCodes, n, pcaK),
      },
      svdSquaredError,
      prepMs,
      meta: fusedMeta({ workers, elapsedMs }),
    };
  },
  artefacts(r, c) {
    const setting = describe(c, r);
    const inits = parseList<NmfInit>(c.inits);
    const { width, height, normSq } = r.dataset;
    const shownInit = inits[0];
    const rel = (x: number) => x / normSq;

    const runRows = r.runs.map((run) => ({
      objective: run.objective,
      init: run.init,
      iterations: c.iterations,
      objective_start: run.history[0],
      objective_end: run.history[run.history.length - 1],
      frobenius_sq: run.frobenius,
      relative_error: rel(run.frobenius),
      kl: run.kl,
      ms_per_iteration: run.msPerIteration,
      basis_hoyer: run.basis.hoyer,
      basis_near_zero: run.basis.nearZero,
      code_hoyer: run.codes.hoyer,
      code_near_zero: run.codes.nearZero,
    }));
    const stride = Math.max(1, Math.ceil(c.iterations / 400));
    const objectiveRows: ObjectiveRow[] = r.runs.flatMap((run) =>
      Array.from(run.history, (value, t) => ({
        objective: LABEL[run.objective],
        init: run.init,
        iteration: t,
        value,
      })).filter((row) => row.iteration % stride === 0 || row.iteration === c.iterations)
    );
    const shownRuns = r.runs.filter((run) => run.init === shownInit);
    const sparsityRows: SparsityRow[] = [
      ...shownRuns.map((run) => ({
        method: `NMF ${LABEL[run.objective]}`,
        basis: run.basis,
        codes: run.codes,
      })),
      { method: "PCA", basis: r.pca.basis, codes: r.pca.codes },
    ].flatMap((m) =>
      ([["basis images", m.basis], ["encodings", m.codes]] as const).flatMap(([factor, s]) => [
        { method: m.method, factor, measure: "Hoyer sparsity", value: s.hoyer },
        { method: m.method, factor, measure: "near-zero fraction", value: s.nearZero },
      ])
    );
    const errorRows = [
      ...shownRuns.map((run) => ({
        method: `NMF ${LABEL[run.objective]} (${run.init})`,
        rank: c.rank,
        squared_error: run.frobenius,
        relative_error: rel(run.frobenius),
      })),
      {
        method: "PCA (centred, + mean)",
        rank: c.rank,
        squared_error: r.pca.squaredError,
        relative_error: rel(r.pca.squaredError),
      },
      {
        method: "truncated SVD (best rank r)",
        rank: c.rank,
        squared_error: r.svdSquaredError,
        relative_error: rel(r.svdSquaredError),
      },
    ];
    const msBy = (o: NmfObjective) => {
      const ms = r.runs.filter((run) => run.objective === o).map((run) => run.msPerIteration);
      return ms.length ? ms.reduce((s, x) => s + x, 0) / ms.length : null;
    };
    const columns = Math.ceil(Math.sqrt(c.rank));
    const pcaCount = r.pca.components.length / (width * height);
    const shownCount = r.shownRows.length;
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const first = (o: NmfObjective) => shownRuns.find((run) => run.objective === o);
    return {
      summary: {
        setting,
        dataset: r.dataset.kind,
        images: r.dataset.count,
        pixels: width * height,
        density: r.dataset.density,
        rank: c.rank,
        iterations: c.iterations,
        ms_per_iteration_frobenius: msBy("frobenius"),
        ms_per_iteration_kl: msBy("kl"),
        prep_seconds: r.prepMs / 1000,
        relative_error_pca: rel(r.pca.squaredError),
        relative_error_svd: rel(r.svdSquaredError),
        runs: runRows.map((row) => ({
          objective: row.objective,
          init: row.init,
          relative_error: row.relative_error,
          kl: row.kl,
          basis_hoyer: row.basis_hoyer,
          code_hoyer: row.code_hoyer,
        })),
        pca_basis_hoyer: r.pca.basis.hoyer,
        pca_code_hoyer: r.pca.codes.hoyer,
      },
      tables: {
        runs: aq.from(runRows),
        errors: aq.from(errorRows),
        sparsity: aq.from(sparsityRows),
        objective: aq.from(objectiveRows),
      },
      figures: {
        bases: imagePanelsSpec(
          [
            ...r.bases.map((b) => ({
              title: `NMF, ${LABEL[b.objective]} (${shownInit} init)`,
              images: b.images,
              count: c.rank,
            })),
            {
              title: "PCA components",
              images: r.pca.components,
              count: pcaCount,
              signed: true,
            },
          ],
          {
            width,
            height,
            columns,
            title: `Parts against wholes: NMF basis images and PCA components (${setting})`,
            subtitle:
              "each image scaled to its own largest magnitude; NMF: white 0 → black max; PCA: blue < 0 < red",
          },
        ),
        reconstructions: imagePanelsSpec(
          [
            { title: "originals", images: r.originals, count: shownCount, normalize: "none" },
            ...r.reconstructions.map((rec) => ({
              title: `NMF, ${LABEL[rec.objective]} (rank ${c.rank})`,
              images: rec.images,
              count: shownCount,
              normalize: "none" as const,
            })),
            {
              title: `PCA (rank ${c.rank}, + mean)`,
              images: r.pca.reconstructions,
              count: shownCount,
              normalize: "none" as const,
            },
          ],
          {
            width,
            height,
            columns: shownCount,
            direction: "column",
            maxSide: 640,
            title: `Reconstructions at the same rank (${setting})`,
            subtitle: "grey levels as they are, clamped to [0, 1]",
          },
        ),
        sparsity: sparsitySpec(sparsityRows, {
          title: `Sparsity of basis images and encodings (${setting})`,
          subtitle:
            "Hoyer: 0 = all entries equal, 1 = one entry; near zero: |x| ≤ 1% of the row's max",
        }),
        objective: objectiveSpec(objectiveRows, {
          title: `Objective over iterations (${setting})`,
          subtitle: "‖V − WH‖²_F and D(V‖WH); multiplicative updates never increase them",
        }),
      },
      notes: [
        `${setting}; ${pct(r.dataset.density)} of the pixels are nonzero. ` +
        `Time per iteration: Frobenius ${msBy("frobenius")?.toFixed(1) ?? "–"} ms, KL ${
          msBy("kl")?.toFixed(1) ?? "–"
        } ms (float64, one thread per fit).`,
        `Squared error relative to ‖V‖²: ${
          shownRuns.map((run) => `NMF ${LABEL[run.objective]} ${pct(rel(run.frobenius))}`).join(
            ", ",
          )
        }, PCA ${pct(rel(r.pca.squaredError))}, best rank-${c.rank} SVD ${
          pct(rel(r.svdSquaredError))
        }.`,
        `Hoyer sparsity of the basis images: ${
          shownRuns.map((run) => `NMF ${LABEL[run.objective]} ${run.basis.hoyer.toFixed(2)}`).join(
            ", ",
          )
        }, PCA ${r.pca.basis.hoyer.toFixed(2)}; of the encodings: ${
          first("frobenius") ? `NMF Frobenius ${first("frobenius")!.codes.hoyer.toFixed(2)}, ` : ""
        }PCA ${r.pca.codes.hoyer.toFixed(2)}.`,
      ],
    };
  },
};
