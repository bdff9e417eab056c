/**
 * Resampling dead features of the toy autoencoder y = ReLU(WᵀWx + b): the
 * rules, the named remedies, and one resample event on one instance (seed
 * 001's closing question; Bricken et al. 2023, appendix "Autoencoder
 * Resampling"; issue 10).
 *
 * The toy model is not an SAE: feature i's column Wᵢ ∈ ℝᵐ is its encoder
 * (it writes xᵢ into the latent h = Wx) and its decoder (output i reads
 * Wᵢ·h + bᵢ). What the SAE procedure says has to be translated:
 *
 * - *Dead.* An SAE latent is dead when it has not fired for a window. In the
 *   toy model an unlearnt feature keeps its bias at about 1/n > 0, so its
 *   output is on for every example and it "fires" all the time; the literal
 *   rule (`silent`: output exactly 0 on every example for `window` steps)
 *   therefore misses Symmetric Failure. What marks the feature dead is its
 *   collapsed column: `unlearnt` uses the lab's outcome threshold
 *   ‖Wᵢ‖ < 0.1 (`outcomes.ts`), the default. `merged` also resamples the
 *   shorter column of every pair sharing a direction (cosine > 0.99), the
 *   failure plain SGD leaves besides unlearnt features.
 * - *The picked example.* Candidate examples are the n one-hot examples;
 *   example k is picked with probability ∝ ‖e_k‖^p (`core/train/resample.ts`),
 *   one uniform draw per dead feature, features in index order.
 * - *Direction and norm* (`place`). `input`, the analogue of Anthropic's: the
 *   column points where the living features put the picked example in the
 *   latent space, h' = Σ_{j alive} Wⱼ xⱼ. For one-hot data the worst example
 *   is nearly always the dead feature's own, whose h' is 0: the rule then
 *   has no direction to give, and the column gets a seeded random unit
 *   direction (the m normal draws that follow the uniform). Its length is
 *   `scale` × the mean length of the living columns (Anthropic's encoder
 *   rule; the toy has no separate unit-norm decoder). `fresh` (Neel Nanda's
 *   rule) draws the column from the model's initialisation, N(0, initStd²).
 *   `gap` (the lab's own, m = 2) puts the column on the bisector of the
 *   widest angular gap between learnt columns, where the regular n-gon
 *   would have it, with `scale` × the n-gon's length √(1/(1 − cos 2π/n)).
 *   `kick` leaves the dead column alone and shortens the two learnt columns
 *   on either side of the widest gap by the factor 1 − `kick`: the asymmetry
 *   that, in the lab's update-field study, plain SGD amplifies until the
 *   unlearnt feature recovers.
 * - *Bias* (`bias`). `zero` (Anthropic), `keep`, or `regular`: the regular
 *   n-gon's bias −cos(2π/n)/(1 − cos 2π/n), which keeps the new feature
 *   silent on its neighbours' examples.
 * - *Optimizer* (`reset`): zero the optimizer state of every parameter the
 *   event changed; `warmup`: re-warm the instance's learning rate linearly
 *   over that many steps.
 *
 * @module
 */
import {
  pickWeighted,
  pickWeights,
  RESAMPLE_PICKS,
  type ResamplePick,
} from "../../core/train/resample.ts";
import { regularPolygonScale } from "./closed_forms.ts";
import { MERGED_COSINE, UNLEARNT_NORM } from "./outcomes.ts";

/**
 * What makes a feature dead (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEAD_RULES } from "./resample.ts";
 * assert.equal(DEAD_RULES[0], "unlearnt");
 * ```
 */
export const DEAD_RULES = ["unlearnt", "silent", "merged"] as const;
/**
 * Where a dead column goes (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PLACEMENTS } from "./resample.ts";
 * assert.ok(PLACEMENTS.includes("gap"));
 * ```
 */
export const PLACEMENTS = ["input", "fresh", "gap", "kick"] as const;
/**
 * What a resampled feature's bias becomes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BIAS_RULES } from "./resample.ts";
 * assert.deepEqual([...BIAS_RULES], ["zero", "keep", "regular"]);
 * ```
 */
export const BIAS_RULES = ["zero", "keep", "regular"] as const;

