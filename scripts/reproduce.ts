/**
 * `deno task reproduce`: runs the lab's experiments and writes a browsable
 * report.
 *
 *   deno task reproduce [--profile smoke|quick|full] [--only ID[,ID…]]
 *                       [--set key=value]… [--out DIR] [--backend wasm|cpu]
 *                       [--workers N|auto] [--resume] [--list] [--help]
 *
 * Every flag and `--set` value is checked before anything runs; a bad one is
 * reported in one line and the exit code is 2, with nothing written. Each
 * experiment's directory appears complete or not at all, and Ctrl-C stops
 * without leaving partial output (exit code 130).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import {
  type AnyExperiment,
  type Profile,
  PROFILES,
  resolveConfig,
} from "../lib/core/experiment.ts";
import { ConfigError, type FieldSpec, type Value } from "../lib/core/config.ts";
import { EXPERIMENTS, findExperiment } from "../lib/registry.ts";
import { readManifests, writeIndex } from "../lib/core/report/index_html.ts";
import { writeExperiment } from "../lib/core/report/write.ts";
import { TFJS_VERSION } from "../lib/core/tf.ts";
import { CheckpointError, TrainingInterrupted } from "../lib/core/train/checkpoint.ts";

/** The experiments that checkpoint long runs, from their specs. */
const RESUMABLE = EXPERIMENTS.filter((e) => e.checkpoints).map((e) => e.id);

const USAGE = `Usage: deno task reproduce [options]

Runs the lab's experiments and writes OUT/<id>/ (config.json, summary.json,
CSV tables, SVG/PNG figures) and OUT/index.html.

Options:
  --profile P     smoke (seconds) | quick (default, minutes) | full (the seeds' lengths)
  --only IDS      comma-separated experiment ids (default: all; see --list)
  --set K=V       override a config value (repeatable); keys per experiment: --list
  --out DIR       output directory (default: out)
  --backend B     tfjs backend for engine=tfjs: wasm (default) | cpu
  --workers N     threads for the fused engine: a number or auto (default)
  --resume        continue long runs (${RESUMABLE.join(", ")}) from OUT/.checkpoints
  --list          list experiments and their keys, then exit
  --help          this text`;

class UsageError extends Error {}

interface Plan {
  profile: Profile;
  resume: boolean;
  out: string;
  backend: "wasm" | "cpu";
  workers: number | "auto";
  jobs: { experiment: AnyExperiment; config: Record<string, Value> }[];
  sets: [string, string][];
}

function describeField(spec: FieldSpec): string {
  switch (spec.type) {
    case "enum":
      return spec.values.join("|");
    case "bool":
      return "true|false";
    default:
      return spec.type;
  }
}

function listing(): string {
  return EXPERIMENTS.map((e) => {
    const keys = Object.entries(e.fields as Record<string, FieldSpec>).map(([k, spec]) =>
      `    ${k.padEnd(12)} ${describeField(spec).padEnd(24)} default ${
        JSON.stringify((e.defaults as Record<string, Value>)[k])
      }  ${spec.doc}`
    );
    const resumable = e.checkpoints ? " (checkpoints; takes --resume)" : "";
    return `${e.id}: ${e.title}${resumable}\n${keys.join("\n")}`;
  }).join("\n\n");
}

function plan(args: string[]): Plan | "help" | "list" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        profile: { type: "string", default: "quick" },
        only: { type: "string" },
        set: { type: "string", multiple: true, default: [] },
        out: { type: "string", default: "out" },
        backend: { type: "string", default: "wasm" },
        workers: { type: "string", default: "auto" },
        list: { type: "boolean", default: false },
        resume: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : err} (see --help)`);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (v.list) return "list";
  const profile = v.profile as Profile;
  if (!PROFILES.includes(profile)) {
    throw new UsageError(`--profile ${v.profile} is not allowed: use one of ${PROFILES.join("|")}`);
  }
  if (v.backend !== "wasm" && v.backend !== "cpu") {
    throw new UsageError(`--backend ${v.backend} is not allowed: use wasm|cpu`);
  }
  let workers: number | "auto" = "auto";
  if (v.workers !== "auto") {
    const w = Number(v.workers);
    if (!/^\d+$/.test(v.workers!) || w < 1 || w > 64) {
      throw new UsageError(`--workers ${v.workers} is not allowed: use an integer 1–64 or auto`);
    }
    workers = w;
  }
  if (!v.out || v.out.trim() === "") throw new UsageError("--out needs a directory");
  const ids = v.only !== undefined ? v.only.split(",").map((s) => s.trim()).filter(Boolean) : null;
  if (ids !== null && ids.length === 0) {
    throw new UsageError(
      `--only "${v.only}" names no experiment: give comma-separated ids (see --list)`,
    );
  }
  const experiments = ids
    ? ids.map((id) => {
      const e = findExperiment(id);
      if (!e) {
        throw new UsageError(
          `unknown experiment id "${id}"; known ids: ${EXPERIMENTS.map((x) => x.id).join(", ")}`,
        );
      }
      return e;
    })
    : EXPERIMENTS;
  const sets = (v.set as string[]).map((pair): [string, string] => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set ${pair} is not allowed: use --set key=value`);
    return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
  });
  const jobs = experiments.map((experiment) => ({
    experiment,
    config: resolveConfig(experiment, profile, sets),
  }));
  return {
    profile,
    resume: v.resume ?? false,
    out: resolve(v.out),
    backend: v.backend,
    workers,
    jobs,
    sets,
  };
}

