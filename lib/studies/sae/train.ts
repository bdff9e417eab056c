/**
 * Training sparse autoencoders (the research notes; the model in `model.ts`, its fused
 * kernel in `kernel.ts`, the data streams in `data.ts`): several variants
 * (top-k with or without AuxK, ReLU with an L1 penalty at several weights, …)
 * train as instances of one run on the same stream of batches, with Adam
 * following PyTorch's rule (`optim/`), the decoder kept at unit column norm,
 * dead-latent counters, and an evaluation on a held-out set every `evalEvery`
 * steps and before the first.
 *
 * One step, for every instance: pre-activations (one tfjs matmul for all
 * instances with the `hybrid` engine, plain loops with `js`), the fused
 * sparse kernel for loss and gradient, the decoder gradient's projection,
 * the Adam step, and the decoder's renormalisation. An instance whose batch
 * loss diverges (`isDiverged` against the config's `divergeAbove`) is marked
 * diverged (its final loss is NaN) and frozen; the others carry on.
 *
 * The core loop (`core/train/loop.ts`) runs the steps: progress, abort and
 * checkpoints are its business. Everything a run changes sits in one
 * {@link SaeRunState}, which the loop saves and restores whole; what stays
 * fixed (scratch buffers, the optimizer's rule, the hybrid engine's float32
 * copy of the encoders) lives in an {@link SaeRun} that is pointed at the
 * state again after a resume. Batches depend on the step alone, so a resumed
 * run ends bit-identical to one never stopped.
 *
 * Resampling (`resample.ts`). A variant with a `resample` rule is checked
 * after every `every` updates (never in the last interval), after that
 * step's evaluation: its due latents are rebuilt from candidate examples of
 * their own seeded stream, their counters start again from 0, their Adam
 * moments are zeroed when the rule says so, and its learning rate re-warms
 * over `warmup` updates. Each check that rebuilds at least one latent is an
 * event ({@link SaeResampleEvent}) with what it cost in loss. Every draw is a
 * function of the instance's seed and the step, and the event records, the
 * updates since each instance's last event and the time spent in checks are
 * part of the run state, so resampling resumes bit-identical too. A variant
 * without a rule runs exactly the steps it ran before resampling existed.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import type { SaeData } from "./data.ts";
import {
  type AuxNorm,
  initSae,
  type SaeActivation,
  type SaeConfig,
  saeLayout,
  validateSae,
} from "./model.ts";
import {
  normalizeDecoder,
  type PreView,
  projectDecoderGrad,
  saeLossGrad,
  saePreActivations,
  type SaeScratch,
  saeScratch,
  type SaeStats,
  TfPreActivations,
} from "./kernel.ts";
import { type OptimizerConfig, validateOptimizer } from "../../core/optim/config.ts";
import { ArrayOptimizer, perInstanceHyper } from "../../core/optim/optimizer.ts";
import { assertInteger } from "../../core/validate.ts";
import { type CheckpointOptions, fingerprint } from "../../core/train/checkpoint.ts";
import { isDiverged, runLoop } from "../../core/train/loop.ts";
import { isResampleStep, warmupFactor } from "../../core/train/resample.ts";
import { Rng } from "../../core/random.ts";
import { maxOf } from "../../core/stats.ts";
import {
  dueLatents,
  exampleErrors,
  latentParamIndices,
  pickUniforms,
  resampleLatents,
  resampleSeeds,
  type SaeResample,
  validateSaeResample,
} from "./resample.ts";

/**
 * One instance of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeVariant } from "./train.ts";
 * const baseline: SaeVariant = { label: "ReLU + L1", activation: "relu", k: 4, auxCoef: 0, l1: 0.3, seed: 0 };
 * assert.equal(baseline.activation, "relu");
 * ```
 */
export interface SaeVariant {
  /** Name of the model (several instances may share it, e.g. one per seed). */
  label: string;
  /** Top-k then ReLU, or plain ReLU. */
  activation: SaeActivation;
  /** Latents kept per example (top-k). */
  k: number;
  /** Weight of the AuxK loss (0: off). */
  auxCoef: number;
  /** Weight of the L1 penalty (ReLU). */
  l1: number;
  /** Seed of the initialisation (and of the instance's resampling draws). */
  seed: number;
  /** How it resamples dead latents; absent or null: never. */
  resample?: SaeResample | null;
}

