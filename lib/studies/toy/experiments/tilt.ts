/**
 * `toy-tilt`: why the unlearnt column stays at zero (“Optimization Failure”, "How tilt is
 * generated" and "What if Symmetric Failure and b₇ = 0?").
 *
 * Starting from the exact Symmetric Failure state, the latent plane is tilted
 * by Wₙ = a·d for a range of a, along a learnt vertex direction and along an
 * edge direction, with bₙ = 1/n and with bₙ = 0. For each state we compute
 * the loss and the gradient with respect to Wₙ in float64. Near a = 0 the loss
 * rises quadratically (Jensen's inequality: raising some outputs and lowering
 * others by the same amount costs more than it saves), and the gradient
 * points along +Wₙ, so a descent step shrinks the tilt. Expanding the loss
 * for the regular polygon (Σₖ Wₖ = 0) gives the quadratic coefficient
 *   c₂ = (Σ_{k active} (d·Wₖ)² − 2(1 − bₙ)‖d‖²) / n²,
 * where "active" is every learnt k for bₙ > 0 and the half with a·d·Wₖ > 0 for
 * bₙ = 0 (plus, at n = 5 where the learnt square's biases are exactly 0, the
 * learnt outputs that switch on for the tilted example); the experiment
 * reports c₂ from this formula next to the measured curve.
 *
 * @module
 */
import * as aq from "arquero";
import { baseFailure, stateLossGrad, tiltedFailure } from "../failure_states.ts";
import type { Spec } from "../../../core/plots/render.ts";
import { tiltSpec } from "../plots_failure.ts";
import { ConfigError, type ConfigOf, int, num } from "../../../core/config.ts";
import { defineExperiment, type Experiment, fusedMeta } from "../../../core/experiment.ts";
import { memoryEstimate } from "../../../core/memory.ts";
import { sig } from "../../../core/format.ts";
import { maxOf, minOf } from "../../../core/stats.ts";
import { tiltClaims } from "../claims.ts";

/**
 * The fields of `toy-tilt`: n, the largest tilt and the points of the scan.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tiltFields } from "./tilt.ts";
 * assert.deepEqual([tiltFields.n.default, tiltFields.points.default], [7, 161]);
 * ```
 */
export const tiltFields = {
  n: int({ default: 7, min: 5, max: 32, doc: "features (the learnt ones form an (n−1)-gon)" }),
  aMax: num({ default: 0.4, min: 0, exclusiveMin: true, max: 5, doc: "largest |a|" }),
  points: int({ default: 161, min: 3, max: 20001, doc: "points of the scan (odd)" }),
};

/**
 * Config of `toy-tilt`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type TiltConfig, toyTilt } from "./tilt.ts";
 * const config: TiltConfig = configure(toyTilt, { n: 9 });
 * assert.equal(config.aMax, 0.4);
 * ```
 */
export type TiltConfig = ConfigOf<typeof tiltFields>;

/**
 * One tilted state (a row of the `tilt` table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type TiltRow, toyTilt } from "./tilt.ts";
 * const result = await toyTilt.run(configure(toyTilt, { points: 3 }), {});
 * const row: TiltRow = result.rows[1]; // a = 0: the untilted state
 * assert.deepEqual([row.a, row.loss_increase], [0, 0]);
 * ```
 */
export interface TiltRow {
  /** Which bias bₙ: "b_n = 1/n" or "b_n = 0". */
  case: string;
  /** The direction d of the tilt: a learnt vertex or an edge between two. */
  direction: string;
  /** bₙ. */
  bias: number;
  /** The tilt: Wₙ = a·d. */
  a: number;
  /** Loss on one-hot data. */
  loss: number;
  /** Loss above the untilted state. */
  loss_increase: number;
  /** c₂·a² from the closed-form coefficient. */
  quadratic_prediction: number;
  /** Cosine between ∂L/∂Wₙ and Wₙ (+1: the gradient points along Wₙ, so descent untilts). */
  grad_cos: number;
  /** ‖∂L/∂Wₙ‖. */
  grad_norm: number;
}

