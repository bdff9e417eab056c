/**
 * Every study and experiment `deno task reproduce` knows, in report order.
 *
 * A new study is a new folder under `lib/studies/` with a `study.ts`; it joins the lab by
 * one import and one entry of {@link STUDIES} here.
 *
 * @module
 */
import type { AnyExperiment, Study } from "./core/experiment.ts";
import { toyStudy } from "./studies/toy/study.ts";
import { stepAeStudy } from "./studies/step_ae/study.ts";
import { shallowAeStudy } from "./studies/shallow_ae/study.ts";
import { saeStudy } from "./studies/sae/study.ts";
import { nmfStudy } from "./studies/nmf/study.ts";

/** The studies, in report order. */
export const STUDIES: Study[] = [toyStudy, stepAeStudy, shallowAeStudy, saeStudy, nmfStudy];

/** The experiments of every study, by id, in report order. */
export const EXPERIMENTS: AnyExperiment[] = STUDIES.flatMap((s) => s.experiments);

/** Looks an experiment up by id (undefined when unknown). */
export function findExperiment(id: string): AnyExperiment | undefined {
  return EXPERIMENTS.find((e) => e.id === id);
}