/**
 * Updates after a resample whose batch losses an event records
 * ({@link SaeResampleEvent.after}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RESAMPLE_TRACE } from "./train.ts";
 * assert.equal(RESAMPLE_TRACE, 50);
 * ```
 */
export const RESAMPLE_TRACE = 50;

/**
 * One resampling event: a check of one instance that rebuilt at least one latent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeResampleEvent } from "./train.ts";
 * const event: SaeResampleEvent = {
 *   instance: 0, step: 500, latents: [3, 9], picked: [17, 17],
 *   lossBefore: 0.12, lossJump: 0.004, after: [0.125, 0.121],
 * };
 * // The first batch after it lost 0.005 against the last batch before.
 * assert.equal((event.after[0] - event.lossBefore).toFixed(3), "0.005");
 * ```
 */
export interface SaeResampleEvent {
  /** Index of the instance in the run. */
  instance: number;
  /** The update after which the check ran. */
  step: number;
  /** The latents rebuilt, in index order. */
  latents: number[];
  /** The candidate example each was built from (−1: fresh weights). */
  picked: number[];
  /** Batch loss of update `step` (the last one before the event). */
  lossBefore: number;
  /**
   * Loss of batch `step + 1` with the rebuilt weights minus its loss with
   * the weights before (both without the AuxK term): what the event itself
   * costs, with no batch noise in it.
   */
  lossJump: number;
  /** Batch losses of the next updates, up to {@link RESAMPLE_TRACE} (fewer when the next event or the end comes first). */
  after: number[];
}

/**
 * How pre-activations are computed: one tfjs matmul for all instances, or plain loops.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SAE_ENGINES } from "./train.ts";
 * assert.deepEqual([...SAE_ENGINES], ["hybrid", "js"]);
 * ```
 */
export const SAE_ENGINES = ["hybrid", "js"] as const;

/**
 * One of {@link SAE_ENGINES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeEngine } from "./train.ts";
 * const engine: SaeEngine = "js"; // no tfjs needed
 * assert.equal(engine, "js");
 * ```
 */
export type SaeEngine = typeof SAE_ENGINES[number];

/**
 * A training run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeTrainConfig } from "./train.ts";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * const config: SaeTrainConfig = {
 *   model: { dim: 4, latents: 6, deadAfter: 100, auxNorm: "residual" },
 *   variants: [{ label: "top-k", activation: "topk", k: 1, auxCoef: 1 / 32, l1: 0, seed: 0 }],
 *   steps: 5,
 *   batch: 8,
 *   optimizer: optimizerDefaults("adam", 1e-2),
 *   evalEvery: 5,
 *   divergeAbove: 1e6,
 *   engine: "js",
 * };
 * assert.equal(config.optimizer.name, "adam");
 * ```
 */
export interface SaeTrainConfig {
  /** What every variant shares. */
  model: { dim: number; latents: number; deadAfter: number; auxNorm: AuxNorm };
  /** The instances, trained side by side. */
  variants: SaeVariant[];
  /** Training steps. */
  steps: number;
  /** Examples per batch. */
  batch: number;
  /** The optimizer of every instance (Adam in the study). */
  optimizer: OptimizerConfig;
  /** Evaluate (and record a history row) every this many steps and at the end. */
  evalEvery: number;
  /** A batch loss above this (or not finite) marks an instance diverged. */
  divergeAbove: number;
  /** How pre-activations are computed. */
  engine: SaeEngine;
}

/**
 * One history row (an evaluation point of one instance).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeHistoryRow } from "./train.ts";
 * const row: SaeHistoryRow = {
 *   step: 0, instance: 0, label: "top-k", seed: 0, loss: 1, recon: 1, aux: 0, l1: 2, train_l0: 2,
 *   dead_fraction: 0, eval_nmse: 1, eval_l0: 2, recovered: 0.1,
 * };
 * assert.equal(row.recovered, 0.1); // an extra measure from `options.metrics`
 * ```
 */
