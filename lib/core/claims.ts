/**
 * The claims ledger: what the four source write-ups claim, what this lab
 * measured, and whether the claim survived. Each experiment declares a
 * `claims` function that reads the experiment's own summary and returns one
 * {@link Claim} per statement it tests, its verdict decided by a rule over the
 * measured numbers (never typed by hand). The ledger is then assembled from
 * the summaries a reproduce run wrote: at the top of the report, and as the
 * README's table (`scripts/ledger.ts`).
 *
 * @module
 */

/** The write-ups the lab's studies come from, by the titles their authors gave them. */
export const WRITEUPS = {
  "optimization-failure": {
    title: "Optimization Failure",
    file: "001_5886ec1aebb515fa.txt",
  },
  "no-bias-aside": {
    title: "(Aside) Trying to compress even more vectors without b",
    file: "000_fb3d5c84f5acfb48.txt",
  },
  "research-notes": {
    title: "Machine Learning Research Notes 1 – Autoencoders and NMF",
    file: "002_dec861ffb5169185.txt",
  },
  "step-functions": {
    title: "Autoencoder study for piecewise constant functions",
    file: "003_0f218fd3ae493700.txt",
  },
} as const;

/** The key of one of {@link WRITEUPS}. */
export type WriteupId = keyof typeof WRITEUPS;

/**
 * What became of a claim: it held; it held only under conditions the
 * measurement states; the measurement contradicts it; or this run cannot tell
 * (too few seeds or steps, or the situation it is about never arose).
 */
export const VERDICTS = ["holds", "holds under conditions", "refuted", "open"] as const;
/** One of {@link VERDICTS}. */
export type Verdict = typeof VERDICTS[number];

/** One claim of a write-up, as one experiment measured it. */
export interface Claim {
  /** Stable key, unique over the lab (kebab-case). */
  id: string;
  /** The write-up that makes the claim. */
  writeup: WriteupId;
  /** The write-up's section it comes from. */
  section: string;
  /** The claim, in the lab's words. */
  claim: string;
  /** What the experiment measured: the numbers and the conditions they hold under. */
  measured: string;
  /** The verdict, decided from the numbers by the experiment's rule. */
  verdict: Verdict;
}

/**
 * The verdict of a claim about every case of some set, from how many cases
 * it held in: none to judge is open, all holds, none refutes it, and some
 * means it holds under conditions (which the measurement names).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shareVerdict } from "./claims.ts";
 * assert.deepEqual(
 *   [shareVerdict(3, 3), shareVerdict(1, 3), shareVerdict(0, 3), shareVerdict(0, 0)],
 *   ["holds", "holds under conditions", "refuted", "open"],
 * );
 * ```
 */
export function shareVerdict(held: number, cases: number): Verdict {
  if (cases === 0) return "open";
  if (held === cases) return "holds";
  return held === 0 ? "refuted" : "holds under conditions";
}

/** A claim together with the run that measured it: a row of the ledger. */
export interface LedgerRow extends Claim {
  /** The experiment's id. */
  experiment: string;
  /** The profile it ran with. */
  profile: string;
  /** A command that reruns that experiment as it ran. */
  command: string;
}

/**
 * The command that reruns one experiment as it ran: its id, its profile when
 * not the default, and its `--set` overrides.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rerunCommand } from "./claims.ts";
 * assert.equal(
 *   rerunCommand("toy-chaos", "smoke", { lrs: 4 }),
 *   "deno task reproduce --only toy-chaos --profile smoke --set lrs=4",
 * );
 * assert.equal(rerunCommand("sae", "quick", {}), "deno task reproduce --only sae");
 * ```
 */
export function rerunCommand(
  id: string,
  profile: string,
  overrides: Record<string, unknown>,
): string {
  const parts = ["deno task reproduce", `--only ${id}`];
  if (profile !== "quick") parts.push(`--profile ${profile}`);
  for (const [k, v] of Object.entries(overrides)) {
    const value = Array.isArray(v) ? v.join(",") : String(v);
    parts.push(`--set ${/^[\w.,+=:/-]*$/.test(value) ? `${k}=${value}` : `"${k}=${value}"`}`);
  }
  return parts.join(" ");
}

/**
 * Checks that a value is a list of well-formed claims (as read back from a
 * summary.json) and returns it typed; throws naming the first problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkClaims } from "./claims.ts";
 * const ok = [{
 *   id: "a", writeup: "optimization-failure", section: "S", claim: "C", measured: "M",
 *   verdict: "holds",
 * }];
 * assert.equal(checkClaims(ok, "test").length, 1);
 * assert.throws(() => checkClaims([{ ...ok[0], verdict: "maybe" }], "test"), /verdict/);
 * ```
 */
