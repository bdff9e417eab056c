/**
 * The lab's side of the bench rows of the step autoencoder, the sparse
 * autoencoder, the shallow autoencoders and PCA: each calls the study's own
 * entry point with its defaults, sized by `scripts/bench/sizes.json`.
 *
 * @module
 */
import { configure } from "../../lib/core/experiment.ts";
import { listItems } from "../../lib/core/config.ts";
import { loadTf } from "../../lib/core/tf.ts";
import { loadMnist } from "../../lib/core/data/images.ts";
import { pcaTop } from "../../lib/core/pca_top.ts";
import { stepAe, stepAeTrainConfig } from "../../lib/studies/step_ae/experiments/step_ae.ts";
import { sae, saeTrainConfig } from "../../lib/studies/sae/experiments/sae.ts";
import { saeSuperpositionData } from "../../lib/studies/sae/data.ts";
import { trainSae } from "../../lib/studies/sae/train.ts";
import { shallowAe } from "../../lib/studies/shallow_ae/experiments/shallow_ae.ts";
import { spikedGaussian } from "../../lib/studies/shallow_ae/data.ts";
import { parseSetting, type ShallowAeSetting } from "../../lib/studies/shallow_ae/model.ts";
import {
  recordSteps,
  type ShallowAeTrainConfig,
  trainShallowAe,
} from "../../lib/studies/shallow_ae/train.ts";
import { median } from "./report.ts";
import { type LabOutcome, num, since, type Sizes } from "./lab_common.ts";

/**
 * `step-ae`: the experiment's `run` at the write-up's default (n = 129,
 * RMSprop lr 1e-4, full batch) for `epochs` epochs, one instance: training
 * with its loss and snapshot records and the encoder-gradient sums.
 */
export async function stepAeRun(sizes: Sizes): Promise<LabOutcome> {
  const epochs = num(sizes, "epochs");
  const config = configure(stepAe, { n: num(sizes, "n"), epochs, checkpointEvery: epochs });
  const train = stepAeTrainConfig(config);
  const t0 = performance.now();
  const result = await stepAe.run(config, {});
  const seconds = since(t0);
  return {
    seconds,
    detail: {
      work: {
        n: config.n,
        epochs,
        optimizer: config.optimizer,
        lr: config.lr,
        loss_every: train.record.lossEvery,
        snapshot_every: train.record.snapshotEvery,
      },
      final_loss: result.result.finalLoss,
      ms_per_epoch: result.msPerEpoch,
    },
  };
}

/**
 * `sae-topk-auxk`: one top-k SAE with AuxK on the study's default
 * superposition data (d = 64, 256 directions, 4 active; 256 latents, k = 4,
 * batch 256, Adam), trained by `trainSae` on the default (hybrid) engine.
 * Loading tfjs is not timed (it is the lab's `import torch`); the data stream,
 * the training and its evaluations are.
 */
export async function saeRun(sizes: Sizes): Promise<LabOutcome> {
  const c = {
    ...sae.defaults,
    models: "topk-auxk",
    steps: num(sizes, "steps"),
    mnistSteps: 0,
  };
  const train = { ...saeTrainConfig(c)!, evalEvery: num(sizes, "evalEvery") };
  const tf = c.engine === "hybrid" ? await loadTf("wasm") : undefined;
  const t0 = performance.now();
  const data = saeSuperpositionData(
    { dim: c.dim, features: c.features, active: c.active, seed: c.seed },
    { evalRows: c.evalSize },
  );
  const run = await trainSae(train, data, { tf });
  const seconds = since(t0);
  const [only] = run.results;
  const v = train.variants[0];
  return {
    seconds,
    detail: {
      work: {
        dim: c.dim,
        features: c.features,
        active: c.active,
        latents: c.latents,
        k: v.k,
        batch: train.batch,
        steps: train.steps,
        lr: train.optimizer.lr,
        aux_coef: v.auxCoef,
        dead_after: c.deadAfter,
        eval_every: train.evalEvery,
        eval_rows: c.evalSize,
      },
      engine: c.engine,
      final_eval_nmse: only.history.at(-1)?.eval_nmse,
      evaluations: only.history.length,
      train_seconds: run.trainMs / 1000,
      eval_seconds: run.evalMs / 1000,
    },
  };
}

/** The default grid of `shallow-ae`'s spiked part: activations × weights × biases. */
function shallowSettings(c: typeof shallowAe.defaults): ShallowAeSetting[] {
  return listItems(c.activations).flatMap((a) =>
    listItems(c.weights).flatMap((w) =>
      listItems(c.biases).map((b) => parseSetting(`${a}-${w}-${b}`)!)
    )
  );
}

/**
 * `shallow-ae-sgd`: `trainShallowAe` on the study's default spiked Gaussian
 * (D = 100, spikes 31, 21, 11 on noise 1) over the default grid (4
 * activations × tied/untied × 3 bias modes × 2 seeds = 48 instances, K = 3,
 * lr 0.05, one fresh sample per seed per step) for `steps` steps, with its
 * records (150 log-spaced points).
 */
export async function shallowAeRun(sizes: Sizes): Promise<LabOutcome> {
  const c = shallowAe.defaults;
  const config: ShallowAeTrainConfig = {
    settings: shallowSettings(c),
    seeds: c.seeds,
    seed: c.seed,
    units: c.units,
    steps: num(sizes, "steps"),
    lr: c.lr,
    initScale: c.initScale,
    records: c.records,
    smoothing: c.smoothing,
    divergeAbove: c.divergeAbove,
  };
  const t0 = performance.now();
  const source = spikedGaussian({
    dim: c.dim,
    spikes: listItems(c.spikes).map(Number),
    noise: c.noise,
    seed: c.seed,
  });
  const run = await trainShallowAe(source, config);
  const seconds = since(t0);
  const finals = run.instances.map((i) => i.error[i.error.length - 1]).filter(Number.isFinite);
  return {
    seconds,
    detail: {
      work: {
        instances: run.instances.length,
        settings: config.settings.length,
        seeds: config.seeds,
        dim: c.dim,
        units: config.units,
        steps: config.steps,
        lr: config.lr,
        records: recordSteps(config.steps, config.records).length,
        smoothing: config.smoothing,
      },
      final_error_median: finals.length ? median(finals) : null,
    },
  };
}

/**
 * `pca`: `pcaTop` (the covariance on `covariance_threads` threads, its top k
 * eigenvectors by `eigen_route`) of the first `digits` MNIST digits in the
 * package's order. The load is not timed (nor is the peer's).
 */
export async function pcaRun(sizes: Sizes): Promise<LabOutcome> {
  const digits = num(sizes, "digits");
  const k = num(sizes, "k");
  const images = await loadMnist();
  const d = images.width * images.height;
  const pixels = images.pixels.subarray(0, digits * d);
  const t0 = performance.now();
  const p = pcaTop(pixels, digits, d, k);
  const seconds = since(t0);
  let sum = 0;
  for (const v of p.variances) sum += v;
  return {
    seconds,
    detail: {
      work: { n: digits, d, k },
      results: { top_variance: p.variances[0], sum_top_variances: sum },
      eigen_route: p.route,
      covariance_threads: p.threads,
    },
  };
}