/**
 * One resampling rule: when a feature is dead, and what is done to it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remedyRule, type ToyResampleRule } from "./resample.ts";
 * const rule: ToyResampleRule | null = remedyRule("anthropic");
 * assert.equal(rule?.pick, "e4");
 * ```
 */
export interface ToyResampleRule {
  /** What makes a feature dead. */
  dead: typeof DEAD_RULES[number];
  /** Steps between checks (a check runs after every `every` updates, never in the last `every`). */
  every: number;
  /** `silent`: steps without firing that make a feature dead. */
  window: number;
  /** Picking rule: probability ∝ ‖e‖^p. */
  pick: ResamplePick;
  /** Where the dead column goes. */
  place: typeof PLACEMENTS[number];
  /** Length of the new column relative to its reference (living columns' mean, or the n-gon's). */
  scale: number;
  /** What the bias becomes. */
  bias: typeof BIAS_RULES[number];
  /** Zero the optimizer state of what the event changed. */
  reset: boolean;
  /** Steps of linear learning-rate re-warmup after an event (0: none). */
  warmup: number;
  /** `kick`: relative shortening of the two learnt columns beside the widest gap. */
  kick: number;
}

/**
 * The schedule every named remedy shares unless it overrides it: checks
 * every `every` steps, the `silent` window, the re-warmup length and the kick.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RESAMPLE_SCHEDULE_DEFAULTS, type ResampleSchedule } from "./resample.ts";
 * const s: ResampleSchedule = { ...RESAMPLE_SCHEDULE_DEFAULTS, every: 1000 };
 * assert.equal(s.every, 1000);
 * ```
 */
export type ResampleSchedule = Pick<ToyResampleRule, "every" | "window" | "warmup" | "kick">;

/**
 * Defaults of {@link ResampleSchedule}: a check every 2,500 steps (ten per
 * 25,000-step run, as Anthropic's four checks in 100,000 steps scale), a
 * window of half the interval (Anthropic: 12,500 of 25,000), a 1,000-step
 * re-warmup (dictionary_learning's) and a 10% kick.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RESAMPLE_SCHEDULE_DEFAULTS } from "./resample.ts";
 * assert.equal(RESAMPLE_SCHEDULE_DEFAULTS.window * 2, RESAMPLE_SCHEDULE_DEFAULTS.every);
 * ```
 */
export const RESAMPLE_SCHEDULE_DEFAULTS: ResampleSchedule = {
  every: 2500,
  window: 1250,
  warmup: 1000,
  kick: 0.1,
};

/**
 * A named remedy's own choices: a {@link ToyResampleRule} without the shared
 * schedule, except that it may fix its re-warmup (0: none; absent: the
 * schedule's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RemedyBody } from "./resample.ts";
 * const body: RemedyBody = { dead: "unlearnt", pick: "e1", place: "input", scale: 0.2, bias: "zero", reset: true };
 * assert.equal(body.warmup, undefined); // re-warms over the schedule's steps
 * ```
 */
export type RemedyBody = Omit<ToyResampleRule, keyof ResampleSchedule> & { warmup?: number };

const ANTHROPIC: RemedyBody = {
  dead: "unlearnt",
  pick: "e4",
  place: "input",
  scale: 0.2,
  bias: "zero",
  reset: true,
  warmup: 0,
};

/**
 * The named remedies of `toy-resampling`, each a rule over the shared
 * schedule (null: no resampling). Anthropic's procedure, its published
 * variants (ARENA, dictionary_learning, Neel Nanda's fresh weights), one
 * knob of Anthropic's turned at a time, and the lab's own `gap` and `kick`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOY_REMEDIES } from "./resample.ts";
 * assert.equal(TOY_REMEDIES.none, null);
 * assert.equal(TOY_REMEDIES.arena?.scale, 0.5);
 * ```
 */
