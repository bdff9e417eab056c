/**
 * `deno task bench`: every study beside its peer, measured in the same run.
 *
 *   deno task bench [--quick] [--only ID,…] [--repeats K] [--save-peers] [--help]
 *   deno task bench --scale [--quick]
 *
 * For each workload of `scripts/bench/workloads.ts` the lab and its peer
 * (PyTorch, scikit-learn or numpy, `scripts/reference/bench_peers.py`) do
 * the same work, each in a process of its own (`scripts/bench/child.ts` for
 * the lab), lab and peer alternating, K repeats each; the median seconds are
 * compared. Each child times its own work from after its imports, with no
 * warm-up run on either side, and reports its peak memory (VmHWM /
 * ru_maxrss); the parent adds each process's wall time and how busy the rest
 * of the machine was meanwhile. The table goes to stdout and everything to
 * `out/bench.json` (`rows: [{workload, lab_s, peer, peer_s, ratio,
 * peer_measured_now, lab_peak_mb, peer_peak_mb, …}]`).
 *
 * The peers run with the first of `LAB_PYTHON`, `/usr/bin/python3` and
 * `python3` that has their library; with none, a row takes the committed
 * numbers of `data/reference/bench_peers.json` (`--save-peers` writes this
 * run's) and says so (`peer_measured_now: false`).
 *
 * Target: ratio = lab s / peer s below 1 on every row. Exit code 1 when a
 * row is at or above it, a side fails, or resampling adds 10% or more to the
 * sweep (a secondary check, with the 1-vs-2-worker speed-up); `--quick`
 * shrinks every workload to a smoke check of the bench (about two minutes)
 * and fails only when something breaks. A bad flag or unknown workload is
 * one line and exit code 2.
 *
 * `--scale` runs only the cost-against-scale study of `scripts/bench/scale.ts`
 * (µs per toy-model step from 1 to 100,000 models, lab and PyTorch) and
 * writes `out/bench_scale.{json,vl.json,svg,png}`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHECKS, selectIds, type Workload, WORKLOADS } from "./bench/workloads.ts";
import { type BenchRow, benchTable, buildRow, type ChildRun } from "./bench/report.ts";
import {
  fallbackFor,
  findPython,
  mergePeerNumbers,
  type PeerNumbers,
  readPeerNumbers,
} from "./bench/python.ts";
import { runChild } from "./bench/spawn.ts";
import type { PeerFallback } from "./bench/report.ts";

const USAGE = `Usage: deno task bench [options]

Runs each workload on the lab and on its peer (PyTorch, scikit-learn, numpy),
each in its own process, alternating, and prints lab s / peer s (target: < 1).
Writes out/bench.json. Exit code 1 when a row misses the target or fails.

Workloads: ${WORKLOADS.map((w) => w.id).join(", ")}
Checks:    ${CHECKS.map((c) => c.id).join(", ")}

Options:
  --quick        small sizes, 1 repeat: a smoke check of the bench (never fails on ratio)
  --only IDS     comma-separated workloads and checks (default: all)
  --repeats K    repeats of every row (default: each row's own, 1 to 3)
  --save-peers   write the measured peer numbers to ${"data/reference/bench_peers.json"}
  --scale        only the cost-against-scale figure (toy model, 1 to 100,000 models,
                 lab and PyTorch): out/bench_scale.{json,svg,png}
  --help         this text

Peers run with the first of $LAB_PYTHON, /usr/bin/python3, python3 that has the
library; without one a row uses the committed numbers and says so.`;

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT_FILE = "out/bench.json";
const PEERS_FILE = "data/reference/bench_peers.json";
const PEER_SCRIPT = "scripts/reference/bench_peers.py";
const CHILD = "scripts/bench/child.ts";
/** Above this, a row's runs shared the machine with someone else's work. */
const BUSY_CORES = 0.2;

class UsageError extends Error {}

interface Plan {
  quick: boolean;
  scale: boolean;
  repeats: number | null;
  savePeers: boolean;
  selected: ReturnType<typeof selectIds>;
}

