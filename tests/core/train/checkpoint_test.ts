/** Checkpoint files: exact JSON, the configuration stamp, unreadable files. */
import assert from "node:assert/strict";
import { fromExactJson, toExactJson } from "../../../lib/core/io.ts";
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
    await assert.rejects(loadCheckpoint(dir, "broken", {}), /is not readable/);
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
