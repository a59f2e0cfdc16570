// The atlas's one Plotly renderer (see components/chart.py). Runs in the app's page, not an iframe.
// One plotly.js bundle per browser tab, loaded on the first call (the preload at the top of app.py);
// boundary files and Plotly's (empty) base layers are fetched once per tab and handed to Plotly
// through window.PlotlyGeoAssets, which Plotly reads before it would fetch them itself.
const atlas = window.__atlasChart || (window.__atlasChart = {files: {}, jobs: []});

function plotly(url) {
  if (!atlas.plotly) {
    atlas.plotly = new Promise((resolve, reject) => {
      if (window.Plotly) return resolve(window.Plotly);
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { atlas.plotly = null; reject(new Error("could not load " + url)); };
      document.head.appendChild(script);
    });
  }
  return atlas.plotly;
}

function json(url, store) {
  if (!atlas.files[url]) {
    atlas.files[url] = fetch(url).then((r) => {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r.json();
    }).then(store).catch((e) => { delete atlas.files[url]; throw e; });
  }
  return atlas.files[url];
}

function geoAssets(data) {
  const assets = window.PlotlyGeoAssets || (window.PlotlyGeoAssets = {topojson: {}});
  const base = data.config ? data.config.topojsonURL : "";
  return [...(data.geojson || []).map((url) => json(url, (d) => (assets[url] = d))),
          ...(data.topojson || []).map((name) => json(base + name + ".json", (d) => (assets.topojson[name] = d)))];
}

// One figure is drawn at a time, maps first. A map is what a page is opened for, and a bar
// chart's first draw (~0.2 s on a 2-core machine) would otherwise run in the middle of the map's.
function enqueue(job) {
  atlas.jobs.push(job);
  if (!atlas.drawing) {
    atlas.drawing = true;
    setTimeout(drawAll);                               // figures of one rerun arrive together
  }
}

// The browser paints each figure before the next one is drawn.
const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

async function drawAll() {
  while (atlas.jobs.length) {
    atlas.jobs.sort((a, b) => b.map - a.map);
    await atlas.jobs.shift().draw();
    await painted();
  }
  atlas.drawing = false;
}

// Plotly titles don't wrap. A title line (or a <sub> line under it) wider than the figure is broken
// at punctuation, and at spaces inside a clause too long for a line, for the width the figure is
// drawn at; the top margin grows by the lines added. Lines with other markup are left as they are.
function fitTitle(layout, width) {
  const title = layout.title;
  if (!title || typeof title.text !== "string" || !width) return layout;
  const base = (layout.template && layout.template.layout) || {};
  const pick = (key) => [title.font, base.title && base.title.font, layout.font, base.font]
    .map((f) => f && f[key]).find((v) => v);
  const size = pick("size") || 17, family = pick("family") || "sans-serif", weight = pick("weight") || "normal";
  const ctx = atlas.ctx || (atlas.ctx = document.createElement("canvas").getContext("2d"));
  const room = width - 24;
  let added = 0;
  const lines = title.text.split("<br>").flatMap((line) => {
    const sub = /^<sub>(.*)<\/sub>$/.exec(line);
    const text = sub ? sub[1] : line, px = sub ? size * 0.7 : size;
    ctx.font = `${weight} ${px}px ${family}`;
    const fits = (s) => ctx.measureText(s.trim()).width <= room;
    if (/<[^>]+>/.test(text) || fits(text)) return [line];
    const broken = breakLine(text, fits);
    added += (broken.length - 1) * px * 1.3;
    return sub ? broken.map((b) => `<sub>${b}</sub>`) : broken;
  });
  if (!added) return layout;
  const margin = layout.margin || {};
  return {...layout, title: {...title, text: lines.join("<br>")},
          margin: {...margin, t: (margin.t === undefined ? 100 : margin.t) + Math.ceil(added)}};
}

// After full-width punctuation, and after "," ";" ":" ")" followed by a space (not inside "1,832").
const CLAUSE_END = /(?<=[，；：）])|(?<=[,;:)])(?= )/;

function breakLine(text, fits) {
  const pieces = text.split(CLAUSE_END).flatMap((clause) => (fits(clause) ? [clause] : clause.split(/(?<= )/)));
  const lines = [];
  let line = "";
  for (const piece of pieces) {
    if (line && !fits(line + piece)) {
      lines.push(line.trim());
      line = piece;
    } else {
      line += piece;
    }
  }
  return [...lines, line.trim()];
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const ready = Promise.all([plotly(data.bundle), ...geoAssets(data)]);
  if (!data.figure) return;
  let gd = parentElement.querySelector(".atlas-chart");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "atlas-chart";
    parentElement.appendChild(gd);
  }
  const turn = (gd.__turn = (gd.__turn || 0) + 1);
  enqueue({map: (data.geojson || []).length > 0, draw: () => ready.then(([Plotly]) => {
    if (turn !== gd.__turn) return;                   // a newer figure arrived while loading
    gd.__figure = data;
    const drawn = Plotly.react(gd, data.figure.data, fitTitle(data.figure.layout, gd.clientWidth), data.config);
    if (data.click && !gd.__click) {
      gd.__click = true;
      gd.on("plotly_click", (e) => {
        const point = e && e.points && e.points.find((p) => p.location !== undefined && p.location !== null);
        if (point) setTriggerValue("click", String(point.location));
      });
    }
    if (!gd.__resize) {
      let width = gd.clientWidth;
      gd.__resize = new ResizeObserver(() => {
        if (gd.clientWidth === width) return;
        width = gd.clientWidth;                         // the title is fitted to the new width too
        Plotly.react(gd, gd.__figure.figure.data, fitTitle(gd.__figure.figure.layout, width), gd.__figure.config);
      });
      gd.__resize.observe(gd);
    }
    return drawn;
  }).catch((e) => { gd.textContent = String(e.message || e); })});
  return () => {
    if (gd.__resize) gd.__resize.disconnect();
    if (window.Plotly) window.Plotly.purge(gd);
  };
}
