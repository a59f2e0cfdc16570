"""From an indicator panel to what the gaps page shows: how unequal, between whom, closing or not.

Pure functions, no streamlit. Every number comes from the metrics engine
(metrics.inequality, .dagum, .convergence, .gaps, .spatial); this module only
runs it year by year and arranges the results for a chart whose title states
the finding. Panels are regions x years frames (index code, columns years),
as ``Store.panel`` returns them.
"""
from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from figures.china_map import MapLayer
from figures.classify import Classes
from figures.style import AVERAGE_COLOR, FONT_FAMILY, GROUP_COLORS, TARGET_COLOR, sequential
from i18n import listing, t
from metrics.convergence import BetaConvergence
from metrics.spatial import LocalMoranResult

MEASURES = ("cv", "williamson", "gini", "theil_t", "theil_l")
LISA_CLASSES = ("HH", "LL", "HL", "LH", "ns", "no_neighbours")
LISA_COLORS = {"HH": "#b2182b", "LL": "#2166ac", "HL": "#ef8a62", "LH": "#67a9cf", "ns": "#c4c9d1",
               "no_neighbours": "#f4f1e6"}
DAGUM_PARTS = ("within", "net_between", "transvariation")
DAGUM_COLORS = {"within": "#56B4E9", "net_between": "#0072B2", "transvariation": "#E69F00"}


def _year_axis(fig: go.Figure, lang: str) -> dict:
    """Whole years as ticks, padded half a year so the first and last labels are not clipped."""
    years = [float(x) for tr in fig.data for x in (tr.x if tr.x is not None else ()) if x is not None]
    axis = {"title": t("gaps.axis_year", lang), "tickformat": "d", "dtick": 1}
    if years:
        axis["range"] = [min(years) - 0.5, max(years) + 0.5]
    return axis


def _layout(fig: go.Figure, title: str, height: int = 420, **kwargs) -> go.Figure:
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=height,
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, font={"family": FONT_FAMILY, "size": 12},
                      plot_bgcolor="white", legend={"orientation": "h", "y": -0.22, "yanchor": "top"}, **kwargs)
    fig.update_xaxes(gridcolor="#eef0f3")
    fig.update_yaxes(gridcolor="#eef0f3")
    return fig


# ── trend of inequality ─────────────────────────────────────────────────────

def change_sentence(series: pd.Series, years: pd.Series, label: str, lang: str, digits: int = 3) -> str:
    """'the CV fell from 0.31 to 0.22 between 2007 and 2016' from the first and last year with a value."""
    ok = series.notna().to_numpy()
    if ok.sum() < 2:
        return t("gaps.trend_one_year", lang, measure=label)
    v = series[ok].to_numpy(float)
    y = years[ok].to_numpy(int)
    verb = "fell" if v[-1] < v[0] else ("rose" if v[-1] > v[0] else "flat")
    return t(f"gaps.trend_{verb}", lang, measure=label, v0=f"{v[0]:.{digits}f}", v1=f"{v[-1]:.{digits}f}",
             y0=y[0], y1=y[-1])


def break_years(flags: pd.DataFrame, flag: str = "series_break") -> list[int]:
    """Years in which any region carries `flag`: by default a series changes definition; ``suspect_year``, the
    year's values look misaligned in the source."""
    hit = flags.apply(lambda col: col.astype(str).str.split(";").map(lambda fs: flag in fs)).any(axis=0)
    return sorted(int(y) for y in hit[hit].index)


