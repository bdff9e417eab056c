/**
 * `toy-chaos`: what a run does from a perturbed Symmetric Failure, over a grid
 * of perturbation size × learning rate (seed 001, "Asymmetric Recovery is
 * Chaotic").
 *
 * Every cell starts from Symmetric Failure (n features, the last unlearnt)
 * with the biases of two adjacent learnt features raised by δ, and trains for
 * `steps` steps at its own learning rate. All cells are instances of one
 * batched run (per-instance learning rates and initial states). Recorded per
 * cell: the splay (sum of the learnt columns' norms, seed 001's measure of
 * how far the features swept out), whether the unlearnt feature got learnt
 * (every feature learnt at the end), divergence, and the final state.
 * Narrow the ranges to zoom into a sub-rectangle at a finer grid.
 *
 * @module
 */
import * as aq from "arquero";
import { perturbedFailure } from "../failure_states.ts";
import { finalOutcomes, finalState } from "../analysis.ts";
import { STATES } from "../outcomes.ts";
import { OUTCOME_COLORS } from "../../../core/plots/colors.ts";
import { OPTIMIZER_NAMES, type OptimizerName } from "../../../core/optim/config.ts";
import { chaosHeatmapSpec } from "../plots_failure.ts";
import { ConfigError, type Experiment } from "../../../core/experiment.ts";
import { trainFrom } from "./failure_common.ts";

/** Config of `toy-chaos`. */
export interface ChaosConfig {
  [key: string]: number | string | boolean | null;
  n: number;
  optimizer: OptimizerName;
  steps: number;
  deltaMin: number;
  deltaMax: number;
  /** Grid points along δ (linear). */
  deltas: number;
  lrMin: number;
  lrMax: number;
  /** Grid points along the learning rate (log-spaced). */
  lrs: number;
}

/** One cell of the grid. */
export interface ChaosCell {
  delta: number;
  lr: number;
  /** Sum of the learnt columns' norms at the end (NaN when diverged). */
  splay: number;
  wn_norm: number;
  learnt: boolean;
  diverged: boolean;
  state: string;
  final_loss: number;
}

/** What `toy-chaos` returns. */
export interface ChaosResult {
  cells: ChaosCell[];
  /** Splay of the unperturbed Symmetric Failure (the sum of n−1 regular-polygon norms). */
  baseSplay: number;
}

function grid(min: number, max: number, count: number, log: boolean): number[] {
  if (count === 1) return [min];
  return Array.from(
    { length: count },
    (_, k) => log ? min * (max / min) ** (k / (count - 1)) : min + ((max - min) * k) / (count - 1),
  );
}

