/**
 * `deno task reproduce --shard` and `deno task merge` end to end: shards
 * written by separate processes merge into the files of the whole run, byte
 * for byte (config.json aside: its command and timing say how the run was
 * made); a shard set that is not one whole sweep is refused in one line, exit
 * code 2, with nothing written; `--shard` is refused where it cannot apply.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertSameRunFolder, exists, REPRODUCE_SCRIPT } from "./helpers.ts";

const MERGE_SCRIPT = new URL("../scripts/merge.ts", import.meta.url).pathname;

async function cli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

const SWEEP = ["--only", "toy-seed-sweep", "--profile", "smoke", "--set", "seeds=7"];

/** The lines of stderr that say "error:". */
function errors(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("error:"));
}

Deno.test("reproduce --shard and merge: the merged folder is the whole run's, file for file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Shard 1 of 2 chosen by a Kubernetes Indexed Job's variable, shard 0 explicitly.
    const s0 = await cli(REPRODUCE_SCRIPT, [...SWEEP, "--shard", "0/2", "--out", join(dir, "s0")]);
    assert.equal(s0.code, 0, s0.stderr);
    assert.match(s0.stderr, /shard 0\/2 \(seeds 0–2 of 7\)/);
    const s1 = await cli(
      REPRODUCE_SCRIPT,
      [...SWEEP, "--shard", "auto/2", "--workers", "1", "--out", join(dir, "s1")],
      { JOB_COMPLETION_INDEX: "1" },
    );
    assert.equal(s1.code, 0, s1.stderr);
    assert.match(s1.stderr, /shard 1\/2 \(seeds 3–6 of 7\)/);
    assert.ok(!(await exists(join(dir, "s0", "index.html"))), "a shard writes no report");
    const stamp = JSON.parse(await Deno.readTextFile(join(dir, "s1/toy-seed-sweep/shard.json")));
    assert.deepEqual([stamp.index, stamp.count, stamp.lo, stamp.hi], [1, 2, 3, 7]);

    const merged = await cli(MERGE_SCRIPT, [
      "--out",
      join(dir, "m"),
      join(dir, "s1"),
      join(dir, "s0"),
    ]);
    assert.equal(merged.code, 0, merged.stderr);
    const whole = await cli(REPRODUCE_SCRIPT, [...SWEEP, "--out", join(dir, "w")]);
    assert.equal(whole.code, 0, whole.stderr);

    const configs = await assertSameRunFolder(
      join(dir, "m/toy-seed-sweep"),
      join(dir, "w/toy-seed-sweep"),
    );
    const [cm, cw] = [configs.merged, configs.whole] as {
      config: unknown;
      shards: { count: number };
    }[];
    assert.deepEqual(cm.config, cw.config);
    assert.equal(cm.shards.count, 2);
    assert.ok(await exists(join(dir, "m/index.html")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("merge refuses missing, doubled, mismatched and damaged shards, writing nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [name, args] of [
        ["a0", [...SWEEP, "--shard", "0/3"]],
        ["a1", [...SWEEP, "--shard", "1/3"]],
        ["a2", [...SWEEP, "--shard", "2/3"]],
        ["other", [...SWEEP, "--set", "lr=0.02", "--shard", "2/3"]],
      ] as const
    ) {
      const r = await cli(REPRODUCE_SCRIPT, [...args, "--out", join(dir, name)]);
      assert.equal(r.code, 0, r.stderr);
    }
    const out = join(dir, "merged");
    const refuse = async (shards: string[], why: RegExp) => {
      const r = await cli(MERGE_SCRIPT, ["--out", out, ...shards.map((s) => join(dir, s))]);
      assert.equal(r.code, 2, r.stderr);
      const lines = errors(r.stderr);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], why);
      assert.ok(!(await exists(out)), "nothing written");
    };
    await refuse(["a0", "a2"], /toy-seed-sweep: shard 1 of 3 missing/);
    await refuse(["a0", "a1", "a1", "a2"], /shard 1\/3 is given twice/);
    await refuse(["a0", "a1", "other"], /is a shard of another config than/);
    // Another version of the lab: its code digest differs.
    await Deno.mkdir(join(dir, "old/toy-seed-sweep"), { recursive: true });
    for (const f of ["shard.json", "part.json"]) {
      await Deno.copyFile(join(dir, "a2/toy-seed-sweep", f), join(dir, "old/toy-seed-sweep", f));
    }
    const stampPath = join(dir, "old/toy-seed-sweep/shard.json");
    const stamp = JSON.parse(await Deno.readTextFile(stampPath));
    await Deno.writeTextFile(stampPath, JSON.stringify({ ...stamp, code: "0123456789abcdef" }));
    await refuse(["a0", "a1", "old"], /computed by another version of the lab than/);
    // A damaged part.
    await Deno.writeTextFile(stampPath, JSON.stringify(stamp));
    await Deno.writeTextFile(join(dir, "old/toy-seed-sweep/part.json"), '{"seeds": [');
    await refuse(["a0", "a1", "old"], /part\.json: cannot be read as a shard's result/);
    await refuse(["nowhere"], /nowhere: is not a folder that can be read/);
    await Deno.mkdir(join(dir, "empty"));
    await refuse(["empty"], /empty: holds no shard/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reproduce --shard is refused in one line where it cannot apply", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "out");
    for (
      const [args, why, env] of [
        [
          ["--only", "nmf", "--shard", "0/2"],
          /--shard: nmf cannot be sharded .*the experiments that can: toy-seed-sweep/,
        ],
        [[...SWEEP, "--shard", "2/2"], /--shard 2\/2: the index must be below the count/],
        [
          [...SWEEP, "--shard", "auto"],
          /--shard auto: needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT/,
        ],
        [[...SWEEP, "--shard", "auto"], /got "1" and null/, { SLURM_ARRAY_TASK_ID: "1" }],
      ] as const
    ) {
      const r = await cli(REPRODUCE_SCRIPT, [...args, "--out", out], env ?? {});
      assert.equal(r.code, 2, r.stderr);
      assert.equal(errors(r.stderr).length, 1, r.stderr);
      assert.match(errors(r.stderr)[0], why);
      assert.ok(!(await exists(out)), "nothing written");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("more shards than seeds: the empty ones write a stamp only, and the set still merges", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sweep = [
      "--only",
      "toy-seed-sweep",
      "--profile",
      "smoke",
      "--set",
      "seeds=2",
      "--set",
      "steps=50",
    ];
    const shards = ["0/3", "1/3", "2/3"];
    for (const [k, shard] of shards.entries()) {
      const r = await cli(REPRODUCE_SCRIPT, [
        ...sweep,
        "--shard",
        shard,
        "--out",
        join(dir, `s${k}`),
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    // 2 seeds over 3 shards: shard 0 holds [0, 0).
    assert.ok(!(await exists(join(dir, "s0/toy-seed-sweep/part.json"))));
    const m = await cli(MERGE_SCRIPT, [
      "--out",
      join(dir, "m"),
      ...[0, 1, 2].map((k) => join(dir, `s${k}`)),
    ]);
    assert.equal(m.code, 0, m.stderr);
    const w = await cli(REPRODUCE_SCRIPT, [...sweep, "--out", join(dir, "w")]);
    assert.equal(w.code, 0, w.stderr);
    for (const f of ["runs.csv", "summary.json", "outcome_fractions.csv"]) {
      assert.equal(
        await Deno.readTextFile(join(dir, "m/toy-seed-sweep", f)),
        await Deno.readTextFile(join(dir, "w/toy-seed-sweep", f)),
        f,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
