/**
 * scripts/build_wasm.ts: the WebAssembly checked in beside each AssemblyScript
 * kernel is exactly what the pinned compiler makes of the source today, and
 * every kernel exports what lib/core/wasm.ts needs.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileKernel, generatedModule } from "../scripts/build_wasm.ts";
import { wasmModule } from "../lib/core/wasm.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function kernels(): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(ROOT, "lib"), { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(".as.ts")) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

Deno.test("build-wasm: every checked-in kernel module is what its source compiles to", async () => {
  const sources = await kernels();
  assert.ok(sources.length >= 1, "no *.as.ts kernel under lib/");
  for (const source of sources) {
    const shown = source.slice(ROOT.length);
    const { path, text } = generatedModule(source, await compileKernel(source), shown);
    const current = await readFile(path, "utf8");
    assert.equal(current, text, `${path.slice(ROOT.length)} is stale: run deno task build-wasm`);
    const { WASM } = await import(path);
    const names = WebAssembly.Module.exports(wasmModule(WASM)).map((e) => e.name);
    assert.ok(names.includes("memory") && names.includes("heapBase"), `${shown}: ${names}`);
  }
});
