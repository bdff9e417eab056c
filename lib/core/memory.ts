/**
 * The memory a run will need, estimated from its config before it starts,
 * and the check that refuses a run this machine cannot hold (issue 11, item
 * 4): better one line naming the knob to turn than an `Array buffer
 * allocation failed` or a heap-exhaustion crash minutes into the run.
 *
 * An experiment's estimate lists the big terms only — parameters with their
 * gradients and optimizer state, recorded history, data, per-worker copies —
 * each in words with its sizes. Typed arrays live outside the JavaScript
 * heap and are bounded by the machine's available memory; plain objects and
 * arrays live on the heap, whose limit is much smaller (about 4 GB), so
 * terms say which they are and each limit is checked on its own.
 *
 * @module
 */
import v8 from "node:v8";
import { ConfigError } from "./config.ts";

/** One big allocation of a run. */
export interface MemoryTerm {
  /** What it holds, with its sizes (e.g. "snapshots of 512 instances × 21 parameters × 202 rows"). */
  what: string;
  /** Its size in bytes. */
  bytes: number;
  /** True for plain objects and arrays (the JavaScript heap), false or absent for typed arrays. */
  heap?: boolean;
}

/** What a run needs at its peak: the sum of its big terms. */
export interface MemoryEstimate {
  /** Bytes at the peak, typed arrays and heap together. */
  bytes: number;
  /** Of which on the JavaScript heap. */
  heapBytes: number;
  /** The terms, largest first. */
  terms: MemoryTerm[];
  /** The config keys that lower it, most effective first. */
  knobs: string[];
}

/**
 * An estimate from its terms (empty ones dropped) and the keys that lower it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryEstimate } from "./memory.ts";
 * const e = memoryEstimate([
 *   { what: "data", bytes: 1e6 },
 *   { what: "parameters", bytes: 3e6 },
 *   { what: "rows", bytes: 5e5, heap: true },
 * ], ["seeds"]);
 * assert.deepEqual([e.bytes, e.heapBytes, e.terms[0].what], [4.5e6, 5e5, "parameters"]);
 * ```
 */
export function memoryEstimate(terms: MemoryTerm[], knobs: string[]): MemoryEstimate {
  const kept = terms.filter((t) => t.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  return {
    bytes: kept.reduce((s, t) => s + t.bytes, 0),
    heapBytes: kept.reduce((s, t) => s + (t.heap ? t.bytes : 0), 0),
    terms: kept,
    knobs: [...new Set(knobs)],
  };
}

/**
 * The peak of stages that run one after the other, each freeing its working
 * memory before the next starts: the largest stage (what a stage keeps for
 * later belongs in the later stages' terms). Knobs of every stage are kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { largestStage, memoryEstimate } from "./memory.ts";
 * const peak = largestStage([
 *   memoryEstimate([{ what: "part 1", bytes: 2e6 }], ["steps"]),
 *   memoryEstimate([{ what: "part 2", bytes: 5e6 }], ["mnistSteps"]),
 * ]);
 * assert.deepEqual([peak.bytes, peak.knobs], [5e6, ["mnistSteps", "steps"]]);
 * ```
 */
export function largestStage(stages: MemoryEstimate[]): MemoryEstimate {
  const peak = stages.reduce((a, b) => (b.bytes > a.bytes ? b : a), memoryEstimate([], []));
  return { ...peak, knobs: [...new Set([...peak.knobs, ...stages.flatMap((s) => s.knobs)])] };
}

/**
 * Bytes for people: two significant digits below ten units, whole units above (decimal units).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBytes } from "./memory.ts";
 * assert.deepEqual(
 *   [formatBytes(26.2e9), formatBytes(3.28e9), formatBytes(412e6), formatBytes(900)],
 *   ["26 GB", "3.3 GB", "412 MB", "900 B"],
 * );
 * ```
 */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [[1e12, "TB"], [1e9, "GB"], [1e6, "MB"], [1e3, "kB"]];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const v = bytes / size;
      return `${v < 10 ? Number(v.toPrecision(2)) : Math.round(v)} ${unit}`;
    }
  }
  return `${Math.round(bytes)} B`;
}

/**
 * A size as people write it (`8GB`, `512 MB`, `1.5e9`): bytes, or null when
 * it is not one. Decimal units, like {@link formatBytes}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBytes } from "./memory.ts";
 * assert.deepEqual([parseBytes("8GB"), parseBytes("512 mb"), parseBytes("2e9")], [8e9, 512e6, 2e9]);
 * assert.equal(parseBytes("lots"), null);
 * ```
 */
export function parseBytes(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*(b|kb|mb|gb|tb)?$/i.exec(text.trim());
  if (!m) return null;
  const scale = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12 }[(m[2] ?? "b").toLowerCase()]!;
  const bytes = Number(m[1]) * scale;
  return Number.isFinite(bytes) && bytes > 0 ? bytes : null;
}

