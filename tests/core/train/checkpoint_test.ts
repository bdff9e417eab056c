/** Checkpoint files: exact JSON, the configuration stamp, the digest and shapes, damage of any kind. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromExactJson, toExactJson, WriteError } from "../../../lib/core/io.ts";
import {
  CheckpointError,
  fingerprint,
  loadCheckpoint,
  saveCheckpoint,
  TrainingInterrupted,
} from "../../../lib/core/train/checkpoint.ts";

Deno.test("toExactJson() keeps typed arrays bit for bit and NaN, ±Infinity and −0", () => {
  const value = {
    a: Float64Array.of(0.1, -0, NaN, 1e-310),
    b: Int32Array.of(-1, 7),
    numbers: [NaN, Infinity, -Infinity, -0, 0, 1.5],
    nested: { x: null, y: "text" },
  };
  const back = fromExactJson<typeof value>(toExactJson(value));
  assert.deepEqual(new Uint8Array(back.a.buffer), new Uint8Array(value.a.buffer));
  assert.deepEqual(back.b, value.b);
  assert.ok(Number.isNaN(back.numbers[0]));
  assert.deepEqual(back.numbers.slice(1), [Infinity, -Infinity, -0, 0, 1.5]);
  assert.ok(Object.is(back.numbers[3], -0));
  assert.deepEqual(back.nested, value.nested);
});

Deno.test("loadCheckpoint() returns the saved state, null without a file, and refuses another key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await loadCheckpoint(dir, "run", { lr: 1 }), null);
    await saveCheckpoint(dir, "run", { key: { lr: 1 }, state: { step: 3, w: Float64Array.of(2) } });
    assert.deepEqual(await loadCheckpoint(dir, "run", { lr: 1 }), {
      step: 3,
      w: Float64Array.of(2),
    });
    await assert.rejects(
      loadCheckpoint(dir, "run", { lr: 2 }),
      /made with another configuration; remove it or run without --resume/,
    );
    await Deno.writeTextFile(`${dir}/broken.json`, "{ not json");
    await assert.rejects(
      loadCheckpoint(dir, "broken", {}),
      /broken.json is refused: it has no header line/,
    );
    // Only the final files are left (writes go through a temporary name).
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["broken.json", "run.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fingerprint() tells data apart and TrainingInterrupted names the folder", () => {
  assert.equal(fingerprint(Float64Array.of(1, 2)), fingerprint(Float64Array.of(1, 2)));
  assert.notEqual(fingerprint(Float64Array.of(1, 2)), fingerprint(Float64Array.of(2, 1)));
  assert.match(
    new TrainingInterrupted("step 5", "/tmp/c").message,
    /stopped at step 5; checkpoint saved in \/tmp\/c \(continue with --resume\)/,
  );
  assert.equal(new TrainingInterrupted("step 5", null).message, "stopped at step 5");
});

Deno.test("a checkpoint that does not fit is a CheckpointError (the CLI's one-line error)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await saveCheckpoint(dir, "run", { key: { lr: 1 }, state: {} });
    await assert.rejects(loadCheckpoint(dir, "run", { lr: 2 }), CheckpointError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A checkpoint like a study's: parameters, optimizer state, a recorder that grows, counters. */
function runState(rows: number) {
  return {
    step: 40,
    elapsedMs: 12.5,
    state: {
      params: Float64Array.from({ length: 24 }, (_, i) => Math.sin(i) / 3),
      optimizer: {
        state: [new Float64Array(24).fill(0.25), new Float64Array(24)],
        steps: Uint32Array.of(40),
      },
      loss: {
        width: 1,
        steps: Array.from({ length: rows }, (_, i) => i * 10),
        values: new Float32Array(rows),
      },
      divergedAt: -1,
      lastLoss: NaN,
    },
  };
}