def trend_figure(trend: pd.DataFrame, measure: str, name: str, lang: str, breaks: list[int] = (),
                 suspect: list[int] = ()) -> go.Figure:
    """The chosen measure by year; the title says whether it fell (σ-convergence) or rose.

    With a series break the title compares only the years since the last break (the earlier
    values measure something else), and the break is drawn as a dashed line.
    """
    label = t(f"gaps.m.{measure}", lang)
    fig = go.Figure(go.Scatter(
        x=trend["year"], y=trend[measure], mode="lines+markers", name=label, line={"color": "#0072B2", "width": 3},
        customdata=trend["n_regions"],
        hovertemplate="%{x}: %{y:.4f}<br>" + t("gaps.n_regions", lang) + " %{customdata}<extra></extra>"))
    since = since_break(trend["year"], breaks)
    comparable = trend[trend["year"] >= since] if since is not None else trend
    title = f"{escape(name)} · {change_sentence(comparable[measure], comparable['year'], label, lang)}"
    if since is not None:
        title += "<br><sub>" + t("gaps.trend_break", lang, year=since) + "</sub>"
    _mark_breaks(fig, trend["year"], breaks, lang)
    mark_suspect(fig, trend["year"], suspect, lang)
    _layout(fig, title, xaxis=_year_axis(fig, lang),
            yaxis={"title": f"{label}（{t('gaps.unitless', lang)}）" if lang == "zh"
                   else f"{label} ({t('gaps.unitless', lang)})", "rangemode": "tozero"}, showlegend=False)
    return fig


def distribution_figure(panel: pd.DataFrame, labels: pd.Series, name: str, unit: str, lang: str,
                        breaks: list[int] = (), suspect: list[int] = ()) -> go.Figure:
    """A violin per year with every region as a point: a second hump or a widening spread shows polarisation."""
    fig = go.Figure()
    for year in panel.columns:
        col = panel[year].dropna()
        if col.empty:
            continue
        fig.add_trace(go.Violin(
            x=[int(year)] * len(col), y=col.to_numpy(float), name=str(int(year)), box_visible=True,
            meanline_visible=False, points="all", pointpos=0, jitter=0.35, marker={"size": 4, "opacity": 0.6},
            line={"color": "#0072B2", "width": 1}, fillcolor="rgba(0,114,178,0.18)", spanmode="hard",
            text=[escape(str(labels.get(c, c))) for c in col.index], showlegend=False,
            hovertemplate="%{text}: %{y:,.4g} " + escape(unit) + "<extra>" + str(int(year)) + "</extra>"))
    years = [int(y) for y in panel.columns if panel[y].notna().any()]
    span = f"{years[0]}–{years[-1]}" if years else ""
    _mark_breaks(fig, years, breaks, lang)
    mark_suspect(fig, years, suspect, lang)
    _layout(fig, t("gaps.dist_title", lang, name=escape(name), span=span), height=440,
            xaxis=_year_axis(fig, lang),
            yaxis={"title": escape(unit)}, violinmode="overlay", showlegend=False)
    return fig


# ── decomposition by groups ──────────────────────────────────────────────────

def since_break(years, breaks) -> int | None:
    """The last series-break year inside the span of `years`, if any."""
    years = list(years)
    inside = [b for b in breaks if years and min(years) < b <= max(years)]
    return inside[-1] if inside else None


def _mark_breaks(fig: go.Figure, years, breaks, lang: str) -> None:
    years = list(years)
    for b in breaks:
        if years and min(years) < b <= max(years):
            # Its label to the right of the line, inside the plot: on the left it covered the y-axis ticks.
            fig.add_vline(x=b - 0.5, line_color="#8a94a6", line_dash="dash",
                          annotation_text=t("gaps.break", lang, year=b), annotation_position="top right")


def mark_suspect(fig: go.Figure, years, suspect, lang: str) -> None:
    """A grey band over a year whose values look misaligned in the source (flag ``suspect_year``): its gap is not
    to be read as a change, and a slide shows the band without the page's caption."""
    years = list(years)
    for y in suspect:
        if y in years:
            fig.add_vrect(x0=y - 0.5, x1=y + 0.5, fillcolor="#8a94a6", opacity=0.15, line_width=0, layer="below",
                          annotation_text="⚑ " + t("gaps.suspect_mark", lang, year=y),
                          annotation_position="bottom left", annotation_bgcolor="rgba(255,255,255,0.85)")


