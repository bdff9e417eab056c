/**
 * Cost against scale (`deno task bench --scale`): the time one toy model
 * y = ReLU(WᵀWx + b) (m = 2, identity data, Adam at lr 1e-3) costs per
 * training step, from 1 to 100,000 models trained together and for two
 * sizes n, for the lab and for PyTorch batched the same way
 * (scripts/reference/toy_scale_torch.py). Where the cost per model-step falls
 * as models are added, the run is paying fixed costs (per-step dispatch,
 * worker start-up, small tensors); where it levels off, it is paying for
 * arithmetic.
 *
 * Each point is one whole training call (initialisation, training, history
 * recorded as the experiments record it) after a short warm-up call in the
 * same process, on both sides, each on two threads (the lab: two workers when
 * there are at least two models; PyTorch: two BLAS/OpenMP threads).
 *
 * @module
 */
import { toySweep } from "./lab_toy.ts";
import { join } from "node:path";
import { renderFigure, type Spec } from "../../lib/core/plots/render.ts";

/** One point of the grid: models trained together, their n, and the steps timed. */
export interface ScalePoint {
  instances: number;
  n: number;
  steps: number;
}

/** One measured point. */
export interface ScaleRow extends ScalePoint {
  /** "lab" or the peer's name. */
  side: string;
  seconds: number;
  /** Microseconds per model and step: seconds / (instances · steps). */
  us_per_instance_step: number;
  /** Worker threads (lab) or BLAS threads (peer). */
  threads: number;
}

/**
 * The grid: instances 1 … 100,000 by decades, for n = 7 and n = 16, with
 * steps chosen so that every point does about the same arithmetic (the
 * model's cost grows as n²), at least 50 and at most 20,000 steps (`quick`:
 * up to 10,000 models, a twentieth of the work, 20 to 1,000 steps).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scaleGrid } from "./scale.ts";
 * const grid = scaleGrid(false);
 * assert.equal(grid.length, 12);
 * assert.deepEqual(grid[0], { instances: 1, n: 7, steps: 20000 });
 * assert.ok(grid.every((p) => p.steps >= 50 && p.steps <= 20000));
 * ```
 */
export function scaleGrid(quick: boolean): ScalePoint[] {
  // --quick (a smoke check) stops at 10,000 models and does a twentieth of the work.
  const work = quick ? 2e5 : 4e6; // model-steps at n = 7
  const sizes = quick ? [1, 10, 100, 1_000, 10_000] : [1, 10, 100, 1_000, 10_000, 100_000];
  const [least, most] = quick ? [20, 1_000] : [50, 20_000];
  const out: ScalePoint[] = [];
  for (const n of [7, 16]) {
    for (const instances of sizes) {
      const ideal = (work * (7 / n) ** 2) / instances;
      out.push({ instances, n, steps: Math.round(Math.min(most, Math.max(least, ideal))) });
    }
  }
  return out;
}

/** The lab's time for one point: the `toy-sweep-1k` row's run at this size (two workers). */
export async function labScalePoint(p: ScalePoint): Promise<ScaleRow> {
  const sizes = { instances: p.instances, n: p.n, m: 2, steps: p.steps, optimizer: "adam" };
  const { seconds, detail } = await toySweep(sizes, { workers: 2 });
  return {
    ...p,
    side: "lab",
    seconds,
    us_per_instance_step: (seconds * 1e6) / (p.instances * p.steps),
    threads: detail.workers as number,
  };
}

/** Runs the lab's side of every point after one warm-up call; `onRow` hears each. */
export async function labScale(
  grid: ScalePoint[],
  onRow: (row: ScaleRow) => void = () => {},
): Promise<ScaleRow[]> {
  await labScalePoint({ instances: 1_000, n: 7, steps: 300 }); // compile the kernels first
  const rows: ScaleRow[] = [];
  for (const p of grid) {
    const row = await labScalePoint(p);
    onRow(row);
    rows.push(row);
  }
  return rows;
}

/**
 * The figure: µs per model-step against models trained together, log-log,
 * one colour per side and one dash per n.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scaleSpec } from "./scale.ts";
 * const row = { instances: 10, n: 7, steps: 100, side: "lab", seconds: 1, us_per_instance_step: 1000, threads: 1 };
 * const spec = scaleSpec([row, { ...row, side: "PyTorch", us_per_instance_step: 3000 }]);
 * const x = (spec as { encoding: { x: { scale: { type: string } } } }).encoding.x;
 * assert.equal(x.scale.type, "log");
 * ```
 */
