/**
 * The step_ae study's entry in the registry: its experiments in report order.
 *
 * @module
 */
import type { Study } from "../../core/experiment.ts";
import { stepAe } from "./experiments/step_ae.ts";
import { stepAeRemedies } from "./experiments/remedies.ts";

/** The step-function autoencoder: the experiments of `lib/studies/step_ae/`. */
export const stepAeStudy: Study = {
  id: "step_ae",
  title: "The step-function autoencoder",
  experiments: [stepAe, stepAeRemedies],
};
