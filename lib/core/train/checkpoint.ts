/**
 * Checkpoints of long training runs: one file per run state, written
 * atomically (`io.ts`), and refused on `--resume` unless it proves it is
 * intact and belongs to this run. The file is one header line and the payload:
 *
 * ```
 * {"format":"lab-checkpoint","version":2,"bytes":…,"sha256":"…","shapes":{…}}
 * {"key":…,"state":…}            ← exact JSON (typed arrays bit for bit)
 * ```
 *
 * On load the header must parse and carry this format and version, the
 * payload must have the stated length and SHA-256 digest, its key must equal
 * the run's (config and a fingerprint of the data), the shapes of its typed
 * arrays must be the ones the header lists, and, when the caller gives a
 * fresh state to compare with (`like`), the saved state must have its structure:
 * the same keys, kinds and fixed lengths. Anything else is a
 * {@link CheckpointError}: one line, exit 2 at the CLI, never a resumed run.
 *
 * A run that checkpoints saves every `every` steps (or iterations) and at its
 * end, so resuming a finished run returns its result at once; resuming
 * continues from the saved step and ends bit-identical to a run that was
 * never stopped (each study's tests check this).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fromExactJson, toExactJson, WriteError, writeFileAtomic } from "../io.ts";

/** Where and how often a run checkpoints, and whether it continues from one. */
export interface CheckpointOptions {
  /** Folder of the run's checkpoint files (one experiment's). */
  dir: string;
  /** Steps (or iterations) between checkpoints. */
  every: number;
  /** Continue from the checkpoint in `dir` when there is one. */
  resume: boolean;
}

/**
 * A checkpoint that cannot be continued: made with another configuration,
 * unreadable, damaged, or of another shape. The CLI reports it in one line (exit 2).
 */
export class CheckpointError extends RangeError {
  /** The error's name. */
  override name = "CheckpointError";
}

/** A run that was stopped by its signal; its state is in the checkpoint folder, if it had one. */
export class TrainingInterrupted extends Error {
  /** The error's name. */
  override name = "TrainingInterrupted";
  /** A run stopped at `where`, its state saved in `checkpointDir` (null: nothing saved). */
  constructor(readonly where: string, readonly checkpointDir: string | null) {
    super(
      checkpointDir
        ? `stopped at ${where}; checkpoint saved in ${checkpointDir} (continue with --resume)`
        : `stopped at ${where}`,
    );
  }
}

/** The file format's name and version; a file with any other is refused. */
const FORMAT = "lab-checkpoint";
const VERSION = 2;

/** The header line of a checkpoint file. */
interface Header {
  format: string;
  version: number;
  /** Length of the payload in UTF-8 bytes. */
  bytes: number;
  /** Hex SHA-256 of the payload's UTF-8 bytes. */
  sha256: string;
  /** Path → "Float64Array[12]" for every typed array of the payload. */
  shapes: Record<string, string>;
}

function path(dir: string, name: string): string {
  return join(dir, `${name}.json`);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Path → "Kind[length]" of every typed array in `value` (paths like `state.params`, `history.3`). */
function shapesOf(
  value: unknown,
  at = "",
  out: Record<string, string> = {},
): Record<string, string> {
  if (ArrayBuffer.isView(value)) {
    out[at] = `${value.constructor.name}[${(value as unknown as ArrayLike<number>).length}]`;
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) shapesOf(v, at ? `${at}.${k}` : k, out);
  }
  return out;
}

/** The most array bytes one checkpoint file holds (their base64 must fit in one string). */
const MAX_ARRAY_BYTES = 380 * 2 ** 20;

/** Bytes of every typed array in `value`. */
function arrayBytes(value: unknown): number {
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value === null || typeof value !== "object") return 0;
  let total = 0;
  for (const v of Object.values(value)) total += arrayBytes(v);
  return total;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

/**
 * Why `value` does not have the structure of `like` (null: it does).
 * Objects need the same keys; typed arrays the same kind, and the same length
 * unless `like`'s is empty (a recorder that grows); plain arrays at least
 * `like`'s length (lists grow), each entry with the structure of `like`'s entry
 * at that place, or of its last one for entries added since (any entries when
 * `like`'s list is empty);
 * where `like` holds null, anything goes (a slot filled during the run).
 */
