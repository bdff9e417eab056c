/**
 * The shallow-autoencoder study (seed 002; Refinetti & Goldt 2022): shallow non-linear
 * autoencoders trained by online SGD, measured against the PCA error.
 *
 * The study's public face: notebooks, scripts, tests and other studies import it
 * through this file.
 *
 * @module
 */
export * from "./analysis.ts";
export * from "./data.ts";
export * from "./image_source.ts";
export * from "./model.ts";
export * from "./plots.ts";
export * from "./train.ts";
export * from "./experiments/shallow_ae.ts";
