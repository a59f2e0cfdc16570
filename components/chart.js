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
    const drawn = Plotly.react(gd, data.figure.data, data.figure.layout, data.config);
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
        if (gd.clientWidth !== width) { width = gd.clientWidth; Plotly.Plots.resize(gd); }
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
