/**
 * Measurements of the step autoencoder (`analysis.ts`): the step-function write-up's appendix
 * (equations 10–18), which differentiates the model without activations with
 * loss ½ΣΣ(y − x)², checked against tfjs autodiff of the reference model;
 * and the rows the experiments build from a trained run.
 */
import assert from "node:assert/strict";
import {
  appendixGradients,
  fastestRemedies,
  firstOfEachLabel,
  type InstanceMeasures,
  remedyRows,
  secondsToThreshold,
} from "../../../lib/studies/step_ae/analysis.ts";
import { stepAeLossGrad, stepAeScratch } from "../../../lib/studies/step_ae/kernel.ts";
import { type StepAeConfig, stepAeLayout } from "../../../lib/studies/step_ae/model.ts";
import { loadTf } from "../../../lib/core/tf.ts";
import { autodiff, linear, random } from "./_helpers.ts";

/**
 * Gradient of ½ΣΣ(y − x)² = (N/2)·MSE, N = (n + 1)·n: tfjs autodiff (float32)
 * and the lab's float64 kernel, which must agree with each other first.
 */
async function halfSumGradient(config: StepAeConfig, params: Float64Array): Promise<Float64Array> {
  const tf = await loadTf("cpu");
  const grad = new Float64Array(params.length);
  stepAeLossGrad(config, params, 0, { scale: 1, shift: 0 }, grad, stepAeScratch(config.n));
  const N = (config.n + 1) * config.n;
  const ref = autodiff(tf, config, params, { scale: 1, shift: 0 }).grad;
  const scale = Math.max(...Array.from(ref, Math.abs));
  assert.ok(maxDiff(grad, ref) < 1e-5 * scale, "kernel and autodiff disagree");
  return Float64Array.from(ref, (g) => (g * N) / 2);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let k = 0; k < a.length; k++) d = Math.max(d, Math.abs(a[k] - b[k]));
  return d;
}

// Autodiff runs in float32: tolerances are relative to the largest entry.
const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  maxDiff(a, b) < 1e-4 * Math.max(1, ...Array.from(b, Math.abs));

Deno.test("appendix eq. 10–11 (∂/∂W₃) and 16–18 (∂/∂w₁) match tfjs autodiff", async () => {
  const L = stepAeLayout(linear);
  for (const seed of [1, 2, 3]) {
    const p = random(L.size, seed);
    const ref = await halfSumGradient(linear, p);
    const eq = appendixGradients(linear, p, { literal: true });
    assert.ok(close(eq.W3, ref.subarray(L.W3, L.W3 + 81)), "eq. 10–11");
    assert.ok(close(eq.w1, ref.subarray(L.w1, L.w1 + 9)), "eq. 17–18");
  }
});

Deno.test("appendix eq. 12–15 (∂/∂w₂, ∂/∂b₂) transpose W₃: they match autodiff only after the fix", async () => {
  const L = stepAeLayout(linear);
  const p = random(L.size, 7);
  const ref = await halfSumGradient(linear, p);
  const literal = appendixGradients(linear, p, { literal: true });
  const fixed = appendixGradients(linear, p, { literal: false });
  // As printed (W₃[r][j]) the formulas miss the true gradient…
  assert.ok(maxDiff(literal.w2, ref.subarray(L.w2, L.w2 + 9)) > 0.1);
  assert.ok(maxDiff(literal.b2, ref.subarray(L.b2, L.b2 + 9)) > 0.1);
  // …with W₃[j][r] (i.e. W₃ᵀ(y − x)) they are exact…
  assert.ok(close(fixed.w2, ref.subarray(L.w2, L.w2 + 9)));
  assert.ok(close(fixed.b2, ref.subarray(L.b2, L.b2 + 9)));
  // …and the two agree when W₃ happens to be symmetric.
  const sym = p.slice();
  for (let j = 0; j < 9; j++) {
    for (let k = 0; k < j; k++) sym[L.W3 + k * 9 + j] = sym[L.W3 + j * 9 + k];
  }
  const a = appendixGradients(linear, sym, { literal: true });
  const b = appendixGradients(linear, sym, { literal: false });
  assert.ok(maxDiff(a.w2, b.w2) < 1e-12 && maxDiff(a.b2, b.b2) < 1e-12);
});

