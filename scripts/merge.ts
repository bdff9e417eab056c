/**
 * `deno task merge`: joins the shards of sweeps (`deno task reproduce --shard
 * i/N`, one `--out` folder per shard) into the folders a whole run would have
 * written: the same tables, summaries and figures, byte for byte, and the
 * report index over them.
 *
 *   deno task merge --out DIR SHARD_DIR…
 *
 * Each SHARD_DIR is the `--out` folder of a shard run (or one `<id>/` folder
 * of it). Every experiment found must come whole: shards 0 … N−1 each once,
 * of one config, computed by this version of the lab. Anything else (a
 * missing, duplicated or mismatched shard, an unreadable part) is refused in
 * one line with exit code 2, before anything is written.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { type AnyExperiment, checkConfig, checkRunMemory } from "../lib/core/experiment.ts";
import { MemoryLimitError } from "../lib/core/memory.ts";
import { ConfigError } from "../lib/core/config.ts";
import { findExperiment } from "../lib/registry.ts";
import {
  codeDigest,
  configDigest,
  findShards,
  readShardPart,
  ShardError,
  type ShardFolder,
  shardRange,
  shardSetProblem,
} from "../lib/core/shard.ts";
import { writeExperiment } from "../lib/core/report/write.ts";
import { prepareOutputDir, WriteError } from "../lib/core/io.ts";
import { removeLeftovers } from "../lib/core/report/files.ts";
import { configJson, EXIT_WRITE_FAILED, UsageError, versions, writeReport } from "./_report.ts";

const USAGE = `Usage: deno task merge --out DIR SHARD_DIR…

Joins the shards written by \`deno task reproduce --shard i/N --out SHARD_DIR\` into DIR/<id>/
(the tables, summary and figures of the same sweep run whole) and DIR/index.html.

Exit codes: 0 merged; 2 a bad flag, or shards that do not make whole sweeps (missing,
given twice, of another config or another version of the lab; nothing written); 74 a write
failed.`;

/** One experiment's shards, checked: ready to merge. */
interface Group {
  experiment: AnyExperiment;
  shards: ShardFolder[];
}

/** Groups the shard folders by experiment and checks that each group is one whole sweep. */
async function plan(folders: ShardFolder[]): Promise<Group[]> {
  const code = await codeDigest();
  const byId = new Map<string, ShardFolder[]>();
  for (const f of folders) byId.set(f.stamp.id, [...(byId.get(f.stamp.id) ?? []), f]);
  const groups: Group[] = [];
  for (const [id, shards] of byId) {
    const experiment = findExperiment(id);
    if (!experiment?.shard) {
      throw new UsageError(`${shards[0].dir}: ${id} is not an experiment this lab can merge`);
    }
    const problem = shardSetProblem(shards);
    if (problem) throw new UsageError(problem);
    const { stamp } = shards[0];
    if (stamp.code !== code) {
      throw new UsageError(
        `${id}: the shards were computed by another version of the lab (code ${stamp.code}; ` +
          `this one is ${code}): run them again with this version, or merge with theirs`,
      );
    }
    if (configDigest(id, stamp.config) !== stamp.configDigest) {
      throw new UsageError(`${shards[0].dir}/shard.json: its config does not match its digest`);
    }
    try {
      checkConfig(experiment, stamp.config as never);
    } catch (err) {
      if (err instanceof ConfigError) {
        throw new UsageError(`${shards[0].dir}/shard.json: ${err.message}`);
      }
      throw err;
    }
    // The merge holds the whole sweep's result, as a whole run would: the same memory check.
    try {
      checkRunMemory(experiment, stamp.config, { workers: 1 });
    } catch (err) {
      if (err instanceof MemoryLimitError) {
        throw new UsageError(`cannot merge here: ${err.message}`);
      }
      throw err;
    }
    const total = experiment.shard.instances(stamp.config);
    for (const { stamp: s, dir } of shards) {
      const { lo, hi } = shardRange(total, s);
      if (s.total !== total || s.lo !== lo || s.hi !== hi) {
        throw new UsageError(
          `${dir}/shard.json: says ${experiment.shard.unit} ${s.lo}–${s.hi} of ${s.total}, ` +
            `but shard ${s.index}/${s.count} of this config is ${lo}–${hi} of ${total}`,
        );
      }
    }
    groups.push({ experiment, shards: [...shards].sort((a, b) => a.stamp.index - b.stamp.index) });
  }
  return groups;
}

async function main(args: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { out: { type: "string" }, help: { type: "boolean", default: false } },
    }));
  } catch (err) {
    console.error(`error: ${(err as Error).message.split("\n")[0]} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const started = new Date();
  const command = ["deno task merge", ...args].join(" ");
  let groups: Group[];
  let parts: unknown[][];
  const out = resolve(values.out ?? "");
  try {
    if (!values.out?.trim()) {
      throw new UsageError("--out: needs a folder to write the merged run to");
    }
    if (positionals.length === 0) {
      throw new UsageError("no shard folders given: deno task merge --out DIR SHARD_DIR…");
    }
    const folders = (await Promise.all(positionals.map((d) => findShards(resolve(d))))).flat();
    groups = await plan(folders);
    // Every part is read before anything is written: a bad one refuses the merge whole.
    parts = await Promise.all(groups.map((g) => Promise.all(g.shards.map(readShardPart))));
    const why = await prepareOutputDir(out);
    if (why) throw new UsageError(`--out ${values.out}: ${why}`);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ShardError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  await removeLeftovers(out);
  const ver = await versions();
  try {
    for (const [g, { experiment, shards }] of groups.entries()) {
      const { stamp } = shards[0];
      const config = stamp.config;
      // Empty shards (more shards than instances) hold no part.
      const filled = parts[g].filter((x) => x !== null);
      const result = experiment.shard!.merge(filled as never[], config);
      const artefacts = experiment.artefacts(result, config);
      const { meta } = result;
      await writeExperiment(
        out,
        {
          id: experiment.id,
          title: experiment.title,
          description: experiment.description,
          profile: stamp.profile,
        },
        {
          ...configJson(experiment.id, {
            profile: stamp.profile,
            config,
            overrides: stamp.overrides,
            // train_seconds: the shards' training time added up (what the sweep cost).
            meta,
            versions: ver,
            command,
            started,
          }),
          shards: { count: stamp.count, code: stamp.code, config_digest: stamp.configDigest },
        },
        artefacts,
      );
      console.error(
        `[${experiment.id}] merged ${stamp.count} shards (${stamp.total} ${
          experiment.shard!.unit
        }) → ${out}/${experiment.id}`,
      );
    }
    console.error(`report: ${await writeReport(out, { command, versions: ver })}`);
  } catch (err) {
    if (err instanceof WriteError) {
      console.error(`error: ${err.message}`);
      return EXIT_WRITE_FAILED;
    }
    throw err;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
