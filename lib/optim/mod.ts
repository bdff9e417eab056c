/**
 * Optimizers with PyTorch's update rules and per-instance state.
 * @module
 */
export * from "./config.ts";
export * from "./optimizer.ts";
