/**
 * Sharded sweeps on a real Slurm cluster (issue 14): `scripts/slurm/submit.sh`
 * submits a `toy-seed-sweep` smoke sweep as an array of 3 shards plus the
 * merge job that waits for it, on a private single-node cluster
 * (`tests/_slurm_cluster.ts`), and the merged folder must equal the same
 * sweep run whole, byte for byte: tables, summary, figure specs and SVGs, and
 * config.json's `config`.
 *
 * The cluster needs root and Debian's `slurm-wlm` and `munge`; without them
 * that test is skipped, and says why in its name, unless `LAB_REQUIRE_SLURM=1`
 * (CI), which makes a missing Slurm a failure. The other tests need no
 * Slurm: submit.sh against a stand-in `sbatch` (arguments refused in one line
 * with exit code 2, the two submissions it makes), the batch scripts'
 * refusals, and the Kubernetes Indexed Job manifest's shard count.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertSameRunFolder, exists, reproduce } from "./helpers.ts";
import {
  type CommandResult,
  runCommand,
  slurmAvailable,
  startSlurmCluster,
} from "./_slurm_cluster.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const SUBMIT = join(ROOT, "scripts/slurm/submit.sh");
const SWEEP = ["--only", "toy-seed-sweep", "--profile", "smoke", "--set", "seeds=24"];
const SHARDS = 3;
/** How long the array and merge jobs may take together. */
const JOBS_TIMEOUT_MS = 5 * 60_000;

const unavailable = await slurmAvailable();
const required = Deno.env.get("LAB_REQUIRE_SLURM") === "1";
const skipped = unavailable === null || required ? "" : ` (skipped: ${unavailable})`;

/** The test's environment with this very Deno first on PATH, as the jobs should find it. */
function withDeno(env: Record<string, string>): Record<string, string> {
  return { ...env, NO_COLOR: "1", PATH: `${dirname(Deno.execPath())}:${env.PATH ?? ""}` };
}

Deno.test({
  name: `slurm: submit.sh's ${SHARDS}-shard array and merge job equal the whole run${skipped}`,
  ignore: unavailable !== null && !required,
  // The daemons are child processes that live across the whole test.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.equal(unavailable, null, `LAB_REQUIRE_SLURM=1 but Slurm cannot run: ${unavailable}`);
    const cluster = await startSlurmCluster({ cpus: 2 });
    try {
      // Inside the cluster's folder, which stop() (or its watchdog) removes.
      const work = join(cluster.dir, "work");
      await Deno.mkdir(work);
      // Relative paths from a folder outside the repository, as a user might call it.
      const sub = await runCommand(SUBMIT, ["--shards", String(SHARDS), "--out", "out", ...SWEEP], {
        env: withDeno(cluster.env),
        cwd: work,
      });
      assert.equal(sub.code, 0, sub.stderr);
      const array = /^array job (\d+):/m.exec(sub.stdout)?.[1];
      const merge = /^merge job (\d+): after array job (\d+) /m.exec(sub.stdout);
      assert.ok(array && merge && merge[2] === array, `submit.sh printed:\n${sub.stdout}`);

      // The whole run, locally, while the cluster works.
      const whole = join(work, "whole");
      const local = reproduce([...SWEEP, "--out", whole]);
      const states = await cluster.waitForJobs([array, merge[1]], JOBS_TIMEOUT_MS)
        .catch(async (error) => {
          throw new Error(`${error.message}\n${await jobLogs(work)}\n${await cluster.logs()}`);
        });
      const expected = new Map([
        ...Array.from({ length: SHARDS }, (_, i) => [`${array}_${i}`, "COMPLETED"] as const),
        [merge[1], "COMPLETED"],
      ]);
      if (!sameStates(states, expected)) {
        assert.fail(
          `jobs ended as ${show(states)}, not all COMPLETED\n${await jobLogs(work)}\n${await cluster
            .logs()}`,
        );
      }
      const r = await local;
      assert.equal(r.code, 0, r.stderr);

      for (let i = 0; i < SHARDS; i++) {
        const shard = join(work, `out.shards/shard-${i}/toy-seed-sweep/shard.json`);
        assert.ok(await isFile(shard), `array task ${i} wrote no ${shard}`);
      }
      assert.ok(await isFile(join(work, "out/index.html")), "the merge job wrote no index.html");
      await assertSameRun(join(work, "out/toy-seed-sweep"), join(whole, "toy-seed-sweep"));
    } finally {
      await cluster.stop();
    }
  },
});

/** The merged folder holds the whole run's files, byte for byte but config.json's timing. */
async function assertSameRun(merged: string, whole: string): Promise<void> {
  const configs = await assertSameRunFolder(merged, whole);
  // config.json also records when and how each run was made; the config itself must agree.
  const [a, b] = [configs.merged.config, configs.whole.config] as { seeds?: number }[];
  assert.equal(b?.seeds, 24, "the whole run's config.json has no config with seeds=24");
  assert.deepEqual(a, b, "config.json's config");
}

