/**
 * Cutting a sweep into shards by instance, and the stamp that lets shards be
 * merged back into exactly the run they are parts of (issue 14).
 *
 * A shard is instance range i of N of one experiment's config: instances
 * `[⌊i·total/N⌋, ⌊(i+1)·total/N⌋)`, so every instance lands in exactly one
 * shard and shard sizes differ by at most one. An experiment that can be
 * sharded says how (`ExperimentSpec.shard`): how many instances its config
 * has, the config of a range (the same experiment on fewer instances, each
 * computing what it computes in the whole run), and how results of the ranges
 * combine into the whole run's. Cluster schedulers number their tasks: Slurm
 * array jobs set `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT`,
 * Kubernetes Indexed Jobs `JOB_COMPLETION_INDEX`.
 *
 * A shard's folder holds `shard.json` ({@link ShardStamp}: experiment, digest
 * of the whole config, index and count, the lab's code digest) and
 * `part.json`, the shard's result in exact JSON (every bit of every number).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Value } from "./config.ts";
import { mergedMeta, type RunMeta } from "./experiment.ts";
import { asWriteError, fromExactJson, toExactJson } from "./io.ts";
import { replaceDirAtomic, toJson } from "./report/files.ts";

/** Shard `index` of `count` (0 ≤ index < count). */
export interface Shard {
  /** Which shard, from 0. */
  index: number;
  /** How many shards the sweep is cut into. */
  count: number;
}

/** A bad `--shard` value or scheduler environment; the message is one line. */
export class ShardError extends Error {}

/** What `--shard` takes, for messages. */
const SHARD_ALLOWED = "use i/N (0 ≤ i < N ≤ 100000), auto (Slurm's SLURM_ARRAY_TASK_ID and " +
  "SLURM_ARRAY_TASK_COUNT) or auto/N (JOB_COMPLETION_INDEX of a Kubernetes Indexed Job)";

const MAX_SHARDS = 100_000;

/** A whole number 0 … MAX_SHARDS written plainly, or null. */
function count(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,6}$/.test(text.trim())) return null;
  const v = Number(text.trim());
  return v <= MAX_SHARDS ? v : null;
}

/**
 * Reads `--shard`: `i/N`, `auto` (Slurm array task id and count) or `auto/N`
 * (`JOB_COMPLETION_INDEX`, else `SLURM_ARRAY_TASK_ID`, with N given). Throws
 * a {@link ShardError} naming the value and what is allowed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseShard } from "./shard.ts";
 * assert.deepEqual(parseShard("2/5", {}), { index: 2, count: 5 });
 * assert.deepEqual(
 *   parseShard("auto", { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "4" }),
 *   { index: 3, count: 4 },
 * );
 * assert.deepEqual(parseShard("auto/8", { JOB_COMPLETION_INDEX: "7" }), { index: 7, count: 8 });
 * assert.throws(() => parseShard("5/5", {}), /--shard 5\/5: the index must be below the count/);
 * ```
 */
export function parseShard(text: string, env: Record<string, string | undefined>): Shard {
  const value = text.trim();
  const bad = (why: string) => new ShardError(`--shard ${value}: ${why}; ${SHARD_ALLOWED}`);
  let index: number | null;
  let total: number | null;
  if (value === "auto") {
    index = count(env.SLURM_ARRAY_TASK_ID);
    total = count(env.SLURM_ARRAY_TASK_COUNT);
    if (index === null || total === null) {
      throw bad(
        `needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT as whole numbers (got ${
          JSON.stringify(env.SLURM_ARRAY_TASK_ID ?? null)
        } and ${JSON.stringify(env.SLURM_ARRAY_TASK_COUNT ?? null)})`,
      );
    }
    // An array given as --array=1-4 numbers its tasks from 1: take the offset into account.
    const min = count(env.SLURM_ARRAY_TASK_MIN);
    if (min !== null) index -= min;
  } else if (value.startsWith("auto/")) {
    total = count(value.slice(5));
    if (total === null) throw bad("N must be a whole number");
    const from = env.JOB_COMPLETION_INDEX ?? env.SLURM_ARRAY_TASK_ID;
    index = count(from);
    if (index === null) {
      throw bad(
        `needs JOB_COMPLETION_INDEX (or SLURM_ARRAY_TASK_ID) as a whole number (got ${
          JSON.stringify(from ?? null)
        })`,
      );
    }
  } else {
    const m = /^(\d+)\/(\d+)$/.exec(value);
    index = m ? count(m[1]) : null;
    total = m ? count(m[2]) : null;
    if (index === null || total === null) throw bad("is not of the form i/N");
  }
  if (total < 1) throw bad("the count must be at least 1");
  if (index < 0 || index >= total) throw bad("the index must be below the count");
  return { index, count: total };
}

