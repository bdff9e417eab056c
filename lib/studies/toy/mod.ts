/**
 * The toy autoencoder study: the tied ReLU autoencoder y = ReLU(WᵀWx + b) of
 * Anthropic's "Toy Models of Superposition" and its optimization failures
 * (“Optimization Failure”), and the same model without a bias (the no-bias aside).
 *
 * The study's public face, for notebooks and scripts (through `lib/mod.ts`):
 * the experiments and their fields, the reference model (`model.ts`) and the
 * fused kernel held equal to it (`kernel.ts`), the trainer, and the data,
 * geometry, closed forms, analyses and figures the notebooks call. Code inside
 * `lib/` imports the defining files instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identityLoss, symmetricFailure, symmetricFailureLoss } from "./mod.ts";
 * const { W, b } = symmetricFailure(7);
 * assert.ok(Math.abs(identityLoss(W, b) - symmetricFailureLoss(7)) < 1e-15);
 * ```
 *
 * @module
 */

// The experiments (registry order), each with its fields, config type and result type. The
// row types of their tables are exported below, from the files that define them.
export {
  type GeometryConfig,
  geometryFields,
  type GeometryResult,
  toyGeometry,
} from "./experiments/geometry.ts";
export {
  type SeedSweepConfig,
  seedSweepFields,
  type SeedSweepResult,
  toySeedSweep,
} from "./experiments/seed_sweep.ts";
export {
  type SurveyConfig,
  surveyFields,
  type SurveyResult,
  toyFailureSurvey,
} from "./experiments/failure_survey.ts";
export {
  type BiasOptimumConfig,
  biasOptimumFields,
  type BiasOptimumResult,
  toyBiasOptimum,
} from "./experiments/bias_optimum.ts";
export {
  type TiltConfig,
  tiltFields,
  type TiltResult,
  type TiltRow,
  toyTilt,
} from "./experiments/tilt.ts";
export {
  type FrozenConfig,
  frozenFields,
  type FrozenResult,
  toyFrozenOptimum,
} from "./experiments/frozen_optimum.ts";
export {
  toyUpdateField,
  type UpdateFieldConfig,
  updateFieldFields,
  type UpdateFieldResult,
} from "./experiments/update_field.ts";
export { type ChaosConfig, chaosFields, type ChaosResult, toyChaos } from "./experiments/chaos.ts";
export {
  type NoBiasConfig,
  noBiasFields,
  type NoBiasResult,
  toyNoBias,
} from "./experiments/no_bias.ts";
export {
  REMEDY_NAMES,
  type ResamplingConfig,
  resamplingFields,
  type ResamplingResult,
  toyResampling,
} from "./experiments/resampling.ts";
export {
  type BasinCell,
  type BasinConfig,
  basinFields,
  type BasinResult,
  toyResamplingBasin,
} from "./experiments/resampling_basin.ts";
export {
  type SparseRegimeConfig,
  sparseRegimeFields,
  type SparseRegimeResult,
  toySparseRegime,
} from "./experiments/sparse_regime.ts";
export {
  analyseSparseRun,
  gapSpread,
  type HiddenPoint,
  type HiddenRow,
  hullVertices,
  type Interface,
  type InterfaceRow,
  interfaces,
  LEARNT_ERROR,
  LEVEL_RULE,
  type LevelRule,
  type RadiusLevels,
  radiusLevels,
  runStory,
  type SparseRun,
  type SparseRunAnalysis,
  type SparseRunRow,
  type StoryPoint,
  storyPoint,
  type TimelineRow,
} from "./sparse_regime.ts";
export {
  gapRatioSpec,
  hiddenVectorsSpec,
  levelCountsSpec,
  unlearntTimelineSpec,
} from "./plots_sparse.ts";
// The training fields the experiments share, and training from given states.
export {
  seedRange,
  TOY_TRAIN_DEFAULTS,
  toyTrainConfig,
  toyTrainFields,
  type ToyTrainSettings,
} from "./experiments/common.ts";
export {
  fromStates,
  type FromStatesOptions,
  type StageDivergence,
  trainFrom,
} from "./experiments/failure_common.ts";