async function versions(): Promise<Record<string, string>> {
  const deno = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  ) as { imports: Record<string, string> };
  const pinned = (name: string) => deno.imports[name]?.split("@").pop() ?? "?";
  return {
    deno: Deno.version.deno,
    "@tensorflow/tfjs": TFJS_VERSION,
    arquero: pinned("arquero"),
    vega: pinned("vega"),
    "vega-lite": pinned("vega-lite"),
  };
}

function progressPrinter(id: string) {
  const tty = Deno.stderr.isTerminal();
  const started = performance.now();
  let lastPrinted = -1;
  const enc = new TextEncoder();
  return {
    update(fraction: number, message: string) {
      const pct = Math.floor(fraction * 100);
      const elapsed = (performance.now() - started) / 1000;
      const eta = fraction > 0.02 ? elapsed * (1 - fraction) / fraction : NaN;
      const line = `[${id}] ${String(pct).padStart(3)}% ${message} · ${elapsed.toFixed(1)} s` +
        (Number.isFinite(eta) && fraction < 1 ? ` · ETA ${eta.toFixed(0)} s` : "");
      if (tty) {
        Deno.stderr.writeSync(enc.encode(`\r\x1b[2K${line}`));
      } else if (pct >= lastPrinted + 10 || fraction >= 1) {
        lastPrinted = pct;
        console.error(line);
      }
    },
    done(message: string) {
      if (tty) Deno.stderr.writeSync(enc.encode("\r\x1b[2K"));
      console.error(`[${id}] ${message}`);
    },
  };
}

async function main(): Promise<number> {
  let p: Plan | "help" | "list";
  try {
    p = plan(Deno.args);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (p === "help") {
    console.log(USAGE);
    return 0;
  }
  if (p === "list") {
    console.log(listing());
    return 0;
  }
  // Ctrl-C (SIGINT) and a scheduler's SIGTERM stop the same way: the running experiment saves
  // its checkpoint and nothing half-written is left. The exit code says which signal it was.
  const controller = new AbortController();
  let signalCode = 130;
  const onInt = () => controller.abort(new Error("interrupted"));
  const onTerm = () => {
    signalCode = 143;
    controller.abort(new Error("terminated"));
  };
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  const ver = await versions();
  const command = ["deno task reproduce", ...Deno.args].join(" ");
  try {
    for (const { experiment, config } of p.jobs) {
      const bar = progressPrinter(experiment.id);
      if (p.resume) await sayWhatResumes(experiment, join(p.out, ".checkpoints", experiment.id));
      const started = new Date();
      const result = await experiment.run(config, {
        backend: p.backend,
        workers: p.workers,
        signal: controller.signal,
        checkpointDir: join(p.out, ".checkpoints", experiment.id),
        resume: p.resume,
        onProgress: (e) => bar.update(e.fraction, e.message),
      });
      const artefacts = experiment.artefacts(result, config);
      const { meta } = result;
      await writeExperiment(
        p.out,
        {
          id: experiment.id,
          title: experiment.title,
          description: experiment.description,
          profile: p.profile,
        },
        {
          id: experiment.id,
          profile: p.profile,
          config,
          overrides: Object.fromEntries(p.sets),
          engine: meta.engine,
          backend: meta.backend,
          workers: meta.workers,
          versions: ver,
          command,
          started_at: started.toISOString(),
          train_seconds: Number((meta.elapsedMs / 1000).toFixed(3)),
        },
        artefacts,
      );
      bar.done(
        `done in ${(meta.elapsedMs / 1000).toFixed(1)} s (${meta.engine} on ${meta.backend}, ` +
          `${meta.workers} worker${meta.workers > 1 ? "s" : ""}) → ${join(p.out, experiment.id)}`,
      );
    }
  } catch (err) {
    if (err instanceof TrainingInterrupted) {
      console.error(`\ninterrupted: ${err.message}`);
      return signalCode;
    }
    if (controller.signal.aborted) {
      console.error("\ninterrupted: nothing more was written");
      return signalCode;
    }
    // A checkpoint that does not fit, or a config value that only fails once its files are
    // read (e.g. a malformed facesDir).
    if (err instanceof ConfigError || err instanceof CheckpointError) {
      console.error(`\nerror: ${err.message}`);
      return 2;
    }
    throw err;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
  }
  const manifests = await readManifests(p.out, EXPERIMENTS.map((e) => e.id));
  const index = await writeIndex(p.out, manifests, { generatedBy: command, versions: ver });
  console.error(`report: ${index}`);
  return 0;
}

/**
 * With --resume, says in one line when an experiment has nothing to resume
 * from (it then starts from the beginning) or takes no checkpoints at all.
 */
async function sayWhatResumes(experiment: { id: string; checkpoints?: boolean }, dir: string) {
  if (!experiment.checkpoints) {
    console.error(
      `[${experiment.id}] takes no checkpoints: --resume does not apply, running it whole`,
    );
    return;
  }
  let found = false;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".json")) found = true;
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (!found) {
    console.error(`[${experiment.id}] no checkpoint in ${dir}: starting from the beginning`);
  }
}

if (import.meta.main) Deno.exit(await main());
