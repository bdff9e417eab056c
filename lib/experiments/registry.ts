/**
 * Every experiment `deno task reproduce` knows, in report order.
 * @module
 */
import type { AnyExperiment } from "./experiment.ts";
import { toyGeometry } from "./toy_geometry.ts";
import { toySeedSweep } from "./toy_seed_sweep.ts";
import { toyTilt } from "./toy_tilt.ts";
import { toyFrozenOptimum } from "./toy_frozen_optimum.ts";
import { toyUpdateField } from "./toy_update_field.ts";
import { toyChaos } from "./toy_chaos.ts";
import { toyBiasOptimum } from "./toy_bias_optimum.ts";
import { toyFailureSurvey } from "./toy_failure_survey.ts";
import { toyNoBias } from "./toy_no_bias.ts";
import { stepAe } from "./step_ae.ts";
import { stepAeRemedies } from "./step_ae_remedies.ts";
import { sae } from "./sae.ts";
import { nmf } from "./nmf.ts";
import { shallowAe } from "./shallow_ae.ts";

/** The experiments, by id. */
export const EXPERIMENTS: AnyExperiment[] = [
  toyGeometry,
  toySeedSweep,
  toyFailureSurvey,
  toyBiasOptimum,
  toyTilt,
  toyFrozenOptimum,
  toyUpdateField,
  toyChaos,
  toyNoBias,
  stepAe,
  stepAeRemedies,
  shallowAe,
  sae,
  nmf,
];

/** Looks an experiment up by id (undefined when unknown). */
export function findExperiment(id: string): AnyExperiment | undefined {
  return EXPERIMENTS.find((e) => e.id === id);
}
