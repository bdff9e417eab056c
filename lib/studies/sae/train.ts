/**
 * Training sparse autoencoders (see `models/sae.ts`): several variants (top-k
 * with or without AuxK, ReLU with an L1 penalty at several weights, …) train
 * as instances of one run on the same stream of batches, with Adam following
 * PyTorch's rule (`optim/`), the decoder kept at unit column norm, dead-latent
 * counters, periodic evaluation on a held-out set, and divergence handling.
 *
 * One step, for every instance: pre-activations (one tfjs matmul for all
 * instances with the `hybrid` engine, plain loops with `js`), the fused
 * sparse kernel for loss and gradient, the decoder gradient's projection,
 * the Adam step, and the decoder's renormalisation. An instance whose batch
 * loss is not finite or exceeds `divergeAbove` is marked diverged (its final
 * loss is NaN) and stops; the others carry on.
 *
 * The data sources here turn the lab's datasets into seeded batch streams:
 * batch `step` is a function of the seed and the step alone, so every
 * instance sees the same examples and a rerun sees them again.
 *
 * With `checkpoint`, the run's state (parameters, Adam's moments, dead-latent
 * counters, history) is saved every `every` steps, at the end and when the
 * signal stops it; `resume` continues from there, bit-identical to a run that
 * was never stopped, because batches depend on the step alone.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import type { Images } from "../../core/data/images.ts";
import { type SuperpositionConfig, superpositionSample, SuperpositionStream } from "./data.ts";
import {
  type AuxNorm,
  initSae,
  normalizeDecoder,
  type PreView,
  projectDecoderGrad,
  type SaeActivation,
  type SaeConfig,
  saeLayout,
  saeLossGrad,
  saePreActivations,
  saeScratch,
  TfPreActivations,
  validateSae,
} from "./model.ts";
import { type OptimizerConfig, validateOptimizer } from "../../core/optim/config.ts";
import { ArrayOptimizer, perInstanceHyper } from "../../core/optim/optimizer.ts";
import { deriveSeed, Rng } from "../../core/random.ts";
import { assertInteger } from "../../core/validate.ts";
import {
  type CheckpointOptions,
  fingerprint,
  loadCheckpoint,
  saveCheckpoint,
  TrainingInterrupted,
} from "../../core/train/checkpoint.ts";

/** A seeded stream of training batches and a held-out evaluation set. */
export interface SaeData {
  /** What the data is, for tables. */
  name: string;
  dim: number;
  /** Writes training batch `step` (`rows` examples, `[rows, dim]`) into `out`. */
  batch(step: number, rows: number, out: Float64Array): void;
  /** V: mean over training examples of ‖x − mean‖² (normalises the loss). */
  variance: number;
  /** Mean of the training examples (b_pre starts here). */
  mean: Float64Array;
  /** `[evalRows, dim]`, never a training example. */
  evalX: Float64Array;
  evalRows: number;
  /** Σ‖x − x̄‖² over the evaluation set (the denominator of its normalised MSE). */
  evalDeviation: number;
}

function meanAndDeviation(x: Float64Array, rows: number, dim: number) {
  const mean = new Float64Array(dim);
  for (let b = 0; b < rows; b++) for (let i = 0; i < dim; i++) mean[i] += x[b * dim + i];
  for (let i = 0; i < dim; i++) mean[i] /= rows;
  let deviation = 0;
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < dim; i++) deviation += (x[b * dim + i] - mean[i]) ** 2;
  }
  return { mean, deviation };
}

/**
 * Superposition data (see `data/superposition.ts`) as an SAE stream. The
 * variance and mean come from `statsRows` examples of their own seed.
 */
