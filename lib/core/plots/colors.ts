/**
 * Colours of the lab's figures: one per feature (the same in every figure),
 * a categorical palette for labelled series, the colour that marks an
 * unlearnt feature, and the colours of the toy study's states.
 *
 * The palette is Vega's category10 without its red, reordered so that
 * consecutive entries differ in hue, and none is pale enough to vanish on
 * white (“Optimization Failure”'s figures used firebrick, darksalmon, peachpuff … for
 * W₁ … W₇: neighbours shared hues and peachpuff all but disappeared). Red is
 * kept for {@link UNLEARNT_COLOR}, so the feature a failure figure is about
 * is the only red mark on it. After nine entries the hues come round again,
 * darker.
 *
 * @module
 */

/** The categorical palette, in order: consecutive entries never share a hue family. */
export const CATEGORY_COLORS: readonly string[] = [
  "#1f77b4", // blue
  "#ff7f0e", // orange
  "#2ca02c", // green
  "#9467bd", // purple
  "#bcbd22", // olive
  "#17becf", // cyan
  "#8c564b", // brown
  "#e377c2", // pink
  "#7f7f7f", // grey
  "#393b79", // indigo
  "#d8a000", // dark gold
  "#1b9e77", // teal
  "#7570b3", // slate
  "#66a61e", // leaf green
  "#6a3d9a", // dark purple
  "#a6761d", // ochre
  "#08519c", // dark blue
  "#525252", // dark grey
];

/** The colour of an unlearnt feature: the one red of a feature figure. */
export const UNLEARNT_COLOR = "#cc0000";

/**
 * Colour of feature `feature` (numbered from 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CATEGORY_COLORS, featureColor } from "./colors.ts";
 * assert.equal(featureColor(1), CATEGORY_COLORS[0]);
 * assert.equal(featureColor(CATEGORY_COLORS.length + 1), featureColor(1));
 * ```
 */
export function featureColor(feature: number): string {
  return CATEGORY_COLORS[(feature - 1) % CATEGORY_COLORS.length];
}

/**
 * A Vega-Lite colour scale mapping features 1 … n to their colours, with the
 * features in `unlearnt` drawn in {@link UNLEARNT_COLOR}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { featureColor, featureScale, UNLEARNT_COLOR } from "./colors.ts";
 * const scale = featureScale(3, { unlearnt: [2] });
 * assert.deepEqual(scale.domain, [1, 2, 3]);
 * assert.deepEqual(scale.range, [featureColor(1), UNLEARNT_COLOR, featureColor(3)]);
 * ```
 */
export function featureScale(
  n: number,
  options: { unlearnt?: readonly number[] } = {},
): { domain: number[]; range: string[] } {
  const unlearnt = new Set(options.unlearnt ?? []);
  const domain = Array.from({ length: n }, (_, i) => i + 1);
  return { domain, range: domain.map((f) => (unlearnt.has(f) ? UNLEARNT_COLOR : featureColor(f))) };
}

/**
 * A Vega-Lite colour scale giving each label, in the order given, the next
 * colour of {@link CATEGORY_COLORS} (labelled series: runs, groups, cases).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CATEGORY_COLORS, categoryScale } from "./colors.ts";
 * const scale = categoryScale(["n=6", "n=7"]);
 * assert.deepEqual(scale, { domain: ["n=6", "n=7"], range: CATEGORY_COLORS.slice(0, 2) });
 * ```
 */
export function categoryScale(labels: readonly string[]): { domain: string[]; range: string[] } {
  return {
    domain: [...labels],
    range: labels.map((_, i) => CATEGORY_COLORS[i % CATEGORY_COLORS.length]),
  };
}

/** Colours of the state labels of a seed sweep (see analysis/outcomes.ts STATES). */
export const OUTCOME_COLORS: Record<string, string> = {
  "all learnt": "#4c9a2a",
  "symmetric failure": "#e08a1e",
  "skewed failure": "#f2c14e",
  "merged features": "#8e6bb5",
  "1 unlearnt": "#f4a582",
  "2 unlearnt": "#c4472b",
  "3+ unlearnt": "#7f1d1d",
  other: "#9aa5b1",
  diverged: "#222222",
};
