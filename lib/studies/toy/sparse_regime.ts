/**
 * The geometry of the trained examples' hidden vectors h_t = W·x_t in Anthropic's
 * sparse regime (m = 2; "Superposition, Memorization, and Double Descent", and the
 * "two circles" claims that “Optimization Failure” questions in its introduction):
 * how many radius levels they sit on, how circular and how regular each level is,
 * the angular gaps at the interfaces between levels against what a ReLU readout
 * needs, and which examples no readout can select.
 *
 * A readout selects example t when some output unit, ReLU(w·h + b), is positive at
 * h_t and zero at every other example's hidden vector: a half-plane holds h_t and no
 * other h_q. That is possible exactly when h_t is a vertex of the convex hull of all
 * the hidden vectors. For a point of radius r between two neighbours of radius R at
 * angles θ₁ and θ₂ on either side, it is a vertex when
 * r·cos((θ₁ − θ₂)/2) > R·cos((θ₁ + θ₂)/2); with equal gaps θ, when θ > arccos(r/R):
 * the smaller the inner level, the larger the gap it needs.
 *
 * @module
 */
import type { CsrBatch } from "./data.ts";
import { angleDegrees } from "./geometry.ts";
import { maxOf, mean, minOf, std } from "../../core/stats.ts";

/** A hidden vector in the plane. */
export interface HiddenPoint {
  /** First coordinate. */
  x: number;
  /** Second coordinate. */
  y: number;
}

/** How {@link radiusLevels} groups norms. */
export interface LevelRule {
  /** Norms below this fraction of the largest count as collapsed (no level). */
  zero: number;
  /** A sorted norm more than (1 + gap) times the one below it starts a new level. */
  gap: number;
}

/** The rule the experiment uses: collapsed below 5% of the largest norm; a new level past a 15% step. */
export const LEVEL_RULE: LevelRule = { zero: 0.05, gap: 0.15 };

/** Norms grouped into radius levels, innermost first. */
export interface RadiusLevels {
  /** Level of each point (0 innermost), −1 when collapsed. */
  level: number[];
  /** Mean norm of each level, ascending. */
  radius: number[];
  /** Points on each level. */
  count: number[];
  /** Coefficient of variation of the norms on each level (0: a perfect circle). */
  cv: number[];
  /** Points below the collapse threshold. */
  collapsed: number;
}

/**
 * Groups norms into levels by the gaps between them: sorted, a norm more than
 * (1 + `gap`) times the previous starts a new level (single linkage on the log
 * scale), and norms under `zero` times the largest are collapsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { radiusLevels } from "./sparse_regime.ts";
 * const levels = radiusLevels([1, 0.5, 1.02, 0.49, 0.001], { zero: 0.05, gap: 0.15 });
 * assert.deepEqual(levels.level, [1, 0, 1, 0, -1]);
 * assert.deepEqual(levels.count, [2, 2]);
 * ```
 */
export function radiusLevels(norms: number[], rule: LevelRule): RadiusLevels {
  const largest = Math.max(0, maxOf(norms));
  const order = norms.map((_, i) => i).filter((i) =>
    norms[i] >= rule.zero * largest && norms[i] > 0
  )
    .sort((a, b) => norms[a] - norms[b] || a - b);
  const level = norms.map(() => -1);
  const members: number[][] = [];
  for (const [k, i] of order.entries()) {
    if (k === 0 || norms[i] > (1 + rule.gap) * norms[order[k - 1]]) members.push([]);
    members[members.length - 1].push(i);
    level[i] = members.length - 1;
  }
  const ofLevel = members.map((m) => m.map((i) => norms[i]));
  const radius = ofLevel.map(mean);
  const cv = ofLevel.map((v, l) => std(v) / radius[l]);
  return {
    level,
    radius,
    count: members.map((m) => m.length),
    cv,
    collapsed: norms.length - order.length,
  };
}

/** Angle of a point in degrees, in [0, 360). */
function angleDeg(p: HiddenPoint): number {
  return angleDegrees(p.x, p.y);
}