def theil_figure(theil: pd.DataFrame, group_names: dict, lang: str, breaks: list[int] = ()) -> go.Figure:
    """Stacked areas: between groups at the bottom, then each group's within-group contribution;
    the title compares the between-group share over the years since the last series break."""
    fig = go.Figure()
    parts = ["between"] + [p for p in dict.fromkeys(theil["part"]) if p != "between"]
    for i, part in enumerate(parts):
        rows = theil[theil["part"] == part]
        label = t("gaps.between", lang) if part == "between" else \
            t("gaps.within_of", lang, group=escape(group_names.get(part, part)))
        color = AVERAGE_COLOR if part == "between" else GROUP_COLORS[(i - 1) % len(GROUP_COLORS)]
        fig.add_trace(go.Scatter(x=rows["year"], y=rows["value"], name=label, stackgroup="theil", mode="lines",
                                 line={"width": 0.5, "color": color},
                                 hovertemplate=label + " %{x}: %{y:.4f}<extra></extra>"))
    between = theil[theil["part"] == "between"]
    since = since_break(between["year"], breaks)
    _mark_breaks(fig, between["year"], breaks, lang)
    if since is not None:
        between = between[between["year"] >= since]
    if len(between):
        share = (between["value"] / between["total"]).to_numpy(float)
        years = between["year"].to_numpy(int)
        title = t("gaps.theil_title", lang, s0=f"{share[0]:.0%}", s1=f"{share[-1]:.0%}", y0=years[0], y1=years[-1])
    else:
        title = t("gaps.theil_none", lang)
    return _layout(fig, title, xaxis=_year_axis(fig, lang),
                   yaxis={"title": t("gaps.axis_theil", lang), "rangemode": "tozero"})


def dagum_figure(table: pd.DataFrame, lang: str, breaks: list[int] = ()) -> go.Figure:
    """G = within + net between + transvariation, stacked by year."""
    fig = go.Figure()
    for part in DAGUM_PARTS:
        label = t(f"gaps.dagum.{part}", lang)
        fig.add_trace(go.Scatter(x=table["year"], y=table[part], name=label, stackgroup="dagum", mode="lines",
                                 line={"width": 0.5, "color": DAGUM_COLORS[part]},
                                 hovertemplate=label + " %{x}: %{y:.4f}<extra></extra>"))
    if len(table):
        _mark_breaks(fig, table["year"], breaks, lang)
        last = table.iloc[-1]
        title = t("gaps.dagum_title", lang, year=int(last["year"]), g=f"{last['gini']:.3f}",
                  nb=f"{last['net_between_share']:.0%}", w=f"{last['within_share']:.0%}",
                  tv=f"{last['transvariation_share']:.0%}")
    else:
        title = t("gaps.theil_none", lang)
    return _layout(fig, title, xaxis=_year_axis(fig, lang),
                   yaxis={"title": t("gaps.axis_gini", lang), "rangemode": "tozero"})


def dagum_table(d, group_names: dict, lang: str) -> pd.DataFrame:
    """One year's decomposition as rows a presenter can read: component, value, share of G
    (each group's own Gini is on the heatmap's diagonal and in its own chart)."""
    rows = [{"component": t("gaps.dagum.total", lang), "value": d.gini, "share": 1.0}]
    rows += [{"component": t(f"gaps.dagum.{p}", lang), "value": getattr(d, p), "share": d.shares[p]}
             for p in DAGUM_PARTS]
    return pd.DataFrame(rows)


def group_gini_figure(table: pd.DataFrame, group_names: dict, lang: str, breaks: list[int] = ()) -> go.Figure:
    """Each group's own Gini by year: which group is internally most unequal."""
    fig = go.Figure()
    cols = [c for c in table.columns if c.startswith("gini_")]
    for i, col in enumerate(cols):
        label = escape(group_names.get(col[5:], col[5:]))
        fig.add_trace(go.Scatter(x=table["year"], y=table[col], name=label, mode="lines+markers",
                                 line={"color": GROUP_COLORS[i % len(GROUP_COLORS)], "width": 2},
                                 hovertemplate=label + " %{x}: %{y:.4f}<extra></extra>"))
    title = t("gaps.group_gini_title", lang)
    if len(table):
        _mark_breaks(fig, table["year"], breaks, lang)
    if len(table) and cols:
        last = table.iloc[-1][cols].astype(float)
        top = last.idxmax()[5:]
        title = t("gaps.group_gini_top", lang, year=int(table.iloc[-1]["year"]),
                  group=escape(group_names.get(top, top)), g=f"{last.max():.3f}")
    return _layout(fig, title, xaxis=_year_axis(fig, lang),
                   yaxis={"title": t("gaps.axis_gini", lang), "rangemode": "tozero"})


