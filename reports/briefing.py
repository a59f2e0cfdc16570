"""One-click briefing for the current selection: a self-contained HTML file and a PDF.

Why self-contained: briefings are mailed around and opened on office machines
without network, so plotly.js (the atlas's own bundle, figures.bundle) and the
boundaries are inlined, and the page requests nothing. The map's GeoJSON is
written once and shared by every map trace (``__GEO__`` placeholder) instead of
once per trace. The PDF is the same HTML printed by the system Chromium
(nothing downloaded at run time).

    briefing = build_briefing(store, view, regions, geometry, grouping=..., progress=cb)
    html = briefing_html(briefing)          # str, ~2 MB (plotly.js is most of it)
    pdf = briefing_pdf(html)                # bytes, A4 portrait, 4 pages

Statistics come only from the metrics engine (``metrics.summary.summarise``,
``figures.map_view.region_table``); no streamlit import.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from figures import bundle
from figures.caption import source_line, with_flags
from figures.china_map import INSET_LAT, INSET_LON, china_map
from figures.map_view import applicable_target, fmt, map_layer, region_table
from figures.style import FONT_FAMILY
from i18n import listing, t
from metrics.summary import summarise
from reports import charts
from reports.render import html_to_pdf
from state import ViewState

GEO_PLACEHOLDER = "__GEO__"
# Plotly asks for its world base layer even when every layer is hidden; the app serves empty
# stand-ins (static/topojson), and the report carries the same stand-ins inline.
TOPOJSON = Path(__file__).resolve().parents[1] / "static" / "topojson"
FIG_WIDTH = 720       # px: fits A4 portrait with 15 mm margins
TOP_N = 5
COMPARATOR = {">=": "≥", "<=": "≤", "=": "=", "==": "=", ">": ">", "<": "<"}

Progress = Callable[[float, str], None]


@dataclass
class Briefing:
    """Everything the report shows, computed once; `briefing_html` only lays it out."""
    view: ViewState
    meta: pd.Series
    where: str
    year: int
    table: pd.DataFrame                 # the selected year, one row per region in view
    trend: pd.DataFrame                 # one row per year: n, mean, cv, gini, theil_t, between, within, ...
    target: pd.Series | None
    documents: pd.DataFrame             # quantified targets for this indicator in the policy documents
    grouping_name: str
    findings: list[str]
    figures: dict[str, tuple[go.Figure, str]]   # name -> (figure, headline)
    geojson: dict | None
    source_line: str
    generated: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))

    @property
    def lang(self) -> str:
        return self.view.lang


# ── geometry ─────────────────────────────────────────────────────────────────

def geojson_for(geometry, codes, decimals: int = 3) -> dict:
    """A FeatureCollection (feature id = region code) of the regions in `codes`, from a GeoDataFrame
    with a `code` column (coordinates rounded: 1e-3° ≈ 100 m, far below a printed pixel) or an
    already-built GeoJSON dict."""
    wanted = set(codes)
    if isinstance(geometry, dict):
        return {"type": "FeatureCollection",
                "features": [f for f in geometry.get("features", []) if str(f.get("id")) in wanted]}
    from geo.boundaries import feature_collection_text
    return json.loads(feature_collection_text(geometry[geometry["code"].isin(wanted)], decimals))


def bounds_of(geojson: dict) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of the features: a province view is framed by it."""
    pts = np.array([p for f in geojson["features"] for p in _flat(f["geometry"]["coordinates"])])
    return tuple(float(v) for v in (*pts.min(axis=0)[:2], *pts.max(axis=0)[:2]))


def inset_codes(geojson: dict) -> set[str]:
    """Regions reaching into the South China Sea inset frame (drawn again there)."""
    out = set()
    for f in geojson["features"]:
        pts = np.array(_flat(f["geometry"]["coordinates"]))
        if len(pts) and ((pts[:, 0] >= INSET_LON[0]) & (pts[:, 0] <= INSET_LON[1])
                         & (pts[:, 1] >= INSET_LAT[0]) & (pts[:, 1] <= INSET_LAT[1])).any():
            out.add(f["id"])
    return out


