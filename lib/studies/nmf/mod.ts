/**
 * The NMF study (the research notes; Lee & Seung 1999): multiplicative updates for Frobenius and
 * KL, against PCA and scikit-learn.
 *
 * The study's public face: notebooks, scripts and other studies import it through this
 * file (via `lib/mod.ts`). What it offers:
 *
 * - the experiment `nmf`, its fields and config and result types;
 * - the model (model.ts): factor types, the objectives and one multiplicative update as
 *   readable tfjs, and the data matrix (data.ts) and starts (init.ts) they need;
 * - the fused float64 kernel the lab trains with (kernel.ts) and the trainer (train.ts);
 * - the comparison with scikit-learn's fixture (sklearn.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitNmf, nmfData, nmfInit } from "./mod.ts";
 * const data = nmfData([1, 2, 0, 0, 1, 3], 2, 3); // V [2, 3]
 * const start = nmfInit(data, { rank: 1, init: "nndsvd", seed: 0 });
 * const fit = await fitNmf(data, start, { objective: "kl", iterations: 10 });
 * assert.ok(fit.final.kl <= fit.history[0]);
 * ```
 *
 * @module
 */
export {
  nmf,
  type NmfExperimentConfig,
  type NmfExperimentResult,
  nmfFields,
} from "./experiments/nmf.ts";
export type { FactorSparsity, NmfRunSummary } from "./analysis.ts";
export {
  cloneFactors,
  NMF_EPSILON,
  NMF_INITS,
  NMF_OBJECTIVES,
  nmfBasis,
  type NmfFactors,
  type NmfInit,
  type NmfObjective,
  nmfObjectiveTensors,
  nmfReconstruct,
  nmfStepTensors,
  type NmfTensors,
  nmfTensors,
} from "./model.ts";
export { type NmfData, nmfData, nmfDense } from "./data.ts";
export { nmfInit, type SingularTriplets, topSingularTriplets } from "./init.ts";
export { nmfObjective, nmfStep, type NmfWorkspace, nmfWorkspace } from "./kernel.ts";
export {
  fitNmf,
  fitNmfJobs,
  type NmfFit,
  type NmfFitOptions,
  type NmfFitProgress,
  type NmfFitState,
  type NmfJob,
  type NmfJobOptions,
} from "./train.ts";
export {
  loadSklearnNmfFixture,
  type SklearnComparisonRow,
  sklearnNmfComparison,
  type SklearnNmfFixture,
  type SklearnNmfRun,
} from "./sklearn.ts";