/**
 * The instances `[lo, hi)` of shard `shard` among `total`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shardRange } from "./shard.ts";
 * assert.deepEqual([0, 1, 2].map((index) => shardRange(10, { index, count: 3 })), [
 *   { lo: 0, hi: 3 },
 *   { lo: 3, hi: 6 },
 *   { lo: 6, hi: 10 },
 * ]);
 * ```
 */
export function shardRange(total: number, shard: Shard): { lo: number; hi: number } {
  return {
    lo: Math.floor((shard.index * total) / shard.count),
    hi: Math.floor(((shard.index + 1) * total) / shard.count),
  };
}

/** What a shard's `shard.json` says about it. */
export interface ShardStamp {
  /** Format of this file. */
  format: "lab-shard/1";
  /** The experiment. */
  id: string;
  /** The profile the config was resolved with. */
  profile: string;
  /** The whole sweep's config (not the shard's range). */
  config: Record<string, Value>;
  /** The `--set` overrides it was given. */
  overrides: Record<string, string>;
  /** sha256 of the experiment id and the whole config (canonical JSON). */
  configDigest: string;
  /** Which shard. */
  index: number;
  /** Of how many. */
  count: number;
  /** Its instances `[lo, hi)` of `total`. */
  lo: number;
  /** End of its instance range (exclusive). */
  hi: number;
  /** Instances of the whole sweep. */
  total: number;
  /** The lab's code ({@link codeDigest}): shards of different code do not merge. */
  code: string;
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
    }
    return v;
  });
}

/**
 * sha256 (hex) of an experiment id and its config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configDigest } from "./shard.ts";
 * assert.equal(configDigest("x", { a: 1, b: 2 }), configDigest("x", { b: 2, a: 1 }));
 * assert.notEqual(configDigest("x", { a: 1 }), configDigest("x", { a: 2 }));
 * ```
 */
export function configDigest(id: string, config: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson({ id, config })).digest("hex");
}

let codeDigestCache: Promise<string> | null = null;

/**
 * sha256 (hex, first 16 digits) of every source file under `lib/` (paths and
 * contents, in path order): the version a shard was computed by. Two shards
 * merge only when it is the same, so that a sweep is never stitched together
 * from two versions of the lab.
 */
export function codeDigest(): Promise<string> {
  codeDigestCache ??= (async () => {
    const root = fileURLToPath(new URL("..", import.meta.url)); // lib/
    const files: string[] = [];
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith(".ts")) {
        files.push(
          join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name),
        );
      }
    }
    files.sort();
    const hash = createHash("sha256");
    for (const file of files) {
      hash.update(relative(root, file)).update("\0").update(await readFile(file)).update("\0");
    }
    return hash.digest("hex").slice(0, 16);
  })();
  return codeDigestCache;
}

/** A set of shard stamps that do not make one whole sweep, said in one line; null when they do. */
export function shardSetProblem(stamps: { stamp: ShardStamp; dir: string }[]): string | null {
  if (stamps.length === 0) return "no shards given";
  const [first] = stamps;
  const id = first.stamp.id;
  for (const { stamp, dir } of stamps) {
    if (stamp.configDigest !== first.stamp.configDigest) {
      return `${id}: ${dir} is a shard of another config than ${first.dir} (digest ${
        stamp.configDigest.slice(0, 12)
      } against ${first.stamp.configDigest.slice(0, 12)})`;
    }
    if (stamp.code !== first.stamp.code) {
      return `${id}: ${dir} was computed by another version of the lab than ${first.dir} ` +
        `(code ${stamp.code} against ${first.stamp.code})`;
    }
    if (stamp.count !== first.stamp.count) {
      return `${id}: ${dir} is shard ${stamp.index}/${stamp.count}, ${first.dir} is ` +
        `${first.stamp.index}/${first.stamp.count}: the counts differ`;
    }
  }
  const seen = new Map<number, string>();
  for (const { stamp, dir } of stamps) {
    const other = seen.get(stamp.index);
    if (other !== undefined) {
      return `${id}: shard ${stamp.index}/${stamp.count} is given twice (${other} and ${dir})`;
    }
    seen.set(stamp.index, dir);
  }
  const missing: number[] = [];
  for (let i = 0; i < first.stamp.count; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(", ") + (missing.length > 10 ? ", …" : "");
    return `${id}: shard${missing.length > 1 ? "s" : ""} ${shown} of ${first.stamp.count} ` +
      `missing (${missing.length} of ${first.stamp.count})`;
  }
  return null;
}

/**
 * Writes shard `stamp` of a sweep, with its result, into `OUT/<id>/` (`shard.json`, `part.json`),
 * whole or not at all; returns the folder. An empty shard (no instance in its range: `result`
 * null) writes its stamp only.
 */
