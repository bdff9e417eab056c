/**
 * The report in a real browser: Debian's Chromium, driven by puppeteer-core,
 * opens a smoke run's `index.html` by `file://` URL (no server, no network)
 * and checks that every figure of every manifest becomes a live Vega view
 * with marks, without a console error, page error or failed request; that
 * figures far down the page wait until they are near; that the update-field
 * slider changes its view; that hovering a heatmap shows a tooltip; that the
 * wheel zooms a chart with two numeric axes; and that a figure that cannot be
 * drawn keeps its static SVG.
 *
 * Chromium is `/usr/bin/chromium` (or `LAB_CHROMIUM`). Without it the tests
 * are skipped, and say so in their names, unless `LAB_REQUIRE_BROWSER=1`
 * (CI), which makes a missing browser a failure. `LAB_REPORT_OUT=DIR` checks
 * an existing reproduce output (e.g. a default run's `out/`) instead of
 * making a smoke run first.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import * as vega from "vega";
import { compileSpec, type Spec } from "../../../lib/core/plots/render.ts";
import { writeIndex } from "../../../lib/core/report/index_html.ts";
import type { Manifest } from "../../../lib/core/report/write.ts";
import { exists, reproduce } from "../../helpers.ts";

// What the functions run inside the page use of its globals (Deno has no DOM types).
// deno-lint-ignore no-explicit-any
type Dom = any;
declare const document: Dom;
declare function getComputedStyle(element: Dom): { display: string };
/** The drawn views by "<id>/<figure>", and the report's handle (see `viewer.js`). */
declare const labViews: Record<string, Dom>;
declare const labReport: { drawAll(): Promise<number> };

const CHROMIUM = Deno.env.get("LAB_CHROMIUM") ?? "/usr/bin/chromium";
const hasChromium = await exists(CHROMIUM);
const required = Deno.env.get("LAB_REQUIRE_BROWSER") === "1";
const skipped = hasChromium || required ? "" : ` (skipped: no Chromium at ${CHROMIUM})`;

async function launch(): Promise<Browser> {
  return await puppeteer.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu"],
  });
}

/** Opens `index.html` under `out`, collecting every console error, page error and failed request. */
async function open(browser: Browser, out: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e instanceof Error ? e.message : e}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(pathToFileURL(join(out, "index.html")).href, { waitUntil: "load" });
  return { page, problems };
}

/** Every figure ("<id>/<name>") the manifests under `out` list. */
async function manifestFigures(out: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const e of Deno.readDir(out)) {
    if (!e.isDirectory || e.name.startsWith(".") || e.name.startsWith("_")) continue;
    const m = JSON.parse(await Deno.readTextFile(join(out, e.name, "manifest.json"))) as Manifest;
    keys.push(...m.figures.map((f) => `${m.id}/${f.name}`));
  }
  return keys.sort();
}

/**
 * The data marks a Vega scenegraph draws: items of marks whose role is
 * "mark" (axes, legends and titles left out). Runs in Deno and, through its
 * source, in the page.
 */
function countDataMarks(node: { role?: string; marktype?: string; items?: unknown[] }): number {
  let n = node.role === "mark" && node.marktype !== "group" ? (node.items ?? []).length : 0;
  for (const item of node.items ?? []) {
    for (const child of (item as { items?: unknown[] }).items ?? []) {
      n += countDataMarks(child as typeof node);
    }
  }
  return n;
}

/** {@link countDataMarks} of the figure as the static files render it (Vega, headless). */
async function staticMarks(out: string, key: string): Promise<number> {
  const spec = JSON.parse(await Deno.readTextFile(join(out, `${key}.vl.json`))) as Spec;
  const view = new vega.View(vega.parse(compileSpec(spec) as vega.Spec), {
    renderer: "none",
    logLevel: vega.Error,
  });
  try {
    await view.runAsync();
    return countDataMarks(
      (view.scenegraph() as unknown as { root: Parameters<typeof countDataMarks>[0] }).root,
    );
  } finally {
    view.finalize();
  }
}

