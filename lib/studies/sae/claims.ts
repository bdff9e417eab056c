/**
 * What `sae` says about the claims "Machine Learning Research Notes 1" takes
 * from O'Neill et al. (2024) on top-k sparse autoencoders and the AuxK loss:
 * reading the experiment's summary and deciding each verdict by a rule fixed
 * here. See `lib/core/claims.ts`.
 *
 * @module
 */
import type { Claim, Verdict } from "../../core/claims.ts";
import { pct } from "../../core/format.ts";

// The summary is plain JSON; the function names the fields it reads.
// deno-lint-ignore no-explicit-any
type Summary = Record<string, any>;

const SECTION = "Disentangling Dense Embeddings with Sparse Autoencoders";

interface ModelSummary {
  model: string;
  seeds: number;
  recovered: number;
  dead_fraction: number;
  eval_nmse: number;
  diverged: number;
}

/**
 * `sae`: a sparse autoencoder retrieves superposed directions, and AuxK
 * revives dead latents.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saeClaims } from "./claims.ts";
 * const m = (model: string, recovered: number, dead_fraction: number) =>
 *   ({ model, seeds: 6, recovered, dead_fraction, eval_nmse: 0.1, diverged: 0 });
 * const s = { setting: "d=64, 256 directions, 4 active; 256 latents, k=4; 3000 steps of 1024",
 *   models: [m("top-k", 0.8, 0.11), m("top-k + AuxK", 0.97, 0.004)] };
 * assert.deepEqual(saeClaims(s).map((c) => c.verdict), ["holds", "holds"]);
 * ```
 */
export function saeClaims(s: Summary): Claim[] {
  // Without the synthetic part (MNIST only) there is nothing known to recover.
  if (!s.models) return [];
  const models = (s.models as ModelSummary[]).filter((m) => m.diverged < m.seeds);
  const best = [...models].sort((a, b) => b.recovered - a.recovered)[0];
  const topk = models.find((m) => m.model === "top-k");
  const auxk = models.find((m) => m.model === "top-k + AuxK");
  let aux: { measured: string; verdict: Verdict };
  if (!topk || !auxk) {
    aux = { measured: "top-k and top-k + AuxK were not both trained", verdict: "open" };
  } else {
    const fewerDead = auxk.dead_fraction < topk.dead_fraction;
    const moreFound = auxk.recovered >= topk.recovered;
    aux = {
      measured: `dead latents at the end ${pct(topk.dead_fraction)} without AuxK, ` +
        `${pct(auxk.dead_fraction)} with it; directions recovered ${pct(topk.recovered)} and ` +
        `${pct(auxk.recovered)} (${s.setting}, ${auxk.seeds} seed${auxk.seeds === 1 ? "" : "s"})`,
      verdict: topk.dead_fraction === 0
        ? "open"
        : fewerDead && moreFound
        ? "holds"
        : fewerDead || moreFound
        ? "holds under conditions"
        : "refuted",
    };
  }
  return [
    {
      id: "sae-retrieves-superposed",
      writeup: "research-notes",
      section: SECTION,
      claim: "A sparse autoencoder with more latents than dimensions retrieves features that " +
        "are superposed in its input.",
      measured: best
        ? `best model ${best.model}: ${pct(best.recovered)} of the true directions have a ` +
          `decoder column within cosine 0.9 (${s.setting})`
        : `every model diverged (${s.setting})`,
      verdict: !best
        ? "open"
        : best.recovered >= 0.9
        ? "holds"
        : best.recovered >= 0.5
        ? "holds under conditions"
        : "open",
    },
    {
      id: "auxk-revives-dead",
      writeup: "research-notes",
      section: SECTION,
      claim: "The AuxK loss revives dead latents and improves what the dictionary represents.",
      ...aux,
    },
  ];
}
