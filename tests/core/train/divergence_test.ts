/** How reports show diverged instances (lib/core/train/divergence.ts). */
import assert from "node:assert/strict";
import {
  blankRow,
  describeDivergence,
  divergedStep,
  emptySpec,
  markSpec,
} from "../../../lib/core/train/divergence.ts";
import type { Spec } from "../../../lib/core/plots/render.ts";

Deno.test("describeDivergence() says nothing when nothing diverged", () => {
  const none = describeDivergence(Int32Array.of(-1, -1, -1), { divergeAbove: 1e6 });
  assert.deepEqual(none.summary, { diverged: 0, instances: 3, first_diverged_at: null });
  assert.deepEqual([none.note, none.mark, none.curveMark, none.all], [null, "", "", false]);
  assert.deepEqual(none.flags, [false, false, false]);
  // An empty run has nothing that diverged either.
  assert.equal(describeDivergence([], { divergeAbove: 1e6 }).all, false);
});

Deno.test("describeDivergence() words one run, some of many, and all of many", () => {
  const one = describeDivergence([0], { divergeAbove: 12.5, unit: "iteration" });
  assert.equal(
    one.note,
    "The run diverged at iteration 0 (loss not finite or above 12.5); nothing it learnt is reported.",
  );
  assert.equal(one.curveMark, "diverged at iteration 0, drawn up to there");
  const all = describeDivergence([9, 4], { divergeAbove: 2.5e7, noun: "cells" });
  assert.equal(
    all.note,
    "All 2 cells diverged (loss not finite or above 2.5e7), the first at step 4; nothing they " +
      "learnt is reported.",
  );
  assert.deepEqual([all.mark, all.all], ["all 2 cells diverged, none shown", true]);
  const some = describeDivergence([null, 30, -1], { divergeAbove: 1e-4, unit: "epoch" });
  assert.equal(
    some.note,
    "1 of 3 instances diverged (loss not finite or above 1e-4), the first at epoch 30; they are " +
      "left out of every statistic below.",
  );
  assert.deepEqual(some.flags, [false, true, false]);
});

Deno.test("divergedStep() and blankRow() give a diverged row its step and empty metrics", () => {
  assert.deepEqual([divergedStep(undefined), divergedStep(-1), divergedStep(7)], [null, null, 7]);
  const row = { seed: 2, loss: NaN, state: "diverged", diverged_at: 7 };
  assert.deepEqual(blankRow(row, ["seed", "state", "diverged_at"]), {
    seed: 2,
    loss: null,
    state: "diverged",
    diverged_at: 7,
  });
  // The column order stays, so a table keeps its header.
  assert.deepEqual(Object.keys(blankRow(row, [])), Object.keys(row));
});

Deno.test("markSpec() adds the mark as the last subtitle line, whatever the title was", () => {
  const base = { mark: "point", data: { values: [] } } as Spec;
  const mark = "2 of 8 seeds diverged, not shown";
  assert.deepEqual(markSpec(base, mark).title, { text: mark });
  assert.deepEqual(markSpec({ ...base, title: ["a", "b"] }, mark).title, {
    text: ["a", "b"],
    subtitle: [mark],
  });
  assert.deepEqual(markSpec({ ...base, title: { text: "t", subtitle: "s" } }, mark).title, {
    text: "t",
    subtitle: ["s", mark],
  });
  // An empty subtitle line is dropped rather than drawn as a blank line.
  assert.deepEqual(markSpec({ ...base, title: { text: "t", subtitle: "" } }, mark).title, {
    text: "t",
    subtitle: [mark],
  });
  const spec = { ...base, title: "t" };
  assert.equal(markSpec(spec, ""), spec);
  assert.deepEqual(emptySpec("t", mark).data, { values: [] });
});
