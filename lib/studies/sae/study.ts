/**
 * The sae study's entry in the registry: its experiments in report order.
 *
 * @module
 */
import type { Study } from "../../core/experiment.ts";
import { sae } from "./experiments/sae.ts";

/** Sparse autoencoders: the experiments of `lib/studies/sae/`. */
export const saeStudy: Study = {
  id: "sae",
  title: "Sparse autoencoders",
  experiments: [sae],
};