def pair_gini_figure(d, group_names: dict, year: int, lang: str) -> go.Figure:
    """Between-group Gini G_jh for every pair (own Gini on the diagonal): which two groups are furthest apart."""
    names = [escape(group_names.get(g, g)) for g in d.groups]
    z = np.asarray(d.pair_gini, dtype=float)
    fig = go.Figure(go.Heatmap(z=z, x=names, y=names, colorscale="Blues", zmin=0,
                               text=[[f"{v:.3f}" for v in row] for row in z], texttemplate="%{text}",
                               hovertemplate="%{y} × %{x}: %{z:.4f}<extra></extra>",
                               colorbar={"title": {"text": "G<sub>jh</sub>"}}))
    title = t("gaps.pair_title", lang, year=year)
    if len(names) > 1:
        off = z.copy()
        np.fill_diagonal(off, -np.inf)
        i, j = np.unravel_index(np.argmax(off), off.shape)
        title = t("gaps.pair_top", lang, year=year, a=names[i], b=names[j], g=f"{z[i, j]:.3f}")
    return _layout(fig, title, height=420, yaxis={"autorange": "reversed"})


# ── β-convergence ─────────────────────────────────────────────────────────────

def beta_title(result: BetaConvergence, first: int, last: int, lang: str) -> str:
    stats = t("gaps.beta_stats", lang, b=f"{result.slope:.4f}",
              p="—" if result.p_value is None else f"{result.p_value:.3f}",
              r2="—" if result.r_squared is None else f"{result.r_squared:.2f}", n=result.n_regions)
    if result.converging and result.speed is not None and result.half_life is not None:
        head = t("gaps.beta_yes", lang, y0=first, y1=last, speed=f"{result.speed:.1%}",
                 half=f"{result.half_life:.0f}")
    elif result.converging:
        head = t("gaps.beta_overshoot", lang, y0=first, y1=last)
    else:
        head = t("gaps.beta_no", lang, y0=first, y1=last)
    if result.p_value is not None and result.p_value > 0.1:
        head += t("gaps.beta_weak", lang)
    return f"{head}<br><sub>{stats}</sub>"


def _readable_labels(frame: pd.DataFrame, result: BetaConvergence) -> pd.Series:
    """The laggards' names to write beside their dots: furthest below the line first, leaving out a name whose dot
    sits where an earlier name is written (they piled up unreadably); every laggard is named in the caption."""
    x, y = frame["ln_start"], frame["growth"]
    span_x, span_y = max(np.ptp(x), 1e-9), max(np.ptp(y), 1e-9)
    shortfall = (result.intercept + result.slope * x) - y
    shown, placed = pd.Series("", index=frame.index), []
    for i in shortfall[frame["laggard"]].sort_values(ascending=False).index:
        px, py = (x[i] - x.min()) / span_x, (y[i] - y.min()) / span_y
        if all(abs(px - qx) > 0.07 or abs(py - qy) > 0.06 for qx, qy in placed):
            shown[i] = escape(str(frame.at[i, "label"]))
            placed.append((px, py))
    return shown


