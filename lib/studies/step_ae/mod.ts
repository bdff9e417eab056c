/**
 * The step-function autoencoder study (the step-function write-up, "Autoencoder study for
 * piecewise constant functions"): a one-unit linear encoder and a ReLU decoder
 * for the n + 1 step functions of length n.
 *
 * The study's public face, for notebooks and scripts (through `lib/mod.ts`):
 * - the experiments `step-ae` and `step-ae-remedies`, their fields and config types;
 * - the reference model (`model.ts`: layout, initialisation, tfjs forward pass
 *   and loss) and the fused kernel that trains it (`kernel.ts`);
 * - the trainer, its config and result types;
 * - the measurements and the live figure the notebook uses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../core/experiment.ts";
 * import { stepAe, stepAeTrainConfig } from "./mod.ts";
 * const train = stepAeTrainConfig(configure(stepAe, {}, "smoke"));
 * assert.equal(train.model.n, 33);
 * ```
 *
 * @module
 */
export {
  stepAe,
  type StepAeExperimentConfig,
  type StepAeExperimentResult,
  stepAeFields,
  stepAeTrainConfig,
} from "./experiments/step_ae.ts";
export {
  REMEDIES,
  type RemediesConfig,
  remediesFields,
  type RemediesResult,
  type Remedy,
  stepAeRemedies,
} from "./experiments/remedies.ts";
export { stepFunctions } from "./data.ts";
export {
  type EncoderView,
  initStepAe,
  STEP_AE_DEFAULTS,
  type StepAeConfig,
  stepAeForwardTensors,
  type StepAeLayout,
  stepAeLayout,
  stepAeLossTensors,
} from "./model.ts";
export { stepAeLossGrad, type StepAeScratch, stepAeScratch } from "./kernel.ts";
export {
  encoderView,
  type LrSchedule,
  type StepAeInstanceResult,
  StepAeInterrupted,
  type StepAeProgress,
  type StepAeRunOptions,
  type StepAeTrainConfig,
  type StepAeVariant,
  trainStepAe,
  variantModel,
} from "./train.ts";
export {
  type AppendixGradients,
  appendixGradients,
  type DeadUnits,
  deadUnits,
  type LatentLinearity,
  latentLinearity,
  type LineFit,
} from "./analysis.ts";
export { stepAeLive } from "./plots.ts";
