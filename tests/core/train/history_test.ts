/** lib/core/train/history.ts: the strided recorder keeps long runs' history bounded. */
import assert from "node:assert/strict";
import { concatSeriesColumns, StridedRecorder } from "../../../lib/core/train/history.ts";

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