def _flat(c) -> list:
    if c and isinstance(c[0], (int, float)):
        return [c[:2]]
    return [p for x in c for p in _flat(x)]


# ── numbers ──────────────────────────────────────────────────────────────────

def _trend(store, meta, view, regions, grouping, target, until: int) -> pd.DataFrame:
    """One row per year with data up to `until`: the engine's summary of that year's regions in view."""
    direction = int(meta["direction"]) if int(meta["direction"]) in (1, -1) else 1
    rows = []
    for year in [y for y in store.years(meta.name, view.level) if y <= until]:
        table = region_table(store.values(meta.name, view.level, year), regions, direction)
        y = table["value"].to_numpy(float)
        if np.isfinite(y).sum() < 2:
            continue
        groups = table["code"].map(grouping).to_numpy(object) if grouping is not None and len(grouping) else None
        if groups is not None and pd.Series(groups[np.isfinite(y)]).nunique() < 2:
            groups = None                   # one group (or none): nothing to split between
        if groups is not None:
            groups = np.where(pd.isna(groups), "—", groups)
        s = summarise(y, groups=groups, direction=direction,
                      target=float(target["value"]) if target is not None else None,
                      comparator=target["comparator"] if target is not None else None)
        m = s.measures
        rows.append({
            "year": year, "n": s.n_regions, "mean": m.get("mean"), "min": m.get("min"), "max": m.get("max"),
            "cv": m.get("cv"), "gini": m.get("gini"), "theil_t": m.get("theil_t"),
            "between": s.theil_t.between if s.theil_t else np.nan,
            "within": s.theil_t.within if s.theil_t else np.nan,
            "between_share": s.theil_t.between_share if s.theil_t else np.nan,
            "share_meeting": m.get("share_regions_meeting_target", np.nan),
        })
    return pd.DataFrame(rows, columns=["year", "n", "mean", "min", "max", "cv", "gini", "theil_t", "between",
                                       "within", "between_share", "share_meeting"]).astype(float)\
        .astype({"year": int, "n": int})


def _break_years(store, indicator: str, level: str, codes, years, flag: str = "series_break") -> list[int]:
    """Years in the trend whose change from the year before is a definition change, not a real one; with
    flag="suspect_year", years whose values look misaligned in the source (figures.gaps.break_years)."""
    from figures.gaps import break_years
    shown = {int(y) for y in years}
    return [y for y in break_years(store.flags(indicator, level).reindex(index=list(codes)).fillna(""), flag)
            if y in shown]


def _documents(targets: pd.DataFrame, indicator: str) -> pd.DataFrame:
    rows = targets[targets["indicator"] == indicator]
    return rows.sort_values(["target_year", "scope_code"]).reset_index(drop=True)