/**
 * The angular spread of one level: its points' angles sorted around the
 * circle, the gaps between neighbours (cyclic), and max − min of those gaps in
 * degrees (0 for a regular polygon; null with fewer than two points).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gapSpread } from "./sparse_regime.ts";
 * assert.ok(Math.abs(gapSpread([0, 120, 240])!) < 1e-12);
 * assert.equal(gapSpread([0, 90, 180]), 180 - 90);
 * ```
 */
export function gapSpread(anglesDeg: number[]): number | null {
  if (anglesDeg.length < 2) return null;
  const gaps = cyclicGaps([...anglesDeg].sort((a, b) => a - b));
  return maxOf(gaps) - minOf(gaps);
}

function cyclicGaps(sorted: number[]): number[] {
  return sorted.map((a, k) => (k + 1 < sorted.length ? sorted[k + 1] - a : sorted[0] + 360 - a));
}

/**
 * Which points are strict vertices of the convex hull of all of them (Andrew's
 * monotone chain; points on an edge or inside are not).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hullVertices } from "./sparse_regime.ts";
 * const square = [{ x: 1, y: 0 }, { x: 0, y: 1 }, { x: -1, y: 0 }, { x: 0, y: -1 }];
 * assert.deepEqual(hullVertices([...square, { x: 0.2, y: 0.1 }]), [true, true, true, true, false]);
 * ```
 */
export function hullVertices(points: HiddenPoint[]): boolean[] {
  const idx = points.map((_, i) => i).sort((a, b) =>
    points[a].x - points[b].x || points[a].y - points[b].y
  );
  const cross = (o: HiddenPoint, a: HiddenPoint, b: HiddenPoint) =>
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const chain = (order: number[]) => {
    const out: number[] = [];
    for (const i of order) {
      while (
        out.length >= 2 &&
        cross(points[out[out.length - 2]], points[out[out.length - 1]], points[i]) <= 0
      ) {
        out.pop();
      }
      out.push(i);
    }
    return out.slice(0, -1);
  };
  const vertex = points.map(() => false);
  if (points.length === 1) return [true];
  for (const i of [...chain(idx), ...chain([...idx].reverse())]) vertex[i] = true;
  return vertex;
}

/** Where two adjacent points (by angle) lie on different levels. */
export interface Interface {
  /** The inner point (index into the points). */
  inner: number;
  /** The outer point. */
  outer: number;
  /** The angle between them, degrees. */
  gapDeg: number;
  /** Inner radius over outer radius. */
  ratio: number;
  /** arccos(ratio) in degrees: the gap an inner point needs from outer neighbours at equal gaps on both sides. */
  neededDeg: number;
}

/**
 * The interfaces between levels: every pair of points adjacent in angle
 * (cyclically, collapsed points left out) on different levels.
 */
export function interfaces(points: HiddenPoint[], levels: RadiusLevels): Interface[] {
  const live = points.map((_, i) => i).filter((i) => levels.level[i] >= 0);
  if (live.length < 2) return [];
  const angle = points.map(angleDeg);
  const norm = points.map((p) => Math.hypot(p.x, p.y));
  const sorted = [...live].sort((a, b) => angle[a] - angle[b] || a - b);
  const out: Interface[] = [];
  for (let k = 0; k < sorted.length; k++) {
    const a = sorted[k];
    const b = sorted[(k + 1) % sorted.length];
    if (levels.level[a] === levels.level[b]) continue;
    const [inner, outer] = norm[a] < norm[b] ? [a, b] : [b, a];
    let gap = angle[b] - angle[a];
    if (gap < 0) gap += 360;
    const ratio = norm[inner] / norm[outer];
    out.push({ inner, outer, gapDeg: gap, ratio, neededDeg: (Math.acos(ratio) * 180) / Math.PI });
  }
  return out;
}

