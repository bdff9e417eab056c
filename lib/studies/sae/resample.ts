/**
 * Resampling dead latents of the sparse autoencoder (Bricken et al., "Towards
 * Monosemanticity", 2023, appendix "Autoencoder Resampling"; the variants of
 * ARENA, saprmarks/dictionary_learning and Neel Nanda's 1L SAE; issue 10).
 * The trainer (`train.ts`) runs a check after every `every` updates (never in
 * the last interval, `core/train/resample.ts`); this file holds what one
 * check does to one instance.
 *
 * - *Dead.* The trainer's own counters (`kernel.ts`): a latent is due when it
 *   has not fired on the last `window` examples. With `window` equal to the
 *   run's `deadAfter`, the latents a check rebuilds are exactly the ones the
 *   dead fraction counts.
 * - *Candidates.* `sample` examples drawn from a stream of their own
 *   (`SaeData.sample`, seeded by {@link resampleSeeds} from the instance's
 *   seed and the step), never a training batch. Their squared errors
 *   ‖e‖² = ‖x − x̂‖² under the current weights ({@link exampleErrors}) become
 *   picking weights ‖e‖^p (`pick`: p = 4 for Anthropic and ARENA, 1 for
 *   dictionary_learning).
 * - *The pick.* One uniform draw per due latent, latents in index order, each
 *   picking one candidate with replacement (`pickWeighted`: the first k whose
 *   cumulative weight exceeds u · Σw). dictionary_learning draws without
 *   replacement; with replacement two latents can get the same example.
 * - *The input.* The model subtracts b_pre before encoding and adds it back
 *   after decoding, so the part of x the dictionary has to explain is
 *   x − b_pre; a new latent is built from that, not from x. Built from x, its
 *   direction would carry the data mean (where b_pre starts) that every
 *   example shares, and the latent would fire on all of them.
 * - *New weights* (`place`). `input` (Anthropic's): decoder column
 *   v/‖v‖ with v = x − b_pre of the picked example; encoder row the same unit
 *   vector times `scale` × the mean encoder-row norm of the latents that are
 *   not due (1, the starting norm, when every latent is due); encoder bias 0.
 *   `fresh` (Neel Nanda's): what the initialisation draws (`model.ts`): a
 *   seeded Gaussian unit direction as decoder column and the same vector as
 *   encoder row (the tied start), encoder bias 0; `pick` and `scale` are not
 *   used.
 * - *Optimizer* (`reset`): the Adam moments of every changed entry (the
 *   latent's encoder row, encoder bias and decoder column) are zeroed
 *   ({@link latentParamIndices}); Adam's step count carries on, as in PyTorch.
 *   `warmup`: the instance's learning rate re-warms linearly over that many
 *   updates (dictionary_learning re-warms every parameter).
 *
 * The trainer also resets a rebuilt latent's counter to 0, so it gets a whole
 * window to fire before it counts as dead again.
 *
 * @module
 */
import {
  pickWeighted,
  pickWeights,
  RESAMPLE_PICKS,
  type ResamplePick,
} from "../../core/train/resample.ts";
import { deriveSeed, MAX_SEED, Rng } from "../../core/random.ts";
import { assertInteger } from "../../core/validate.ts";
import { type SaeConfig, saeLayout } from "./model.ts";
import { saeLossGrad, saePreActivations, type SaeScratch } from "./kernel.ts";

/**
 * Where a rebuilt latent's weights come from: the picked example (`input`)
 * or a fresh draw of the initialisation (`fresh`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SAE_PLACEMENTS } from "./resample.ts";
 * assert.deepEqual([...SAE_PLACEMENTS], ["input", "fresh"]);
 * ```
 */
export const SAE_PLACEMENTS = ["input", "fresh"] as const;

/**
 * One of {@link SAE_PLACEMENTS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaePlacement } from "./resample.ts";
 * const neel: SaePlacement = "fresh";
 * assert.equal(neel, "fresh");
 * ```
 */
export type SaePlacement = typeof SAE_PLACEMENTS[number];

