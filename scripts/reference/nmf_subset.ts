/**
 * Writes the MNIST subset that scripts/reference/nmf_sklearn.py factorises
 * with scikit-learn: `loadMnist({ limit, seed })`, pixels as float64 (the
 * float32 grey levels, exactly), as JSON `{ n, d, source, limit, seed, values }`.
 *
 *   deno run -A scripts/reference/nmf_subset.ts OUT.json [LIMIT] [SEED]
 *
 * @module
 */
import { loadMnist } from "../../lib/core/data/images.ts";

const [out, limitArg = "500", seedArg = "0"] = Deno.args;
if (!out) {
  console.error("usage: deno run -A scripts/reference/nmf_subset.ts OUT.json [LIMIT] [SEED]");
  Deno.exit(2);
}
const limit = Number(limitArg);
const seed = Number(seedArg);
const images = await loadMnist({ limit, seed });
await Deno.writeTextFile(
  out,
  JSON.stringify({
    n: images.count,
    d: images.width * images.height,
    source: images.source,
    limit,
    seed,
    values: Array.from(images.pixels),
  }),
);
