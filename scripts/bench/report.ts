/**
 * The bench's arithmetic and layout, with no I/O: the median of repeats, a
 * row from the lab's and the peer's child runs (ratio, verdict, whether both
 * did the same work), and the printed table. `scripts/bench.ts` runs the
 * children and hands their outputs here.
 *
 * @module
 */
import { median as statsMedian } from "../../lib/core/stats.ts";

/** What one child process reported (its one JSON line), plus what the parent measured. */
export interface ChildRun {
  /** The timed work, measured inside the child. */
  seconds: number;
  /** Peak resident memory of the child (VmHWM / ru_maxrss), MB. */
  peak_mb: number;
  /** Whole-process wall time, measured by the parent (start-up and imports included). */
  wall_s: number;
  /** Whatever else the child said (`work` describes what it computed). */
  detail: Record<string, unknown>;
  /** CPU seconds the child used (all threads), when it said. */
  cpu_s?: number | null;
  /** CPU the rest of the machine used while the child ran, in cores on average. */
  others_cores?: number | null;
}

/** The peer's side of a row when it was not measured in this run: committed numbers. */
export interface PeerFallback {
  /** Who the peer is (e.g. "PyTorch 1.13 (float32, 2 threads)"). */
  peer: string;
  /** Median seconds of the committed run. */
  peer_s: number;
  /** Peak MB of the committed run. */
  peer_peak_mb: number;
  /** When and where it was measured. */
  measured: string;
}

/** One row of `out/bench.json`. */
export interface BenchRow {
  /** Workload id (`toy-sweep-1k`, …). */
  workload: string;
  /** What the workload is, in words. */
  title: string;
  /** Median seconds of the lab's timed work (null when every lab run failed). */
  lab_s: number | null;
  /** Who the peer is. */
  peer: string;
  /** Median seconds of the peer's timed work (null when there is none). */
  peer_s: number | null;
  /** lab_s / peer_s (the target is below 1). */
  ratio: number | null;
  /** False when peer_s comes from the committed numbers. */
  peer_measured_now: boolean;
  /** Largest peak memory over the lab's repeats, MB. */
  lab_peak_mb: number | null;
  /** Largest peak memory over the peer's repeats, MB. */
  peer_peak_mb: number | null;
  /** Median whole-process wall times (start-up included). */
  lab_wall_s: number | null;
  /** The same for the peer. */
  peer_wall_s: number | null;
  /** Seconds of every repeat, in run order. */
  lab_repeats: number[];
  /** The same for the peer (empty for committed numbers). */
  peer_repeats: number[];
  /** Whether both sides reported the same `work` (null when one side did not run). */
  same_work: boolean | null;
  /**
   * Largest relative difference between the sides' `results` (numbers both
   * compute from the same inputs: NMF's final objectives, PCA's variances);
   * null when a side has none.
   */
  results_rel_diff: number | null;
  /**
   * The most CPU the rest of the machine used during any of the row's runs,
   * in cores on average (null when unknown): above about 0.2 the row's
   * numbers carry a neighbour's noise.
   */
  contention: number | null;
  /** PASS (ratio < 1), FAIL, or why there is no verdict. */
  verdict: "PASS" | "FAIL" | "no peer" | "error";
  /** Why a side is missing, when it is (committed numbers, no Python). */
  note: string | null;
  /** What failed: a child that crashed or printed no report. */
  errors: string[];
  /** The lab's and the peer's details from their median repeat. */
  detail: { lab: Record<string, unknown> | null; peer: Record<string, unknown> | null };
}

/**
 * The median of `values` (the mean of the middle two for an even count).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { median } from "./report.ts";
 * assert.equal(median([3, 1, 2]), 2);
 * assert.equal(median([4, 1, 3, 2]), 2.5);
 * assert.throws(() => median([]), /at least one value/);
 * ```
 */
export function median(values: number[]): number {
  if (values.length === 0) throw new RangeError("median needs at least one value");
  return statsMedian(values);
}