export const toyChaos: Experiment<ChaosConfig, ChaosResult> = {
  id: "toy-chaos",
  title: "Toy autoencoder: the chaos map of perturbation × learning rate",
  description:
    "Starts from Symmetric Failure with two adjacent biases raised by δ and trains every cell of a " +
    "δ × learning-rate grid as one batched run. Heatmaps of the splay (sum of the learnt columns' " +
    "norms), of whether the unlearnt feature was learnt, of divergence and of the final state show " +
    "where the outcome depends smoothly on the settings and where it turns patchy (seed 001 calls it " +
    "chaotic). Narrow deltaMin/deltaMax/lrMin/lrMax to zoom in.",
  defaults: {
    n: 7,
    optimizer: "sgd",
    steps: 10_000,
    deltaMin: 0,
    deltaMax: 0.1,
    deltas: 48,
    lrMin: 0.3,
    lrMax: 30,
    lrs: 48,
  },
  fields: {
    n: { type: "int", min: 5, max: 32, doc: "features (the last one unlearnt)" },
    optimizer: { type: "enum", values: OPTIMIZER_NAMES, doc: "optimizer" },
    steps: { type: "int", min: 1, max: 10_000_000, doc: "steps per cell" },
    deltaMin: { type: "number", min: 0, max: 1, doc: "smallest bias perturbation δ" },
    deltaMax: { type: "number", min: 0, max: 1, doc: "largest bias perturbation δ" },
    deltas: { type: "int", min: 1, max: 1024, doc: "grid points along δ" },
    lrMin: { type: "number", min: 0, exclusiveMin: true, doc: "smallest learning rate" },
    lrMax: { type: "number", min: 0, exclusiveMin: true, doc: "largest learning rate" },
    lrs: { type: "int", min: 1, max: 1024, doc: "grid points along the learning rate (log)" },
  },
  profiles: {
    smoke: { deltas: 8, lrs: 8, steps: 500 },
    quick: {},
    full: { deltas: 128, lrs: 128 },
  },
  validate(c) {
    if (c.deltaMin > c.deltaMax) {
      throw new ConfigError(
        `deltaMin=${c.deltaMin} is not allowed: it must be <= deltaMax=${c.deltaMax}`,
      );
    }
    if (c.lrMin > c.lrMax) {
      throw new ConfigError(`lrMin=${c.lrMin} is not allowed: it must be <= lrMax=${c.lrMax}`);
    }
  },
  async run(c, options) {
    const n = c.n;
    const deltas = grid(c.deltaMin, c.deltaMax, c.deltas, false);
    const lrs = grid(c.lrMin, c.lrMax, c.lrs, true);
    const cells = deltas.flatMap((delta) => lrs.map((lr) => ({ delta, lr })));
    const states = cells.map(({ delta }) =>
      perturbedFailure(n, delta, { mode: "bias", pair: [0, n - 2] })
    );
    const run = await trainFrom(
      states,
      { optimizer: c.optimizer, lr: c.lrMin, lrs: cells.map((x) => x.lr), steps: c.steps },
      options,
      [0, 1, `${cells.length} cells`],
    );
    const outcomes = finalOutcomes(run, { oneHot: true });
    const base = perturbedFailure(n, 0);
    let baseSplay = 0;
    for (let j = 0; j < n - 1; j++) baseSplay += Math.hypot(base.W[0][j], base.W[1][j]);
    const result: ChaosCell[] = cells.map(({ delta, lr }, i) => {
      const diverged = run.divergedAt[i] >= 0;
      const { W } = finalState(run.final, i);
      let splay = 0;
      for (let j = 0; j < n - 1; j++) splay += Math.hypot(W[0][j], W[1][j]);
      return {
        delta,
        lr,
        splay: diverged ? NaN : splay,
        wn_norm: diverged ? NaN : Math.hypot(W[0][n - 1], W[1][n - 1]),
        learnt: outcomes[i].state === "all learnt",
        diverged,
        state: outcomes[i].state,
        final_loss: run.finalLoss[i],
      };
    });
    return {
      cells: result,
      baseSplay,
      meta: {
        engine: run.engine,
        backend: run.backend,
        workers: run.workers,
        elapsedMs: run.elapsedMs,
      },
    };
  },
  artefacts(r, c) {
    const deltaStep = c.deltas > 1 ? (c.deltaMax - c.deltaMin) / (c.deltas - 1) : 0.01;
    const lrRatio = c.lrs > 1 ? (c.lrMax / c.lrMin) ** (1 / (c.lrs - 1)) : 1.1;
    const setting = `n=${c.n}, ${c.optimizer}, ${c.steps} steps`;
    const heat = (
      value: (x: ChaosCell) => number | string | null,
      title: string,
      label: string,
      extra: Record<string, unknown> = {},
    ) =>
      chaosHeatmapSpec(r.cells.map((x) => ({ delta: x.delta, lr: x.lr, value: value(x) })), {
        title: `${title} (${setting})`,
        value: label,
        deltaStep,
        lrRatio,
        ...extra,
      });
    const present = STATES.filter((s) => r.cells.some((x) => x.state === s));
    const count = (f: (x: ChaosCell) => boolean) => r.cells.filter(f).length;
    const learntCells = count((x) => x.learnt);
    const divergedCells = count((x) => x.diverged);
    const byLr = new Map<number, ChaosCell[]>();
    for (const x of r.cells) byLr.set(x.lr, [...(byLr.get(x.lr) ?? []), x]);
    // Patchiness: along δ at a fixed lr, how often the final state changes between neighbours.
    let changes = 0;
    let pairs = 0;
    for (const row of byLr.values()) {
      const sorted = [...row].sort((a, b) => a.delta - b.delta);
      for (let k = 1; k < sorted.length; k++) {
        pairs++;
        if (sorted[k].state !== sorted[k - 1].state) changes++;
      }
    }
    return {
      summary: {
        setting,
        grid: { deltas: c.deltas, lrs: c.lrs, cells: r.cells.length },
        delta_range: [c.deltaMin, c.deltaMax],
        lr_range: [c.lrMin, c.lrMax],
        base_splay: r.baseSplay,
        learnt_cells: learntCells,
        diverged_cells: divergedCells,
        states: Object.fromEntries(present.map((s) => [s, count((x) => x.state === s)])),
        state_changes_between_neighbours: { changes, pairs, fraction: pairs ? changes / pairs : 0 },
      },
      tables: { chaos: aq.from(r.cells) },
      figures: {
        chaos_splay: heat(
          (x) => (Number.isFinite(x.splay) ? x.splay : null),
          "Splay Σ‖Wⱼ‖, blank: diverged",
          "splay",
        ),
        chaos_learnt: heat(
          (x) => (x.diverged ? "diverged" : x.learnt ? "learnt" : "not learnt"),
          "Was the unlearnt feature learnt?",
          "unlearnt feature",
          {
            nominal: {
              domain: ["learnt", "not learnt", "diverged"],
              range: ["#4c9a2a", "#d9d9d9", "#222222"],
            },
          },
        ),
        chaos_state: heat((x) => x.state, "Final state", "state", {
          nominal: { domain: present, range: present.map((s) => OUTCOME_COLORS[s]) },
        }),
        chaos_wn: heat(
          (x) => (Number.isFinite(x.wn_norm) ? Math.log10(Math.max(x.wn_norm, 1e-12)) : null),
          "log10 ‖Wₙ‖ at the end",
          "log10 ‖Wₙ‖",
          { scheme: "magma" },
        ),
      },
      notes: [
        `${r.cells.length} cells (${c.deltas} δ in [${c.deltaMin}, ${c.deltaMax}] × ${c.lrs} learning ` +
        `rates in [${c.lrMin}, ${c.lrMax}], log), ${setting}, from Symmetric Failure with b1 and ` +
        `b${c.n - 1} raised by δ. Unperturbed splay: ${r.baseSplay.toFixed(3)}.`,
        `The unlearnt feature was learnt in ${learntCells} cells; ${divergedCells} diverged. Along δ at ` +
        `a fixed learning rate the final state changes between neighbouring cells ${changes} times in ` +
        `${pairs} pairs.`,
      ],
    };
  },
};