export function saeSuperpositionData(
  config: SuperpositionConfig,
  options: { evalRows: number; statsRows?: number },
): SaeData & { directions: Float64Array; features: number } {
  const stream = new SuperpositionStream(config);
  const statsRows = options.statsRows ?? 8192;
  // The same directions, examples from a seed of their own.
  const rng = new Rng(deriveSeed(config.seed, "superposition-stats"));
  const sample = superpositionSample(config, stream.directions, rng, statsRows).x;
  const { mean, deviation } = meanAndDeviation(sample, statsRows, config.dim);
  const ev = stream.evalSet(options.evalRows);
  return {
    name: `superposition (d=${config.dim}, ${config.features} directions, ${config.active} active)`,
    dim: config.dim,
    batch: (step, rows, out) => void stream.batch(step, rows, out),
    variance: deviation / statsRows,
    mean,
    evalX: ev.x,
    evalRows: options.evalRows,
    evalDeviation: meanAndDeviation(ev.x, options.evalRows, config.dim).deviation,
    directions: stream.directions,
    features: config.features,
  };
}

/**
 * Images as an SAE stream: the first `trainRows` images train (reshuffled
 * every epoch with a seeded permutation), the next `evalRows` are held out.
 */
export function saeImageData(
  images: Images,
  options: { trainRows: number; evalRows: number; seed: number },
): SaeData {
  const dim = images.width * images.height;
  const { trainRows, evalRows, seed } = options;
  if (!Number.isInteger(trainRows) || trainRows < 1 || trainRows + evalRows > images.count) {
    throw new RangeError(
      `trainRows + evalRows must be <= ${images.count} images, got ${trainRows} + ${evalRows}`,
    );
  }
  const train = Float64Array.from(images.pixels.subarray(0, trainRows * dim));
  const evalX = Float64Array.from(
    images.pixels.subarray(trainRows * dim, (trainRows + evalRows) * dim),
  );
  const { mean, deviation } = meanAndDeviation(train, trainRows, dim);
  const perms = new Map<number, Int32Array>();
  const permutation = (epoch: number): Int32Array => {
    let p = perms.get(epoch);
    if (!p) {
      p = Int32Array.from({ length: trainRows }, (_, k) => k);
      const rng = new Rng(deriveSeed(seed, "image-epoch", epoch));
      for (let k = trainRows - 1; k > 0; k--) {
        const j = Math.floor(rng.uniform() * (k + 1));
        const t = p[k];
        p[k] = p[j];
        p[j] = t;
      }
      if (perms.size > 2) perms.delete(Math.min(...perms.keys()));
      perms.set(epoch, p);
    }
    return p;
  };
  return {
    name: `${images.source} (${trainRows} training images, ${evalRows} held out)`,
    dim,
    batch(step, rows, out) {
      for (let r = 0; r < rows; r++) {
        const q = step * rows + r;
        const src = permutation(Math.floor(q / trainRows))[q % trainRows];
        out.set(train.subarray(src * dim, (src + 1) * dim), r * dim);
      }
    },
    variance: deviation / trainRows,
    mean,
    evalX,
    evalRows,
    evalDeviation: meanAndDeviation(evalX, evalRows, dim).deviation,
  };
}

/** One instance of a run. */
export interface SaeVariant {
  /** Name of the model (several instances may share it, e.g. one per seed). */
  label: string;
  activation: SaeActivation;
  k: number;
  auxCoef: number;
  l1: number;
  /** Seed of the initialisation. */
  seed: number;
}

/** How pre-activations are computed: one tfjs matmul for all instances, or plain loops. */
export const SAE_ENGINES = ["hybrid", "js"] as const;
/** One of {@link SAE_ENGINES}. */
export type SaeEngine = typeof SAE_ENGINES[number];

/** A training run. */
export interface SaeTrainConfig {
  model: { dim: number; latents: number; deadAfter: number; auxNorm: AuxNorm };
  variants: SaeVariant[];
  steps: number;
  /** Examples per batch. */
  batch: number;
  optimizer: OptimizerConfig;
  /** Evaluate (and record a history row) every this many steps and at the end. */
  evalEvery: number;
  /** A batch loss above this (or not finite) marks an instance diverged. */
  divergeAbove: number;
  engine: SaeEngine;
}