/**
 * Whether two `work` descriptions agree: the same keys, equal strings and
 * arrays, numbers equal to 1e-9 relative (1/32 written two ways).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sameWork } from "./report.ts";
 * assert.equal(sameWork({ steps: 10, lr: 1e-3 }, { lr: 0.001, steps: 10 }), true);
 * assert.equal(sameWork({ steps: 10 }, { steps: 11 }), false);
 * assert.equal(sameWork({ steps: 10 }, { steps: 10, batch: 4 }), false);
 * ```
 */
export function sameWork(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") {
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameWork(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameWork(ka, kb) &&
      ka.every((k) =>
        sameWork((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
      );
  }
  return a === b;
}

/**
 * The largest relative difference between two `results` objects with the
 * same keys and numeric values, or null when they are not both that.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resultsDiff } from "./report.ts";
 * assert.equal(resultsDiff({ a: 100, b: 1 }, { a: 101, b: 1 })?.toFixed(6), "0.009901");
 * assert.equal(resultsDiff({ a: 1 }, { b: 1 }), null);
 * assert.equal(resultsDiff(undefined, { a: 1 }), null);
 * ```
 */
export function resultsDiff(a: unknown, b: unknown): number | null {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return null;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = Object.keys(ra);
  if (keys.length === 0 || !sameWork(keys.sort(), Object.keys(rb).sort())) return null;
  let worst = 0;
  for (const k of keys) {
    const x = ra[k];
    const y = rb[k];
    if (typeof x !== "number" || typeof y !== "number") return null;
    const scale = Math.max(Math.abs(x), Math.abs(y));
    worst = Math.max(worst, scale === 0 ? 0 : Math.abs(x - y) / scale);
  }
  return worst;
}

/** The run whose seconds are the median's (the lower middle one for an even count). */
function medianRun(runs: ChildRun[]): ChildRun {
  const s = [...runs].sort((a, b) => a.seconds - b.seconds);
  return s[Math.floor((s.length - 1) / 2)];
}

/**
 * A row from the lab's and the peer's child runs. The peer is either this
 * run's measurements (`peer.runs`) or committed numbers (`peer.fallback`); a
 * side with no successful run gives nulls and a note. The verdict is PASS
 * when lab_s / peer_s < 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildRow } from "./report.ts";
 * const run = (seconds: number, work = { steps: 10 }) => ({
 *   seconds, peak_mb: 100, wall_s: seconds + 1, detail: { work },
 * });
 * const row = buildRow(
 *   { id: "toy", title: "a toy" },
 *   { runs: [run(2), run(1), run(3)] },
 *   { name: "PyTorch", runs: [run(4), run(5), run(6)] },
 * );
 * assert.deepEqual([row.lab_s, row.peer_s, row.ratio, row.verdict], [2, 5, 0.4, "PASS"]);
 * assert.deepEqual(row.lab_repeats, [2, 1, 3]);
 * assert.equal(row.same_work, true);
 * const old = buildRow({ id: "toy", title: "a toy" }, { runs: [run(3)] }, {
 *   name: "PyTorch",
 *   runs: [],
 *   fallback: { peer: "PyTorch", peer_s: 2, peer_peak_mb: 200, measured: "then" },
 * });
 * assert.deepEqual([old.ratio, old.verdict, old.peer_measured_now], [1.5, "FAIL", false]);
 * ```
 */
export function buildRow(
  workload: { id: string; title: string },
  lab: { runs: ChildRun[]; error?: string },
  peer: {
    name: string;
    runs: ChildRun[];
    fallback?: PeerFallback | null;
    error?: string;
    missing?: string;
  },
): BenchRow {
  const labRun = lab.runs.length ? medianRun(lab.runs) : null;
  const peerRun = peer.runs.length ? medianRun(peer.runs) : null;
  const lab_s = lab.runs.length ? median(lab.runs.map((r) => r.seconds)) : null;
  const fallback = peerRun ? null : peer.fallback ?? null;
  const peer_s = peerRun ? median(peer.runs.map((r) => r.seconds)) : fallback?.peer_s ?? null;
  const ratio = lab_s !== null && peer_s !== null && peer_s > 0 ? lab_s / peer_s : null;
  const errors = [
    lab.error ? `lab: ${lab.error}` : null,
    peer.error ? `peer: ${peer.error}` : null,
  ].filter((x): x is string => x !== null);
  const notes = [
    fallback ? `peer from committed numbers (${fallback.measured})` : null,
    !peerRun && !fallback && peer.missing ? peer.missing : null,
  ].filter((x): x is string => x !== null);
  const maxOf = (runs: ChildRun[]) => runs.length ? Math.max(...runs.map((r) => r.peak_mb)) : null;
  const wallOf = (runs: ChildRun[]) => runs.length ? median(runs.map((r) => r.wall_s)) : null;
  const loads = [...lab.runs, ...peer.runs].map((r) => r.others_cores)
    .filter((x): x is number => typeof x === "number");
  const verdict: BenchRow["verdict"] = errors.length > 0
    ? "error"
    : ratio === null
    ? "no peer"
    : ratio < 1
    ? "PASS"
    : "FAIL";
  return {
    workload: workload.id,
    title: workload.title,
    lab_s,
    peer: fallback?.peer ?? peer.name,
    peer_s,
    ratio,
    peer_measured_now: peerRun !== null,
    lab_peak_mb: maxOf(lab.runs),
    peer_peak_mb: peerRun ? maxOf(peer.runs) : fallback?.peer_peak_mb ?? null,
    lab_wall_s: wallOf(lab.runs),
    peer_wall_s: wallOf(peer.runs),
    lab_repeats: lab.runs.map((r) => r.seconds),
    peer_repeats: peer.runs.map((r) => r.seconds),
    same_work: labRun && peerRun ? sameWork(labRun.detail.work, peerRun.detail.work) : null,
    results_rel_diff: labRun && peerRun
      ? resultsDiff(labRun.detail.results, peerRun.detail.results)
      : null,
    contention: loads.length ? Math.max(...loads) : null,
    verdict,
    note: notes.length ? notes.join("; ") : null,
    errors,
    detail: { lab: labRun?.detail ?? null, peer: peerRun?.detail ?? null },
  };
}

/**
 * Lays out rows as a text table, the first column left-aligned and the others right-aligned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTable } from "./report.ts";
 * assert.equal(formatTable(["a", "bb"], [["x", "1"], ["yy", "22"]]), "a   bb\n--  --\nx    1\nyy  22");
 * ```
 */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) =>
    cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ").trimEnd();
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** A number with fixed digits, or "-" for none. */
function fixed(value: number | null, digits: number): string {
  return value === null ? "-" : value.toFixed(digits);
}

/**
 * The bench's table: one line per row with the lab's and the peer's
 * seconds, their ratio, peak memory, whether the peer was measured now, how
 * many cores other processes kept busy meanwhile ("busy"), and, when
 * `judge`, the verdict (`--quick` is a smoke check and gives none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchTable, buildRow } from "./report.ts";
 * const run = (seconds: number) => ({ seconds, peak_mb: 120, wall_s: seconds, detail: {} });
 * const row = buildRow({ id: "pca", title: "PCA" }, { runs: [run(1)] }, {
 *   name: "numpy",
 *   runs: [run(4)],
 * });
 * const text = benchTable([row], { judge: true });
 * assert.match(text.split("\n")[2], /^pca +1\.00 +numpy +4\.00 +0\.25 +120 +120 +yes +- +PASS$/);
 * assert.equal(benchTable([row], { judge: false }).split("\n")[0].includes("verdict"), false);
 * ```
 */
export function benchTable(rows: BenchRow[], options: { judge: boolean }): string {
  const header = ["workload", "lab s", "peer", "peer s", "ratio", "lab MB", "peer MB"];
  header.push("measured now?", "busy");
  if (options.judge) header.push("verdict");
  return formatTable(
    header,
    rows.map((r) => [
      r.workload,
      fixed(r.lab_s, 2),
      r.peer,
      fixed(r.peer_s, 2),
      fixed(r.ratio, 2),
      fixed(r.lab_peak_mb, 0),
      fixed(r.peer_peak_mb, 0),
      r.peer_s === null ? "-" : r.peer_measured_now ? "yes" : "no (committed)",
      fixed(r.contention, 1),
      ...(options.judge ? [r.verdict] : []),
    ]),
  );
}
