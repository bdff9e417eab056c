/**
 * The claims ledger of a reproduce run (see `../claims.ts`): read from the
 * summaries and configs its experiment folders hold, and drawn as the table
 * at the top of the report, each row linking to its experiment's section.
 *
 * @module
 */
import { join } from "node:path";
import {
  checkClaims,
  type Claim,
  ledgerMarkdown,
  type LedgerRow,
  ledgerRows,
  type LedgerSource,
  verdictCounts,
  VERDICTS,
  WRITEUPS,
} from "../claims.ts";
import { escapeHtml as esc } from "./html.ts";

/**
 * The ledger rows of the experiment folders `ids` under `outDir`, from each
 * folder's summary.json (its `claims`) and config.json (profile and
 * overrides, for the command that reruns it). A folder without claims adds
 * no rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readLedger } from "./ledger.ts";
 * const out = await Deno.makeTempDir();
 * await Deno.mkdir(`${out}/toy-tilt`);
 * const claim = { id: "tilt", writeup: "optimization-failure", section: "S", claim: "C",
 *   measured: "M", verdict: "holds" };
 * await Deno.writeTextFile(`${out}/toy-tilt/summary.json`, JSON.stringify({ claims: [claim] }));
 * await Deno.writeTextFile(`${out}/toy-tilt/config.json`,
 *   JSON.stringify({ profile: "smoke", overrides: { n: 8 } }));
 * const [row] = await readLedger(out, ["toy-tilt"]);
 * assert.equal(row.command, "deno task reproduce --only toy-tilt --profile smoke --set n=8");
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function readLedger(outDir: string, ids: string[]): Promise<LedgerRow[]> {
  return ledgerRows(await readLedgerSources(outDir, ids));
}

/**
 * What the ledger reads of the experiment folders `ids` under `outDir`:
 * summary.json whole, and from config.json the profile, the overrides and
 * the resolved config (for a caller that works the claims out again).
 */
export async function readLedgerSources(
  outDir: string,
  ids: string[],
): Promise<(LedgerSource & { config: Record<string, unknown> })[]> {
  const sources = [];
  for (const id of ids) {
    const read = async (name: string) =>
      JSON.parse(await Deno.readTextFile(join(outDir, id, name))) as Record<string, unknown>;
    const summary = await read("summary.json");
    const config = await read("config.json");
    sources.push({
      id,
      profile: String(config.profile),
      overrides: (config.overrides ?? {}) as Record<string, unknown>,
      summary,
      config: (config.config ?? {}) as Record<string, unknown>,
    });
  }
  return sources;
}

/** CSS class of a verdict's badge. */
function verdictClass(verdict: string): string {
  return `verdict-${verdict.replace(/\s+/g, "-")}`;
}

/** Styles for {@link ledgerHtml}'s table, to put in the page's `<style>`. */
export const LEDGER_CSS = `
.ledger{width:100%;border-collapse:collapse;font-size:.85em;margin:.5em 0 1.5em}
.ledger td,.ledger th{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
.ledger th{background:#f3f3f3}
.ledger .verdict{white-space:nowrap;font-weight:bold}
.verdict-holds{color:#1b6e20}
.verdict-holds-under-conditions{color:#8a5a00}
.verdict-refuted{color:#b3261e}
.verdict-open{color:#555}
.ledger .cmd{font-family:monospace;font-size:.9em;color:#444}
.claims{background:#f8f8f4;border-left:3px solid #ccc;padding:.2em .8em;margin:.5em 0}
.claims li{margin:.3em 0}
.claim-source{color:#666;font-size:.9em}
`;

/**
 * The ledger as an HTML section: a line of verdict counts, then one table
 * row per claim (claim, write-up and section, what was measured with the
 * command that reruns it, verdict), the experiment cell linking to `#<id>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ledgerHtml } from "./ledger.ts";
 * const html = ledgerHtml([{
 *   id: "tilt", writeup: "optimization-failure", section: "S", claim: "x < y", measured: "M",
 *   verdict: "refuted", experiment: "toy-tilt", profile: "smoke",
 *   command: "deno task reproduce --only toy-tilt --profile smoke",
 * }]);
 * assert.match(html, /<a href="#toy-tilt">/);
 * assert.match(html, /x &lt; y/);
 * assert.match(html, /1 refuted/);
 * ```
 */