/** What one trained instance's examples look like in the latent plane (`runs.csv`, one row). */
export interface SparseRunRow {
  /** Size T of the fixed training set. */
  examples: number;
  /** The instance's seed (its start and its T examples). */
  seed: number;
  /** Step at which it diverged, or null. */
  diverged_at_step: number | null;
  /** Final training loss. */
  loss: number | null;
  /** Radius levels of the hidden vectors (collapsed ones aside). */
  radius_levels: number | null;
  /** Examples on each level, innermost first ("3;5"). */
  level_counts: string | null;
  /** Mean norm of each level, innermost first. */
  level_radii: string | null;
  /** Examples with every feature off (no point in the plane, left out of the geometry). */
  empty: number | null;
  /** Hidden vectors shorter than 5% of the longest (no level). */
  collapsed: number | null;
  /** The largest coefficient of variation of the norms within a level (0: circles). */
  max_level_cv: number | null;
  /** The largest spread of angular gaps within a level, degrees (0: regular polygons). */
  max_level_spread_deg: number | null;
  /** Adjacent pairs on different levels. */
  interfaces: number | null;
  /** The smallest angle at an interface, degrees. */
  min_interface_gap_deg: number | null;
  /** Examples whose hidden vector is not a vertex of the hull of all of them: no readout selects them. */
  unselectable: number | null;
  /** Examples reconstructed with squared error above half their squared norm. */
  unlearnt: number | null;
  /** Whether any example is unlearnt: an optimization failure (the training set is memorisable). */
  failure: boolean | null;
  /** Examples not learnt half-way through training. */
  unlearnt_at_half?: number | null;
  /** Whether, after the warm-up, it was ever in the regime's Symmetric Failure (one example collapsed and unlearnt, the rest on one level). */
  ever_symmetric_like?: boolean | null;
  /** Whether it ended in that state. */
  symmetric_like_at_end?: boolean | null;
  /** Whether it had an unlearnt example half-way and ended with every example learnt. */
  recovered?: boolean | null;
}

/** One hidden vector of one run, for the figures. */
export interface HiddenRow {
  /** Size T of the run's training set. */
  examples: number;
  /** The run's seed. */
  seed: number;
  /** Which example (0 … T − 1). */
  example: number;
  /** First coordinate of h. */
  h1: number;
  /** Second coordinate of h. */
  h2: number;
  /** Its radius level counted from the outside (1: the outermost), 0 when collapsed. */
  level: number;
  /** Whether a readout can select it (a hull vertex). */
  selectable: boolean;
  /** Whether its reconstruction is within half its squared norm. */
  learnt: boolean;
}

/** An interface of one run, for the gap-against-ratio figure. */
export interface InterfaceRow extends Interface {
  /** Size T of the run's training set. */
  examples: number;
  /** The run's seed. */
  seed: number;
  /** Whether the inner point is selectable (a hull vertex). */
  inner_selectable: boolean;
}

/** Everything measured of one instance. */
export interface SparseRunAnalysis {
  /** Its row of `runs.csv`. */
  row: SparseRunRow;
  /** Its hidden vectors. */
  hidden: HiddenRow[];
  /** Its interfaces. */
  interfaces: InterfaceRow[];
}

/** An example counts as learnt when its squared error is below this share of its squared norm. */
export const LEARNT_ERROR = 0.5;

/** A trained instance and its fixed training set. */
export interface SparseRun {
  /** `[2, n]` row-major: the encoder (and, transposed, the decoder). */
  W: ArrayLike<number>;
  /** `[n]`: the output biases. */
  b: ArrayLike<number>;
  /** Features. */
  n: number;
  /** The T training examples, as the trainer held them (one CSR row each). */
  examples: CsrBatch;
}

/** What the measurements of a run start from: hidden vectors, which are learnt, their levels. */
interface HiddenState {
  /** `[T]`: h_t = W·x_t. */
  points: HiddenPoint[];
  /** `[T]`: whether example t is reconstructed within {@link LEARNT_ERROR} of its squared norm. */
  learnt: boolean[];
  /** `[T]`: whether example t has every feature off (no point in the plane). */
  empty: boolean[];
  /** The radius levels of the non-empty examples (level −1 for the empty ones). */
  levels: RadiusLevels;
}

