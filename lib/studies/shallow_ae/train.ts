/**
 * Online SGD for many shallow autoencoders at once (models/shallow_ae.ts).
 *
 * A run is a grid of settings × seeds. Seed index s fixes the data stream
 * (one fresh sample per step) and the initial encoder, so every setting with
 * the same s sees the same samples from the same start: differences between
 * settings are the architectures', not the luck of the draw. Each step draws
 * one sample per seed and steps every instance on it.
 *
 * Recorded at up to `records` points spaced evenly in log(step): the
 * training error, as a moving average of the per-sample error over about
 * `smoothing` steps (every sample is fresh, so this estimates the population
 * error; bias-corrected like Adam's moments so the first steps are averages of
 * what was seen, not of zeros), each unit's overlap with each
 * principal direction (cosine between wₖ and uᵣ), how much of each principal
 * direction lies in the span of the encoder rows, and the norms ‖wₖ‖/√D and
 * ‖vₖ‖ (alignment, then rescaling). A run whose error stops being finite is
 * marked diverged at that step and left alone.
 *
 * With `checkpoint`, the whole state (parameters, records so far, the moving
 * averages and the data streams' generators) is saved every `every` steps,
 * at the end, and when the signal stops the run; `resume` continues from it
 * and ends bit-identical to an uninterrupted run.
 *
 * @module
 */
import type { SampleSource } from "./data.ts";
import {
  initShallowAe,
  type ShallowAeParams,
  shallowAeScratch,
  type ShallowAeSetting,
  shallowAeStep,
} from "./model.ts";
import { deriveSeed, Rng, type RngState } from "../../core/random.ts";
import {
  type CheckpointOptions,
  fingerprint,
  loadCheckpoint,
  saveCheckpoint,
  TrainingInterrupted,
} from "../../core/train/checkpoint.ts";

/** What to train. */
export interface ShallowAeTrainConfig {
  settings: ShallowAeSetting[];
  /** Seed indices per setting (0 … seeds − 1). */
  seeds: number;
  /** Base seed of data streams and initialisations. */
  seed: number;
  units: number;
  steps: number;
  /** Decoder rate η; the encoder moves with η/D. */
  lr: number;
  /** Standard deviation of the initial encoder entries. */
  initScale: number;
  /** Timeline points (the last is at `steps`). */
  records: number;
  /** Steps the recorded error averages over (time constant of the moving average). */
  smoothing: number;
}

/** One trained autoencoder. */
export interface ShallowAeInstance {
  setting: ShallowAeSetting;
  seedIndex: number;
  params: ShallowAeParams;
  /** Step at which the error stopped being finite (null: never). */
  divergedAt: number | null;
  /** Smoothed training error at each record (NaN after divergence). */
  error: Float64Array;
  /** Overlaps `[records, K, R]`: cos(wₖ, uᵣ) for the source's R components. */
  overlap: Float64Array;
  /**
   * Share of each principal direction inside the span of the encoder rows,
   * ‖P_W uᵣ‖² per record, `[records, R]` (1: the encoder sees that component
   * fully, whichever units carry it).
   */
  captured: Float64Array;
  /** ‖wₖ‖/√D per record, `[records, K]`. */
  encoderNorm: Float64Array;
  /** ‖vₖ‖ per record, `[records, K]`. */
  decoderNorm: Float64Array;
}

/** Progress of a run. */
export interface ShallowAeProgress {
  step: number;
  steps: number;
  /** Latest smoothed error per instance. */
  error: Float64Array;
}

/** Everything a run produced. */
export interface ShallowAeTrainResult {
  config: ShallowAeTrainConfig;
  /** Steps at which each record was taken. */
  recordSteps: number[];
  instances: ShallowAeInstance[];
  elapsedMs: number;
}

/**
 * The record steps: up to `records` points spread evenly in log(step) over
 * [1, steps] (the dynamics' phases span decades), always ending at `steps`.
 */
export function recordSteps(steps: number, records: number): number[] {
  const n = Math.max(1, Math.min(records, steps));
  const out: number[] = [];
  for (let r = 1; r <= n; r++) {
    const t = Math.round(Math.pow(steps, r / n));
    if (t > (out[out.length - 1] ?? 0)) out.push(t);
  }
  if (out[out.length - 1] !== steps) out.push(steps);
  return out;
}