export interface SaeHistoryRow {
  /** Step of the evaluation (0: before training). */
  step: number;
  /** Index of the instance in the run. */
  instance: number;
  /** The instance's variant label. */
  label: string;
  /** The instance's initialisation seed. */
  seed: number;
  /** Training losses, averaged over the steps since the previous row: L. */
  loss: number;
  /** L_rec (averaged likewise). */
  recon: number;
  /** L_aux before its coefficient (averaged likewise). */
  aux: number;
  /** L_l1 before its coefficient (averaged likewise). */
  l1: number;
  /** Mean active latents per training example (averaged likewise). */
  train_l0: number;
  /** Share of latents dead (counters at this step). */
  dead_fraction: number;
  /** Held-out normalised MSE. */
  eval_nmse: number;
  /** Held-out L0: mean active latents per example. */
  eval_l0: number;
  /** Extra measures from `options.metrics` (e.g. recovery of true directions). */
  [metric: string]: number | string;
}

/**
 * What one instance ends with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SaeInstanceResult, trainSae } from "./train.ts";
 * import { saeSuperpositionData } from "./data.ts";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * const data = saeSuperpositionData({ dim: 4, features: 6, active: 1, seed: 0 }, { evalRows: 16 });
 * const run = await trainSae({
 *   model: { dim: 4, latents: 6, deadAfter: 100, auxNorm: "residual" },
 *   variants: [{ label: "top-k", activation: "topk", k: 1, auxCoef: 0, l1: 0, seed: 0 }],
 *   steps: 2,
 *   batch: 8,
 *   optimizer: optimizerDefaults("adam", 1e-2),
 *   evalEvery: 2,
 *   divergeAbove: 1e6,
 *   engine: "js",
 * }, data);
 * const res: SaeInstanceResult = run.results[0];
 * assert.equal(res.divergedAt, -1);
 * assert.equal(res.params.length, 2 * 6 * 4 + 6 + 4);
 * ```
 */
export interface SaeInstanceResult {
  /** The variant's label. */
  label: string;
  /** The variant it trained. */
  variant: SaeVariant;
  /** Its model config. */
  config: SaeConfig;
  /** Final parameters (layout of `saeLayout`). */
  params: Float64Array;
  /** Examples since each latent last fired. */
  since: Float64Array;
  /** Its history rows, in step order. */
  history: SaeHistoryRow[];
  /** Last batch loss (NaN when diverged). */
  finalLoss: number;
  /** Step at which the instance diverged, or −1. */
  divergedAt: number;
  /** Share of held-out examples on which each latent fires (last evaluation). */
  evalFrequency: Float64Array;
  /** Its resampling events, in step order (none without a rule). */
  resamples: SaeResampleEvent[];
}

/**
 * What a run returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeTrainResult } from "./train.ts";
 * const empty: SaeTrainResult = { results: [], trainMs: 10, msPerStep: 1, evalMs: 2, resampleMs: 0 };
 * assert.equal(empty.trainMs / empty.msPerStep, 10); // steps
 * ```
 */
export interface SaeTrainResult {
  /** One per variant, in order. */
  results: SaeInstanceResult[];
  /** Wall time of the training steps alone (all instances). */
  trainMs: number;
  /** The same per step. */
  msPerStep: number;
  /** Wall time of the evaluations. */
  evalMs: number;
  /** Wall time of the resampling checks (not in `trainMs`). */
  resampleMs: number;
}

/**
 * Progress of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeTrainProgress } from "./train.ts";
 * const p: SaeTrainProgress = {
 *   step: 50, steps: 200, loss: Float64Array.from([0.4]), history: [], elapsedMs: 500, etaMs: 1500,
 * };
 * assert.equal(p.step / p.steps, 0.25);
 * ```
 */
export interface SaeTrainProgress {
  /** The step just taken. */
  step: number;
  /** Steps in the run. */
  steps: number;
  /** Latest batch loss of every instance. */
  loss: Float64Array;
  /** Every history row so far. */
  history: SaeHistoryRow[];
  /** Wall time of the run so far (from the loop; includes time before a resume). */
  elapsedMs: number;
  /** Estimated time left (from the loop). */
  etaMs: number;
}

/**
 * Options of {@link trainSae}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SaeTrainOptions } from "./train.ts";
 * const seen: number[] = [];
 * const options: SaeTrainOptions = { progressEvery: 10, onProgress: (p) => void seen.push(p.step) };
 * assert.equal(options.tf, undefined); // enough for the js engine
 * ```
 */
