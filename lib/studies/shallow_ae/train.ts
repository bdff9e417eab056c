/**
 * Online SGD for many shallow autoencoders at once (model.ts, stepped by kernel.ts).
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
 * ‖vₖ‖ (alignment, then rescaling). An instance whose per-sample error is
 * not finite or exceeds `divergeAbove` is marked diverged at that step and
 * left alone while the others carry on.
 *
 * The lab's one loop (`core/train/loop.ts`) drives the steps: this file
 * gives it the run state — one plain object with the parameters, records so
 * far, moving averages and the data streams' generator states — and the SGD
 * step over a span. The loop reports progress, stops on the signal, and with
 * `checkpoint` saves that object every `every` steps, at the end and when
 * stopped; `resume` continues from it and ends bit-identical to an
 * uninterrupted run.
 *
 * @module
 */
import type { SampleSource } from "./data.ts";
import { initShallowAe, type ShallowAeParams, type ShallowAeSetting } from "./model.ts";
import { type ShallowAeScratch, shallowAeScratch, shallowAeStep } from "./kernel.ts";
import { deriveSeed, Rng, type RngState } from "../../core/random.ts";
import { type CheckpointOptions, fingerprint } from "../../core/train/checkpoint.ts";
import { isDiverged, runLoop, type Span } from "../../core/train/loop.ts";

/**
 * What to train.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSetting, type ShallowAeTrainConfig } from "../../mod.ts";
 * const config: ShallowAeTrainConfig = {
 *   settings: [parseSetting("erf-untied-none")!],
 *   seeds: 2,
 *   seed: 0,
 *   units: 3,
 *   steps: 1000,
 *   lr: 0.05,
 *   initScale: 1,
 *   records: 20,
 *   smoothing: 100,
 *   divergeAbove: 1e6,
 * };
 * assert.equal(config.settings.length * config.seeds, 2); // instances
 * ```
 */
export interface ShallowAeTrainConfig {
  /** The architectures to train, each with every seed. */
  settings: ShallowAeSetting[];
  /** Seed indices per setting (0 … seeds − 1). */
  seeds: number;
  /** Base seed of data streams and initialisations. */
  seed: number;
  /** Hidden units K. */
  units: number;
  /** SGD steps, one fresh sample each. */
  steps: number;
  /** Decoder rate η; the encoder moves with η/D. */
  lr: number;
  /** Standard deviation of the initial encoder entries. */
  initScale: number;
  /** Timeline points (the last is at `steps`). */
  records: number;
  /** Steps the recorded error averages over (time constant of the moving average). */
  smoothing: number;
  /** An instance whose per-sample error is not finite or exceeds this is marked diverged. */
  divergeAbove: number;
}

/**
 * One trained autoencoder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSetting, spikedGaussian, trainShallowAe, type ShallowAeInstance } from "../../mod.ts";
 * const source = spikedGaussian({ dim: 4, spikes: [5], noise: 1, seed: 0 });
 * const run = await trainShallowAe(source, {
 *   settings: [parseSetting("linear-tied-none")!],
 *   seeds: 1, seed: 0, units: 1, steps: 50, lr: 0.05, initScale: 1, records: 3, smoothing: 10,
 *   divergeAbove: 1e6,
 * });
 * const inst: ShallowAeInstance = run.instances[0];
 * assert.equal(inst.overlap.length, run.recordSteps.length * 1 * 1); // [records, K, R]
 * ```
 */