/** Orthonormal rows spanning the rows of `w` `[K, D]` (Gram–Schmidt twice; dependent rows dropped). */
function orthonormalRows(w: Float64Array, K: number, D: number): Float64Array[] {
  const basis: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const row = w.slice(k * D, (k + 1) * D);
    let before = 0;
    for (let i = 0; i < D; i++) before += row[i] * row[i];
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let dot = 0;
        for (let i = 0; i < D; i++) dot += row[i] * q[i];
        for (let i = 0; i < D; i++) row[i] -= dot * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < D; i++) norm += row[i] * row[i];
    if (!(norm > 1e-20 * before) || !Number.isFinite(norm)) continue;
    norm = Math.sqrt(norm);
    for (let i = 0; i < D; i++) row[i] /= norm;
    basis.push(row);
  }
  return basis;
}

function record(inst: ShallowAeInstance, r: number, source: SampleSource, windowError: number) {
  const { dim: D, units: K, w, v } = inst.params;
  const R = source.componentCount;
  inst.error[r] = windowError;
  const basis = orthonormalRows(w, K, D);
  for (let q = 0; q < R; q++) {
    let share = 0;
    for (const b of basis) {
      let dot = 0;
      for (let i = 0; i < D; i++) dot += b[i] * source.components[q * D + i];
      share += dot * dot;
    }
    inst.captured[r * R + q] = share;
  }
  for (let k = 0; k < K; k++) {
    let ww = 0;
    let vv = 0;
    for (let i = 0; i < D; i++) {
      ww += w[k * D + i] ** 2;
      vv += v[k * D + i] ** 2;
    }
    inst.encoderNorm[r * K + k] = Math.sqrt(ww / D);
    inst.decoderNorm[r * K + k] = Math.sqrt(vv);
    const norm = Math.sqrt(ww);
    for (let q = 0; q < R; q++) {
      let dot = 0;
      for (let i = 0; i < D; i++) dot += w[k * D + i] * source.components[q * D + i];
      inst.overlap[(r * K + k) * R + q] = norm > 0 ? dot / norm : 0;
    }
  }
}

/** What a checkpoint of {@link trainShallowAe} holds. */
interface ShallowAeState {
  step: number;
  nextMark: number;
  betaPower: number;
  ema: Float64Array;
  latest: Float64Array;
  elapsedMs: number;
  streams: RngState[];
  instances: (
    & Pick<
      ShallowAeInstance,
      "divergedAt" | "error" | "overlap" | "captured" | "encoderNorm" | "decoderNorm"
    >
    & Pick<ShallowAeParams, "w" | "b" | "c">
    & { v: Float64Array | null /* null when tied (v is w) */ }
  )[];
}

/** Options of {@link trainShallowAe}. */
export interface ShallowAeTrainOptions {
  onProgress?: (p: ShallowAeProgress) => void | Promise<void>;
  signal?: AbortSignal;
  /** Checkpoint `name` in `dir` (several runs of one experiment share a folder). */
  checkpoint?: CheckpointOptions & { name: string };
}

/**
 * Trains every setting × seed on `source`. Awaits `onProgress` about a
 * hundred times; `signal` stops the run (the promise rejects, with a
 * {@link TrainingInterrupted} after saving when it checkpoints).
 */
