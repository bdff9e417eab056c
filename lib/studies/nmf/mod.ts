/**
 * The NMF study (seed 002; Lee & Seung 1999): multiplicative updates for Frobenius and
 * KL, against PCA and scikit-learn.
 *
 * The study's public face: notebooks, scripts, tests and other studies import it
 * through this file.
 *
 * @module
 */
export * from "./analysis.ts";
export * from "./model.ts";
export * from "./plots.ts";
export * from "./sklearn.ts";
export * from "./train.ts";
export * from "./experiments/nmf.ts";