export interface SaeTrainOptions {
  /** tfjs, needed by the `hybrid` engine. */
  tf?: typeof tfNs;
  /** Extra measures of an instance at each evaluation (decoder rows at `layout.decoder + offset`). */
  metrics?: (params: Float64Array, offset: number, config: SaeConfig) => Record<string, number>;
  /** Called every `progressEvery` steps, at every checkpoint and at the end (awaited). */
  onProgress?: (p: SaeTrainProgress) => void | Promise<void>;
  /** Steps between progress reports (default: about 100 per run). */
  progressEvery?: number;
  /** Stops the run (after saving a checkpoint, when there is one). */
  signal?: AbortSignal;
  /** Checkpoint `name` in `dir` (several runs of one experiment share a folder). */
  checkpoint?: CheckpointOptions & { name: string };
}

/** Training measures summed over the steps since the last history row. */
interface LossSums {
  n: number;
  loss: number;
  recon: number;
  aux: number;
  l1: number;
  l0: number;
}

function emptySums(): LossSums {
  return { n: 0, loss: 0, recon: 0, aux: 0, l1: 0, l0: 0 };
}

/** Everything a run changes, in one object: what the loop checkpoints and resumes. */
interface SaeRunState {
  /** `[instances, size]`: every instance's parameters (layout of `saeLayout`). */
  params: Float64Array;
  /** The optimizer's buffers (Adam: m and v, each `[instances, size]`) and steps per instance. */
  optimizer: { state: Float64Array[]; steps: Uint32Array };
  /** Per instance, `[latents]`: examples since each latent last fired. */
  since: Float64Array[];
  /** Per instance: training measures since its last history row. */
  sums: LossSums[];
  /** `[instances]`: the latest batch loss. */
  lastLoss: Float64Array;
  /** `[instances]`: the step an instance diverged at, or −1. */
  divergedAt: Int32Array;
  /** Per instance, `[latents]`: share of held-out examples each latent fires on (last evaluation). */
  frequency: Float64Array[];
  /** History rows so far, in step order. */
  history: SaeHistoryRow[];
  /** Wall time of the training steps so far. */
  trainMs: number;
  /** Wall time of the evaluations so far. */
  evalMs: number;
  /** `[instances]`: updates since the instance's last resampling event, or −1. */
  sinceResample: Int32Array;
  /** `[instances]`: index in `events` of the instance's last event, or −1. */
  lastEvent: Int32Array;
  /** Every resampling event so far, in step order. */
  events: SaeResampleEvent[];
  /** Wall time of the resampling checks so far. */
  resampleMs: number;
}

/** Buffers of the resampling checks (runs with at least one rule). */
interface ResampleBuffers {
  /** `[max sample, dim]`: the candidate examples. */
  candidates: Float64Array;
  /** `[batch, dim]`: the batch after the check (for the loss jump). */
  next: Float64Array;
  /** `[max(batch, evalChunk), latents]`: float64 pre-activations. */
  pre: Float64Array;
}

/** What a run computes with besides its state; fixed for the run. */
interface SaeRun {
  config: SaeTrainConfig;
  data: SaeData;
  metrics: SaeTrainOptions["metrics"];
  /** The model config of each instance. */
  configs: SaeConfig[];
  /** Parameters per instance. */
  size: number;
  /** `[batch, dim]`: the current training batch. */
  x: Float64Array;
  /** `[instances, size]`: gradient buffer. */
  grad: Float64Array;
  scratch: SaeScratch[];
  /** Held-out examples per evaluation chunk. */
  evalChunk: number;
  evalScratch: SaeScratch[];
  /** Its buffers are the state's (see {@link attach}). */
  optimizer: ArrayOptimizer;
  /** The hybrid engine, or null for plain loops. */
  engine: TfPreActivations | null;
  /** `[max(batch, evalChunk), latents]`: pre-activations of the js engine. */
  jsPre: Float64Array | null;
  /** The state the optimizer and engine currently mirror. */
  attached: SaeRunState | null;
  /** Null when no variant resamples. */
  resample: ResampleBuffers | null;
}

/** Throws a RangeError naming the first bad setting of a run. */
export function validateSaeTrain(c: SaeTrainConfig): void {
  assertInteger(c.steps, "steps", { min: 1 });
  assertInteger(c.batch, "batch", { min: 1 });
  assertInteger(c.evalEvery, "evalEvery", { min: 1 });
  if (c.variants.length === 0) throw new RangeError("a run needs at least one variant");
  if (!(SAE_ENGINES as readonly string[]).includes(c.engine)) {
    throw new RangeError(`engine must be one of ${SAE_ENGINES.join("|")}, got ${c.engine}`);
  }
  validateOptimizer(c.optimizer);
  for (const v of c.variants) {
    validateSae(variantConfig(c, v));
    if (v.resample) validateSaeResample(v.resample, v.label);
  }
}

