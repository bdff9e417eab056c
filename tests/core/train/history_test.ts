/** lib/core/train/history.ts: the strided recorder keeps long runs' history bounded. */
import assert from "node:assert/strict";
import {
  concatSeriesColumns,
  recorderRows,
  StridedRecorder,
} from "../../../lib/core/train/history.ts";

Deno.test("StridedRecorder keeps memory bounded with evenly spaced rows", () => {
  const rec = new StridedRecorder(2, { stride: 1, capacity: 8 });
  for (let t = 0; t < 1000; t++) if (rec.wants(t)) rec.record(t, [t, -t]);
  rec.finish(1000, [1000, -1000]);
  const s = rec.series();
  assert.ok(s.steps.length <= 9);
  assert.ok(s.steps.length >= 5);
  const gaps = s.steps.slice(1, -1).map((v, k) => v - s.steps[k]);
  assert.ok(gaps.every((g) => g === gaps[0]), `uneven rows ${s.steps}`);
  assert.equal(s.steps[0], 0);
  assert.equal(s.steps.at(-1), 1000);
  s.steps.forEach((step, k) => assert.equal(s.values[2 * k + 1], -step));
  const joined = concatSeriesColumns([s, s]);
  assert.equal(joined.width, 4);
  assert.equal(joined.values[joined.width * 3 + 2], s.values[2 * 3]);
});

Deno.test("StridedRecorder with until keeps exactly the rows of one without; recorderRows counts them", () => {
  const rows = (until: number, stride: number, capacity: number, hint: boolean) => {
    const rec = new StridedRecorder(3, { stride, capacity, ...(hint ? { until } : {}) });
    for (let t = 0; t < until; t++) if (rec.wants(t)) rec.record(t, [t, t + 0.5, -t]);
    rec.finish(until, [until, until + 0.5, -until]);
    return rec.series();
  };
  for (const [until, stride, capacity] of [[1, 1, 16], [7, 2, 4], [95, 10, 512], [1000, 1, 8]]) {
    assert.deepEqual(rows(until, stride, capacity, true), rows(until, stride, capacity, false));
  }
  assert.equal(recorderRows({ stride: 1, capacity: 16, until: 1 }), 2);
  assert.equal(recorderRows({ stride: 10, capacity: 512, until: 100 }), 11);
  assert.equal(recorderRows({ stride: 3, capacity: 5, until: 100 }), 5);
  // Saved state holds the rows only; a restored recorder with until continues bit for bit.
  const a = new StridedRecorder(2, { stride: 1, capacity: 8, until: 20 });
  const b = new StridedRecorder(2, { stride: 1, capacity: 8 });
  for (let t = 0; t < 10; t++) [a, b].forEach((r) => r.record(t, [t, 2 * t]));
  const a2 = StridedRecorder.restore(a.save(), { until: 20 });
  for (let t = 10; t < 20; t++) [a2, b].forEach((r) => r.wants(t) && r.record(t, [t, 2 * t]));
  assert.deepEqual(a2.series(), b.series());
});

Deno.test("StridedRecorder recording past its until grows to the full capacity instead of dropping rows", () => {
  const rec = new StridedRecorder(1, { stride: 1, capacity: 64, until: 2 });
  for (let t = 0; t < 10; t++) rec.record(t, [t]);
  assert.deepEqual(Array.from(rec.series().values), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.throws(
    () => new StridedRecorder(1, { stride: 1, capacity: 4, until: -1 }),
    /until must be an integer >= 0, got -1/,
  );
});
