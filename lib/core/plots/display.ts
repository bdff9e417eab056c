/**
 * Shows figures and tables in a Jupyter notebook run by Deno's kernel.
 *
 * A figure goes out as one MIME bundle: the Vega-Lite spec (JupyterLab draws
 * it interactively; it has a v5 renderer, so the bundle says v5 and the
 * specs avoid v6-only features), plus SVG and PNG fallbacks for viewers
 * without it. Every call awaits the kernel and then pauses 10 ms, which works
 * around Deno 2.9's race where a display can arrive after the cell reports
 * idle. Outside a kernel these functions do nothing.
 *
 * @module
 */
import type * as aqNs from "arquero";
import { encodeBase64 } from "../io.ts";
import { renderFigure, type Spec } from "./render.ts";

const VEGA_LITE_V5 = "https://vega.github.io/schema/vega-lite/v5.json";

/** The MIME bundle of a figure. */
export async function figureBundle(spec: Spec): Promise<Record<string, unknown>> {
  const { svg, png } = await renderFigure(spec);
  return {
    "application/vnd.vegalite.v5+json": { $schema: VEGA_LITE_V5, ...spec },
    "image/svg+xml": svg,
    "image/png": encodeBase64(png),
    "text/plain": `<figure: ${typeof spec.title === "string" ? spec.title : "Vega-Lite"}>`,
  };
}

/** The MIME bundle of a table (HTML and plain text; at most `limit` rows). */
export function tableBundle(table: aqNs.ColumnTable, limit = 20): Record<string, unknown> {
  return {
    "text/html": table.toHTML({ limit }),
    "text/plain": table.toMarkdown({ limit }),
  };
}

function jupyter(): typeof Deno.jupyter | null {
  try {
    // Deno.jupyter throws when read outside the kernel.
    return Deno.jupyter ?? null;
  } catch {
    return null;
  }
}

/** Whether this code runs inside Deno's Jupyter kernel. */
export function inNotebook(): boolean {
  return jupyter() !== null;
}

async function emit(
  bundle: Record<string, unknown>,
  options: { id?: string; update?: boolean },
): Promise<void> {
  const j = jupyter();
  if (!j) return;
  await j.display(bundle, {
    raw: true,
    ...(options.id ? { display_id: options.id } : {}),
    ...(options.update ? { update: true } : {}),
  });
  // A short pause lets the kernel send the display before the cell can finish.
  await new Promise((r) => setTimeout(r, 10));
}

/**
 * Displays a figure. With `id`, a later call with the same id and
 * `update: true` redraws it in place (live training plots).
 */
export async function showFigure(
  spec: Spec,
  options: { id?: string; update?: boolean } = {},
): Promise<void> {
  if (!inNotebook()) return;
  await emit(await figureBundle(spec), options);
}

/** Displays an Arquero table. */
export async function showTable(table: aqNs.ColumnTable, limit = 20): Promise<void> {
  await emit(tableBundle(table, limit), {});
}

/** Displays Markdown text. */
export async function showMarkdown(text: string): Promise<void> {
  await emit({ "text/markdown": text, "text/plain": text }, {});
}
