/**
 * Which Python runs the peers, and what the bench falls back to without one.
 *
 * The interpreter that has a peer's library is the first of `LAB_PYTHON`,
 * `/usr/bin/python3` and `python3` on PATH where importing it works (on the
 * development machine `python3` on PATH is a pyenv shim without PyTorch;
 * Debian's `/usr/bin/python3` has torch 1.13 and scikit-learn 1.2). When none
 * has it, the row takes the committed numbers of
 * `data/reference/bench_peers.json` (written by `deno task bench --save-peers`
 * from a real run) and says so.
 *
 * @module
 */
import type { PeerFallback } from "./report.ts";

/**
 * The interpreters to try, in order: `LAB_PYTHON` (when set), then
 * `/usr/bin/python3`, then `python3` on PATH; no name twice.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonCandidates } from "./python.ts";
 * assert.deepEqual(pythonCandidates({}), ["/usr/bin/python3", "python3"]);
 * assert.deepEqual(pythonCandidates({ LAB_PYTHON: "/opt/py/bin/python" }), [
 *   "/opt/py/bin/python", "/usr/bin/python3", "python3",
 * ]);
 * assert.deepEqual(pythonCandidates({ LAB_PYTHON: "python3" }), ["python3", "/usr/bin/python3"]);
 * ```
 */
export function pythonCandidates(env: { LAB_PYTHON?: string }): string[] {
  const all = [env.LAB_PYTHON, "/usr/bin/python3", "python3"].filter(
    (p): p is string => typeof p === "string" && p.trim() !== "",
  );
  return all.filter((p, i) => all.indexOf(p) === i);
}

/** Whether `python` can import every module in `modules` (a short child process). */
export async function canImport(python: string, modules: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(python, {
      args: ["-c", `import ${modules.join(", ")}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false; // not installed, not executable
  }
}

/**
 * The first of `candidates` that can import `modules`, or null. `probe`
 * answers whether one can (by default it asks the interpreter itself).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findPython } from "./python.ts";
 * const has: Record<string, string[]> = { shim: ["numpy"], debian: ["numpy", "torch"] };
 * const probe = (py: string, mods: string[]) =>
 *   Promise.resolve(mods.every((m) => (has[py] ?? []).includes(m)));
 * assert.equal(await findPython(["torch"], { candidates: ["shim", "debian"], probe }), "debian");
 * assert.equal(await findPython(["numpy"], { candidates: ["shim", "debian"], probe }), "shim");
 * assert.equal(await findPython(["jax"], { candidates: ["shim", "debian"], probe }), null);
 * ```
 */
export async function findPython(
  modules: string[],
  options: {
    candidates?: string[];
    probe?: (python: string, modules: string[]) => Promise<boolean>;
  } = {},
): Promise<string | null> {
  const candidates = options.candidates ?? pythonCandidates(Deno.env.toObject());
  const probe = options.probe ?? canImport;
  for (const python of candidates) if (await probe(python, modules)) return python;
  return null;
}

/**
 * The committed peer numbers: per size mode (`full`, `quick`), per workload.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PeerNumbers } from "./python.ts";
 * const file: PeerNumbers = {
 *   generator: "deno task bench --save-peers",
 *   modes: { full: { pca: { peer: "numpy", peer_s: 0.5, peer_peak_mb: 190, measured: "x" } } },
 * };
 * assert.equal(file.modes.full?.pca.peer_s, 0.5);
 * ```
 */
export interface PeerNumbers {
  /** What wrote the file. */
  generator: string;
  /** Per size mode, per workload id. */
  modes: Partial<Record<"full" | "quick", Record<string, PeerFallback>>>;
}

/**
 * The committed numbers for `workload` at this size mode, or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fallbackFor } from "./python.ts";
 * const entry = { peer: "numpy", peer_s: 0.5, peer_peak_mb: 190, measured: "x" };
 * const file = { generator: "g", modes: { full: { pca: entry } } };
 * assert.equal(fallbackFor(file, "pca", { quick: false }), entry);
 * assert.equal(fallbackFor(file, "pca", { quick: true }), null);
 * assert.equal(fallbackFor(null, "pca", { quick: false }), null);
 * ```
 */
export function fallbackFor(
  file: PeerNumbers | null,
  workload: string,
  options: { quick: boolean },
): PeerFallback | null {
  return file?.modes[options.quick ? "quick" : "full"]?.[workload] ?? null;
}

/**
 * `file` with this run's measured peers written over the entries of its size mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergePeerNumbers } from "./python.ts";
 * const old = { peer: "numpy", peer_s: 0.5, peer_peak_mb: 190, measured: "then" };
 * const now = { peer: "numpy", peer_s: 0.4, peer_peak_mb: 180, measured: "now" };
 * const file = { generator: "g", modes: { full: { pca: old, nmf: old } } };
 * const merged = mergePeerNumbers(file, { pca: now }, { quick: false });
 * assert.deepEqual(merged.modes.full, { pca: now, nmf: old });
 * assert.equal(file.modes.full.pca, old); // the input is left alone
 * ```
 */
export function mergePeerNumbers(
  file: PeerNumbers | null,
  measured: Record<string, PeerFallback>,
  options: { quick: boolean },
): PeerNumbers {
  const mode = options.quick ? "quick" : "full";
  const modes = { ...(file?.modes ?? {}) };
  modes[mode] = { ...(modes[mode] ?? {}), ...measured };
  return { generator: "deno task bench --save-peers", modes };
}

/** Reads the committed peer numbers; null when the file is missing. */
export async function readPeerNumbers(path: string): Promise<PeerNumbers | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  const raw = JSON.parse(text) as Partial<PeerNumbers>;
  if (!raw.modes || typeof raw.modes !== "object") {
    throw new Error(`${path}: no "modes" object; rewrite it with deno task bench --save-peers`);
  }
  return raw as PeerNumbers;
}