function plan(args: string[]): Plan | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        quick: { type: "boolean" },
        only: { type: "string" },
        repeats: { type: "string" },
        "save-peers": { type: "boolean" },
        scale: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return "help";
  let repeats: number | null = null;
  if (values.repeats !== undefined) {
    repeats = Number(values.repeats);
    if (!Number.isInteger(repeats) || repeats < 1 || repeats > 50) {
      throw new UsageError(`--repeats ${values.repeats}: must be an integer from 1 to 50`);
    }
  }
  try {
    return {
      quick: values.quick === true,
      scale: values.scale === true,
      repeats,
      savePeers: values["save-peers"] === true,
      selected: selectIds(values.only as string | undefined),
    };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function cpuModel(): Promise<string> {
  try {
    const line = (await Deno.readTextFile("/proc/cpuinfo")).split("\n")
      .find((l) => l.startsWith("model name"));
    return line ? line.split(":")[1].trim() : "unknown";
  } catch {
    return "unknown";
  }
}

function loadAverage(): number | null {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return null;
  }
}

function say(line: string): void {
  console.error(line);
}

function describeRun(r: ChildRun | { error: string }): string {
  if ("error" in r) return `failed (${r.error})`;
  const busy = typeof r.others_cores === "number" && r.others_cores > BUSY_CORES
    ? `, others busy on ${r.others_cores.toFixed(1)} cores`
    : "";
  return `${r.seconds.toFixed(2)} s (process ${r.wall_s.toFixed(1)} s, ${
    r.peak_mb.toFixed(0)
  } MB${busy})`;
}

/** One row: prepare (if the workload needs it), then lab and peer alternating. */
async function benchRow(
  w: Workload,
  ctx: { quick: boolean; repeats: number; python: string | null; fallback: PeerFallback | null },
): Promise<BenchRow> {
  const mode = ctx.quick ? ["--quick"] : [];
  const lab: ChildRun[] = [];
  const peer: ChildRun[] = [];
  const errors = { lab: undefined as string | undefined, peer: undefined as string | undefined };
  let prep: string | null = null;
  if (w.prepare) {
    prep = await Deno.makeTempDir({ prefix: `bench_${w.id}_` });
    say(`[${w.id}] preparing the peer's inputs in ${prep} (not timed)`);
    const args = ["run", "-A", CHILD, w.id, ...mode, "--prepare", "--prep", prep];
    const r = await runChild(Deno.execPath(), args, { cwd: ROOT });
    if ("error" in r) errors.lab = `prepare: ${r.error}`;
  }
  const extra = prep ? ["--prep", prep] : [];
  const sides = {
    lab: () =>
      runChild(Deno.execPath(), ["run", "-A", CHILD, w.id, ...mode, ...extra], { cwd: ROOT }),
    peer: () =>
      ctx.python
        ? runChild(ctx.python, [PEER_SCRIPT, w.id, ...mode, ...extra], { cwd: ROOT })
        : Promise.resolve({ error: `no Python with ${w.peerModules.join(", ")}` }),
  };
  for (let k = 0; k < ctx.repeats && !errors.lab; k++) {
    // Alternate who goes first, so that a drift in the machine's load falls on both.
    const order = k % 2 === 0 ? ["lab", "peer"] as const : ["peer", "lab"] as const;
    for (const side of order) {
      if (side === "peer" && (!ctx.python || errors.peer)) continue;
      if (side === "lab" && errors.lab) continue;
      const r = await sides[side]();
      say(`[${w.id}] ${side} ${k + 1}/${ctx.repeats}: ${describeRun(r)}`);
      if ("error" in r) errors[side] = r.error;
      else (side === "lab" ? lab : peer).push(r);
    }
  }
  if (prep) await Deno.remove(prep, { recursive: true }).catch(() => {});
  return buildRow(w, { runs: lab, error: errors.lab }, {
    name: w.peer,
    runs: peer,
    fallback: ctx.python ? null : ctx.fallback,
    error: errors.peer,
    missing: `no Python with ${w.peerModules.join(", ")} and no committed numbers`,
  });
}

