/**
 * The autoencoder lab: everything a notebook or script needs, by folder.
 *
 * Imports point down this list: random, linalg → data → optim → models → train →
 * analysis → plots → experiments → report.
 *
 * @module
 */
export * from "./random.ts";
export * from "./data/mod.ts";
export * from "./optim/mod.ts";
export * from "./models/toy_relu.ts";
export * from "./train/mod.ts";
export * from "./analysis/mod.ts";
export * from "./plots/mod.ts";
export * from "./experiments/mod.ts";
export { loadTf, TF_BACKENDS, type TfBackend } from "./tf.ts";
export * from "./models/step_ae.ts";
export * from "./models/sae.ts";
export * from "./models/shallow_ae.ts";
export * from "./models/nmf.ts";