/**
 * What `toy-tilt` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "../../../mod.ts";
 * import { type TiltResult, toyTilt } from "./tilt.ts";
 * const result: TiltResult = await toyTilt.run(configure(toyTilt, { points: 5 }), {});
 * assert.equal(result.rows.length, 4 * 5); // two bias cases × two directions × 5 points
 * ```
 */
export interface TiltResult {
  /** Every case, direction and a. */
  rows: TiltRow[];
  /** Closed-form c₂ per case and direction. */
  coefficients: { case: string; direction: string; c2: number; c2_fit: number }[];
}

function quadraticCoefficient(n: number, d: number[], bias: number, sign: number): number {
  const s = baseFailure(n);
  let sum = 0;
  for (let k = 0; k < n - 1; k++) {
    const g = d[0] * s.W[0][k] + d[1] * s.W[1][k];
    // Output n on learnt example k: active throughout for bₙ > 0, on one side for bₙ = 0.
    if (bias > 0 || sign * g > 0) sum += g * g;
    // Learnt output k on the tilted example n: silent while bₖ < 0, but the square's
    // biases (n = 5) are exactly 0, so those facing the tilt switch on as well.
    if (Math.abs(s.b[k]) < 1e-12 && sign * g > 0) sum += g * g;
  }
  return (sum - 2 * (1 - bias) * (d[0] * d[0] + d[1] * d[1])) / (n * n);
}

/**
 * `toy-tilt`: loss and gradient as the latent plane tilts out of Symmetric Failure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, toyTilt } from "../../../mod.ts";
 * const config = configure(toyTilt, { n: 6, points: 21 });
 * const result = await toyTilt.run(config, {});
 * assert.equal(result.coefficients.length, 4); // two bias cases × two directions
 * ```
 */
