/**
 * Progress lines of the step-autoencoder experiments: the trainer's progress
 * events turned into the experiment's, with epochs per second, the lowest
 * current loss and the time left (the training loop's estimate) in the message.
 *
 * @module
 */
import type { RunOptions } from "../../../core/experiment.ts";
import { sig } from "../../../core/format.ts";
import type { StepAeProgress } from "../train.ts";
import { minOf } from "../../../core/stats.ts";

/** Progress messages with epochs per second, the current loss and the time left. */
export function epochProgress(
  options: RunOptions,
  label: string,
): (p: StepAeProgress) => Promise<void> {
  const started = performance.now();
  let first: number | null = null;
  return async (p) => {
    first ??= p.epoch;
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? (p.epoch - first) / seconds : 0;
    const finite = [...p.loss].filter(Number.isFinite);
    const loss = finite.length ? minOf(finite) : NaN;
    await options.onProgress?.({
      fraction: p.epoch / p.epochs,
      message:
        `${label}: epoch ${p.epoch}/${p.epochs} · ${Math.round(rate).toLocaleString("en-US")} ` +
        `epochs/s · loss ${sig(loss, 4)}`,
      loss: p.loss,
      step: p.epoch,
      steps: p.epochs,
      params: p.params,
    });
  };
}