def beta_figure(result: BetaConvergence, frame: pd.DataFrame, unit: str, lang: str) -> go.Figure:
    fig = go.Figure()
    written = _readable_labels(frame, result)
    for laggard, color, key in ((False, "#0072B2", "gaps.beta_others"), (True, "#D55E00", "gaps.beta_laggards")):
        part = frame[frame["laggard"] == laggard]
        fig.add_trace(go.Scatter(
            x=part["start"], y=part["growth"] * 100, mode="markers+text" if laggard else "markers",
            text=written[part.index].tolist(), customdata=[escape(str(s)) for s in part["label"]],
            textposition="top center", textfont={"size": 10},
            marker={"color": color, "size": 9, "line": {"color": "white", "width": 1}}, name=t(key, lang),
            hovertemplate="%{customdata}: %{x:,.4g} " + escape(unit) + " → %{y:.2f}%/" + t("gaps.per_year", lang)
                          + "<extra></extra>"))
    xs = np.linspace(frame["ln_start"].min(), frame["ln_start"].max(), 50)
    fig.add_trace(go.Scatter(x=np.exp(xs), y=(result.intercept + result.slope * xs) * 100, mode="lines",
                             line={"color": AVERAGE_COLOR, "dash": "dash"}, name=t("gaps.beta_fit", lang),
                             hoverinfo="skip"))
    first, last = frame.attrs["first"], frame.attrs["last"]
    return _layout(fig, beta_title(result, first, last, lang), height=480,
                   xaxis={"title": t("gaps.beta_x", lang, year=first, unit=escape(unit)), "type": "log"},
                   yaxis={"title": t("gaps.beta_y", lang, y0=first, y1=last), "ticksuffix": "%"})


# ── urban–rural ───────────────────────────────────────────────────────────────

def ratio_layer(ratio: pd.Series, regions: pd.DataFrame, lang: str, unit_label: str) -> MapLayer:
    """Continuous map of the urban/rural ratio (1 = parity); darker = bigger urban advantage."""
    values = regions["code"].map(ratio).to_numpy(float)
    labels = regions["name" if lang == "zh" else "name_en"].astype(str).map(escape)
    hover = [f"<b>{n}</b><br>" + (t("gaps.ratio_hover", lang, r=f"{v:.2f}") if np.isfinite(v)
                                   else t("common.no_data", lang)) for n, v in zip(labels, values)]
    colors = sequential("Oranges", 9)
    return MapLayer(codes=regions["code"].tolist(), values=values, hover=hover, legend_title=unit_label,
                    no_data_label=t("common.no_data", lang),
                    colors=[[i / (len(colors) - 1), c] for i, c in enumerate(colors)])


def ratio_title(ratio: pd.Series, labels: pd.Series, name: str, year: int, lang: str) -> str:
    """'2016: urban beds per 1,000 are 1.1–4.1 times rural; widest in X'."""
    r = ratio.dropna()
    if r.empty:
        return t("gaps.ratio_map_empty", lang, name=escape(name), year=year)
    top = r.idxmax()
    return t("gaps.ratio_map_title", lang, name=escape(name), year=year, lo=f"{r.min():.1f}", hi=f"{r.max():.1f}",
             top=escape(str(labels.get(top, top))))


def lisa_note(result: LocalMoranResult, labels: pd.Series, lang: str) -> str:
    """Who was left out of the clusters and why, in the reader's language (islands named)."""
    w = result.weights
    parts = []
    if w.dropped_missing:
        parts.append(t("gaps.lisa_dropped_missing", lang, n=len(w.dropped_missing)))
    if w.dropped_islands:
        names = listing((escape(str(labels.get(c, c))) for c in w.dropped_islands), lang)
        parts.append(t("gaps.lisa_dropped_islands", lang, n=len(w.dropped_islands), names=names))
    return " ".join(parts)


def ratio_trend_figure(ratio: pd.DataFrame, labels: pd.Series, name: str, lang: str) -> go.Figure:
    """The ratio per region and year as a box per year (points = regions), with parity at 1."""
    fig = go.Figure()
    for year in ratio.columns:
        col = ratio[year].dropna()
        if col.empty:
            continue
        fig.add_trace(go.Box(x=[int(year)] * len(col), y=col.to_numpy(float), name=str(int(year)),
                             boxpoints="all", jitter=0.4, pointpos=0, marker={"size": 4, "color": "#D55E00"},
                             line={"color": "#8c510a"}, fillcolor="rgba(230,159,0,0.15)", showlegend=False,
                             text=[escape(str(labels.get(c, c))) for c in col.index],
                             hovertemplate="%{text}: %{y:.2f}<extra>" + str(int(year)) + "</extra>"))
    fig.add_hline(y=1, line_color=AVERAGE_COLOR, line_dash="dot", annotation_text=t("gaps.parity", lang))
    return _layout(fig, t("gaps.ratio_trend_title", lang, name=escape(name)), height=420,
                   xaxis=_year_axis(fig, lang),
                   yaxis={"title": t("gaps.ratio_axis", lang)}, showlegend=False)


