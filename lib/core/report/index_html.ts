/**
 * The report of a reproduce run: `OUT/index.html`, built from the manifest of
 * every experiment directory under OUT. Every figure is a live Vega view
 * (tooltips, sliders, zoom and pan where the axes allow, an export menu),
 * drawn in the page by vega-embed from the spec inlined beside it, with its
 * static SVG as the fallback and its SVG, PNG and Vega-Lite files linked; the
 * scripts sit in `OUT/_report/` (see `embed.ts`), so the page opens from the
 * file system without a network. Every table is linked and previewed.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io.ts";
import type { Spec } from "../plots/render.ts";
import { liveSpec, reportScripts, scriptJson, writeReportAssets } from "./embed.ts";
import type { Manifest } from "./write.ts";
import { LEDGER_CSS, sectionClaimsHtml } from "./ledger.ts";
import { escapeHtml as esc } from "./html.ts";

/** Reads the manifests of every experiment directory under `outDir`, in `order`. */
export async function readManifests(outDir: string, order: string[]): Promise<Manifest[]> {
  const found: Manifest[] = [];
  for await (const entry of Deno.readDir(outDir)) {
    // Hidden folders are a run's leftovers and checkpoints; `_report/` holds the page's scripts.
    if (!entry.isDirectory || entry.name.startsWith(".") || entry.name.startsWith("_")) continue;
    try {
      const text = await Deno.readTextFile(join(outDir, entry.name, "manifest.json"));
      found.push(JSON.parse(text) as Manifest);
    } catch {
      // Not an experiment directory.
    }
  }
  const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  return found.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}