export function ledgerHtml(rows: LedgerRow[]): string {
  if (rows.length === 0) return "";
  const counts = verdictCounts(rows);
  const tally = VERDICTS.filter((v) => counts[v] > 0).map((v) => `${counts[v]} ${v}`).join(" · ");
  const profiles = [...new Set(rows.map((r) => r.profile))];
  const body = rows.map((r) =>
    `<tr><td>${esc(r.claim)}</td><td>“${esc(WRITEUPS[r.writeup].title)}”, ${esc(r.section)}</td>` +
    `<td>${esc(r.measured)}<div class="cmd">${esc(r.command)}</div></td>` +
    `<td class="verdict ${verdictClass(r.verdict)}">${esc(r.verdict)}</td>` +
    `<td><a href="#${esc(r.experiment)}">${esc(r.experiment)}</a></td></tr>`
  ).join("\n");
  return `<section id="claims">
<h2>What the write-ups claim, and what this run measured</h2>
<p>${rows.length} claims: ${esc(tally)}. Each verdict is decided from the numbers of this run ` +
    `(profile ${esc(profiles.join(", "))}) by a rule the experiment states in its code; ` +
    `<b>open</b> means this run cannot tell, usually for want of seeds or steps.</p>
<table class="ledger"><thead><tr><th>claim</th><th>write-up, section</th><th>measured</th>` +
    `<th>verdict</th><th>experiment</th></tr></thead>
<tbody>
${body}
</tbody></table>
</section>`;
}

/** The markers around the README's claims table. */
export const README_MARKERS = ["<!-- claims:start -->", "<!-- claims:end -->"] as const;

/**
 * `readme` with the text between its {@link README_MARKERS} replaced by the
 * ledger table of `rows`, each experiment linking to `links[id]`; throws
 * when the markers are missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readmeWithLedger } from "./ledger.ts";
 * const readme = "# Lab\n<!-- claims:start -->\nold\n<!-- claims:end -->\nrest\n";
 * const next = readmeWithLedger(readme, [], {});
 * assert.match(next, /^# Lab\n<!-- claims:start -->\n\n\| claim \|/);
 * assert.match(next, /\|\n\n<!-- claims:end -->\nrest\n$/);
 * assert.throws(() => readmeWithLedger("# Lab\n", [], {}), /markers/);
 * ```
 */
export function readmeWithLedger(
  readme: string,
  rows: LedgerRow[],
  links: Record<string, string>,
): string {
  const [open, close] = README_MARKERS;
  const start = readme.indexOf(open);
  const end = readme.indexOf(close);
  if (start < 0 || end < start) {
    throw new Error(`the README has no ${open} … ${close} markers for the claims table`);
  }
  const table = ledgerMarkdown(rows, { link: (r) => links[r.experiment] ?? `#${r.experiment}` });
  // Blank lines around the table: what `deno fmt` keeps, so a formatted README stays the same.
  return readme.slice(0, start + open.length) + "\n\n" + table + "\n" + readme.slice(end);
}

/**
 * The source file (relative to the project root) that defines each
 * experiment id, found by its `id: "<id>"` line under `lib/studies/*\/experiments/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { experimentFiles } from "./ledger.ts";
 * const files = await experimentFiles(new URL("../../../", import.meta.url).pathname);
 * assert.equal(files["toy-tilt"], "lib/studies/toy/experiments/tilt.ts");
 * ```
 */
export async function experimentFiles(root: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const studies = join(root, "lib", "studies");
  for await (const study of Deno.readDir(studies)) {
    if (!study.isDirectory) continue;
    const dir = join(studies, study.name, "experiments");
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      continue;
    }
    for (const e of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
      if (!e.name.endsWith(".ts")) continue;
      const text = await Deno.readTextFile(join(dir, e.name));
      for (const m of text.matchAll(/^\s+id: "([a-z0-9-]+)",$/gm)) {
        found[m[1]] ??= `lib/studies/${study.name}/experiments/${e.name}`;
      }
    }
  }
  return found;
}

/**
 * The claims one experiment tested, for its own section of the report: each
 * with its verdict and what was measured, and a link back to the ledger.
 * Empty when the summary has none (or none in the expected shape).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sectionClaimsHtml } from "./ledger.ts";
 * const claims = [{ id: "t", writeup: "optimization-failure", section: "S", claim: "Tilt costs.",
 *   measured: "always", verdict: "holds" }];
 * assert.match(sectionClaimsHtml({ claims }), /<b class="verdict-holds">holds<\/b>/);
 * assert.equal(sectionClaimsHtml({}), "");
 * ```
 */
export function sectionClaimsHtml(summary: Record<string, unknown>): string {
  let claims: Claim[];
  try {
    claims = checkClaims(summary.claims ?? [], "summary");
  } catch {
    return "";
  }
  if (claims.length === 0) return "";
  const items = claims.map((c) =>
    `<li><b class="${verdictClass(c.verdict)}">${esc(c.verdict)}</b>: ${esc(c.claim)} ` +
    `<span class="claim-source">(“${esc(WRITEUPS[c.writeup].title)}”, ${esc(c.section)})</span> ` +
    `<i>Measured:</i> ${esc(c.measured)}.</li>`
  ).join("");
  return `<div class="claims"><p>Claims tested here (<a href="#claims">all claims</a>):</p>` +
    `<ul>${items}</ul></div>`;
}
