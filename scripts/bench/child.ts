/**
 * One side of one bench row in a process of its own, so that its peak memory
 * is the workload's alone:
 *
 *   deno run -A scripts/bench/child.ts WORKLOAD [--quick] [--prep DIR] [--prepare]
 *                                      [--workers N] [--repeats K]
 *
 * WORKLOAD is a row or a check of `workloads.ts`. It prints ONE JSON line on
 * stdout, `{"seconds": …, "peak_mb": …, "cpu_s": …, "detail": {…}}`: the
 * seconds of the timed work (measured inside the workload, after its
 * imports), the process's VmHWM and the CPU seconds it used (all threads).
 * With `--prepare` it only writes what the peer needs into `--prep DIR`
 * (before any timed run; `seconds` is then how long that took).
 * `scripts/bench.ts` runs it; a bad argument is one line and exit code 2.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { CHECKS, WORKLOADS } from "./workloads.ts";
import { cpuSeconds, peakMb } from "./lab_common.ts";

const USAGE =
  "usage: deno run -A scripts/bench/child.ts WORKLOAD [--quick] [--prep DIR] [--prepare] " +
  "[--workers N] [--repeats K]";

function fail(message: string): never {
  console.error(`bench child: ${message}\n${USAGE}`);
  Deno.exit(2);
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${flag} must be a positive integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      options: {
        quick: { type: "boolean" },
        prepare: { type: "boolean" },
        prep: { type: "string" },
        workers: { type: "string" },
        repeats: { type: "string" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) fail("give exactly one workload");
  const id = positionals[0];
  const mode = values.quick ? "quick" : "full";
  const workload = WORKLOADS.find((w) => w.id === id);
  const check = CHECKS.find((c) => c.id === id);
  if (!workload && !check) {
    const known = [...WORKLOADS, ...CHECKS].map((w) => w.id).join(", ");
    fail(`unknown workload ${JSON.stringify(id)}; known: ${known}`);
  }
  const workers = values.workers === undefined
    ? undefined
    : positiveInt("workers", values.workers, 2);
  const repeats = positiveInt("repeats", values.repeats, 3);
  if (values.prepare) {
    if (!workload?.prepare) fail(`${id} has nothing to prepare`);
    if (!values.prep) fail("--prepare needs --prep DIR");
    const t0 = performance.now();
    await workload.prepare(workload.sizes[mode], values.prep);
    const seconds = (performance.now() - t0) / 1000;
    const detail = { prepared: values.prep };
    console.log(JSON.stringify({ seconds, peak_mb: peakMb(), cpu_s: cpuSeconds(), detail }));
    return;
  }
  const outcome = workload
    ? await workload.lab(workload.sizes[mode], { dir: values.prep, workers })
    : await check!.run(WORKLOADS.find((w) => w.id === check!.sizesOf)!.sizes[mode], repeats);
  console.log(JSON.stringify({ ...outcome, peak_mb: peakMb(), cpu_s: cpuSeconds() }));
}

if (import.meta.main) await main();