def _findings(b_table, trend, meta, year, where, grouping_name, target, lang, breaks=()) -> dict[str, str]:
    """One sentence per figure, stating what it shows (used as the figure titles too)."""
    name, unit = meta[f"name_{lang}"], meta[f"unit_{lang}"]
    out = {}
    has = b_table.dropna(subset=["value"]).sort_values("value")
    if has.empty:
        out["map"] = t("brief.f_map_empty", lang, name=name, year=year, where=where)
    else:
        hi, lo = has.iloc[-1], has.iloc[0]
        out["map"] = t("brief.f_map", lang, name=name, year=year, where=where,
                       hi=with_flags(hi["label"], hi["flag"], lang), hi_v=fmt(hi["value"]),
                       lo=with_flags(lo["label"], lo["flag"], lang), lo_v=fmt(lo["value"]), unit=unit,
                       ratio=fmt(hi["value"] / lo["value"], 3) if lo["value"] > 0 else "—", n=len(has),
                       total=len(b_table))
    comparable = trend[trend["year"] >= max(breaks)] if breaks else trend
    if len(comparable) < 2:
        comparable = trend
    if len(trend) >= 2:
        first, last = comparable.iloc[0], comparable.iloc[-1]
        verb = t("brief.fell" if last["cv"] < first["cv"] else "brief.rose", lang)
        out["trend"] = t("brief.f_trend", lang, verb=verb, a=f"{first['cv']:.3f}", b=f"{last['cv']:.3f}",
                         y0=int(first["year"]), y1=int(last["year"]), g0=f"{first['gini']:.3f}",
                         g1=f"{last['gini']:.3f}")
    elif len(trend) == 1:
        out["trend"] = t("brief.f_trend_one", lang, year=int(trend.iloc[0]["year"]), cv=f"{trend.iloc[0]['cv']:.3f}")
    else:
        out["trend"] = t("brief.f_trend_none", lang)
    shares = trend.dropna(subset=["between_share"])
    if len(shares):
        last = shares.iloc[-1]
        out["decomposition"] = t("brief.f_decomp", lang, year=int(last["year"]), share=f"{last['between_share']:.0%}",
                                 grouping=grouping_name)
    else:
        out["decomposition"] = t("brief.f_decomp_none", lang, grouping=grouping_name)
    if target is not None and "meets" in b_table and b_table["meets"].notna().any():
        met = int(b_table["meets"].fillna(False).sum())
        out["targets"] = t("brief.f_target", lang, met=met, n=int(b_table["meets"].notna().sum()), year=year,
                           cmp=COMPARATOR.get(target["comparator"], target["comparator"]),
                           value=fmt(float(target["value"])), unit=unit,
                           doc=target["document"], target_year=target["target_year"])
    else:
        out["targets"] = t("brief.f_target_none", lang, name=name, where=where)
    return out


def build_briefing(store, view: ViewState, regions: pd.DataFrame, geometry=None, *,
                   grouping: pd.Series | None = None, grouping_name: str = "", maritime: dict | None = None,
                   where: str = "", progress: Progress | None = None) -> Briefing:
    """Compute everything for the briefing of `view` (indicator, level, scope, year, grouping).

    `regions`: the regions in view (code, name, name_en), as the map page uses them;
    `geometry`: their boundaries (GeoDataFrame with `code`, or GeoJSON dict), None = no map;
    `grouping`: code -> group label for the decomposition; `progress(fraction, message)` is called
    before each step so the UI can say what is happening.
    """
    lang = view.lang
    say = progress or (lambda f, m: None)
    say(0.05, t("brief.p_data", lang))
    catalog = store.indicators(level=view.level)
    if catalog.empty:
        raise ValueError(t("brief.no_indicator", lang, level=t(f"level.{view.level}", lang)))
    indicator = view.indicator if view.indicator in catalog.index else catalog.index[0]
    meta = store.catalog.loc[indicator]
    years = store.years(indicator, view.level)
    if not years:
        raise ValueError(t("brief.no_data", lang, name=meta[f"name_{lang}"], level=t(f"level.{view.level}", lang)))
    year = view.year if view.year in years else years[-1]
    view = ViewState(**{**view.as_dict(), "indicator": indicator, "year": year, "presenter": False})
    direction = int(meta["direction"])
    unit = meta[f"unit_{lang}"]
    if not where:
        from geo.regions import region_name
        where = region_name(view.scope, lang) if view.scope else t("brief.whole_country", lang)
    target = applicable_target(store.targets, indicator, view.scope)
    table = region_table(store.values(indicator, view.level, year), regions, direction,
                         store.population(view.level, year), target, lang)
    say(0.2, t("brief.p_trend", lang, n=len(years)))
    trend = _trend(store, meta, view, regions, grouping, target, year)
    breaks = _break_years(store, meta.name, view.level, regions["code"], trend["year"])
    findings = _findings(table, trend, meta, year, where, grouping_name, target, lang, breaks)
    if breaks:
        findings["trend"] += t("brief.f_break", lang, years=listing(breaks, lang))
    suspect = _break_years(store, meta.name, view.level, regions["code"], trend["year"], flag="suspect_year")
    if suspect:
        findings["trend"] += t("brief.f_suspect", lang, years=listing(suspect, lang))
    line = source_line(store, meta, lang)
    figures: dict[str, tuple[go.Figure, str]] = {}
    geojson = None
    if geometry is not None:
        say(0.45, t("brief.p_map", lang))
        geojson = geojson_for(geometry, table["code"])
        national = not view.scope
        layer = map_layer(table, view, unit, direction, lang)
        fig = china_map(layer, GEO_PLACEHOLDER, national=national,
                        inset_codes=inset_codes(geojson) if national else None,
                        maritime=maritime if national else None,
                        bounds=None if national or not geojson["features"] else bounds_of(geojson), height=540)
        figures["map"] = (fig, findings["map"])
    say(0.65, t("brief.p_figures", lang))
    if len(trend):
        figures["trend"] = (charts.inequality_trend(trend, lang, breaks=breaks, suspect=suspect), findings["trend"])
        if trend["between"].notna().any():
            figures["decomposition"] = (charts.theil_decomposition_bars(trend, grouping_name, lang, breaks=breaks,
                                                                        suspect=suspect), findings["decomposition"])
        if target is not None and trend["share_meeting"].notna().any():
            figures["targets"] = (charts.target_share_bars(trend, lang), findings["targets"])
    return Briefing(view=view, meta=meta, where=where, year=year, table=table, trend=trend, target=target,
                    documents=_documents(store.targets, indicator), grouping_name=grouping_name,
                    findings=[findings[k] for k in ("map", "trend", "decomposition", "targets")],
                    figures=figures, geojson=geojson, source_line=line)


