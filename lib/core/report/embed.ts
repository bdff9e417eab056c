/**
 * What makes the report's figures live views: the browser scripts shipped
 * beside `OUT/index.html` in `OUT/_report/` (Vega, Vega-Lite and vega-embed
 * as their npm packages build them, and the page's own `viewer.js`), and the
 * spec each figure is drawn from in the page: the lab's look (font, log-axis
 * grids) plus zoom and pan on charts whose two axes are plain numbers. The
 * report opens from the file system, so nothing here is fetched from a
 * network.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { asWriteError } from "../io.ts";
import { type Spec, styledSpec } from "../plots/render.ts";
import { replaceDirAtomic } from "./files.ts";

/** The folder under OUT that holds the report's scripts. */
export const REPORT_ASSETS_DIR = "_report";

/** The browser builds shipped with the report, in the order the page loads them. */
const LIBRARIES = [
  { pkg: "vega", file: "build/vega.min.js" },
  { pkg: "vega-lite", file: "build/vega-lite.min.js" },
  { pkg: "vega-embed", file: "build/vega-embed.min.js" },
] as const;

/** The page's own script, which draws each figure once it nears the viewport. */
const VIEWER = new URL("./viewer.js", import.meta.url);

/**
 * The scripts `index.html` loads, relative to OUT, in order: the libraries,
 * then the viewer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportScripts } from "./embed.ts";
 * assert.deepEqual(reportScripts().at(-1), "_report/viewer.js");
 * ```
 */
export function reportScripts(): string[] {
  const names = [...LIBRARIES.map((l) => l.file.split("/").pop()!), "viewer.js"];
  return names.map((n) => `${REPORT_ASSETS_DIR}/${n}`);
}

/**
 * The path of `file` inside the installed npm package `pkg` (one of the
 * import map's names). With `nodeModulesDir: "auto"` Deno installs every
 * package of the import map into `node_modules/` when a program starts, and
 * resolves a bare name to the package's entry there; the package's folder is
 * the one that entry sits in. Throws, naming the package, when it is not
 * installed in a `node_modules/` folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packageFile } from "./embed.ts";
 * const path = packageFile("vega", "package.json");
 * assert.equal(JSON.parse(Deno.readTextFileSync(path)).name, "vega");
 * ```
 */
export function packageFile(pkg: string, file: string): string {
  let entry: string;
  try {
    entry = import.meta.resolve(pkg);
  } catch (err) {
    throw new Error(`the npm package ${pkg} is not in deno.json's imports: ${err}`);
  }
  const marker = `/node_modules/${pkg}/`;
  const at = entry.lastIndexOf(marker);
  if (!entry.startsWith("file:") || at < 0) {
    throw new Error(
      `the npm package ${pkg} resolves to ${entry}, not into node_modules/: ` +
        `keep "nodeModulesDir": "auto" in deno.json`,
    );
  }
  return join(fileURLToPath(entry.slice(0, at + marker.length)), file);
}

/**
 * Writes `outDir/_report/` whole (the libraries and the viewer), replacing
 * what was there. A file that cannot be read or written is a `WriteError`
 * naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportScripts, writeReportAssets } from "./embed.ts";
 * const out = await Deno.makeTempDir();
 * await writeReportAssets(out);
 * const sizes = reportScripts().map((script) => Deno.statSync(`${out}/${script}`).size);
 * await Deno.remove(out, { recursive: true });
 * assert.ok(sizes.every((size) => size > 0));
 * ```
 */
export async function writeReportAssets(outDir: string): Promise<void> {
  const sources = [
    ...LIBRARIES.map((l) => packageFile(l.pkg, l.file)),
    fileURLToPath(VIEWER),
  ];
  await replaceDirAtomic(join(outDir, REPORT_ASSETS_DIR), async (dir) => {
    for (const source of sources) {
      const name = source.split("/").pop()!;
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(source);
      } catch (err) {
        throw asWriteError(source, err);
      }
      try {
        await Deno.writeFile(join(dir, name), bytes);
      } catch (err) {
        throw asWriteError(join(outDir, REPORT_ASSETS_DIR, name), err);
      }
    }
  });
}

/** The name of the zoom-and-pan parameter {@link withZoom} adds. */
export const ZOOM_PARAM = "lab_zoom";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Whether the spec declares parameters or selections anywhere (its data aside). */
function hasParams(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasParams);
  if (!isObject(node)) return false;
  return Object.entries(node).some(([k, v]) =>
    k === "params" || k === "selection" || (k !== "data" && k !== "datasets" && hasParams(v))
  );
}