export function checkClaims(value: unknown, where: string): Claim[] {
  if (!Array.isArray(value)) throw new Error(`${where}: claims must be a list`);
  const seen = new Set<string>();
  for (const [i, c] of value.entries()) {
    const at = `${where}: claim ${i + 1}`;
    if (c === null || typeof c !== "object") throw new Error(`${at} is not an object`);
    for (const key of ["id", "section", "claim", "measured"] as const) {
      const text = (c as Record<string, unknown>)[key];
      if (typeof text !== "string" || text.trim() === "") {
        throw new Error(`${at}: ${key} must be a non-empty string`);
      }
      if (/\b(NaN|undefined|null)\b/.test(text)) {
        throw new Error(`${at}: ${key} contains "${/\b(NaN|undefined|null)\b/.exec(text)![0]}"`);
      }
    }
    const claim = c as Claim;
    if (!(claim.writeup in WRITEUPS)) {
      throw new Error(
        `${at}: writeup "${claim.writeup}" is not one of ${Object.keys(WRITEUPS).join(", ")}`,
      );
    }
    if (!VERDICTS.includes(claim.verdict)) {
      throw new Error(`${at}: verdict "${claim.verdict}" is not one of ${VERDICTS.join(", ")}`);
    }
    if (seen.has(claim.id)) throw new Error(`${at}: id "${claim.id}" appears twice`);
    seen.add(claim.id);
  }
  return value as Claim[];
}

/** What the ledger needs of one experiment's output folder. */
export interface LedgerSource {
  /** The experiment's id. */
  id: string;
  /** The profile it ran with. */
  profile: string;
  /** Its `--set` overrides (config.json's `overrides`). */
  overrides: Record<string, unknown>;
  /** Its summary (summary.json), whose `claims` the ledger reads. */
  summary: Record<string, unknown>;
}

/**
 * The ledger rows of the given experiments, ordered by write-up (in
 * {@link WRITEUPS} order) and then in the order the experiments come. An
 * experiment without claims adds no rows; a claim id that two experiments
 * both give is an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ledgerRows } from "./claims.ts";
 * const claim = {
 *   id: "ngon", writeup: "optimization-failure", section: "Introduction",
 *   claim: "Features sit on a regular polygon.", measured: "gap deviation 0.2°", verdict: "holds",
 * };
 * const rows = ledgerRows([
 *   { id: "toy-geometry", profile: "quick", overrides: {}, summary: { claims: [claim] } },
 *   { id: "other", profile: "quick", overrides: {}, summary: {} },
 * ]);
 * assert.equal(rows.length, 1);
 * assert.equal(rows[0].command, "deno task reproduce --only toy-geometry");
 * ```
 */
export function ledgerRows(sources: LedgerSource[]): LedgerRow[] {
  const rows: LedgerRow[] = [];
  const owner = new Map<string, string>();
  for (const s of sources) {
    if (s.summary.claims === undefined) continue;
    for (const c of checkClaims(s.summary.claims, `${s.id}/summary.json`)) {
      const earlier = owner.get(c.id);
      if (earlier) throw new Error(`claim "${c.id}" is given by both ${earlier} and ${s.id}`);
      owner.set(c.id, s.id);
      rows.push({
        ...c,
        experiment: s.id,
        profile: s.profile,
        command: rerunCommand(s.id, s.profile, s.overrides),
      });
    }
  }
  const order = Object.keys(WRITEUPS);
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => order.indexOf(a.row.writeup) - order.indexOf(b.row.writeup) || a.i - b.i)
    .map((x) => x.row);
}

/** Counts of each verdict over the rows, in {@link VERDICTS} order. */
export function verdictCounts(rows: LedgerRow[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of rows) counts[r.verdict]++;
  return counts;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/**
 * The ledger as a Markdown table (columns claim, write-up, measured with the
 * command that reruns it, verdict, experiment); `link(row)` gives the
 * experiment cell's target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ledgerMarkdown, type LedgerRow } from "./claims.ts";
 * const row: LedgerRow = {
 *   id: "ngon", writeup: "optimization-failure", section: "Introduction", claim: "A | B",
 *   measured: "m", verdict: "holds", experiment: "toy-geometry", profile: "quick",
 *   command: "deno task reproduce --only toy-geometry",
 * };
 * const md = ledgerMarkdown([row], { link: (r) => `#${r.experiment}` });
 * assert.match(md, /^\| claim \| write-up \| measured \| verdict \| experiment \|/);
 * assert.match(md, /A \\\| B/);
 * assert.match(md, /\[`toy-geometry`\]\(#toy-geometry\)/);
 * ```
 */
export function ledgerMarkdown(
  rows: LedgerRow[],
  options: { link: (row: LedgerRow) => string },
): string {
  const lines = [
    "| claim | write-up | measured | verdict | experiment |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const writeup = `“${WRITEUPS[r.writeup].title}”, ${r.section}`;
    lines.push(
      `| ${cell(r.claim)} | ${cell(writeup)} | ${cell(r.measured)}: \`${cell(r.command)}\` | ` +
        `**${r.verdict}** | ` +
        `[\`${r.experiment}\`](${options.link(r)}) |`,
    );
  }
  return lines.join("\n") + "\n";
}