export interface ShallowAeInstance {
  /** Its architecture. */
  setting: ShallowAeSetting;
  /** Which seed (data stream and initial encoder), 0 … seeds − 1. */
  seedIndex: number;
  /** The parameters at the end of training (or at divergence). */
  params: ShallowAeParams;
  /** Step at which the error diverged (not finite or above `divergeAbove`; null: never). */
  divergedAt: number | null;
  /** Smoothed training error at each record (NaN after divergence). */
  error: Float64Array; // [records]
  /** Overlaps cos(wₖ, uᵣ) with the source's R components. */
  overlap: Float64Array; // [records, K, R]
  /**
   * Share of each principal direction inside the span of the encoder rows,
   * ‖P_W uᵣ‖² per record (1: the encoder sees that component fully,
   * whichever units carry it).
   */
  captured: Float64Array; // [records, R]
  /**
   * The same share inside the span of the decoder columns, ‖P_V uᵣ‖² per
   * record: where the reconstructions live. It equals `captured` for tied
   * weights; for untied ones it is the measure that shows what was learnt
   * when the encoder rows keep their random start in directions the data
   * never moves (MNIST's constant border pixels get no gradient).
   */
  decoderCaptured: Float64Array; // [records, R]
  /** ‖wₖ‖/√D per record. */
  encoderNorm: Float64Array; // [records, K]
  /** ‖vₖ‖ per record. */
  decoderNorm: Float64Array; // [records, K]
}

/**
 * Progress of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ShallowAeProgress } from "../../mod.ts";
 * const p: ShallowAeProgress = {
 *   step: 50,
 *   steps: 100,
 *   error: new Float64Array([0.9, 1.1]),
 *   elapsedMs: 2000,
 *   etaMs: 2000,
 * };
 * assert.equal(p.step / p.steps, 0.5);
 * ```
 */
export interface ShallowAeProgress {
  /** Steps done. */
  step: number;
  /** Steps in the run. */
  steps: number;
  /** Latest smoothed error per instance (NaN before the first record or after divergence). */
  error: Float64Array; // [instances]
  /** Wall time of the run so far, including time before a resume. */
  elapsedMs: number;
  /** Estimated time left (the loop's, from the pace since this process started). */
  etaMs: number;
}

/**
 * Everything a run produced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSetting, spikedGaussian, trainShallowAe, type ShallowAeTrainResult } from "../../mod.ts";
 * const source = spikedGaussian({ dim: 4, spikes: [5], noise: 1, seed: 0 });
 * const run: ShallowAeTrainResult = await trainShallowAe(source, {
 *   settings: [parseSetting("relu-untied-both")!],
 *   seeds: 2, seed: 0, units: 2, steps: 40, lr: 0.05, initScale: 1, records: 4, smoothing: 10,
 *   divergeAbove: 1e6,
 * });
 * assert.equal(run.instances.length, 2); // one setting × two seeds
 * assert.equal(run.recordSteps.at(-1), 40);
 * ```
 */
