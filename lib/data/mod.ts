/**
 * Datasets of the lab.
 * @module
 */
export * from "./batch.ts";
export * from "./identity.ts";
export * from "./sparse_features.ts";
export * from "./toy_data.ts";
export * from "./step_functions.ts";
export * from "./images.ts";
export * from "./superposition.ts";
export * from "./spiked.ts";
