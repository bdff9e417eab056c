/**
 * Axis settings shared by the studies' figures.
 *
 * @module
 */

/**
 * A quantitative scale and axis that end on a tick. Vega-Lite rounds a scale
 * ("nice") to about ten steps but its axis draws about five ticks, so the
 * tallest bar of a chart could rise above the last labelled tick; rounding
 * with the axis' own tick count makes the domain end on one. Spread it into
 * an encoding channel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ON_TICKS } from "./axes.ts";
 * const y = { field: "count", type: "quantitative", ...ON_TICKS };
 * assert.equal(y.scale.nice, y.axis.tickCount);
 * ```
 */
export const ON_TICKS = { scale: { nice: 5 }, axis: { tickCount: 5 } } as const;
