/**
 * scripts/bench.ts and scripts/bench/: what the bench reports and refuses,
 * without timing anything (the numbers themselves belong to `deno task
 * bench`, never to a test). The helpers' doc examples run with
 * `deno test --doc scripts/bench/` in the test task.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  benchTable,
  buildRow,
  type ChildRun,
  resultsDiff,
  sameWork,
} from "../scripts/bench/report.ts";
import { parseChildLine } from "../scripts/bench/spawn.ts";
import {
  fallbackFor,
  findPython,
  mergePeerNumbers,
  pythonCandidates,
} from "../scripts/bench/python.ts";
import { selectIds, WORKLOADS } from "../scripts/bench/workloads.ts";
import { peerScaleRows, scaleGrid, scaleSpec } from "../scripts/bench/scale.ts";
import SIZES from "../scripts/bench/sizes.json" with { type: "json" };

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const run = (seconds: number, work: unknown = { n: 1 }): ChildRun => ({
  seconds,
  peak_mb: 100 + seconds,
  wall_s: seconds + 1,
  detail: { work },
});

Deno.test("bench rows: the issue's workloads, each with quick and full sizes the peer reads too", () => {
  assert.deepEqual(WORKLOADS.map((w) => w.id), [
    "toy-sweep-1k",
    "toy-sweep-10k",
    "step-ae",
    "sae-topk-auxk",
    "shallow-ae-sgd",
    "nmf",
    "pca",
  ]);
  for (const w of WORKLOADS) {
    assert.deepEqual(w.sizes, (SIZES as Record<string, unknown>)[w.id], w.id);
    assert.ok(w.peerModules.length > 0, `${w.id}: a peer needs a library`);
  }
  assert.deepEqual(SIZES["toy-sweep-10k"].full, {
    instances: 10000,
    n: 7,
    m: 2,
    steps: 5000,
    optimizer: "adamw",
  });
  assert.deepEqual(SIZES.nmf.full, { digits: 10000, rank: 49, iterations: 100, curveEvery: 10 });
});

Deno.test("buildRow(): ratio is lab over peer, medians of the repeats, FAIL at 1 or above", () => {
  const pass = buildRow({ id: "a", title: "A" }, { runs: [run(1), run(3), run(2)] }, {
    name: "PyTorch",
    runs: [run(8), run(4), run(6)],
  });
  assert.deepEqual(
    [pass.lab_s, pass.peer_s, pass.ratio, pass.verdict, pass.peer_measured_now],
    [2, 6, 1 / 3, "PASS", true],
  );
  assert.deepEqual([pass.lab_peak_mb, pass.peer_peak_mb], [103, 108]); // the largest peak
  const tie = buildRow({ id: "b", title: "B" }, { runs: [run(2)] }, { name: "x", runs: [run(2)] });
  assert.equal(tie.verdict, "FAIL");
  const different = buildRow({ id: "c", title: "C" }, { runs: [run(1, { n: 1 })] }, {
    name: "x",
    runs: [run(2, { n: 2 })],
  });
  assert.equal(different.same_work, false);
});

Deno.test("buildRow(): without a measured peer, committed numbers are used and marked", () => {
  const fallback = { peer: "numpy", peer_s: 4, peer_peak_mb: 90, measured: "2026-12-02" };
  const row = buildRow({ id: "pca", title: "PCA" }, { runs: [run(1)] }, {
    name: "numpy",
    runs: [],
    fallback,
  });
  assert.deepEqual([row.peer_s, row.ratio, row.peer_measured_now], [4, 0.25, false]);
  assert.match(row.note ?? "", /committed numbers \(2026-12-02\)/);
  assert.match(benchTable([row], { judge: true }), /no \(committed\)/);
  const none = buildRow({ id: "pca", title: "PCA" }, { runs: [run(1)] }, {
    name: "numpy",
    runs: [],
    missing: "no Python with numpy and no committed numbers",
  });
  assert.deepEqual([none.peer_s, none.ratio, none.verdict], [null, null, "no peer"]);
  const broken = buildRow({ id: "pca", title: "PCA" }, { runs: [], error: "exit 1" }, {
    name: "numpy",
    runs: [run(1)],
  });
  assert.deepEqual([broken.verdict, broken.errors], ["error", ["lab: exit 1"]]);
});

Deno.test("child reports and Python discovery", () => {
  const line = '{"seconds": 2, "peak_mb": 50, "cpu_s": 3, "detail": {}}';
  assert.deepEqual(parseChildLine(`noise\n${line}\n`), {
    seconds: 2,
    peak_mb: 50,
    cpu_s: 3,
    detail: {},
  });
  assert.ok("error" in parseChildLine('{"peak_mb": 50}\n'));
  assert.deepEqual(pythonCandidates({ LAB_PYTHON: "/usr/bin/python3" }), [
    "/usr/bin/python3",
    "python3",
  ]);
  assert.deepEqual(pythonCandidates({}), ["/usr/bin/python3", "python3"]);
  assert.throws(() => selectIds(""), /--only: unknown workload/);
});

Deno.test("scale study: a grid of decades, peer lines parsed, a log-log figure", () => {
  const grid = scaleGrid(false);
  assert.deepEqual([...new Set(grid.map((p) => p.instances))], [1, 10, 100, 1000, 10000, 100000]);
  assert.deepEqual([...new Set(grid.map((p) => p.n))], [7, 16]);
  // Every point does about the same arithmetic where the step bounds allow it.
  const cost = (p: { instances: number; n: number; steps: number }) =>
    p.instances * p.steps * p.n * p.n;
  const middle = grid.filter((p) => p.steps > 50 && p.steps < 20000); // not at a bound
  for (const p of middle) {
    assert.ok(Math.abs(cost(p) / cost(middle[0]) - 1) < 0.01, `${p.instances}`);
  }
  const rows = peerScaleRows(
    '{"instances": 100, "n": 7, "steps": 50, "seconds": 0.01, "threads": 2}\nother\n',
    "PyTorch",
  );
  assert.equal(rows.length, 1);
  assert.ok(Math.abs(rows[0].us_per_instance_step - 2) < 1e-12);
  const spec = scaleSpec(rows) as {
    data: { values: unknown[] };
    encoding: { y: { scale: unknown } };
  };
  assert.equal(spec.data.values.length, 1);
  assert.deepEqual(spec.encoding.y.scale, { type: "log" });
});

Deno.test("deno task bench: a bad flag or workload is one line and exit code 2", async () => {
  for (const args of [["--nope"], ["--only", "fft"], ["--repeats", "0"]]) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(ROOT, "scripts/bench.ts"), ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(stderr).trim();
    assert.equal(code, 2, args.join(" "));
    assert.equal(err.split("\n").length, 1, err);
    assert.match(err, /^bench: /);
    assert.equal(new TextDecoder().decode(stdout), "");
  }
});

Deno.test("buildRow(): same_work and results_rel_diff compare the median runs' details", () => {
  const lab = run(1, { steps: 10, lr: 1e-3 });
  lab.detail.results = { a: 1 };
  const peer = run(2, { steps: 10, lr: 0.001 });
  peer.detail.results = { a: 1 + 1e-12 };
  const row = buildRow({ id: "x", title: "X" }, { runs: [lab] }, { name: "p", runs: [peer] });
  assert.equal(row.same_work, true);
  assert.ok(row.results_rel_diff! > 0 && row.results_rel_diff! < 2e-12);
  const other = buildRow({ id: "x", title: "X" }, { runs: [lab] }, {
    name: "p",
    runs: [run(2, { steps: 20, lr: 0.001 })],
  });
  assert.deepEqual([other.same_work, other.results_rel_diff], [false, null]);
});

Deno.test("sameWork() and resultsDiff(): order of arrays counts, 1/32 written two ways does not", () => {
  assert.equal(sameWork({ fits: ["a", "b"] }, { fits: ["a", "b"] }), true);
  assert.equal(sameWork({ fits: ["a", "b"] }, { fits: ["b", "a"] }), false);
  assert.equal(sameWork({ aux: 1 / 32 }, { aux: 0.03125 }), true);
  assert.equal(resultsDiff({ a: "x" }, { a: "x" }), null);
  assert.equal(resultsDiff({ a: 0 }, { a: 0 }), 0);
});

Deno.test("benchTable(): the busy column, and a verdict only when judged", () => {
  const lab = { ...run(1), others_cores: 1.25 };
  const row = buildRow({ id: "step-ae", title: "S" }, { runs: [lab] }, {
    name: "PyTorch",
    runs: [run(4)],
  });
  const judged = benchTable([row], { judge: true }).split("\n");
  assert.match(judged[0], /measured now\? +busy +verdict$/);
  assert.match(judged[2], /^step-ae +1\.00 +PyTorch +4\.00 +0\.25 +101 +104 +yes +1\.3 +PASS$/);
  assert.doesNotMatch(benchTable([row], { judge: false }), /PASS|verdict/);
});

Deno.test("findPython(): LAB_PYTHON is tried first; one that does not exist is skipped", async () => {
  const tried: string[] = [];
  const probe = (py: string) => {
    tried.push(py);
    return Promise.resolve(py === "python3");
  };
  const candidates = pythonCandidates({ LAB_PYTHON: "/nowhere/python" });
  assert.equal(await findPython(["torch"], { candidates, probe }), "python3");
  assert.deepEqual(tried, ["/nowhere/python", "/usr/bin/python3", "python3"]);
  assert.equal(await findPython(["json"], { candidates: ["/nowhere/python3"] }), null);
});

Deno.test("fallbackFor() and mergePeerNumbers(): committed numbers per size mode", () => {
  const e = (s: number) => ({ peer: "PyTorch", peer_s: s, peer_peak_mb: 1, measured: "m" });
  const full = mergePeerNumbers(null, { "step-ae": e(30) }, { quick: false });
  const both = mergePeerNumbers(full, { "step-ae": e(3) }, { quick: true });
  assert.equal(fallbackFor(both, "step-ae", { quick: false })?.peer_s, 30);
  assert.equal(fallbackFor(both, "step-ae", { quick: true })?.peer_s, 3);
  assert.equal(fallbackFor(both, "pca", { quick: true }), null);
});

Deno.test("parseChildLine(): the last report line wins; a line without seconds is not one", () => {
  const out = '{"seconds": 1, "peak_mb": 2}\nnoise\n{"seconds": 3, "peak_mb": 4}\n{"x": 1}\n';
  const r = parseChildLine(out);
  assert.ok(!("error" in r));
  assert.deepEqual([r.seconds, r.peak_mb, r.cpu_s], [3, 4, null]);
});

Deno.test("sizes.json: quick and full sizes of a workload have the same keys", () => {
  for (const [id, s] of Object.entries(SIZES as Record<string, { quick: object; full: object }>)) {
    assert.deepEqual(Object.keys(s.quick).sort(), Object.keys(s.full).sort(), id);
  }
});

async function child(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "scripts/bench/child.ts"), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("bench child: a --quick run of the smallest workload prints one report line", async () => {
  const { code, stdout, stderr } = await child(["shallow-ae-sgd", "--quick"]);
  assert.equal(code, 0, stderr);
  const lines = stdout.split("\n");
  assert.equal(lines.length, 1, stdout);
  const r = JSON.parse(lines[0]);
  assert.ok(r.seconds > 0 && r.peak_mb > 10, lines[0]);
  assert.equal(r.detail.work.steps, SIZES["shallow-ae-sgd"].quick.steps);
  assert.equal(r.detail.work.instances, 48);
});

Deno.test("bench child: an unknown workload is one line and exit code 2", async () => {
  const { code, stderr } = await child(["fft"]);
  assert.equal(code, 2);
  assert.match(stderr, /^bench child: unknown workload "fft"; known: toy-sweep-1k, /);
});
