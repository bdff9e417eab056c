/** Small builders shared by the tests. */
import { optimizerDefaults, type OptimizerName } from "../lib/core/optim/config.ts";
import { TOY_MODEL_DEFAULTS } from "../lib/studies/toy/model.ts";
import type { ToyTrainConfig } from "../lib/studies/toy/config.ts";

/** A toy run on one-hot data with the given overrides. */
export function toyRun(
  overrides: Partial<ToyTrainConfig> & { optimizerName?: OptimizerName; lr?: number } = {},
): ToyTrainConfig {
  const { optimizerName = "adam", lr = 1e-2, ...rest } = overrides;
  return {
    model: TOY_MODEL_DEFAULTS,
    data: { kind: "identity" },
    importanceDecay: 1,
    optimizer: optimizerDefaults(optimizerName, lr),
    steps: 200,
    seeds: [0, 1, 2, 3],
    record: { lossEvery: 1, snapshotEvery: 10, maxLossRows: 4096, maxSnapshots: 512 },
    divergeAbove: 1e6,
    ...rest,
  };
}