/** One history row (an evaluation point of one instance). */
export interface SaeHistoryRow {
  step: number;
  /** Index of the instance in the run. */
  instance: number;
  label: string;
  /** The instance's initialisation seed. */
  seed: number;
  /** Training losses, averaged over the steps since the previous row. */
  loss: number;
  recon: number;
  aux: number;
  l1: number;
  train_l0: number;
  /** Share of latents dead (counters at this step). */
  dead_fraction: number;
  /** Held-out normalised MSE and L0. */
  eval_nmse: number;
  eval_l0: number;
  /** Extra measures from `options.metrics` (e.g. recovery of true directions). */
  [metric: string]: number | string;
}

/** What one instance ends with. */
export interface SaeInstanceResult {
  label: string;
  variant: SaeVariant;
  config: SaeConfig;
  params: Float64Array;
  /** Examples since each latent last fired. */
  since: Float64Array;
  history: SaeHistoryRow[];
  /** Last batch loss (NaN when diverged). */
  finalLoss: number;
  /** Step at which the instance diverged, or −1. */
  divergedAt: number;
  /** Share of held-out examples on which each latent fires (last evaluation). */
  evalFrequency: Float64Array;
}

/** What a run returns. */
export interface SaeTrainResult {
  results: SaeInstanceResult[];
  /** Wall time of the training steps alone (all instances), and per step. */
  trainMs: number;
  msPerStep: number;
  /** Wall time of the evaluations. */
  evalMs: number;
}

/** Progress of a run. */
export interface SaeTrainProgress {
  step: number;
  steps: number;
  /** Latest batch loss of every instance. */
  loss: Float64Array;
  /** Every history row so far. */
  history: SaeHistoryRow[];
}

