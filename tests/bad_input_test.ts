/**
 * Bad input, tried as a demanding user would, through `deno task reproduce`:
 * flags, `--set` values of every experiment's field kinds, output folders,
 * data files (PGM faces), configs that cannot fit in memory, and checkpoints
 * that are damaged, of another run or not checkpoints at all. Every case must
 * end in one error line that names what is wrong, exit code 2, no stack trace
 * and nothing written but the folders the run had to check.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readCheckpoint, saveCheckpoint } from "../lib/core/train/checkpoint.ts";
import { reproduce } from "./helpers.ts";

/** One bad input: the arguments (before `--out`), what the error line must say, and any set-up. */
interface Case {
  args: string[];
  says: RegExp;
  /** Prepares the output folder (a damaged checkpoint, a data folder) before the run. */
  setup?: (out: string) => Promise<void>;
  /** `--out` itself is part of the case (no `--out <dir>` added). */
  ownOut?: boolean;
}

const toy = (
  ...sets: string[]
) => ["--only", "toy-seed-sweep", ...sets.flatMap((s) => ["--set", s])];
const on = (id: string, ...sets: string[]) => ["--only", id, ...sets.flatMap((s) => ["--set", s])];

const FLAGS: Case[] = [
  {
    args: ["--only", "toy-nope"],
    says: /unknown experiment id "toy-nope"; known ids: toy-geometry/,
  },
  { args: ["--only", "toy-geometry,nope"], says: /unknown experiment id "nope"/ },
  { args: ["--only", ","], says: /--only "," names no experiment/ },
  { args: ["--only", ""], says: /--only "" names no experiment/ },
  {
    args: ["--profile", "huge"],
    says: /--profile huge is not allowed: use one of smoke\|quick\|full/,
  },
  { args: ["--profile"], says: /--profile: needs a value/ },
  { args: ["--frobnicate"], says: /Unknown option '--frobnicate'/ },
  { args: ["stray"], says: /stray/ },
  { args: ["--workers", "0"], says: /--workers 0 is not allowed: use an integer 1–64 or auto/ },
  { args: ["--workers", "-2"], says: /--workers -2 is not allowed/ },
  { args: ["--workers", "many"], says: /--workers many is not allowed/ },
  { args: ["--workers", "1000"], says: /--workers 1000 is not allowed/ },
  { args: ["--workers", "1.5"], says: /--workers 1.5 is not allowed/ },
  { args: ["--backend", "gpu"], says: /--backend gpu is not allowed: use wasm\|cpu/ },
  { args: ["--set", "steps"], says: /--set steps is not allowed: use --set key=value/ },
  { args: ["--set", "=3"], says: /--set =3 is not allowed: use --set key=value/ },
];