async function withCheckpoint(
  body: (dir: string, file: string, bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await saveCheckpoint(dir, "run", { key: { lr: 1 }, state: runState(4) });
    const file = `${dir}/run.json`;
    await body(dir, file, await Deno.readFile(file));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const like = () => runState(0);

/** Loading the checkpoint in `dir` is refused: a CheckpointError in one line (saying `why`, if given). */
function refusedInOneLine(dir: string, why?: RegExp): Promise<void> {
  return assert.rejects(
    loadCheckpoint(dir, "run", { lr: 1 }, { like }),
    (err: Error) =>
      err instanceof CheckpointError && (why?.test(err.message) ?? true) &&
      !err.message.includes("\n"),
    why && String(why),
  );
}

Deno.test("loadCheckpoint() refuses an intact checkpoint whose state has another structure than a fresh one", async () => {
  await withCheckpoint(async (dir) => {
    // Rows of a recorder may grow (the fresh one is empty): accepted.
    const back = await loadCheckpoint<ReturnType<typeof runState>>(dir, "run", { lr: 1 }, { like });
    assert.equal(back?.state.loss.values.length, 4);
    const base = runState(2);
    const cases: [unknown, RegExp][] = [
      [{ ...base, state: { ...base.state, optimizer: undefined } }, /state.optimizer is missing/],
      [{ ...base, state: null }, /state is null, expected object/],
      [
        { ...base, state: { ...base.state, params: new Float64Array(25) } },
        /state.params has 25 values, expected 24/,
      ],
      [
        { ...base, state: { ...base.state, params: new Float32Array(24) } },
        /state.params is Float32Array, expected Float64Array/,
      ],
      [
        { ...base, state: { ...base.state, extra: 1 } },
        /state.extra is not part of this run's state/,
      ],
      [
        { ...base, state: { ...base.state, divergedAt: "-1" } },
        /state.divergedAt is string, expected number/,
      ],
      [
        {
          ...base,
          state: {
            ...base.state,
            optimizer: { state: [new Float64Array(24)], steps: Uint32Array.of(0) },
          },
        },
        /state.optimizer.state has 1 entries, expected at least 2/,
      ],
    ];
    for (const [saved, why] of cases) {
      await saveCheckpoint(dir, "run", { key: { lr: 1 }, state: saved });
      await refusedInOneLine(dir, why);
    }
  });
});

Deno.test("loadCheckpoint() refuses in one line: a folder, an old-format file, null, a cut or edited file", async () => {
  await withCheckpoint(async (dir, file, bytes) => {
    const text = new TextDecoder().decode(bytes);
    const nl = text.indexOf("\n");
    const header = JSON.parse(text.slice(0, nl));
    const payload = text.slice(nl + 1);
    const cases: [string | null, RegExp][] = [
      [null, /is a folder, not a file/],
      ["null", /has no header line/],
      ["null\n", /is not a lab checkpoint/],
      [`{"key":{"lr":1},"state":{}}`, /has no header line/],
      [
        `${JSON.stringify({ ...header, version: 1 })}\n${payload}`,
        /format version 1, this version of the lab reads 2/,
      ],
      [`${JSON.stringify({ ...header, sha256: undefined })}\n${payload}`, /header is incomplete/],
      [text.slice(0, text.length - 7), /cut short or extended/],
      [
        text.replace(/"data":"(.)/, (_m, c) => `"data":"${c === "A" ? "B" : "A"}`),
        /do not match their digest/,
      ],
      [text.replace("{", "{ "), /header was edited/],
      [
        `${JSON.stringify({ ...header, shapes: {} })}\n${payload}`,
        /do not have the shapes its header lists/,
      ],
      ["\u00ff\n", /header is not readable/],
    ];
    for (const [content, why] of cases) {
      await Deno.remove(file, { recursive: true });
      if (content === null) await Deno.mkdir(file);
      else await Deno.writeTextFile(file, content);
      await refusedInOneLine(dir, why);
    }
  });
});

Deno.test("loadCheckpoint() refuses every random damage of a valid checkpoint (fast-check)", async () => {
  await withCheckpoint(async (dir, file, bytes) => {
    const damage = fc.oneof(
      // One byte set to another value.
      fc.record({
        kind: fc.constant("set" as const),
        at: fc.nat(bytes.length - 1),
        value: fc.integer({ min: 0, max: 255 }),
      }),
      // Cut at some length.
      fc.record({
        kind: fc.constant("cut" as const),
        at: fc.nat(bytes.length - 1),
        value: fc.constant(0),
      }),
      // A byte inserted.
      fc.record({
        kind: fc.constant("insert" as const),
        at: fc.nat(bytes.length),
        value: fc.integer({ min: 0, max: 255 }),
      }),
      // A byte removed.
      fc.record({
        kind: fc.constant("remove" as const),
        at: fc.nat(bytes.length - 1),
        value: fc.constant(0),
      }),
    );
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(damage, { minLength: 1, maxLength: 3 }), async (edits) => {
        let b = Array.from(bytes);
        for (const e of edits) {
          if (e.kind === "set") b[Math.min(e.at, b.length - 1)] = e.value;
          else if (e.kind === "cut") b = b.slice(0, Math.min(e.at, b.length));
          else if (e.kind === "insert") b.splice(Math.min(e.at, b.length), 0, e.value);
          else b.splice(Math.min(e.at, b.length - 1), 1);
        }
        const damaged = Uint8Array.from(b);
        if (damaged.length === bytes.length && damaged.every((x, i) => x === bytes[i])) return;
        await Deno.writeFile(file, damaged);
        await refusedInOneLine(dir);
        refused++;
      }),
      { seed: 11, numRuns: 400 },
    );
    assert.ok(refused > 350, `only ${refused} damaged files were tried`);
  });
});

Deno.test("saveCheckpoint() of a state too large for one file is a WriteError naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 381 MB of arrays (pages never touched, so nothing is really allocated): too long as base64.
    const big = new Float64Array(50_000_000);
    await assert.rejects(
      saveCheckpoint(dir, "big", { key: {}, state: { big } }),
      (err: Error) =>
        err instanceof WriteError &&
        /big\.json: the run's state \(381 MB of arrays\) is too large/.test(err.message),
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
