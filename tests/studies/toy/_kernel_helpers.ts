/** Builders shared by the toy kernel and closed-form tests. */
import assert from "node:assert/strict";
import type { CsrBatch } from "../../../lib/studies/toy/data.ts";
import { toyParamsFrom } from "../../../lib/studies/toy/model.ts";
import { toyLossGrad, toyScratch } from "../../../lib/studies/toy/kernel.ts";
import type { Rng } from "../../../lib/core/random.ts";

/** A random W (`[m][n]`, entries N(0, std²)) and b (`[n]`, entries N(0, 0.3²)). */
export function randomState(
  rng: Rng,
  n: number,
  m: number,
  std = 0.5,
): { W: number[][]; b: number[] } {
  const W = Array.from({ length: m }, () => Array.from({ length: n }, () => std * rng.normal()));
  const b = Array.from({ length: n }, () => 0.3 * rng.normal());
  return { W, b };
}

/** Loss and gradient of one instance (W, b) on `batch`, from the fused kernel. */
export function fusedGrad(
  W: number[][],
  b: number[] | null,
  batch: CsrBatch,
  importance: Float64Array,
): { loss: number; grad: Float64Array } {
  const params = toyParamsFrom(W, b);
  const grad = new Float64Array(params.data.length);
  const loss = toyLossGrad(
    params,
    params.data,
    0,
    batch,
    importance,
    grad,
    toyScratch(params.n, params.m),
  );
  return { loss, grad };
}

/** The largest |a[k] − b[k]| (the lengths must agree). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let k = 0; k < a.length; k++) d = Math.max(d, Math.abs(a[k] - b[k]));
  return d;
}
