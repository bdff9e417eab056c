/**
 * The sparse-autoencoder study (seed 002; Gao et al. 2024): top-k, AuxK against dead
 * latents, and ReLU + L1, on data with known directions and on MNIST.
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
export * from "./experiments/sae.ts";
