/**
 * File writes that never leave a half-written file under its final name, the
 * error a failed write ends in, the check that an output folder can be
 * written to, and a JSON encoding that keeps typed arrays bit-exact (for
 * checkpoints).
 *
 * @module
 */
import { dirname, join } from "node:path";

/**
 * A write that failed once a run was under way (disk full, an I/O error, a
 * folder that stopped being writable): one line naming the file and the
 * system's reason. The CLI reports it and exits with code 74.
 */
export class WriteError extends Error {
  /** The error's name. */
  override name = "WriteError";
}

/**
 * The system's reason in an error a file operation threw, without the
 * operation and path Deno appends (`No space left on device (os error 28)`).
 */
function osReason(err: unknown): string {
  const text = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return /^(.*?\(os error \d+\))/.exec(text)?.[1] ?? text;
}

/**
 * `err`, thrown while writing `path`, as a {@link WriteError} that names
 * `path` (a WriteError already is one and is returned as it is).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { asWriteError } from "./io.ts";
 * const err = await Deno.writeTextFile("/dev/full", "x").catch((e) => e);
 * assert.equal(
 *   asWriteError("out/x.csv", err).message,
 *   "cannot write out/x.csv: No space left on device (os error 28)",
 * );
 * ```
 */
export function asWriteError(path: string, err: unknown): WriteError {
  if (err instanceof WriteError) return err;
  return new WriteError(`cannot write ${path}: ${osReason(err)}`, { cause: err });
}

/** The pattern of `crypto.randomUUID()`, which names every temporary file and folder of the lab. */
export const UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/**
 * The names {@link writeFileAtomic} (and {@link prepareOutputDir}'s probe)
 * give their temporary files: `.<uuid>.tmp`. One left behind was cut short by
 * a killed run.
 */
export const TEMP_FILE_NAME = new RegExp(`^\\.${UUID_PATTERN}\\.tmp$`);

/** A temporary sibling name in `dir` that {@link TEMP_FILE_NAME} matches. */
function tempPath(dir: string): string {
  return join(dir, `.${crypto.randomUUID()}.tmp`);
}

/**
 * Whether anything is at `path` (a symlink counts, even a dangling one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathExists } from "./io.ts";
 * const dir = await Deno.makeTempDir();
 * assert.deepEqual([await pathExists(dir), await pathExists(`${dir}/none`)], [true, false]);
 * await Deno.remove(dir);
 * ```
 */
export async function pathExists(path: string): Promise<boolean> {
  return (await lstatOrNull(path)) !== null;
}

/**
 * Writes `data` to `path` atomically (temporary sibling, then rename). A
 * failure is a {@link WriteError} naming `path`, and leaves no temporary file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./io.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/sub/a.txt`, "hello");
 * assert.equal(await Deno.readTextFile(`${dir}/sub/a.txt`), "hello");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
  } catch (err) {
    throw asWriteError(path, err);
  }
  const tmp = tempPath(dirname(path));
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw asWriteError(path, err);
  }
}

async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw err;
  }
}

/**
 * Why `path`, which does not exist, cannot be created: the nearest existing
 * ancestor is not a folder (null: it is one). Also returns the topmost
 * missing folder, the one to remove if the new folder turns out unusable.
 */
async function blockedAncestor(path: string): Promise<{ why: string | null; top: string }> {
  let top = path;
  for (let up = dirname(path); up !== top; top = up, up = dirname(up)) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(up);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      if (err instanceof Deno.errors.NotADirectory) continue; // a file further up; found next
      throw err;
    }
    return { why: info.isDirectory ? null : `cannot be created: ${up} is a file`, top };
  }
  return { why: null, top };
}

/**
 * Makes sure `path` is a folder this process can write to, before anything
 * is computed for it: creates it (with its parents) when it is missing, then
 * creates and removes a small probe file in it. Returns null when it is
 * usable, otherwise what is wrong in a few words (`is a file`, `is a symlink
 * to a file`, `cannot be created: /etc/hostname is a file`, `is not writable
 * (…)`); a folder it created for nothing is removed again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prepareOutputDir } from "./io.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await prepareOutputDir(`${dir}/new/out`), null);
 * assert.ok((await Deno.stat(`${dir}/new/out`)).isDirectory);
 * await Deno.writeTextFile(`${dir}/file`, "");
 * assert.equal(await prepareOutputDir(`${dir}/file`), "is a file");
 * assert.equal(await prepareOutputDir(`${dir}/file/x`), `cannot be created: ${dir}/file is a file`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function prepareOutputDir(path: string): Promise<string | null> {
  const info = await lstatOrNull(path);
  let created: string | null = null;
  if (info?.isSymlink) {
    let target: Deno.FileInfo;
    try {
      target = await Deno.stat(path);
    } catch {
      return "is a symlink to nothing (its target is missing)";
    }
    if (!target.isDirectory) return `is a symlink to a ${target.isFile ? "file" : "non-folder"}`;
  } else if (info !== null && !info.isDirectory) {
    return info.isFile ? "is a file" : "is not a folder";
  } else if (info === null) {
    const { why, top } = await blockedAncestor(path);
    if (why) return why;
    try {
      await Deno.mkdir(path, { recursive: true });
    } catch (err) {
      return `cannot be created (${osReason(err)})`;
    }
    created = top;
  }
  // Only writing shows whether writing works: permissions, read-only mounts, /proc, a full disk.
  const probe = tempPath(path);
  try {
    await Deno.writeTextFile(probe, "probe\n", { createNew: true });
    await Deno.remove(probe);
    return null;
  } catch (err) {
    await Deno.remove(probe).catch(() => {});
    if (created) await Deno.remove(created, { recursive: true }).catch(() => {});
    return `is not writable (a file cannot be created in it: ${osReason(err)})`;
  }
}

/** Base64 of bytes (chunked, so large buffers do not overflow the call stack). */
export function encodeBase64(bytes: Uint8Array): string {
  let text = "";
  for (let k = 0; k < bytes.length; k += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
  }
  return btoa(text);
}

const KINDS = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
} as const;
type Kind = keyof typeof KINDS;

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let k = 0; k < bin.length; k++) out[k] = bin.charCodeAt(k);
  return out;
}

/**
 * JSON text in which typed arrays keep every bit (stored as base64 of their
 * bytes), and so do the numbers JSON cannot write (NaN, ±Infinity, −0).
 */
export function toExactJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0))) {
      return { $number: Object.is(v, -0) ? "-0" : String(v) };
    }
    for (const kind of Object.keys(KINDS) as Kind[]) {
      if (v instanceof KINDS[kind]) {
        const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        return { $typed: kind, data: encodeBase64(bytes) };
      }
    }
    return v;
  });
}

/** Reads what {@link toExactJson} wrote. */
export function fromExactJson<T>(text: string): T {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === "object" && typeof v.$number === "string") return Number(v.$number);
    if (v && typeof v === "object" && typeof v.$typed === "string" && v.$typed in KINDS) {
      const bytes = decodeBase64(v.data);
      const Ctor = KINDS[v.$typed as Kind];
      return new Ctor(bytes.buffer as ArrayBuffer);
    }
    return v;
  }) as T;
}