function hiddenState(run: SparseRun): HiddenState {
  const { W, b, n, examples: x } = run;
  const rows = Array.from({ length: x.rows }, (_, t) => t);
  const points = rows.map((t) => {
    let h1 = 0;
    let h2 = 0;
    for (let q = x.start[t]; q < x.start[t + 1]; q++) {
      h1 += W[x.idx[q]] * x.val[q];
      h2 += W[n + x.idx[q]] * x.val[q];
    }
    return { x: h1, y: h2 };
  });
  const target = new Float64Array(n);
  const learnt = rows.map((t) => {
    for (let q = x.start[t]; q < x.start[t + 1]; q++) target[x.idx[q]] = x.val[q];
    let err = 0;
    let size = 0;
    for (let i = 0; i < n; i++) {
      const y = Math.max(0, W[i] * points[t].x + W[n + i] * points[t].y + b[i]);
      err += (y - target[i]) ** 2;
      size += target[i] * target[i];
    }
    for (let q = x.start[t]; q < x.start[t + 1]; q++) target[x.idx[q]] = 0;
    return size === 0 || err < LEARNT_ERROR * size;
  });
  // An example with every feature off (likely when n·(1 − S) is small) is no point in the
  // plane: it takes no part in the geometry, and its target, 0, is met by any ReLU readout.
  const empty = rows.map((t) => {
    for (let q = x.start[t]; q < x.start[t + 1]; q++) if (x.val[q] !== 0) return false;
    return true;
  });
  const norms = points.map((p) => Math.hypot(p.x, p.y));
  const found = radiusLevels(norms.filter((_, t) => !empty[t]), LEVEL_RULE);
  return { points, learnt, empty, levels: { ...found, level: spreadBack(found.level, empty) } };
}

/**
 * Measures one trained instance: its hidden vectors h_t = W·x_t, their levels, spreads,
 * interfaces and hull, and each example's reconstruction ReLU(Wᵀh_t + b) against x_t.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyseSparseRun } from "./sparse_regime.ts";
 * import { identityBatch } from "./data.ts";
 * // Three one-hot examples of n = 3 on a regular triangle, biases that cut each other off.
 * const c = [1, -0.5, -0.5], s = [0, Math.sqrt(3) / 2, -Math.sqrt(3) / 2];
 * const a = analyseSparseRun({ W: [...c, ...s], b: [0, 0, 0], n: 3, examples: identityBatch(3) },
 *   { seed: 0, loss: 0 });
 * assert.equal(a.row.radius_levels, 1);
 * assert.equal(a.row.unselectable, 0);
 * assert.equal(a.row.failure, false);
 * ```
 */
export function analyseSparseRun(
  run: SparseRun,
  facts: { seed: number; loss: number },
): SparseRunAnalysis {
  const { seed } = facts;
  const { points, learnt, empty, levels } = hiddenState(run);
  const T = points.length;
  const live = points.map((_, t) => t).filter((t) => levels.level[t] >= 0);
  const vertex = hullVertices(live.map((t) => points[t]));
  const selectable = points.map(() => false);
  live.forEach((t, k) => selectable[t] = vertex[k]);
  const spreads = levels.count.map((_, l) =>
    gapSpread(live.filter((t) => levels.level[t] === l).map((t) => angleDeg(points[t])))
  ).filter((v): v is number => v !== null);
  const joins = interfaces(points, levels);
  const unlearnt = learnt.filter((v) => !v).length;
  const emptyCount = empty.filter(Boolean).length;
  return {
    row: {
      examples: T,
      seed,
      diverged_at_step: null,
      loss: facts.loss,
      radius_levels: levels.count.length,
      level_counts: levels.count.join(";"),
      level_radii: levels.radius.map((r) => Number(r.toPrecision(4))).join(";"),
      empty: emptyCount,
      collapsed: levels.collapsed,
      max_level_cv: Math.max(0, maxOf(levels.cv)),
      max_level_spread_deg: spreads.length ? maxOf(spreads) : null,
      interfaces: joins.length,
      min_interface_gap_deg: joins.length ? minOf(joins.map((f) => f.gapDeg)) : null,
      unselectable: T - emptyCount - selectable.filter(Boolean).length,
      unlearnt,
      failure: unlearnt > 0,
    },
    hidden: points.flatMap((p, t) =>
      empty[t] ? [] : [{
        examples: T,
        seed,
        example: t,
        h1: p.x,
        h2: p.y,
        level: levels.level[t] < 0 ? 0 : levels.count.length - levels.level[t],
        selectable: selectable[t],
        learnt: learnt[t],
      }]
    ),
    interfaces: joins.map((f) => ({
      ...f,
      examples: T,
      seed,
      inner_selectable: selectable[f.inner],
    })),
  };
}