/** The model config of one variant. */
export function variantConfig(c: SaeTrainConfig, v: SaeVariant): SaeConfig {
  return { ...c.model, activation: v.activation, k: v.k, auxCoef: v.auxCoef, l1: v.l1 };
}

const EVAL_CHUNK = 1024;

/** Validates the run and allocates what it computes with. */
function prepareRun(config: SaeTrainConfig, data: SaeData, options: SaeTrainOptions): SaeRun {
  validateSaeTrain(config);
  if (data.dim !== config.model.dim) {
    throw new RangeError(`the data has dim ${data.dim}, the model ${config.model.dim}`);
  }
  const rules = config.variants.flatMap((v) => v.resample ? [v.resample] : []);
  if (rules.length > 0 && !data.sample) {
    throw new RangeError(
      `resampling needs data that can draw candidates (sample), ${data.name} cannot`,
    );
  }
  const { batch: B, variants } = config;
  const I = variants.length;
  const { dim, latents } = config.model;
  const configs = variants.map((v) => variantConfig(config, v));
  const size = saeLayout(config.model).size;
  const evalChunk = Math.min(EVAL_CHUNK, data.evalRows);
  let engine: TfPreActivations | null = null;
  if (config.engine === "hybrid") {
    if (!options.tf) throw new RangeError("the hybrid engine needs options.tf");
    engine = new TfPreActivations(options.tf, config.model, I);
  }
  return {
    config,
    data,
    metrics: options.metrics,
    configs,
    size,
    x: new Float64Array(B * config.model.dim),
    grad: new Float64Array(I * size),
    scratch: configs.map((c) => saeScratch(c, B)),
    evalChunk,
    evalScratch: configs.map((c) => saeScratch(c, evalChunk)),
    optimizer: new ArrayOptimizer(config.optimizer, size, perInstanceHyper(config.optimizer, I)),
    engine,
    jsPre: engine ? null : new Float64Array(Math.max(B, evalChunk) * latents),
    attached: null,
    resample: rules.length === 0 ? null : {
      candidates: new Float64Array(maxOf(rules.map((r) => r.sample)) * dim),
      next: new Float64Array(B * dim),
      pre: new Float64Array(Math.max(B, evalChunk) * latents),
    },
  };
}

/**
 * Points the run at `state`: the optimizer steps the state's own buffers
 * (copied in once when the state comes from a checkpoint) and the hybrid
 * engine reloads every instance's encoder from the state's parameters.
 */
function attach(run: SaeRun, state: SaeRunState): void {
  const opt = run.optimizer;
  if (state.optimizer.state !== opt.state) {
    state.optimizer.state.forEach((a, k) => opt.state[k].set(a));
    opt.steps.set(state.optimizer.steps);
    state.optimizer = { state: opt.state, steps: opt.steps };
  }
  for (let i = 0; i < run.configs.length; i++) run.engine?.load(i, state.params, i * run.size);
  run.attached = state;
}

/** A fresh run: initial parameters, zero moments, and the evaluation at step 0. */
function initialState(run: SaeRun): SaeRunState {
  const { variants, model } = run.config;
  const params = new Float64Array(variants.length * run.size);
  variants.forEach((v, i) =>
    params.set(initSae(run.configs[i], { seed: v.seed, preBias: run.data.mean }), i * run.size)
  );
  const state: SaeRunState = {
    params,
    optimizer: { state: run.optimizer.state, steps: run.optimizer.steps },
    since: variants.map(() => new Float64Array(model.latents)),
    sums: variants.map(emptySums),
    lastLoss: new Float64Array(variants.length),
    divergedAt: new Int32Array(variants.length).fill(-1),
    frequency: variants.map(() => new Float64Array(model.latents)),
    history: [],
    trainMs: 0,
    evalMs: 0,
    sinceResample: new Int32Array(variants.length).fill(-1),
    lastEvent: new Int32Array(variants.length).fill(-1),
    events: [],
    resampleMs: 0,
  };
  attach(run, state);
  const t0 = performance.now();
  evaluate(run, state, 0);
  state.evalMs += performance.now() - t0;
  return state;
}