export const TOY_REMEDIES: Readonly<Record<string, RemedyBody | null>> = {
  none: null,
  anthropic: ANTHROPIC,
  "anthropic-silent": { ...ANTHROPIC, dead: "silent" },
  "anthropic-merged": { ...ANTHROPIC, dead: "merged" },
  "pick-e1": { ...ANTHROPIC, pick: "e1" },
  "pick-e2": { ...ANTHROPIC, pick: "e2" },
  "scale-0.5": { ...ANTHROPIC, scale: 0.5 },
  "scale-1": { ...ANTHROPIC, scale: 1 },
  "no-reset": { ...ANTHROPIC, reset: false },
  rewarm: { ...ANTHROPIC, warmup: undefined },
  arena: { ...ANTHROPIC, scale: 0.5, reset: false },
  dictlearn: { ...ANTHROPIC, pick: "e1", warmup: undefined },
  fresh: { ...ANTHROPIC, place: "fresh", reset: false },
  gap: { ...ANTHROPIC, place: "gap", scale: 1, bias: "regular" },
  "gap-merged": { ...ANTHROPIC, dead: "merged", place: "gap", scale: 1, bias: "regular" },
  kick: { ...ANTHROPIC, place: "kick", reset: false },
};

/**
 * The rule of a remedy: a name from {@link TOY_REMEDIES}, optionally followed by
 * overrides `+key=value` (keys of {@link ToyResampleRule}; `reset=yes|no`),
 * e.g. `anthropic+scale=1+reset=no`. Throws one line naming what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remedyRule } from "./resample.ts";
 * assert.equal(remedyRule("none"), null);
 * assert.equal(remedyRule("rewarm", { every: 100, window: 50, warmup: 40, kick: 0.1 })?.warmup, 40);
 * const r = remedyRule("anthropic+scale=1+reset=no+every=500");
 * assert.deepEqual([r?.scale, r?.reset, r?.every], [1, false, 500]);
 * assert.throws(() => remedyRule("anthropic+scale=-1"), /scale/);
 * ```
 */
export function remedyRule(
  remedy: string,
  schedule: ResampleSchedule = RESAMPLE_SCHEDULE_DEFAULTS,
): ToyResampleRule | null {
  const [name, ...overrides] = remedy.split("+");
  if (!(name in TOY_REMEDIES)) {
    throw new RangeError(
      `unknown remedy "${name}" (known: ${
        Object.keys(TOY_REMEDIES).join(", ")
      }; add +key=value to change one)`,
    );
  }
  const body = TOY_REMEDIES[name];
  if (body === null) {
    if (overrides.length) throw new RangeError(`remedy "none" takes no overrides, got "${remedy}"`);
    return null;
  }
  const rule: ToyResampleRule = { ...schedule, ...body, warmup: body.warmup ?? schedule.warmup };
  for (const o of overrides) applyOverride(rule, o, remedy);
  validateRule(rule, remedy);
  return rule;
}

const CHOICES: Record<string, readonly string[]> = {
  dead: DEAD_RULES,
  pick: RESAMPLE_PICKS,
  place: PLACEMENTS,
  bias: BIAS_RULES,
};
const NUMBERS = ["every", "window", "scale", "warmup", "kick"] as const;

function applyOverride(rule: ToyResampleRule, override: string, remedy: string): void {
  const eq = override.indexOf("=");
  const key = eq < 0 ? override : override.slice(0, eq);
  const value = eq < 0 ? "" : override.slice(eq + 1);
  const where = `remedy "${remedy}": ${key}`;
  if (key in CHOICES) {
    if (!CHOICES[key].includes(value)) {
      throw new RangeError(`${where} must be one of ${CHOICES[key].join("|")}, got "${value}"`);
    }
    (rule as unknown as Record<string, string>)[key] = value;
  } else if (key === "reset") {
    if (value !== "yes" && value !== "no") {
      throw new RangeError(`${where} must be yes|no, got "${value}"`);
    }
    rule.reset = value === "yes";
  } else if ((NUMBERS as readonly string[]).includes(key)) {
    const v = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(v)) {
      throw new RangeError(`${where} must be a decimal number, got "${value}"`);
    }
    rule[key as typeof NUMBERS[number]] = v;
  } else {
    throw new RangeError(
      `remedy "${remedy}": unknown key "${key}" (keys: ${
        [...Object.keys(CHOICES), "reset", ...NUMBERS].join(", ")
      })`,
    );
  }
}