/**
 * How a unit's x or y channel takes part in zooming: "axis" for a plain
 * quantitative field (no binning, time unit or aggregate), "neutral" for no
 * channel or a constant, "blocks" for anything a scale-bound selection should
 * not touch (ordinal, binned, aggregated, a second field on one axis).
 */
function channelRole(channel: unknown): "axis" | "neutral" | "blocks" {
  if (channel === undefined) return "neutral";
  if (!isObject(channel)) return "blocks";
  if (channel.field === undefined) {
    if ("value" in channel) return "neutral";
    return channel.type === undefined || channel.type === "quantitative" ? "neutral" : "blocks";
  }
  if (channel.type !== "quantitative") return "blocks";
  if (channel.bin || channel.timeUnit || channel.aggregate) return "blocks";
  return "axis";
}

type Role = ReturnType<typeof channelRole>;

/** The roles of a unit's x and y (its encoding over the inherited one); null when faceted. */
function unitRoles(unit: Json, inherited: Json): { x: Role; y: Role } | null {
  const encoding = { ...inherited, ...(isObject(unit.encoding) ? unit.encoding : {}) };
  if (["row", "column", "facet"].some((c) => c in encoding)) return null;
  return { x: channelRole(encoding.x), y: channelRole(encoding.y) };
}

/**
 * The spec with an interval selection bound to its scales (drag to pan,
 * scroll to zoom, double-click to reset) when that is safe: a single view or
 * a layer of single views, no facet, repeat or concatenation, no resolve,
 * no parameters of its own (a slider keeps working as written), and x and y
 * plain quantitative fields in every layer that has them. Any other spec is
 * returned as it was.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withZoom, ZOOM_PARAM } from "./embed.ts";
 * const scatter = {
 *   data: { values: [{ a: 1, b: 2 }] },
 *   mark: "point" as const,
 *   encoding: {
 *     x: { field: "a", type: "quantitative" as const },
 *     y: { field: "b", type: "quantitative" as const },
 *   },
 * };
 * // deno-lint-ignore no-explicit-any
 * assert.equal((withZoom(scatter) as any).params[0].name, ZOOM_PARAM);
 * const bars = { ...scatter, encoding: { ...scatter.encoding, x: { field: "a", type: "ordinal" as const } } };
 * assert.equal(withZoom(bars), bars);
 * ```
 */
export function withZoom(spec: Spec): Spec {
  const s = spec as unknown as Json;
  const composite = ["facet", "repeat", "concat", "hconcat", "vconcat", "resolve"];
  if (composite.some((k) => k in s) || hasParams(s)) return spec;
  const zoom = { name: ZOOM_PARAM, select: "interval", bind: "scales" };
  if ("mark" in s) {
    const roles = unitRoles(s, {});
    return roles?.x === "axis" && roles.y === "axis" ? { ...spec, params: [zoom] } as Spec : spec;
  }
  if (!Array.isArray(s.layer)) return spec;
  const inherited = isObject(s.encoding) ? s.encoding : {};
  const layers = s.layer as unknown[];
  let carrier = -1;
  for (const [i, layer] of layers.entries()) {
    // A nested layer or composition is left alone: its scales may be resolved differently.
    if (!isObject(layer) || !("mark" in layer) || "layer" in layer) return spec;
    const roles = unitRoles(layer, inherited);
    if (roles === null) return spec;
    const { x, y } = roles;
    if (x === "blocks" || y === "blocks") return spec;
    if (carrier < 0 && x === "axis" && y === "axis") carrier = i;
  }
  if (carrier < 0) return spec;
  const layer = layers.map((l, i) => i === carrier ? { ...l as Json, params: [zoom] } : l);
  return { ...spec, layer } as Spec;
}

/**
 * The spec a figure is drawn from in the report: the lab's look
 * ({@link styledSpec}) and, where safe, zoom and pan ({@link withZoom}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { liveSpec } from "./embed.ts";
 * import { FONT } from "../plots/render.ts";
 * assert.equal(liveSpec({ data: { values: [] }, mark: "point" }).config?.font, FONT);
 * ```
 */
export function liveSpec(spec: Spec): Spec {
  return withZoom(styledSpec(spec));
}

/**
 * JSON for a `<script type="application/json">` element: compact, with every
 * `<` escaped so that no string in it can close the element.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scriptJson } from "./embed.ts";
 * const text = scriptJson({ note: "</script>" });
 * assert.ok(!text.includes("<"));
 * assert.deepEqual(JSON.parse(text), { note: "</script>" });
 * ```
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => typeof v === "number" && !Number.isFinite(v) ? null : v)
    .replace(/</g, "\\u003c");
}
