/**
 * `deno task reproduce` and its output folder (issue 11, item 3): an unusable
 * `--out` is refused before anything runs (one line, exit 2, nothing
 * written); a write that fails during the run is one line naming the file,
 * exit 74, with no half-written experiment folder and an earlier one kept;
 * what a killed run left is removed by the next run in the same folder.
 *
 * Failed writes are real ones, no test hook: a file-size limit (`ulimit -f`,
 * the write fails with EFBIG) works for every user; as root a small tmpfs
 * gives a full disk (ENOSPC) and a read-only mount.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, reproduce, REPRODUCE_SCRIPT } from "./helpers.ts";

/** The cheapest experiment (about 2 s end to end), one figure, no checkpoints. */
const CHEAP = ["--profile", "smoke", "--only", "toy-frozen-optimum"];
/** A file-size limit in `ulimit -f` blocks (512 or 1024 bytes): below the experiment's PNG. */
const LIMIT_BLOCKS = 40;

/** Every path under `dir` (relative), sorted: what "nothing written" is checked against. */
async function tree(dir: string, at = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(join(dir, at))) {
    const rel = join(at, e.name);
    names.push(rel);
    if (e.isDirectory && !e.isSymlink) names.push(...await tree(dir, rel));
  }
  return names.sort();
}

/** The lines of stderr that are not progress. */
const errorLines = (stderr: string) => stderr.split("\n").filter((l) => /^error: /.test(l));

const isRoot = Deno.build.os !== "windows" && Deno.uid() === 0;
const hasProc = await exists("/proc/self");

/** Whether tmpfs can be mounted here (root, and a container that allows it). */
async function canMountTmpfs(): Promise<boolean> {
  if (!isRoot) return false;
  const dir = await Deno.makeTempDir();
  try {
    const ok = await mount(["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
    if (ok) await mount(["-u", dir]);
    return ok;
  } finally {
    await Deno.remove(dir);
  }
}

async function mount(args: string[]): Promise<boolean> {
  const [cmd, rest] = args[0] === "-u" ? ["umount", args.slice(1)] : ["mount", args];
  const out = await new Deno.Command(cmd, { args: rest, stdout: "null", stderr: "null" }).output()
    .catch(() => ({ success: false }));
  return out.success;
}

const tmpfs = await canMountTmpfs();

/** A previous, complete result of the cheap experiment, made by hand: it must survive. */
async function previousResult(out: string): Promise<string> {
  const dir = join(out, "toy-frozen-optimum");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "summary.json"), '{"previous":true}\n');
  return dir;
}

/** After a failed write: exactly the previous result is there, nothing half-written beside it. */
async function assertOnlyPrevious(out: string, previous: string): Promise<void> {
  assert.deepEqual(await tree(previous), ["summary.json"]);
  assert.equal(await Deno.readTextFile(join(previous, "summary.json")), '{"previous":true}\n');
  const left = (await tree(out)).filter((p) => /\.(partial|old|tmp)$/.test(p));
  assert.deepEqual(left, []);
}

const ALLOWED = "; give a folder that exists or can be created, and that can be written to$";

/**
 * Runs each case (args after {@link CHEAP}) two at a time and checks that it is
 * refused in one line matching its pattern, exit 2, and that nothing under
 * `dir` changed.
 */
async function assertRefused(dir: string, cases: [string[], RegExp][]): Promise<void> {
  const before = await tree(dir);
  const results: Awaited<ReturnType<typeof reproduce>>[] = [];
  for (let k = 0; k < cases.length; k += 2) {
    results.push(
      ...await Promise.all(cases.slice(k, k + 2).map(([a]) => reproduce([...CHEAP, ...a]))),
    );
  }
  cases.forEach(([args, pattern], k) => {
    const r = results[k];
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(lines[0], pattern);
  });
  assert.deepEqual(await tree(dir), before);
}