export async function trainShallowAe(
  source: SampleSource,
  config: ShallowAeTrainConfig,
  options: ShallowAeTrainOptions = {},
): Promise<ShallowAeTrainResult> {
  const start = performance.now();
  const { settings, seeds, units: K, steps, lr } = config;
  const D = source.dim;
  const R = source.componentCount;
  const marks = recordSteps(steps, config.records);
  const instances: ShallowAeInstance[] = [];
  for (const setting of settings) {
    for (let s = 0; s < seeds; s++) {
      const rng = new Rng(deriveSeed(config.seed, "init", s));
      instances.push({
        setting,
        seedIndex: s,
        params: initShallowAe(setting, D, K, rng, config.initScale),
        divergedAt: null,
        error: new Float64Array(marks.length).fill(NaN),
        overlap: new Float64Array(marks.length * K * R),
        captured: new Float64Array(marks.length * R),
        encoderNorm: new Float64Array(marks.length * K),
        decoderNorm: new Float64Array(marks.length * K),
      });
    }
  }
  let streams = Array.from(
    { length: seeds },
    (_, s) => new Rng(deriveSeed(config.seed, "data", s)),
  );
  const samples = Array.from({ length: seeds }, () => new Float64Array(D));
  const scratch = shallowAeScratch(D, K);
  let ema: Float64Array = new Float64Array(instances.length);
  const beta = 1 - 1 / Math.max(1, config.smoothing);
  let betaPower = 1;
  let latest: Float64Array = new Float64Array(instances.length).fill(NaN);
  const progressEvery = Math.max(1, Math.floor(steps / 100));
  let nextMark = 0;
  let first = 1;
  let elapsedBefore = 0;

  const cp = options.checkpoint;
  const key = {
    config,
    source: {
      description: source.description,
      dim: D,
      data: fingerprint(source.components, source.variances),
    },
  };
  const save = async (step: number) => {
    if (!cp) return;
    const state: ShallowAeState = {
      step,
      nextMark,
      betaPower,
      ema,
      latest,
      elapsedMs: elapsedBefore + performance.now() - start,
      streams: streams.map((g) => g.state()),
      instances: instances.map((inst) => ({
        w: inst.params.w,
        v: inst.params.v === inst.params.w ? null : inst.params.v,
        b: inst.params.b,
        c: inst.params.c,
        divergedAt: inst.divergedAt,
        error: inst.error,
        overlap: inst.overlap,
        captured: inst.captured,
        encoderNorm: inst.encoderNorm,
        decoderNorm: inst.decoderNorm,
      })),
    };
    await saveCheckpoint(cp.dir, cp.name, { key, state });
  };
  if (cp?.resume) {
    const saved = await loadCheckpoint<ShallowAeState>(cp.dir, cp.name, key);
    if (saved) {
      first = saved.step + 1;
      nextMark = saved.nextMark;
      betaPower = saved.betaPower;
      ema = saved.ema;
      latest = saved.latest;
      elapsedBefore = saved.elapsedMs;
      streams = saved.streams.map((g) => Rng.fromState(g));
      saved.instances.forEach((s, i) => {
        const inst = instances[i];
        inst.params = { ...inst.params, w: s.w, v: s.v ?? s.w, b: s.b, c: s.c };
        Object.assign(inst, {
          divergedAt: s.divergedAt,
          error: s.error,
          overlap: s.overlap,
          captured: s.captured,
          encoderNorm: s.encoderNorm,
          decoderNorm: s.decoderNorm,
        });
      });
    }
  }

  for (let t = first; t <= steps; t++) {
    for (let s = 0; s < seeds; s++) source.sample(streams[s], samples[s]);
    betaPower *= beta;
    for (let i = 0; i < instances.length; i++) {
      const inst = instances[i];
      if (inst.divergedAt !== null) continue;
      const e = shallowAeStep(inst.params, samples[inst.seedIndex], lr, scratch);
      if (!Number.isFinite(e) || e > 1e12) {
        inst.divergedAt = t;
        continue;
      }
      ema[i] = beta * ema[i] + (1 - beta) * e;
    }
    if (t === marks[nextMark]) {
      for (let i = 0; i < instances.length; i++) {
        const inst = instances[i];
        const value = inst.divergedAt === null ? ema[i] / (1 - betaPower) : NaN;
        record(inst, nextMark, source, value);
        latest[i] = value;
      }
      nextMark++;
    }
    if (cp && (t % cp.every === 0 || t === steps)) await save(t);
    if (t % progressEvery === 0 || t === steps) {
      if (options.signal?.aborted) {
        if (cp) {
          await save(t);
          throw new TrainingInterrupted(`step ${t} of ${cp.name}`, cp.dir);
        }
        const reason = options.signal.reason;
        throw reason instanceof Error ? reason : new Error("training was aborted");
      }
      await options.onProgress?.({ step: t, steps, error: latest.slice() });
    }
  }
  return {
    config,
    recordSteps: marks,
    instances,
    elapsedMs: elapsedBefore + performance.now() - start,
  };
}
