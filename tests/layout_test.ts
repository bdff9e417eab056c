/**
 * The shape of `lib/` (issue 9, `shared/DESIGN.md`), checked on every test run:
 *
 * - `lib/core/` never imports a study, the registry or the public barrel;
 * - a study reaches another study only through that study's `mod.ts`;
 * - inside `lib/`, files import files, not barrels (`mod.ts` is for callers outside);
 * - a file whose name starts with `_` is imported only from its own folder;
 * - every study folder has its public face, registry entry, reference model and
 *   experiments, is in the registry and is exported by `lib/mod.ts`;
 * - no function in a study's `experiments/` is longer than 80 lines;
 * - tests mirror the names: `tests/core/…` and `tests/studies/<study>/…`.
 */
import assert from "node:assert/strict";
import ts from "typescript";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { functionSizes, tsFiles } from "../scripts/code_stats.ts";
import { STUDIES } from "../lib/registry.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const lib = join(root, "lib");
const rel = (p: string) => relative(root, p);

/** Every relative module a file imports (static, dynamic, re-exports, worker URLs), resolved. */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(file);
  // preProcessFile reads the code, not the comments: JSDoc examples are not imports.
  const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  for (const m of text.matchAll(/new URL\(\s*"(\.[^"]+\.ts)"\s*,\s*import\.meta\.url/g)) {
    specs.push(m[1]);
  }
  return specs.filter((s) => s.startsWith(".")).map((s) => resolve(dirname(file), s));
}

const files = await tsFiles(lib);
const edges = await Promise.all(files.map(async (f) => ({ from: f, to: await importsOf(f) })));
const studyOf = (p: string) => /lib\/studies\/([^/]+)\//.exec(p)?.[1] ?? null;

Deno.test("layout: lib/core/ imports no study, no registry and no barrel", () => {
  const offenders = edges.flatMap(({ from, to }) =>
    from.startsWith(join(lib, "core") + "/")
      ? to.filter((t) => !t.startsWith(join(lib, "core") + "/")).map((t) =>
        `${rel(from)} → ${rel(t)}`
      )
      : []
  );
  assert.deepEqual(offenders, []);
});

Deno.test("layout: a study reaches another study only through its mod.ts", () => {
  const offenders = edges.flatMap(({ from, to }) => {
    const own = studyOf(from);
    if (!own) return [];
    return to.filter((t) => {
      const other = studyOf(t);
      return other !== null && other !== own && t !== join(lib, "studies", other, "mod.ts");
    }).map((t) => `${rel(from)} → ${rel(t)}`);
  });
  assert.deepEqual(offenders, []);
});

Deno.test("layout: inside lib/, files import files, not barrels", () => {
  const offenders = edges.flatMap(({ from, to }) => {
    if (from === join(lib, "mod.ts")) return []; // the public entry re-exports the faces
    return to.filter((t) => {
      if (!t.endsWith("/mod.ts")) return false;
      const other = studyOf(t);
      // Another study's face is the one barrel a study may import.
      return !(other !== null && studyOf(from) !== null && other !== studyOf(from));
    }).map((t) => `${rel(from)} → ${rel(t)}`);
  });
  assert.deepEqual(offenders, []);
});

Deno.test("layout: a file starting with _ is imported only from its own folder", async () => {
  const outside = [join(root, "tests"), join(root, "scripts")];
  const all = [...edges];
  for (const dir of outside) {
    for (const f of await tsFiles(dir)) all.push({ from: f, to: await importsOf(f) });
  }
  const offenders = all.flatMap(({ from, to }) =>
    to.filter((t) => t.split("/").pop()!.startsWith("_") && dirname(t) !== dirname(from))
      .map((t) => `${rel(from)} → ${rel(t)}`)
  );
  assert.deepEqual(offenders, []);
});

Deno.test("layout: every study folder is complete and in the registry", async () => {
  const folders: string[] = [];
  for await (const e of Deno.readDir(join(lib, "studies"))) if (e.isDirectory) folders.push(e.name);
  assert.deepEqual(STUDIES.map((s) => s.id).sort(), folders.sort());
  for (const s of folders) {
    for (const f of ["mod.ts", "study.ts", "model.ts", "experiments"]) {
      const stat = await Deno.stat(join(lib, "studies", s, f)).catch(() => null);
      assert.ok(stat, `lib/studies/${s}/${f} is missing`);
    }
    const tests = await Deno.stat(join(root, "tests", "studies", s)).catch(() => null);
    assert.ok(tests?.isDirectory, `tests/studies/${s}/ is missing`);
  }
  for (const study of STUDIES) {
    assert.ok(study.experiments.length > 0, `${study.id} has no experiment`);
  }
});

Deno.test("layout: no function in a study's experiments/ is longer than 80 lines", async () => {
  const long: string[] = [];
  for await (const e of Deno.readDir(join(lib, "studies"))) {
    if (!e.isDirectory) continue;
    for (const f of await functionSizes(join(lib, "studies", e.name, "experiments"))) {
      if (f.lines > 80) long.push(`${rel(f.file)}:${f.line} ${f.name} (${f.lines} lines)`);
    }
  }
  assert.deepEqual(long, []);
});

Deno.test("layout: tests mirror lib/ (tests/core/…, tests/studies/<study>/…)", async () => {
  const studies = new Set(STUDIES.map((s) => s.id));
  const misplaced: string[] = [];
  for (const f of await tsFiles(join(root, "tests"))) {
    const r = relative(join(root, "tests"), f);
    const parts = r.split("/");
    if (parts.length === 1) continue; // the whole-project tests: reproduce, notebooks, layout, helpers
    if (parts[0] === "core") continue;
    if (parts[0] === "studies" && studies.has(parts[1])) continue;
    misplaced.push(`tests/${r}`);
  }
  assert.deepEqual(misplaced, []);
});
