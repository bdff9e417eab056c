/**
 * Resampling in the toy model (issue 10): one event against an independent
 * PyTorch reference, resampling off leaving every number as it was, worker
 * counts not mattering, the rules' edge cases, and the basin's reduction
 * against its linearisation.
 */
import assert from "node:assert/strict";
import { ArrayOptimizer, perInstanceHyper } from "../../../lib/core/optim/optimizer.ts";
import { optimizerDefaults } from "../../../lib/core/optim/config.ts";
import { warmupFactor } from "../../../lib/core/train/resample.ts";
import {
  mergedPair,
  regularPolygonScale,
  symmetricFailure,
} from "../../../lib/studies/toy/closed_forms.ts";
import { TOY_MODEL_DEFAULTS, toyParamsFrom } from "../../../lib/studies/toy/model.ts";
import {
  deadFeatures,
  type Draws,
  remedyRule,
  resampleInstance,
  widestGap,
} from "../../../lib/studies/toy/resample.ts";
import { trainToy } from "../../../lib/studies/toy/train.ts";
import { RECORD_DEFAULTS, type ToyTrainConfig } from "../../../lib/studies/toy/config.ts";
import { reducedFlow } from "../../../lib/studies/toy/basin.ts";
import { configure } from "../../../lib/mod.ts";
import { toyResampling } from "../../../lib/studies/toy/experiments/resampling.ts";

interface Side {
  W: number[][];
  b: number[];
  exp_avg_W: number[][];
  exp_avg_b: number[];
  exp_avg_sq_W: number[][];
  exp_avg_sq_b: number[];
  step?: number;
}
interface Case {
  name: string;
  rule: {
    p: number;
    place: string;
    scale: number;
    bias: string;
    reset: boolean;
    warmup: number;
    lr: number;
  };
  uniforms: number[];
  normals: number[];
  before: Side;
  dead: number[];
  errors: number[];
  loss_before: number;
  picked: number[];
  changed: number[];
  after: Side;
  next: { W: number[][]; b: number[] };
}
const fixture: { n: number; m: number; cases: Case[] } = JSON.parse(
  await Deno.readTextFile(
    new URL("../../../data/reference/toy_resample_torch.json", import.meta.url),
  ),
);

const flat = (W: number[][], b: number[]) => Float64Array.from([...W.flat(), ...b]);

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < expected.length; k++) {
    const d = Math.abs(actual[k] - expected[k]);
    assert.ok(
      d <= tol * (1 + Math.abs(expected[k])),
      `${what}[${k}]: ${actual[k]} vs ${expected[k]}`,
    );
  }
}

function listDraws(us: number[], zs: number[]): Draws {
  let i = 0;
  let j = 0;
  return {
    uniform: () => {
      assert.ok(i < us.length, "the event drew more uniforms than the reference");
      return us[i++];
    },
    normal: () => {
      assert.ok(j < zs.length, "the event drew more normals than the reference");
      return zs[j++];
    },
  };
}

function ruleOf(c: Case) {
  const base = c.rule.place === "gap" ? "gap" : "anthropic";
  const pick = `e${c.rule.p}`;
  return remedyRule(
    `${base}+pick=${pick}+scale=${c.rule.scale}+bias=${c.rule.bias}+reset=${
      c.rule.reset ? "yes" : "no"
    }+warmup=${c.rule.warmup}`,
  )!;
}

for (const c of fixture.cases) {
  Deno.test(`resampleInstance matches the PyTorch reference: ${c.name}`, () => {
    const { n, m } = fixture;
    const shape = { n, m, bias: true };
    const params = flat(c.before.W, c.before.b);
    const opt = new ArrayOptimizer(
      optimizerDefaults("adam", c.rule.lr),
      params.length,
      perInstanceHyper(optimizerDefaults("adam", c.rule.lr), 1),
    );
    opt.state[0].set(flat(c.before.exp_avg_W, c.before.exp_avg_b));
    opt.state[1].set(flat(c.before.exp_avg_sq_W, c.before.exp_avg_sq_b));
    opt.steps[0] = c.before.step!;
    const rule = ruleOf(c);
    const dead = deadFeatures(shape, params, 0, rule);
    assert.deepEqual(dead, c.dead);
    const draws = listDraws(c.uniforms, c.normals);
    const event = resampleInstance(shape, params, 0, {
      rule,
      dead,
      importance: new Float64Array(n).fill(1),
      initStd: 0.1,
      draws,
    });
    assert.deepEqual(event.picked, c.picked);
    assert.deepEqual(event.changed, c.changed);
    close([event.lossBefore], [c.loss_before], 1e-14, "loss before");
    close(params, flat(c.after.W, c.after.b), 1e-13, "parameters after the event");
    if (rule.reset) opt.resetState(0, event.changed);
    close(opt.state[0], flat(c.after.exp_avg_W, c.after.exp_avg_b), 1e-13, "exp_avg");
    close(opt.state[1], flat(c.after.exp_avg_sq_W, c.after.exp_avg_sq_b), 1e-13, "exp_avg_sq");
    // One more Adam step at the re-warmed rate, on the loss's gradient at the new parameters.
    const grad = new Float64Array(params.length);
    const W = Array.from({ length: m }, (_, a) => Array.from(params.subarray(a * n, (a + 1) * n)));
    const b = Array.from(params.subarray(m * n));
    lossGrad(W, b, grad);
    opt.stepInstance(params, grad, 0, warmupFactor(1, rule.warmup));
    close(params, flat(c.next.W, c.next.b), 1e-12, "parameters after the next step");
  });
}

