/**
 * The toy autoencoder study: the tied ReLU autoencoder y = ReLU(WᵀWx + b) and its
 * optimization failures (seed 001), and the same model without a bias (seed 000).
 *
 * The study's public face: notebooks, scripts, tests and other studies import it
 * through this file.
 *
 * @module
 */
export * from "./analysis.ts";
export * from "./closed_forms.ts";
export * from "./config.ts";
export * from "./data.ts";
export * from "./failure_states.ts";
export * from "./geometry.ts";
export * from "./model.ts";
export * from "./no_bias.ts";
export * from "./outcomes.ts";
export * from "./plots.ts";
export * from "./plots_failure.ts";
export * from "./plots_no_bias.ts";
export * from "./train.ts";
export * from "./experiments/bias_optimum.ts";
export * from "./experiments/chaos.ts";
export * from "./experiments/common.ts";
export * from "./experiments/failure_common.ts";
export * from "./experiments/failure_survey.ts";
export * from "./experiments/frozen_optimum.ts";
export * from "./experiments/geometry.ts";
export * from "./experiments/no_bias.ts";
export * from "./experiments/seed_sweep.ts";
export * from "./experiments/tilt.ts";
export * from "./experiments/update_field.ts";
