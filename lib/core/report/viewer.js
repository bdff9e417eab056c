// The report page's script (copied to OUT/_report/viewer.js; a plain browser script, no
// modules, so that index.html works when opened from the file system). It draws every
// <figure class="lab-figure"> as a live Vega view with vega-embed, from the spec inlined
// in the figure, once the figure comes near the viewport: drawing all of them at once
// would keep a long report blank for seconds. Where vega-embed is missing or a figure
// fails, the static SVG in the figure stays visible.
(() => {
  "use strict";
  const figures = Array.from(document.querySelectorAll("figure.lab-figure"));
  /** The drawn views by "<experiment id>/<figure name>", for the reader's console and tests. */
  const views = {};
  if (typeof globalThis.vegaEmbed !== "function") return;
  document.documentElement.classList.add("live");

  // Every spec is Vega-Lite: said outright, because vega-embed guesses the mode from the
  // top-level keys and takes a wrapped `concat` (no `mark`, `layer`, `hconcat`, …) for Vega,
  // which then draws only the title. No editor action: it opens a web page, and the report
  // is meant to work offline.
  const options = {
    mode: "vega-lite",
    actions: { export: true, source: true, compiled: true, editor: false },
    renderer: "canvas",
  };
  const drawing = new Map();

  /** Draws one figure (once); resolves when it is drawn or has failed. */
  function draw(figure) {
    if (drawing.has(figure)) return drawing.get(figure);
    const key = figure.dataset.figure;
    const target = figure.querySelector(".view");
    const done = Promise.resolve().then(() => {
      const spec = JSON.parse(figure.querySelector("script.spec").textContent);
      const name = key.replace("/", "__");
      return globalThis.vegaEmbed(target, spec, { ...options, downloadFileName: name });
    }).then((result) => {
      views[key] = result.view;
      // The placeholder's size (the static figure's) gives way to the view's own.
      target.style.removeProperty("width");
      target.style.removeProperty("min-height");
      figure.classList.add("drawn");
    }, (err) => {
      figure.classList.add("failed");
      target.remove();
      console.error(`figure ${key} could not be drawn: ${err && err.message ? err.message : err}`);
    });
    drawing.set(figure, done);
    return done;
  }

  // A margin of about two screens: figures are drawn a little before they are reached.
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      draw(entry.target);
    }
  }, { rootMargin: "1500px 0px" });
  for (const figure of figures) observer.observe(figure);

  globalThis.labViews = views;
  globalThis.labReport = {
    views,
    /** Draws every figure now (printing, or a test); resolves when all are drawn or failed. */
    drawAll: () => Promise.all(figures.map(draw)).then(() => figures.length),
  };
})();