// ---- submit.sh and the batch scripts, against a stand-in sbatch ----

/**
 * A folder with an `sbatch` that records each call's arguments (one a line,
 * a blank line after each call) in `calls.txt` and answers job ids 101, 102…
 */
async function fakeSbatch(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await Deno.makeTempDir({ prefix: "lab-fake-sbatch-" });
  await Deno.mkdir(join(dir, "bin"));
  const script = join(dir, "bin/sbatch");
  await Deno.writeTextFile(
    script,
    `#!/usr/bin/env bash
log=${dir}/calls.txt
n=$(( $(grep -c '^$' "$log" 2>/dev/null || true) + 101 ))
printf '%s\\n' "$@" "" >> "$log"
echo "$n"
`,
  );
  await Deno.chmod(script, 0o755);
  const env = Deno.env.toObject();
  return { dir, env: { ...env, PATH: `${dir}/bin:${env.PATH ?? ""}` } };
}

/** The argument lists the stand-in sbatch was called with. */
async function sbatchCalls(dir: string): Promise<string[][]> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "calls.txt"));
  } catch {
    return [];
  }
  return text.split("\n\n").filter((c) => c.trim() !== "").map((c) => c.trim().split("\n"));
}

Deno.test("submit.sh refuses bad arguments in one line, exit code 2, submitting nothing", async () => {
  const { dir, env } = await fakeSbatch();
  try {
    await Deno.mkdir(join(dir, "taken.shards/shard-0"), { recursive: true });
    const ok = ["--only", "toy-seed-sweep", "--out", "o"];
    const cases: [string[], RegExp][] = [
      [[], /--shards \(missing\) is not allowed: use a whole number from 1 to 1000$/],
      [["--shards", "0", ...ok], /--shards 0 is not allowed/],
      [["--shards", "2.5", ...ok], /--shards 2\.5 is not allowed/],
      [["--shards", "1001", ...ok], /--shards 1001 is not allowed/],
      [["--shards", "3", "--only", "toy-seed-sweep"], /--out is missing/],
      [["--shards", "3", "--out", "o"], /--only \(missing\) is not allowed: name one experiment/],
      [["--shards", "3", "--out", "o", "--only", "a,b"], /--only a,b is not allowed/],
      [["--shards", "3", ...ok, "--profile", "huge"], /--profile huge is not allowed: use one of/],
      [["--shards", "3", ...ok, "--set", "seeds"], /--set seeds is not allowed: use --set key=v/],
      [["--shards", "3", ...ok, "--frobnicate"], /unknown argument "--frobnicate"/],
      [["--shards", "3", ...ok, "--frob=1"], /unknown option "--frob"/],
      [["--shards", "3", ...ok, "extra"], /unknown argument "extra"/],
      [["--shards"], /--shards needs a value/],
      [["--shards", "3", ...ok, "--shard-dir", "o"], /--shard-dir must differ from --out/],
      [
        ["--shards", "3", ...ok, "--shard-dir", "taken.shards"],
        /taken\.shards already holds shard-\* folders/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const r = await runCommand(SUBMIT, args, { env, cwd: dir });
      const where = `submit.sh ${args.join(" ")}`;
      assert.equal(r.code, 2, `${where}: exit code ${r.code}`);
      assert.equal(r.stdout, "", where);
      assert.match(r.stderr, /^submit\.sh: [^\n]*\n$/, `${where}: not one line: ${r.stderr}`);
      assert.match(r.stderr.trimEnd(), pattern, where);
    }
    assert.deepEqual(await sbatchCalls(dir), [], "sbatch was called");
    assert.equal(await exists(join(dir, "o.shards")), false, "submit.sh made o.shards");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("submit.sh submits the array and then the merge job after it, from any folder", async () => {
  const { dir, env } = await fakeSbatch();
  try {
    const args = ["--shards", "3", "--out", "res/", ...SWEEP];
    const r = await runCommand(SUBMIT, args, { env, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const [sweep, merge, ...more] = await sbatchCalls(dir);
    assert.deepEqual(more, []);
    const shards = join(dir, "res.shards");
    assert.deepEqual(sweep, [
      "--parsable",
      `--chdir=${ROOT}`,
      "--array=0-2",
      "--job-name=lab-sweep-toy-seed-sweep",
      `--output=${shards}/logs/sweep-%A_%a.out`,
      "scripts/slurm/sweep.sbatch",
      shards,
      ...SWEEP,
    ]);
    assert.deepEqual(merge, [
      "--parsable",
      `--chdir=${ROOT}`,
      "--dependency=afterok:101",
      "--kill-on-invalid-dep=yes",
      "--job-name=lab-merge-toy-seed-sweep",
      `--output=${shards}/logs/merge-%j.out`,
      "scripts/slurm/merge.sbatch",
      join(dir, "res"),
      shards,
    ]);
    assert.match(r.stdout, /^array job 101: 3 shards of toy-seed-sweep → /m);
    assert.match(
      r.stdout,
      /^merge job 102: after array job 101 succeeds → .*\/res\/toy-seed-sweep\//m,
    );
    assert.ok((await Deno.stat(join(shards, "logs"))).isDirectory, "no logs folder for the jobs");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep.sbatch and merge.sbatch refuse a call they cannot serve, in one line, exit 2", async () => {
  const env: Record<string, string> = { ...Deno.env.toObject(), SLURM_SUBMIT_DIR: ROOT };
  const array = { ...env, SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "3" };
  delete env.SLURM_ARRAY_TASK_ID;
  delete env.SLURM_ARRAY_TASK_COUNT;
  const sweep = join(ROOT, "scripts/slurm/sweep.sbatch");
  const merge = join(ROOT, "scripts/slurm/merge.sbatch");
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    [sweep, ["/tmp/s", ...SWEEP], env, /not an array task: submit with sbatch --array=0-\(N-1\)/],
    [sweep, [], array, /usage: sbatch --array=0-\(N-1\) sweep\.sbatch SHARDS/],
    [sweep, ["shards", ...SWEEP], array, /SHARDS must be an absolute path, got "shards"/],
    [sweep, ["/tmp/s", ...SWEEP, "--shard", "0/3"], array, /--shard is set by sweep\.sbatch/],
    [sweep, ["/tmp/s", "--out=/x"], array, /--out=\/x is set by sweep\.sbatch itself/],
    [merge, ["/tmp/o"], env, /usage: sbatch merge\.sbatch OUT SHARDS/],
    [merge, ["o", "/tmp/s"], env, /paths must be absolute, got "o"/],
    [merge, ["/tmp/o", "/nonexistent/lab-shards"], env, /no shard-\* folders in \/nonexistent/],
  ];
  for (const [script, args, vars, pattern] of cases) {
    const r: CommandResult = await runCommand("bash", [script, ...args], { env: vars });
    const where = `${script.split("/").pop()} ${args.join(" ")}`;
    assert.equal(r.code, 2, `${where}: exit code ${r.code}, ${r.stderr}`);
    assert.match(r.stderr, /^(sweep|merge)\.sbatch: [^\n]*\n$/, `${where}: ${r.stderr}`);
    assert.match(r.stderr, pattern, where);
  }
});

Deno.test("k8s sweep-job.yaml is an Indexed Job whose completions match --shard auto/N", async () => {
  const text = await Deno.readTextFile(join(ROOT, "scripts/k8s/sweep-job.yaml"));
  assert.ok(!text.includes("\t"), "YAML must be indented with spaces");
  const job = text.split(/^---$/m).find((doc) => /^kind: Job$/m.test(doc));
  assert.ok(job, "no Job document");
  assert.match(job, /^ {2}completionMode: Indexed$/m);
  const completions = Number(/^ {2}completions: (\d+)$/m.exec(job)?.[1]);
  const parallelism = Number(/^ {2}parallelism: (\d+)$/m.exec(job)?.[1]);
  const shards = [...job.matchAll(/--shard auto\/(\d+)/g)].map((m) => Number(m[1]));
  assert.ok(completions >= 1, "no completions");
  assert.ok(parallelism >= 1 && parallelism <= completions, `parallelism ${parallelism}`);
  assert.deepEqual(shards, [completions], "--shard auto/N must name the completions count");
  assert.match(job, /--out "\/shards\/shard-\$\{JOB_COMPLETION_INDEX\}"/);
  assert.match(job, /npx -y deno@2\.9\.6 task reproduce\s/);
  assert.match(
    text,
    /^# .*npx -y deno@2\.9\.6 task merge --out \/shards\/merged \/shards\/shard-\*/m,
  );
});

// ---- small helpers ----

function sameStates(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...b].every(([k, v]) => a.get(k) === v);
}

function show(states: Map<string, string>): string {
  return [...states].map(([job, state]) => `${job} ${state}`).join(", ");
}

/** The last 20 lines of every job log submit.sh asked for. */
async function jobLogs(work: string): Promise<string> {
  const dir = join(work, "out.shards/logs");
  const parts: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const text = await Deno.readTextFile(join(dir, entry.name));
      parts.push(`--- ${entry.name}\n${text.trimEnd().split("\n").slice(-20).join("\n")}`);
    }
  } catch (error) {
    parts.push(`--- no job logs in ${dir}: ${error}`);
  }
  return parts.sort().join("\n");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