// The reference model and the fused kernel.
export {
  concatToyParams,
  initToy,
  instanceB,
  instanceW,
  TOY_MODEL_DEFAULTS,
  toyForwardTensors,
  toyLossTensors,
  type ToyModelConfig,
  toyParamCount,
  type ToyParams,
  toyParamsFrom,
  validateToyModel,
} from "./model.ts";
export {
  toyLosses,
  toyLossGrad,
  toyLossGradIdentity,
  type ToyScratch,
  toyScratch,
} from "./kernel.ts";

// Data.
export {
  type CsrBatch,
  featureImportance,
  fromDense,
  identityBatch,
  type IdentityDataConfig,
  type SparseDataConfig,
  sparseFeatureBatch,
  toDense,
  type ToyDataConfig,
} from "./data.ts";

// Training.
export { type ToyRunOptions, trainToy, validateToyTrain } from "./train.ts";
export {
  RECORD_DEFAULTS,
  type RecordConfig,
  TOY_ENGINES,
  type ToyEngine,
  type ToyProgress,
  type ToyTrainConfig,
  type ToyTrainResult,
} from "./config.ts";

// Resampling dead features (issue 10).
export {
  BIAS_RULES,
  DEAD_RULES,
  deadFeatures,
  type Draws,
  PLACEMENTS,
  type RemedyBody,
  remedyRule,
  RESAMPLE_SCHEDULE_DEFAULTS,
  type ResampleEvent,
  resampleInstance,
  type ResampleSchedule,
  TOY_REMEDIES,
  toyExampleErrors,
  type ToyResampleRule,
  widestGap,
} from "./resample.ts";
export type { ResampleStats, ToyResampleConfig } from "./config.ts";
export {
  BASIN_DIRECTIONS,
  type BasinDirection,
  basinStart,
  predictedBoundary,
  reducedFlow,
} from "./basin.ts";
export {
  type EventLossRow,
  type RemedyRow,
  remedyRows,
  type ResampleRunRow,
} from "./analysis_resampling.ts";

// Geometry of the latent plane and the closed-form states.
export {
  type FeatureRow,
  featureRows,
  gram,
  latentPolygon,
  type LatentZone,
  latentZones,
  type Point,
} from "./geometry.ts";
export {
  mergedPair,
  regularPolygon,
  regularPolygonScale,
  symmetricFailure,
  symmetricFailureLoss,
} from "./closed_forms.ts";

// Reading a run, and the rows the experiments build from it.
export {
  type BiasRow,
  type ChaosCell,
  type ClassifiedSweep,
  finalOutcomes,
  finalState,
  type GeometryExample,
  identityLoss,
  type OutcomeTimeline,
  type RecoveryStats,
  type SurveyCell,
  type SurveyFractionRow,
  type SurveyRunRow,
  type UnlearntFeatureRow,
  type UpdateFrame,
} from "./analysis.ts";
export { type Outcome, OUTCOMES, type State, STATES, type ToyOutcome } from "./outcomes.ts";
export { type FrozenRow, type Perturbation, type ToyState } from "./failure_states.ts";

// The model without a bias (the no-bias aside).
export {
  type CubeEdgeRow,
  type CubeVertexRow,
  hypercubeProjection,
  LEARNT_MARGIN,
  LEARNT_OWN_OUTPUT,
  lossOverTheta,
  type LossOverThetaRow,
  type LossParts,
  NO_BIAS_STATES,
  type NoBiasFractionRow,
  noBiasLossParts,
  type NoBiasPolygon,
  noBiasPolygonLoss,
  type NoBiasSeed,
  type NoBiasState,
  positiveOffDiagonal,
  regularPolygonNoBias,
} from "./no_bias.ts";

// Figures the notebooks draw directly.
export { featureVectorsSpec, gramHeatmapSpec, latentZonesSpec } from "./plots.ts";
export { normTradeoffSpec } from "./plots_no_bias.ts";