/** The secondary checks (lab only), each in one child that repeats inside itself. */
async function runChecks(
  p: Plan,
): Promise<Record<string, { detail: Record<string, unknown> } | { error: string }>> {
  const out: Record<string, { detail: Record<string, unknown> } | { error: string }> = {};
  for (const c of p.selected.checks) {
    const repeats = p.quick ? 1 : p.repeats ?? 3;
    const args = [
      "run",
      "-A",
      CHILD,
      c.id,
      ...(p.quick ? ["--quick"] : []),
      "--repeats",
      String(repeats),
    ];
    say(`[${c.id}] running (${c.title})`);
    const r = await runChild(Deno.execPath(), args, { cwd: ROOT });
    out[c.id] = "error" in r ? r : { detail: r.detail };
  }
  return out;
}

/** The note beside the table: what the peers are, and Debian's BLAS. */
function peerNote(rows: BenchRow[]): string[] {
  const torch = rows.map((r) => r.detail.peer).find((d) => d && d.blas_info);
  const lines = [
    "ratio = lab s / peer s (target: below 1). Seconds are the timed work inside each process " +
    "(after imports, no warm-up run on either side); MB is each process's peak resident memory.",
    "PyTorch runs in float32 (its default) on 2 threads; the lab computes in float64 (2 threads " +
    "for the toy sweeps, NMF and PCA's covariance, 1 elsewhere); numpy and scikit-learn in " +
    "float64.",
  ];
  if (torch) {
    const loaded = (torch.blas_loaded as string[] | undefined)?.join(", ") ?? "?";
    lines.push(
      `Debian's PyTorch is built with generic BLAS (torch.__config__.show(): BLAS_INFO=${torch.blas_info}); ` +
        `it loaded ${loaded} here. The MKL wheels most users install are faster on large matmuls.`,
    );
  }
  return lines;
}

function checkLines(
  checks: Awaited<ReturnType<typeof runChecks>>,
): { lines: string[]; fail: boolean; broken: boolean } {
  const lines: string[] = [];
  let fail = false;
  let broken = false;
  const speed = checks["worker-speedup"];
  if (speed) {
    if ("error" in speed) {
      lines.push(`worker speed-up: failed (${speed.error})`);
      broken = true;
    } else {
      const d = speed.detail as { speedup: number; one_worker: number[]; two_workers: number[] };
      lines.push(
        `2 workers over 1, the 1,024-instance sweep: ${d.speedup.toFixed(2)}x (medians of ` +
          `${d.one_worker.map((t) => t.toFixed(2)).join(", ")} s and ` +
          `${d.two_workers.map((t) => t.toFixed(2)).join(", ")} s)`,
      );
    }
  }
  const res = checks["resampling-overhead"];
  if (res) {
    if ("error" in res) {
      lines.push(`resampling overhead: failed (${res.error})`);
      broken = true;
    } else {
      const d = res.detail as {
        overhead: number;
        off: number[];
        on: number[];
        pass: boolean;
        every: number;
        kernel: number;
      };
      lines.push(
        `${d.pass ? "PASS" : "FAIL"}: resampling adds ${(100 * d.overhead).toFixed(1)}% to the ` +
          `1,024-instance sweep on 1 worker (every remedy of toy-resampling, a check every ${d.every} ` +
          `steps; fastest of ${d.off.length} alternating: ${
            Math.min(...d.off).toFixed(2)
          } s without, ` +
          `${Math.min(...d.on).toFixed(2)} s with, both on the scalar path; target under 10%). ` +
          `Resampling runs have no wasm kernel: the plain sweep takes ${
            d.kernel.toFixed(2)
          } s on the ` +
          `pair kernel`,
      );
      if (!d.pass) fail = true;
    }
  }
  return { lines, fail, broken };
}