/** Instance `i`'s pre-activations of `x` (`shared`: the hybrid engine's result for all). */
function preActivations(
  run: SaeRun,
  params: Float64Array,
  at: { i: number; x: Float64Array; rows: number; shared: Float32Array | null },
): PreView {
  const { i, x, rows } = at;
  if (run.engine) return run.engine.view(i, at.shared!);
  saePreActivations(run.config.model, params.subarray(i * run.size, (i + 1) * run.size), {
    x,
    rows,
    out: run.jsPre!,
  });
  return { data: run.jsPre!, offset: 0, stride: run.config.model.latents };
}

/** Training step `step` (batch `step − 1`) of every instance still training. */
function trainStep(run: SaeRun, state: SaeRunState, step: number): void {
  const { config, data, x, grad } = run;
  const { params, sums } = state;
  data.batch(step - 1, config.batch, x);
  const shared = run.engine ? run.engine.compute(x, config.batch) : null;
  for (let i = 0; i < run.configs.length; i++) {
    if (state.divergedAt[i] >= 0) continue;
    const off = i * run.size;
    const c = run.configs[i];
    const stats = saeLossGrad(c, params, {
      x,
      rows: config.batch,
      pre: preActivations(run, params, { i, x, rows: config.batch, shared }),
      variance: data.variance,
      grad,
      since: state.since[i],
      scratch: run.scratch[i],
      offset: off,
    });
    state.lastLoss[i] = stats.loss;
    if (isDiverged(stats.loss, config.divergeAbove)) {
      state.divergedAt[i] = step;
      state.history.push(divergedRow(run, { i, step, stats }));
      continue;
    }
    const m = sums[i];
    m.n++;
    m.loss += stats.loss;
    m.recon += stats.recon;
    m.aux += stats.aux;
    m.l1 += stats.l1;
    m.l0 += stats.l0;
    projectDecoderGrad(c, params, grad, off);
    const rule = config.variants[i].resample;
    const lrScale = rule ? afterResample(state, i, { loss: stats.loss, warmup: rule.warmup }) : 1;
    run.optimizer.stepInstance(params, grad, i, lrScale);
    normalizeDecoder(c, params, off);
    run.engine?.load(i, params, off);
  }
}

/**
 * One more update since instance `i`'s last event: its batch loss goes into
 * the event's trace, and the learning rate's re-warmup factor comes back.
 */
function afterResample(
  state: SaeRunState,
  i: number,
  update: { loss: number; warmup: number },
): number {
  if (state.sinceResample[i] < 0) return 1;
  const n = ++state.sinceResample[i];
  if (n <= RESAMPLE_TRACE) state.events[state.lastEvent[i]].after.push(update.loss);
  return warmupFactor(n, update.warmup);
}

/** The resampling checks due after update `step`, instance by instance. */
function resampleChecks(run: SaeRun, state: SaeRunState, step: number): void {
  const { variants, steps } = run.config;
  let nextDrawn = false;
  for (let i = 0; i < variants.length; i++) {
    const rule = variants[i].resample;
    if (!rule || state.divergedAt[i] >= 0 || !isResampleStep(step, rule.every, steps)) continue;
    const due = dueLatents(state.since[i], rule.window);
    if (due.length === 0) continue;
    if (!nextDrawn) run.data.batch(step, run.config.batch, run.resample!.next);
    nextDrawn = true;
    resampleInstance(run, state, { i, step, due });
  }
}

/** Batch `step + 1`'s loss under instance `i`'s `params` (float64, no AuxK term). */
function nextBatchLoss(run: SaeRun, i: number, params: Float64Array): number {
  const { next, pre } = run.resample!;
  const c = run.configs[i];
  const rows = run.config.batch;
  saePreActivations(c, params, { x: next, rows, out: pre });
  return saeLossGrad(c, params, {
    x: next,
    rows,
    pre: { data: pre, offset: 0, stride: c.latents },
    variance: run.data.variance,
    grad: null,
    since: null,
    scratch: run.scratch[i],
  }).loss;
}

