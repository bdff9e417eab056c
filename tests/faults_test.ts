/**
 * Faults, one test per study, through the CLI as a user meets them: the
 * process is killed with SIGKILL in the middle of training (no handler runs,
 * nothing is saved on the way out), and the next run in the same `--out`
 * must give tables byte-identical to a run that was never killed — from the
 * last checkpoint with `--resume` where the study checkpoints, from the start
 * where it does not. A checkpoint damaged after the kill must be refused in
 * one line (exit 2), never resumed, and leave no experiment folder behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readCheckpoint } from "../lib/core/train/checkpoint.ts";
import { exists, reproduce, spawnReproduce } from "./helpers.ts";

const spawn = (args: string[]) => spawnReproduce(args);
const run = reproduce;

/** Every CSV of an experiment folder, by name. */
async function tables(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    if (e.name.endsWith(".csv")) out.set(e.name, await Deno.readTextFile(join(dir, e.name)));
  }
  return out;
}

/** The steps saved so far in the checkpoint files of `dir` (none while there are none). */
async function savedSteps(dir: string): Promise<number[]> {
  const steps: number[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.name.endsWith(".json") || e.name.startsWith(".")) continue;
      const saved = await readCheckpoint<{ step: number }>(join(dir, e.name)).catch(() => null);
      if (saved) steps.push(saved.state.step);
    }
  } catch {
    // The folder does not exist yet.
  }
  return steps;
}

/** Waits (up to 60 s) until `ready()` holds. */
async function until(ready: () => Promise<boolean>, what: string): Promise<void> {
  for (let k = 0; k < 3000; k++) {
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Starts `args` into `out` and kills it with SIGKILL once `ready(stderr so
 * far)` holds; checks that it was the kill that ended it, before it finished.
 */
async function killMidRun(
  args: string[],
  out: string,
  id: string,
  ready: (stderr: string) => Promise<boolean>,
): Promise<void> {
  const child = spawn([...args, "--out", out]);
  let stderr = "";
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  await until(() => ready(stderr), `${id} to get under way`);
  child.kill("SIGKILL");
  const status = await child.status;
  await reading;
  await child.stdout.cancel();
  assert.equal(status.signal, "SIGKILL", `${id} ended on its own: ${stderr}`);
  assert.ok(!(await exists(join(out, id))), `${id} finished before the kill`);
}

interface Case {
  study: string;
  id: string;
  /** A run of a few seconds that checkpoints often. */
  args: string[];
  /** Whether the experiment checkpoints (and so takes --resume). */
  checkpoints: boolean;
}

const CASES: Case[] = [
  {
    study: "toy",
    id: "toy-seed-sweep",
    args: ["--set", "seeds=512", "--set", "steps=4000", "--workers", "2"],
    checkpoints: false,
  },
  {
    study: "step_ae",
    id: "step-ae",
    args: ["--set", "n=33", "--set", "epochs=60000", "--set", "checkpointEvery=2000"],
    checkpoints: true,
  },
  {
    study: "shallow_ae",
    id: "shallow-ae",
    args: [
      "--set",
      "data=spiked",
      "--set",
      "seeds=1",
      "--set",
      "steps=40000",
      "--set",
      "checkpointEvery=2000",
    ],
    checkpoints: true,
  },
  {
    study: "sae",
    id: "sae",
    args: ["--set", "steps=1500", "--set", "mnistSteps=0", "--set", "checkpointEvery=100"],
    checkpoints: true,
  },
  {
    study: "nmf",
    id: "nmf",
    args: [
      "--set",
      "digits=1000",
      "--set",
      "rank=16",
      "--set",
      "objectives=frobenius",
      "--set",
      "iterations=300",
      "--set",
      "checkpointEvery=20",
    ],
    checkpoints: true,
  },
];

for (const c of CASES) {
  const name = c.checkpoints
    ? `fault (${c.study}): ${c.id} killed with SIGKILL resumes byte-identical; a damaged checkpoint is refused`
    : `fault (${c.study}): ${c.id} killed with SIGKILL reruns byte-identical, its leftovers removed`;
  Deno.test(name, async () => {
    const root = await Deno.makeTempDir();
    const args = ["--profile", "smoke", "--only", c.id, ...c.args];
    const cpDir = (out: string) => join(out, ".checkpoints", c.id);
    try {
      const whole = await run([...args, "--out", join(root, "whole")]);
      assert.equal(whole.code, 0, whole.stderr);
      const expected = await tables(join(root, "whole", c.id));
      assert.ok(expected.size > 0);

      const killed = join(root, "killed");
      if (c.checkpoints) {
        // Killed once a checkpoint part-way exists: the resume has work left to do.
        await killMidRun(
          args,
          killed,
          c.id,
          async () => (await savedSteps(cpDir(killed))).length > 0,
        );
        const resumed = await run([...args, "--out", killed, "--resume"]);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.deepEqual(await tables(join(killed, c.id)), expected);
      } else {
        // Killed a third of the way through training; the rerun starts over.
        await killMidRun(args, killed, c.id, (err) => Promise.resolve(/\b3\d% /.test(err)));
        const rerun = await run([...args, "--out", killed]);
        assert.equal(rerun.code, 0, rerun.stderr);
        assert.deepEqual(await tables(join(killed, c.id)), expected);
        const left = [...Deno.readDirSync(killed)].filter((e) => e.name.endsWith(".partial"));
        assert.deepEqual(left, [], "the killed run's partial folders are removed");
        return;
      }

      // Kill again, then damage one byte of a checkpoint's payload.
      const damaged = join(root, "damaged");
      await killMidRun(
        args,
        damaged,
        c.id,
        async () => (await savedSteps(cpDir(damaged))).length > 0,
      );
      const files = [...Deno.readDirSync(cpDir(damaged))].filter((e) => e.name.endsWith(".json"));
      const file = join(cpDir(damaged), files[0].name);
      const bytes = await Deno.readFile(file);
      const at = bytes.indexOf(0x0a) + Math.floor((bytes.length - bytes.indexOf(0x0a)) / 2);
      bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
      await Deno.writeFile(file, bytes);
      const refused = await run([...args, "--out", damaged, "--resume"]);
      assert.equal(refused.code, 2, refused.stderr);
      // One error line (a note that the killed run's leftovers were removed may come before it).
      const lines = refused.stderr.trim().split("\n").filter((l) => /^error/.test(l));
      assert.equal(lines.length, 1, refused.stderr);
      assert.match(lines[0], /is refused: its contents do not match their digest \(damaged\)/);
      assert.ok(!(await exists(join(damaged, c.id))), "nothing written for a refused checkpoint");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}