/**
 * How an instance resamples (see the module doc); a variant without one never does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeResample } from "./resample.ts";
 * // Anthropic's procedure, checked every 500 updates.
 * const anthropic: SaeResample = {
 *   every: 500, window: 10_000, sample: 2048,
 *   pick: "e4", place: "input", scale: 0.2, reset: true, warmup: 0,
 * };
 * assert.equal(anthropic.pick, "e4");
 * ```
 */
export interface SaeResample {
  /** Updates between checks (none in the last `every` updates of the run). */
  every: number;
  /** Examples without firing that make a latent due. */
  window: number;
  /** Candidate examples drawn at each check. */
  sample: number;
  /** Picking rule: probability ∝ ‖e‖^p. */
  pick: ResamplePick;
  /** Where the new weights come from. */
  place: SaePlacement;
  /** `input`: the new encoder row's norm over the mean norm of the rows not due. */
  scale: number;
  /** Zero the optimizer state of what a resample changed. */
  reset: boolean;
  /** Updates of linear learning-rate re-warmup after a resample (0: none). */
  warmup: number;
}

/**
 * Throws a RangeError naming the first bad field of `rule` (`where` names
 * the variant in the message).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateSaeResample } from "./resample.ts";
 * const rule = {
 *   every: 500, window: 10_000, sample: 2048,
 *   pick: "e4", place: "input", scale: 0.2, reset: true, warmup: 0,
 * } as const;
 * validateSaeResample(rule, "top-k"); // passes
 * assert.throws(
 *   () => validateSaeResample({ ...rule, scale: -1 }, "top-k"),
 *   /^RangeError: top-k: resample\.scale must be a finite number > 0, got -1$/,
 * );
 * ```
 */
export function validateSaeResample(rule: SaeResample, where: string): void {
  const name = (key: string) => `${where}: resample.${key}`;
  assertInteger(rule.every, name("every"), { min: 1 });
  assertInteger(rule.window, name("window"), { min: 1 });
  assertInteger(rule.sample, name("sample"), { min: 1, max: 1_000_000 });
  assertInteger(rule.warmup, name("warmup"), { min: 0 });
  if (!(RESAMPLE_PICKS as readonly string[]).includes(rule.pick)) {
    throw new RangeError(
      `${name("pick")} must be one of ${RESAMPLE_PICKS.join("|")}, got ${rule.pick}`,
    );
  }
  if (!(SAE_PLACEMENTS as readonly string[]).includes(rule.place)) {
    throw new RangeError(
      `${name("place")} must be one of ${SAE_PLACEMENTS.join("|")}, got ${rule.place}`,
    );
  }
  if (!(rule.scale > 0 && Number.isFinite(rule.scale))) {
    throw new RangeError(`${name("scale")} must be a finite number > 0, got ${rule.scale}`);
  }
  if (typeof rule.reset !== "boolean") {
    throw new RangeError(`${name("reset")} must be true or false, got ${rule.reset}`);
  }
}

/**
 * The seeds of one check of an instance whose initialisation seed is `seed`,
 * after update `step`: its candidate examples, its uniform picks and its
 * fresh directions. Each is a function of (seed, step) alone, so a resumed
 * run draws what an uninterrupted one would.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resampleSeeds } from "./resample.ts";
 * const a = resampleSeeds(7, 500);
 * assert.deepEqual(a, resampleSeeds(7, 500));
 * assert.notEqual(a.sample, resampleSeeds(7, 1000).sample);
 * assert.notEqual(a.pick, a.fresh);
 * ```
 */
export function resampleSeeds(
  seed: number,
  step: number,
): { sample: number; pick: number; fresh: number } {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`seed must be an integer in [0, ${MAX_SEED}], got ${seed}`);
  }
  return {
    sample: deriveSeed(seed, "sae-resample-sample", step),
    pick: deriveSeed(seed, "sae-resample-pick", step),
    fresh: deriveSeed(seed, "sae-resample-fresh", step),
  };
}

/**
 * The latents whose counter (examples since each last fired, `[latents]`)
 * has reached `window`, in index order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dueLatents } from "./resample.ts";
 * assert.deepEqual(Array.from(dueLatents(Float64Array.of(0, 50, 12, 99), 50)), [1, 3]);
 * ```
 */
