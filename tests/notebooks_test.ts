/**
 * Every notebook runs top to bottom. With Jupyter installed (CI installs
 * Debian's jupyter-nbconvert and python3-nbclient) each notebook is executed
 * by the real Deno kernel through nbconvert, and every code cell tagged
 * `expect-figure`, `expect-table` or `expect-output` must have produced that
 * output. Every figure an executed notebook shows must compile with
 * Vega-Lite 5 (JupyterLab's renderer) without a warning and come out of
 * `jupyter nbconvert --to html` as its PNG, and the notebook must stay under
 * a size per figure. Without Jupyter (a machine with only Node and npm) the
 * notebooks' code cells run as one Deno module instead, which checks the code
 * but not the kernel; set LAB_REQUIRE_JUPYTER=1 to make a missing Jupyter a
 * failure.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { vegaLite5Messages } from "./helpers.ts";

const notebooksDir = new URL("../notebooks/", import.meta.url).pathname;

interface Cell {
  id?: string;
  cell_type: string;
  source: string[] | string;
  metadata?: { tags?: string[] };
  outputs?: {
    output_type: string;
    data?: Record<string, unknown>;
    ename?: string;
    evalue?: string;
  }[];
}

/** Every notebook, or those whose names start with one of LAB_NOTEBOOKS (e.g. `LAB_NOTEBOOKS=04,05`). */
async function notebooks(): Promise<string[]> {
  const only = (Deno.env.get("LAB_NOTEBOOKS") ?? "").split(",").filter((s) => s !== "");
  const names: string[] = [];
  for await (const e of Deno.readDir(notebooksDir)) {
    if (!e.isFile || !e.name.endsWith(".ipynb")) continue;
    if (only.length === 0 || only.some((p) => e.name.startsWith(p))) names.push(e.name);
  }
  return names.sort();
}

