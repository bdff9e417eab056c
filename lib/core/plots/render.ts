/**
 * Turns Vega-Lite specs into SVG (Vega's headless renderer) and PNG (resvg,
 * as WebAssembly, with the DejaVu fonts shipped by npm), so figures render
 * the same on every machine without a browser or system fonts.
 *
 * @module
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import { initWasm, Resvg } from "@resvg/resvg-wasm";

/** A Vega-Lite specification. */
export type Spec = TopLevelSpec;

/** The font every figure uses (shipped by the `dejavu-fonts-ttf` package). */
export const FONT = "DejaVu Sans";

/** A spec's title: the text alone, or text and subtitle when there is one. */
export function specTitle(
  o: { title: string; subtitle?: string },
): string | { text: string; subtitle: string } {
  return o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title;
}

const nodeModules = new URL("../../../node_modules/", import.meta.url);
let resvgReady: Promise<Uint8Array[]> | null = null;

function loadResvg(): Promise<Uint8Array[]> {
  resvgReady ??= (async () => {
    await initWasm(Deno.readFile(new URL("@resvg/resvg-wasm/index_bg.wasm", nodeModules)));
    return await Promise.all(
      ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) =>
        Deno.readFile(new URL(`dejavu-fonts-ttf/ttf/${f}`, nodeModules))
      ),
    );
  })();
  return resvgReady;
}

/** Warnings Vega-Lite raised while compiling a spec (kept, never printed). */
export class CollectingLogger {
  /** What vega logged, one line a message. */
  readonly messages: string[] = [];
  #level = 2;
  /** The log level (vega's logger interface). */
  level(): number;
  /** Sets the log level. */
  level(value: number): this;
  level(value?: number): number | this {
    if (value === undefined) return this.#level;
    this.#level = value;
    return this;
  }
  /** Keeps an error message. */
  error(...args: readonly unknown[]): this {
    this.messages.push(`error: ${args.join(" ")}`);
    return this;
  }
  /** Keeps a warning. */
  warn(...args: readonly unknown[]): this {
    this.messages.push(`warn: ${args.join(" ")}`);
    return this;
  }
  /** Ignores info messages. */
  info(): this {
    return this;
  }
  /** Ignores debug messages. */
  debug(): this {
    return this;
  }
}

/** Compiles a Vega-Lite spec to Vega; `logger` receives Vega-Lite's warnings. */
export function compileSpec(
  spec: Spec,
  logger: CollectingLogger = new CollectingLogger(),
): object {
  const withFont = {
    ...spec,
    config: { font: FONT, ...(spec.config ?? {}) },
  } as Spec;
  return vl.compile(withFont, { logger }).spec;
}

/** Compiles a Vega-Lite spec and renders it to an SVG string. */
export async function renderSvg(spec: Spec): Promise<string> {
  const compiled = compileSpec(spec);
  const view = new vega.View(vega.parse(compiled as vega.Spec), {
    renderer: "none",
    logLevel: vega.Error,
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG string to PNG bytes at `scale` × its size, on white. */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const fonts = await loadResvg();
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: {
      fontBuffers: fonts,
      loadSystemFonts: false,
      defaultFontFamily: FONT,
      sansSerifFamily: FONT,
    },
  });
  let png: Uint8Array;
  try {
    const image = resvg.render();
    png = image.asPng();
    image.free();
  } catch (err) {
    // After a panic the wasm object must not be touched again (not even freed).
    throw new Error(`could not rasterise the figure: ${err instanceof Error ? err.message : err}`);
  }
  resvg.free();
  return png;
}

/** Renders a spec to both SVG and PNG. */
export async function renderFigure(spec: Spec): Promise<{ svg: string; png: Uint8Array }> {
  const svg = await renderSvg(spec);
  return { svg, png: await svgToPng(svg) };
}
