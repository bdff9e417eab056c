/**
 * The nmf study's entry in the registry: its experiments in report order.
 *
 * @module
 */
import type { Study } from "../../core/experiment.ts";
import { nmf } from "./experiments/nmf.ts";

/** Non-negative matrix factorisation: the experiments of `lib/studies/nmf/`. */
export const nmfStudy: Study = {
  id: "nmf",
  title: "Non-negative matrix factorisation",
  experiments: [nmf],
};