function mismatch(value: unknown, like: unknown, at: string): string | null {
  if (like === null) return null;
  const where = at || "the state";
  const kind = kindOf(value);
  const want = kindOf(like);
  if (kind !== want) return `${where} is ${kind}, expected ${want}`;
  if (ArrayBuffer.isView(like)) {
    const n = (value as ArrayLike<number>).length;
    const m = (like as unknown as ArrayLike<number>).length;
    return m > 0 && n !== m ? `${where} has ${n} values, expected ${m}` : null;
  }
  if (Array.isArray(like)) {
    const list = value as unknown[];
    if (like.length === 0) return null;
    if (list.length < like.length) {
      return `${where} has ${list.length} entries, expected at least ${like.length}`;
    }
    for (let i = 0; i < list.length; i++) {
      const why = mismatch(list[i], like[Math.min(i, like.length - 1)], `${at}.${i}`);
      if (why) return why;
    }
    return null;
  }
  if (typeof like === "object") {
    const got = value as Record<string, unknown>;
    for (const k of Object.keys(like as object)) {
      if (!(k in got)) return `${at ? `${at}.` : ""}${k} is missing`;
      const why = mismatch(got[k], (like as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
      if (why) return why;
    }
    for (const k of Object.keys(got)) {
      if (!(k in (like as object))) {
        return `${at ? `${at}.` : ""}${k} is not part of this run's state`;
      }
    }
  }
  return null;
}

/**
 * Writes `state` as checkpoint `name` in `dir`, stamped with `key` (anything
 * JSON-serialisable that identifies the run: its config, its data), with the
 * header that proves it intact. Typed arrays keep every bit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * await saveCheckpoint(dir, "run", { key: { lr: 0.1 }, state: { w: Float64Array.of(1, 2) } });
 * const header = JSON.parse((await Deno.readTextFile(`${dir}/run.json`)).split("\n")[0]);
 * assert.deepEqual(header.shapes, { "state.w": "Float64Array[2]" });
 * assert.deepEqual(await loadCheckpoint(dir, "run", { lr: 0.1 }), { w: Float64Array.of(1, 2) });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveCheckpoint(
  dir: string,
  name: string,
  options: { key: unknown; state: unknown },
): Promise<void> {
  const body = { key: options.key, state: options.state };
  // The payload is one string, and V8 caps a string near 512 MB: base64 makes 4 characters of
  // every 3 bytes, so more than about 380 MB of arrays cannot be saved in one file.
  const bytes = arrayBytes(body);
  if (bytes > MAX_ARRAY_BYTES) {
    throw new WriteError(
      `cannot write ${path(dir, name)}: the run's state (${Math.round(bytes / 2 ** 20)} MB of ` +
        `arrays) is too large for one checkpoint file (at most ${MAX_ARRAY_BYTES / 2 ** 20} MB); ` +
        `make the run smaller`,
    );
  }
  const text = toExactJson(body);
  const payload = new TextEncoder().encode(text);
  const header: Header = {
    format: FORMAT,
    version: VERSION,
    bytes: payload.length,
    sha256: sha256(payload),
    shapes: shapesOf(body),
  };
  const head = new TextEncoder().encode(`${JSON.stringify(header)}\n`);
  const file = new Uint8Array(head.length + payload.length);
  file.set(head);
  file.set(payload, head.length);
  await writeFileAtomic(path(dir, name), file);
}

/** Reads the file's bytes; null when there is none. */
async function readBytes(file: string): Promise<Uint8Array | null> {
  try {
    return await Deno.readFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    if (err instanceof Deno.errors.IsADirectory) {
      throw new CheckpointError(
        `the checkpoint ${file} is a folder, not a file; remove it or run without --resume`,
      );
    }
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new CheckpointError(
      `the checkpoint ${file} cannot be read (${why}); remove it or run without --resume`,
    );
  }
}

/** The header and payload of a checkpoint file, or why it is not one. */
function split(bytes: Uint8Array): { header: Header; payload: Uint8Array } | string {
  const nl = bytes.indexOf(0x0a);
  if (nl < 0) return "it has no header line (not a lab checkpoint, or from an older version)";
  let header: Partial<Header>;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, nl));
    header = JSON.parse(text);
  } catch {
    return "its header is not readable (not a lab checkpoint, or from an older version)";
  }
  if (header === null || typeof header !== "object" || header.format !== FORMAT) {
    return "it is not a lab checkpoint (or from an older version)";
  }
  // The header is written in one canonical form; any other spelling of it was edited.
  if (JSON.stringify(header) !== text) return "its header was edited";
  if (header.version !== VERSION) {
    return `it has format version ${header.version}, this version of the lab reads ${VERSION}`;
  }
  if (
    !Number.isSafeInteger(header.bytes) || typeof header.sha256 !== "string" ||
    header.shapes === null || typeof header.shapes !== "object"
  ) {
    return "its header is incomplete";
  }
  const payload = bytes.subarray(nl + 1);
  if (payload.length !== header.bytes) {
    return `it holds ${payload.length} bytes where its header says ${header.bytes} (cut short or extended)`;
  }
  if (sha256(payload) !== header.sha256) return "its contents do not match their digest (damaged)";
  return { header: header as Header, payload };
}

