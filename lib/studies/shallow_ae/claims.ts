/**
 * What `shallow-ae` says about the claims "Machine Learning Research Notes 1"
 * takes from Refinetti & Goldt (ICML 2022): reading the experiment's summary
 * and deciding each verdict by a rule fixed here. See `lib/core/claims.ts`.
 *
 * @module
 */
import { type Claim, shareVerdict, type Verdict } from "../../core/claims.ts";
import { fixed } from "../../core/format.ts";

// The summary is plain JSON; the function names the fields it reads.
// deno-lint-ignore no-explicit-any
type Summary = Record<string, any>;

const SECTION = "The dynamics of representation learning in shallow, non-linear autoencoders";

function list(xs: string[]): string {
  return xs.length ? xs.join(", ") : "none";
}

/** Which of `settings` reach PCA, which never do, and a verdict for "they all reach". */
function reachVerdict(
  s: Summary,
  settings: string[],
  want: "reach" | "fail",
): { measured: string; verdict: Verdict } {
  const reach = settings.filter((x) => s.reaches_pca.includes(x));
  const never = settings.filter((x) => s.never.includes(x));
  const sometimes = settings.filter((x) => s.sometimes.includes(x));
  const measured = `reach PCA's error: ${list(reach)}; never: ${list(never)}` +
    (sometimes.length ? `; in some seeds: ${list(sometimes)}` : "");
  const good = want === "reach" ? reach : never;
  const bad = want === "reach" ? never : reach;
  // "Some seeds only" counts against neither side: all good holds, all bad refutes.
  // Settings that go either way ("in some seeds") make it conditional, never a refutation.
  const verdict: Verdict = good.length === 0 && bad.length < settings.length
    ? "holds under conditions"
    : shareVerdict(good.length, settings.length);
  return { measured, verdict };
}

/**
 * `shallow-ae`: linear autoencoders reach PCA, principal directions one after
 * another, tied sigmoidal ones do not, ReLU needs a bias, and real data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shallowAeClaims } from "./claims.ts";
 * const s = {
 *   spiked_data: "spiked Gaussian", units: 3, steps: 300000, lr: 0.05,
 *   reaches_pca: ["linear-untied-none", "relu-untied-both"], sometimes: [],
 *   never: ["erf-tied-none", "relu-untied-none"], diverged: [],
 *   linear_capture_at_0_9: [{ setting: "linear-untied-none", steps: [100, 400, 900] }],
 *   mnist: { "linear-untied-none": { error: 0.9, verdict: "does not reach" } },
 * };
 * const v = shallowAeClaims(s).map((c) => c.verdict);
 * assert.deepEqual(v, ["holds", "holds", "holds", "holds", "open"]);
 * ```
 */
export function shallowAeClaims(s: Summary): Claim[] {
  // Each part's claims come only from a run that trained that part.
  return [...(s.reaches_pca ? spikedClaims(s) : []), ...(s.mnist ? [mnistClaim(s)] : [])];
}

