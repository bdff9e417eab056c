/**
 * `deno task reproduce` end to end: bad input is refused in one line with exit
 * code 2 and nothing written; the same config and seed give byte-identical
 * tables; the report links every figure.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveConfig } from "../lib/core/experiment.ts";
import { toySeedSweep } from "../lib/studies/toy/experiments/seed_sweep.ts";
import { exists, reproduce, REPRODUCE_SCRIPT } from "./helpers.ts";

Deno.test("resolveConfig() names the key, the value and what is allowed", () => {
  const bad: [string, string, RegExp][] = [
    ["n", "1", /^ConfigError: n=1 is not allowed: n must be an integer >= 2 and <= 64$/],
    ["m", "0", /^ConfigError: m=0 is not allowed: m must be an integer >= 1/],
    ["lr", "0", /^ConfigError: lr=0 is not allowed: lr must be a number > 0$/],
    ["lr", "fast", /^ConfigError: lr=fast is not allowed/],
    ["steps", "0", /^ConfigError: steps=0 is not allowed: steps must be an integer >= 1/],
    ["steps", "2.5", /^ConfigError: steps=2.5 is not allowed/],
    [
      "optimizer",
      "lbfgs",
      /^ConfigError: optimizer=lbfgs is not allowed: optimizer must be one of sgd\|adam\|adamw\|rmsprop$/,
    ],
    ["colour", "red", /^ConfigError: unknown key "colour" for toy-seed-sweep; known keys: /],
  ];
  for (const [key, value, pattern] of bad) {
    assert.throws(() => resolveConfig(toySeedSweep, "quick", [[key, value]]), pattern);
  }
  assert.throws(
    () => resolveConfig(toySeedSweep, "quick", [["m", "7"]]),
    /^ConfigError: m=7 is not allowed with n=7: the toy model squeezes n features into m < n dimensions$/,
  );
  assert.throws(
    () => resolveConfig(toySeedSweep, "quick", [["optimizer", "adam"], ["momentum", "0.9"]]),
    /momentum=0.9 is not allowed with optimizer=adam/,
  );
  const ok = resolveConfig(toySeedSweep, "smoke", [["n", "8"], ["weightDecay", "default"]]);
  assert.equal(ok.n, 8);
  assert.equal(ok.weightDecay, null);
  assert.equal(ok.seeds, 32);
});

Deno.test("reproduce refuses bad input in one line, exit code 2, nothing written", async () => {
  const dir = await Deno.makeTempDir();
  const cases: [string[], RegExp][] = [
    [
      ["--only", "toy-nope"],
      /unknown experiment id "toy-nope"; known ids: toy-geometry, toy-seed-sweep/,
    ],
    [["--only", "toy-seed-sweep", "--set", "n=1"], /n=1 is not allowed: n must be an integer >= 2/],
    [["--only", "toy-seed-sweep", "--set", "lr=-3"], /lr=-3 is not allowed/],
    [["--only", "toy-seed-sweep", "--set", "m=9"], /m=9 is not allowed with n=7/],
    [["--only", "toy-seed-sweep", "--set", "wat=1"], /unknown key "wat" for toy-seed-sweep/],
    [["--set", "n=8"], /unknown key "n" for toy-geometry/],
    [["--profile", "huge"], /--profile huge is not allowed: use one of smoke\|quick\|full/],
    [["--frobnicate"], /Unknown option '--frobnicate'/],
    [["--set", "steps"], /--set steps is not allowed: use --set key=value/],
    [["--only", ","], /--only "," names no experiment/],
    [["--only", ""], /--only "" names no experiment/],
    [["--only", "toy-seed-sweep", "--set", "lr=0x10"], /lr=0x10 is not allowed/],
    [
      ["--only", "toy-failure-survey", "--set", "lrFactors=1,0b11"],
      /lrFactors=1,0b11 is not allowed/,
    ],
    [["--only", "toy-seed-sweep", "--set", "lr=Infinity"], /lr=Infinity is not allowed/],
  ];
  for (const [args, pattern] of cases) {
    const out = join(dir, "out");
    const r = await reproduce([...args, "--out", out]);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(lines[0], pattern);
    assert.ok(!(await exists(out)), `${args.join(" ")} wrote ${out}`);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reproduce refuses a config that cannot fit in memory before anything runs: one line, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out");
  // Issue 11's sweep, against a fixed budget so that the machine's size does not matter.
  const issue = ["--only", "toy-seed-sweep", "--set", "seeds=100000", "--set", "n=64"];
  const started = performance.now();
  const r = await reproduce([
    ...issue,
    ...["--set", "m=63", "--set", "steps=1", "--max-memory", "16GB", "--out", out],
  ]);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(
    r.stderr.trim(),
    /^error: toy-seed-sweep: this config needs about 27 GB \(parameters, gradient and 2 optimizer buffers of 100000 instances × 4096 parameters: 13 GB; snapshots of .* rows: 9.8 GB\), the budget given is 16 GB; lower seeds, n or m$/,
  );
  assert.ok(seconds < 20, `took ${seconds.toFixed(1)} s: it trained before refusing`);
  assert.ok(!(await exists(out)), "wrote the output folder");
  // The whole plan is checked first: a later experiment that cannot fit stops the earlier ones
  // too (smoke toy-tilt needs about 84 kB, smoke toy-seed-sweep about 1.9 MB).
  const later = await reproduce([
    ...["--profile", "smoke", "--only", "toy-tilt,toy-seed-sweep", "--max-memory", "1MB"],
    ...["--out", out],
  ]);
  assert.equal(later.code, 2, later.stderr);
  assert.match(
    later.stderr,
    /^error: toy-seed-sweep: this config needs about 1.9 MB .*the budget given is 1 MB; lower seeds, n or m\n$/,
  );
  assert.ok(!(await exists(out)), "toy-tilt ran before the sweep was refused");
  const bad = await reproduce(["--max-memory", "lots", "--out", out]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^error: --max-memory lots is not allowed: use a size such as 8GB or 500MB\n$/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reproduce: same config and seed give byte-identical runs.csv; the report shows every figure", async () => {
  const dir = await Deno.makeTempDir();
  const args = [
    "--profile",
    "smoke",
    "--only",
    "toy-seed-sweep",
    "--set",
    "n=8",
    "--set",
    "optimizer=adamw",
    "--set",
    "lr=0.003",
    "--set",
    "seeds=40",
    "--set",
    "seed=11",
  ];
  const a = await reproduce([...args, "--out", join(dir, "a")]);
  assert.equal(a.code, 0, a.stderr);
  const b = await reproduce([...args, "--out", join(dir, "b"), "--workers", "2"]);
  assert.equal(b.code, 0, b.stderr);
  const runsA = await Deno.readTextFile(join(dir, "a/toy-seed-sweep/runs.csv"));
  const runsB = await Deno.readTextFile(join(dir, "b/toy-seed-sweep/runs.csv"));
  assert.equal(runsA, runsB);
  const lines = runsA.trim().split("\n");
  assert.equal(lines.length, 41);
  assert.match(lines[0], /^seed,outcome,n_unlearnt,.*final_loss/);
  assert.match(lines[1], /^11,/);

  const config = JSON.parse(await Deno.readTextFile(join(dir, "a/toy-seed-sweep/config.json")));
  assert.equal(config.config.n, 8);
  assert.equal(config.config.lr, 0.003);
  assert.equal(config.engine, "fused");
  assert.equal(config.backend, "wasm-simd-float64"); // AdamW on one-hot data: the pair kernel
  assert.ok("versions" in config);

  const html = await Deno.readTextFile(join(dir, "a/index.html"));
  const manifest = JSON.parse(await Deno.readTextFile(join(dir, "a/toy-seed-sweep/manifest.json")));
  assert.ok(manifest.figures.length >= 3);
  for (const f of manifest.figures) {
    assert.ok(html.includes(`toy-seed-sweep/${f.name}.svg`), `index.html misses ${f.name}`);
    const png = await Deno.readFile(join(dir, `a/toy-seed-sweep/${f.name}.png`));
    assert.deepEqual([...png.subarray(1, 4)], [80, 78, 71]); // "PNG"
  }
  assert.ok(html.includes("toy-seed-sweep/runs.csv"));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reproduce runs the tfjs engine on the cpu backend and records it", async () => {
  const dir = await Deno.makeTempDir();
  const r = await reproduce([
    "--profile",
    "smoke",
    "--only",
    "toy-seed-sweep",
    "--set",
    "engine=tfjs",
    "--set",
    "seeds=4",
    "--set",
    "steps=30",
    "--backend",
    "cpu",
    "--out",
    dir,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(await Deno.readTextFile(join(dir, "toy-seed-sweep/config.json")));
  assert.equal(config.engine, "tfjs");
  assert.equal(config.backend, "cpu");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reproduce --resume says when there is nothing to resume from", async () => {
  const dir = await Deno.makeTempDir();
  const r = await reproduce([
    "--only",
    "step-ae,toy-geometry",
    "--profile",
    "smoke",
    "--resume",
    "--out",
    join(dir, "a"),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\[step-ae\] no checkpoint in .*step-ae: starting from the beginning/);
  assert.match(r.stderr, /\[toy-geometry\] takes no checkpoints: --resume does not apply/);
  await Deno.remove(dir, { recursive: true });
});

/** A step-ae run long enough to stop: the args, without --out. */
const LONG_STEP_AE = [
  "--only",
  "step-ae",
  "--set",
  "n=33",
  "--set",
  "epochs=120000",
  "--set",
  "checkpointEvery=5000",
];

