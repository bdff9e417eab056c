/**
 * The sparse-autoencoder study (the research notes; Gao et al. 2024): top-k, AuxK and
 * resampling against dead latents, and ReLU + L1, on data with known
 * directions and on MNIST.
 *
 * The study's public face for notebooks and scripts (through `lib/mod.ts`):
 * the `sae` experiment and its fields; the readable tfjs reference model
 * (`model.ts`: layout, initialisation, forward pass, loss); the fused kernel
 * it is held equal to (`kernel.ts`); the trainer (`train.ts`); the data
 * streams it reads (`data.ts`: known directions in superposition, images), the resampling of
 * dead latents (`resample.ts`), the recovery measure (`analysis.ts`) and the live loss plot
 * (`plots.ts`). Code inside `lib/`
 * imports the files themselves.
 *
 * @module
 */
export {
  sae,
  SAE_MODELS,
  type SaeExperimentConfig,
  type SaeExperimentResult,
  saeFields,
  saeInstanceLabels,
  saeModelLabel,
  type SaePart,
  saeResampleRule,
  saeVariants,
} from "./experiments/sae.ts";
export {
  AUX_NORMS,
  auxLatents,
  type AuxNorm,
  initSae,
  SAE_ACTIVATIONS,
  SAE_DEFAULTS,
  type SaeActivation,
  type SaeConfig,
  type SaeForward,
  saeForwardTensors,
  type SaeLayout,
  saeLayout,
  saeLossTensors,
  type SaeMasks,
  saeMasksTensors,
  type SaeTensors,
  saeTensors,
  validateSae,
} from "./model.ts";
export {
  type LatentColumns,
  type PreView,
  type SaeBatch,
  saeLossGrad,
  saePreActivations,
  type SaeScratch,
  saeScratch,
  type SaeStats,
} from "./kernel.ts";
export {
  RESAMPLE_TRACE,
  SAE_ENGINES,
  type SaeEngine,
  type SaeHistoryRow,
  type SaeInstanceResult,
  type SaeResampleEvent,
  type SaeTrainConfig,
  type SaeTrainOptions,
  type SaeTrainProgress,
  type SaeTrainResult,
  type SaeVariant,
  trainSae,
} from "./train.ts";
export {
  type SaeData,
  saeImageData,
  saeSuperpositionData,
  type SuperpositionConfig,
  superpositionDirections,
} from "./data.ts";
export {
  dueLatents,
  exampleErrors,
  latentParamIndices,
  pickUniforms,
  resampleLatents,
  resampleSeeds,
  SAE_PLACEMENTS,
  type SaePlacement,
  type SaeResample,
  validateSaeResample,
} from "./resample.ts";
export { RECOVERED_ABOVE, saeRecovery } from "./analysis.ts";
export { saeLive } from "./plots.ts";