/** The float64 gradient of the one-hot loss, written out here so the test leans on no kernel. */
function lossGrad(W: number[][], b: number[], grad: Float64Array): void {
  const n = b.length;
  const m = W.length;
  grad.fill(0);
  for (let k = 0; k < n; k++) {
    const h = W.map((row) => row[k]);
    const g = new Array(m).fill(0);
    for (let i = 0; i < n; i++) {
      let pre = b[i];
      for (let a = 0; a < m; a++) pre += W[a][i] * h[a];
      if (pre <= 0) continue;
      const d = (2 / (n * n)) * (pre - (i === k ? 1 : 0));
      grad[m * n + i] += d;
      for (let a = 0; a < m; a++) {
        grad[a * n + i] += h[a] * d;
        g[a] += W[a][i] * d;
      }
    }
    for (let a = 0; a < m; a++) grad[a * n + k] += g[a];
  }
}

function sweepConfig(seeds: number[], extra: Partial<ToyTrainConfig> = {}): ToyTrainConfig {
  return {
    model: { ...TOY_MODEL_DEFAULTS, n: 6 },
    data: { kind: "identity" },
    importanceDecay: 1,
    optimizer: optimizerDefaults("sgd", 0.1),
    steps: 900,
    seeds,
    record: RECORD_DEFAULTS,
    divergeAbove: 1e6,
    ...extra,
  };
}

Deno.test("resampling off gives exactly the numbers of a run without resampling", async () => {
  const seeds = [0, 1, 2, 3, 4, 5];
  const plain = await trainToy(sweepConfig(seeds), { workers: 1 });
  const rules = [null, remedyRule("gap+every=200")];
  const mixed = await trainToy(
    sweepConfig([...seeds, ...seeds], {
      resample: { rules, ruleOf: [...seeds.map(() => 0), ...seeds.map(() => 1)], trace: [0, 10] },
    }),
    { workers: 1 },
  );
  const p = plain.final.data.length;
  assert.deepEqual(mixed.final.data.slice(0, p), plain.final.data);
  assert.deepEqual(mixed.finalLoss.slice(0, seeds.length), plain.finalLoss);
  assert.deepEqual(Array.from(mixed.resample!.events.slice(0, seeds.length)), [0, 0, 0, 0, 0, 0]);
  assert.ok(
    mixed.resample!.events.slice(seeds.length).some((e) => e > 0),
    "gap resampled somewhere",
  );
  // Loss and snapshot rows of the "none" half match too.
  assert.deepEqual(mixed.loss.steps, plain.loss.steps);
});

Deno.test("a resampling run is byte-identical on one worker and on two", async () => {
  const seeds = Array.from({ length: 8 }, (_, i) => i);
  const rules = [
    remedyRule("anthropic+every=150"),
    remedyRule("fresh+every=150"),
    remedyRule("kick+every=150"),
  ];
  const config = sweepConfig([...seeds, ...seeds, ...seeds], {
    resample: { rules, ruleOf: [0, 1, 2].flatMap((r) => seeds.map(() => r)), trace: [0, 1, 50] },
  });
  const one = await trainToy(config, { workers: 1 });
  const two = await trainToy(config, { workers: 2 });
  assert.equal(two.workers, 2);
  assert.deepEqual(two.final.data, one.final.data);
  assert.deepEqual(two.resample, one.resample);
});

Deno.test("resampling is refused outside the fused engine and off one-hot data, in one line", async () => {
  const resample = { rules: [remedyRule("anthropic")], ruleOf: [0], trace: [0] };
  await assert.rejects(
    () => trainToy(sweepConfig([0], { resample }), { engine: "tfjs" }),
    /resampling runs on the fused engine only/,
  );
  const sparse = { kind: "sparse", sparsity: 0.5, examples: 0, batchSize: 4 } as const;
  await assert.rejects(
    () => trainToy(sweepConfig([0], { resample, data: sparse })),
    /resampling needs the complete one-hot data/,
  );
  await assert.rejects(
    () => trainToy(sweepConfig([0, 1], { resample })),
    /ruleOf needs one rule per seed \(2\), got 1/,
  );
});