export async function writeShard(
  out: string,
  stamp: ShardStamp,
  result: unknown | null,
): Promise<string> {
  const dir = join(out, stamp.id);
  const files = [
    ...(result === null ? [] : [["part.json", toExactJson(result)]]),
    ["shard.json", toJson(stamp)],
  ];
  await replaceDirAtomic(dir, async (tmp) => {
    for (const [name, text] of files) {
      try {
        await Deno.writeTextFile(join(tmp, name), text);
      } catch (err) {
        throw asWriteError(join(dir, name), err);
      }
    }
  });
  return dir;
}

/** A shard folder `OUT/<id>/` as read back: its stamp and where it is. */
export interface ShardFolder {
  /** The folder. */
  dir: string;
  /** Its `shard.json`. */
  stamp: ShardStamp;
}

/**
 * The shard folders inside `dir` (a shard run's `--out`: one `<id>/shard.json` per experiment),
 * or `dir` itself when it holds a `shard.json`. Throws a {@link ShardError} naming a folder that
 * holds no shard or a stamp that cannot be read.
 */
export async function findShards(dir: string): Promise<ShardFolder[]> {
  const read = async (folder: string): Promise<ShardFolder | null> => {
    let text: string;
    try {
      text = await Deno.readTextFile(join(folder, "shard.json"));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw new ShardError(
        `${join(folder, "shard.json")}: cannot be read (${(err as Error).message})`,
      );
    }
    let stamp: ShardStamp;
    try {
      stamp = JSON.parse(text);
    } catch {
      throw new ShardError(`${join(folder, "shard.json")}: is not JSON; a shard run writes it`);
    }
    const fields: (keyof ShardStamp)[] = ["id", "configDigest", "index", "count", "code", "config"];
    if (stamp?.format !== "lab-shard/1" || fields.some((f) => stamp[f] === undefined)) {
      throw new ShardError(
        `${join(folder, "shard.json")}: is not a shard stamp of this lab (format lab-shard/1)`,
      );
    }
    return { dir: folder, stamp };
  };
  const own = await read(dir);
  if (own) return [own];
  const found: ShardFolder[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (err) {
    throw new ShardError(`${dir}: is not a folder that can be read (${(err as Error).message})`);
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory || entry.name.startsWith(".") || entry.name.startsWith("_")) continue;
    const shard = await read(join(dir, entry.name));
    if (shard) found.push(shard);
  }
  if (found.length === 0) {
    throw new ShardError(
      `${dir}: holds no shard (no <id>/shard.json); give the --out folders of shard runs`,
    );
  }
  return found;
}

/**
 * The result a shard folder holds (its `part.json`), null for an empty shard; a ShardError when
 * it cannot be read.
 */
export async function readShardPart<R>(folder: ShardFolder): Promise<R | null> {
  if (folder.stamp.lo === folder.stamp.hi) return null;
  const path = join(folder.dir, "part.json");
  try {
    return fromExactJson<R>(await Deno.readTextFile(path));
  } catch (err) {
    throw new ShardError(`${path}: cannot be read as a shard's result (${(err as Error).message})`);
  }
}

/**
 * The whole run's result from parts whose results are lists of rows per instance (or per job):
 * every array field is the parts' arrays one after the other; every other field must be the
 * same in every part (it does not depend on the range) and is taken once. `meta` is left to the
 * caller (see `mergedMeta`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concatRowParts } from "./shard.ts";
 * const merged = concatRowParts([{ rows: [1, 2], n: 7 }, { rows: [3], n: 7 }]);
 * assert.deepEqual(merged, { rows: [1, 2, 3], n: 7 });
 * assert.throws(() => concatRowParts([{ n: 7 }, { n: 8 }]), /field n differs/);
 * ```
 */
export function concatRowParts<R extends object>(parts: R[]): Omit<R, "meta"> {
  const rows = parts as unknown as Record<string, unknown>[];
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(rows[0])) {
    if (key === "meta") continue;
    const first = rows[0][key];
    if (Array.isArray(first)) {
      out[key] = rows.flatMap((p) => p[key] as unknown[]);
      continue;
    }
    const text = toExactJson(first);
    if (rows.some((p) => toExactJson(p[key]) !== text)) {
      throw new Error(`field ${key} differs between the parts: they are not parts of one run`);
    }
    out[key] = first;
  }
  return out as Omit<R, "meta">;
}

/**
 * The merge of a {@link ShardSpec} whose results are lists of rows (see
 * {@link concatRowParts}), with the parts' run facts merged by {@link mergedMeta}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeRowParts } from "./shard.ts";
 * const meta = (ms: number) => ({ engine: "fused", backend: "js", workers: 1, elapsedMs: ms });
 * const merged = mergeRowParts([{ rows: [1], meta: meta(2) }, { rows: [2], meta: meta(3) }]);
 * assert.deepEqual(merged.rows, [1, 2]);
 * assert.equal(merged.meta.elapsedMs, 5);
 * ```
 */
export function mergeRowParts<R extends { meta: RunMeta }>(parts: R[]): R {
  return { ...concatRowParts(parts), meta: mergedMeta(parts) } as R;
}