export function dueLatents(since: ArrayLike<number>, window: number): Int32Array {
  let n = 0;
  for (let j = 0; j < since.length; j++) if (since[j] >= window) n++;
  const out = new Int32Array(n);
  n = 0;
  for (let j = 0; j < since.length; j++) if (since[j] >= window) out[n++] = j;
  return out;
}

/**
 * Squared reconstruction errors ‖x_b − x̂_b‖² of `rows` examples (`x`,
 * `[rows, dim]`) under one instance's parameters (`params` from offset 0),
 * in float64 through the kernel, in chunks of the scratch's rows. `pre`
 * holds the chunk's pre-activations (at least `scratch.rows · latents`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exampleErrors } from "./resample.ts";
 * import { saeScratch } from "./kernel.ts";
 * import { initSae, SAE_DEFAULTS } from "./model.ts";
 * const c = { ...SAE_DEFAULTS, dim: 3, latents: 4, k: 1 };
 * const params = initSae(c, { seed: 0 });
 * // A zero example is reconstructed exactly (no latent fires, b_pre = 0).
 * const x = Float64Array.of(0, 0, 0, 1, 2, 3); // [2, 3]
 * const err = exampleErrors(c, params, {
 *   x, rows: 2, scratch: saeScratch(c, 1), pre: new Float64Array(4),
 * });
 * assert.equal(err[0], 0);
 * assert.ok(err[1] > 0 && err[1] <= 14);
 * ```
 */
export function exampleErrors(
  c: SaeConfig,
  params: Float64Array,
  buffers: { x: Float64Array; rows: number; scratch: SaeScratch; pre: Float64Array },
): Float64Array {
  const { x, rows, scratch, pre } = buffers;
  const { dim, latents } = c;
  const out = new Float64Array(rows); // [rows]
  for (let start = 0; start < rows; start += scratch.rows) {
    const n = Math.min(scratch.rows, rows - start);
    const xs = x.subarray(start * dim, (start + n) * dim);
    saePreActivations(c, params, { x: xs, rows: n, out: pre });
    saeLossGrad(c, params, {
      x: xs,
      rows: n,
      pre: { data: pre, offset: 0, stride: latents },
      variance: 1,
      grad: null,
      since: null,
      scratch,
    });
    for (let b = 0; b < n; b++) {
      let sq = 0;
      for (let i = 0; i < dim; i++) sq += scratch.resid[b * dim + i] ** 2;
      out[start + b] = sq;
    }
  }
  return out;
}

/**
 * Rebuilds the latents `due` (in index order) of one instance (`params` from
 * offset 0) as `rule` says, from candidates `x` (`[rows, dim]`) whose squared
 * errors are `errSq` (overwritten by the picking weights). `uniforms` gives
 * one draw per due latent (`input`); `fresh` gives the new directions
 * (`fresh`). Returns the candidate each latent was built from (−1 for a
 * fresh one, or for an `input` one left alone because its x − b_pre was 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resampleLatents } from "./resample.ts";
 * import { initSae, SAE_DEFAULTS, saeLayout } from "./model.ts";
 * const c = { ...SAE_DEFAULTS, dim: 2, latents: 3, k: 1 };
 * const params = initSae(c, { seed: 0 });
 * const L = saeLayout(c);
 * // Two candidates; only the second has an error, so it is picked.
 * const picked = resampleLatents(c, params, {
 *   rule: { every: 1, window: 1, sample: 2, pick: "e4", place: "input", scale: 0.2, reset: true, warmup: 0 },
 *   due: Int32Array.of(1),
 *   x: Float64Array.of(1, 0, 0, 3),
 *   errSq: Float64Array.of(0, 1),
 *   uniforms: [0.5],
 * });
 * assert.deepEqual(Array.from(picked), [1]);
 * assert.deepEqual(Array.from(params.subarray(L.decoder + 2, L.decoder + 4)), [0, 1]);
 * assert.ok(Math.abs(params[L.encoder + 3] - 0.2) < 1e-15); // 0.2 × mean norm 1 of the others
 * assert.equal(params[L.encoderBias + 1], 0);
 * ```
 */
