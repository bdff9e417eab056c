/**
 * The tfjs training loop of the toy autoencoder: all instances as one
 * batched computation (W: [instances, m, n]), loss by `toyLossTensors`,
 * gradients by autodiff, updates by {@link TensorOptimizer}. Float32. This
 * is the reference engine the fused loop is tested against.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { toDense } from "./data.ts";
import { featureImportance, openToyData } from "./data.ts";
import { toyLossTensors, toyParamCount } from "./model.ts";
import { perInstanceHyper, TensorOptimizer } from "../../core/optim/optimizer.ts";
import { StridedRecorder } from "../../core/train/history.ts";
import { initialParams, type RangeProgress, type RangeResult } from "./_train_fused.ts";
import type { ToyTrainConfig } from "./config.ts";

/** Trains every instance of `config` with tfjs on the active backend. */
export async function runToyTfjs(
  tf: typeof tfNs,
  config: ToyTrainConfig,
  progress: { every: number; report: (p: RangeProgress) => void | Promise<void> } | null,
): Promise<RangeResult> {
  const { model, steps } = config;
  const { n, m, bias } = model;
  const p = toyParamCount(model);
  const instances = config.seeds.length;
  const init = initialParams(config);

  // Split the flat layout into W [I, m, n] and b [I, n].
  const w0 = new Float32Array(instances * m * n);
  const b0 = new Float32Array(instances * n);
  for (let i = 0; i < instances; i++) {
    w0.set(init.data.subarray(i * p, i * p + m * n), i * m * n);
    if (bias) b0.set(init.data.subarray(i * p + m * n, (i + 1) * p), i * n);
  }
  const W = tf.tidy(() => tf.variable(tf.tensor3d(w0, [instances, m, n])));
  const b = bias ? tf.tidy(() => tf.variable(tf.tensor2d(b0, [instances, n]))) : null;
  const vars: tfNs.Variable[] = b ? [W, b] : [W];
  // Frozen coordinates as boolean masks, one per variable in `vars`.
  const frozenMasks = config.frozen?.length
    ? (() => {
      const wMask = new Uint8Array(instances * m * n);
      const bMask = new Uint8Array(instances * n);
      for (const k of config.frozen!) {
        for (let i = 0; i < instances; i++) {
          if (k < m * n) wMask[i * m * n + k] = 1;
          else bMask[i * n + (k - m * n)] = 1;
        }
      }
      const masks: tfNs.Tensor[] = [tf.tensor3d(wMask, [instances, m, n], "bool")];
      if (b) masks.push(tf.tensor2d(bMask, [instances, n], "bool"));
      return masks;
    })()
    : null;
  const opt = new TensorOptimizer(
    tf,
    config.optimizer,
    vars,
    perInstanceHyper(config.optimizer, instances, {
      lr: config.lrs,
      weightDecay: config.weightDecays,
    }),
  );
  const importance = tf.tensor1d(Float32Array.from(featureImportance(n, config.importanceDecay)));
  const streams = config.seeds.map((s) => openToyData(config.data, n, s));
  const allFixed = streams.every((s) => s.fixed);
  const shared = config.data.kind === "identity";
  let fixedX: tfNs.Tensor | null = null;

  const nextX = (): tfNs.Tensor => {
    if (fixedX) return fixedX;
    let x: tfNs.Tensor;
    if (shared) {
      const batch = streams[0].next();
      x = tf.tensor2d(Float32Array.from(toDense(batch)), [batch.rows, n]);
    } else {
      const batches = streams.map((s) => s.next());
      const rows = batches[0].rows;
      const dense = new Float32Array(instances * rows * n);
      batches.forEach((bt, i) => dense.set(toDense(bt), i * rows * n));
      x = tf.tensor3d(dense, [instances, rows, n]);
    }
    if (allFixed) fixedX = x;
    return x;
  };

  const readParams = (): Float64Array => {
    const out = new Float64Array(instances * p);
    const wv = W.dataSync();
    const bv = b?.dataSync();
    for (let i = 0; i < instances; i++) {
      for (let k = 0; k < m * n; k++) out[i * p + k] = wv[i * m * n + k];
      if (bv) { for (let k = 0; k < n; k++) out[i * p + m * n + k] = bv[i * n + k]; }
    }
    return out;
  };

  const lossRec = new StridedRecorder(instances, {
    stride: config.record.lossEvery,
    capacity: config.record.maxLossRows,
  });
  const snapRec = new StridedRecorder(instances * p, {
    stride: config.record.snapshotEvery,
    capacity: config.record.maxSnapshots,
  });
  const loss = new Float64Array(instances);
  const divergedAt = new Int32Array(instances).fill(-1);
  const activeMask = new Uint8Array(instances).fill(1);
  const limit = config.divergeAbove;

  const markDiverged = (values: ArrayLike<number>, step: number): boolean => {
    let changed = false;
    for (let i = 0; i < instances; i++) {
      if (divergedAt[i] >= 0) {
        loss[i] = NaN;
        continue;
      }
      const L = values[i];
      if (!(L <= limit)) {
        divergedAt[i] = step;
        activeMask[i] = 0;
        loss[i] = NaN;
        changed = true;
      } else {
        loss[i] = L;
      }
    }
    return changed;
  };

  let active = tf.tensor1d(activeMask, "bool");
  for (let t = 0; t < steps; t++) {
    if (snapRec.wants(t)) snapRec.record(t, readParams());
    const x = nextX();
    let lossVec: tfNs.Tensor | null = null;
    const { grads, value } = tf.variableGrads(() => {
      const lv = toyLossTensors(tf, W, b, x, importance);
      lossVec = tf.keep(lv);
      return lv.sum() as tfNs.Scalar;
    }, vars);
    if (markDiverged(lossVec!.dataSync(), t)) {
      active.dispose();
      active = tf.tensor1d(activeMask, "bool");
    }
    const before = frozenMasks ? vars.map((v) => v.clone()) : null;
    opt.apply(vars.map((v) => grads[v.name]), active);
    if (before && frozenMasks) {
      // Assigned inside tidy so that the `where` result is freed (the variable keeps its data).
      tf.tidy(() => vars.forEach((v, j) => v.assign(tf.where(frozenMasks[j], before[j], v))));
      tf.dispose(before);
    }
    tf.dispose([lossVec!, value, ...Object.values(grads)]);
    if (x !== fixedX) x.dispose();
    if (lossRec.wants(t)) lossRec.record(t, loss);
    if (progress && (t + 1) % progress.every === 0 && t + 1 < steps) {
      await progress.report({ step: t + 1, loss });
    }
  }

  const x = nextX();
  const finalVec = tf.tidy(() => toyLossTensors(tf, W, b, x, importance));
  markDiverged(finalVec.dataSync(), steps);
  const finalLoss = loss.slice();
  const params = readParams();
  tf.dispose([finalVec, active, importance, W, ...(b ? [b] : []), x]);
  if (frozenMasks) tf.dispose(frozenMasks);
  opt.dispose();
  lossRec.finish(steps, finalLoss);
  snapRec.finish(steps, params);
  if (progress) await progress.report({ step: steps, loss: finalLoss });
  return { params, finalLoss, divergedAt, loss: lossRec.series(), snapshots: snapRec.series() };
}
