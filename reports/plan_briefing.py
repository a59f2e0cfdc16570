"""The scorecard's briefing: one self-contained HTML file (and its PDF) for a plan's year, to mail to the leaders
of the units and the departments a plan names.

Same shell as the view briefing (reports.briefing.html_document: plotly.js, the boundaries and Plotly's base-layer
stand-ins inline, nothing requested): what was scored, the units by share of targets met on a map, every target
with its result, spread and lead department, every unit's standing, and where each figure came from. Every text a
user typed (plan title, target text, departments, unit names, sources) is escaped. No streamlit import.
"""
from __future__ import annotations

from datetime import datetime, timezone
from html import escape

import pandas as pd

from figures.china_map import china_map
from figures.map_view import fmt
from i18n import t
from plans.map import share_met_layer
from plans.model import scope_label
from plans.score import Scorecard
from reports.briefing import GEO_PLACEHOLDER, bounds_of, geojson_for, html_document, inset_codes, plot_html

TOP_N = 5


def _pct(v) -> str:
    return "—" if pd.isna(v) else f"{float(v):.0%}"


def _num(v) -> str:
    return "—" if pd.isna(v) else fmt(float(v))


def _table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """Cells are already escaped by the caller."""
    cls = lambda i: " class='num'" if i in numeric else ""         # noqa: E731
    head = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table class='values'><tr>{head}</tr>{body}</table>"


def findings(card: Scorecard, lang: str) -> list[str]:
    """The briefing's opening lines: how much could be scored and what met; who leads and who trails."""
    tg, units = card.targets, card.units.dropna(subset=["share_met"]).sort_values("rank")
    out = [t("plans.brief.f_targets", lang, n=len(tg), k=card.evaluable(), m=int((tg["status"] == "met").sum()),
             x=int((tg["status"] == "not_met").sum()), d=int((tg["status"] == "no_data").sum()))]
    if len(units):
        sep, form = ("、", "{}（{:.0%}）") if lang == "zh" else (", ", "{} ({:.0%})")
        top = sep.join(form.format(r.name, r.share_met) for r in units.head(3).itertuples())
        bottom = sep.join(form.format(r.name, r.share_met) for r in units.tail(3).iloc[::-1].itertuples())
        out.append(t("plans.brief.f_units", lang, n=len(units), total=len(card.units), top=top, bottom=bottom))
    else:
        out.append(t("plans.brief.f_no_units", lang))
    return out


def scorecard_html(card: Scorecard, lang: str, geometry=None, *, national: bool = False,
                   maritime: dict | None = None) -> str:
    """The whole briefing as one HTML document; ``geometry``: the units' boundaries (None: no map)."""
    plan, year = card.plan, card.year
    status = {s: t(f"plans.status.{s}", lang) for s in ("met", "not_met", "no_data", "not_quantifiable",
                                                        "contributes")}
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = t("plans.brief.title", lang, plan=plan.title, year=year)
    meta = t("plans.brief.meta", lang, issuer=plan.issuer or "—", scope=scope_label(plan.scope_code, lang),
             level=t(f"level.{plan.level}", lang), start=plan.period_start or "—", end=plan.period_end or "—",
             date=generated)
    parts = [f"<h1>{escape(title)}</h1><p class='meta'>{escape(meta)}</p>",
             f"<h2>{t('brief.h_findings', lang)}</h2><ul class='findings'>"
             + "".join(f"<li>{escape(f)}</li>" for f in findings(card, lang)) + "</ul>"]
    geojson = None
    if geometry is not None and len(card.units):
        geojson = geojson_for(geometry, card.units["code"])
        fig = china_map(share_met_layer(card, lang), GEO_PLACEHOLDER, national=national,
                        inset_codes=inset_codes(geojson) if national else None,
                        maritime=maritime if national else None,
                        bounds=None if national or not geojson["features"] else bounds_of(geojson), height=520)
        parts.append(f"<div class='figure'><div class='headline'>{escape(t('plans.map.title', lang, year=year))}"
                     f"</div>{plot_html('fig-units', fig)}</div>")

    tg = card.targets
    rows = [[escape(str(r.target)), escape(str(r.text)), escape(str(r.goal)),
             f"<span style='white-space:nowrap'>{escape(status.get(r.status, r.status))}</span>",
             _pct(r.share_units_met), _pct(r.share_population_met), _num(r.cv), _num(r.max_min),
             escape(str(r.lead or "—"))] for r in tg.itertuples()]
    targets = _table([t("plans.col.id", lang), t("plans.col.text", lang), t("plans.col.goal", lang),
                      t("plans.col.result", lang), t("plans.col.share_units", lang),
                      t("plans.col.share_population", lang), t("plans.col.cv", lang), t("plans.col.max_min", lang),
                      t("plans.col.lead", lang)], rows, numeric={4, 5, 6, 7})
    page2 = [f"<h2>{t('plans.score.targets', lang)}</h2>", targets]

    units = card.units.sort_values(["rank", "code"], na_position="last")
    rows = [["—" if pd.isna(r.rank) else str(int(r.rank)), escape(str(r.name)), f"{int(r.met)} / {int(r.scored)}",
             _pct(r.share_met)] for r in units.itertuples()]
    page3 = [f"<h2>{t('plans.score.units', lang)}</h2>",
             _table([t("plans.col.rank", lang), t("plans.col.unit_name", lang), t("plans.col.met", lang),
                     t("plans.col.share_met", lang)], rows, numeric={0, 2, 3})]

    cells = card.cells.dropna(subset=["value"])
    sources = cells.groupby("source", sort=True).size() if len(cells) else pd.Series(dtype=int)
    page3 += [f"<h2>{t('brief.h_methods', lang)}</h2>", f"<p>{escape(t('plans.score.rules', lang))}</p>",
              f"<h3>{t('plans.brief.h_sources', lang)}</h3><ul>"
              + "".join(f"<li>{escape(str(s))}（{n}）</li>" if lang == "zh" else f"<li>{escape(str(s))} ({n})</li>"
                        for s, n in sources.items()) + "</ul>",
              f"<p class='meta'>{escape(t('plans.brief.unverified', lang))}</p>",
              f"<p class='meta'>{escape(t('brief.generated', lang, date=generated))}</p>"]
    body = (f"<section>{''.join(parts)}</section><section class='page'>{''.join(page2)}</section>"
            f"<section class='page'>{''.join(page3)}</section>")
    return html_document(title, lang, body, geojson)