/** A measured instance with just what the remedies table reads. */
function measured(
  label: string,
  over: {
    thresholdEpoch: number;
    finalLoss: number;
    r2: number;
    dead?: number;
    outputRelu?: boolean;
    divergedAt?: number;
  },
): InstanceMeasures {
  const series = { width: 1, steps: [], values: new Float32Array(0) };
  return {
    result: {
      label,
      params: new Float64Array(0),
      finalLoss: over.finalLoss,
      exampleError: new Float64Array(0),
      z: new Float64Array(0),
      loss: series,
      snapshots: series,
      gradW1: new Float64Array(0),
      thresholdEpoch: over.thresholdEpoch,
      dropEpoch: -1,
      divergedAt: over.divergedAt ?? -1,
      resumedFrom: 0,
    },
    model: {
      n: 3,
      amplitude: 5,
      hiddenRelu: true,
      outputRelu: over.outputRelu ?? true,
      outputBias: false,
      initScale: 0.01,
    },
    diverged: (over.divergedAt ?? -1) >= 0,
    outputs: {
      z: new Float64Array(0),
      y: new Float64Array(0),
      exampleError: new Float64Array(0),
      loss: 0,
    },
    linearity: { slope: 0, intercept: 0, r2: over.r2, maxDeviation: 0, relativeMaxDeviation: 0 },
    edges: { left: 1, right: 2 },
    dead: { hidden: [], output: Array.from({ length: over.dead ?? 0 }, (_, j) => j) },
  };
}

Deno.test("remedyRows() takes medians over each remedy's seeds, in the order remedies first appear", () => {
  const rows = remedyRows([
    measured("slow", { thresholdEpoch: 900, finalLoss: 0.3, r2: 0.9, dead: 4 }),
    measured("fast", {
      thresholdEpoch: 100,
      finalLoss: 0.01,
      r2: 0.9999,
      outputRelu: false,
      dead: 5,
    }),
    measured("slow", { thresholdEpoch: 700, finalLoss: 0.1, r2: 0.8, dead: 2 }),
    measured("fast", { thresholdEpoch: 300, finalLoss: 0.03, r2: 0.9997, outputRelu: false }),
    measured("never", { thresholdEpoch: -1, finalLoss: 2, r2: 0.5 }),
    measured("never", { thresholdEpoch: 50, finalLoss: 0.05, r2: 0.99 }),
  ], { changeOf: (id) => `change ${id}` });
  assert.deepEqual(rows.map((r) => r.remedy), ["slow", "fast", "never"]);
  const [slow, fast, never] = rows;
  assert.equal(slow.change, "change slow");
  assert.equal(slow.seeds, 2);
  assert.equal(slow.epochs_to_threshold, 800);
  assert.ok(!("seconds_to_threshold" in slow), "wall times stay out of the table");
  assert.equal(fast.epochs_to_threshold, 200);
  assert.deepEqual(secondsToThreshold(rows, 2), { slow: 1.6, fast: 0.4, never: null });
  assert.ok(Math.abs(slow.final_loss - 0.2) < 1e-12);
  assert.equal(slow.dead_output_units, 3);
  // Without an output ReLU there are no dead outputs to count.
  assert.equal(fast.dead_output_units, 0);
  // A remedy counts as reaching the threshold only when every seed does.
  assert.equal(never.reached_threshold, 1);
  assert.equal(never.epochs_to_threshold, null);
  assert.deepEqual(fastestRemedies(rows).map((r) => r.remedy), ["fast", "slow"]);
});

Deno.test("remedyRows() leaves diverged seeds out of every median and counts them", () => {
  const rows = remedyRows([
    measured("mixed", { thresholdEpoch: 400, finalLoss: 0.05, r2: 0.99, dead: 1 }),
    // Whatever a diverged seed's fields hold, none of it may reach a median.
    measured("mixed", { thresholdEpoch: -1, finalLoss: 9e9, r2: 0.1, dead: 9, divergedAt: 7 }),
    measured("gone", { thresholdEpoch: 3, finalLoss: 1, r2: 1, divergedAt: 2 }),
  ], { changeOf: (id) => id });
  const [mixed, gone] = rows;
  assert.deepEqual(
    [mixed.seeds, mixed.diverged, mixed.reached_threshold, mixed.epochs_to_threshold],
    [2, 1, 1, 400],
  );
  assert.deepEqual([mixed.final_loss, mixed.latent_r2, mixed.dead_output_units], [0.05, 0.99, 1]);
  assert.deepEqual([gone.seeds, gone.diverged, gone.reached_threshold], [1, 1, 0]);
  assert.equal(gone.epochs_to_threshold, null);
  assert.ok([gone.final_loss, gone.latent_r2, gone.err_left].every(Number.isNaN));
  // A remedy with a diverged seed did not reach the threshold on every seed.
  assert.deepEqual(fastestRemedies(rows), []);
});

Deno.test("firstOfEachLabel() keeps the first instance of each label in order", () => {
  const all = [
    measured("a", { thresholdEpoch: 1, finalLoss: 1, r2: 1 }),
    measured("b", { thresholdEpoch: 2, finalLoss: 2, r2: 1 }),
    measured("a", { thresholdEpoch: 3, finalLoss: 3, r2: 1 }),
  ];
  assert.deepEqual(firstOfEachLabel(all).map((m) => m.result.thresholdEpoch), [1, 2]);
});
