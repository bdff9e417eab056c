/**
 * Every experiment `deno task reproduce` knows, in report order.
 * @module
 */
import type { AnyExperiment } from "./experiment.ts";
import { toyGeometry } from "./toy_geometry.ts";
import { toySeedSweep } from "./toy_seed_sweep.ts";

/** The experiments, by id. */
export const EXPERIMENTS: AnyExperiment[] = [toyGeometry, toySeedSweep];

/** Looks an experiment up by id (undefined when unknown). */
export function findExperiment(id: string): AnyExperiment | undefined {
  return EXPERIMENTS.find((e) => e.id === id);
}
