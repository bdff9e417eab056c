/**
 * The sparse-autoencoder study (seed 002; Gao et al. 2024): top-k, AuxK against
 * dead latents, and ReLU + L1, on data with known directions and on MNIST.
 *
 * The study's public face for notebooks and scripts (through `lib/mod.ts`):
 * the `sae` experiment and its fields; the readable tfjs reference model
 * (`model.ts`: layout, initialisation, forward pass, loss); the fused kernel
 * it is held equal to (`kernel.ts`); the trainer (`train.ts`); the data
 * streams it reads (`data.ts`: known directions in superposition, images), the recovery measure
 * (`analysis.ts`) and the live loss plot (`plots.ts`). Code inside `lib/`
 * imports the files themselves.
 *
 * @module
 */
export {
  sae,
  type SaeExperimentConfig,
  type SaeExperimentResult,
  saeFields,
  saeInstanceLabels,
  type SaePart,
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
  SAE_ENGINES,
  type SaeEngine,
  type SaeHistoryRow,
  type SaeInstanceResult,
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
export { RECOVERED_ABOVE, saeRecovery } from "./analysis.ts";
export { saeLive } from "./plots.ts";
