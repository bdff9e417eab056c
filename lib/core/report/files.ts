/**
 * Writes that never leave a half-written file under its final name: data goes
 * to a temporary sibling first and is renamed into place; and the sweep that
 * removes what a killed run left of such writes.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { asWriteError, pathExists, TEMP_FILE_NAME, UUID_PATTERN } from "../io.ts";

/** A folder being filled: `.<uuid>.partial`. */
const PARTIAL = new RegExp(`^\\.${UUID_PATTERN}\\.partial$`);
/** A complete folder moved aside while its replacement moves in: `.<name>.<uuid>.old`. */
const OLD = new RegExp(`^\\.(.+)\\.${UUID_PATTERN}\\.old$`);

/**
 * Fills a fresh directory through `fill(tmpDir)` and then swaps it in for
 * `dir` (the old contents, if any, are removed only after `fill` succeeded).
 * If `fill` fails, the fresh directory is removed and `dir` is left as it
 * was; a failure of the swap itself is a `WriteError` naming `dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replaceDirAtomic } from "./files.ts";
 * const out = await Deno.makeTempDir();
 * await replaceDirAtomic(`${out}/exp`, (tmp) => Deno.writeTextFile(`${tmp}/a.csv`, "1"));
 * // A fill that fails leaves the previous folder as it was.
 * await assert.rejects(replaceDirAtomic(`${out}/exp`, () => Promise.reject(new Error("no"))));
 * assert.equal(await Deno.readTextFile(`${out}/exp/a.csv`), "1");
 * assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["exp"]);
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function replaceDirAtomic(
  dir: string,
  fill: (tmpDir: string) => Promise<void>,
): Promise<void> {
  const parent = dirname(dir);
  const tmp = join(parent, `.${crypto.randomUUID()}.partial`);
  try {
    await Deno.mkdir(parent, { recursive: true });
    await Deno.mkdir(tmp);
  } catch (err) {
    throw asWriteError(dir, err);
  }
  try {
    await fill(tmp);
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
  // The old folder's name keeps `dir`'s, so that a run killed between the two renames
  // leaves something removeLeftovers can put back.
  const old = join(parent, `.${basename(dir)}.${crypto.randomUUID()}.old`);
  let moved = false;
  try {
    await Deno.rename(dir, old);
    moved = true;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      throw asWriteError(dir, err);
    }
  }
  try {
    await Deno.rename(tmp, dir);
  } catch (err) {
    if (moved) await Deno.rename(old, dir).catch(() => {});
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw asWriteError(dir, err);
  }
  if (moved) await Deno.remove(old, { recursive: true }).catch(() => {});
}

/** What {@link removeLeftovers} found: paths relative to the folder it swept. */
export interface Leftovers {
  /** Partial folders, moved-aside folders and temporary files it removed. */
  removed: string[];
  /** Folders it put back: a run was killed after moving them aside, before the new one moved in. */
  restored: string[];
}

async function entries(dir: string): Promise<Deno.DirEntry[]> {
  const list: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(dir)) list.push(e);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return [];
    }
    throw err;
  }
  return list.sort((a, b) => a.name < b.name ? -1 : 1);
}

/**
 * Removes what a killed run left in the output folder `outDir`, and only
 * that, by the names this module and `writeFileAtomic` give: `.<uuid>.partial`
 * folders (an experiment being written), `.<name>.<uuid>.old` folders (a
 * previous result moved aside; put back as `<name>` when `<name>` is missing)
 * and `.<uuid>.tmp` files, in `outDir` and in each `outDir/.checkpoints/<id>/`.
 * Symlinks and anything else are left alone. Meant for the start of a run:
 * a run still writing into the same folder would lose its partial output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { removeLeftovers } from "./files.ts";
 * const out = await Deno.makeTempDir();
 * const partial = `.${crypto.randomUUID()}.partial`;
 * await Deno.mkdir(`${out}/${partial}`);
 * await Deno.mkdir(`${out}/.keep.partial`);
 * assert.deepEqual(await removeLeftovers(out), { removed: [partial], restored: [] });
 * assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), [".keep.partial"]);
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function removeLeftovers(outDir: string): Promise<Leftovers> {
  const found: Leftovers = { removed: [], restored: [] };
  const sweep = async (rel: string) => {
    for (const e of await entries(join(outDir, rel))) {
      const path = join(outDir, rel, e.name);
      const name = join(rel, e.name);
      const remove = async () => {
        await Deno.remove(path, { recursive: true }).catch((err) => {
          throw asWriteError(path, err);
        });
        found.removed.push(name);
      };
      if (e.isFile && TEMP_FILE_NAME.test(e.name)) await remove();
      else if (rel === "" && e.isDirectory && PARTIAL.test(e.name)) await remove();
      else if (rel === "" && e.isDirectory && OLD.test(e.name)) {
        const target = OLD.exec(e.name)![1];
        if (await pathExists(join(outDir, target))) await remove();
        else {
          await Deno.rename(path, join(outDir, target)).catch((err) => {
            throw asWriteError(join(outDir, target), err);
          });
          found.restored.push(target);
        }
      }
    }
  };
  await sweep("");
  for (const e of await entries(join(outDir, ".checkpoints"))) {
    if (e.isDirectory) await sweep(join(".checkpoints", e.name));
  }
  return found;
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
