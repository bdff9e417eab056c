/**
 * Checkpoints of long training runs: one file per run state, written
 * atomically (`io.ts`), stamped with the configuration it belongs to so that
 * `--resume` never continues a run with other settings, plus the error a
 * run throws when it was stopped (Ctrl-C) after saving its state.
 *
 * A run that checkpoints saves every `every` steps (or iterations) and at its
 * end, so resuming a finished run returns its result at once; resuming
 * continues from the saved step and ends bit-identical to a run that was
 * never stopped (each study's tests check this).
 *
 * @module
 */
import { join } from "node:path";
import { fromExactJson, toExactJson, writeFileAtomic } from "../io.ts";

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
 * unreadable, or inconsistent. The CLI reports it in one line (exit 2).
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

function path(dir: string, name: string): string {
  return join(dir, `${name}.json`);
}

/**
 * Writes `state` as checkpoint `name` in `dir`, stamped with `key` (anything
 * JSON-serialisable that identifies the run: its config, its data). Typed
 * arrays keep every bit.
 */
export async function saveCheckpoint(
  dir: string,
  name: string,
  options: { key: unknown; state: unknown },
): Promise<void> {
  await writeFileAtomic(path(dir, name), toExactJson({ key: options.key, state: options.state }));
}

/**
 * Reads checkpoint `name` from `dir`: its state, or null when there is none.
 * Throws a {@link CheckpointError} when it was saved for another `key`.
 */
export async function loadCheckpoint<T>(
  dir: string,
  name: string,
  key: unknown,
): Promise<T | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path(dir, name));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  let saved: { key: unknown; state: T };
  try {
    saved = fromExactJson(text);
  } catch {
    throw new CheckpointError(
      `the checkpoint ${path(dir, name)} is not readable; remove it or run without --resume`,
    );
  }
  if (toExactJson(saved.key) !== toExactJson(key)) {
    throw new CheckpointError(
      `the checkpoint in ${dir} was made with another configuration; remove it or run without --resume`,
    );
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