/**
 * Starts {@link LONG_STEP_AE} into `out`, sends `signal` once its first
 * checkpoint exists, and checks what every stop must do: exit `code`, one
 * line saying where the checkpoint is, no partial experiment directory.
 */
async function stopLongStepAe(out: string, signal: Deno.Signal, code: number): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", REPRODUCE_SCRIPT, ...LONG_STEP_AE, "--out", out],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Interrupt once the run is under way (its first checkpoint exists).
  const checkpoint = join(out, ".checkpoints/step-ae/instance-0.json");
  for (let k = 0; k < 200 && !(await exists(checkpoint)); k++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill(signal);
  const stopped = await child.output();
  const stderr = new TextDecoder().decode(stopped.stderr);
  assert.equal(stopped.code, code, stderr);
  assert.match(
    stderr,
    /interrupted: stopped at epoch \d+; checkpoint saved in .* \(continue with --resume\)/,
  );
  assert.ok(!(await exists(join(out, "step-ae"))), "no partial experiment directory");
}

Deno.test("reproduce: SIGTERM (a scheduler's stop) saves a checkpoint like Ctrl-C, exit 143", async () => {
  const dir = await Deno.makeTempDir();
  const args = LONG_STEP_AE;
  await stopLongStepAe(join(dir, "a"), "SIGTERM", 143);
  const resumed = await reproduce([...args, "--out", join(dir, "a"), "--resume"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = JSON.parse(await Deno.readTextFile(join(dir, "a/step-ae/summary.json")));
  assert.ok(summary.resumed_from_epoch > 0 && summary.resumed_from_epoch < 120000);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reproduce: Ctrl-C saves a checkpoint and --resume ends bit-identical to an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir();
  const args = LONG_STEP_AE;
  await stopLongStepAe(join(dir, "a"), "SIGINT", 130);

  const resumed = await reproduce([...args, "--out", join(dir, "a"), "--resume"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const whole = await reproduce([...args, "--out", join(dir, "b")]);
  assert.equal(whole.code, 0, whole.stderr);
  const summaryA = JSON.parse(await Deno.readTextFile(join(dir, "a/step-ae/summary.json")));
  const summaryB = JSON.parse(await Deno.readTextFile(join(dir, "b/step-ae/summary.json")));
  assert.ok(summaryA.resumed_from_epoch > 0 && summaryA.resumed_from_epoch < 120000);
  assert.equal(summaryA.final_loss, summaryB.final_loss);
  for (const table of ["encoder.csv", "loss.csv", "latent.csv"]) {
    assert.equal(
      await Deno.readTextFile(join(dir, "a/step-ae", table)),
      await Deno.readTextFile(join(dir, "b/step-ae", table)),
      table,
    );
  }
  await Deno.remove(dir, { recursive: true });
});