async function hasJupyter(): Promise<boolean> {
  try {
    const out = await new Deno.Command("jupyter", {
      args: ["nbconvert", "--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Executes one notebook with nbconvert; returns what is wrong with it (empty when fine). */
async function executeAndCheck(name: string, tmp: string): Promise<string[]> {
  const out = await new Deno.Command("jupyter", {
    args: [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=deno",
      "--ExecutePreprocessor.timeout=900",
      "--output-dir",
      tmp,
      join(notebooksDir, name),
    ],
    env: { JUPYTER_PATH: tmp, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr);
    // Once in a few runs the client rejects a message from the Deno kernel as
    // badly signed (seen with notebook 04's many live updates; the same
    // notebook passes when rerun; failures come in bursts). That is the
    // transport, not the notebook: it gets the reruns a dropped display gets.
    if (/ValueError: Invalid Signature/.test(stderr)) {
      return ["kernel message rejected (Invalid Signature)"];
    }
    return [`error: nbconvert failed: ${stderr.slice(-3000)}`];
  }
  const executed = JSON.parse(await Deno.readTextFile(join(tmp, name))) as { cells: Cell[] };
  const problems: string[] = [];
  for (const cell of executed.cells) {
    if (cell.cell_type !== "code") continue;
    const outputs = cell.outputs ?? [];
    const where = `cell ${cell.id ?? "?"}`;
    for (const o of outputs) {
      if (o.output_type === "error") problems.push(`error: ${where}: ${o.ename}: ${o.evalue}`);
    }
    const tags = cell.metadata?.tags ?? [];
    const has = (mime: string) => outputs.some((o) => o.data && mime in o.data);
    if (tags.includes("expect-figure")) {
      if (!has("application/vnd.vegalite.v5+json")) problems.push(`${where}: no Vega-Lite figure`);
      if (!has("image/png")) problems.push(`${where}: no PNG fallback`);
    }
    if (tags.includes("expect-table") && !has("text/html")) problems.push(`${where}: no table`);
    if (tags.includes("expect-output") && outputs.length === 0) {
      problems.push(`${where}: no output`);
    }
  }
  // Figure problems are the same in every run: "error:" keeps them from a rerun.
  const figures = await figureProblems(name, tmp, executed.cells);
  return [...problems, ...figures.map((p) => `error: ${p}`)];
}

/**
 * Executed notebooks may weigh at most this much per figure they show, on
 * average (Vega-Lite JSON, PNG and all else). Measured on 2 December: from
 * 96 kB a figure (08) to 499 kB (07, whose MNIST image grids make PNGs of up
 * to 1.3 MB); with an SVG in every bundle they weighed 226–704 kB a figure.
 */
const MAX_BYTES_PER_FIGURE = 600_000;

/**
 * What is wrong with the figures of an executed notebook: a figure that
 * Vega-Lite 5 (JupyterLab's renderer) warns about, one that does not come out
 * of `jupyter nbconvert --to html` as its own PNG image (an SVG in the bundle
 * came out blank), or a notebook heavier than MAX_BYTES_PER_FIGURE a figure.
 */
async function figureProblems(name: string, tmp: string, cells: Cell[]): Promise<string[]> {
  const figures = cells.flatMap((c) => c.outputs ?? []).filter((o) =>
    o.data && "application/vnd.vegalite.v5+json" in o.data
  ).map((o) => o.data!);
  const problems: string[] = [];
  const said = await vegaLite5Messages(figures.map((d) => d["application/vnd.vegalite.v5+json"]));
  said.forEach((messages, i) => {
    if (messages.length > 0) {
      problems.push(`figure ${i + 1}: Vega-Lite 5 says ${messages.join("; ")}`);
    }
  });
  const out = await new Deno.Command("jupyter", {
    args: ["nbconvert", "--to", "html", "--output-dir", join(tmp, "html"), join(tmp, name)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    return [
      ...problems,
      `HTML export failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    ];
  }
  const html = await Deno.readTextFile(join(tmp, "html", name.replace(/\.ipynb$/, ".html")));
  const images = new Set(
    [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)"/g)].map((m) =>
      m[1].replace(/\s/g, "")
    ),
  );
  const exported = figures.filter((d) =>
    typeof d["image/png"] === "string" && images.has(d["image/png"].replace(/\s/g, ""))
  );
  if (exported.length !== figures.length) {
    problems.push(
      `${
        figures.length - exported.length
      } of ${figures.length} figures missing from the HTML export`,
    );
  }
  const bytes = (await Deno.stat(join(tmp, name))).size;
  if (bytes > MAX_BYTES_PER_FIGURE * Math.max(1, figures.length)) {
    problems.push(
      `${bytes} bytes for ${figures.length} figures (at most ${MAX_BYTES_PER_FIGURE} a figure)`,
    );
  }
  return problems;
}

const jupyter = await hasJupyter();
const required = Deno.env.get("LAB_REQUIRE_JUPYTER") === "1";
const source = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);

Deno.test({
  name: "notebooks run in Deno's Jupyter kernel with every expected output",
  ignore: !jupyter && !required,
  async fn() {
    assert.ok(jupyter, "LAB_REQUIRE_JUPYTER=1 but `jupyter nbconvert` is not installed");
    const tmp = await Deno.makeTempDir();
    // A kernelspec for this very deno binary, found first through JUPYTER_PATH.
    await Deno.mkdir(join(tmp, "kernels/deno"), { recursive: true });
    await Deno.writeTextFile(
      join(tmp, "kernels/deno/kernel.json"),
      JSON.stringify({
        argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
        display_name: "Deno",
        language: "typescript",
      }),
    );
    for (const name of await notebooks()) {
      // Deno 2.9's kernel can deliver a display after the cell reports idle, and
      // headless runners then drop it (ENVIRONMENT.md). A notebook whose only
      // problem is a missing expected output (or a rejected kernel message) is
      // run again, up to three runs in all; an error, or a problem in every
      // run, fails the test. The executed notebook of a failed attempt is kept
      // for inspection.
      let problems: string[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        problems = await executeAndCheck(name, tmp);
        if (problems.length === 0) break;
        const kept = join(tmp, `failed-${attempt}-${name}`);
        await Deno.rename(join(tmp, name), kept).catch(() => {});
        if (problems.some((p) => p.startsWith("error:"))) break;
        console.warn(`${name}: attempt ${attempt}: ${problems.join("; ")}; kept ${kept}`);
      }
      assert.deepEqual(problems, [], `${name}: ${problems.join("; ")}`);
    }
    await Deno.remove(tmp, { recursive: true });
  },
});

Deno.test({
  name: "notebook code runs as a plain Deno module (Jupyter is not installed here)",
  ignore: jupyter || required,
  async fn() {
    for (const name of await notebooks()) {
      const nb = JSON.parse(await Deno.readTextFile(join(notebooksDir, name))) as { cells: Cell[] };
      const code = nb.cells.filter((c) => c.cell_type === "code").map(source).join("\n;\n");
      // Written next to the notebook so that its relative imports resolve the same way.
      const module = join(notebooksDir, `.check-${crypto.randomUUID()}.ts`);
      await Deno.writeTextFile(module, code);
      try {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--no-check", module],
          env: { NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(out.stderr);
        assert.ok(out.success, `${name}: ${stderr.slice(-3000)}`);
      } finally {
        await Deno.remove(module);
      }
    }
  },
});

Deno.test("every notebook uses the Deno kernel, has no stored outputs and no jsr: imports", async () => {
  const names = await notebooks();
  if (!Deno.env.get("LAB_NOTEBOOKS")) assert.ok(names.includes("01_toy_relu_autoencoder.ipynb"));
  for (const name of names) {
    const text = await Deno.readTextFile(join(notebooksDir, name));
    const nb = JSON.parse(text) as { cells: Cell[]; metadata: { kernelspec: { name: string } } };
    assert.equal(nb.metadata.kernelspec.name, "deno");
    assert.ok(!text.includes('"jsr:'), `${name} imports from jsr:`);
    for (const c of nb.cells) assert.equal((c.outputs ?? []).length, 0, `${name}: stored outputs`);
  }
});
