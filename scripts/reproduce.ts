/**
 * `deno task reproduce`: runs the lab's experiments and writes a browsable
 * report.
 *
 *   deno task reproduce [--profile smoke|quick|full] [--only ID[,ID…]]
 *                       [--set key=value]… [--out DIR] [--backend wasm|cpu]
 *                       [--workers N|auto] [--resume] [--max-memory SIZE]
 *                       [--shard i/N|auto|auto/N] [--list] [--help]
 *
 * Every flag and `--set` value, each experiment's estimated memory (against
 * what the machine has available, or `--max-memory`), and the output folder
 * (it must be a folder that exists or can be created, and that can be
 * written to), is checked before anything runs; a bad one is reported in one line and the exit code is
 * 2, with nothing written. Each experiment's directory appears complete or not
 * at all: a write that fails later (a full disk) is one line naming the file,
 * exit code 74, and leaves any earlier result of that experiment as it was.
 * What a killed run left half-written is removed by the next run in the same
 * folder. Ctrl-C stops without leaving partial output (exit code 130).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import {
  type AnyExperiment,
  checkRunMemory,
  type Profile,
  PROFILES,
  resolveConfig,
} from "../lib/core/experiment.ts";
import { ConfigError, type FieldSpec, type Value } from "../lib/core/config.ts";
import { EXPERIMENTS, findExperiment } from "../lib/registry.ts";
import { writeExperiment } from "../lib/core/report/write.ts";
import { configJson, EXIT_WRITE_FAILED, UsageError, versions, writeReport } from "./_report.ts";
import { removeLeftovers } from "../lib/core/report/files.ts";
import { pathExists, prepareOutputDir, WriteError } from "../lib/core/io.ts";
import { parseBytes } from "../lib/core/memory.ts";
import { CheckpointError, TrainingInterrupted } from "../lib/core/train/checkpoint.ts";
import {
  codeDigest,
  configDigest,
  parseShard,
  type Shard,
  ShardError,
  shardRange,
  type ShardStamp,
  writeShard,
} from "../lib/core/shard.ts";

/** The experiments that checkpoint long runs, from their specs. */
const RESUMABLE = EXPERIMENTS.filter((e) => e.checkpoints).map((e) => e.id);

/** The experiments that can be cut into shards by instance. */
const SHARDABLE = EXPERIMENTS.filter((e) => e.shard).map((e) => e.id);

const USAGE = `Usage: deno task reproduce [options]

Runs the lab's experiments and writes OUT/<id>/ (config.json, summary.json,
CSV tables, SVG/PNG figures) and OUT/index.html, the report, whose live
figures are drawn by the scripts in OUT/_report/ (it opens from disk, offline).

Options:
  --profile P     smoke (seconds) | quick (default, minutes) | full (the seeds' lengths)
  --only IDS      comma-separated experiment ids (default: all; see --list)
  --set K=V       override a config value (repeatable); keys per experiment: --list
  --out DIR       output folder (default: out): created if missing, must be writable
  --backend B     tfjs backend for engine=tfjs: wasm (default) | cpu
  --workers N     threads for the fused engine: a number or auto (default)
  --resume        continue long runs (${RESUMABLE.join(", ")}) from OUT/.checkpoints
  --max-memory S  refuse a run estimated to need more than S (e.g. 8GB; default: what
                  the machine has available)
  --shard i/N     run instance range i of N (seeds, cells, jobs…) of every sweep
                  experiment and write OUT/<id>/shard.json and part.json, which
                  \`deno task merge\` joins into the folders of one whole run;
                  auto: Slurm's SLURM_ARRAY_TASK_ID/_COUNT; auto/N: JOB_COMPLETION_INDEX.
                  Sweeps: ${SHARDABLE.join(", ")}
  --list          list experiments and their keys, then exit
  --help          this text

Exit codes: 0 done; 2 a bad flag, value, --out or checkpoint (nothing run or
written); 74 a write failed during the run (disk full, I/O error: the
experiment being written is left out, earlier results stay); 130 Ctrl-C and
143 SIGTERM (checkpoints saved).`;

/** Where an experiment's checkpoints go under the output folder `out`. */
function checkpointDirOf(out: string, id: string): string {
  return join(out, ".checkpoints", id);
}

/** What --out must be, said after what is wrong with it. */
const OUT_ALLOWED = "give a folder that exists or can be created, and that can be written to";

interface Plan {
  profile: Profile;
  resume: boolean;
  out: string;
  /** --out as given, for messages. */
  outArg: string;
  backend: "wasm" | "cpu";
  workers: number | "auto";
  /** --max-memory in bytes. */
  maxMemory: number | undefined;
  jobs: Job[];
  sets: [string, string][];
  /** --shard, when given. */
  shard?: Shard;
}

