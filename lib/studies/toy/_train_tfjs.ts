/**
 * The tfjs training step of the toy autoencoder, run by the lab's one loop
 * (`core/train/loop.ts`): all instances as one batched computation
 * (W: `[instances, m, n]`), loss by `toyLossTensors`, gradients by autodiff,
 * updates by {@link TensorOptimizer}. Float32. This is the reference engine
 * the fused loop is tested against.
 *
 * The run state holds the parameters as tfjs variables and the optimizer
 * that owns its moments, so it lives on the backend and is not
 * checkpointed (toy runs have no checkpoints).
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { type CsrBatch, toDense } from "./data.ts";
import { featureImportance } from "./data.ts";
import { toyLossTensors, toyParamCount } from "./model.ts";
import { perInstanceHyper, TensorOptimizer } from "../../core/optim/optimizer.ts";
import { Rng } from "../../core/random.ts";
import { isDiverged, runLoop, type Span } from "../../core/train/loop.ts";
import {
  fixedBatches,
  freshBatch,
  freshTrack,
  initialParams,
  type RangeControl,
  type RangeResult,
  type ToyTrack,
} from "./_train_fused.ts";
import type { ToyTrainConfig } from "./config.ts";

/** Everything a tfjs run changes while it trains. */
interface TfjsState extends ToyTrack {
  /** `[instances, m, n]`: every instance's W. */
  W: tfNs.Variable;
  /** `[instances, n]`: every instance's b (null without bias). */
  b: tfNs.Variable | null;
  /** The optimizer, with its moment variables (shaped like W and b) and its step count. */
  optimizer: TensorOptimizer;
  /** `[instances]` bool: instances still training (the optimizer leaves the others as they are). */
  active: tfNs.Tensor;
}

/** What a tfjs run computes with besides its state; fixed for the run. */
interface TfjsRun {
  tf: typeof tfNs;
  config: ToyTrainConfig;
  instances: number;
  /** Parameters per instance. */
  p: number;
  /** `[n]`: loss weight of each feature. */
  importance: tfNs.Tensor;
  /** The input of every step when the data is a fixed set (`[rows, n]` one-hot, shared; else `[instances, rows, n]`). */
  fixedX: tfNs.Tensor | null;
  /** Frozen coordinates as boolean masks shaped like W and b, or null. */
  frozenMasks: tfNs.Tensor[] | null;
}

/** The input tensor of one step from each instance's batch (one shared `[rows, n]` for one-hot data). */
function inputTensor(tf: typeof tfNs, config: ToyTrainConfig, batches: CsrBatch[]): tfNs.Tensor {
  const { n } = config.model;
  if (config.data.kind === "identity") {
    const batch = batches[0];
    return tf.tensor2d(Float32Array.from(toDense(batch)), [batch.rows, n]);
  }
  const rows = batches[0].rows;
  const dense = new Float32Array(batches.length * rows * n);
  batches.forEach((bt, i) => dense.set(toDense(bt), i * rows * n));
  return tf.tensor3d(dense, [batches.length, rows, n]);
}

/** Masks `[instances, m, n]` and `[instances, n]` that are true at the frozen coordinates. */
function frozenMasks(tf: typeof tfNs, config: ToyTrainConfig): tfNs.Tensor[] | null {
  if (!config.frozen?.length) return null;
  const { n, m, bias } = config.model;
  const instances = config.seeds.length;
  const wMask = new Uint8Array(instances * m * n);
  const bMask = new Uint8Array(instances * n);
  for (const k of config.frozen) {
    for (let i = 0; i < instances; i++) {
      if (k < m * n) wMask[i * m * n + k] = 1;
      else bMask[i * n + (k - m * n)] = 1;
    }
  }
  const masks: tfNs.Tensor[] = [tf.tensor3d(wMask, [instances, m, n], "bool")];
  if (bias) masks.push(tf.tensor2d(bMask, [instances, n], "bool"));
  return masks;
}

function prepareRun(tf: typeof tfNs, config: ToyTrainConfig): TfjsRun {
  const { n } = config.model;
  const batches = fixedBatches(config, config.seeds);
  return {
    tf,
    config,
    instances: config.seeds.length,
    p: toyParamCount(config.model),
    importance: tf.tensor1d(Float32Array.from(featureImportance(n, config.importanceDecay))),
    fixedX: batches ? inputTensor(tf, config, batches) : null,
    frozenMasks: frozenMasks(tf, config),
  };
}

function variables(s: TfjsState): tfNs.Variable[] {
  return s.b ? [s.W, s.b] : [s.W];
}

/** A fresh run: W and b from the initial parameters, zero moments, every instance active. */
function initialState(run: TfjsRun): TfjsState {
  const { tf, config, instances, p } = run;
  const { n, m, bias } = config.model;
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
  const hyper = perInstanceHyper(config.optimizer, instances, {
    lr: config.lrs,
    weightDecay: config.weightDecays,
  });
  return {
    W,
    b,
    optimizer: new TensorOptimizer(tf, config.optimizer, b ? [W, b] : [W], hyper),
    active: tf.tensor1d(new Uint8Array(instances).fill(1), "bool"),
    ...freshTrack(config, config.seeds, p),
  };
}

