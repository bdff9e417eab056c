/**
 * The step-function autoencoder study (seed 003): a one-unit linear encoder and a ReLU
 * decoder for the n + 1 step functions of length n.
 *
 * The study's public face: notebooks, scripts, tests and other studies import it
 * through this file.
 *
 * @module
 */
export * from "./analysis.ts";
export * from "./data.ts";
export * from "./model.ts";
export * from "./plots.ts";
export * from "./train.ts";
export * from "./experiments/remedies.ts";
export * from "./experiments/step_ae.ts";
