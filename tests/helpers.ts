/** Small builders shared by the tests. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { optimizerDefaults, type OptimizerName } from "../lib/core/optim/config.ts";
import { TOY_MODEL_DEFAULTS } from "../lib/studies/toy/model.ts";
import type { ToyTrainConfig } from "../lib/studies/toy/config.ts";

/** A toy run on one-hot data with the given overrides. */
export function toyRun(
  overrides: Partial<ToyTrainConfig> & { optimizerName?: OptimizerName; lr?: number } = {},
): ToyTrainConfig {
  const { optimizerName = "adam", lr = 1e-2, ...rest } = overrides;
  return {
    model: TOY_MODEL_DEFAULTS,
    data: { kind: "identity" },
    importanceDecay: 1,
    optimizer: optimizerDefaults(optimizerName, lr),
    steps: 200,
    seeds: [0, 1, 2, 3],
    record: { lossEvery: 1, snapshotEvery: 10, maxLossRows: 4096, maxSnapshots: 512 },
    divergeAbove: 1e6,
    ...rest,
  };
}

/** The subtitle lines of a figure spec's title (none for a plain string title). */
export function subtitles(spec: { title?: unknown }): string[] {
  const sub = (spec.title as { subtitle?: string | string[] } | undefined)?.subtitle;
  return sub === undefined ? [] : Array.isArray(sub) ? sub : [sub];
}

/** The rows a figure spec draws: its top-level `data.values`, or those of layer `layer`. */
export function drawnRows(spec: unknown, layer?: number): Record<string, unknown>[] {
  type Data = { data: { values: Record<string, unknown>[] } };
  const view = layer === undefined ? spec as Data : (spec as { layer: Data[] }).layer[layer];
  return view.data.values;
}

/** `scripts/reproduce.ts`, the CLI the end-to-end tests run. */
export const REPRODUCE_SCRIPT = new URL("../scripts/reproduce.ts", import.meta.url).pathname;

/**
 * Starts the CLI with `args` (piped output, no colours); with `limitBlocks`,
 * under that file-size limit in `ulimit -f` blocks, SIGXFSZ ignored so that
 * writes past it fail instead of killing the process.
 */
export function spawnReproduce(
  args: string[],
  options: { limitBlocks?: number } = {},
): Deno.ChildProcess {
  const argv = [Deno.execPath(), "run", "-A", REPRODUCE_SCRIPT, ...args];
  const [cmd, ...rest] = options.limitBlocks === undefined ? argv : [
    "sh",
    "-c",
    'trap "" XFSZ; ulimit -f "$0"; exec "$@"',
    String(options.limitBlocks),
    ...argv,
  ];
  return new Deno.Command(cmd, {
    args: rest,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs the CLI to its end (see {@link spawnReproduce}): exit code, stdout and stderr. */
export async function reproduce(
  args: string[],
  options: { limitBlocks?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await spawnReproduce(args, options).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Whether something is at `path` (a dangling symlink counts). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * What Vega-Lite 5 (the version JupyterLab draws notebook figures with) says
 * when it compiles each spec: its warnings and errors, and the message of a
 * compile that throws; an empty list for a spec v5 draws as meant.
 *
 * It runs in a child process without the project's config
 * (`tests/_vega_lite_5.ts`): vega-lite 5's only loadable build require()s its
 * peer `vega`, which in this project Deno resolves to vega 6 (the nearest, if
 * not matching, version), and vega 6 cannot be required (its modules use
 * top-level await). On its own, vega-lite 5.23.0 gets vega 5; both are pinned
 * by `tests/vega_lite_5.lock`.
 */
export async function vegaLite5Messages(specs: unknown[]): Promise<string[][]> {
  const dir = new URL(".", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-config",
      `--lock=${dir}vega_lite_5.lock`,
      "--frozen",
      `${dir}_vega_lite_5.ts`,
    ],
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(specs)));
  await writer.close();
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`tests/_vega_lite_5.ts failed: ${stderr.slice(-2000)}`);
  const { version, messages } = JSON.parse(new TextDecoder().decode(out.stdout));
  if (version !== "5.23.0") throw new Error(`tests/_vega_lite_5.ts ran vega-lite ${version}`);
  return messages;
}

/**
 * Asserts that `merged` (an experiment folder written by `deno task merge`) holds the files of
 * `whole` (the same sweep run whole), each byte for byte but config.json, which records how and
 * when a run was made; returns both config.json's for the caller's own checks.
 */
export async function assertSameRunFolder(
  merged: string,
  whole: string,
): Promise<{ merged: Record<string, unknown>; whole: Record<string, unknown> }> {
  const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  const files = names(whole);
  assert.deepEqual(names(merged), files, "the merged folder's files");
  assert.ok(files.some((f) => f.endsWith(".csv")) && files.some((f) => f.endsWith(".svg")));
  for (const f of files.filter((f) => f !== "config.json")) {
    const [a, b] = await Promise.all([
      Deno.readFile(join(merged, f)),
      Deno.readFile(join(whole, f)),
    ]);
    assert.deepEqual(a, b, `${f} differs between the merged and the whole run`);
  }
  const config = async (dir: string) =>
    JSON.parse(await Deno.readTextFile(join(dir, "config.json")));
  return { merged: await config(merged), whole: await config(whole) };
}
