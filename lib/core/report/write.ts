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
  /** The figures written, in display order. */
  figures: { name: string; title: string }[];
  /** The tables written. */
  tables: { name: string; rows: number; columns: string[] }[];
  /** The summary (summary.json). */
  summary: Record<string, unknown>;
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
      const title = typeof spec.title === "string" ? spec.title : name;
      figures.push({ name, title });
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