Deno.test("reproduce refuses an --out that is not a folder: one line, exit 2, nothing written", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "file"), "");
  await Deno.symlink(join(dir, "file"), join(dir, "link-to-file"));
  await Deno.symlink(join(dir, "missing"), join(dir, "dangling"));
  await Deno.mkdir(join(dir, "cp/.checkpoints"), { recursive: true });
  await Deno.writeTextFile(join(dir, "cp/.checkpoints/step-ae"), "");
  await assertRefused(dir, [
    [["--out", join(dir, "file")], new RegExp(`^error: --out ${dir}/file: is a file${ALLOWED}`)],
    [["--out", join(dir, "link-to-file")], /: is a symlink to a file; give a folder/],
    [["--out", join(dir, "dangling")], /: is a symlink to nothing \(its target is missing\); /],
    [["--out", join(dir, "file/x/y")], new RegExp(`: cannot be created: ${dir}/file is a file; `)],
    [
      ["--only", "step-ae", "--out", join(dir, "cp")],
      new RegExp(
        `--out ${dir}/cp: its checkpoint folder ${dir}/cp/.checkpoints/step-ae is a file; `,
      ),
    ],
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reproduce refuses an empty, missing or unwritable --out: one line, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  const cases: [string[], RegExp][] = [
    [["--out", ""], new RegExp(`^error: --out "": is empty${ALLOWED}`)],
    [["--out", " "], /^error: --out " ": is empty; /],
    [["--out"], new RegExp(`^error: --out: needs a value${ALLOWED}`)],
    [["--out", "--profile", "smoke"], /^error: --out: needs a value; /],
  ];
  if (hasProc) {
    cases.push(
      [["--out", "/proc/lab-out"], /^error: --out \/proc\/lab-out: cannot be created \(No such/],
      [
        ["--out", "/proc"],
        /^error: --out \/proc: is not writable \(a file cannot be created in it: /,
      ],
    );
  }
  await assertRefused(dir, cases);
  assert.ok(!(await exists("/proc/lab-out")));
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "reproduce refuses a read-only --out (chmod 555; root ignores it: skipped as root)",
  ignore: isRoot || Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.chmod(dir, 0o555);
    const r = await reproduce([...CHEAP, "--out", dir]);
    await Deno.chmod(dir, 0o755);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), /^error: --out .*: is not writable \(.*Permission denied/);
    assert.deepEqual(await tree(dir), []);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "reproduce refuses a read-only mount as --out (root: a tmpfs mounted ro)",
  ignore: !tmpfs,
  async fn() {
    const dir = await Deno.makeTempDir();
    assert.ok(await mount(["-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", dir]));
    try {
      const r = await reproduce([...CHEAP, "--out", join(dir, "sub")]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr.trim(),
        /^error: --out .*\/sub: cannot be created \(Read-only file system/,
      );
      const s = await reproduce([...CHEAP, "--out", dir]);
      assert.match(
        s.stderr.trim(),
        /: is not writable \(.*Read-only file system \(os error 30\)\)/,
      );
      assert.deepEqual(await tree(dir), []);
    } finally {
      await mount(["-u", dir]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "reproduce: a write that fails mid-run is one line, exit 74, the earlier result kept",
  ignore: Deno.build.os === "windows",
  async fn() {
    const out = await Deno.makeTempDir();
    const previous = await previousResult(out);
    const r = await reproduce([...CHEAP, "--out", out], { limitBlocks: LIMIT_BLOCKS });
    assert.equal(r.code, 74, r.stderr);
    const lines = errorLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    // The file as it would have been named, and the system's reason.
    assert.match(
      lines[0],
      new RegExp(
        `^error: cannot write ${out}/toy-frozen-optimum/\\S+: File too large \\(os error 27\\)$`,
      ),
    );
    await assertOnlyPrevious(out, previous);
    assert.ok(!(await exists(join(out, "index.html"))));
    await Deno.remove(out, { recursive: true });
  },
});

Deno.test({
  name:
    "reproduce: a full disk mid-run (root: a small tmpfs) is one line, exit 74, the earlier result kept",
  ignore: !tmpfs,
  async fn() {
    const dir = await Deno.makeTempDir();
    assert.ok(await mount(["-t", "tmpfs", "-o", "size=512k", "tmpfs", dir]));
    try {
      const previous = await previousResult(dir);
      // Leave about 60 KB: the probe and the small files fit, the figure does not.
      const free = 512 * 1024 - 60 * 1024 - 2 * 4096;
      await Deno.writeFile(join(dir, "filler"), new Uint8Array(free));
      const r = await reproduce([...CHEAP, "--out", dir]);
      assert.equal(r.code, 74, r.stderr);
      const lines = errorLines(r.stderr);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(
        lines[0],
        new RegExp(`^error: cannot write ${dir}/toy-frozen-optimum/\\S+: No space left on device`),
      );
      await assertOnlyPrevious(dir, previous);
    } finally {
      await mount(["-u", dir]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "reproduce: a checkpoint save that fails mid-run is one line, exit 74, no experiment folder",
  ignore: Deno.build.os === "windows",
  async fn() {
    const out = await Deno.makeTempDir();
    const r = await reproduce(["--profile", "smoke", "--only", "step-ae", "--out", out], {
      limitBlocks: LIMIT_BLOCKS,
    });
    assert.equal(r.code, 74, r.stderr);
    const lines = errorLines(r.stderr);
    assert.deepEqual(lines, [
      `error: cannot write ${out}/.checkpoints/step-ae/instance-0.json: File too large (os error 27)`,
    ]);
    assert.deepEqual(await tree(out), [".checkpoints", ".checkpoints/step-ae"]);
    await Deno.remove(out, { recursive: true });
  },
});

Deno.test("reproduce removes what a run killed (kill -9) while writing left, and nothing else", async () => {
  const out = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", REPRODUCE_SCRIPT, ...CHEAP, "--out", out],
    stdout: "null",
    stderr: "null",
  }).spawn();
  // Kill it once its experiment folder is being filled (rendering takes about a second).
  const filling = async () => {
    for await (const e of Deno.readDir(out)) {
      if (e.name.endsWith(".partial") && [...Deno.readDirSync(join(out, e.name))].length > 0) {
        return e.name;
      }
    }
    return null;
  };
  let partial: string | null = null;
  for (let k = 0; k < 2000 && partial === null; k++) {
    partial = await filling();
    if (partial === null) await new Promise((r) => setTimeout(r, 5));
  }
  child.kill("SIGKILL");
  await child.status;
  assert.ok(partial !== null, "the run was never seen writing");
  assert.ok(await exists(join(out, partial)));

  // Beside it, things of the lab's own pattern (removed) and things that merely look alike (kept).
  const uuid = () => crypto.randomUUID();
  const tmp = `.${uuid()}.tmp`;
  const cpTmp = `.checkpoints/step-ae/.${uuid()}.tmp`;
  const moved = `.toy-tilt.${uuid()}.old`;
  const kept = [
    ".keep.partial",
    "results.partial",
    `.${uuid()}.partial.txt`,
    `.${uuid().toUpperCase()}.partial`,
  ];
  await Deno.writeTextFile(join(out, tmp), "half");
  await Deno.mkdir(join(out, ".checkpoints/step-ae"), { recursive: true });
  await Deno.writeTextFile(join(out, cpTmp), "half");
  await Deno.mkdir(join(out, moved));
  await Deno.writeTextFile(join(out, moved, "summary.json"), "{}\n");
  for (const name of kept) await Deno.mkdir(join(out, name));
  const elsewhere = await Deno.makeTempDir();
  await Deno.writeTextFile(join(elsewhere, "mine.txt"), "not the lab's");
  const link = `.${uuid()}.partial`;
  await Deno.symlink(elsewhere, join(out, link));

  const r = await reproduce([...CHEAP, "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  const said = r.stderr.split("\n").find((l) => l.startsWith("removed what an interrupted run"));
  // The output folder's own entries by name, then the checkpoint folders'.
  const top = [partial, tmp].sort((a, b) => a < b ? -1 : 1);
  assert.equal(
    said,
    `removed what an interrupted run left in ${out}: ${[...top, cpTmp].join(", ")}`,
  );
  assert.match(r.stderr, /put back what an interrupted run had moved aside: toy-tilt/);
  for (const gone of [partial, tmp, cpTmp, moved]) {
    assert.ok(!(await exists(join(out, gone))), gone);
  }
  for (const name of [...kept, link]) assert.ok(await exists(join(out, name)), name);
  assert.equal(await Deno.readTextFile(join(elsewhere, "mine.txt")), "not the lab's");
  assert.equal(await Deno.readTextFile(join(out, "toy-tilt/summary.json")), "{}\n");
  assert.ok(await exists(join(out, "toy-frozen-optimum/manifest.json")));
  await Deno.remove(out, { recursive: true });
  await Deno.remove(elsewhere, { recursive: true });
});
