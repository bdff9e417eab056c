/**
 * `deno doc --lint` over the lab's public entry (`lib/mod.ts`), as a step of
 * `deno task test`: every public symbol has JSDoc, every exported function
 * an explicit return type, and no public type leans on one that is not
 * exported.
 *
 * One kind of finding is let through, by name: a public signature that uses
 * a tfjs tensor type (the reference models take and return tensors). Those
 * types belong to `@tensorflow/tfjs`; re-exporting them would make the
 * linter walk tfjs's own internals instead.
 *
 * Usage: `deno run -A scripts/check_docs.ts [PATH_PREFIX …]` (only findings in
 * files under a prefix, e.g. `lib/studies/sae/`).
 *
 * @module
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Third-party types a public signature may name. */
const THIRD_PARTY_TYPES = new Set(["Scalar", "Tensor", "Tensor1D", "Tensor2D", "Tensor3D"]);

const root = fileURLToPath(new URL("..", import.meta.url));
const prefixes = Deno.args;

const out = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--lint", "lib/mod.ts"],
  cwd: root,
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "piped",
}).output();
const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);

interface Finding {
  kind: string;
  message: string;
  where: string;
}
const findings: Finding[] = [];
const lines = text.split("\n");
for (let i = 0; i < lines.length; i++) {
  const head = /^error\[([a-z-]+)\]: (.*)$/.exec(lines[i]);
  if (!head) continue;
  const at = /-->\s+(\S+)/.exec(lines[i + 1] ?? "");
  const where = at ? relative(root, at[1]) : "?";
  findings.push({ kind: head[1], message: head[2], where });
}
const allowed = (f: Finding) =>
  f.kind === "private-type-ref" &&
  THIRD_PARTY_TYPES.has(/references private type '([^']+)'/.exec(f.message)?.[1] ?? "");
const shown = findings.filter((f) =>
  !allowed(f) && (prefixes.length === 0 || prefixes.some((p) => f.where.startsWith(p)))
);
for (const f of shown) console.log(`${f.where}: ${f.kind}: ${f.message}`);
if (findings.length === 0 && !out.success) {
  console.log(text.slice(-3000));
  Deno.exit(1);
}
console.log(
  `doc lint: ${shown.length} finding(s)${prefixes.length ? ` under ${prefixes.join(", ")}` : ""}`,
);
Deno.exit(shown.length > 0 ? 1 : 0);
