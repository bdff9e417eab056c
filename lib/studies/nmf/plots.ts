/**
 * Figures of the NMF study (Lee & Seung 1999): grids of images (NMF's basis
 * images next to PCA's components, reconstructions), the sparsity of bases
 * and encodings, and the objective over iterations. Pure functions of rows
 * and arrays; the image grids themselves are lib/core/plots/images.ts's.
 *
 * @module
 */
import { type Spec, specTitle } from "../../core/plots/render.ts";

/** One sparsity measurement. */
export interface SparsityRow {
  /** e.g. "NMF Frobenius", "PCA". */
  method: string;
  /** "basis images" or "encodings". */
  factor: string;
  /** "Hoyer sparsity" or "near-zero fraction". */
  measure: string;
  /** The measure's value, in [0, 1]. */
  value: number;
}

/** Bars of each measure for bases and encodings, one bar per method. */
export function sparsitySpec(
  rows: SparsityRow[],
  options: { title: string; subtitle?: string },
): Spec {
  return {
    title: specTitle(options),
    data: { values: rows },
    facet: {
      row: { field: "measure", type: "nominal", title: null },
      column: { field: "factor", type: "nominal", title: null },
    },
    spec: {
      width: 200,
      height: 110,
      layer: [
        {
          mark: { type: "bar" },
          encoding: {
            y: { field: "method", type: "nominal", title: null },
            x: {
              field: "value",
              type: "quantitative",
              title: null,
              scale: { domain: [0, 1] },
            },
            color: { field: "method", type: "nominal", legend: null },
          },
        },
        {
          mark: { type: "text", align: "left", dx: 3, fontSize: 10 },
          encoding: {
            y: { field: "method", type: "nominal" },
            x: { field: "value", type: "quantitative" },
            text: { field: "value", type: "quantitative", format: ".2f" },
          },
        },
      ],
    },
  } as unknown as Spec;
}

/** The objective after `iteration` updates of one run. */
export interface ObjectiveRow {
  /** The objective's label ("Frobenius", "KL"). */
  objective: string;
  /** The start. */
  init: string;
  /** Updates done. */
  iteration: number;
  /** The objective after them. */
  value: number;
}

/** Objective against iteration, one panel per objective (own y scale, log), one line per init. */
export function objectiveSpec(
  rows: ObjectiveRow[],
  options: { title: string; subtitle?: string },
): Spec {
  return {
    title: specTitle(options),
    data: { values: rows },
    facet: { column: { field: "objective", type: "nominal", title: null } },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 260,
      height: 200,
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: {
        x: { field: "iteration", type: "quantitative", title: "iteration" },
        y: {
          field: "value",
          type: "quantitative",
          title: "objective",
          scale: { type: "log" },
        },
        color: { field: "init", type: "nominal", title: "initialisation" },
      },
    },
  } as unknown as Spec;
}