async function main(): Promise<number> {
  let p: Plan | "help";
  try {
    p = plan(Deno.args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`bench: ${err.message} (see --help)`);
      return 2;
    }
    throw err;
  }
  if (p === "help") {
    console.log(USAGE);
    return 0;
  }
  if (p.scale) {
    const { runScale } = await import("./bench/scale.ts");
    await runScale({
      quick: p.quick,
      python: await findPython(["torch"]),
      outDir: join(ROOT, "out"),
      say,
    });
    return 0;
  }
  const started = performance.now();
  const date = new Date().toISOString();
  const cpu = await cpuModel();
  const committed = await readPeerNumbers(join(ROOT, PEERS_FILE));
  const pythons = new Map<string, string | null>();
  const pythonFor = async (modules: string[]) => {
    const key = modules.join(",");
    if (!pythons.has(key)) pythons.set(key, await findPython(modules));
    return pythons.get(key)!;
  };
  const loadStart = loadAverage();
  say(
    `bench: Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ${cpu}` +
      `${p.quick ? ", --quick" : ""}; load average ${loadStart ?? "?"}`,
  );

  const rows: BenchRow[] = [];
  for (const w of p.selected.workloads) {
    const python = await pythonFor(w.peerModules);
    const fallback = fallbackFor(committed, w.id, { quick: p.quick });
    if (!python) {
      say(
        `[${w.id}] no Python with ${w.peerModules.join(", ")}: ` +
          (fallback ? `the peer's committed numbers (${fallback.measured})` : "no peer numbers"),
      );
    }
    const repeats = p.quick ? 1 : p.repeats ?? w.repeats;
    rows.push(await benchRow(w, { quick: p.quick, repeats, python, fallback }));
  }
  const checks = await runChecks(p);

  const judge = !p.quick;
  console.log(benchTable(rows, { judge }));
  for (const line of peerNote(rows)) console.log(`  ${line}`);
  for (const r of rows) {
    if (r.same_work === false) {
      console.log(
        `WARNING ${r.workload}: the two sides report different work: lab ` +
          `${JSON.stringify(r.detail.lab?.work)}, peer ${JSON.stringify(r.detail.peer?.work)}`,
      );
    }
    if (r.results_rel_diff !== null) {
      console.log(
        `  ${r.workload}: results agree to ${r.results_rel_diff.toExponential(1)} relative ` +
          `(same inputs on both sides)`,
      );
    }
    if (r.contention !== null && r.contention > BUSY_CORES) {
      console.log(
        `  ${r.workload}: other processes used up to ${r.contention.toFixed(1)} cores during ` +
          `its runs; its numbers carry their noise`,
      );
    }
    if (r.note) console.log(`  ${r.workload}: ${r.note}`);
    for (const e of r.errors) console.log(`ERROR ${r.workload}: ${e}`);
    if (judge && r.verdict === "FAIL") {
      console.log(
        `FAIL ${r.workload}: lab ${r.lab_s!.toFixed(2)} s, ${r.peer} ${
          r.peer_s!.toFixed(2)
        } s, ratio ${r.ratio!.toFixed(2)} (target: below 1)`,
      );
    }
  }
  const secondary = checkLines(checks);
  for (const line of secondary.lines) console.log(line);

  const report = {
    generator: "scripts/bench.ts",
    command: ["deno task bench", ...Deno.args].join(" "),
    date,
    quick: p.quick,
    machine: {
      cpu,
      cores: navigator.hardwareConcurrency,
      deno: Deno.version.deno,
      load_average_start: loadStart,
      load_average_end: loadAverage(),
    },
    python: Object.fromEntries(pythons),
    notes: peerNote(rows),
    rows,
    checks,
    bench_seconds: (performance.now() - started) / 1000,
  };
  await Deno.mkdir(join(ROOT, "out"), { recursive: true });
  await Deno.writeTextFile(join(ROOT, OUT_FILE), JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${OUT_FILE} (bench took ${report.bench_seconds.toFixed(0)} s)`);

  if (p.savePeers) {
    const measured: Record<string, PeerFallback> = {};
    for (const r of rows) {
      if (!r.peer_measured_now || r.peer_s === null) continue;
      const lib = r.detail.peer?.library ?? r.peer;
      measured[r.workload] = {
        peer: r.peer,
        peer_s: r.peer_s,
        peer_peak_mb: r.peer_peak_mb ?? NaN,
        measured: `${date.slice(0, 10)}, ${lib}, ${cpu}`,
      };
    }
    const merged: PeerNumbers = mergePeerNumbers(committed, measured, { quick: p.quick });
    await Deno.writeTextFile(join(ROOT, PEERS_FILE), JSON.stringify(merged, null, 2) + "\n");
    console.log(`wrote ${PEERS_FILE} (${Object.keys(measured).length} peers)`);
  }

  // A crash fails any run; a missed target only a full one (--quick is a smoke check).
  const broken = secondary.broken || rows.some((r) => r.errors.length > 0);
  const missed = judge && (secondary.fail || rows.some((r) => r.verdict === "FAIL"));
  return broken || missed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