interface Job {
  experiment: AnyExperiment;
  /** The run's config (with --shard, the whole sweep's: the range says which part). */
  config: Record<string, Value>;
  /** With --shard: what the shard's stamp says (its range among them), but for the code digest. */
  stamp?: Omit<ShardStamp, "code">;
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

/**
 * `--workers -2` as `--workers=-2`: parseArgs takes a value that starts with a
 * dash for another flag, and would report a missing value instead of the bad one.
 */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (/^--[a-z]+$/.test(args[i]) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/** `--max-memory SIZE` in bytes (undefined when not given). */
function memoryFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const bytes = parseBytes(value);
  if (bytes === null) {
    throw new UsageError(`--max-memory ${value} is not allowed: use a size such as 8GB or 500MB`);
  }
  return bytes;
}

function plan(args: string[]): Plan | "help" | "list" {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args),
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
        "max-memory": { type: "string" },
        shard: { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A flag at the end, or followed by another flag, has no value: say so in one line.
    const bare = /^Option '--([a-z]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(
      message,
    );
    if (bare?.[1] === "out") throw new UsageError(`--out: needs a value; ${OUT_ALLOWED}`);
    if (bare) throw new UsageError(`--${bare[1]}: needs a value (see --help)`);
    throw new UsageError(`${message.split("\n")[0]} (see --help)`);
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
  if (!v.out || v.out.trim() === "") {
    throw new UsageError(`--out ${JSON.stringify(v.out ?? "")}: is empty; ${OUT_ALLOWED}`);
  }
  const ids = v.only !== undefined ? v.only.split(",").map((s) => s.trim()).filter(Boolean) : null;
  if (ids !== null && ids.length === 0) {
    throw new UsageError(
      `--only "${v.only}" names no experiment: give comma-separated ids (see --list)`,
    );
  }
  let shard: Shard | undefined;
  if (v.shard !== undefined) {
    try {
      shard = parseShard(v.shard, Deno.env.toObject());
    } catch (err) {
      if (err instanceof ShardError) throw new UsageError(err.message);
      throw err;
    }
  }
  const named = ids
    ? ids.map((id) => {
      const e = findExperiment(id);
      if (!e) {
        throw new UsageError(
          `unknown experiment id "${id}"; known ids: ${EXPERIMENTS.map((x) => x.id).join(", ")}`,
        );
      }
      if (shard && !e.shard) {
        throw new UsageError(
          `--shard: ${id} cannot be sharded (it is not a sweep of independent instances); ` +
            `the experiments that can: ${SHARDABLE.join(", ")}`,
        );
      }
      return e;
    })
    : null;
  const experiments = named ?? (shard ? EXPERIMENTS.filter((e) => e.shard) : EXPERIMENTS);
  const sets = (v.set as string[]).map((pair): [string, string] => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set ${pair} is not allowed: use --set key=value`);
    // The value as typed: a number with spaces around it is refused, not tidied.
    return [pair.slice(0, eq).trim(), pair.slice(eq + 1)];
  });
  const maxMemory = memoryFlag(v["max-memory"]);
  const jobs = experiments.map((experiment): Job => {
    const whole = resolveConfig(experiment, profile, sets);
    const job = shard ? shardJob(experiment, whole, { shard, profile, sets }) : null;
    // Every job's memory is checked before the first runs (and again as it starts, by `run`);
    // a shard's is its range's, and an empty shard runs nothing.
    const checkpointDir = checkpointDirOf(resolve(v.out), experiment.id);
    const range = job?.stamp && { lo: job.stamp.lo, hi: job.stamp.hi };
    if (!range || range.hi > range.lo) {
      checkRunMemory(experiment, whole, { workers, maxMemory, checkpointDir, range });
    }
    return job ?? { experiment, config: whole };
  });
  return {
    profile,
    resume: v.resume ?? false,
    out: resolve(v.out),
    outArg: v.out,
    backend: v.backend,
    workers,
    maxMemory,
    jobs,
    sets,
    shard,
  };
}

/** The job of shard `shard` of `experiment`'s sweep `whole`: its range's config and stamp. */
function shardJob(
  experiment: AnyExperiment,
  whole: Record<string, Value>,
  o: { shard: Shard; profile: Profile; sets: [string, string][] },
): Job {
  const spec = experiment.shard!;
  const total = spec.instances(whole);
  const { lo, hi } = shardRange(total, o.shard);
  const { index, count } = o.shard;
  return {
    experiment,
    config: whole,
    stamp: {
      format: "lab-shard/1",
      id: experiment.id,
      profile: o.profile,
      config: whole,
      overrides: Object.fromEntries(o.sets),
      configDigest: configDigest(experiment.id, whole),
      index,
      count,
      lo,
      hi,
      total,
    },
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

/**
 * Checks, before anything runs, that --out and the checkpoint folders of the
 * experiments that take checkpoints can be written to (creating them), then
 * removes what a killed run left there. Throws a UsageError naming --out.
 */
async function prepareOut(p: Plan): Promise<string[]> {
  const checkpointDirs = p.jobs.filter(({ experiment }) => experiment.checkpoints)
    .map(({ experiment }) => checkpointDirOf(p.out, experiment.id));
  // What is missing now is what this run creates (and removes again if it is refused).
  const created: string[] = [];
  const wanted = [p.out, ...(checkpointDirs.length ? [join(p.out, ".checkpoints")] : [])];
  for (const dir of [...wanted, ...checkpointDirs]) if (!(await pathExists(dir))) created.push(dir);
  const why = await prepareOutputDir(p.out);
  if (why) throw new UsageError(`--out ${p.outArg}: ${why}; ${OUT_ALLOWED}`);
  for (const dir of checkpointDirs) {
    const whyNot = await prepareOutputDir(dir);
    if (whyNot) {
      throw new UsageError(
        `--out ${p.outArg}: its checkpoint folder ${dir} ${whyNot}; ${OUT_ALLOWED}`,
      );
    }
  }
  // Only once everything is known to be usable, so that a refused run changes nothing.
  const { removed, restored } = await removeLeftovers(p.out);
  if (removed.length > 0) {
    console.error(`removed what an interrupted run left in ${p.out}: ${removed.join(", ")}`);
  }
  if (restored.length > 0) {
    console.error(`put back what an interrupted run had moved aside: ${restored.join(", ")}`);
  }
  return created;
}

/** Removes the folders `prepareOut` made, innermost first, where they are still empty. */
async function removeCreated(created: string[]): Promise<void> {
  for (const dir of [...created].reverse()) await Deno.remove(dir).catch(() => {});
}

async function main(): Promise<number> {
  let p: Plan | "help" | "list";
  let created: string[] = [];
  try {
    p = plan(Deno.args);
    if (p !== "help" && p !== "list") created = await prepareOut(p);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    if (err instanceof WriteError) {
      console.error(`error: ${err.message}`);
      return EXIT_WRITE_FAILED;
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
    const code = p.shard ? await codeDigest() : "";
    for (const { experiment, config, stamp } of p.jobs) {
      const bar = progressPrinter(experiment.id);
      const range = stamp && { lo: stamp.lo, hi: stamp.hi };
      // More shards than instances leaves some empty: they run nothing and write only their
      // stamp, so that an array job with every task the same still succeeds.
      if (stamp && stamp.lo === stamp.hi) {
        const dir = await writeShard(p.out, { ...stamp, code }, null);
        bar.done(
          `shard ${stamp.index}/${stamp.count} holds none of the ${stamp.total} ` +
            `${experiment.shard!.unit} (more shards than that): stamp only → ${dir}`,
        );
        continue;
      }
      const checkpointDir = checkpointDirOf(p.out, experiment.id);
      if (p.resume) await sayWhatResumes(experiment, checkpointDir);
      const started = new Date();
      const result = await experiment.run(config, {
        backend: p.backend,
        workers: p.workers,
        maxMemory: p.maxMemory,
        signal: controller.signal,
        checkpointDir,
        resume: p.resume,
        range,
        onProgress: (e) => bar.update(e.fraction, e.message),
      });
      if (stamp) {
        const dir = await writeShard(p.out, { ...stamp, code }, result);
        const { unit } = experiment.shard!;
        bar.done(
          `shard ${stamp.index}/${stamp.count} (${unit} ${stamp.lo}–${stamp.hi - 1} of ` +
            `${stamp.total}) done in ${
              ((Date.now() - started.getTime()) / 1000).toFixed(1)
            } s → ${dir}`,
        );
        continue;
      }
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
        configJson(experiment.id, {
          profile: p.profile,
          config,
          overrides: Object.fromEntries(p.sets),
          meta,
          versions: ver,
          command,
          started,
        }),
        artefacts,
      );
      // The whole experiment's wall time (data, training, analysis, figures), and training's share.
      const wall = (Date.now() - started.getTime()) / 1000;
      bar.done(
        `done in ${wall.toFixed(1)} s, training ${(meta.elapsedMs / 1000).toFixed(1)} s ` +
          `(${meta.engine} on ${meta.backend}, ${meta.workers} worker${
            meta.workers > 1 ? "s" : ""
          })` +
          ` → ${join(p.out, experiment.id)}`,
      );
    }
  } catch (err) {
    // A full disk or a failed write: one line naming the file. The experiment being written was
    // left out whole (its temporary folder removed), a checkpoint's previous version kept.
    if (err instanceof WriteError) {
      console.error(`\nerror: ${err.message}`);
      return EXIT_WRITE_FAILED;
    }
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
      // Refused: the folders made for this run go again (unless an experiment was written there).
      await removeCreated(created);
      return 2;
    }
    throw err;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
  }
  if (p.shard) {
    // A shard has no report of its own: its tables exist only once the shards are merged.
    console.error(
      `shard ${p.shard.index}/${p.shard.count} written to ${p.out}; once every shard is done: ` +
        `deno task merge --out DIR SHARD_DIR…`,
    );
    return 0;
  }
  try {
    const index = await writeReport(p.out, { command, versions: ver });
    console.error(`report: ${index}`);
  } catch (err) {
    if (!(err instanceof WriteError)) throw err;
    console.error(`error: ${err.message}; the experiments' folders are complete`);
    return EXIT_WRITE_FAILED;
  }
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
      // A folder named like a checkpoint counts: its loader refuses it in one line.
      if (e.name.endsWith(".json") && !e.name.startsWith(".")) found = true;
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (!found) {
    console.error(`[${experiment.id}] no checkpoint in ${dir}: starting from the beginning`);
  }
}

if (import.meta.main) Deno.exit(await main());
