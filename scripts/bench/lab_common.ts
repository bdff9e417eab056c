/**
 * What every lab workload of the bench shares: its sizes, what it returns,
 * and the process's peak memory.
 *
 * A lab workload times its own work (`performance.now()` around it) after
 * its module and everything it imports are loaded, with no warm-up run: the
 * peers (scripts/reference/bench_peers.py) time from after their imports the
 * same way.
 *
 * @module
 */

/** A workload's sizes, as `scripts/bench/sizes.json` gives them. */
export type Sizes = Record<string, number | string>;

/** What a lab workload reports. */
export interface LabOutcome {
  /** Seconds of the timed work. */
  seconds: number;
  /** What it computed (`work`, in the same terms as the peer's) and anything else worth keeping. */
  detail: Record<string, unknown>;
}

/** Options every lab workload takes. */
export interface LabOptions {
  /** A folder the workload may write to (the NMF job's report; its prepared starts). */
  dir?: string;
  /** Worker threads, where the workload has a choice. */
  workers?: number;
}

/**
 * The process's peak resident memory in MB: VmHWM from `/proc/self/status`
 * (Linux), or the current RSS where that file does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { peakMb } from "./lab_common.ts";
 * assert.ok(peakMb() > 1);
 * ```
 */
export function peakMb(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    if (kb) return Number(kb[1]) / 1024;
  } catch {
    // Not Linux: fall through.
  }
  return Deno.memoryUsage().rss / (1024 * 1024);
}

/**
 * CPU seconds this process has used so far, all its threads (utime + stime
 * of `/proc/self/stat`, at Linux's 100 ticks a second); null elsewhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuSeconds } from "./lab_common.ts";
 * const used = cpuSeconds();
 * assert.ok(used === null || used >= 0);
 * ```
 */
export function cpuSeconds(): number | null {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    // The command name (field 2) may hold spaces; the fields after it start past its ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * A size as a number, or a RangeError naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { num } from "./lab_common.ts";
 * assert.equal(num({ steps: 10 }, "steps"), 10);
 * assert.throws(() => num({ steps: "ten" }, "steps"), /size steps must be a number, got "ten"/);
 * ```
 */
export function num(sizes: Sizes, key: string): number {
  const v = sizes[key];
  if (typeof v !== "number") {
    throw new RangeError(`size ${key} must be a number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Seconds since `t0` (a `performance.now()` reading). */
export function since(t0: number): number {
  return (performance.now() - t0) / 1000;
}
