/**
 * Resampling dead SAE latents (`lib/studies/sae/resample.ts` and its use in
 * `train.ts`): one event of each rule against a PyTorch reference (errors,
 * picks, new weights, Adam moments after the reset, the next Adam step),
 * whole runs with resampling against the same reference, and the refusal of
 * bad rules.
 */
import assert from "node:assert/strict";
import {
  dueLatents,
  exampleErrors,
  latentParamIndices,
  resampleLatents,
  type SaeResample,
  validateSaeResample,
} from "../../../lib/studies/sae/resample.ts";
import {
  normalizeDecoder,
  projectDecoderGrad,
  saeLossGrad,
  saePreActivations,
  saeScratch,
} from "../../../lib/studies/sae/kernel.ts";
import { type SaeTrainConfig, trainSae, variantConfig } from "../../../lib/studies/sae/train.ts";
import { initSae, saeLayout } from "../../../lib/studies/sae/model.ts";
import { type SaeData, saeSuperpositionData } from "../../../lib/studies/sae/data.ts";
import { ArrayOptimizer, perInstanceHyper } from "../../../lib/core/optim/optimizer.ts";
import { warmupFactor } from "../../../lib/core/train/resample.ts";
import { Rng } from "../../../lib/core/random.ts";
import { smallRun, worstDifference } from "./_helpers.ts";

/** The full state around an event (the first of each variant). */
interface TorchEvent {
  step: number;
  due: number[];
  picked: number[];
  params_before?: number[];
  exp_avg_before?: number[];
  exp_avg_sq_before?: number[];
  adam_step?: number;
  since_before?: number[];
  err_sq?: number[];
  params_after?: number[];
  exp_avg_after?: number[];
  exp_avg_sq_after?: number[];
  since_after?: number[];
  params_next?: number[];
}

/** data/reference/sae_resample_torch.json, made by scripts/reference/sae_resample_torch.py. */
interface ResampleFixture {
  data: { dim: number; mean: number[]; variance: number; batches: number[] };
  config: SaeTrainConfig;
  init: number[][];
  draws: {
    step: number;
    sampleSeed: number;
    sample: number[];
    uniforms: number[];
    fresh: number[];
  }[][];
  torch: { events: TorchEvent[]; params: number[]; since: number[] }[];
}

const fixture: ResampleFixture = JSON.parse(
  await Deno.readTextFile(
    new URL("../../../data/reference/sae_resample_torch.json", import.meta.url),
  ),
);

