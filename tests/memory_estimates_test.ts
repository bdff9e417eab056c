/**
 * Every experiment's memory estimate (issue 11, item 4), checked two ways:
 *
 * - for all of them, quickly: there is one, it is finite and positive for
 *   every profile, and it does not shrink when any integer knob it names
 *   grows (and grows when the first one does);
 * - for the ones whose big terms can be made large in a run of seconds, in a
 *   fresh process: the estimate is within a factor of two of the peak
 *   resident memory the run added (Linux only: VmHWM less VmRSS at the start).
 */
import assert from "node:assert/strict";
import { ConfigError, type FieldSpec, type Value } from "../lib/core/config.ts";
import { configure, PROFILES } from "../lib/core/experiment.ts";
import { EXPERIMENTS, findExperiment } from "../lib/registry.ts";

const context = { workers: 2, checkpoints: true };

Deno.test("every experiment estimates its memory, for every profile", () => {
  for (const e of EXPERIMENTS) {
    assert.ok(e.memory, `${e.id} has no memory estimate`);
    for (const profile of PROFILES) {
      const estimate = e.memory(configure(e, {}, profile), context);
      assert.ok(
        Number.isFinite(estimate.bytes) && estimate.bytes > 0,
        `${e.id} ${profile}: ${estimate.bytes}`,
      );
      assert.ok(estimate.knobs.every((k) => k in e.fields), `${e.id} names ${estimate.knobs}`);
      assert.ok(estimate.terms.every((t) => t.bytes > 0 && t.what.length > 0));
    }
  }
});

/** The config with `key` raised (doubled, or to its maximum), or null when no larger value is valid. */
function raised(e: (typeof EXPERIMENTS)[number], key: string, base: Record<string, Value>) {
  const spec = e.fields[key] as FieldSpec;
  if (spec.type !== "int") return null;
  const v = base[key] as number;
  for (const next of [Math.min(2 * v, spec.max ?? Infinity), v + 1]) {
    if (next <= v) continue;
    try {
      return configure(e, { ...base, [key]: next });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
    }
  }
  return null;
}

Deno.test("every experiment's estimate grows with the knobs it names", () => {
  for (const e of EXPERIMENTS) {
    const base = configure(e, {}, "smoke");
    const before = e.memory!(base, context);
    for (const [k, key] of before.knobs.entries()) {
      const more = raised(e, key, base);
      if (!more) continue;
      const after = e.memory!(more, context).bytes;
      assert.ok(after >= before.bytes, `${e.id}: raising ${key} lowered the estimate`);
      if (k === 0) assert.ok(after > before.bytes, `${e.id}: raising ${key} changed nothing`);
    }
  }
});

const linux = await Deno.stat("/proc/self/status").then(() => true, () => false);

/**
 * Runs of a few seconds whose estimated peak is 100 MB or more. (Larger runs of every
 * experiment were measured the same way when the estimates were written; the fast ones
 * are kept here.)
 */
const MEASURED: [string, Record<string, unknown>][] = [
  ["toy-seed-sweep", { seeds: 20_000, n: 16, m: 8, steps: 1 }],
  ["step-ae-remedies", { n: 512, epochs: 2, seeds: 4, remedies: "baseline,adam" }],
];

Deno.test({
  name: "estimates are within a factor of two of the measured peak of a run",
  ignore: !linux,
  fn: async () => {
    const probe = new URL("./_memory_probe.ts", import.meta.url).pathname;
    for (const [id, overrides] of MEASURED) {
      assert.ok(findExperiment(id));
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", probe, id, JSON.stringify(overrides)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const { estimate, peak } = JSON.parse(new TextDecoder().decode(out.stdout));
      const ratio = peak / estimate;
      assert.ok(estimate > 100e6, `${id}: only ${estimate} bytes estimated; measure a larger run`);
      assert.ok(ratio > 0.5 && ratio < 2, `${id}: peak ${peak} against estimate ${estimate}`);
    }
  },
});
