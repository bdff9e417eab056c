/**
 * Writes that never leave a half-written file under its final name: data goes
 * to a temporary sibling first and is renamed into place.
 *
 * @module
 */
import { dirname, join } from "node:path";

/**
 * Fills a fresh directory through `fill(tmpDir)` and then swaps it in for
 * `dir` (the old contents, if any, are removed only after `fill` succeeded).
 */
export async function replaceDirAtomic(
  dir: string,
  fill: (tmpDir: string) => Promise<void>,
): Promise<void> {
  const parent = dirname(dir);
  await Deno.mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${crypto.randomUUID()}.partial`);
  await Deno.mkdir(tmp);
  try {
    await fill(tmp);
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
  const old = join(parent, `.${crypto.randomUUID()}.old`);
  let moved = false;
  try {
    await Deno.rename(dir, old);
    moved = true;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await Deno.rename(tmp, dir);
  if (moved) await Deno.remove(old, { recursive: true });
}

/** Stable JSON: sorted keys are not needed (insertion order is fixed), NaN/Infinity become null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === "number" && !Number.isFinite(v)) return null;
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      return Array.from(v as unknown as ArrayLike<number>);
    }
    return v;
  }, 2) + "\n";
}