/** The fixture's stream as trainer data: its batches, and its candidates by seed. */
function fixtureData(): SaeData {
  const { dim, variance, batches } = fixture.data;
  const samples = new Map(fixture.draws.flat().map((d) => [d.sampleSeed, d.sample]));
  return {
    name: "fixture",
    dim,
    batch(step, rows, out) {
      out.set(batches.slice(step * rows * dim, (step + 1) * rows * dim));
    },
    sample(seed, rows, out) {
      const s = samples.get(seed);
      if (!s) throw new Error(`no candidates for seed ${seed} in the fixture`);
      out.set(s.slice(0, rows * dim));
    },
    variance,
    mean: Float64Array.from(fixture.data.mean),
    evalX: Float64Array.from(batches.slice(0, 4 * dim)),
    evalRows: 4,
    evalDeviation: 1,
  };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

Deno.test("one resampling event of each rule follows PyTorch: errors, picks, new weights, Adam moments, the next step", () => {
  const { config } = fixture;
  const data = fixtureData();
  let inputEvents = 0;
  config.variants.forEach((v, i) => {
    const where = v.label;
    const ev = fixture.torch[i].events[0];
    const rule = v.resample!;
    const c = variantConfig(config, v);
    const size = saeLayout(c).size;
    // The state just before the event, as PyTorch had it.
    const params = Float64Array.from(ev.params_before!);
    const opt = new ArrayOptimizer(config.optimizer, size, perInstanceHyper(config.optimizer, 1));
    opt.state[0].set(ev.exp_avg_before!);
    opt.state[1].set(ev.exp_avg_sq_before!);
    opt.steps[0] = ev.adam_step!;
    const since = Float64Array.from(ev.since_before!);
    const due = dueLatents(since, rule.window);
    assert.deepEqual(Array.from(due), ev.due, `${where}: due latents`);

    const draw = fixture.draws[i].find((d) => d.step === ev.step)!;
    const x = Float64Array.from(draw.sample);
    let errSq: Float64Array = new Float64Array(0);
    if (rule.place === "input") {
      inputEvents++;
      errSq = exampleErrors(c, params, {
        x,
        rows: rule.sample,
        scratch: saeScratch(c, 16), // several chunks
        pre: new Float64Array(16 * c.latents),
      });
      const worst = Math.max(...Array.from(errSq, (e, k) => rel(e, ev.err_sq![k])));
      assert.ok(worst < 1e-12, `${where}: candidate errors differ by ${worst} (relative)`);
    }
    const fresh = new Rng(0);
    // The fixture's fresh directions stand in for the trainer's generator.
    const directions = draw.fresh;
    let drawn = 0;
    fresh.fillUnitVector = (out: Float64Array) => {
      out.set(directions.slice(drawn * c.dim, (drawn + 1) * c.dim));
      drawn++;
      return out;
    };
    const picked = resampleLatents(c, params, {
      rule,
      due,
      x,
      errSq,
      uniforms: draw.uniforms,
      fresh,
    });
    assert.deepEqual(Array.from(picked), ev.picked, `${where}: picked candidates`);
    const dp = worstDifference(params, ev.params_after!);
    assert.ok(dp < 1e-12, `${where}: weights after the event differ by ${dp}`);
    for (const j of due) since[j] = 0;
    assert.deepEqual(Array.from(since), ev.since_after, `${where}: counters`);
    if (rule.reset) opt.resetState(0, latentParamIndices(c, due));
    assert.deepEqual(Array.from(opt.state[0]), ev.exp_avg_after, `${where}: exp_avg`);
    assert.deepEqual(Array.from(opt.state[1]), ev.exp_avg_sq_after, `${where}: exp_avg_sq`);

    // The next update, at the re-warmed rate.
    const B = config.batch;
    const xb = new Float64Array(B * c.dim);
    data.batch(ev.step, B, xb);
    const pre = new Float64Array(B * c.latents);
    saePreActivations(c, params, { x: xb, rows: B, out: pre });
    const grad = new Float64Array(size);
    saeLossGrad(c, params, {
      x: xb,
      rows: B,
      pre: { data: pre, offset: 0, stride: c.latents },
      variance: data.variance,
      grad,
      since,
      scratch: saeScratch(c, B),
    });
    projectDecoderGrad(c, params, grad);
    opt.stepInstance(params, grad, 0, warmupFactor(1, rule.warmup));
    normalizeDecoder(c, params);
    const dn = worstDifference(params, ev.params_next!);
    assert.ok(dn < 1e-12, `${where}: weights after the next update differ by ${dn}`);
  });
  assert.equal(inputEvents, 5);
});

Deno.test("trainSae() with resampling follows PyTorch for 60 steps: the same events and picks, the same weights", async () => {
  const { config } = fixture;
  const run = await trainSae(config, fixtureData(), {});
  config.variants.forEach((v, i) => {
    const ours = run.results[i];
    const theirs = fixture.torch[i];
    const start = initSae(variantConfig(config, v), {
      seed: v.seed,
      preBias: fixture.data.mean,
    });
    assert.deepEqual(Array.from(start), fixture.init[i], `${v.label}: initialisation`);
    assert.deepEqual(
      ours.resamples.map((e) => [e.step, e.latents, e.picked]),
      theirs.events.map((e) => [e.step, e.due, e.picked]),
      `${v.label}: events`,
    );
    const dp = worstDifference(ours.params, theirs.params);
    assert.ok(dp < 1e-10, `${v.label}: parameters differ by ${dp}`);
    assert.deepEqual(Array.from(ours.since), theirs.since, `${v.label}: counters`);
  });
  // Every rule resampled at least once; AuxK and ReLU + L1 included.
  assert.ok(run.results.every((r) => r.resamples.length > 0));
});

Deno.test("validateSaeResample() and trainSae() refuse a bad rule in one line naming the field", async () => {
  const good: SaeResample = {
    every: 10,
    window: 64,
    sample: 32,
    pick: "e4",
    place: "input",
    scale: 0.2,
    reset: true,
    warmup: 0,
  };
  const cases: [Partial<Record<keyof SaeResample, unknown>>, RegExp][] = [
    [{ every: 0 }, /^m: resample\.every must be an integer >= 1, got 0$/],
    [{ window: 1.5 }, /^m: resample\.window must be an integer >= 1, got 1\.5$/],
    [
      { sample: 2_000_000 },
      /^m: resample\.sample must be an integer >= 1 and <= 1000000, got 2000000$/,
    ],
    [{ warmup: -1 }, /^m: resample\.warmup must be an integer >= 0, got -1$/],
    [{ pick: "e3" }, /^m: resample\.pick must be one of e1\|e2\|e4, got e3$/],
    [{ place: "gap" }, /^m: resample\.place must be one of input\|fresh, got gap$/],
    [{ scale: 0 }, /^m: resample\.scale must be a finite number > 0, got 0$/],
    [{ scale: Infinity }, /^m: resample\.scale must be a finite number > 0, got Infinity$/],
    [{ reset: "yes" }, /^m: resample\.reset must be true or false, got yes$/],
  ];
  for (const [over, message] of cases) {
    const rule = { ...good, ...over } as SaeResample;
    assert.throws(() => validateSaeResample(rule, "m"), (err: Error) => {
      assert.ok(err instanceof RangeError);
      assert.match(err.message, message);
      return true;
    });
  }
  const data = saeSuperpositionData({ dim: 16, features: 24, active: 2, seed: 1 }, {
    evalRows: 64,
  });
  const base = smallRun();
  const bad = { ...base, variants: [{ ...base.variants[0], resample: { ...good, pick: "e3" } }] };
  await assert.rejects(
    trainSae(bad as SaeTrainConfig, data, {}),
    /^RangeError: topk: resample\.pick must be one of e1\|e2\|e4, got e3$/,
  );
  // Data that cannot draw candidates cannot resample.
  const { sample: _, ...noSample } = data;
  const ok = { ...base, variants: [{ ...base.variants[0], resample: good }] };
  await assert.rejects(
    trainSae(ok, noSample, {}),
    /resampling needs data that can draw candidates \(sample\)/,
  );
});
