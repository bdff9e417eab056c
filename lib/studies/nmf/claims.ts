/**
 * What `nmf` says about the claim "Machine Learning Research Notes 1" takes
 * from Lee & Seung (1999), that NMF's basis is made of parts: reading the
 * experiment's summary and deciding the verdict by a rule fixed here. See
 * `lib/core/claims.ts`.
 *
 * @module
 */
import { type Claim, shareVerdict } from "../../core/claims.ts";
import { fixed } from "../../core/format.ts";

// The summary is plain JSON; the function names the fields it reads.
// deno-lint-ignore no-explicit-any
type Summary = Record<string, any>;

interface RunSummary {
  objective: string;
  init: string;
  relative_error: number | null;
  basis_hoyer: number | null;
}

/**
 * `nmf`: parts-based, sparse bases where PCA's are whole-image patterns
 * (Hoyer sparsity of the basis images, NMF against PCA at the same rank).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmfClaims } from "./claims.ts";
 * const s = { setting: "10000 MNIST digits, rank 49, 100 iterations", pca_basis_hoyer: 0.43,
 *   runs: [{ objective: "frobenius", init: "random", relative_error: 0.17, basis_hoyer: 0.85 }] };
 * assert.equal(nmfClaims(s)[0].verdict, "holds");
 * ```
 */
export function nmfClaims(s: Summary): Claim[] {
  const runs = (s.runs as RunSummary[]).filter((r) => r.basis_hoyer !== null);
  const sparser = runs.filter((r) => r.basis_hoyer! > s.pca_basis_hoyer + 0.1);
  return [{
    id: "nmf-parts",
    writeup: "research-notes",
    section: "Learning the parts of objects by non-negative matrix factorization",
    claim: "NMF learns a parts-based representation: sparse basis images, where PCA's are " +
      "whole-image patterns.",
    measured: runs.length
      ? `Hoyer sparsity of the basis images ${
        runs.map((r) => `${fixed(r.basis_hoyer, 2)} (${r.objective}, ${r.init})`).join(", ")
      } against ${fixed(s.pca_basis_hoyer, 2)} for PCA's components (${s.setting}; the paper ` +
        `used faces: --set facesDir=…)`
      : `every fit diverged (${s.setting})`,
    verdict: shareVerdict(sparser.length, runs.length),
  }];
}