/** One event: instance `i`'s `due` latents rebuilt after update `step` (see `resample.ts`). */
function resampleInstance(
  run: SaeRun,
  state: SaeRunState,
  at: { i: number; step: number; due: Int32Array },
): void {
  const { i, step, due } = at;
  const v = run.config.variants[i];
  const rule = v.resample!;
  const c = run.configs[i];
  const off = i * run.size;
  const params = state.params.subarray(off, off + run.size);
  const seeds = resampleSeeds(v.seed, step);
  const input = rule.place === "input";
  const x = run.resample!.candidates.subarray(0, input ? rule.sample * c.dim : 0);
  if (input) run.data.sample!(seeds.sample, rule.sample, x);
  const errSq = input
    ? exampleErrors(c, params, {
      x,
      rows: rule.sample,
      scratch: run.evalScratch[i],
      pre: run.resample!.pre,
    })
    : new Float64Array(0);
  const before = nextBatchLoss(run, i, params);
  const picked = resampleLatents(c, params, {
    rule,
    due,
    x,
    errSq,
    uniforms: input ? pickUniforms(seeds.pick, due.length) : [],
    fresh: input ? undefined : new Rng(seeds.fresh),
  });
  const kept = Array.from(due.keys()).filter((q) => !input || picked[q] >= 0);
  if (kept.length === 0) return;
  const latents = kept.map((q) => due[q]);
  for (const j of latents) state.since[i][j] = 0;
  if (rule.reset) run.optimizer.resetState(i, latentParamIndices(c, latents));
  run.engine?.load(i, state.params, off);
  state.lastEvent[i] = state.events.length;
  state.sinceResample[i] = 0;
  state.events.push({
    instance: i,
    step,
    latents,
    picked: kept.map((q) => picked[q]),
    lossBefore: state.lastLoss[i],
    lossJump: nextBatchLoss(run, i, params) - before,
    after: [],
  });
}

/** The last history row of instance `i`: the batch losses it diverged with. */
function divergedRow(
  run: SaeRun,
  at: { i: number; step: number; stats: SaeStats },
): SaeHistoryRow {
  const { i, step, stats } = at;
  const v = run.config.variants[i];
  return {
    step,
    instance: i,
    label: v.label,
    seed: v.seed,
    loss: stats.loss,
    recon: stats.recon,
    aux: stats.aux,
    l1: stats.l1,
    train_l0: stats.l0,
    dead_fraction: NaN,
    eval_nmse: NaN,
    eval_l0: NaN,
  };
}

/**
 * Evaluates every instance still training on the held-out set and records a
 * history row each (training measures averaged since the previous row).
 */
function evaluate(run: SaeRun, state: SaeRunState, step: number): void {
  const { config, data, configs } = run;
  const { params, divergedAt, frequency } = state;
  const I = configs.length;
  const { dim, latents } = config.model;
  const sq = new Float64Array(I);
  const active = new Float64Array(I);
  for (const f of frequency) f.fill(0);
  for (let start = 0; start < data.evalRows; start += run.evalChunk) {
    const rows = Math.min(run.evalChunk, data.evalRows - start);
    const x = data.evalX.subarray(start * dim, (start + rows) * dim);
    const shared = run.engine ? run.engine.compute(x, rows) : null;
    for (let i = 0; i < I; i++) {
      if (divergedAt[i] >= 0) continue;
      const s = run.evalScratch[i];
      const stats = saeLossGrad(configs[i], params, {
        x,
        rows,
        pre: preActivations(run, params, { i, x, rows, shared }),
        variance: 1,
        grad: null,
        since: null,
        scratch: s,
        offset: i * run.size,
      });
      sq[i] += stats.recon * rows;
      active[i] += stats.l0 * rows;
      for (let e = 0; e < s.start[rows]; e++) frequency[i][s.idx[e]] += 1;
    }
  }
  for (let i = 0; i < I; i++) {
    if (divergedAt[i] >= 0) continue;
    const m = state.sums[i];
    const n = Math.max(1, m.n);
    let dead = 0;
    for (let j = 0; j < latents; j++) if (state.since[i][j] >= config.model.deadAfter) dead++;
    for (let j = 0; j < latents; j++) frequency[i][j] /= data.evalRows;
    state.history.push({
      step,
      instance: i,
      label: config.variants[i].label,
      seed: config.variants[i].seed,
      loss: m.loss / n,
      recon: m.recon / n,
      aux: m.aux / n,
      l1: m.l1 / n,
      train_l0: m.l0 / n,
      dead_fraction: dead / latents,
      eval_nmse: sq[i] / data.evalDeviation,
      eval_l0: active[i] / data.evalRows,
      ...(run.metrics?.(params, i * run.size, configs[i]) ?? {}),
    });
    state.sums[i] = emptySums();
  }
}

