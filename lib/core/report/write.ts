/**
 * Writes one experiment's outputs into `OUT/<id>/`: config.json (resolved
 * config, seed, engine, backend, versions), summary.json, one CSV per table,
 * one SVG, PNG and Vega-Lite JSON per figure, and manifest.json, which the
 * report index is built from. The directory appears complete or not at all;
 * a write that fails is a `WriteError` naming the file.
 *
 * @module
 */
import { join } from "node:path";
import type { Artefacts } from "../experiment.ts";
import { renderFigure } from "../plots/render.ts";
import { asWriteError } from "../io.ts";
import { replaceDirAtomic, toJson } from "./files.ts";

/** What the report index needs to know about one experiment's directory. */
export interface Manifest {
  /** The experiment's id. */
  id: string;
  /** The experiment's title. */
  title: string;
  /** The experiment's description. */
  description: string;
  /** The profile it ran with. */
  profile: string;
  /** Notes shown above the figures. */
  notes: string[];
  /** The figures written, in display order, each with its caption ({@link figureTitle}). */
  figures: { name: string; title: string }[];
  /** The tables written. */
  tables: { name: string; rows: number; columns: string[] }[];
  /** The summary (summary.json). */
  summary: Record<string, unknown>;
}

/**
 * A figure's caption: the text of its spec's title (a string, lines of one,
 * or `{ text, subtitle }`'s text, lines joined by spaces). A spec without a
 * title of its own takes the one of the view it wraps (a facet's or repeat's
 * inner spec, the first layer that has one) or, for a concatenation, those of
 * its views joined by " · "; `name` when no view has a title.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureTitle } from "./write.ts";
 * assert.equal(figureTitle({ title: { text: ["Loss", "(n=7)"], subtitle: "s" } }, "f"), "Loss (n=7)");
 * assert.equal(figureTitle({ hconcat: [{ title: "Left" }, { title: "Right" }] }, "f"), "Left · Right");
 * assert.equal(figureTitle({ mark: "point" }, "scatter"), "scatter");
 * ```
 */
export function figureTitle(spec: unknown, name: string): string {
  return titleOf(spec) ?? name;
}

/** The text of a Vega-Lite title (string, lines, or an object with `text`), if any. */
function titleText(title: unknown): string | null {
  const text = title !== null && typeof title === "object" && !Array.isArray(title)
    ? (title as { text?: unknown }).text
    : title;
  const lines = typeof text === "string" ? [text] : Array.isArray(text) ? text : [];
  const joined = lines.filter((l): l is string => typeof l === "string").map((l) => l.trim())
    .filter((l) => l !== "").join(" ");
  return joined === "" ? null : joined;
}

function titleOf(spec: unknown): string | null {
  if (spec === null || typeof spec !== "object") return null;
  const s = spec as Record<string, unknown>;
  const own = titleText(s.title);
  if (own !== null) return own;
  if (s.spec !== undefined) return titleOf(s.spec);
  if (Array.isArray(s.layer)) {
    for (const layer of s.layer) {
      const t = titleOf(layer);
      if (t !== null) return t;
    }
    return null;
  }
  for (const key of ["concat", "hconcat", "vconcat"]) {
    if (!Array.isArray(s[key])) continue;
    const titles = (s[key] as unknown[]).map(titleOf).filter((t): t is string => t !== null);
    return titles.length > 0 ? titles.join(" · ") : null;
  }
  return null;
}

/** Writes an experiment's directory; `onFile` hears each file name as it is written. */
export async function writeExperiment(
  outDir: string,
  manifest: Omit<Manifest, "figures" | "tables" | "summary" | "notes">,
  configJson: Record<string, unknown>,
  artefacts: Artefacts,
  onFile?: (name: string) => void,
): Promise<Manifest> {
  const figures: Manifest["figures"] = [];
  const tables: Manifest["tables"] = [];
  await replaceDirAtomic(join(outDir, manifest.id), async (dir) => {
    const put = async (name: string, data: string | Uint8Array) => {
      try {
        if (typeof data === "string") await Deno.writeTextFile(join(dir, name), data);
        else await Deno.writeFile(join(dir, name), data);
      } catch (err) {
        // Named by where it was going: the temporary folder is removed on the way out.
        throw asWriteError(join(outDir, manifest.id, name), err);
      }
      onFile?.(name);
    };
    await put("config.json", toJson(configJson));
    await put("summary.json", toJson(artefacts.summary));
    for (const [name, table] of Object.entries(artefacts.tables)) {
      await put(`${name}.csv`, table.toCSV());
      tables.push({ name, rows: table.numRows(), columns: table.columnNames() });
    }
    for (const [name, spec] of Object.entries(artefacts.figures)) {
      const { svg, png } = await renderFigure(spec);
      await put(`${name}.svg`, svg);
      await put(`${name}.png`, png);
      await put(`${name}.vl.json`, toJson(spec));
      figures.push({ name, title: figureTitle(spec, name) });
    }
    const full: Manifest = {
      ...manifest,
      notes: artefacts.notes,
      figures,
      tables,
      summary: artefacts.summary,
    };
    await put("manifest.json", toJson(full));
  });
  return {
    ...manifest,
    notes: artefacts.notes,
    figures,
    tables,
    summary: artefacts.summary,
  };
}
