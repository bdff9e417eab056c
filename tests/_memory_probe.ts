/**
 * Runs one experiment and prints, as JSON, its memory estimate and the peak
 * resident memory the run added (Linux: VmHWM at the end less VmRSS at the
 * start). Used by memory_estimates_test.ts in a fresh process per run, so
 * that earlier runs' memory does not count.
 *
 * Usage: deno run -A tests/_memory_probe.ts ID '{"key": value}'
 */
import { configure } from "../lib/core/experiment.ts";
import { findExperiment } from "../lib/registry.ts";

const [id, json] = Deno.args;
const kb = (key: string) => {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]) * 1024;
};
const experiment = findExperiment(id)!;
const config = configure(experiment, JSON.parse(json), "quick");
const estimate = experiment.memory!(config, { workers: 1, checkpoints: false });
const before = kb("VmRSS");
const result = await experiment.run(config, { workers: 1 });
experiment.artefacts(result, config);
console.log(JSON.stringify({ estimate: estimate.bytes, peak: kb("VmHWM") - before }));