function spikedClaims(s: Summary): Claim[] {
  const all: string[] = [...s.reaches_pca, ...s.sometimes, ...s.never, ...s.diverged];
  const setting = `${s.spiked_data}, K = ${s.units}, ${s.steps.toLocaleString("en-US")} steps ` +
    `at η = ${s.lr}`;
  const linear = reachVerdict(s, all.filter((x) => x.startsWith("linear-")), "reach");
  const tiedSigmoidal = reachVerdict(
    s,
    all.filter((x) => /^(erf|sigmoid)-tied-/.test(x)),
    "fail",
  );
  const reluNone = all.filter((x) => /^relu-.*-none$/.test(x));
  const reluBoth = all.filter((x) => /^relu-.*-both$/.test(x));
  const reluNoneFails = reluNone.length > 0 && reluNone.every((x) => s.never.includes(x));
  const reluBothReach = reluBoth.some((x) => s.reaches_pca.includes(x));
  const relu: Verdict = reluNone.length === 0 || reluBoth.length === 0
    ? "open"
    : !reluNoneFails
    ? "refuted"
    : reluBothReach
    ? "holds"
    : "open";
  const orders = s.linear_capture_at_0_9 as { setting: string; steps: (number | null)[] }[];
  const inOrder = orders.filter((o) =>
    o.steps.every((x) => x !== null) &&
    o.steps.every((x, q) => q === 0 || x! >= o.steps[q - 1]!) &&
    o.steps[o.steps.length - 1]! > o.steps[0]!
  );
  const complete = orders.filter((o) => o.steps.every((x) => x !== null));
  return [
    {
      id: "linear-ae-reaches-pca",
      writeup: "research-notes",
      section: SECTION,
      claim: "Linear autoencoders reach the PCA error.",
      measured: `${linear.measured} (${setting})`,
      verdict: linear.verdict,
    },
    {
      id: "pcs-learnt-in-order",
      writeup: "research-notes",
      section: SECTION,
      claim: "They get there by learning the principal components one after another, largest " +
        "eigenvalue first.",
      measured: orders.length
        ? `step at which u₁ … u${orders[0].steps.length} first lie 90% inside the encoder's ` +
          `span: ` + orders.map((o) =>
            `${o.setting} ` +
            o.steps.map((x) => x === null ? "never" : x.toLocaleString("en-US")).join(" / ")
          ).join("; ") + ` (${setting})`
        : `no linear setting was trained (${setting})`,
      verdict: complete.length === 0 ? "open" : shareVerdict(inOrder.length, orders.length),
    },
    {
      id: "tied-sigmoidal-misses-pca",
      writeup: "research-notes",
      section: SECTION,
      claim: "Sigmoidal autoencoders with tied weights fail to reach the PCA error.",
      measured: `${tiedSigmoidal.measured} (${setting})`,
      verdict: tiedSigmoidal.verdict,
    },
    {
      id: "relu-needs-bias",
      writeup: "research-notes",
      section: SECTION,
      claim: "ReLU autoencoders need trainable biases to do well.",
      measured:
        `without biases: ${
          list(reluNone.map((x) => `${x} ${s.never.includes(x) ? "never reaches" : "reaches"}`))
        }; with hidden and output biases: ${
          list(reluBoth.map((x) =>
            `${x} ${s.reaches_pca.includes(x) ? "reaches" : "does not reach"}`
          ))
        } (${setting})` +
        (relu === "open" && reluNoneFails ? "; a smaller step gets there: --set lr=0.01" : ""),
      verdict: relu,
    },
  ];
}

/** What the spiked-data claims predict for a setting on real data (null: no prediction). */
function predicted(setting: string): boolean | null {
  if (setting.startsWith("linear-")) return true;
  if (/^(erf|sigmoid)-tied-/.test(setting) || /^relu-.*-none$/.test(setting)) return false;
  return null;
}

function mnistClaim(s: Summary): Claim {
  const mnist = Object.entries(s.mnist) as [string, { error: number; verdict: string }][];
  const reaches = (v: { verdict: string }) => v.verdict === "reaches PCA";
  const linear = mnist.filter(([x]) => x.startsWith("linear-"));
  const judged = mnist.filter(([x]) => predicted(x) !== null);
  const agree = judged.filter(([x, v]) => predicted(x) === reaches(v));
  // Linear ones that do not reach mean the run was too short to tell anything.
  const short = linear.length > 0 && linear.every(([, v]) => !reaches(v));
  return {
    id: "holds-on-real-data",
    writeup: "research-notes",
    section: SECTION,
    claim: "The findings carry over from synthetic Gaussian data to real images (CIFAR-10 in " +
      "the paper; MNIST digits here).",
    measured:
      `MNIST: ${
        mnist.map(([x, v]) =>
          `${x} ${reaches(v) ? "reaches PCA" : "does not"} (${fixed(v.error, 4)})`
        )
          .join(", ")
      }; ${agree.length} of ${judged.length} settings as the findings above predict` +
      (short
        ? " (the linear ones do not reach yet: --set mnistLr=0.05 --set mnistSteps=8000000)"
        : ""),
    verdict: short ? "open" : shareVerdict(agree.length, judged.length),
  };
}
