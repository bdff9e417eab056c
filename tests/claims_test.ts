/**
 * The claims ledger: every experiment tests some claim of the write-ups; the
 * README's table is exactly what data/claims.json gives (so it is generated,
 * never typed); data/claims.json holds every claim the code can produce and
 * no other; the summaries' claims are checked on their way in.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { checkClaims, type LedgerRow, VERDICTS } from "../lib/core/claims.ts";
import { experimentFiles, README_MARKERS, readmeWithLedger } from "../lib/core/report/ledger.ts";
import { defineExperiment } from "../lib/core/experiment.ts";
import { EXPERIMENTS } from "../lib/registry.ts";
import { formatMarkdown } from "../scripts/markdown.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const rows = JSON.parse(
  await Deno.readTextFile(join(ROOT, "data", "claims.json")),
) as LedgerRow[];
const readme = await Deno.readTextFile(join(ROOT, "README.md"));

Deno.test("every experiment of the registry declares the claims it tests", () => {
  const without = EXPERIMENTS.filter((e) => !e.claims).map((e) => e.id);
  assert.deepEqual(without, []);
});

Deno.test("README's claims table is data/claims.json as scripts/ledger.ts writes it", async () => {
  const expected = await formatMarkdown(
    readmeWithLedger(readme, rows, await experimentFiles(ROOT)),
  );
  assert.equal(readme, expected, "stale: run deno run -A scripts/ledger.ts --from out");
  const [open, close] = README_MARKERS;
  const table = readme.slice(readme.indexOf(open) + open.length, readme.indexOf(close)).trim();
  const lines = table.split("\n").filter((l) => l.startsWith("|"));
  const header = lines[0].split("|").map((c) => c.trim());
  assert.ok(header.includes("claim") && header.includes("verdict"), lines[0]);
  assert.ok(lines.length - 2 >= 15, `${lines.length - 2} rows; the issue asks for at least 15`);
});

Deno.test("data/claims.json: well-formed rows, every experiment linked to its file", async () => {
  checkClaims(rows, "data/claims.json");
  const files = await experimentFiles(ROOT);
  for (const r of rows) {
    assert.ok(files[r.experiment], `${r.id}: no file defines experiment ${r.experiment}`);
    assert.ok(VERDICTS.includes(r.verdict));
    assert.match(r.command, new RegExp(`^deno task reproduce --only ${r.experiment}\\b`));
  }
});

Deno.test("data/claims.json holds exactly the claim ids the experiments' code can give", async () => {
  const inCode = new Set<string>();
  for await (const study of Deno.readDir(join(ROOT, "lib", "studies"))) {
    const path = join(ROOT, "lib", "studies", study.name, "claims.ts");
    const text = await Deno.readTextFile(path).catch(() => "");
    for (const m of text.matchAll(/^\s+id: "([a-z0-9-]+)",$/gm)) inCode.add(m[1]);
  }
  const inLedger = new Set(rows.map((r) => r.id));
  assert.deepEqual([...inLedger].filter((id) => !inCode.has(id)), [], "in the ledger, not in code");
  assert.deepEqual([...inCode].filter((id) => !inLedger.has(id)), [], "in code, not in the ledger");
});

Deno.test("defineExperiment(): claims go into the summary, and a bad claim is refused", () => {
  const base = {
    id: "x",
    title: "X",
    description: "d",
    fields: {},
    profiles: { smoke: {}, quick: {}, full: {} },
    run: () => Promise.reject(new Error("not run")),
    artefacts: () => ({ summary: { k: 2 }, tables: {}, figures: {}, notes: [] }),
  };
  const claim = {
    id: "two",
    writeup: "optimization-failure" as const,
    section: "S",
    claim: "k is 2",
    measured: "k = 2",
    verdict: "holds" as const,
  };
  const good = defineExperiment({ ...base, claims: () => [claim] });
  assert.deepEqual(good.artefacts({}, {}).summary, { k: 2, claims: [claim] });
  const bad = defineExperiment({
    ...base,
    claims: (s) => [{ ...claim, measured: `k = ${s.missing}` }],
  });
  assert.throws(() => bad.artefacts({}, {}), /x: claim 1: measured contains "undefined"/);
});
