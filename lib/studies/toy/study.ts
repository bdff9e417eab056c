/**
 * The toy study's entry in the registry (`lib/registry.ts`): its experiments in report order.
 *
 * @module
 */
import type { Study } from "../../core/experiment.ts";
import { toyGeometry } from "./experiments/geometry.ts";
import { toySeedSweep } from "./experiments/seed_sweep.ts";
import { toyFailureSurvey } from "./experiments/failure_survey.ts";
import { toyBiasOptimum } from "./experiments/bias_optimum.ts";
import { toyTilt } from "./experiments/tilt.ts";
import { toyFrozenOptimum } from "./experiments/frozen_optimum.ts";
import { toyUpdateField } from "./experiments/update_field.ts";
import { toyChaos } from "./experiments/chaos.ts";
import { toyNoBias } from "./experiments/no_bias.ts";
import { toyResampling } from "./experiments/resampling.ts";
import { toyResamplingBasin } from "./experiments/resampling_basin.ts";
import { toySparseRegime } from "./experiments/sparse_regime.ts";

/**
 * The toy ReLU autoencoder and its optimization failures: the experiments of
 * `lib/studies/toy/`, in report order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toyStudy } from "./study.ts";
 * assert.equal(toyStudy.experiments[0].id, "toy-geometry");
 * assert.ok(toyStudy.experiments.every((e) => e.id.startsWith("toy-")));
 * ```
 */
export const toyStudy: Study = {
  id: "toy",
  title: "The toy ReLU autoencoder and its optimization failures",
  experiments: [
    toyGeometry,
    toySeedSweep,
    toyFailureSurvey,
    toyBiasOptimum,
    toyTilt,
    toyFrozenOptimum,
    toyUpdateField,
    toyChaos,
    toyNoBias,
    toyResampling,
    toyResamplingBasin,
    toySparseRegime,
  ],
};