/** Steps `from + 1` … `to`, each timed, with the evaluations that fall among them. */
function advance(run: SaeRun, state: SaeRunState, span: { from: number; to: number }): void {
  if (run.attached !== state) attach(run, state);
  const { evalEvery, steps } = run.config;
  let t0 = 0;
  for (let step = span.from + 1; step <= span.to; step++) {
    t0 = performance.now();
    trainStep(run, state, step);
    state.trainMs += performance.now() - t0;
    if (step % evalEvery === 0 || step === steps) {
      t0 = performance.now();
      evaluate(run, state, step);
      state.evalMs += performance.now() - t0;
    }
    if (run.resample) {
      t0 = performance.now();
      resampleChecks(run, state, step);
      state.resampleMs += performance.now() - t0;
    }
  }
}

/** What stamps a run's checkpoint: its config and a fingerprint of its data. */
function checkpointKey(run: SaeRun): unknown {
  const { data, x } = run;
  data.batch(0, run.config.batch, x);
  return {
    // The run state's layout: states saved before resampling existed are refused, not misread.
    state: "sae-2",
    config: run.config,
    data: { name: data.name, variance: data.variance, data: fingerprint(data.mean, data.evalX, x) },
  };
}

/**
 * Trains every variant of `config` on `data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainSae } from "./train.ts";
 * import { saeSuperpositionData } from "./data.ts";
 * import { optimizerDefaults } from "../../core/optim/config.ts";
 * const data = saeSuperpositionData({ dim: 4, features: 6, active: 1, seed: 0 }, { evalRows: 16 });
 * const run = await trainSae({
 *   model: { dim: 4, latents: 6, deadAfter: 100, auxNorm: "residual" },
 *   variants: [
 *     { label: "top-k", activation: "topk", k: 1, auxCoef: 1 / 32, l1: 0, seed: 0 },
 *     { label: "ReLU + L1", activation: "relu", k: 1, auxCoef: 0, l1: 0.1, seed: 0 },
 *   ],
 *   steps: 4,
 *   batch: 8,
 *   optimizer: optimizerDefaults("adam", 1e-2),
 *   evalEvery: 2,
 *   divergeAbove: 1e6,
 *   engine: "js",
 * }, data);
 * // Evaluations at steps 0, 2 and 4 for each instance.
 * assert.deepEqual(run.results.map((r) => r.history.map((h) => h.step)), [[0, 2, 4], [0, 2, 4]]);
 * ```
 */
export async function trainSae(
  config: SaeTrainConfig,
  data: SaeData,
  options: SaeTrainOptions = {},
): Promise<SaeTrainResult> {
  const run = prepareRun(config, data, options);
  const cp = options.checkpoint;
  const { state } = await runLoop<SaeRunState>({
    steps: config.steps,
    progressEvery: options.progressEvery,
    init: () => initialState(run),
    key: cp ? checkpointKey(run) : undefined,
    advance: (s, span) => advance(run, s, span),
    progress: (s, at) =>
      options.onProgress?.({
        step: at.step,
        steps: at.steps,
        loss: s.lastLoss.slice(),
        history: s.history,
        elapsedMs: at.elapsedMs,
        etaMs: at.etaMs,
      }),
  }, { signal: options.signal, checkpoint: cp });

  const results: SaeInstanceResult[] = config.variants.map((v, i) => ({
    label: v.label,
    variant: v,
    config: run.configs[i],
    params: state.params.slice(i * run.size, (i + 1) * run.size),
    since: state.since[i],
    history: state.history.filter((r) => r.instance === i),
    finalLoss: state.divergedAt[i] >= 0 ? NaN : state.lastLoss[i],
    divergedAt: state.divergedAt[i],
    evalFrequency: state.frequency[i],
    resamples: state.events.filter((e) => e.instance === i),
  }));
  return {
    results,
    trainMs: state.trainMs,
    msPerStep: state.trainMs / config.steps,
    evalMs: state.evalMs,
    resampleMs: state.resampleMs,
  };
}
