/**
 * The basin of a resampled column (issue 10, part 2): from Symmetric
 * Failure, the unlearnt feature n is given a column of length r along a
 * chosen direction and a bias β; does it escape?
 *
 * The prediction is the lab's frozen-optimum reduction (`toy-frozen-optimum`)
 * carried past its linearisation: hold the learnt (n−1)-gon fixed (columns
 * of squared length a = 1/(1 − cos 2π/(n−1)), biases c = −cos(2π/(n−1))·a)
 * and follow the resampled feature alone. Placed on the bisector of a gap
 * (`gap`) or on a learnt column (`vertex`), the column stays on that line by
 * symmetry, so its length r and bias β are the whole state. With φₖ the
 * angles from the column to the learnt ones, and L's normalisation 1/n²,
 * the loss terms that involve (r, β) are
 *   (ReLU(r² + β) − 1)²                    feature n on its own example,
 *   Σₖ ReLU(r√a cos φₖ + c)²               the learnt features on example n,
 *   Σₖ ReLU(r√a cos φₖ + β)²               feature n on the learnt examples,
 * whose gradients are, with [·] the indicator of an active ReLU,
 *   n²·∂L/∂r = 4r(r² + β − 1)[r² + β > 0] + 2√a Σₖ cos φₖ (ReLU(r√a cos φₖ + c) + ReLU(r√a cos φₖ + β)),
 *   n²·∂L/∂β = 2(r² + β − 1)[r² + β > 0] + 2 Σₖ ReLU(r√a cos φₖ + β).
 * Near r = 0 with β = 1/n every ReLU of the third term is on and Σₖ cos φₖ = 0,
 * so n²·∂L/∂r ≈ (a(n−1) − 4(1 − β))·r, which is the frozen optimum's
 * (M − 2(1 − β − ‖Wₙ‖²)I)Wₙ with M = a(n−1)/2·I: positive for n ≥ 5, the column
 * shrinks. A negative bias switches the third term's ReLUs off and removes the
 * restoring force; a long column switches on the second term and is pushed
 * back. Gradient descent on (r, β) at the run's learning rate ends in one of
 * three places: `collapsed` (r < 0.1, the lab's unlearnt threshold: back to
 * Symmetric Failure), `stuck` (r ≥ 0.1 but every ReLU that involves the
 * feature is off, so no gradient reaches it: a dead column) or `escaped`
 * (r ≥ 0.1 with its own output on: at n = 7 it settles at r ≈ 1.05,
 * β ≈ −0.88 on a gap's bisector, as far as a frozen polygon lets it). The
 * predicted basin is the `escaped` region. The full model lets the
 * polygon make room, which the reduction cannot; where they part is a finding.
 *
 * @module
 */
import { regularPolygonScale, symmetricFailure } from "./closed_forms.ts";
import { UNLEARNT_NORM } from "./outcomes.ts";
import type { ToyState } from "./failure_states.ts";
import { deriveSeed, Rng } from "../../core/random.ts";

/**
 * Where the resampled column points: the bisector of a gap of the learnt
 * polygon, or along one learnt column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BASIN_DIRECTIONS } from "./basin.ts";
 * assert.deepEqual([...BASIN_DIRECTIONS], ["gap", "vertex"]);
 * ```
 */
export const BASIN_DIRECTIONS = ["gap", "vertex"] as const;

/**
 * One of {@link BASIN_DIRECTIONS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BasinDirection } from "./basin.ts";
 * const d: BasinDirection = "gap";
 * assert.equal(d, "gap");
 * ```
 */
export type BasinDirection = typeof BASIN_DIRECTIONS[number];

/** Angle of the direction in the Symmetric Failure of `symmetricFailure(n)` (its ring starts at 0). */
function directionAngle(n: number, direction: BasinDirection): number {
  return direction === "gap" ? Math.PI / (n - 1) : 0;
}

/**
 * The reduced flow's end: (r, β) after `steps` steps of gradient descent at
 * `lr` on the frozen-polygon loss of the module doc, and where it ended
 * (`collapsed`, `stuck`, `escaped`; see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reducedFlow } from "./basin.ts";
 * // Symmetric Failure's own bias 1/n pulls a short column back to 0 ...
 * assert.equal(reducedFlow(7, { direction: "gap", r: 0.3, bias: 1 / 7, lr: 0.1, steps: 5000 }).escaped, false);
 * // ... a clearly negative bias lets a longer one grow to where the frozen polygon lets it ...
 * assert.equal(reducedFlow(7, { direction: "gap", r: 1, bias: -0.8, lr: 0.1, steps: 5000 }).escaped, true);
 * // ... and a short one under a negative bias gets no gradient at all.
 * assert.equal(reducedFlow(7, { direction: "gap", r: 0.2, bias: -0.8, lr: 0.1, steps: 5000 }).end, "stuck");
 * ```
 */