/** Options of {@link trainSae}. */
export interface SaeTrainOptions {
  /** tfjs, needed by the `hybrid` engine. */
  tf?: typeof tfNs;
  /** Extra measures of an instance at each evaluation (decoder rows at `layout.decoder + offset`). */
  metrics?: (params: Float64Array, offset: number, config: SaeConfig) => Record<string, number>;
  onProgress?: (p: SaeTrainProgress) => void | Promise<void>;
  /** Steps between progress reports (default: about 100 per run). */
  progressEvery?: number;
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

/** What a checkpoint of {@link trainSae} holds. */
interface SaeState {
  step: number;
  params: Float64Array;
  optimizerState: Float64Array[];
  optimizerSteps: Uint32Array;
  since: Float64Array[];
  sums: LossSums[];
  history: SaeHistoryRow[];
  lastLoss: Float64Array;
  divergedAt: Int32Array;
  frequency: Float64Array[];
  trainMs: number;
  evalMs: number;
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
  for (const v of c.variants) validateSae(variantConfig(c, v));
}

/** The model config of one variant. */
export function variantConfig(c: SaeTrainConfig, v: SaeVariant): SaeConfig {
  return { ...c.model, activation: v.activation, k: v.k, auxCoef: v.auxCoef, l1: v.l1 };
}

const EVAL_CHUNK = 1024;

/** Trains every variant of `config` on `data`. */
export async function trainSae(
  config: SaeTrainConfig,
  data: SaeData,
  options: SaeTrainOptions = {},
): Promise<SaeTrainResult> {
  validateSaeTrain(config);
  if (data.dim !== config.model.dim) {
    throw new RangeError(`the data has dim ${data.dim}, the model ${config.model.dim}`);
  }
  const { steps, batch: B, variants } = config;
  const I = variants.length;
  const { dim, latents } = config.model;
  const configs = variants.map((v) => variantConfig(config, v));
  const L = saeLayout(config.model);
  const size = L.size;
  const params = new Float64Array(I * size);
  variants.forEach((v, i) =>
    params.set(initSae(configs[i], { seed: v.seed, preBias: data.mean }), i * size)
  );
  const grad = new Float64Array(I * size);
  const optimizer = new ArrayOptimizer(
    config.optimizer,
    size,
    perInstanceHyper(config.optimizer, I),
  );
  const since = variants.map(() => new Float64Array(latents));
  const scratch = configs.map((c) => saeScratch(c, B));
  const evalRows = Math.min(EVAL_CHUNK, data.evalRows);
  const evalScratch = configs.map((c) => saeScratch(c, evalRows));

  let engine: TfPreActivations | null = null;
  if (config.engine === "hybrid") {
    if (!options.tf) throw new RangeError("the hybrid engine needs options.tf");
    engine = new TfPreActivations(options.tf, config.model, I);
    for (let i = 0; i < I; i++) engine.load(i, params, i * size);
  }
  const jsPre = engine ? null : new Float64Array(Math.max(B, evalRows) * latents);
  const preOf = (
    i: number,
    x: Float64Array,
    rows: number,
    shared: Float32Array | null,
  ): PreView => {
    if (engine) return engine.view(i, shared!);
    saePreActivations(config.model, params.subarray(i * size, (i + 1) * size), {
      x,
      rows,
      out: jsPre!,
    });
    return { data: jsPre!, offset: 0, stride: latents };
  };

  const history: SaeHistoryRow[] = [];
  const lastLoss = new Float64Array(I);
  const divergedAt = new Int32Array(I).fill(-1);
  let sums = variants.map(emptySums);
  const frequency = variants.map(() => new Float64Array(latents));

  const evaluate = (step: number) => {
    const sq = new Float64Array(I);
    const active = new Float64Array(I);
    for (const f of frequency) f.fill(0);
    for (let start = 0; start < data.evalRows; start += evalRows) {
      const rows = Math.min(evalRows, data.evalRows - start);
      const x = data.evalX.subarray(start * dim, (start + rows) * dim);
      const shared = engine ? engine.compute(x, rows) : null;
      for (let i = 0; i < I; i++) {
        if (divergedAt[i] >= 0) continue;
        const s = evalScratch[i];
        const stats = saeLossGrad(configs[i], params, {
          x,
          rows,
          pre: preOf(i, x, rows, shared),
          variance: 1,
          grad: null,
          since: null,
          scratch: s,
          offset: i * size,
        });
        sq[i] += stats.recon * rows;
        active[i] += stats.l0 * rows;
        for (let e = 0; e < s.start[rows]; e++) frequency[i][s.idx[e]] += 1;
      }
    }
    for (let i = 0; i < I; i++) {
      if (divergedAt[i] >= 0) continue;
      const m = sums[i];
      const n = Math.max(1, m.n);
      let dead = 0;
      for (let j = 0; j < latents; j++) if (since[i][j] >= config.model.deadAfter) dead++;
      for (let j = 0; j < latents; j++) frequency[i][j] /= data.evalRows;
      history.push({
        step,
        instance: i,
        label: variants[i].label,
        seed: variants[i].seed,
        loss: m.loss / n,
        recon: m.recon / n,
        aux: m.aux / n,
        l1: m.l1 / n,
        train_l0: m.l0 / n,
        dead_fraction: dead / latents,
        eval_nmse: sq[i] / data.evalDeviation,
        eval_l0: active[i] / data.evalRows,
        ...(options.metrics?.(params, i * size, configs[i]) ?? {}),
      });
      sums[i] = emptySums();
    }
  };

  const progressEvery = options.progressEvery ?? Math.max(1, Math.round(steps / 100));
  const x = new Float64Array(B * dim);
  let trainMs = 0;
  let evalMs = 0;
  let first = 1;

  const cp = options.checkpoint;
  const key = () => {
    data.batch(0, B, x);
    return {
      config,
      data: {
        name: data.name,
        variance: data.variance,
        data: fingerprint(data.mean, data.evalX, x),
      },
    };
  };
  const runKey = cp ? key() : null;
  const save = async (step: number) => {
    if (!cp) return;
    const state: SaeState = {
      step,
      params,
      optimizerState: optimizer.state,
      optimizerSteps: optimizer.steps,
      since,
      sums,
      history,
      lastLoss,
      divergedAt,
      frequency,
      trainMs,
      evalMs,
    };
    await saveCheckpoint(cp.dir, cp.name, { key: runKey, state });
  };
  const saved = cp?.resume ? await loadCheckpoint<SaeState>(cp.dir, cp.name, runKey) : null;
  if (saved) {
    first = saved.step + 1;
    params.set(saved.params);
    saved.optimizerState.forEach((a, k) => optimizer.state[k].set(a));
    optimizer.steps.set(saved.optimizerSteps);
    saved.since.forEach((a, i) => since[i].set(a));
    sums = saved.sums;
    history.push(...saved.history);
    lastLoss.set(saved.lastLoss);
    divergedAt.set(saved.divergedAt);
    saved.frequency.forEach((a, i) => frequency[i].set(a));
    trainMs = saved.trainMs;
    evalMs = saved.evalMs;
    for (let i = 0; i < I; i++) engine?.load(i, params, i * size);
  } else {
    const t0 = performance.now();
    evaluate(0);
    evalMs += performance.now() - t0;
  }
  let t0 = 0;
  for (let step = first; step <= steps; step++) {
    if (options.signal?.aborted) {
      if (cp) {
        await save(step - 1);
        throw new TrainingInterrupted(`step ${step - 1} of ${cp.name}`, cp.dir);
      }
      throw options.signal.reason ?? new Error("aborted");
    }
    t0 = performance.now();
    data.batch(step - 1, B, x);
    const shared = engine ? engine.compute(x, B) : null;
    for (let i = 0; i < I; i++) {
      if (divergedAt[i] >= 0) continue;
      const off = i * size;
      const c = configs[i];
      const stats = saeLossGrad(c, params, {
        x,
        rows: B,
        pre: preOf(i, x, B, shared),
        variance: data.variance,
        grad,
        since: since[i],
        scratch: scratch[i],
        offset: off,
      });
      lastLoss[i] = stats.loss;
      if (!(stats.loss <= config.divergeAbove)) {
        divergedAt[i] = step;
        history.push({
          step,
          instance: i,
          label: variants[i].label,
          seed: variants[i].seed,
          loss: stats.loss,
          recon: stats.recon,
          aux: stats.aux,
          l1: stats.l1,
          train_l0: stats.l0,
          dead_fraction: NaN,
          eval_nmse: NaN,
          eval_l0: NaN,
        });
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
      optimizer.stepInstance(params, grad, i);
      normalizeDecoder(c, params, off);
      engine?.load(i, params, off);
    }
    trainMs += performance.now() - t0;
    if (step % config.evalEvery === 0 || step === steps) {
      t0 = performance.now();
      evaluate(step);
      evalMs += performance.now() - t0;
    }
    if (cp && (step % cp.every === 0 || step === steps)) await save(step);
    if (step % progressEvery === 0 || step === steps) {
      await options.onProgress?.({ step, steps, loss: lastLoss.slice(), history });
      // Let signal handlers (Ctrl-C) run.
      await new Promise((r) => setTimeout(r, 0));
    }
  }

  const results: SaeInstanceResult[] = variants.map((v, i) => ({
    label: v.label,
    variant: v,
    config: configs[i],
    params: params.slice(i * size, (i + 1) * size),
    since: since[i],
    history: history.filter((r) => r.instance === i),
    finalLoss: divergedAt[i] >= 0 ? NaN : lastLoss[i],
    divergedAt: divergedAt[i],
    evalFrequency: frequency[i],
  }));
  return { results, trainMs, msPerStep: trainMs / steps, evalMs };
}