# ── gap ranking ───────────────────────────────────────────────────────────────

def gap_ranking_figure(table: pd.DataFrame, group_of: pd.Series, group_names: dict, column: str, unit: str,
                       lang: str, title: str) -> go.Figure:
    """Regions sorted by their gap (to the average or the target; positive = better), coloured by group."""
    data = table.dropna(subset=[column]).sort_values(column, ascending=False)
    group = data["code"].map(group_of).fillna("—")
    order = list(dict.fromkeys(sorted(group.unique(), key=lambda g: (g == "—", g))))
    fig = go.Figure()
    for i, g in enumerate(order):
        part = data[group == g]
        label = escape(group_names.get(g, g)) if g != "—" else t("gaps.no_group", lang)
        fig.add_trace(go.Bar(x=part[column], y=part["label"].map(lambda s: escape(str(s))), orientation="h",
                             name=label, marker_color=GROUP_COLORS[i % len(GROUP_COLORS)],
                             hovertemplate="%{y}: %{x:+,.4g} " + escape(unit) + "<extra>" + label + "</extra>"))
    fig.add_vline(x=0, line_color=TARGET_COLOR if column == "gap_target" else AVERAGE_COLOR, line_width=1.5)
    _layout(fig, title, height=max(380, 17 * len(data) + 120),
            xaxis={"title": t("gaps.gap_axis", lang, unit=escape(unit))},
            yaxis={"categoryorder": "array", "categoryarray": data["label"].map(lambda s: escape(str(s))).tolist(),
                   "autorange": "reversed", "dtick": 1}, barmode="overlay")
    fig.update_layout(legend={"orientation": "v", "y": 1, "yanchor": "top", "x": 1.01})
    return fig


# ── spatial clusters ──────────────────────────────────────────────────────────

def lisa_layer(result: LocalMoranResult, regions: pd.DataFrame, lang: str) -> MapLayer:
    """LISA clusters as map categories; regions without data stay 'no data' grey."""
    cluster = dict(zip(result.codes, result.cluster))
    p = dict(zip(result.codes, result.p_sim))
    codes = regions["code"].tolist()
    labels = regions["name" if lang == "zh" else "name_en"].astype(str).map(escape).tolist()
    index = np.full(len(codes), np.nan)
    hover = []
    for i, (code, name) in enumerate(zip(codes, labels)):
        c = cluster.get(code, "no_data")
        if c in LISA_CLASSES:
            index[i] = LISA_CLASSES.index(c)
        text = t(f"gaps.lisa.{c}", lang)
        if np.isfinite(p.get(code, np.nan)):
            text += f"<br>p = {p[code]:.3f}"
        hover.append(f"<b>{name}</b><br>{text}")
    counts = [int((index == k).sum()) for k in range(len(LISA_CLASSES))]
    classes = Classes(np.where(np.isnan(index), -1, index).astype(int), np.arange(len(LISA_CLASSES), dtype=float),
                      0.0)
    return MapLayer(codes=codes, values=index, hover=hover, legend_title=t("gaps.lisa_legend", lang),
                    no_data_label=t("common.no_data", lang), classes=classes,
                    class_labels=[f"{t(f'gaps.lisa.{c}', lang)} ({n})" for c, n in zip(LISA_CLASSES, counts)],
                    colors=[LISA_COLORS[c] for c in LISA_CLASSES])


def moran_title(name: str, year: int, moran, lang: str) -> str:
    p = moran.p_sim if moran.p_sim is not None else moran.p_norm
    key = "gaps.moran_cluster" if moran.I > moran.expected and p <= 0.05 else \
        "gaps.moran_disperse" if moran.I < moran.expected and p <= 0.05 else "gaps.moran_none"
    return t(key, lang, name=escape(name), year=year, i=f"{moran.I:.3f}", p=f"{p:.3f}", n=moran.n_regions)
