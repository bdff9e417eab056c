/**
 * Copies the figures the README shows from a reproduce run into data/figures/
 * (those the run has; the rest are left as they are).
 *
 *   deno task reproduce && deno run -A scripts/readme_figures.ts [--from out] [--only id,...]
 *
 * Some README figures come from `--profile full` runs (step-ae, step-ae-remedies) or
 * from runs with more seeds (toy-resampling: the command is in the README);
 * `--only` copies just the named experiments' figures so a default run does
 * not overwrite them.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";

const FIGURES = [
  "toy-geometry/perfect_zones.png",
  "toy-geometry/failure_zones.png",
  "toy-geometry/failure_progress.png",
  "toy-seed-sweep/outcome_fractions.png",
  "toy-failure-survey/survey_fractions.png",
  "toy-update-field/update_directions.png",
  "toy-chaos/chaos_splay.png",
  "toy-resampling/success.png",
  "toy-resampling-basin/basin.png",
  "step-ae/reconstructions.png",
  "step-ae-remedies/remedies_summary.png",
  "shallow-ae/error_over_time.png",
  "shallow-ae/pca_gap.png",
  "shallow-ae/pc_capture.png",
  "sae/recovery.png",
  "sae/dead_latents.png",
  "nmf/bases.png",
  "toy-sparse-regime/hidden_vectors.png",
];

const { values } = parseArgs({
  args: Deno.args,
  options: { from: { type: "string", default: "out" }, only: { type: "string" } },
});
const only = values.only?.split(",").map((s) => s.trim());
const target = new URL("../data/figures/", import.meta.url).pathname;
await Deno.mkdir(target, { recursive: true });
for (const f of FIGURES) {
  if (only && !only.includes(f.split("/")[0])) continue;
  const name = f.replace("/", "__");
  try {
    await Deno.copyFile(join(values.from!, f), join(target, name));
    console.log(`data/figures/${name}`);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    console.log(`(not in ${values.from}: ${f})`);
  }
}