/** What a run may use: the memory available now, and the JavaScript heap's room. */
export interface MemoryBudget {
  /** Bytes available for the run. */
  bytes: number;
  /** Bytes the JavaScript heap can still grow by. */
  heapBytes: number;
  /** Where `bytes` comes from, for the message ("the machine has … available"). */
  source: string;
}

/** A share of the budget left to what estimates leave out (the runtime, small terms, GC slack). */
export const MEMORY_HEADROOM = 0.2;

/** The memory limit of this process's cgroup minus its use, when there is one (containers, CI). */
function cgroupRoom(): number | null {
  const read = (path: string) => {
    try {
      return Deno.readTextFileSync(path).trim();
    } catch {
      return null;
    }
  };
  for (
    const [limitFile, usageFile] of [
      ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"],
      [
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
        "/sys/fs/cgroup/memory/memory.usage_in_bytes",
      ],
    ]
  ) {
    const limit = Number(read(limitFile));
    const usage = Number(read(usageFile));
    // "max" (v2) and a page-rounded 2^63 (v1) both mean no limit.
    if (Number.isFinite(limit) && limit > 0 && limit < 2 ** 60 && Number.isFinite(usage)) {
      return Math.max(0, limit - usage);
    }
  }
  return null;
}

/**
 * What a run may use now: the machine's available memory (not its total:
 * other programs hold the rest), lowered by a container's memory limit and
 * by `maxBytes` when given; null when none of these can be read (no
 * `--allow-sys`), in which case nothing is checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryBudget } from "./memory.ts";
 * const budget = memoryBudget({ maxBytes: 1e6 });
 * assert.equal(budget?.bytes, 1e6);
 * assert.equal(budget?.source, "the budget given is 1 MB");
 * ```
 */
export function memoryBudget(options: { maxBytes?: number } = {}): MemoryBudget | null {
  let bytes = Infinity;
  let source = "";
  try {
    bytes = Deno.systemMemoryInfo().available;
  } catch {
    // No permission to ask: the machine's memory is unknown.
  }
  const room = cgroupRoom();
  if (room !== null && room < bytes) bytes = room;
  if (Number.isFinite(bytes)) source = `the machine has ${formatBytes(bytes)} available`;
  if (options.maxBytes !== undefined && options.maxBytes < bytes) {
    bytes = options.maxBytes;
    source = `the budget given is ${formatBytes(bytes)}`;
  }
  if (!Number.isFinite(bytes)) return null;
  const heap = v8.getHeapStatistics();
  return { bytes, heapBytes: heap.heap_size_limit - heap.used_heap_size, source };
}

/** A run refused before it starts because it would not fit in memory (a {@link ConfigError}: exit 2). */
export class MemoryLimitError extends ConfigError {
  /** The error's name. */
  override name = "MemoryLimitError";
}

/** "a, b or c". */
function orList(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** The largest terms in words, for the one-line message. */
function largest(terms: MemoryTerm[]): string {
  return terms.slice(0, 2).map((t) => `${t.what}: ${formatBytes(t.bytes)}`).join("; ");
}

/**
 * Refuses, with one line naming the largest terms and the knobs to turn, a
 * run whose estimate does not fit in the budget less {@link MEMORY_HEADROOM},
 * or whose heap terms do not fit in the JavaScript heap's room.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkMemory, memoryEstimate } from "./memory.ts";
 * const estimate = memoryEstimate([{ what: "snapshots of 9 instances", bytes: 30e9 }], ["seeds"]);
 * const budget = { bytes: 21e9, heapBytes: 4e9, source: "the machine has 21 GB available" };
 * assert.throws(
 *   () => checkMemory("sweep", estimate, budget),
 *   /^MemoryLimitError: sweep: this config needs about 30 GB \(snapshots of 9 instances: 30 GB\), the machine has 21 GB available; lower seeds$/,
 * );
 * checkMemory("sweep", estimate, { ...budget, bytes: 64e9 }); // fits
 * ```
 */
export function checkMemory(id: string, estimate: MemoryEstimate, budget: MemoryBudget): void {
  const knobs = estimate.knobs.length ? `; lower ${orList(estimate.knobs)}` : "";
  if (estimate.bytes > budget.bytes * (1 - MEMORY_HEADROOM)) {
    throw new MemoryLimitError(
      `${id}: this config needs about ${formatBytes(estimate.bytes)} (${
        largest(estimate.terms)
      }), ` +
        `${budget.source}${knobs}`,
    );
  }
  if (estimate.heapBytes > budget.heapBytes * (1 - MEMORY_HEADROOM)) {
    const heap = estimate.terms.filter((t) => t.heap);
    throw new MemoryLimitError(
      `${id}: this config needs about ${formatBytes(estimate.heapBytes)} of JavaScript heap ` +
        `(${largest(heap)}), the heap has room for ${formatBytes(budget.heapBytes)}${knobs}`,
    );
  }
}
