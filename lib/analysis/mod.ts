/**
 * Analysis of trained models: geometry, closed forms, outcomes.
 * @module
 */
export * from "./geometry.ts";
export * from "./closed_forms.ts";
export * from "./outcomes.ts";
export * from "./toy_run.ts";
export * from "./failure_states.ts";
export * from "./stats.ts";
export * from "./no_bias.ts";
export * from "./step_ae.ts";
export * from "./pca.ts";
export * from "./sae.ts";
export * from "./shallow_ae.ts";
export * from "./image_source.ts";
export * from "./sparsity.ts";
export * from "./pca_top.ts";
export * from "./nmf_sklearn.ts";
