/**
 * Training loops, history and run configuration.
 * @module
 */
export * from "./checkpoint.ts";
export { FUSED_BACKEND } from "./fused.ts";
export * from "./history.ts";
export * from "./toy_config.ts";
export * from "./train_toy.ts";
export * from "./step_ae_train.ts";
export * from "./sae_train.ts";
export * from "./shallow_ae_train.ts";
export * from "./nmf_train.ts";