export function resampleLatents(
  c: SaeConfig,
  params: Float64Array,
  event: {
    rule: SaeResample;
    due: Int32Array;
    x: Float64Array;
    errSq: Float64Array;
    uniforms: ArrayLike<number>;
    fresh?: Rng;
  },
): Int32Array {
  const { rule, due, x, errSq } = event;
  const { dim, latents } = c;
  const L = saeLayout(c);
  const picked = new Int32Array(due.length).fill(-1);
  const row = (base: number, j: number) => params.subarray(base + j * dim, base + (j + 1) * dim);
  if (rule.place === "fresh") {
    const rng = event.fresh;
    if (!rng) throw new RangeError("fresh placement needs a generator (event.fresh)");
    for (const j of due) {
      const d = rng.fillUnitVector(row(L.decoder, j));
      row(L.encoder, j).set(d);
      params[L.encoderBias + j] = 0;
    }
    return picked;
  }
  if (event.uniforms.length < due.length) {
    throw new RangeError(
      `${due.length} due latents need as many uniforms, got ${event.uniforms.length}`,
    );
  }
  // The reference norm: mean encoder-row norm of the latents not due, before any change.
  const isDue = new Uint8Array(latents);
  for (const j of due) isDue[j] = 1;
  let normSum = 0;
  let alive = 0;
  for (let j = 0; j < latents; j++) {
    if (isDue[j]) continue;
    let sq = 0;
    for (const w of row(L.encoder, j)) sq += w * w;
    normSum += Math.sqrt(sq);
    alive++;
  }
  const encNorm = rule.scale * (alive > 0 ? normSum / alive : 1);
  const weights = pickWeights(errSq, rule.pick);
  const v = new Float64Array(dim); // [dim]
  due.forEach((j, q) => {
    const k = pickWeighted(weights, event.uniforms[q]);
    let sq = 0;
    for (let i = 0; i < dim; i++) {
      v[i] = x[k * dim + i] - params[L.preBias + i];
      sq += v[i] * v[i];
    }
    if (!(sq > 0) || !Number.isFinite(sq)) return; // nothing to point at: left as it is
    const inv = 1 / Math.sqrt(sq);
    const dec = row(L.decoder, j);
    const enc = row(L.encoder, j);
    for (let i = 0; i < dim; i++) {
      dec[i] = v[i] * inv;
      enc[i] = dec[i] * encNorm;
    }
    params[L.encoderBias + j] = 0;
    picked[q] = k;
  });
  return picked;
}

/**
 * Indices, within an instance's parameter row, of everything resampling
 * `latents` changes: each one's encoder row, encoder bias and decoder column
 * (what `ArrayOptimizer.resetState` zeroes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latentParamIndices } from "./resample.ts";
 * // dim 2, 3 latents: W_e at 0, b_e at 6, W_d at 9.
 * const idx = latentParamIndices({ dim: 2, latents: 3 }, [1]);
 * assert.deepEqual(Array.from(idx), [2, 3, 7, 11, 12]);
 * ```
 */
export function latentParamIndices(
  c: Pick<SaeConfig, "dim" | "latents">,
  latents: ArrayLike<number>,
): Int32Array {
  const { dim } = c;
  const L = saeLayout(c);
  const out = new Int32Array(latents.length * (2 * dim + 1));
  let n = 0;
  for (let q = 0; q < latents.length; q++) {
    const j = latents[q];
    for (let i = 0; i < dim; i++) out[n++] = L.encoder + j * dim + i;
    out[n++] = L.encoderBias + j;
    for (let i = 0; i < dim; i++) out[n++] = L.decoder + j * dim + i;
  }
  return out;
}

/**
 * The `count` uniform draws of one check's pick stream (one per due latent,
 * in index order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pickUniforms, resampleSeeds } from "./resample.ts";
 * const u = pickUniforms(resampleSeeds(3, 100).pick, 4);
 * assert.equal(u.length, 4);
 * assert.ok(u.every((x) => x >= 0 && x < 1));
 * ```
 */
export function pickUniforms(seed: number, count: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(count); // [count]
  for (let q = 0; q < count; q++) out[q] = rng.uniform();
  return out;
}
