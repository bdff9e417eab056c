/**
 * The shallow-autoencoder study (the research notes; Refinetti & Goldt 2022): shallow non-linear
 * autoencoders trained by online SGD, measured against the PCA error.
 *
 * The study's public face: notebooks, scripts and other studies import it
 * through this file (via `lib/mod.ts`). It offers the experiment and its
 * fields, the reference model (model.ts) with the fused loss and gradient it
 * is checked against (kernel.ts), the trainer, and the spiked data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSetting, shallowAe } from "../../mod.ts";
 * assert.equal(shallowAe.id, "shallow-ae");
 * assert.equal(parseSetting("relu-untied-both")?.bias, "both");
 * ```
 *
 * @module
 */
export {
  shallowAe,
  type ShallowAeConfig,
  shallowAeFields,
  type ShallowAePart,
  type ShallowAeResult,
} from "./experiments/shallow_ae.ts";
export {
  type Activation,
  ACTIVATIONS,
  BIAS_MODES,
  type BiasMode,
  initShallowAe,
  parseSetting,
  settingLabel,
  shallowAeForwardTensors,
  shallowAeLossTensors,
  type ShallowAeParams,
  type ShallowAeSetting,
  type ShallowAeTensors,
  shallowAeTensors,
  WEIGHT_MODES,
  type WeightMode,
} from "./model.ts";
export { type ShallowAeGrads, shallowAeLossGrad } from "./kernel.ts";
export {
  type ShallowAeInstance,
  type ShallowAeProgress,
  type ShallowAeTrainConfig,
  type ShallowAeTrainOptions,
  type ShallowAeTrainResult,
  trainShallowAe,
} from "./train.ts";
export { type SampleSource, type SpikedConfig, spikedGaussian } from "./data.ts";
export { type ShallowAeOutcome, type ShallowAeSettingRow } from "./analysis.ts";
