/**
 * How well a sparse autoencoder found the directions its data was made of
 * (see `data/superposition.ts`): for each true direction, the largest cosine
 * between it and any decoder column; their mean ("mean max cosine") and the
 * share above a threshold (0.9: "recovered").
 *
 * The other measures of the study need the model's forward pass or its
 * training state and are taken by the trainer's evaluation
 * (`train/sae_train.ts`): L0 (mean active latents per held-out example),
 * normalised MSE (Σ‖x − x̂‖² / Σ‖x − x̄‖² on held-out examples) and the share
 * of dead latents.
 *
 * @module
 */

/**
 * For each of the `count` true directions (rows of `truth`, `[count, dim]`),
 * the largest cosine with a row of `decoder` (`[latents, dim]`). Rows of zero
 * length have cosine 0; a non-finite decoder gives NaN.
 */
export function maxCosines(
  decoder: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: { latents: number; count: number; dim: number },
): Float64Array {
  const { latents, count, dim } = shape;
  const dn = new Float64Array(latents);
  for (let j = 0; j < latents; j++) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += decoder[j * dim + i] ** 2;
    dn[j] = Math.sqrt(s);
  }
  const out = new Float64Array(count);
  for (let f = 0; f < count; f++) {
    let tn = 0;
    for (let i = 0; i < dim; i++) tn += truth[f * dim + i] ** 2;
    tn = Math.sqrt(tn);
    let best = -Infinity;
    let bad = false;
    for (let j = 0; j < latents; j++) {
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += decoder[j * dim + i] * truth[f * dim + i];
      const denom = dn[j] * tn;
      const cos = denom > 0 ? dot / denom : 0;
      if (!Number.isFinite(cos)) bad = true;
      if (cos > best) best = cos;
    }
    out[f] = bad ? NaN : best;
  }
  return out;
}

/** Mean of the max cosines and the share of directions above `threshold`. */
export function directionRecovery(
  maxCos: ArrayLike<number>,
  threshold = 0.9,
): { meanMaxCos: number; recovered: number } {
  let sum = 0;
  let above = 0;
  for (let f = 0; f < maxCos.length; f++) {
    sum += maxCos[f];
    if (maxCos[f] > threshold) above++;
  }
  return { meanMaxCos: sum / maxCos.length, recovered: above / maxCos.length };
}
