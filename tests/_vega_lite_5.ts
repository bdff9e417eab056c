/**
 * Compiles Vega-Lite specs with Vega-Lite 5, the version JupyterLab draws
 * notebook figures with, and prints what it said about each one: reads a JSON
 * array of specs on stdin, writes a JSON array with one array of messages
 * (warnings, errors, a compile that throws) per spec. Used by
 * `vegaLite5Messages` in helpers.ts, which says why this runs in a process of
 * its own, without the project's config.
 *
 * Usage: deno run --no-config --lock=tests/vega_lite_5.lock --frozen tests/_vega_lite_5.ts < specs.json
 */

// In a variable so that `deno check tests/`, which reads the project's
// config, does not resolve it (it would give it the project's vega 6).
const VEGA_LITE_5 = "npm:vega-lite@5.23.0";
const vl5 = await import(VEGA_LITE_5);

import { CollectingLogger } from "../lib/core/plots/logger.ts";

const specs = JSON.parse(await new Response(Deno.stdin.readable).text()) as unknown[];
const out = specs.map((spec) => {
  const logger = new CollectingLogger();
  try {
    vl5.compile(spec, { logger });
  } catch (err) {
    logger.messages.push(`throws: ${err instanceof Error ? err.message : err}`);
  }
  return logger.messages;
});
console.log(JSON.stringify({ version: vl5.version, messages: out }));