export interface ShallowAeTrainResult {
  /** What was trained. */
  config: ShallowAeTrainConfig;
  /** Steps at which each record was taken. */
  recordSteps: number[];
  /** Every setting × seed, settings outermost. */
  instances: ShallowAeInstance[];
  /** Wall-clock training time (including any run before a resume). */
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

/** Fills record `r` of `inst` from its current parameters. */
function record(
  inst: InstanceState,
  at: { r: number; source: SampleSource; units: number; windowError: number },
) {
  const { r, source, units: K, windowError } = at;
  const D = source.dim;
  const R = source.componentCount;
  const w = inst.w;
  const v = inst.v ?? w;
  inst.error[r] = windowError;
  const spanShares = (rows: Float64Array, out: Float64Array) => {
    const basis = orthonormalRows(rows, K, D);
    for (let q = 0; q < R; q++) {
      let share = 0;
      for (const b of basis) {
        let dot = 0;
        for (let i = 0; i < D; i++) dot += b[i] * source.components[q * D + i];
        share += dot * dot;
      }
      out[r * R + q] = share;
    }
  };
  spanShares(w, inst.captured);
  if (inst.v === null) {
    inst.decoderCaptured.set(inst.captured.subarray(r * R, (r + 1) * R), r * R);
  } else spanShares(inst.v, inst.decoderCaptured);
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

/**
 * One instance's part of the run state: its parameters (`v` null when tied,
 * so a restored run keeps one array for both roles) and its records so far.
 */
interface InstanceState extends
  Pick<
    ShallowAeInstance,
    | "divergedAt"
    | "error"
    | "overlap"
    | "captured"
    | "decoderCaptured"
    | "encoderNorm"
    | "decoderNorm"
  >,
  Pick<ShallowAeParams, "w" | "b" | "c"> {
  /** Decoder columns vₖ, or null when tied (v is w). */
  v: Float64Array | null; // [K, D]
}

/** Everything that changes during a run of {@link trainShallowAe}; the loop saves and restores it whole. */
interface RunState {
  /** Index in the record steps of the next record. */
  nextMark: number;
  /** β^t, for the moving averages' bias correction. */
  betaPower: number;
  /** Moving average of each instance's per-sample error (not bias-corrected). */
  ema: Float64Array; // [instances]
  /** Each instance's error at its latest record (NaN before the first and after divergence). */
  latest: Float64Array; // [instances]
  /** The data stream of each seed index. */
  streams: RngState[]; // [seeds]
  /** Settings outermost, then seeds. */
  instances: InstanceState[];
}

/** The fresh state: every setting × seed initialised, no records, streams at their start. */
function initialState(source: SampleSource, config: ShallowAeTrainConfig): RunState {
  const { seeds, units: K } = config;
  const D = source.dim;
  const R = source.componentCount;
  const records = recordSteps(config.steps, config.records).length;
  const instances: InstanceState[] = [];
  for (const setting of config.settings) {
    for (let s = 0; s < seeds; s++) {
      const rng = new Rng(deriveSeed(config.seed, "init", s));
      const { w, v, b, c } = initShallowAe(setting, D, K, rng, config.initScale);
      instances.push({
        w,
        v: v === w ? null : v,
        b,
        c,
        divergedAt: null,
        error: new Float64Array(records).fill(NaN),
        overlap: new Float64Array(records * K * R),
        captured: new Float64Array(records * R),
        decoderCaptured: new Float64Array(records * R),
        encoderNorm: new Float64Array(records * K),
        decoderNorm: new Float64Array(records * K),
      });
    }
  }
  return {
    nextMark: 0,
    betaPower: 1,
    ema: new Float64Array(instances.length),
    latest: new Float64Array(instances.length).fill(NaN),
    streams: Array.from(
      { length: seeds },
      (_, s) => new Rng(deriveSeed(config.seed, "data", s)).state(),
    ),
    instances,
  };
}

/** The parameters of instance `i` of `state`, as views of the state's arrays (the step moves them in place). */
function paramsOf(
  state: RunState,
  i: number,
  model: { config: ShallowAeTrainConfig; dim: number },
): ShallowAeParams {
  const { config, dim } = model;
  const { w, v, b, c } = state.instances[i];
  const setting = config.settings[Math.floor(i / config.seeds)];
  return { setting, dim, units: config.units, w, v: v ?? w, b, c };
}

/** What {@link sgdSpan} works with besides the state: fixed for the run, or scratch it overwrites. */
interface SpanContext {
  source: SampleSource;
  config: ShallowAeTrainConfig;
  /** The record steps. */
  marks: number[];
  /** This step's sample of each seed's stream. */
  samples: Float64Array[]; // [seeds][D]
  scratch: ShallowAeScratch;
  /** Decay of the moving average, 1 − 1/smoothing. */
  beta: number;
}

/**
 * Steps `span.from + 1` … `span.to`: each step draws one sample per seed and
 * moves every live instance on its seed's sample, then records at the record
 * steps.
 */
function sgdSpan(state: RunState, span: Span, run: SpanContext): void {
  const { source, config, marks, samples, scratch, beta } = run;
  const { seeds, lr } = config;
  const n = state.instances.length;
  const model = { config, dim: source.dim };
  const params = Array.from({ length: n }, (_, i) => paramsOf(state, i, model));
  const streams = state.streams.map((g) => Rng.fromState(g));
  const { ema, latest } = state;
  let betaPower = state.betaPower;
  for (let t = span.from + 1; t <= span.to; t++) {
    for (let s = 0; s < seeds; s++) source.sample(streams[s], samples[s]);
    betaPower *= beta;
    for (let i = 0; i < n; i++) {
      const inst = state.instances[i];
      if (inst.divergedAt !== null) continue;
      const e = shallowAeStep(params[i], samples[i % seeds], lr, scratch);
      if (isDiverged(e, config.divergeAbove)) {
        inst.divergedAt = t;
        continue;
      }
      ema[i] = beta * ema[i] + (1 - beta) * e;
    }
    if (t === marks[state.nextMark]) {
      for (let i = 0; i < n; i++) {
        const inst = state.instances[i];
        const value = inst.divergedAt === null ? ema[i] / (1 - betaPower) : NaN;
        record(inst, { r: state.nextMark, source, units: config.units, windowError: value });
        latest[i] = value;
      }
      state.nextMark++;
    }
  }
  state.betaPower = betaPower;
  state.streams = streams.map((g) => g.state());
}

/**
 * Options of {@link trainShallowAe}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ShallowAeTrainOptions } from "../../mod.ts";
 * const steps: number[] = [];
 * const options: ShallowAeTrainOptions = { onProgress: (p) => void steps.push(p.step) };
 * await options.onProgress?.({ step: 1, steps: 1, error: new Float64Array(0), elapsedMs: 0, etaMs: 0 });
 * assert.deepEqual(steps, [1]);
 * ```
 */
export interface ShallowAeTrainOptions {
  /** Called (and awaited) about a hundred times per run, and at every checkpoint. */
  onProgress?: (p: ShallowAeProgress) => void | Promise<void>;
  /** Stops the run after the current span of steps (at the latest the next progress point). */
  signal?: AbortSignal;
  /** Checkpoint `name` in `dir` (several runs of one experiment share a folder). */
  checkpoint?: CheckpointOptions & { name: string };
}

/**
 * Trains every setting × seed on `source` with the lab's one loop
 * (`core/train/loop.ts`): this function supplies the fresh state and the
 * span of SGD steps; the loop reports progress about a hundred times, and
 * `signal` stops the run (the promise rejects, with a
 * `TrainingInterrupted` after saving when it checkpoints).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSetting, spikedGaussian, trainShallowAe } from "../../mod.ts";
 * const source = spikedGaussian({ dim: 6, spikes: [9, 4], noise: 1, seed: 0 });
 * const run = await trainShallowAe(source, {
 *   settings: [parseSetting("linear-untied-none")!, parseSetting("erf-tied-none")!],
 *   seeds: 1, seed: 0, units: 2, steps: 200, lr: 0.05, initScale: 1, records: 5, smoothing: 20,
 *   divergeAbove: 1e6,
 * });
 * assert.equal(run.instances.length, 2);
 * assert.ok(run.instances.every((inst) => inst.divergedAt === null));
 * ```
 */
export async function trainShallowAe(
  source: SampleSource,
  config: ShallowAeTrainConfig,
  options: ShallowAeTrainOptions = {},
): Promise<ShallowAeTrainResult> {
  const { seeds, steps } = config;
  const D = source.dim;
  const model = { config, dim: D };
  const run: SpanContext = {
    source,
    config,
    marks: recordSteps(steps, config.records),
    samples: Array.from({ length: seeds }, () => new Float64Array(D)),
    scratch: shallowAeScratch(D, config.units),
    beta: 1 - 1 / Math.max(1, config.smoothing),
  };
  const { state, elapsedMs } = await runLoop<RunState>({
    steps,
    init: () => initialState(source, config),
    key: {
      config,
      source: {
        description: source.description,
        dim: D,
        data: fingerprint(source.components, source.variances),
      },
    },
    advance: (state, span) => sgdSpan(state, span, run),
    progress: (s, at) =>
      options.onProgress?.({
        step: at.step,
        steps,
        error: s.latest.slice(),
        elapsedMs: at.elapsedMs,
        etaMs: at.etaMs,
      }),
  }, { signal: options.signal, checkpoint: options.checkpoint });

  const instances = state.instances.map((inst, i): ShallowAeInstance => ({
    setting: config.settings[Math.floor(i / seeds)],
    seedIndex: i % seeds,
    params: paramsOf(state, i, model),
    divergedAt: inst.divergedAt,
    error: inst.error,
    overlap: inst.overlap,
    captured: inst.captured,
    decoderCaptured: inst.decoderCaptured,
    encoderNorm: inst.encoderNorm,
    decoderNorm: inst.decoderNorm,
  }));
  return { config, recordSteps: run.marks, instances, elapsedMs };
}