export function scaleSpec(rows: ScaleRow[], note = ""): Spec {
  const values = rows.map((r) => ({
    instances: r.instances,
    us: r.us_per_instance_step,
    side: r.side,
    n: `n = ${r.n}`,
    steps: r.steps,
    threads: r.threads,
    seconds: r.seconds,
  }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Cost of one toy model's training step against how many train together",
      subtitle: [
        "y = ReLU(WᵀWx + b), m = 2, identity data, Adam; whole training calls, history recorded",
        "falling: fixed costs per step dominate; flat: arithmetic; rising: the models' state " +
        "outgrows the caches" + note,
      ],
    },
    width: 520,
    height: 320,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: {
        field: "instances",
        type: "quantitative",
        scale: { type: "log" },
        title: "models trained together (instances)",
      },
      y: {
        field: "us",
        type: "quantitative",
        scale: { type: "log" },
        title: "µs per model and step",
      },
      color: { field: "side", type: "nominal", title: null },
      strokeDash: { field: "n", type: "nominal", title: null },
      shape: { field: "n", type: "nominal", title: null },
      tooltip: [
        { field: "side" },
        { field: "n" },
        { field: "instances", format: "," },
        { field: "steps", format: "," },
        { field: "threads" },
        { field: "seconds", format: ".2f" },
        { field: "us", title: "µs per model-step", format: ".3f" },
      ],
    },
  };
}

/**
 * Peer rows from the lines of scripts/reference/toy_scale_torch.py (one JSON
 * object per point; other lines are ignored).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { peerScaleRows } from "./scale.ts";
 * const rows = peerScaleRows('x\n{"instances": 10, "n": 7, "steps": 100, "seconds": 0.5, "threads": 2}\n', "PyTorch");
 * assert.equal(rows[0].us_per_instance_step, 500);
 * ```
 */
export function peerScaleRows(stdout: string, side: string): ScaleRow[] {
  const rows: ScaleRow[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const p = JSON.parse(line) as ScalePoint & { seconds: number; threads: number };
    rows.push({
      ...p,
      side,
      us_per_instance_step: (p.seconds * 1e6) / (p.instances * p.steps),
    });
  }
  return rows;
}

/**
 * The whole scale study: the lab's grid in this process, then PyTorch's with
 * `python` (skipped with a reason when null), the rows and figure written to
 * `OUT/bench_scale.{json,vl.json,svg,png}`.
 */
export async function runScale(
  options: { quick: boolean; python: string | null; outDir: string; say: (line: string) => void },
): Promise<{ rows: ScaleRow[]; peer: string }> {
  const grid = scaleGrid(options.quick);
  const show = (r: ScaleRow) =>
    options.say(
      `[scale] ${r.side} n=${r.n} ${
        r.instances.toLocaleString("en-US")
      } models × ${r.steps} steps: ` +
        `${r.seconds.toFixed(2)} s, ${r.us_per_instance_step.toFixed(3)} µs per model-step`,
    );
  const rows = await labScale(grid, show);
  let peer = "PyTorch";
  if (options.python) {
    const points = await Deno.makeTempFile({ suffix: ".json" });
    await Deno.writeTextFile(points, JSON.stringify(grid));
    const script = new URL("../reference/toy_scale_torch.py", import.meta.url).pathname;
    const { code, stdout, stderr } = await new Deno.Command(options.python, {
      args: [script, points],
      stdout: "piped",
      stderr: "piped",
    }).output();
    await Deno.remove(points);
    if (code !== 0) throw new Error(`toy_scale_torch.py: ${new TextDecoder().decode(stderr)}`);
    const peerRows = peerScaleRows(new TextDecoder().decode(stdout), peer);
    peerRows.forEach(show);
    rows.push(...peerRows);
  } else {
    peer = "";
    options.say("[scale] no Python with torch: the figure shows the lab only");
  }
  const spec = scaleSpec(rows, peer ? "" : " (PyTorch not measured: no Python with torch)");
  const { svg, png } = await renderFigure(spec);
  await Deno.mkdir(options.outDir, { recursive: true });
  const base = join(options.outDir, "bench_scale");
  await Deno.writeTextFile(`${base}.json`, JSON.stringify({ grid, rows }, null, 2) + "\n");
  await Deno.writeTextFile(`${base}.vl.json`, JSON.stringify(spec, null, 2) + "\n");
  await Deno.writeTextFile(`${base}.svg`, svg);
  await Deno.writeFile(`${base}.png`, png);
  options.say(`[scale] wrote ${base}.{json,vl.json,svg,png}`);
  return { rows, peer };
}