export function reducedFlow(
  n: number,
  start: { direction: BasinDirection; r: number; bias: number; lr: number; steps: number },
): { r: number; bias: number; end: "collapsed" | "stuck" | "escaped"; escaped: boolean } {
  const { normSq: a, bias: c } = regularPolygonScale(n - 1);
  const sa = Math.sqrt(a);
  const base = directionAngle(n, start.direction);
  const cos = Array.from({ length: n - 1 }, (_, k) => Math.cos((2 * Math.PI * k) / (n - 1) - base));
  const scale = start.lr / (n * n);
  let { r, bias } = start;
  for (let t = 0; t < start.steps; t++) {
    const own = r * r + bias;
    let gr = own > 0 ? 4 * r * (own - 1) : 0;
    let gb = own > 0 ? 2 * (own - 1) : 0;
    for (const ck of cos) {
      const p = r * sa * ck;
      const learnt = p + c;
      const mine = p + bias;
      if (learnt > 0) gr += 2 * sa * ck * learnt;
      if (mine > 0) {
        gr += 2 * sa * ck * mine;
        gb += 2 * mine;
      }
    }
    r -= scale * gr;
    bias -= scale * gb;
    if (!Number.isFinite(r) || !Number.isFinite(bias)) break;
    // The column is a vector: a step through the origin flips it; keep r as its length.
    if (r < 0) r = -r;
  }
  const end = !(Number.isFinite(r) && r >= UNLEARNT_NORM)
    ? "collapsed"
    : r * r + bias > 0
    ? "escaped"
    : "stuck";
  return { r, bias, end, escaped: end === "escaped" };
}

/**
 * The starting state of one basin cell: Symmetric Failure (feature n
 * unlearnt), feature n's column set to length `r` along `direction` and its
 * bias to `bias`, and seeded normal noise of std `noise` on every learnt
 * parameter (trained failures are never exactly regular).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { basinStart } from "./basin.ts";
 * const s = basinStart(7, { direction: "gap", r: 1, bias: -0.5, noise: 0, seed: 0 });
 * assert.ok(Math.abs(Math.hypot(s.W[0][6], s.W[1][6]) - 1) < 1e-12);
 * assert.ok(Math.abs(Math.atan2(s.W[1][6], s.W[0][6]) - Math.PI / 6) < 1e-12); // between vertices 1 and 2
 * assert.equal(s.b[6], -0.5);
 * ```
 */
export function basinStart(
  n: number,
  cell: { direction: BasinDirection; r: number; bias: number; noise: number; seed: number },
): ToyState {
  const { W, b } = symmetricFailure(n);
  const rng = new Rng(deriveSeed(cell.seed, "basin-noise"));
  for (let i = 0; i < n - 1; i++) {
    W[0][i] += cell.noise * rng.normal();
    W[1][i] += cell.noise * rng.normal();
    b[i] += cell.noise * rng.normal();
  }
  const angle = directionAngle(n, cell.direction);
  W[0][n - 1] = cell.r * Math.cos(angle);
  W[1][n - 1] = cell.r * Math.sin(angle);
  b[n - 1] = cell.bias;
  return { W, b };
}

/**
 * Points of the predicted basin's boundary: for each of `norms`, the biases
 * (scanned over `biases`, ascending) at which the reduced flow's verdict
 * changes, placed half-way between the two scanned values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { predictedBoundary } from "./basin.ts";
 * const biases = Array.from({ length: 41 }, (_, k) => -2 + k * 0.05);
 * const points = predictedBoundary(7, { direction: "gap", norms: [1], biases, lr: 0.1, steps: 3000 });
 * assert.ok(points.length >= 1 && points.every((p) => p.norm === 1));
 * ```
 */
export function predictedBoundary(
  n: number,
  grid: { direction: BasinDirection; norms: number[]; biases: number[]; lr: number; steps: number },
): { direction: BasinDirection; norm: number; bias: number }[] {
  const out: { direction: BasinDirection; norm: number; bias: number }[] = [];
  const { direction, lr, steps } = grid;
  for (const r of grid.norms) {
    let last: boolean | null = null;
    grid.biases.forEach((bias, k) => {
      const now = reducedFlow(n, { direction, r, bias, lr, steps }).escaped;
      if (last !== null && now !== last) {
        out.push({ direction, norm: r, bias: (bias + grid.biases[k - 1]) / 2 });
      }
      last = now;
    });
  }
  return out;
}
