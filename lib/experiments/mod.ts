/**
 * Experiments: typed configs, runs and artefacts, and their registry.
 * @module
 */
export * from "./experiment.ts";
export * from "./registry.ts";
export { toyGeometry } from "./toy_geometry.ts";
export { toySeedSweep } from "./toy_seed_sweep.ts";
export { toyTilt } from "./toy_tilt.ts";
export { toyFrozenOptimum } from "./toy_frozen_optimum.ts";
export { toyUpdateField } from "./toy_update_field.ts";
export { toyChaos } from "./toy_chaos.ts";
export { toyBiasOptimum } from "./toy_bias_optimum.ts";
export { toyFailureSurvey } from "./toy_failure_survey.ts";
export { toyNoBias } from "./toy_no_bias.ts";
export { fromStates, trainFrom } from "./_failure_common.ts";
export { stepAe, stepAeTrainConfig } from "./step_ae.ts";
export { REMEDIES, stepAeRemedies } from "./step_ae_remedies.ts";
export {
  sae,
  saeInstanceLabels,
  saeMnistTrainConfig,
  saeRecovery,
  saeTrainConfig,
  saeVariants,
} from "./sae.ts";
export { SETTING_LABELS, shallowAe } from "./shallow_ae.ts";
export { nmf } from "./nmf.ts";
