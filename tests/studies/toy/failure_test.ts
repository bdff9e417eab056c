/**
 * The optimization-failure experiments (issue 3): closed forms and
 * consistency checks for tilt, the frozen optimum, the update field, the
 * chaos map, the bias optimum and the survey.
 */
import assert from "node:assert/strict";
import { configure } from "../../../lib/core/experiment.ts";
import { toyBiasOptimum } from "../../../lib/studies/toy/experiments/bias_optimum.ts";
import { toyChaos } from "../../../lib/studies/toy/experiments/chaos.ts";
import { toyFailureSurvey } from "../../../lib/studies/toy/experiments/failure_survey.ts";
import { toyFrozenOptimum } from "../../../lib/studies/toy/experiments/frozen_optimum.ts";
import { toyTilt } from "../../../lib/studies/toy/experiments/tilt.ts";
import { toyUpdateField } from "../../../lib/studies/toy/experiments/update_field.ts";
import { finalOutcomes } from "../../../lib/studies/toy/analysis.ts";
import {
  baseFailure,
  frozenOptimumPrediction,
  frozenOptimumRow,
  perturbedFailure,
  perturbedSymmetricStarts,
  splay,
  stateLossGrad,
  tiltedFailure,
} from "../../../lib/studies/toy/failure_states.ts";
import { classifyToy, symmetricGeometry } from "../../../lib/studies/toy/outcomes.ts";
import { symmetricFailure } from "../../../lib/studies/toy/closed_forms.ts";
import { trainToy } from "../../../lib/studies/toy/train.ts";
import { fromStates } from "../../../lib/studies/toy/experiments/failure_common.ts";
import { TOY_TRAIN_DEFAULTS, toyTrainConfig } from "../../../lib/studies/toy/experiments/common.ts";

Deno.test("toy-tilt: the closed-form c₂ matches the loss's second derivative at a = 0", async () => {
  for (const n of [5, 7, 9]) {
    const r = await toyTilt.run(configure(toyTilt, { n, aMax: 0.01, points: 3 }), {});
    for (const k of r.coefficients) {
      const bias = k.case === "b_n = 0" ? 0 : 1 / n;
      const opts = k.direction.startsWith("edge")
        ? { between: [0, 1] as [number, number], bias }
        : { along: 0, bias };
      const h = 1e-4;
      const L = (a: number) => stateLossGrad(tiltedFailure(n, a, opts)).loss;
      const second = (L(h) - 2 * L(0) + L(-h)) / (h * h); // = 2·c₂ for a symmetric minimum
      assert.ok(
        Math.abs(second / 2 - k.c2) < 1e-6,
        `n=${n} ${k.case} ${k.direction}: ${second / 2} vs ${k.c2}`,
      );
      // Tilting costs loss. At n = 5 with bₙ = 0 the square's zero biases make the
      // quadratic term vanish exactly; the cost then starts at fourth order.
      if (n === 5 && bias === 0) {
        assert.ok(Math.abs(k.c2) < 1e-15);
        assert.ok(L(0.05) > L(0) && L(-0.05) > L(0));
      } else {
        assert.ok(k.c2 > 0, `n=${n} ${k.case}: c₂ = ${k.c2}`);
      }
    }
    assert.ok(r.rows.filter((x) => x.a !== 0).every((x) => x.grad_cos > 0.999999));
  }
});

Deno.test("toy-frozen-optimum: the trained resting point equals the linearised closed form", async () => {
  const c = configure(toyFrozenOptimum, {}, "smoke");
  const r = await toyFrozenOptimum.run(c, {});
  for (const row of r.rows) {
    assert.ok(row.settle_residual < 1e-12, `residual ${row.settle_residual}`);
    assert.ok(Math.abs(row.wn_norm / row.predicted_norm - 1) < 1e-6);
    assert.ok(row.wn_cos_pair > 0.999999, "Wₙ rests towards the weakened pair");
    assert.ok(row.final_grad_norm < 1e-12);
  }
  // Larger perturbations push Wₙ further out.
  const shorten = r.rows.filter((x) => x.mode === "shorten");
  for (let k = 1; k < shorten.length; k++) assert.ok(shorten[k].wn_norm > shorten[k - 1].wn_norm);
  // The prediction itself: zero for the exact polygon.
  const [x, y] = frozenOptimumPrediction(perturbedFailure(7, 0));
  assert.ok(Math.hypot(x, y) < 1e-15);
});

Deno.test("toy-update-field: the windows' updates add up to the change of every column", async () => {
  const c = configure(toyUpdateField, { steps: 3000, frames: 30 }, "smoke");
  const r = await toyUpdateField.run(c, {});
  const first = r.frames[0];
  const n = c.n;
  for (let j = 0; j < n; j++) {
    let x = first.columns[j].x;
    let y = first.columns[j].y;
    for (let k = 0; k + 1 < r.frames.length; k++) {
      const span = r.frames[k + 1].step - r.frames[k].step;
      x += r.frames[k].columns[j].dx * span;
      y += r.frames[k].columns[j].dy * span;
    }
    const last = r.frames[r.frames.length - 1].columns[j];
    assert.ok(Math.abs(x - last.x) < 1e-6 && Math.abs(y - last.y) < 1e-6, `column ${j + 1}`);
  }
});

