/**
 * Refreshes the claims ledger the README shows: works out the claims of the
 * experiments of one or more reproduce runs from the numbers in their
 * summaries (with each experiment's current rule) and puts each into data/claims.json in place of the row with the same id (so a
 * long run of one experiment updates just its rows; the rest are kept),
 * except that an "open" row, which says its run could not tell, never
 * replaces a verdict that another run measured. Then it rewrites the README's
 * table between its `claims:start` and `claims:end` markers from
 * data/claims.json. Nothing in the table is typed by hand; every row carries
 * the command that reruns what it reports.
 *
 *   deno task reproduce && deno run -A scripts/ledger.ts [--from out] [--from other-run]
 *   deno run -A scripts/ledger.ts --check    # exit 1 when the README's table is stale
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { type LedgerRow, ledgerRows, rerunCommand, WRITEUPS } from "../lib/core/claims.ts";
import { experimentFiles, readLedgerSources, readmeWithLedger } from "../lib/core/report/ledger.ts";
import { EXPERIMENTS, findExperiment } from "../lib/registry.ts";
import { formatMarkdown } from "./markdown.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const CLAIMS_FILE = join(ROOT, "data", "claims.json");
const README_FILE = join(ROOT, "README.md");

const { values } = parseArgs({
  args: Deno.args,
  options: { from: { type: "string", multiple: true }, check: { type: "boolean" } },
});

async function present(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const e of EXPERIMENTS) {
    try {
      await Deno.stat(join(dir, e.id, "summary.json"));
      ids.push(e.id);
    } catch {
      // Not in this run.
    }
  }
  return ids;
}

/**
 * The ledger rows of a run, each experiment's claims worked out afresh by its
 * current `claims` rule from the numbers in its summary.json (so a rule
 * changed since the run applies without rerunning it).
 */
async function recomputed(dir: string, ids: string[]): Promise<LedgerRow[]> {
  const sources = await readLedgerSources(dir, ids);
  for (const source of sources) {
    const { claims: _stored, ...summary } = source.summary;
    const experiment = findExperiment(source.id)!;
    try {
      // config.json's `config` is the resolved config this experiment ran with.
      const config = source.config as typeof experiment.defaults;
      source.summary = { claims: experiment.claims?.(summary, config) ?? [] };
    } catch (err) {
      const rerun = rerunCommand(source.id, source.profile, source.overrides);
      console.error(
        `error: ${dir}/${source.id}/summary.json lacks what its claims read ` +
          `(${(err as Error).message}); rerun: ${rerun}`,
      );
      Deno.exit(1);
    }
  }
  return ledgerRows(sources);
}

let rows: LedgerRow[] = JSON.parse(await Deno.readTextFile(CLAIMS_FILE).catch(() => "[]"));
for (const dir of values.from ?? (values.check ? [] : ["out"])) {
  const ids = await present(dir);
  if (ids.length === 0) {
    console.error(`error: ${dir} holds no experiment folder with a summary.json`);
    Deno.exit(1);
  }
  const fresh = await recomputed(dir, ids);
  let kept = 0;
  for (const row of fresh) {
    const k = rows.findIndex((r) => r.id === row.id);
    if (k < 0) rows.push(row);
    // "Open" says a run could not tell: it never replaces a verdict another run measured.
    else if (row.verdict === "open" && rows[k].verdict !== "open") kept++;
    else rows[k] = row;
  }
  console.log(
    `${dir}: ${fresh.length} claim(s) from ${ids.length} experiment(s)` +
      (kept ? ` (${kept} open ones left the earlier measured rows in place)` : ""),
  );
}
// Write-up order, then the registry's order of experiments, then each experiment's own.
const writeups = Object.keys(WRITEUPS);
const rank = (id: string) => EXPERIMENTS.findIndex((e) => e.id === id);
rows = rows.map((row, i) => ({ row, i }))
  .sort((a, b) =>
    writeups.indexOf(a.row.writeup) - writeups.indexOf(b.row.writeup) ||
    rank(a.row.experiment) - rank(b.row.experiment) || a.i - b.i
  )
  .map((x) => x.row);

const readme = await Deno.readTextFile(README_FILE);
const next = await formatMarkdown(readmeWithLedger(readme, rows, await experimentFiles(ROOT)));
if (values.check) {
  if (next !== readme) {
    console.error("error: README's claims table is stale: run deno run -A scripts/ledger.ts");
    Deno.exit(1);
  }
  console.log(`README's claims table matches data/claims.json (${rows.length} claims)`);
} else {
  await Deno.writeTextFile(CLAIMS_FILE, JSON.stringify(rows, null, 2) + "\n");
  await Deno.writeTextFile(README_FILE, next);
  console.log(`data/claims.json and README.md: ${rows.length} claims`);
}