/**
 * Reads the checkpoint file `file` and proves it intact (format, version,
 * length, digest, shapes) without asking whom it belongs to: its key and
 * state, or null when there is no such file. Throws a {@link CheckpointError}
 * (one line) otherwise. For tools and tests that look inside a checkpoint;
 * runs resume through {@link loadCheckpoint}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * await saveCheckpoint(dir, "run", { key: { lr: 0.1 }, state: { step: 7 } });
 * assert.deepEqual(await readCheckpoint(`${dir}/run.json`), { key: { lr: 0.1 }, state: { step: 7 } });
 * await Deno.writeTextFile(`${dir}/run.json`, "{}");
 * await assert.rejects(readCheckpoint(`${dir}/run.json`), /refused: it has no header line/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readCheckpoint<T>(
  file: string,
): Promise<{ key: unknown; state: T } | null> {
  const bytes = await readBytes(file);
  if (bytes === null) return null;
  const parts = split(bytes);
  if (typeof parts === "string") throw refusal(file, parts);
  let saved: { key: unknown; state: T };
  try {
    saved = fromExactJson(new TextDecoder().decode(parts.payload));
  } catch {
    throw refusal(file, "its contents are not readable");
  }
  if (saved === null || typeof saved !== "object" || !("key" in saved) || !("state" in saved)) {
    throw refusal(file, "it holds no key and state");
  }
  if (toExactJson(shapesOf(saved)) !== toExactJson(parts.header.shapes)) {
    throw refusal(file, "its arrays do not have the shapes its header lists");
  }
  return saved;
}

function refusal(file: string, why: string): CheckpointError {
  return new CheckpointError(
    `the checkpoint ${file} is refused: ${why}; remove it or run without --resume`,
  );
}

/**
 * Reads checkpoint `name` from `dir`: its state, or null when there is none.
 * Throws a {@link CheckpointError} (one line) when the file is not an intact
 * checkpoint of this format ({@link readCheckpoint}), was saved for another
 * `key`, or has another structure than `like()`, a fresh state of this run
 * (called only when the file is intact and its key fits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CheckpointError, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await loadCheckpoint(dir, "run", {}), null);
 * await saveCheckpoint(dir, "run", { key: {}, state: { w: Float64Array.of(1, 2) } });
 * // A fresh state with three weights is another run: refused.
 * await assert.rejects(
 *   loadCheckpoint(dir, "run", {}, { like: () => ({ w: new Float64Array(3) }) }),
 *   CheckpointError,
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCheckpoint<T>(
  dir: string,
  name: string,
  key: unknown,
  options: { like?: () => T | Promise<T> } = {},
): Promise<T | null> {
  const file = path(dir, name);
  const saved = await readCheckpoint<T>(file);
  if (saved === null) return null;
  if (toExactJson(saved.key) !== toExactJson(key)) {
    throw new CheckpointError(
      `the checkpoint in ${dir} was made with another configuration; remove it or run without --resume`,
    );
  }
  if (options.like !== undefined) {
    const why = mismatch(saved.state, await options.like(), "");
    if (why) throw refusal(file, `it does not fit this run (${why})`);
  }
  return saved.state;
}

/** A 32-bit FNV-1a hash of the bytes of some arrays (identifies data in a checkpoint's key). */
export function fingerprint(...arrays: ArrayBufferView[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}
