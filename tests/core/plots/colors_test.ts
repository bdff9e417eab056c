/**
 * The lab's colours: every feature colour visible on white, consecutive
 * features in different hues, the unlearnt red apart from them all.
 */
import assert from "node:assert/strict";
import {
  CATEGORY_COLORS,
  categoryScale,
  featureColor,
  featureScale,
  UNLEARNT_COLOR,
} from "../../../lib/core/plots/colors.ts";

/** CIELAB (D65) of a `#rrggbb` colour. */
function lab(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  assert.ok(m, `${hex} is not #rrggbb`);
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const xyz = [
    (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
    0.2126 * r + 0.7152 * g + 0.0722 * b,
    (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
  ].map((t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116));
  return [116 * xyz[1] - 16, 500 * (xyz[0] - xyz[1]), 200 * (xyz[1] - xyz[2])];
}

const deltaE = (p: string, q: string) => {
  const [a, b] = [lab(p), lab(q)];
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
};
const chroma = (c: string) => Math.hypot(lab(c)[1], lab(c)[2]);
const hue = (c: string) => (Math.atan2(lab(c)[2], lab(c)[1]) * 180) / Math.PI;
const hueGap = (p: string, q: string) => {
  const d = Math.abs(hue(p) - hue(q)) % 360;
  return Math.min(d, 360 - d);
};

Deno.test("lab() matches known CIELAB values (the oracle of the colour tests)", () => {
  const [l, a, b] = lab("#ff0000");
  assert.ok(Math.abs(l - 53.24) < 0.05 && Math.abs(a - 80.09) < 0.05 && Math.abs(b - 67.2) < 0.05);
  assert.ok(Math.abs(lab("#ffffff")[0] - 100) < 1e-6);
  // “Optimization Failure”'s peachpuff, the feature that vanished on white.
  assert.ok(lab("#ffdab9")[0] > 85);
});

Deno.test("CATEGORY_COLORS: no colour is pale enough to vanish on white (L* ≤ 75)", () => {
  const pale = CATEGORY_COLORS.filter((c) => lab(c)[0] > 75);
  assert.deepEqual(pale, []);
});

Deno.test("CATEGORY_COLORS: consecutive colours differ in hue, or clearly in lightness when grey", () => {
  const alike: string[] = [];
  for (let i = 0; i < CATEGORY_COLORS.length; i++) {
    const [p, q] = [CATEGORY_COLORS[i], CATEGORY_COLORS[(i + 1) % CATEGORY_COLORS.length]];
    const bothChromatic = chroma(p) > 20 && chroma(q) > 20;
    const apart = bothChromatic ? hueGap(p, q) >= 45 : deltaE(p, q) >= 30;
    if (!apart) alike.push(`${i + 1}:${p} ${i + 2}:${q}`);
  }
  assert.deepEqual(alike, []);
  // The old palette failed exactly this: firebrick next to darksalmon, 12° of hue apart.
  assert.ok(hueGap("#b22222", "#e9967a") < 45);
});

Deno.test("CATEGORY_COLORS: the first nine (every toy figure up to n = 9) are pairwise distinct", () => {
  const first = CATEGORY_COLORS.slice(0, 9);
  const close: string[] = [];
  for (let i = 0; i < first.length; i++) {
    for (let j = i + 1; j < first.length; j++) {
      if (deltaE(first[i], first[j]) < 25) close.push(`${first[i]} ${first[j]}`);
    }
  }
  assert.deepEqual(close, []);
});

Deno.test("UNLEARNT_COLOR is a strong red apart from every palette colour", () => {
  const [l, a] = lab(UNLEARNT_COLOR);
  assert.ok(l < 55 && a > 60, `L*=${l}, a*=${a}`);
  const near = CATEGORY_COLORS.filter((c) => deltaE(c, UNLEARNT_COLOR) < 30);
  assert.deepEqual(near, []);
});

Deno.test("featureScale() colours the unlearnt features red and leaves the rest as featureColor()", () => {
  assert.deepEqual(featureScale(4), {
    domain: [1, 2, 3, 4],
    range: [1, 2, 3, 4].map(featureColor),
  });
  const scale = featureScale(4, { unlearnt: [2, 4] });
  assert.deepEqual(scale.range, [featureColor(1), UNLEARNT_COLOR, featureColor(3), UNLEARNT_COLOR]);
  assert.equal(featureColor(CATEGORY_COLORS.length + 2), featureColor(2));
});

Deno.test("categoryScale() gives consecutive labels consecutive palette colours, wrapping round", () => {
  const labels = Array.from({ length: CATEGORY_COLORS.length + 1 }, (_, i) => `run ${i}`);
  const scale = categoryScale(labels);
  assert.deepEqual(scale.domain, labels);
  assert.deepEqual(scale.range.slice(0, 3), CATEGORY_COLORS.slice(0, 3));
  assert.equal(scale.range.at(-1), CATEGORY_COLORS[0]);
});
