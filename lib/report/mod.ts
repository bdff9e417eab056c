/**
 * Writing experiment outputs and the HTML report.
 * @module
 */
export * from "./files.ts";
export * from "./write.ts";
export * from "./index_html.ts";