export const toyTilt: Experiment<typeof tiltFields, TiltResult> = defineExperiment({
  id: "toy-tilt",
  title: "Toy autoencoder: tilting the latent plane out of Symmetric Failure",
  description:
    "From the exact Symmetric Failure state, sets the unlearnt column to Wₙ = a·d (d a learnt " +
    "vertex or an edge direction) for a range of a, with bₙ = 1/n and bₙ = 0, and records the loss " +
    "and the gradient with respect to Wₙ: its cosine with Wₙ (the untilting force) and its norm. " +
    "“Optimization Failure” argues from Jensen's inequality that any tilt costs loss, so the unlearnt column " +
    "is pushed back to zero.",
  fields: tiltFields,
  profiles: { smoke: { points: 41 }, quick: {}, full: { points: 2001 } },
  validate(c) {
    if (c.points % 2 === 0) {
      throw new ConfigError(
        `points=${c.points} is not allowed: points must be odd so that a = 0 is scanned`,
      );
    }
  },
  memory(c) {
    // Plain row objects: two bias cases × two directions × points.
    const rows = 4 * c.points;
    return memoryEstimate([{ what: `${rows} rows`, bytes: rows * 1536, heap: true }], ["points"]);
  },
  run(c) {
    const started = performance.now();
    const n = c.n;
    const base = baseFailure(n);
    const vertex = [base.W[0][0], base.W[1][0]];
    const edge = (() => {
      const t = tiltedFailure(n, 1, { between: [0, 1] });
      return [t.W[0][n - 1], t.W[1][n - 1]];
    })();
    const rows: TiltRow[] = [];
    const coefficients: TiltResult["coefficients"] = [];
    for (const [caseName, bias] of [["b_n = 1/n", 1 / n], ["b_n = 0", 0]] as const) {
      for (
        const [direction, d, opts] of [
          ["vertex (along W1)", vertex, { along: 0 }],
          ["edge (between W1 and W2)", edge, { between: [0, 1] as [number, number] }],
        ] as const
      ) {
        const at0 = stateLossGrad(tiltedFailure(n, 0, { ...opts, bias })).loss;
        for (let k = 0; k < c.points; k++) {
          const a = -c.aMax + (2 * c.aMax * k) / (c.points - 1);
          const state = tiltedFailure(n, a, { ...opts, bias });
          const { loss, gradW } = stateLossGrad(state);
          const g = [gradW[0][n - 1], gradW[1][n - 1]];
          const w = [state.W[0][n - 1], state.W[1][n - 1]];
          const gn = Math.hypot(g[0], g[1]);
          const wn = Math.hypot(w[0], w[1]);
          const c2 = quadraticCoefficient(n, d, bias, Math.sign(a));
          rows.push({
            case: caseName,
            direction,
            bias,
            a,
            loss,
            loss_increase: loss - at0,
            quadratic_prediction: c2 * a * a,
            grad_cos: gn > 0 && wn > 0 ? (g[0] * w[0] + g[1] * w[1]) / (gn * wn) : NaN,
            grad_norm: gn,
          });
        }
        // Least-squares c₂ from the points with |a| ≤ aMax/10.
        const near = rows.filter((r) =>
          r.case === caseName && r.direction === direction && Math.abs(r.a) <= c.aMax / 10 &&
          r.a !== 0
        );
        const fit = near.reduce((s, r) => s + r.loss_increase * r.a * r.a, 0) /
          near.reduce((s, r) => s + r.a ** 4, 0);
        coefficients.push({
          case: caseName,
          direction,
          c2: quadraticCoefficient(n, d, bias, 1),
          c2_fit: fit,
        });
      }
    }
    return Promise.resolve({
      rows,
      coefficients,
      meta: fusedMeta({ workers: 1, elapsedMs: performance.now() - started, engine: "analysis" }),
    });
  },
  claims: tiltClaims,
  artefacts(r, c) {
    const untilting = (caseName: string) => {
      const rows = r.rows.filter((x) => x.case === caseName && x.a !== 0);
      const bad = rows.filter((x) => !(x.grad_cos > 0));
      return {
        points: rows.length,
        gradient_along_Wn: rows.length - bad.length,
        first_exception_a: bad[0]?.a ?? null,
      };
    };
    const figures: Record<string, Spec> = tiltSpec(r.rows, { n: c.n });
    return {
      summary: {
        n: c.n,
        a_range: [-c.aMax, c.aMax],
        quadratic_coefficients: r.coefficients,
        untilting: { "b_n = 1/n": untilting("b_n = 1/n"), "b_n = 0": untilting("b_n = 0") },
        max_loss_increase: maxOf(r.rows.map((x) => x.loss_increase)),
        min_loss_increase: minOf(r.rows.map((x) => x.loss_increase)),
      },
      tables: { tilt: aq.from(r.rows), coefficients: aq.from(r.coefficients) },
      figures,
      notes: [
        `Exact Symmetric Failure at n=${c.n} (regular ${
          c.n - 1
        }-gon, Wₙ = 0), tilted by Wₙ = a·d ` +
        `for ${c.points} values of a in [−${c.aMax}, ${c.aMax}]; loss and gradient in float64.`,
        ...r.coefficients.map((k) =>
          `${k.case}, ${k.direction}: c₂ from the formula ${sig(k.c2, 5)}, fitted near 0 ` +
          `${sig(k.c2_fit, 5)}.`
        ),
        `The gradient with respect to Wₙ points along +Wₙ (cosine > 0, so a descent step shrinks the ` +
        `tilt) at ${untilting("b_n = 1/n").gradient_along_Wn} of ${
          untilting("b_n = 1/n").points
        } ` +
        `nonzero a with bₙ = 1/n and ${untilting("b_n = 0").gradient_along_Wn} of ` +
        `${untilting("b_n = 0").points} with bₙ = 0.`,
      ],
    };
  },
});
