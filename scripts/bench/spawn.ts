/**
 * Running one side of a bench row as a child process: its one JSON line,
 * the whole process's wall time, and how busy the rest of the machine was
 * meanwhile (the machines are shared: a neighbour on one of the two cores
 * can make a 2-thread PyTorch run many times slower).
 *
 * @module
 */
import type { ChildRun } from "./report.ts";

/** Busy and total CPU seconds of the whole machine since boot (`/proc/stat`), or null. */
export function machineCpu(): { busy: number; total: number } | null {
  try {
    const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
    const t = line.trim().split(/\s+/).slice(1).map(Number); // user nice system idle iowait …
    const total = t.reduce((a, b) => a + b, 0);
    return { busy: (total - t[3] - (t[4] ?? 0)) / 100, total: total / 100 };
  } catch {
    return null;
  }
}

/**
 * The child's report: the last line of `stdout` that is a JSON object with
 * a numeric `seconds` (anything a library printed before it is ignored), or
 * an error naming what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChildLine } from "./spawn.ts";
 * const out = 'warming up\n{"seconds": 1.5, "peak_mb": 90, "cpu_s": 2, "detail": {"a": 1}}\n';
 * assert.deepEqual(parseChildLine(out), { seconds: 1.5, peak_mb: 90, cpu_s: 2, detail: { a: 1 } });
 * assert.deepEqual(parseChildLine("Traceback …\n"), { error: "no JSON line with seconds on stdout" });
 * ```
 */
export function parseChildLine(
  stdout: string,
):
  | { seconds: number; peak_mb: number; cpu_s: number | null; detail: Record<string, unknown> }
  | { error: string } {
  const lines = stdout.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("{"));
  for (let i = lines.length - 1; i >= 0; i--) {
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(lines[i]);
    } catch {
      continue;
    }
    if (typeof v.seconds !== "number") continue;
    return {
      seconds: v.seconds,
      peak_mb: typeof v.peak_mb === "number" ? v.peak_mb : NaN,
      cpu_s: typeof v.cpu_s === "number" ? v.cpu_s : null,
      detail: (v.detail ?? {}) as Record<string, unknown>,
    };
  }
  return { error: "no JSON line with seconds on stdout" };
}

/**
 * Runs `cmd args` and returns its report with the parent's wall time and
 * `others_cores`: the CPU the rest of the machine used meanwhile, in cores
 * on average (machine busy time minus the child's own, over the wall time).
 * A failure is `{ error }` with the last line of its stderr.
 */
export async function runChild(
  cmd: string,
  args: string[],
  options: { cwd: string },
): Promise<ChildRun | { error: string }> {
  const before = machineCpu();
  const t0 = performance.now();
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, {
      args,
      cwd: options.cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    return { error: `${cmd} could not start: ${(err as Error).message}` };
  }
  const wall_s = (performance.now() - t0) / 1000;
  const after = machineCpu();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) {
    const last = stderr.split("\n").filter((l) => l.trim() !== "").at(-1) ?? "";
    return { error: `exit code ${out.code}${last ? `: ${last.slice(0, 300)}` : ""}` };
  }
  const parsed = parseChildLine(new TextDecoder().decode(out.stdout));
  if ("error" in parsed) return parsed;
  const others = before && after && parsed.cpu_s !== null
    ? Math.max(0, (after.busy - before.busy - parsed.cpu_s) / wall_s)
    : null;
  return { ...parsed, wall_s, others_cores: others };
}
