/**
 * `writeIndex` without a browser: each figure's markup (the live box sized
 * like the static SVG, the SVG fallback, the inlined spec the view is drawn
 * from, the links), the scripts in load order after the figures, the
 * preamble, and `readManifests` passing over `_report/`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readManifests, writeIndex } from "../../../lib/core/report/index_html.ts";
import { liveSpec } from "../../../lib/core/report/embed.ts";
import type { Manifest } from "../../../lib/core/report/write.ts";
import type { Spec } from "../../../lib/core/plots/render.ts";

const SPEC = {
  title: "Loss </script> over steps",
  data: { values: [{ step: 1, loss: 0.5 }] },
  mark: "line",
  encoding: {
    x: { field: "step", type: "quantitative" },
    y: { field: "loss", type: "quantitative" },
  },
};

async function fixture(): Promise<{ out: string; manifest: Manifest }> {
  const out = await Deno.makeTempDir();
  const manifest: Manifest = {
    id: "demo",
    title: "Demo & co",
    description: "A made-up experiment.",
    profile: "smoke",
    notes: ["a note"],
    figures: [{ name: "loss", title: "Loss </script> over steps" }],
    tables: [],
    summary: {},
  };
  await Deno.mkdir(join(out, "demo"));
  await Deno.writeTextFile(join(out, "demo/manifest.json"), JSON.stringify(manifest));
  await Deno.writeTextFile(join(out, "demo/loss.vl.json"), JSON.stringify(SPEC, null, 2));
  await Deno.writeTextFile(
    join(out, "demo/loss.svg"),
    '<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="512.5" height="300" viewBox="0 0 512 300"></svg>',
  );
  return { out, manifest };
}

Deno.test("writeIndex() draws each figure from its inlined spec, with the SVG as fallback", async () => {
  const { out, manifest } = await fixture();
  const html = await Deno.readTextFile(
    await writeIndex(out, [manifest], { generatedBy: "test", versions: { vega: "6.4.0" } }),
  );
  const figure = /<figure class="lab-figure"[^>]*>[\s\S]*?<\/figure>/.exec(html)?.[0] ?? "";
  assert.match(figure, /^<figure class="lab-figure" id="demo--loss" data-figure="demo\/loss">/);
  // The box the view is drawn in is the static figure's size until then.
  assert.match(figure, /<div class="view" style="width:513px;min-height:300px"><\/div>/);
  assert.match(
    figure,
    /<img class="fallback" src="demo\/loss.svg" width="513" height="300" alt="Loss &lt;\/script&gt; over steps" loading="lazy">/,
  );
  const json = /<script type="application\/json" class="spec">([^<]*)<\/script>/.exec(figure)?.[1];
  assert.ok(json !== undefined, "no inlined spec");
  assert.deepEqual(JSON.parse(json), liveSpec(SPEC as unknown as Spec));
  for (const file of ["demo/loss.svg", "demo/loss.png", "demo/loss.vl.json"]) {
    assert.ok(figure.includes(`<a href="${file}">`), file);
  }
  // The scripts come after every figure, in dependency order.
  const scripts = [...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]);
  assert.deepEqual(scripts, [
    "_report/vega.min.js",
    "_report/vega-lite.min.js",
    "_report/vega-embed.min.js",
    "_report/viewer.js",
  ]);
  assert.ok(html.lastIndexOf("</figure>") < html.indexOf('<script src="_report/vega.min.js">'));
  for (const s of scripts) assert.ok((await Deno.stat(join(out, s))).size > 0, s);
  await Deno.remove(out, { recursive: true });
});

Deno.test("writeIndex() puts the preamble between the heading and the contents", async () => {
  const { out, manifest } = await fixture();
  const html = await Deno.readTextFile(
    await writeIndex(out, [manifest], {
      generatedBy: "test",
      versions: {},
      preamble: '<section id="claims"><h2>Claims</h2></section>',
    }),
  );
  const at = html.indexOf('<section id="claims">');
  assert.ok(at > html.indexOf("<h1>"));
  assert.ok(at < html.indexOf('<li><a href="#demo">Demo &amp; co</a></li>'));
  await Deno.remove(out, { recursive: true });
});

Deno.test("readManifests() passes over _report/ and hidden folders", async () => {
  const { out, manifest } = await fixture();
  await writeIndex(out, [manifest], { generatedBy: "test", versions: {} });
  for (const dir of ["_report", ".checkpoints"]) {
    await Deno.mkdir(join(out, dir), { recursive: true });
    await Deno.writeTextFile(
      join(out, dir, "manifest.json"),
      JSON.stringify({ ...manifest, id: dir }),
    );
  }
  assert.deepEqual((await readManifests(out, ["demo"])).map((m) => m.id), ["demo"]);
  await Deno.remove(out, { recursive: true });
});
