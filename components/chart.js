// The atlas's one Plotly renderer (see components/chart.py). Runs in the app's page, not an iframe.
// One plotly.js bundle per browser tab, loaded on the first call (the preload at the top of app.py);
// boundary files are fetched once per tab and handed to Plotly through window.PlotlyGeoAssets,
// which Plotly reads before it fetches a figure's GeoJSON URL itself.
const atlas = window.__atlasChart || (window.__atlasChart = {geo: {}});

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

function geojson(url) {
  const assets = window.PlotlyGeoAssets || (window.PlotlyGeoAssets = {topojson: {}});
  if (!atlas.geo[url]) {
    atlas.geo[url] = fetch(url).then((r) => {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r.json();
    }).then((d) => (assets[url] = d)).catch((e) => { delete atlas.geo[url]; throw e; });
  }
  return atlas.geo[url];
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const ready = Promise.all([plotly(data.bundle), ...(data.geojson || []).map(geojson)]);
  if (!data.figure) return;
  let gd = parentElement.querySelector(".atlas-chart");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "atlas-chart";
    parentElement.appendChild(gd);
  }
  const turn = (gd.__turn = (gd.__turn || 0) + 1);
  ready.then(([Plotly]) => {
    if (turn !== gd.__turn) return;                   // a newer figure arrived while loading
    Plotly.react(gd, data.figure.data, data.figure.layout, data.config);
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
  }).catch((e) => { gd.textContent = String(e.message || e); });
  return () => {
    if (gd.__resize) gd.__resize.disconnect();
    if (window.Plotly) window.Plotly.purge(gd);
  };
}