/** What the story over training reads at each snapshot of a run. */
export interface StoryPoint {
  /** Examples not learnt. */
  unlearnt: number;
  /** Radius levels. */
  radius_levels: number;
  /**
   * The sparse regime's Symmetric Failure: exactly one example not learnt, its hidden vector
   * collapsed at the origin, and every other on one level.
   */
  symmetric_like: boolean;
}

/**
 * A run's state at one snapshot of its weights: only what the story needs (no hull, no
 * interfaces).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { storyPoint } from "./sparse_regime.ts";
 * import { identityBatch } from "./data.ts";
 * // Two features on opposite sides, the third at the origin with a negative bias: not learnt.
 * const point = storyPoint({ W: [1, -1, 0, 0, 0, 0], b: [0, 0, -0.1], n: 3, examples: identityBatch(3) });
 * assert.deepEqual(point, { unlearnt: 1, radius_levels: 1, symmetric_like: true });
 * ```
 */
export function storyPoint(run: SparseRun): StoryPoint {
  const { learnt, levels } = hiddenState(run);
  const unlearnt = learnt.filter((v) => !v).length;
  const radius_levels = levels.count.length;
  return {
    unlearnt,
    radius_levels,
    symmetric_like: unlearnt === 1 && levels.collapsed === 1 && radius_levels === 1,
  };
}

/** One run's state at one snapshot (`timeline.csv`). */
export interface TimelineRow extends StoryPoint {
  /** Size T of the run's training set. */
  examples: number;
  /** The run's seed. */
  seed: number;
  /** Updates done. */
  step: number;
}

/**
 * What a run's timeline says. Half-way through training (the rate is then half its peak) an
 * example still not learnt counts as a failure of the run at that point; `recovered` says the run
 * learnt it by the end. Symmetric-Failure-like states are looked for after the warm-up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runStory } from "./sparse_regime.ts";
 * const at = (step: number, unlearnt: number) => ({ step, unlearnt, radius_levels: 1, symmetric_like: unlearnt === 1 });
 * const story = runStory([at(0, 3), at(50, 1), at(100, 0)], { warmup: 10, steps: 100 });
 * assert.deepEqual(story, { unlearnt_at_half: 1, ever_symmetric_like: true, symmetric_like_at_end: false, recovered: true });
 * ```
 */
export function runStory(
  timeline: (StoryPoint & { step: number })[],
  o: { warmup: number; steps: number },
): Pick<
  SparseRunRow,
  "unlearnt_at_half" | "ever_symmetric_like" | "symmetric_like_at_end" | "recovered"
> {
  const half = timeline.find((x) => x.step >= o.steps / 2) ?? timeline[timeline.length - 1];
  const end = timeline[timeline.length - 1];
  return {
    unlearnt_at_half: half.unlearnt,
    ever_symmetric_like: timeline.some((x) => x.step >= o.warmup && x.symmetric_like),
    symmetric_like_at_end: end.symmetric_like,
    recovered: half.unlearnt > 0 && end.unlearnt === 0,
  };
}

/** Levels of the non-empty points put back in place among all of them (−1 for the empty). */
function spreadBack(levels: number[], empty: boolean[]): number[] {
  let k = 0;
  return empty.map((e) => (e ? -1 : levels[k++]));
}