Deno.test("toy-chaos: every cell equals a run of its own with that δ and learning rate", async () => {
  const c = configure(toyChaos, { deltas: 3, lrs: 3, steps: 400, lrMin: 0.5, lrMax: 8 });
  const r = await toyChaos.run(c, { workers: 2 });
  assert.equal(r.cells.length, 9);
  for (const cell of [r.cells[0], r.cells[4], r.cells[8]]) {
    const alone = await trainToy(
      fromStates([perturbedFailure(c.n, cell.delta, { mode: "bias", pair: [0, c.n - 2] })], {
        optimizer: c.optimizer,
        lr: cell.lr,
        steps: c.steps,
      }),
    );
    assert.equal(alone.finalLoss[0], cell.final_loss);
  }
});

Deno.test("toy-bias-optimum: an unlearnt column near zero has its bias at 1/n", async () => {
  const c = configure(toyBiasOptimum, { nMin: 6, nMax: 7, seeds: 32, steps: 20_000 });
  const r = await toyBiasOptimum.run(c, {});
  const tiny = r.features.filter((x) => x.norm < 1e-6);
  assert.ok(tiny.length > 10, "SGD leaves some columns at zero");
  for (const x of tiny) assert.ok(Math.abs(x.rel_error) < 1e-6, `n=${x.n}: ${x.rel_error}`);
});

Deno.test("toy-failure-survey: histories are consistent and match a plain run", async () => {
  const c = configure(toyFailureSurvey, {}, "smoke");
  const r = await toyFailureSurvey.run(c, {});
  const settings = (c.nMax - c.nMin + 1) * 3;
  assert.equal(r.cells.length, settings);
  assert.equal(r.runs.length, settings * c.seeds);
  for (const cell of r.cells) {
    assert.ok(cell.recovered <= cell.failed && cell.recoveredFromSymmetric <= cell.symmetric);
  }
  for (const run of r.runs) {
    assert.equal(run.failure_kind === null, run.failed_at_step === null);
    if (run.recovered_at_step !== null) {
      assert.ok((run.recovered_at_step as number) > (run.failed_at_step as number));
      assert.equal(run.outcome === "all learnt" || typeof run.outcome === "string", true);
    }
  }
  // The survey's final states agree with training that seed alone.
  const pick = r.runs.find((x) => x.optimizer === "adam" && x.n === c.nMin)!;
  const alone = await trainToy(
    toyTrainConfig(
      { ...TOY_TRAIN_DEFAULTS, optimizer: "adam", lr: pick.lr as number, steps: c.steps },
      { n: c.nMin, m: 2, seeds: [pick.seed as number] },
    ),
  );
  assert.equal(finalOutcomes(alone, { oneHot: true })[0].state, pick.outcome);
  assert.equal(alone.finalLoss[0], pick.final_loss);
});

Deno.test("perturbedSymmetricStarts(): exact Symmetric Failure plus each seed's own noise", () => {
  const exact = symmetricFailure(7);
  const starts = perturbedSymmetricStarts(7, { seeds: [0, 1, 2, 3], perturbation: 0.01 });
  // The same seed draws the same noise whatever else is in the batch.
  assert.deepEqual(perturbedSymmetricStarts(7, { seeds: [2], perturbation: 0.01 })[0], starts[2]);
  const noise = starts.flatMap((s) => [
    ...s.W.flatMap((row, a) => row.map((v, j) => v - exact.W[a][j])),
    ...s.b.map((v, j) => v - exact.b[j]),
  ]);
  const rms = Math.sqrt(noise.reduce((t, v) => t + v * v, 0) / noise.length);
  assert.ok(rms > 0.007 && rms < 0.013, `noise std ${rms}`);
  assert.deepEqual(perturbedSymmetricStarts(7, { seeds: [5], perturbation: 0 })[0], exact);
});

Deno.test("frozenOptimumRow() of a weakened pair: the prediction's direction, the residual and Wₙ", () => {
  const settled = perturbedFailure(7, 0.02, { mode: "bias", pair: [0, 5] });
  const freed = structuredClone(settled);
  const [x, y] = frozenOptimumPrediction(settled);
  freed.W[0][6] = x;
  freed.W[1][6] = y;
  const row = frozenOptimumRow({ settled, freed }, { mode: "bias", delta: 0.02, pair: [0, 5] });
  assert.deepEqual([row.mode, row.delta], ["bias", 0.02]);
  assert.equal(row.wn_norm, Math.hypot(x, y));
  assert.ok(Math.abs(row.wn_norm / row.predicted_norm - 1) < 1e-15);
  assert.ok(Math.abs(row.wn_cos_pair - row.predicted_cos_pair) < 1e-12);
  // The residual is the loss on the learnt examples less output n's constant 1/n³.
  const expected = stateLossGrad(settled, { omit: [6] }).loss - 1 / 343;
  assert.equal(row.settle_residual, expected);
});

Deno.test("splay() sums the learnt columns' norms, leaving out the last (unlearnt) one", () => {
  const s = baseFailure(7);
  const norm = Math.hypot(s.W[0][0], s.W[1][0]);
  assert.ok(Math.abs(splay(s.W) - 6 * norm) < 1e-12);
  s.W[0][6] = 5;
  assert.ok(Math.abs(splay(s.W) - 6 * norm) < 1e-12);
});

Deno.test("symmetricGeometry() ignores the bias and the loss, but not the polygon", () => {
  const { W, b } = symmetricFailure(7);
  assert.ok(symmetricGeometry(classifyToy(W, b, 6 / 343, { oneHot: true })));
  assert.ok(symmetricGeometry(classifyToy(W, b.map((v, j) => (j === 6 ? 0.4 : v)), 1)));
  const skewed = W.map((row) => row.map((v, j) => (j === 0 ? 1.5 * v : v)));
  assert.ok(!symmetricGeometry(classifyToy(skewed, b, 6 / 343, { oneHot: true })));
});
