/**
 * lib/studies/nmf/experiments/nmf.ts: the `nmf` experiment's determinism,
 * its faces folder, and its config errors (one line naming the value and
 * what is allowed), also through `deno task reproduce`.
 */
import assert from "node:assert/strict";
import * as aq from "arquero";
import { join } from "node:path";
import { resolveConfig } from "../../../lib/core/experiment.ts";
import { ConfigError } from "../../../lib/core/config.ts";
import { renderSvg } from "../../../lib/core/plots/render.ts";
import { nmf, type NmfExperimentConfig } from "../../../lib/studies/nmf/experiments/nmf.ts";

const small: Partial<NmfExperimentConfig> = { digits: 150, rank: 5, iterations: 12 };

function configOf(sets: [string, string][]): NmfExperimentConfig {
  return resolveConfig(nmf, "smoke", [
    ...Object.entries(small).map(([k, v]): [string, string] => [k, String(v)]),
    ...sets,
  ]);
}

Deno.test("nmf experiment: the same config and seed give identical tables", async () => {
  const config = configOf([["seed", "4"]]);
  const a = nmf.artefacts(await nmf.run(config, { workers: 1 }), config);
  const b = nmf.artefacts(await nmf.run(config, { workers: 2 }), config);
  // Wall times live in the summary, so every table must match byte for byte.
  const csv = (t: aq.ColumnTable) => t.toCSV();
  for (const name of Object.keys(a.tables)) {
    assert.equal(csv(b.tables[name]), csv(a.tables[name]), name);
  }
  assert.deepEqual(Object.keys(a.figures), ["bases", "reconstructions", "sparsity", "objective"]);
  const other = configOf([["seed", "5"]]);
  const c = nmf.artefacts(await nmf.run(other, {}), other);
  assert.notEqual(csv(c.tables.objective), csv(a.tables.objective));
});

/** A P5 PGM of `width × height` grey bytes. */
function pgm(width: number, height: number, pixel: (x: number, y: number) => number): Uint8Array {
  const header = new TextEncoder().encode(`P5\n# test face\n${width} ${height}\n255\n`);
  const out = new Uint8Array(header.length + width * height);
  out.set(header);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[header.length + y * width + x] = pixel(x, y);
  }
  return out;
}

/** A faces folder s1/1.pgm … s{subjects}/{per}.pgm of 8 × 10 images. */
async function facesFolder(subjects: number, per: number): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (let s = 1; s <= subjects; s++) {
    await Deno.mkdir(join(dir, `s${s}`));
    for (let i = 1; i <= per; i++) {
      await Deno.writeFile(
        join(dir, `s${s}`, `${i}.pgm`),
        pgm(8, 10, (x, y) => (x * 13 + y * 7 + s * 31 + i * 17) % 256),
      );
    }
  }
  return dir;
}

Deno.test("nmf experiment reads a faces folder given as facesDir", async () => {
  const dir = await facesFolder(3, 2);
  const config = configOf([
    ["facesDir", dir],
    ["faceSubjects", "3"],
    ["facesPerSubject", "2"],
    ["rank", "4"],
  ]);
  const result = await nmf.run(config, {});
  assert.equal(result.dataset.kind, "faces");
  assert.equal(result.dataset.count, 6);
  assert.equal(result.dataset.width, 8);
  assert.equal(result.dataset.height, 10);
  assert.equal(result.bases[0].images.length, 4 * 80);
  const art = nmf.artefacts(result, config);
  assert.match(String(art.summary.setting), /6 AT&T faces, rank 4/);
  const svg = await renderSvg(art.figures.bases);
  assert.ok(svg.includes("data:image/png;base64,"));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("nmf experiment: a bad faces folder is one config error", async () => {
  const dir = await facesFolder(2, 2);
  const sets = (d: string): [string, string][] => [
    ["facesDir", d],
    ["faceSubjects", "2"],
    ["facesPerSubject", "2"],
    ["rank", "2"],
  ];
  // Missing folder: refused while the config is resolved, before anything runs.
  assert.throws(
    () => configOf(sets(join(dir, "nope"))),
    (err: Error) =>
      err instanceof ConfigError && !err.message.includes("\n") &&
      /^facesDir=.*nope does not exist; it must hold s1\/1\.pgm … s2\/2\.pgm$/.test(err.message),
  );
  // A missing file and a truncated one: found when run reads the folder.
  await Deno.remove(join(dir, "s2/1.pgm"));
  await assert.rejects(
    () => nmf.run(configOf(sets(dir)), {}),
    (err: Error) =>
      err instanceof ConfigError && !err.message.includes("\n") &&
      /is missing s2\/1\.pgm/.test(err.message),
  );
  const bytes = pgm(8, 10, () => 9);
  await Deno.writeFile(join(dir, "s2/1.pgm"), bytes.subarray(0, bytes.length - 5));
  await assert.rejects(
    () => nmf.run(configOf(sets(dir)), {}),
    (err: Error) =>
      err instanceof ConfigError && !err.message.includes("\n") && /is truncated/.test(err.message),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reproduce --only nmf with a broken faces folder: one line, exit 2, nothing written", async () => {
  const dir = await facesFolder(1, 2);
  await Deno.writeFile(join(dir, "s1/2.pgm"), new TextEncoder().encode("GIF89a not a pgm"));
  const out = join(dir, "out");
  const script = new URL("../../../scripts/reproduce.ts", import.meta.url).pathname;
  for (const faces of [dir, join(dir, "missing")]) {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        script,
        "--only",
        "nmf",
        "--profile",
        "smoke",
        "--set",
        `facesDir=${faces}`,
        "--set",
        "faceSubjects=1",
        "--set",
        "facesPerSubject=2",
        "--set",
        "rank=2",
        "--out",
        out,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(r.stderr).trim();
    assert.equal(r.code, 2, stderr);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(
      stderr,
      faces === dir ? /^error: .*2\.pgm is not a PGM file/ : /^error: facesDir=.* does not exist/,
    );
    const wrote = await Deno.stat(out).then(() => true, () => false);
    assert.ok(!wrote, `${out} was written`);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("nmf config errors are one line naming the value and what is allowed", () => {
  const cases: [[string, string][], RegExp][] = [
    [
      [["rank", "600"]],
      /^rank=600 is not allowed with 150 images of 784 pixels: NNDSVD needs rank <= 150 \(or inits=random\)$/,
    ],
    [
      [["objectives", "frobenius,itakura"]],
      /^objectives=frobenius,itakura is not allowed: objectives must be a comma-separated list of frobenius\|kl$/,
    ],
    [[["inits", "random,random"]], /^inits=random,random is not allowed: random is listed twice$/],
    [
      [["faceSubjects", "41"]],
      /^faceSubjects=41 is not allowed: faceSubjects must be an integer >= 1 and <= 40$/,
    ],
    [[["digits", "0"]], /^digits=0 is not allowed/],
    [[["facesDir", "a\nb"]], /is not allowed: facesDir must be a string without line breaks/],
  ];
  for (const [sets, pattern] of cases) {
    assert.throws(
      () => configOf(sets),
      (err: Error) => err instanceof ConfigError && pattern.test(err.message),
      JSON.stringify(sets),
    );
  }
  // Random starts have no rank limit.
  assert.equal(configOf([["rank", "600"], ["inits", "random"]]).rank, 600);
});