# ── HTML ─────────────────────────────────────────────────────────────────────

_CSS = """
@page { size: A4 portrait; margin: 14mm 15mm 14mm 15mm; }
* { box-sizing: border-box; }
body { font-family: %(font)s; color: #1f2933; margin: 0; background: #f4f5f7; }
main { width: %(w)dpx; margin: 0 auto; background: white; padding: 24px 0; }
@media print { body { background: white; } main { padding: 0; } }
section { break-inside: auto; }
section.page { break-before: page; }
h1 { font-size: 24px; margin: 0 0 6px; line-height: 1.3; }
h2 { font-size: 18px; margin: 18px 0 6px; border-bottom: 2px solid #4a78b0; padding-bottom: 3px; }
h3 { font-size: 15px; margin: 12px 0 4px; }
p, li, td, th { font-size: 12.5px; line-height: 1.55; }
.meta { color: #5f6b7a; font-size: 12px; }
.findings li { margin-bottom: 3px; }
.figure { margin: 6px 0 2px; break-inside: avoid; }
.figure .headline { font-weight: 600; font-size: 14px; margin: 6px 0 2px; }
.source { color: #5f6b7a; font-size: 11px; margin: 2px 0 10px; }
table { border-collapse: collapse; width: 100%%; margin: 4px 0 10px; break-inside: avoid; }
th, td { border-bottom: 1px solid #e4e6ea; padding: 3px 6px; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.regions { table-layout: fixed; }
table.values td, table.values th { font-size: 11px; padding: 1px 6px; line-height: 1.4; }
table.regions th:nth-child(1) { width: 10%%; } table.regions th:nth-child(2) { width: 50%%; }
.flag { color: #b26b00; }
"""


def plot_html(div_id: str, fig: go.Figure) -> str:
    """A figure as a div and the script that draws it; map traces get the shared GeoJSON."""
    fig = go.Figure(fig)
    fig.update_layout(width=FIG_WIDTH, autosize=False)
    config = {"displaylogo": False, "responsive": False, "staticPlot": False,
              "toImageButtonOptions": {"format": "png", "scale": 3}}
    spec = bundle.script_json(bundle.figure_spec(fig))
    return (f'<div id="{div_id}" class="plot" style="width:{FIG_WIDTH}px"></div>\n<script>(function(){{'
            f'var f={spec};f.data.forEach(function(tr){{if(tr.geojson==="{GEO_PLACEHOLDER}")tr.geojson=GEO;}});'
            f'Plotly.newPlot("{div_id}",f.data,f.layout,{bundle.script_json(config)}).then(function(){{'
            f'window.__plotsDone=(window.__plotsDone||0)+1;}});}})();</script>')