function validateRule(rule: ToyResampleRule, remedy: string): void {
  const bad = (what: string) => new RangeError(`remedy "${remedy}": ${what}`);
  if (!Number.isInteger(rule.every) || rule.every < 1) {
    throw bad(`every must be an integer >= 1, got ${rule.every}`);
  }
  if (!Number.isInteger(rule.window) || rule.window < 1) {
    throw bad(`window must be an integer >= 1, got ${rule.window}`);
  }
  if (!Number.isInteger(rule.warmup) || rule.warmup < 0) {
    throw bad(`warmup must be an integer >= 0, got ${rule.warmup}`);
  }
  if (!(rule.scale > 0)) throw bad(`scale must be > 0, got ${rule.scale}`);
  if (!(rule.kick > 0 && rule.kick < 1)) throw bad(`kick must be in (0, 1), got ${rule.kick}`);
}

/**
 * Feature i's squared reconstruction error on every one-hot example: `out[k]`
 * = Σᵢ importanceᵢ (yᵢ(e_k) − δᵢₖ)², with y = ReLU(WᵀW e_k + b), for the
 * instance at `params[off ..]` (W row-major `[m, n]`, then b). The picking
 * weights' raw material.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toyExampleErrors } from "./resample.ts";
 * // n = 2, m = 1: W = [1, 0], b = [0, 0.5]: example 2 is missed (0.5 instead of 1), and
 * // feature 2 also outputs 0.5 on example 1.
 * const out = toyExampleErrors({ n: 2, m: 1, bias: true }, Float64Array.of(1, 0, 0, 0.5), 0, Float64Array.of(1, 1));
 * assert.deepEqual(Array.from(out), [0.25, 0.25]);
 * ```
 */
export function toyExampleErrors(
  shape: { n: number; m: number; bias: boolean },
  params: Float64Array,
  off: number,
  importance: Float64Array,
  out: Float64Array = new Float64Array(shape.n),
): Float64Array {
  const { n, m, bias } = shape;
  const bOff = off + m * n;
  for (let k = 0; k < n; k++) {
    let err = 0;
    for (let i = 0; i < n; i++) {
      let pre = bias ? params[bOff + i] : 0;
      for (let a = 0; a < m; a++) pre += params[off + a * n + i] * params[off + a * n + k];
      const r = (pre > 0 ? pre : 0) - (i === k ? 1 : 0);
      err += importance[i] * r * r;
    }
    out[k] = err;
  }
  return out;
}

/** Length of column i of the instance at `off`. */
export function columnNorm(
  shape: { n: number; m: number },
  params: Float64Array,
  off: number,
  i: number,
): number {
  let sq = 0;
  for (let a = 0; a < shape.m; a++) sq += params[off + a * shape.n + i] ** 2;
  return Math.sqrt(sq);
}

/**
 * Where an event's random numbers come from: a seeded {@link Rng} in runs;
 * a fixed list in the reference test, so that another implementation given
 * the same draws must produce the same weights.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Draws } from "./resample.ts";
 * import { Rng } from "../../core/random.ts";
 * const draws: Draws = new Rng(1);
 * assert.ok(draws.uniform() < 1);
 * ```
 */
export interface Draws {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

/**
 * The dead features of the instance at `off` under `rule`, in index order.
 * `quietFor(i)` gives the steps since feature i last fired (rule `silent`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deadFeatures, remedyRule } from "./resample.ts";
 * import { symmetricFailure } from "./closed_forms.ts";
 * import { toyParamsFrom } from "./model.ts";
 * const { W, b } = symmetricFailure(7); // feature 7 unlearnt
 * const params = toyParamsFrom(W, b).data;
 * const shape = { n: 7, m: 2, bias: true };
 * assert.deepEqual(deadFeatures(shape, params, 0, remedyRule("anthropic")!), [6]);
 * // Its output 1/n is on for every example: the literal rule sees nothing dead.
 * assert.deepEqual(deadFeatures(shape, params, 0, remedyRule("anthropic-silent")!, () => 0), []);
 * ```
 */
export function deadFeatures(
  shape: { n: number; m: number },
  params: Float64Array,
  off: number,
  rule: ToyResampleRule,
  quietFor: (i: number) => number = () => 0,
): number[] {
  const { n, m } = shape;
  if (rule.dead === "silent") {
    return Array.from({ length: n }, (_, i) => i).filter((i) => quietFor(i) >= rule.window);
  }
  const norms = Array.from({ length: n }, (_, i) => columnNorm(shape, params, off, i));
  const dead = new Set<number>();
  for (let i = 0; i < n; i++) if (norms[i] < UNLEARNT_NORM) dead.add(i);
  if (rule.dead === "merged") {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (dead.has(i) || dead.has(j)) continue;
        let dot = 0;
        for (let a = 0; a < m; a++) dot += params[off + a * n + i] * params[off + a * n + j];
        if (dot / (norms[i] * norms[j]) > MERGED_COSINE) dead.add(norms[i] < norms[j] ? i : j);
      }
    }
  }
  return [...dead].sort((a, b) => a - b);
}

