/**
 * One colour per feature, the same in every figure. Features 1–7 take the
 * colours of seed 001's figures (W₁ firebrick … W₇ mediumblue); further
 * features continue with a fixed list.
 *
 * @module
 */

const FEATURE_COLORS = [
  "firebrick",
  "darksalmon",
  "peachpuff",
  "darkgrey",
  "lightskyblue",
  "mediumslateblue",
  "mediumblue",
  "seagreen",
  "goldenrod",
  "orchid",
  "teal",
  "sienna",
  "olivedrab",
  "palevioletred",
  "steelblue",
  "chocolate",
  "darkkhaki",
  "slategray",
  "darkcyan",
  "indigo",
];

/** Colour of feature `feature` (numbered from 1). */
export function featureColor(feature: number): string {
  return FEATURE_COLORS[(feature - 1) % FEATURE_COLORS.length];
}

/** A Vega-Lite colour scale mapping features 1 … n to their colours. */
export function featureScale(n: number): { domain: number[]; range: string[] } {
  const domain = Array.from({ length: n }, (_, i) => i + 1);
  return { domain, range: domain.map(featureColor) };
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