def _figure_block(b: Briefing, name: str) -> str:
    if name not in b.figures:
        return ""
    fig, headline = b.figures[name]
    return (f'<div class="figure"><div class="headline">{escape(headline)}</div>{plot_html("fig-" + name, fig)}'
            f'<div class="source">{escape(b.source_line)}</div></div>')


def _region_rows(rows: pd.DataFrame, unit: str, lang: str) -> str:
    out = []
    for r in rows.itertuples():
        flag = "".join(f' <span class="flag">⚑ {escape(t(f"flag.{f}", lang))}</span>'
                       for f in str(r.flag).split(";") if f)
        out.append(f"<tr><td class='num'>{int(r.rank)}</td><td>{escape(str(r.label))}{flag}</td>"
                   f"<td class='num'>{escape(fmt(r.value))}</td><td class='num'>{r.gap_avg_pct:+.1f}%</td></tr>")
    head = (f"<tr><th class='num'>{t('brief.rank', lang)}</th><th>{t('brief.region', lang)}</th>"
            f"<th class='num'>{escape(unit)}</th><th class='num'>{t('brief.vs_avg', lang)}</th></tr>")
    return f"<table class='regions'>{head}{''.join(out)}</table>"


def _trend_table(trend: pd.DataFrame, lang: str, with_target: bool) -> str:
    cols = [("year", t("brief.year", lang), "{:d}"), ("n", t("brief.n", lang), "{:d}"),
            ("mean", t("card.mean", lang), None), ("cv", t("card.cv", lang), "{:.3f}"),
            ("gini", t("card.gini", lang), "{:.3f}"), ("theil_t", t("card.theil", lang), "{:.4f}"),
            ("between_share", t("brief.between_share", lang), "{:.0%}")]
    if with_target:
        cols.append(("share_meeting", t("brief.share_meeting", lang), "{:.0%}"))
    head = "".join(f"<th class='num'>{escape(h)}</th>" for _, h, _ in cols)
    body = []
    for _, r in trend.iterrows():
        cells = []
        for c, _, f in cols:
            v = r[c]
            text = "—" if pd.isna(v) else (fmt(float(v)) if f is None else f.format(int(v) if "d" in f else v))
            cells.append(f"<td class='num'>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table class='values'><tr>{head}</tr>{''.join(body)}</table>"


def briefing_html(b: Briefing) -> str:
    """The whole report as one HTML document with everything inline."""
    lang, meta = b.lang, b.meta
    name, unit = meta[f"name_{lang}"], meta[f"unit_{lang}"]
    has = b.table.dropna(subset=["value"]).sort_values("rank")
    caveat = meta.get(f"caveats_{lang}")
    definition = meta.get(f"definition_{lang}")
    flags = b.table["flag"].astype(str)
    flag_counts = pd.Series([f for fs in flags[flags != ""] for f in fs.split(";") if f]).value_counts()
    title = t("brief.title", lang, name=name, where=b.where, year=b.year)
    selection = t("brief.selection", lang, level=t(f"level.{b.view.level}", lang), where=b.where, year=b.year,
                  first=int(b.trend["year"].min()) if len(b.trend) else b.year, grouping=b.grouping_name,
                  date=b.generated)
    parts = [f"<h1>{escape(title)}</h1><p class='meta'>{escape(selection)}</p>",
             f"<h2>{t('brief.h_findings', lang)}</h2><ul class='findings'>"
             + "".join(f"<li>{escape(f)}</li>" for f in b.findings) + "</ul>",
             _figure_block(b, "map") or f"<p>{t('brief.no_map', lang)}</p>"]
    page2 = [f"<h2>{t('brief.h_trend', lang)}</h2>", _figure_block(b, "trend"),
             _figure_block(b, "decomposition") or f"<p>{escape(b.findings[2])}</p>"]
    page3 = [f"<h2>{t('brief.h_targets', lang)}</h2>"]
    if b.target is not None:
        page3 += [_figure_block(b, "targets"),
                  f"<p>{escape(t('map.target_quote', lang, doc=b.target['document'], quote=b.target['quote']))}</p>"]
    else:
        page3.append(f"<p>{escape(b.findings[3])}</p>")
    if len(b.documents):
        rows = "".join(f"<tr><td>{escape(str(r.scope_name or t('brief.national', lang)))}</td>"
                       f"<td>{escape(COMPARATOR.get(r.comparator, str(r.comparator)))} {escape(fmt(float(r.value)))} "
                       f"{escape(str(r.unit))}</td>"
                       f"<td>{escape(str(r.target_year))}</td><td>{escape(str(r.document))}</td></tr>"
                       for r in b.documents.itertuples())
        page3.append(f"<h3>{t('brief.h_documents', lang)}</h3><table><tr><th>{t('brief.scope', lang)}</th>"
                     f"<th>{t('brief.target', lang)}</th><th>{t('brief.target_year', lang)}</th>"
                     f"<th>{t('brief.document', lang)}</th></tr>{rows}</table>")
    top, bottom = has.head(TOP_N), has.tail(TOP_N).iloc[::-1]
    page3 += [f"<h2>{t('brief.h_regions', lang, year=b.year)}</h2>",
              f"<h3>{t('brief.top', lang, n=len(top))}</h3>", _region_rows(top, unit, lang),
              f"<h3>{t('brief.bottom', lang, n=len(bottom))}</h3>", _region_rows(bottom, unit, lang),
              f"<p class='meta'>{escape(t('brief.rank_note', lang, n=len(has), total=len(b.table)))}</p>"]
    page4 = [f"<h2>{t('brief.h_methods', lang)}</h2>", f"<h3>{t('brief.h_values', lang)}</h3>",
             _trend_table(b.trend, lang, b.target is not None),
             f"<h3>{escape(name)}</h3><p>{escape(str(definition or ''))}</p>",
             f"<p>{escape(b.source_line)}</p>"]
    if isinstance(caveat, str) and caveat.strip():
        page4.append(f"<p><b>{t('map.caveats', lang)}</b>: {escape(caveat)}</p>")
    if len(flag_counts):
        page4.append("<p>⚑ " + escape(", ".join(f"{t(f'flag.{f}', lang)}: {n}" for f, n in flag_counts.items()))
                     + "</p>")
    page4.append("<ul>" + "".join(f"<li>{t(f'brief.m_{m}', lang)}</li>"
                                  for m in ("cv", "gini", "theil", "decomp", "rank", "target", "missing")) + "</ul>")
    page4.append(f"<p class='meta'>{escape(t('brief.generated', lang, date=b.generated))}</p>")
    body = (f"<section>{''.join(parts)}</section><section class='page'>{''.join(page2)}</section>"
            f"<section class='page'>{''.join(page3)}</section><section class='page'>{''.join(page4)}</section>")
    return html_document(title, lang, body, b.geojson)


def html_document(title: str, lang: str, body: str, geojson: dict | None) -> str:
    """A self-contained report: the atlas's print CSS, plotly.js, Plotly's base-layer stand-ins and the GeoJSON
    every map trace shares (``GEO_PLACEHOLDER``), all inline. ``title`` is text; ``body`` is HTML."""
    geo = bundle.script_json(geojson) if geojson else "null"
    assets = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(TOPOJSON.glob("world_*.json"))}
    assets_js = f"window.PlotlyGeoAssets={{topojson:{bundle.script_json(assets)}}};"
    css = _CSS % {"font": FONT_FAMILY, "w": FIG_WIDTH}
    return (f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width'><title>{escape(title)}</title>"
            f"<style>{css}</style><script>{assets_js}</script><script>{bundle.source()}</script>"
            f"<script>var GEO={geo};</script></head>"
            f"<body><main>{body}</main></body></html>")


# ── PDF ──────────────────────────────────────────────────────────────────────

def briefing_pdf(html: str, timeout_ms: int = 60_000) -> bytes:
    """The report printed to A4 by the system Chromium, once every figure has been drawn."""
    n_plots = html.count('class="plot"')
    return html_to_pdf(html, f"(window.__plotsDone||0) >= {n_plots}", timeout_ms, FIG_WIDTH + 40)