/**
 * What one event did to an instance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ResampleEvent } from "./resample.ts";
 * const e: ResampleEvent = { dead: [6], picked: [6], changed: [6, 13, 20], lossBefore: 0.0175 };
 * assert.equal(e.changed.length, 3); // W[0][6], W[1][6], b[6] of n = 7, m = 2
 * ```
 */
export interface ResampleEvent {
  /** The dead features, in index order. */
  dead: number[];
  /** The example picked for each dead feature (−1 where the placement does not use one). */
  picked: number[];
  /** Parameter indices within the instance the event changed, ascending. */
  changed: number[];
  /** The instance's loss on the candidate examples just before the event. */
  lossBefore: number;
}

/**
 * One resample event on the instance at `params[off ..]` (one-hot data):
 * every feature in `dead` is rebuilt by `rule` (see the module doc), in index
 * order, each after one uniform draw (its pick) and, where it needs a random
 * direction or fresh weights, m normal draws. Returns what changed; the
 * caller resets the optimizer state of `changed` when `rule.reset`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { regularPolygonScale, symmetricFailure } from "./closed_forms.ts";
 * import { toyParamsFrom } from "./model.ts";
 * import { remedyRule, resampleInstance } from "./resample.ts";
 * import { Rng } from "../../core/random.ts";
 * const { W, b } = symmetricFailure(7);
 * const params = toyParamsFrom(W, b).data;
 * const event = resampleInstance({ n: 7, m: 2, bias: true }, params, 0, {
 *   rule: remedyRule("gap")!,
 *   dead: [6],
 *   importance: new Float64Array(7).fill(1),
 *   initStd: 0.1,
 *   draws: new Rng(0),
 * });
 * assert.deepEqual(event.changed, [6, 13, 20]);
 * const { normSq, bias } = regularPolygonScale(7);
 * assert.ok(Math.abs(params[6] ** 2 + params[13] ** 2 - normSq) < 1e-12); // the 7-gon's length
 * assert.equal(params[20], bias);
 * ```
 */