const VALUES: Case[] = [
  { args: toy("n=1"), says: /n=1 is not allowed: n must be an integer >= 2/ },
  { args: toy("m=9"), says: /m=9 is not allowed with n=7/ },
  { args: toy("lr=-3"), says: /lr=-3 is not allowed/ },
  { args: toy("lr=0"), says: /lr=0 is not allowed: lr must be a number > 0/ },
  { args: toy("lr="), says: /lr= is not allowed/ },
  { args: toy("lr=fast"), says: /lr=fast is not allowed/ },
  { args: toy("lr=0x10"), says: /lr=0x10 is not allowed/ },
  { args: toy("lr=Infinity"), says: /lr=Infinity is not allowed/ },
  { args: toy("lr=NaN"), says: /lr=NaN is not allowed/ },
  { args: toy("lr=1e999"), says: /lr=1e999 is not allowed/ },
  { args: toy("lr= 0.1"), says: /lr= 0.1 is not allowed/ },
  { args: toy("steps=2.5"), says: /steps=2.5 is not allowed/ },
  { args: toy("steps=0"), says: /steps=0 is not allowed/ },
  { args: toy("steps=99999999999999999999"), says: /steps=99999999999999999999 is not allowed/ },
  { args: toy("seeds=-1"), says: /seeds=-1 is not allowed/ },
  { args: toy("seed=-1"), says: /seed=-1 is not allowed/ },
  {
    args: toy("optimizer=lbfgs"),
    says: /optimizer=lbfgs is not allowed: optimizer must be one of sgd\|adam/,
  },
  {
    args: toy("optimizer=adam", "momentum=0.9"),
    says: /momentum=0.9 is not allowed with optimizer=adam/,
  },
  { args: toy("data=images"), says: /data=images is not allowed/ },
  { args: toy("sparsity=1.5"), says: /sparsity=1.5 is not allowed/ },
  { args: toy("divergeAbove=0"), says: /divergeAbove=0 is not allowed/ },
  { args: toy("wat=1"), says: /unknown key "wat" for toy-seed-sweep/ },
  { args: ["--set", "n=8"], says: /unknown key "n" for toy-geometry/ },
  { args: on("toy-failure-survey", "lrFactors=1,0b11"), says: /lrFactors=1,0b11 is not allowed/ },
  { args: on("toy-failure-survey", "nMin=9", "nMax=6"), says: /nM(in|ax)=\d+ is not allowed/ },
  {
    args: on("toy-resampling", "remedies=none,magic"),
    says: /remedies: unknown remedy "magic" \(known: none, /,
  },
  { args: on("toy-resampling", "remedies="), says: /remedies is empty: name at least one/ },
  {
    args: on("step-ae", "hiddenRelu=maybe"),
    says: /hiddenRelu=maybe is not allowed: hiddenRelu must be true or false/,
  },
  { args: on("step-ae", "dropMode=never"), says: /dropMode=never is not allowed/ },
  { args: on("step-ae", "amplitude=-5"), says: /amplitude=-5 is not allowed/ },
  { args: on("step-ae", "checkpointEvery=0"), says: /checkpointEvery=0 is not allowed/ },
  {
    args: on("step-ae-remedies", "remedies=baseline,wishful"),
    says: /remedies=baseline,wishful is not allowed/,
  },
  {
    args: on("shallow-ae", "activations=linear,tanh"),
    says: /activations=linear,tanh is not allowed/,
  },
  { args: on("shallow-ae", "spikes=31,-1"), says: /spikes=31,-1 is not allowed/ },
  { args: on("shallow-ae", "data=cifar"), says: /data=cifar is not allowed/ },
  { args: on("sae", "models=topk,magic"), says: /models=topk,magic is not allowed/ },
  { args: on("sae", "k=1000"), says: /k=1000 is not allowed/ },
  { args: on("sae", "l1=0.1,abc"), says: /l1=0.1,abc is not allowed/ },
  {
    args: on("sae", "engine=gpu"),
    says: /engine=gpu is not allowed: engine must be one of hybrid\|js/,
  },
  { args: on("nmf", "rank=0"), says: /rank=0 is not allowed/ },
  { args: on("nmf", "digits=20000"), says: /digits=20000 is not allowed/ },
  {
    args: on("nmf", "objectives=frobenius,itakura"),
    says: /objectives=frobenius,itakura is not allowed/,
  },
];

const OUTS: Case[] = [
  { args: ["--out", ""], says: /--out "": is empty/, ownOut: true },
  { args: ["--out", "/proc/lab-out"], says: /--out \/proc\/lab-out: /, ownOut: true },
  { args: ["--out", "/etc/hostname"], says: /--out \/etc\/hostname: /, ownOut: true },
  { args: ["--out", "/etc/hostname/x"], says: /--out \/etc\/hostname\/x: /, ownOut: true },
  {
    args: ["--only", "toy-tilt"],
    says: /--out .*: .*file/,
    setup: async (out) => {
      await Deno.mkdir(join(out, ".."), { recursive: true });
      await Deno.writeTextFile(out, "a file where the folder should be");
    },
  },
];

const MEMORY: Case[] = [
  // The budget is fixed, so the case does not depend on the machine's memory.
  {
    args: [...toy("seeds=100000", "n=64", "m=63", "steps=1"), "--max-memory", "16GB"],
    says: /toy-seed-sweep: this config needs about \d+ GB .* lower seeds, n or m/,
  },
  {
    args: [...on("sae", "latents=65536", "features=65536"), "--max-memory", "1GB"],
    says: /sae: this config needs about [\d.]+ GB .* the budget given is 1 GB; lower latents/,
  },
  {
    args: [...on("step-ae", "n=4096"), "--max-memory", "50MB"],
    says: /step-ae: this config needs about [\d.]+ GB .*; lower n$/,
  },
];

/** A one-face data folder for nmf (`faceSubjects=1 facesPerSubject=1`) holding `pgm`. */
function face(pgm: string | Uint8Array): Pick<Case, "args" | "setup"> {
  return {
    args: on("nmf", "faceSubjects=1", "facesPerSubject=1", "rank=1"),
    setup: async (out) => {
      const dir = join(out, "..", "faces", "s1");
      await Deno.mkdir(dir, { recursive: true });
      if (typeof pgm === "string") await Deno.writeTextFile(join(dir, "1.pgm"), pgm);
      else await Deno.writeFile(join(dir, "1.pgm"), pgm);
    },
  };
}

function withFaces(c: Pick<Case, "args" | "setup">, says: RegExp): Case {
  return {
    says,
    setup: c.setup,
    // The faces folder sits next to the output folder (the setup makes it).
    args: [...c.args, "--set", "facesDir=FACES"],
  };
}

const FILES: Case[] = [
  withFaces(face("P2\n100000 100000\n255\n0 0 0\n"), /1\.pgm.*100000/),
  withFaces(face("P2\n2 2\n255\n0 1 x 3\n"), /1\.pgm/),
  withFaces(face("P2\n2 2\n255\n0 1 -2 3\n"), /1\.pgm/),
  withFaces(face("P2\n2 2\n255\n0 1 300 3\n"), /1\.pgm/),
  withFaces(face("P2\n2 2\n255\n0 1 2\n"), /1\.pgm/),
  withFaces(face("P2\n2 2\n0\n0 0 0 0\n"), /1\.pgm/),
  withFaces(face("P2\n2 2\n70000\n0 0 0 0\n"), /1\.pgm/),
  withFaces(face("P7\n2 2\n255\n0 0 0 0\n"), /1\.pgm/),
  withFaces(
    face(new Uint8Array([0x50, 0x35, 0x0a, 0x34, 0x20, 0x34, 0x0a, 0x32, 0x35, 0x35, 0x0a, 1, 2])),
    /1\.pgm/,
  ),
  withFaces(face(""), /1\.pgm/),
  {
    args: on("nmf", "facesDir=/nonexistent/faces", "faceSubjects=1", "facesPerSubject=1"),
    says: /\/nonexistent\/faces/,
  },
];

/** A finished smoke step-ae run whose checkpoint the cases below damage (made once). */
const STEP_AE = on("step-ae", "n=9", "epochs=400", "checkpointEvery=100");
let base: Promise<string> | null = null;
function baseCheckpoint(): Promise<string> {
  base ??= (async () => {
    const dir = await Deno.makeTempDir();
    const r = await reproduce(["--profile", "smoke", ...STEP_AE, "--out", dir]);
    assert.equal(r.code, 0, r.stderr);
    return join(dir, ".checkpoints", "step-ae", "instance-0.json");
  })();
  return base;
}

/** A checkpoint case: `damage` turns the good checkpoint file into the bad one. */
function checkpoint(
  says: RegExp,
  damage: (file: string, good: Uint8Array) => Promise<void>,
  args = STEP_AE,
): Case {
  return {
    args: [...args, "--resume"],
    says,
    setup: async (out) => {
      const good = await Deno.readFile(await baseCheckpoint());
      const file = join(out, ".checkpoints", "step-ae", "instance-0.json");
      await Deno.mkdir(join(out, ".checkpoints", "step-ae"), { recursive: true });
      await damage(file, good);
    },
  };
}

/** Rewrites the checkpoint's state through `edit`, with a valid digest (an edit, not damage). */
function reSaved(edit: (state: Record<string, unknown>) => unknown) {
  return async (file: string, good: Uint8Array) => {
    await Deno.writeFile(file, good);
    const saved = (await readCheckpoint<{ state: Record<string, unknown> }>(file))!;
    const dir = join(file, "..");
    await saveCheckpoint(dir, "instance-0", {
      key: saved.key,
      state: { ...saved.state, state: edit(saved.state.state) },
    });
  };
}

const CHECKPOINTS: Case[] = [
  checkpoint(/cut short/, (f, g) => Deno.writeFile(f, g.subarray(0, g.length >> 1))),
  checkpoint(/do not match their digest/, (f, g) => {
    const b = g.slice();
    b[b.length - 40] ^= 1;
    return Deno.writeFile(f, b);
  }),
  checkpoint(/has no header line/, (f) => Deno.writeTextFile(f, "null")),
  checkpoint(/has no header line/, (f) => Deno.writeTextFile(f, "")),
  checkpoint(/is a folder, not a file/, (f) => Deno.mkdir(f)),
  checkpoint(/has no header line/, (f, g) => Deno.writeFile(f, g.subarray(g.indexOf(0x0a) + 1))),
  checkpoint(/format version 1/, (f, g) => {
    const text = new TextDecoder().decode(g);
    return Deno.writeTextFile(f, text.replace('"version":2', '"version":1'));
  }),
  checkpoint(/header is not readable|not a lab checkpoint/, (f) => {
    const noise = new Uint8Array(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    return Deno.writeFile(f, noise);
  }),
  checkpoint(
    /another configuration/,
    (f, g) => Deno.writeFile(f, g),
    on("step-ae", "n=9", "epochs=400", "checkpointEvery=100", "seed=3"),
  ),
  checkpoint(/state.optimizer is missing/, reSaved((s) => ({ ...s, optimizer: undefined }))),
  checkpoint(/state is null, expected object/, reSaved(() => null)),
  checkpoint(
    /state.params has \d+ values, expected \d+/,
    reSaved((s) => ({ ...s, params: new Float64Array(3) })),
  ),
  checkpoint(/state.lr is string, expected number/, reSaved((s) => ({ ...s, lr: "0.1" }))),
];

const GROUPS: [string, Case[]][] = [
  ["flags", FLAGS],
  ["--set values", VALUES],
  ["--out", OUTS],
  ["memory", MEMORY],
  ["data files", FILES],
  ["checkpoints", CHECKPOINTS],
];

/** Runs one case in a fresh folder and checks the contract; returns what went wrong, if anything. */
async function attempt(c: Case): Promise<string | null> {
  const root = await Deno.makeTempDir();
  try {
    const out = join(root, "out");
    await c.setup?.(out);
    const before = await listing(root);
    const args = [
      "--profile",
      "smoke",
      ...c.args.map((a) => a.replace("FACES", join(root, "faces"))),
    ];
    const r = await reproduce(c.ownOut ? args : [...args, "--out", out]);
    const name = c.args.join(" ");
    const lines = r.stderr.trim().split("\n").filter((l) => l !== "");
    if (r.code !== 2) return `${name}: exit ${r.code}: ${r.stderr.slice(-400)}`;
    if (lines.length !== 1) return `${name}: ${lines.length} lines: ${r.stderr.slice(-400)}`;
    if (!/^error: /.test(lines[0])) return `${name}: not an error line: ${lines[0]}`;
    if (!c.says.test(lines[0])) return `${name}: says "${lines[0]}", wanted ${c.says}`;
    // Nothing but folders the run checked (out, out/.checkpoints/<id>) may appear.
    const made = (await listing(root)).filter((p) => !before.includes(p));
    const extra = made.filter((p) => !/^out(\/\.checkpoints(\/[a-z-]+)?)?$/.test(p));
    if (extra.length > 0) return `${name}: wrote ${extra.join(", ")}`;
    return null;
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function listing(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const p = prefix ? `${prefix}/${e.name}` : e.name;
    out.push(p);
    if (e.isDirectory) out.push(...await listing(dir, p));
  }
  return out.sort();
}

for (const [group, cases] of GROUPS) {
  Deno.test(`bad input (${group}): ${cases.length} cases, each one error line, exit 2, nothing written`, async () => {
    const failures: string[] = [];
    // Four at a time: each case is a process start of about a second.
    for (let k = 0; k < cases.length; k += 4) {
      const found = await Promise.all(cases.slice(k, k + 4).map(attempt));
      failures.push(...found.filter((f): f is string => f !== null));
    }
    if (base) await Deno.remove(join(await base, "../../.."), { recursive: true });
    base = null;
    assert.deepEqual(failures, []);
  });
}
