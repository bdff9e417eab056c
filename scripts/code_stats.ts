/**
 * Sizes of the code under a folder: files, lines, and the length of every
 * function (declarations, methods, arrow functions and function expressions),
 * parsed with the TypeScript compiler. `deno task test` uses
 * {@link functionSizes} to hold `experiments/` functions to 80 lines; the
 * issue notes quote its summary.
 *
 * Usage: `deno run -A scripts/code_stats.ts [DIR] [--top N]` (default `lib/`).
 *
 * @module
 */
import ts from "typescript";
import { join, relative } from "node:path";

/** One function and its length in lines (first to last line, inclusive). */
export interface FunctionSize {
  file: string;
  name: string;
  line: number;
  lines: number;
}

/** Every `.ts` file below `dir`, sorted. */
export async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await tsFiles(p));
    else if (e.isFile && e.name.endsWith(".ts")) out.push(p);
  }
  return out.sort();
}

function nameOf(node: ts.Node): string {
  const n = (node as { name?: ts.Node }).name;
  if (n && ts.isIdentifier(n)) return n.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
    return parent.name.text;
  }
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) {
    return parent.name.text;
  }
  return "(anonymous)";
}

/** The length of every function in `text` (a TypeScript source). */
export function functionSizesOf(file: string, text: string): FunctionSize[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: FunctionSize[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) || ts.isFunctionExpression(node) ||
      ts.isGetAccessorDeclaration(node) || ts.isConstructorDeclaration(node)
    ) {
      const first = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
      const last = src.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ file, name: nameOf(node), line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

/** The length of every function in every `.ts` file below `dir`. */
export async function functionSizes(dir: string): Promise<FunctionSize[]> {
  const out: FunctionSize[] = [];
  for (const f of await tsFiles(dir)) out.push(...functionSizesOf(f, await Deno.readTextFile(f)));
  return out;
}

if (import.meta.main) {
  const args = [...Deno.args];
  const topAt = args.indexOf("--top");
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 10;
  const dir = args[0] ?? "lib";
  const files = await tsFiles(dir);
  let lines = 0;
  for (const f of files) lines += (await Deno.readTextFile(f)).split("\n").length - 1;
  const sizes = (await functionSizes(dir)).sort((a, b) => b.lines - a.lines);
  const sorted = sizes.map((s) => s.lines).sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : 0;
  console.log(`${dir}: ${files.length} files, ${lines} lines, ${sizes.length} functions`);
  console.log(`function length: median ${median}, largest ${sorted.at(-1) ?? 0}`);
  for (const s of sizes.slice(0, top)) {
    console.log(`  ${String(s.lines).padStart(4)}  ${relative(".", s.file)}:${s.line} ${s.name}`);
  }
}
