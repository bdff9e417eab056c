/**
 * Figures: spec builders, rendering and notebook display.
 * @module
 */
export * from "./colors.ts";
export * from "./render.ts";
export * from "./display.ts";
export * from "./live.ts";
export * from "./toy.ts";
export * from "./no_bias.ts";
export * from "./failure.ts";
export * from "./step_ae.ts";
export * from "./sae.ts";
export * from "./shallow_ae.ts";
export * from "./nmf.ts";
export * from "./images.ts";
