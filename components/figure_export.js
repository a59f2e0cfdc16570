// Plotly's public image export (Plotly.downloadImage) of the chart on the page, with the title, source
// line and size set on a copy of the layout just for the export: what is saved is what is shown.
export default function(component) {
  const { data, parentElement } = component;
  let box = parentElement.querySelector(".atlas-export");
  if (!box) { box = document.createElement("div"); box.className = "atlas-export"; parentElement.appendChild(box); }
  box.innerHTML = "";
  const exportAs = (fmt, button) => {
    const gd = document.querySelector(data.selector + " .js-plotly-plot");
    if (!gd || !gd.layout || !window.Plotly) { button.textContent = data.labels.missing; return; }
    const layout = gd.layout;
    const copy = Object.assign({}, layout);
    if (data.caption) {
      // as figures.caption.with_caption: Plotly anchors a multi-line title by its first line
      const m = Object.assign({}, layout.margin || {});
      const lines = (data.title.match(/<br>/g) || []).length + 1, size = 22;
      const sourceLines = (data.source.match(/<br>/g) || []).length + 1;
      const base = (m.b === undefined || m.b === null) ? 80 : m.b;
      copy.title = {text: data.title, x: 0.01, xref: "container", xanchor: "left", y: 1, yref: "paper",
                    yanchor: "bottom", pad: {b: 8 + (lines - 1) * Math.round(size * 1.3)}, automargin: true,
                    font: {size: size}};
      copy.margin = Object.assign({}, m, {t: Math.max(m.t || 0, Math.round(size * 1.35 * lines) + 24),
                                          b: base + 14 + 19 * sourceLines,
                                          l: Math.max(m.l || 0, 24), r: Math.max(m.r || 0, 24)});
      copy.annotations = (layout.annotations || []).concat([{text: data.source, xref: "paper", yref: "paper", x: 0,
          y: 0, xanchor: "left", yanchor: "top", yshift: -(base + 6), showarrow: false, align: "left",
          font: {size: 13, color: "#5f6b7a"}}]);
    }
    // downloadImage copies the figure before it returns: the page's chart gets its own layout back at once
    gd.layout = copy;
    try {
      window.Plotly.downloadImage(gd, {format: fmt, filename: data.filename, width: data.width,
                                       height: data.height, scale: fmt === "png" ? data.scale : 1});
    } finally { gd.layout = layout; }
  };
  for (const fmt of ["png", "svg"]) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "atlas-export-btn atlas-export-" + fmt;
    b.textContent = data.labels[fmt];
    b.title = data.labels.help;
    b.onclick = () => exportAs(fmt, b);
    box.appendChild(b);
  }
}
