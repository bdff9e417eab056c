/**
 * The autoencoder lab's public entry for notebooks and scripts: the shared core
 * (`lib/core/`), every study's public face (`lib/studies/<study>/mod.ts`) and the
 * registry of experiments.
 *
 * Inside `lib/`, modules import files directly; this barrel is for callers outside.
 *
 * @module
 */
export * from "./core/random.ts";
export * from "./core/linalg.ts";
export * from "./core/validate.ts";
export * from "./core/io.ts";
export { loadTf, TF_BACKENDS, type TfBackend, TFJS_VERSION } from "./core/tf.ts";
export * from "./core/stats.ts";
export * from "./core/pca.ts";
export * from "./core/pca_top.ts";
export * from "./core/data/images.ts";
export * from "./core/optim/config.ts";
export * from "./core/optim/optimizer.ts";
export * from "./core/optim/schedule.ts";
export * from "./core/config.ts";
export * from "./core/experiment.ts";
export * from "./core/claims.ts";
export * from "./core/memory.ts";
export * from "./core/format.ts";
export * from "./core/train/checkpoint.ts";
export * from "./core/train/history.ts";
export * from "./core/train/loop.ts";
export * from "./core/train/divergence.ts";
export * from "./core/train/resample.ts";
export * from "./core/train/workers.ts";
export { FUSED_BACKEND } from "./core/train/fused.ts";
export * from "./core/plots/colors.ts";
export * from "./core/plots/render.ts";
export * from "./core/plots/display.ts";
export * from "./core/plots/live.ts";
export * from "./core/plots/images.ts";
export * from "./core/report/files.ts";
export * from "./core/report/write.ts";
export * from "./core/report/index_html.ts";
export * from "./core/report/ledger.ts";
export * from "./registry.ts";
export * from "./studies/toy/mod.ts";
export * from "./studies/step_ae/mod.ts";
export * from "./studies/shallow_ae/mod.ts";
export * from "./studies/sae/mod.ts";
export * from "./studies/nmf/mod.ts";
