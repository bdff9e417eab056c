/**
 * The fused training loop of the toy autoencoder: float64, one pass per
 * instance per step (loss, hand-derived gradient, optimizer update), no
 * tensors. Runs a contiguous range of instances, so the same function serves
 * the main thread and each worker; an instance's numbers never depend on
 * which range or worker it ran in.
 *
 * @module
 */
import { featureImportance, openToyData } from "./data.ts";
import {
  initToy,
  toyLossGrad,
  toyLossGradIdentity,
  toyParamCount,
  type ToyParams,
  toyScratch,
} from "./model.ts";
import { ArrayOptimizer, perInstanceHyper } from "../../core/optim/optimizer.ts";
import { type Series, StridedRecorder } from "../../core/train/history.ts";
import type { ToyTrainConfig } from "./config.ts";

/** Progress of one range: steps done and the range's current losses. */
export interface RangeProgress {
  step: number;
  loss: Float64Array;
}

/** What one range returns. */
export interface RangeResult {
  params: Float64Array;
  finalLoss: Float64Array;
  divergedAt: Int32Array;
  loss: Series;
  snapshots: Series;
}

/** Initial parameters of the whole run (given, or seeded). */
export function initialParams(config: ToyTrainConfig): ToyParams {
  if (config.init) return config.init;
  return initToy(config.model, { seeds: config.seeds });
}

/**
 * Trains instances `[from, to)` of `config`. `progress` is awaited every
 * `progressEvery` steps (letting the event loop run) and may throw to stop.
 */
export async function runToyRange(
  config: ToyTrainConfig,
  range: { from: number; to: number },
  progress: { every: number; report: (p: RangeProgress) => void | Promise<void> } | null,
): Promise<RangeResult> {
  const { model, steps } = config;
  const { n, m, bias } = model;
  const shape = { n, m, bias };
  const p = toyParamCount(model);
  const { from, to } = range;
  const count = to - from;
  const init = initialParams(config);
  const params = init.data.slice(from * p, to * p);
  const grad = new Float64Array(count * p);
  const all = perInstanceHyper(config.optimizer, config.seeds.length, {
    lr: config.lrs,
    weightDecay: config.weightDecays,
  });
  const opt = new ArrayOptimizer(config.optimizer, p, {
    lr: all.lr.slice(from, to),
    weightDecay: all.weightDecay.slice(from, to),
  });
  const streams = config.seeds.slice(from, to).map((s) => openToyData(config.data, n, s));
  const importance = featureImportance(n, config.importanceDecay);
  const scratch = toyScratch(n, m);
  const rec = config.record;
  const lossRec = new StridedRecorder(count, {
    stride: rec.lossEvery,
    capacity: rec.maxLossRows,
  });
  const snapRec = new StridedRecorder(count * p, {
    stride: rec.snapshotEvery,
    capacity: rec.maxSnapshots,
  });
  const loss = new Float64Array(count);
  const divergedAt = new Int32Array(count).fill(-1);
  const frozen = config.frozen ?? [];
  const held = new Float64Array(frozen.length);
  const limit = config.divergeAbove;
  // The specialised kernel needs the complete identity dataset.
  const identity = config.data.kind === "identity" && !config.data.omit?.length;
  const lossGrad = (off: number, i: number, g: Float64Array | null) =>
    identity
      ? toyLossGradIdentity(shape, params, off, importance, g, scratch)
      : toyLossGrad(shape, params, off, streams[i].next(), importance, g, scratch);

  for (let t = 0; t < steps; t++) {
    if (snapRec.wants(t)) snapRec.record(t, params);
    for (let i = 0; i < count; i++) {
      if (divergedAt[i] >= 0) continue;
      const off = i * p;
      const L = lossGrad(off, i, grad);
      // `!(L <= limit)` is also true for NaN.
      if (!(L <= limit)) {
        divergedAt[i] = t;
        loss[i] = NaN;
        continue;
      }
      loss[i] = L;
      for (let k = 0; k < frozen.length; k++) held[k] = params[off + frozen[k]];
      opt.stepInstance(params, grad, i);
      for (let k = 0; k < frozen.length; k++) params[off + frozen[k]] = held[k];
    }
    if (lossRec.wants(t)) lossRec.record(t, loss);
    if (progress && (t + 1) % progress.every === 0 && t + 1 < steps) {
      await progress.report({ step: t + 1, loss });
    }
  }

  const finalLoss = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    if (divergedAt[i] >= 0) {
      finalLoss[i] = NaN;
      continue;
    }
    const L = lossGrad(i * p, i, null);
    if (!(L <= limit)) {
      divergedAt[i] = steps;
      finalLoss[i] = NaN;
    } else {
      finalLoss[i] = L;
    }
  }
  lossRec.finish(steps, finalLoss);
  snapRec.finish(steps, params);
  if (progress) await progress.report({ step: steps, loss: finalLoss });
  return {
    params,
    finalLoss,
    divergedAt,
    loss: lossRec.series(),
    snapshots: snapRec.series(),
  };
}