Deno.test("remedyRule refuses unknown names, keys and values with what is allowed", () => {
  assert.throws(
    () => remedyRule("anthropik"),
    /unknown remedy "anthropik" \(known: none, anthropic/,
  );
  assert.throws(() => remedyRule("anthropic+colour=red"), /unknown key "colour"/);
  assert.throws(() => remedyRule("anthropic+pick=e3"), /pick must be one of e1\|e2\|e4/);
  assert.throws(() => remedyRule("anthropic+reset=maybe"), /reset must be yes\|no/);
  assert.throws(() => remedyRule("anthropic+every=0x10"), /every must be a decimal number/);
  assert.throws(() => remedyRule("anthropic+every=2.5"), /every must be an integer >= 1/);
  assert.throws(() => remedyRule("none+scale=1"), /takes no overrides/);
  assert.throws(
    () => configure(toyResampling, { remedies: "none,gap,none" }),
    /names a remedy twice/,
  );
  assert.throws(() => configure(toyResampling, { every: 25_000 }), /every=25000 is not allowed/);
});

Deno.test("dead rules: unlearnt finds Symmetric Failure, silent does not, merged finds a merged pair", () => {
  const shape = { n: 7, m: 2, bias: true };
  const sf = symmetricFailure(7);
  const sfParams = toyParamsFrom(sf.W, sf.b).data;
  assert.deepEqual(deadFeatures(shape, sfParams, 0, remedyRule("anthropic")!), [6]);
  // Its output 1/n is on for every example: it has fired at every step.
  assert.deepEqual(deadFeatures(shape, sfParams, 0, remedyRule("anthropic-silent")!, () => 0), []);
  assert.deepEqual(
    deadFeatures(shape, sfParams, 0, remedyRule("anthropic-silent")!, (f) => f === 3 ? 5000 : 0),
    [3],
  );
  const merged = mergedPair(7);
  const mp = toyParamsFrom(merged.W, merged.b).data;
  assert.deepEqual(deadFeatures(shape, mp, 0, remedyRule("anthropic")!), []);
  assert.deepEqual(deadFeatures(shape, mp, 0, remedyRule("anthropic-merged")!), [6]);
});

Deno.test("gap places dead columns into the widest gaps; kick shortens the widest gap's neighbours", () => {
  const shape = { n: 7, m: 2, bias: true };
  // Five learnt features at 0°, 70°, 140°, 210°, 280° (the widest gap, 80°, closes the circle);
  // features 6 and 7 unlearnt.
  const { W, b } = symmetricFailure(7);
  const r = Math.sqrt(regularPolygonScale(5).normSq);
  for (let j = 0; j < 5; j++) {
    W[0][j] = r * Math.cos((70 * j * Math.PI) / 180);
    W[1][j] = r * Math.sin((70 * j * Math.PI) / 180);
  }
  W[0][5] = W[1][5] = 0;
  const params = toyParamsFrom(W, b).data;
  const kicked = params.slice();
  const opts = { importance: new Float64Array(7).fill(1), initStd: 0.1 };
  const draws = () => listDraws([0.5, 0.5], []);
  resampleInstance(shape, params, 0, {
    ...opts,
    rule: remedyRule("gap")!,
    dead: [5, 6],
    draws: draws(),
  });
  const angle = (f: number) => ((Math.atan2(params[7 + f], params[f]) * 180) / Math.PI + 360) % 360;
  assert.ok(Math.abs(angle(5) - 320) < 1e-9, `feature 6 at ${angle(5)}°`);
  // The second goes to the middle of one of the four 70° gaps left.
  assert.ok(Math.abs(((angle(6) - 35) % 70 + 70) % 70) < 1e-9, `feature 7 at ${angle(6)}°`);
  assert.ok(
    Math.abs(Math.hypot(params[5], params[12]) ** 2 - regularPolygonScale(7).normSq) < 1e-12,
  );
  const event = resampleInstance(shape, kicked, 0, {
    ...opts,
    rule: remedyRule("kick")!,
    dead: [5, 6],
    draws: draws(),
  });
  assert.deepEqual(event.changed, [0, 4, 7, 11]); // columns 1 and 5, the sides of the 80° gap
  assert.ok(Math.abs(Math.hypot(kicked[0], kicked[7]) - 0.9 * r) < 1e-12);
  assert.equal(kicked[5], 0); // the dead columns themselves are left alone
  const none = widestGap({ n: 7, m: 2 }, params, 0, []);
  assert.equal(none.bisector, null);
});

Deno.test("reducedFlow: near r = 0 at β = 1/n the column shrinks at the frozen optimum's rate", () => {
  const n = 7;
  const { normSq: a } = regularPolygonScale(n - 1);
  const beta = 1 / n;
  const r = 1e-4;
  const lr = 0.1;
  const end = reducedFlow(n, { direction: "gap", r, bias: beta, lr, steps: 1 });
  // n²·∂L/∂r ≈ (a(n−1) − 4(1 − β))·r when every ReLU of feature n is on and the others' are off.
  const predicted = r - (lr / (n * n)) * (a * (n - 1) - 4 * (1 - beta - r * r)) * r;
  assert.ok(Math.abs(end.r - predicted) < 1e-15, `${end.r} vs ${predicted}`);
  assert.equal(
    reducedFlow(n, { direction: "gap", r: 0.05, bias: beta, lr, steps: 20_000 }).end,
    "collapsed",
  );
});