/** The centre of a drawn figure's plotting area, in page coordinates (scrolled into view). */
async function plotCentre(page: Page, key: string): Promise<{ x: number; y: number }> {
  return await page.evaluate((key) => {
    const figure = document.querySelector(`figure[data-figure="${key}"]`)!;
    figure.scrollIntoView({ block: "center" });
    const view = labViews[key];
    const box = figure.querySelector(".vega-embed canvas")!.getBoundingClientRect();
    const [ox, oy] = view.origin() as [number, number];
    const padding = view.padding() as { left: number; top: number };
    return {
      x: box.left + padding.left + ox + view.width() / 2,
      y: box.top + padding.top + oy + view.height() / 2,
    };
  }, key);
}

Deno.test({
  name: `report: every figure of a smoke run is a live Vega view in Chromium${skipped}`,
  ignore: !hasChromium && !required,
  // puppeteer keeps its own timers and sockets between the steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    assert.ok(hasChromium, `LAB_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
    const given = Deno.env.get("LAB_REPORT_OUT");
    const out = given ?? await Deno.makeTempDir();
    if (!given) {
      const r = await reproduce(["--profile", "smoke", "--out", out]);
      assert.equal(r.code, 0, r.stderr);
    }
    const expected = await manifestFigures(out);
    assert.ok(expected.length > 40, `only ${expected.length} figures`);
    const browser = await launch();
    try {
      const { page, problems } = await open(browser, out);

      await t.step("figures are drawn as they come near, not all at once", async () => {
        // The claims ledger comes first; the first figure is drawn once it comes near.
        await page.evaluate(() => document.querySelector("figure.lab-figure")!.scrollIntoView());
        await page.waitForSelector("figure.lab-figure.drawn", { timeout: 60_000 });
        const state = await page.evaluate(() => {
          const all = [...document.querySelectorAll("figure.lab-figure")];
          return {
            live: document.documentElement.classList.contains("live"),
            lastStarted: all.at(-1)!.querySelector(".vega-embed") !== null,
          };
        });
        assert.deepEqual(state, { live: true, lastStarted: false });
      });

      await t.step("every figure is drawn with the marks of its static rendering", async () => {
        await page.evaluate(() => labReport.drawAll());
        await page.evaluate(`globalThis.countDataMarks = ${countDataMarks.toString()}`);
        const drawn = await page.evaluate(() =>
          [...document.querySelectorAll("figure.lab-figure")].map((f) => {
            const key = f.dataset.figure as string;
            const view = labViews[key];
            const canvas = f.querySelector(".vega-embed canvas");
            return {
              key,
              drawn: f.classList.contains("drawn") && !f.classList.contains("failed"),
              canvas: canvas !== null && canvas.width > 0 && canvas.height > 0,
              fallback: getComputedStyle(f.querySelector(".fallback")).display !== "none",
              marks: view ? countDataMarks(view.scenegraph().root) : -1,
            };
          })
        );
        assert.deepEqual(drawn.map((d) => d.key).sort(), expected);
        const want = await Promise.all(drawn.map(async (d) => ({
          key: d.key,
          drawn: true,
          canvas: true,
          fallback: false,
          marks: await staticMarks(out, d.key),
        })));
        assert.deepEqual(drawn, want);
        // Not a page of empty charts: most figures draw data.
        assert.ok(want.filter((w) => w.marks > 0).length > expected.length * 0.9);
      });

      await t.step("the update-field slider changes the view", async () => {
        const moved = await page.evaluate(async () => {
          const key = "toy-update-field/update_slider";
          const figure = document.querySelector(`figure[data-figure="${key}"]`)!;
          const view = labViews[key];
          const canvas = figure.querySelector("canvas")!;
          const input = figure.querySelector("input[type=range]")!;
          const before = { shown: view.signal("shown"), pixels: canvas.toDataURL() };
          input.value = input.max;
          input.dispatchEvent(new Event("input", { bubbles: true }));
          input.dispatchEvent(new Event("change", { bubbles: true }));
          await view.runAsync();
          return {
            before: before.shown,
            after: view.signal("shown"),
            max: Number(input.max),
            repainted: canvas.toDataURL() !== before.pixels,
          };
        });
        assert.equal(moved.before, 0);
        assert.ok(moved.max > 0);
        assert.deepEqual(moved, { before: 0, after: moved.max, max: moved.max, repainted: true });
      });

      await t.step("hovering a heatmap cell shows its tooltip", async () => {
        const { x, y } = await plotCentre(page, "toy-chaos/chaos_splay");
        await page.mouse.move(x, y);
        const tip = await page.waitForSelector("#vg-tooltip-element.visible", { timeout: 5_000 });
        const text = await tip!.evaluate((el) => el.textContent ?? "");
        assert.match(text, /lr/i);
      });

      await t.step("the wheel zooms a chart with two numeric axes", async () => {
        const key = "toy-seed-sweep/loss_curves";
        const domain = () =>
          page.evaluate(
            (key) => labViews[key].scale("x").domain() as number[],
            key,
          );
        const before = await domain();
        const { x, y } = await plotCentre(page, key);
        await page.mouse.move(x, y);
        await page.mouse.wheel({ deltaY: -400 });
        await page.waitForFunction(
          (key, lo, hi) => {
            const d = labViews[key].scale("x").domain();
            return d[0] !== lo || d[1] !== hi;
          },
          { timeout: 5_000 },
          key,
          before[0],
          before[1],
        );
        const after = await domain();
        assert.ok(after[1] - after[0] < before[1] - before[0], `${before} → ${after}`);
      });

      await t.step(
        "the claims ledger opens the page, each row linking to its experiment",
        async () => {
          const ledger = await page.evaluate(() => {
            const rows = [...document.querySelectorAll("section#claims tbody tr")];
            const first = document.querySelector("section#claims");
            return {
              beforeSections: first !== null &&
                first === document.querySelector("section"),
              rows: rows.length,
              broken: rows.map((r) => r.querySelector("a")!.getAttribute("href")!)
                .filter((href) => !document.querySelector(`section${href}`)),
              verdicts: [...new Set(rows.map((r) => r.querySelector(".verdict")!.textContent))],
            };
          });
          assert.ok(ledger.beforeSections, "the ledger is the first section");
          assert.ok(ledger.rows >= 15, `${ledger.rows} claims`);
          assert.deepEqual(ledger.broken, []);
          for (const v of ledger.verdicts) {
            assert.match(v!, /^(holds|holds under conditions|refuted|open)$/);
          }
        },
      );

      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      if (!given) await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test({
  name: `report: a figure that cannot be drawn keeps its static SVG and says why${skipped}`,
  ignore: !hasChromium && !required,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(hasChromium, `LAB_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
    const out = await Deno.makeTempDir();
    const m: Manifest = {
      id: "demo",
      title: "Demo",
      description: "One figure that draws and one that cannot.",
      profile: "smoke",
      notes: [],
      figures: [{ name: "good", title: "Good" }, { name: "broken", title: "Broken" }],
      tables: [],
      summary: {},
    };
    await Deno.mkdir(join(out, "demo"));
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"></svg>';
    const specs = {
      good: { data: { values: [{ a: 1 }] }, mark: "point", encoding: { x: { field: "a" } } },
      broken: { data: { values: [] }, mark: "no-such-mark" },
    };
    for (const [name, spec] of Object.entries(specs)) {
      await Deno.writeTextFile(join(out, "demo", `${name}.vl.json`), JSON.stringify(spec));
      await Deno.writeTextFile(join(out, "demo", `${name}.svg`), svg);
    }
    await writeIndex(out, [m], { generatedBy: "test", versions: {} });
    const browser = await launch();
    try {
      const { page, problems } = await open(browser, out);
      await page.evaluate(() => labReport.drawAll());
      const state = await page.evaluate(() =>
        [...document.querySelectorAll("figure.lab-figure")].map((f) => ({
          key: f.dataset.figure,
          drawn: f.classList.contains("drawn"),
          fallback: getComputedStyle(f.querySelector(".fallback")!).display !== "none",
        }))
      );
      assert.deepEqual(state, [
        { key: "demo/good", drawn: true, fallback: false },
        { key: "demo/broken", drawn: false, fallback: true },
      ]);
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0], /^console: figure demo\/broken could not be drawn: \S/);
    } finally {
      await browser.close();
      await Deno.remove(out, { recursive: true });
    }
  },
});
