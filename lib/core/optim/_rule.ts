/**
 * The shapes of an optimizer's update rule, written once per engine.
 *
 * An array rule updates `p[off .. off+len)` in place from `g` at the same
 * positions, with one instance's learning rate `lr`, weight decay `wd` and
 * 1-based step count `t`. A tensor rule returns the new parameter and state
 * tensors; the caller masks out finished (diverged) instances and assigns.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import type { OptimizerConfig } from "./config.ts";

/**
 * Optimizer state below this magnitude is flushed to zero by the array rules:
 * it is far below what any update can resolve, and left alone it would decay
 * into subnormal numbers, on which CPUs are many times slower.
 */
export const FLUSH = 1e-280;

/** In-place update of one instance's parameters, in float64. */
export type ArrayRule = (
  cfg: OptimizerConfig,
  p: Float64Array,
  g: Float64Array,
  state: Float64Array[],
  off: number,
  len: number,
  lr: number,
  wd: number,
  t: number,
) => void;

/**
 * Functional update of one parameter tensor, all instances at once. `lr` and
 * `wd` broadcast against the parameter (a leading instances axis); `wd` is
 * null when every instance has zero weight decay.
 */
export type TensorRule = (
  tf: typeof tfNs,
  cfg: OptimizerConfig,
  p: tfNs.Tensor,
  g: tfNs.Tensor,
  state: tfNs.Tensor[],
  lr: tfNs.Tensor,
  wd: tfNs.Tensor | null,
  t: number,
) => { param: tfNs.Tensor; state: tfNs.Tensor[] };
