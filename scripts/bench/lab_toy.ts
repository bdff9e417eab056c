/**
 * The lab's side of the toy-model rows of the bench, and the two checks kept
 * from the earlier bench: what resampling adds to a sweep (issue 10) and what
 * a second worker thread buys.
 *
 * - `toy-sweep-1k`: 1,024 tied toy autoencoders y = ReLU(WᵀWx + b) (n = 7,
 *   m = 2, identity data, Adam at lr 1e-3) trained with `trainToy` on the
 *   fused engine, history recorded as the experiments record it
 *   (`toyTrainConfig`).
 * - `toy-sweep-10k`: `toy-seed-sweep` as a user runs it (training, analysis,
 *   figure specs), 10,000 seeds of AdamW.
 *
 * @module
 */
import { configure } from "../../lib/core/experiment.ts";
import {
  seedRange,
  TOY_TRAIN_DEFAULTS,
  toyTrainConfig,
} from "../../lib/studies/toy/experiments/common.ts";
import { toySeedSweep } from "../../lib/studies/toy/experiments/seed_sweep.ts";
import type { OptimizerName } from "../../lib/core/optim/config.ts";
import type { ToyTrainConfig } from "../../lib/studies/toy/config.ts";
import { trainToy } from "../../lib/studies/toy/train.ts";
import { remedyRule, TOY_REMEDIES } from "../../lib/studies/toy/resample.ts";
import { median } from "./report.ts";
import { type LabOptions, type LabOutcome, num, since, type Sizes } from "./lab_common.ts";

const LR = 1e-3;

/** The sweep's training run, history recorded as the experiments record it. */
function sweepConfig(sizes: Sizes): ToyTrainConfig {
  const optimizer = String(sizes.optimizer) as OptimizerName;
  return toyTrainConfig(
    { ...TOY_TRAIN_DEFAULTS, optimizer, lr: LR, steps: num(sizes, "steps") },
    { n: num(sizes, "n"), m: num(sizes, "m"), seeds: seedRange(0, num(sizes, "instances")) },
  );
}

/** What both sides of a toy row compute. */
function toyWork(config: ToyTrainConfig): Record<string, unknown> {
  return {
    instances: config.seeds.length,
    n: config.model.n,
    m: config.model.m,
    steps: config.steps,
    optimizer: config.optimizer.name,
    lr: config.optimizer.lr,
    loss_every: config.record.lossEvery,
  };
}

/** The middle final loss of the instances that did not diverge (NaN when none). */
function medianFinite(values: Float64Array): number {
  const kept = Array.from(values).filter(Number.isFinite);
  return kept.length ? median(kept) : NaN;
}

/**
 * `toy-sweep-1k`: one `trainToy` call on the fused engine (2 workers unless
 * `options.workers` says otherwise), timed whole: initialisation, worker
 * start-up, training and recording.
 */
export async function toySweep(sizes: Sizes, options: LabOptions = {}): Promise<LabOutcome> {
  const config = sweepConfig(sizes);
  const t0 = performance.now();
  const result = await trainToy(config, {
    engine: "fused",
    backend: "wasm",
    workers: options.workers ?? 2,
  });
  const seconds = since(t0);
  const diverged = result.divergedAt.filter((d) => d >= 0).length;
  return {
    seconds,
    detail: {
      work: toyWork(config),
      workers: result.workers,
      diverged,
      final_loss_median: medianFinite(result.finalLoss),
    },
  };
}

/**
 * `toy-sweep-10k`: `toy-seed-sweep` with `seeds` and `steps` from the sizes
 * (AdamW at lr 1e-3, its defaults otherwise), `run` on 2 workers and then
 * `artefacts` (tables, figure specs, notes), timed together.
 */
export async function toySeedSweep10k(sizes: Sizes): Promise<LabOutcome> {
  const config = configure(toySeedSweep, {
    seeds: num(sizes, "instances"),
    steps: num(sizes, "steps"),
    optimizer: String(sizes.optimizer) as OptimizerName,
    lr: LR,
    n: num(sizes, "n"),
    m: num(sizes, "m"),
  });
  const train = toyTrainConfig(config, {
    n: config.n,
    m: config.m,
    seeds: seedRange(config.seed, config.seeds),
  });
  const t0 = performance.now();
  const result = await toySeedSweep.run(config, { workers: 2 });
  const art = toySeedSweep.artefacts(result, config);
  const seconds = since(t0);
  return {
    seconds,
    detail: {
      work: toyWork(train),
      workers: result.meta.workers,
      training_seconds: result.meta.elapsedMs / 1000,
      analysis_seconds: seconds - result.meta.elapsedMs / 1000,
      counts: art.summary.counts,
      figures: Object.keys(art.figures).length,
      final_loss_median: medianFinite(result.train.finalLoss),
    },
  };
}

/**
 * The worker check: the 1,024-instance sweep on 1 and on 2 workers,
 * alternating `repeats` times after a short warm-up run (both sides
 * compiled), medians compared.
 */
export async function workerSpeedup(sizes: Sizes, repeats: number): Promise<LabOutcome> {
  const config = sweepConfig(sizes);
  const time = async (workers: number, c = config) => {
    const t0 = performance.now();
    await trainToy(c, { engine: "fused", workers });
    return since(t0);
  };
  await time(1, { ...config, steps: Math.min(config.steps, 500) });
  const one: number[] = [];
  const two: number[] = [];
  const t0 = performance.now();
  for (let k = 0; k < repeats; k++) {
    one.push(await time(1));
    two.push(await time(2));
  }
  const speedup = median(one) / median(two);
  return {
    seconds: since(t0),
    detail: { work: toyWork(config), one_worker: one, two_workers: two, speedup },
  };
}

/**
 * What resampling adds to a sweep's wall time (issue 10's target: under
 * 10%): the sweep on one worker without a resample config and with every
 * named remedy of `toy-resampling` spread over the instances (a check every
 * tenth of the run), alternating at least five times after a warm-up, the
 * fastest of each compared (on a shared machine the others carry the
 * neighbours' noise). Both sides run the fused engine's scalar path:
 * resampling has no wasm kernel, so against the pair kernel the comparison
 * would time the kernel, not the bookkeeping; the plain sweep on the kernel
 * is timed beside them (`kernel`).
 */
export async function resamplingOverhead(sizes: Sizes, repeats: number): Promise<LabOutcome> {
  const base = sweepConfig(sizes);
  const steps = base.steps;
  const every = Math.floor(steps / 10);
  const names = Object.keys(TOY_REMEDIES);
  const on: ToyTrainConfig = {
    ...base,
    resample: {
      rules: names.map((r) =>
        remedyRule(r, { every, window: every / 2, warmup: every / 2, kick: 0.1 })
      ),
      ruleOf: base.seeds.map((_, i) => i % names.length),
      trace: [0, 1, 10, 100],
    },
  };
  const time = async (config: ToyTrainConfig, kernel = false) => {
    const t0 = performance.now();
    await trainToy(config, { workers: 1, kernel });
    return since(t0);
  };
  await time({ ...base, steps: Math.min(steps, 500) });
  const off: number[] = [];
  const with_: number[] = [];
  const t0 = performance.now();
  for (let k = 0; k < Math.max(5, repeats); k++) {
    off.push(await time(base));
    with_.push(await time(on));
  }
  const kernel = await time(base, true);
  const overhead = Math.min(...with_) / Math.min(...off) - 1;
  return {
    seconds: since(t0),
    detail: { work: toyWork(base), every, off, on: with_, kernel, overhead, pass: overhead < 0.1 },
  };
}
