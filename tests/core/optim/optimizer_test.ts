/**
 * The optimizers against PyTorch: trajectories recorded by
 * scripts/reference/toy_optim_trajectories.py (float64) from the same initial
 * weights, with a different learning rate per instance.
 */
import assert from "node:assert/strict";
import { optimizerDefaults, type OptimizerName } from "../../../lib/core/optim/config.ts";
import { TOY_MODEL_DEFAULTS, toyParamCount } from "../../../lib/studies/toy/model.ts";
import { type ToyEngine, type ToyTrainConfig } from "../../../lib/studies/toy/config.ts";
import { trainToy } from "../../../lib/studies/toy/train.ts";

interface Fixture {
  n: number;
  m: number;
  steps: number;
  init: { W: number[][][]; b: number[][] };
  cases: {
    id: string;
    optimizer: {
      name: OptimizerName;
      lrs: number[];
      momentum?: number;
      weightDecay?: number;
      nesterov?: boolean;
      centered?: boolean;
    };
    loss: number[][];
    params: { step: number; W: number[][][]; b: number[][] }[];
  }[];
}

const fixture: Fixture = JSON.parse(
  await Deno.readTextFile(new URL("../../../data/reference/toy_optim_torch.json", import.meta.url)),
);

function configFor(c: Fixture["cases"][number]): ToyTrainConfig {
  const { n, m, init } = fixture;
  const model = { ...TOY_MODEL_DEFAULTS, n, m };
  const p = toyParamCount(model);
  const instances = init.W.length;
  const data = new Float64Array(instances * p);
  for (let i = 0; i < instances; i++) {
    init.W[i].forEach((row, a) => data.set(row, i * p + a * n));
    data.set(init.b[i], i * p + m * n);
  }
  const spec = c.optimizer;
  const base = optimizerDefaults(spec.name, spec.lrs[0]);
  return {
    model,
    data: { kind: "identity" },
    importanceDecay: 1,
    optimizer: {
      ...base,
      momentum: spec.momentum ?? 0,
      nesterov: spec.nesterov ?? false,
      centered: spec.centered ?? false,
      weightDecay: spec.weightDecay ?? base.weightDecay,
    },
    steps: fixture.steps,
    seeds: [0, 1, 2],
    lrs: spec.lrs,
    init: { instances, n, m, bias: true, data },
    record: { lossEvery: 1, snapshotEvery: 1, maxLossRows: 1024, maxSnapshots: 1024 },
    divergeAbove: 1e6,
  };
}

async function compare(
  engine: ToyEngine,
  tolerance: { loss: number; params: number; final: number },
) {
  const { n, m } = fixture;
  const p = n * m + n;
  for (const c of fixture.cases) {
    const result = await trainToy(configFor(c), { engine, workers: 1 });
    const instances = c.loss.length;
    let worstLoss = 0;
    for (let k = 0; k < result.loss.steps.length; k++) {
      const step = result.loss.steps[k];
      for (let i = 0; i < instances; i++) {
        const ours = result.loss.values[k * instances + i];
        const ref = c.loss[i][step];
        worstLoss = Math.max(worstLoss, Math.abs(ours - ref) / Math.max(ref, 1e-3));
      }
    }
    let worstParam = 0;
    for (const kept of c.params) {
      const row = result.snapshots.steps.indexOf(kept.step);
      assert.ok(row >= 0, `${c.id}: no snapshot at step ${kept.step}`);
      const base = row * instances * p;
      for (let i = 0; i < instances; i++) {
        for (let a = 0; a < m; a++) {
          for (let j = 0; j < n; j++) {
            const ours = result.snapshots.values[base + i * p + a * n + j];
            worstParam = Math.max(worstParam, Math.abs(ours - kept.W[i][a][j]));
          }
        }
        for (let j = 0; j < n; j++) {
          const ours = result.snapshots.values[base + i * p + m * n + j];
          worstParam = Math.max(worstParam, Math.abs(ours - kept.b[i][j]));
        }
      }
    }
    // The final parameters are kept in float64: compare them at full precision.
    const last = c.params[c.params.length - 1];
    assert.equal(last.step, fixture.steps);
    let worstFinal = 0;
    for (let i = 0; i < instances; i++) {
      const ours = result.final.data.subarray(i * p, (i + 1) * p);
      const ref = [...last.W[i].flat(), ...last.b[i]];
      ref.forEach((v, k) => worstFinal = Math.max(worstFinal, Math.abs(ours[k] - v)));
    }
    if (Deno.env.get("VERBOSE")) console.log(engine, c.id, { worstLoss, worstParam, worstFinal });
    assert.ok(
      worstFinal <= tolerance.final,
      `${engine} ${c.id}: final parameters differ from PyTorch by ${worstFinal}`,
    );
    assert.ok(
      worstLoss <= tolerance.loss,
      `${engine} ${c.id}: loss differs from PyTorch by ${worstLoss} (relative)`,
    );
    assert.ok(
      worstParam <= tolerance.params,
      `${engine} ${c.id}: parameters differ from PyTorch by ${worstParam}`,
    );
  }
}

Deno.test("fused optimizers follow PyTorch's trajectories (float64, 300 steps)", async () => {
  // History rows are stored as float32 (hence 1e-6); final parameters are float64.
  await compare("fused", { loss: 1e-6, params: 1e-6, final: 1e-12 });
});

Deno.test("tfjs optimizers follow PyTorch's trajectories (float32, 300 steps)", async () => {
  await compare("tfjs", { loss: 1e-3, params: 5e-4, final: 5e-4 });
});