async function tablePreview(outDir: string, m: Manifest, name: string): Promise<string> {
  const text = await Deno.readTextFile(join(outDir, m.id, `${name}.csv`));
  const lines = text.trimEnd().split("\n").slice(0, 9);
  const cells = lines.map((l) => l.split(","));
  const head = cells[0].map((c) => `<th>${esc(c)}</th>`).join("");
  const body = cells.slice(1).map((r) =>
    `<tr>${
      r.map((c) =>
        `<td>${esc(c.length > 14 && !Number.isNaN(Number(c)) ? Number(c).toPrecision(6) : c)}</td>`
      ).join("")
    }</tr>`
  ).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** What the page says about the run, and what goes at its top. */
export interface IndexMeta {
  /** The command that made the run. */
  generatedBy: string;
  /** Tool versions, shown under the heading. */
  versions: Record<string, string>;
  /** HTML placed after the heading, before the contents (trusted: written as it is). */
  preamble?: string;
}

/** Width and height of an SVG file's root element (the static rendering's size). */
async function svgSize(path: string): Promise<{ width: number; height: number } | null> {
  const head = (await Deno.readTextFile(path)).slice(0, 1000);
  const m = /<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/.exec(head);
  return m ? { width: Math.ceil(Number(m[1])), height: Math.ceil(Number(m[2])) } : null;
}

/**
 * One figure: the box the live view is drawn in (sized like the static SVG
 * until then, so that the page does not jump), the SVG as the fallback, the
 * spec it is drawn from, and the caption with the files.
 */
async function figureHtml(
  outDir: string,
  m: Manifest,
  f: Manifest["figures"][number],
): Promise<string> {
  const base = `${m.id}/${f.name}`;
  const spec = JSON.parse(await Deno.readTextFile(join(outDir, `${base}.vl.json`))) as Spec;
  const size = await svgSize(join(outDir, `${base}.svg`));
  const box = size ? ` style="width:${size.width}px;min-height:${size.height}px"` : "";
  const dims = size ? ` width="${size.width}" height="${size.height}"` : "";
  const title = esc(f.title);
  return `<figure class="lab-figure" id="${esc(`${m.id}--${f.name}`)}" data-figure="${esc(base)}">
<div class="view"${box}></div>
<img class="fallback" src="${base}.svg"${dims} alt="${title}" loading="lazy">
<script type="application/json" class="spec">${scriptJson(liveSpec(spec))}</script>
<figcaption>${title} · <a href="${base}.svg">SVG</a> · <a href="${base}.png">PNG</a> · ` +
    `<a href="${base}.vl.json">Vega-Lite</a></figcaption></figure>`;
}

const STYLE = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:2em;color:#222}
body>p,body>ul,section>p,section>ul,section>details,section>h3{max-width:72em}
h1,h2{max-width:1150px}
h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
code{font-size:.8em;color:#666}
.figures{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
figure{margin:0;border:1px solid #eee;padding:.5em;max-width:100%;box-sizing:border-box;overflow-x:auto}
figure .view{max-width:100%}
figure .fallback{display:block;max-width:100%;height:auto}
html.live figure .fallback{display:none}
html.live figure.failed .fallback{display:block}
html:not(.live) figure .view{display:none}
figcaption{font-size:.8em;color:#555;margin-top:.3em}
table{border-collapse:collapse;font-size:.8em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}
pre{background:#f6f6f6;padding:.5em;overflow:auto;font-size:.8em}
.notes li{margin:.2em 0}
@media print{html.live figure:not(.drawn) .fallback{display:block}html.live figure:not(.drawn) .view{display:none}}
`;

/**
 * Writes `outDir/index.html` for the given manifests, and the scripts it
 * loads into `outDir/_report/` (first, so that the page never points at
 * scripts that are not there). Returns the page's path; a file that cannot
 * be written is a `WriteError` naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeIndex } from "./index_html.ts";
 * const out = await Deno.makeTempDir();
 * const path = await writeIndex(out, [], {
 *   generatedBy: "example",
 *   versions: {},
 *   preamble: "<p id=ledger>claims</p>",
 * });
 * const html = Deno.readTextFileSync(path);
 * await Deno.remove(out, { recursive: true });
 * assert.ok(html.includes("<p id=ledger>claims</p>"));
 * assert.ok(html.includes('<script src="_report/vega-embed.min.js">'));
 * ```
 */
export async function writeIndex(
  outDir: string,
  manifests: Manifest[],
  meta: IndexMeta,
): Promise<string> {
  const sections: string[] = [];
  for (const m of manifests) {
    const figures: string[] = [];
    for (const f of m.figures) figures.push(await figureHtml(outDir, m, f));
    const tables: string[] = [];
    for (const t of m.tables) {
      tables.push(
        `<details><summary><a href="${m.id}/${t.name}.csv">${t.name}.csv</a> (${t.rows} rows: ` +
          `${esc(t.columns.join(", "))})</summary>${await tablePreview(
            outDir,
            m,
            t.name,
          )}</details>`,
      );
    }
    sections.push(`<section id="${m.id}">
<h2>${esc(m.title)} <code>${m.id}</code></h2>
<p>${esc(m.description)}</p>
${sectionClaimsHtml(m.summary)}
<ul class="notes">${m.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>
<p class="files">profile <b>${esc(m.profile)}</b> · <a href="${m.id}/config.json">config.json</a> ·
<a href="${m.id}/summary.json">summary.json</a></p>
<details><summary>summary</summary><pre>${esc(JSON.stringify(m.summary, null, 2))}</pre></details>
<div class="figures">
${figures.join("\n")}
</div>
<h3>Tables</h3>
${tables.join("\n")}
</section>`);
  }
  const toc = manifests.map((m) => `<li><a href="#${m.id}">${esc(m.title)}</a></li>`).join("");
  const versions = Object.entries(meta.versions).map(([k, v]) => `${esc(k)} ${esc(v)}`).join(" · ");
  const scripts = reportScripts().map((src) => `<script src="${src}"></script>`).join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Autoencoder lab: report</title>
<style>${STYLE}${LEDGER_CSS}</style></head><body>
<h1>Autoencoder lab: report</h1>
<p>Generated by <code>${esc(meta.generatedBy)}</code>. ${versions}</p>
<p>The figures are live: hover a mark for its values; on charts with two numeric axes, drag to
pan, scroll to zoom and double-click to reset; the … menu exports SVG or PNG. Wide figures scroll
sideways. Each caption links the static SVG and PNG and the Vega-Lite spec.</p>
${meta.preamble ?? ""}
<ul>${toc}</ul>
${sections.join("\n")}
${scripts}
</body></html>
`;
  await writeReportAssets(outDir);
  const path = join(outDir, "index.html");
  await writeFileAtomic(path, html);
  return path;
}