/** Frees every tensor of the run and of `s` (when the loop got as far as making it). */
function dispose(run: TfjsRun, s: TfjsState | null): void {
  const { tf } = run;
  tf.dispose([run.importance, ...(run.fixedX ? [run.fixedX] : []), ...(run.frozenMasks ?? [])]);
  if (!s) return;
  tf.dispose([s.active, ...variables(s)]);
  s.optimizer.dispose();
}

/** `[instances, p]`: the parameters in the fused engine's flat layout. */
function readParams(run: TfjsRun, s: TfjsState): Float64Array {
  const { instances, p } = run;
  const { n, m } = run.config.model;
  const out = new Float64Array(instances * p);
  const wv = s.W.dataSync();
  const bv = s.b?.dataSync();
  for (let i = 0; i < instances; i++) {
    for (let k = 0; k < m * n; k++) out[i * p + k] = wv[i * m * n + k];
    if (bv) { for (let k = 0; k < n; k++) out[i * p + m * n + k] = bv[i * n + k]; }
  }
  return out;
}

/**
 * Takes each live instance's loss at `step` from `values`, marking the ones
 * that diverged (NaN from then on); returns whether any did.
 */
function markDiverged(
  s: TfjsState,
  values: ArrayLike<number>,
  step: number,
  limit: number,
): boolean {
  let changed = false;
  for (let i = 0; i < s.loss.length; i++) {
    if (s.divergedAt[i] >= 0) {
      s.loss[i] = NaN;
      continue;
    }
    const L = values[i];
    if (isDiverged(L, limit)) {
      s.divergedAt[i] = step;
      s.loss[i] = NaN;
      changed = true;
    } else {
      s.loss[i] = L;
    }
  }
  return changed;
}

/** The input of the next step: the fixed one, or each instance's next fresh batch. */
function nextInput(run: TfjsRun, rngs: Rng[]): tfNs.Tensor {
  return run.fixedX ?? inputTensor(run.tf, run.config, rngs.map((r) => freshBatch(run.config, r)));
}

/** Update `t` (the loop's step t + 1): loss, autodiff gradients, divergence, optimizer, frozen coordinates. */
function step(run: TfjsRun, s: TfjsState, rngs: Rng[], t: number): void {
  const { tf, frozenMasks: masks } = run;
  const vars = variables(s);
  const x = nextInput(run, rngs);
  let lossVec: tfNs.Tensor | null = null;
  const { grads, value } = tf.variableGrads(() => {
    const lv = toyLossTensors(tf, s.W, s.b, x, run.importance);
    lossVec = tf.keep(lv);
    return lv.sum() as tfNs.Scalar;
  }, vars);
  if (markDiverged(s, lossVec!.dataSync(), t, run.config.divergeAbove)) {
    s.active.dispose();
    s.active = tf.tensor1d(Uint8Array.from(s.divergedAt, (d) => (d < 0 ? 1 : 0)), "bool");
  }
  const before = masks ? vars.map((v) => v.clone()) : null;
  s.optimizer.apply(vars.map((v) => grads[v.name]), s.active);
  if (before && masks) {
    // Assigned inside tidy so that the `where` result is freed (the variable keeps its data).
    tf.tidy(() => vars.forEach((v, j) => v.assign(tf.where(masks[j], before[j], v))));
    tf.dispose(before);
  }
  tf.dispose([lossVec!, value, ...Object.values(grads)]);
  if (x !== run.fixedX) x.dispose();
}

/** The loop's steps `from + 1` … `to`; the last span also evaluates the final parameters. */
function advance(run: TfjsRun, s: TfjsState, span: Span): void {
  const rngs = s.data.map((r) => Rng.fromState(r));
  for (let t = span.from; t < span.to; t++) {
    if (s.snapshots.wants(t)) s.snapshots.record(t, readParams(run, s));
    step(run, s, rngs, t);
    if (s.lossRows.wants(t)) s.lossRows.record(t, s.loss);
  }
  const { steps } = run.config;
  if (span.to === steps) {
    const { tf } = run;
    const x = nextInput(run, rngs);
    const finalVec = tf.tidy(() => toyLossTensors(tf, s.W, s.b, x, run.importance));
    markDiverged(s, finalVec.dataSync(), steps, run.config.divergeAbove);
    tf.dispose(x === run.fixedX ? [finalVec] : [finalVec, x]);
    s.lossRows.finish(steps, s.loss);
    s.snapshots.finish(steps, readParams(run, s));
  }
  s.data = rngs.map((r) => r.state());
}

/** Trains every instance of `config` with tfjs on the active backend, on the core loop. */
export async function runToyTfjs(
  tf: typeof tfNs,
  config: ToyTrainConfig,
  control: RangeControl,
): Promise<RangeResult> {
  const run = prepareRun(tf, config);
  let made: TfjsState | null = null;
  try {
    const { state } = await runLoop<TfjsState>({
      steps: config.steps,
      progressEvery: control.every,
      init: () => (made = initialState(run)),
      advance: (s, span) => advance(run, s, span),
      progress: (s, at) => control.report?.({ step: at.step, loss: s.loss, etaMs: at.etaMs }),
    }, { signal: control.signal, shouldStop: control.shouldStop });
    return {
      params: readParams(run, state),
      finalLoss: state.loss,
      divergedAt: state.divergedAt,
      loss: state.lossRows.series(),
      snapshots: state.snapshots.series(),
    };
  } finally {
    dispose(run, made);
  }
}