export function resampleInstance(
  shape: { n: number; m: number; bias: boolean },
  params: Float64Array,
  off: number,
  options: {
    rule: ToyResampleRule;
    dead: number[];
    importance: Float64Array;
    initStd: number;
    draws: Draws;
  },
): ResampleEvent {
  const { n, m, bias } = shape;
  const { rule, dead, draws } = options;
  const errSq = toyExampleErrors(shape, params, off, options.importance);
  let lossBefore = 0;
  for (let k = 0; k < n; k++) lossBefore += errSq[k];
  lossBefore /= n * n;
  const weights = pickWeights(errSq, rule.pick);
  const isDead = new Uint8Array(n);
  for (const f of dead) isDead[f] = 1;
  const alive = Array.from({ length: n }, (_, i) => i).filter((i) => !isDead[i]);
  const aliveNorm = alive.length
    ? alive.reduce((s, i) => s + columnNorm(shape, params, off, i), 0) / alive.length
    : options.initStd;
  const polygon = regularPolygonScale(Math.max(n, 2));
  const changed = new Set<number>();
  const picked: number[] = [];
  const setColumn = (f: number, v: number[]) => {
    for (let a = 0; a < m; a++) {
      params[off + a * n + f] = v[a];
      changed.add(a * n + f);
    }
  };
  const setBias = (f: number) => {
    if (!bias || rule.bias === "keep") return;
    params[off + m * n + f] = rule.bias === "zero" ? 0 : polygon.bias;
    changed.add(m * n + f);
  };
  const learnt = alive.filter((i) => columnNorm(shape, params, off, i) >= UNLEARNT_NORM);
  for (const f of dead) {
    const u = draws.uniform();
    if (rule.place === "input") {
      const k = pickWeighted(weights, u);
      picked.push(k);
      // The picked example's latent point as the living features encode it.
      const h = Array.from({ length: m }, (_, a) => isDead[k] ? 0 : params[off + a * n + k]);
      setColumn(f, scaled(unitOr(h, draws), rule.scale * aliveNorm));
      setBias(f);
    } else if (rule.place === "fresh") {
      picked.push(-1);
      setColumn(f, Array.from({ length: m }, () => options.initStd * draws.normal()));
      setBias(f);
    } else if (rule.place === "gap") {
      picked.push(-1);
      const dir = m === 2 ? widestGap(shape, params, off, learnt).bisector : null;
      setColumn(
        f,
        scaled(dir ?? unitOr(new Array(m).fill(0), draws), rule.scale * Math.sqrt(polygon.normSq)),
      );
      setBias(f);
      learnt.push(f);
    } else {
      picked.push(-1);
    }
  }
  if (rule.place === "kick" && dead.length > 0 && m === 2 && learnt.length >= 2) {
    const { left, right } = widestGap(shape, params, off, learnt);
    for (const j of [left, right]) {
      setColumn(j, Array.from({ length: m }, (_, a) => params[off + a * n + j] * (1 - rule.kick)));
    }
  }
  return { dead: [...dead], picked, changed: [...changed].sort((a, b) => a - b), lossBefore };
}

/** `v` scaled to length `r`. */
function scaled(v: number[], r: number): number[] {
  return v.map((x) => x * r);
}

/** `v` as a unit vector, or a random unit direction (m normal draws) when `v` is (nearly) 0. */
function unitOr(v: number[], draws: Draws): number[] {
  let len = Math.hypot(...v);
  if (len > 1e-12) return v.map((x) => x / len);
  const z = v.map(() => draws.normal());
  len = Math.hypot(...z);
  return z.map((x) => x / len);
}

/**
 * The widest angular gap between the given columns (m = 2): its unit
 * bisector and the two columns that border it (counter-clockwise order:
 * `left` then `right`). With no column the bisector is null; with one it
 * points opposite it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { widestGap } from "./resample.ts";
 * // Columns at 0°, 90° and 180° (n = 3, m = 2): the widest gap is the lower half-plane.
 * const params = Float64Array.of(1, 0, -1, 0, 1, 0);
 * const g = widestGap({ n: 3, m: 2 }, params, 0, [0, 1, 2]);
 * assert.deepEqual([g.left, g.right], [2, 0]);
 * assert.ok(Math.abs(g.bisector![1] + 1) < 1e-12); // pointing along −y
 * ```
 */
export function widestGap(
  shape: { n: number; m: number },
  params: Float64Array,
  off: number,
  columns: number[],
): { bisector: number[] | null; left: number; right: number } {
  const { n } = shape;
  if (columns.length === 0) return { bisector: null, left: -1, right: -1 };
  const angle = (i: number) => Math.atan2(params[off + n + i], params[off + i]);
  const sorted = [...columns].sort((a, b) => angle(a) - angle(b) || a - b);
  let best = -1;
  let at = 0;
  for (let k = 0; k < sorted.length; k++) {
    const a0 = angle(sorted[k]);
    const a1 = k + 1 < sorted.length ? angle(sorted[k + 1]) : angle(sorted[0]) + 2 * Math.PI;
    const gap = sorted.length === 1 ? 2 * Math.PI : a1 - a0;
    if (gap > best) {
      best = gap;
      at = k;
    }
  }
  const left = sorted[at];
  const right = sorted[(at + 1) % sorted.length];
  const mid = angle(left) + best / 2;
  return { bisector: [Math.cos(mid), Math.sin(mid)], left, right };
}
