/**
 * The shallow_ae study's entry in the registry: its experiments in report order.
 *
 * @module
 */
import type { Study } from "../../core/experiment.ts";
import { shallowAe } from "./experiments/shallow_ae.ts";

/** Shallow autoencoders against PCA: the experiments of `lib/studies/shallow_ae/`. */
export const shallowAeStudy: Study = {
  id: "shallow_ae",
  title: "Shallow autoencoders against PCA",
  experiments: [shallowAe],
};
