/**
 * What `reproduce` and `merge` both do around the experiments' folders: the
 * versions a run records in config.json, the report index (with the claims
 * ledger) over every experiment folder in OUT, and the exit code and error
 * class they share.
 *
 * @module
 */
import { EXPERIMENTS } from "../lib/registry.ts";
import { readManifests, writeIndex } from "../lib/core/report/index_html.ts";
import { ledgerHtml, readLedger } from "../lib/core/report/ledger.ts";
import { TFJS_VERSION } from "../lib/core/tf.ts";
import type { RunMeta } from "../lib/core/experiment.ts";

/** Exit code of a write that failed (sysexits.h's EX_IOERR). */
export const EXIT_WRITE_FAILED = 74;

/** A bad command line: said in one line, exit code 2. */
export class UsageError extends Error {}

/** The versions of Deno and of the pinned libraries that computed and drew a run. */
export async function versions(): Promise<Record<string, string>> {
  const deno = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  ) as { imports: Record<string, string> };
  const pinned = (name: string) => deno.imports[name]?.split("@").pop() ?? "?";
  return {
    deno: Deno.version.deno,
    "@tensorflow/tfjs": TFJS_VERSION,
    arquero: pinned("arquero"),
    vega: pinned("vega"),
    "vega-lite": pinned("vega-lite"),
    // The report draws its live figures with it (OUT/_report/).
    "vega-embed": pinned("vega-embed"),
  };
}

/**
 * Writes OUT/index.html over every experiment folder in `out` and returns its path; a
 * WriteError when it cannot be written.
 */
export async function writeReport(
  out: string,
  o: { command: string; versions: Record<string, string> },
): Promise<string> {
  const manifests = await readManifests(out, EXPERIMENTS.map((e) => e.id));
  const ledger = await readLedger(out, manifests.map((m) => m.id)).catch((err) => {
    // A folder left by an older version of the lab may carry claims in another shape.
    console.error(`warning: the report has no claims ledger: ${(err as Error).message}`);
    return [];
  });
  return await writeIndex(out, manifests, {
    generatedBy: o.command,
    versions: o.versions,
    preamble: ledgerHtml(ledger),
  });
}

/** What a run's config.json records besides the config: how, when and by what it was computed. */
export function configJson(
  id: string,
  run: {
    profile: string;
    config: Record<string, unknown>;
    overrides: Record<string, string>;
    meta: RunMeta;
    versions: Record<string, string>;
    command: string;
    started: Date;
  },
): Record<string, unknown> {
  const { meta } = run;
  return {
    id,
    profile: run.profile,
    config: run.config,
    overrides: run.overrides,
    engine: meta.engine,
    backend: meta.backend,
    workers: meta.workers,
    versions: run.versions,
    command: run.command,
    started_at: run.started.toISOString(),
    train_seconds: Number((meta.elapsedMs / 1000).toFixed(3)),
  };
}
