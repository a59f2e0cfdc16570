"""Reusable pieces of the map page: breadcrumbs, headline, summary cards, region panel, source note."""
from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import cached, controls, data
from components.chart import chart
from figures.caption import citation, with_flags
from figures.map_view import fmt
from figures.style import FONT_FAMILY
from geo.regions import province_of
from i18n import t
from state import ViewState


def breadcrumbs(view: ViewState, lang: str) -> None:
    """全国 › 广东省 — each crumb goes back up."""
    if not view.scope:
        return
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    row.button("‹ " + t("map.whole_country", lang), key="crumb-country", on_click=controls.update_view,
               kwargs={"scope": "", "region": ""})
    row.markdown(f"**{escape(data.region_label(view.scope, lang))}**", width="content")


def headline(table: pd.DataFrame, name: str, unit: str, year: int, scope: str, lang: str) -> str:
    """A title that states the finding: who is highest and lowest, and how many have data."""
    where = data.region_label(scope, lang) if scope else t("map.whole_country", lang)
    has = table.dropna(subset=["value"]).sort_values("value")
    if has.empty:
        return t("map.headline_empty", lang, name=name, year=year, where=where)
    hi, lo = has.iloc[-1], has.iloc[0]
    named = {k: escape(with_flags(r["label"], r["flag"], lang)) for k, r in (("hi", hi), ("lo", lo))}
    return t("map.headline", lang, name=name, year=year, where=where, hi_v=fmt(hi["value"]),
             lo_v=fmt(lo["value"]), unit=escape(unit), **named)


def summary_cards(table: pd.DataFrame, store, meta: pd.Series, view: ViewState, year: int, target_id,
                  lang: str) -> None:
    """Mean, population-weighted mean, CV, Gini, Theil with between-group share, targets met: the numbers are
    metrics.summary.summarise's over the view's grouping (figures.map_view.summary_cards, shared by visitors)."""
    cards = cached.summary_cards(store, meta.name, view.level, year, view.scope, int(meta["direction"]), target_id,
                                 view.group, lang)
    if cards is None:
        return
    label = data.grouping_label(store, view.group, lang)
    between = None
    if cards.between_share is not None:
        between = t("card.between", lang, share=f"{cards.between_share:.0%}", grouping=label)
    if "target" in table.attrs:
        met = f"{int(table['meets'].fillna(False).sum())} / {table.attrs['n_with_data']}"
        target_help = t("card.target_help", lang, target=fmt(table.attrs["target"]))
    else:
        met, target_help = "—", t("map.no_target", lang)
    with st.container(horizontal=True, gap="small"):          # the cards wrap to the column's width
        _card(t("card.mean", lang), fmt(cards.mean), meta[f"unit_{lang}"])
        _card(t("card.wmean", lang), fmt(cards.weighted_mean) if cards.weighted_mean is not None else "—",
              t("card.wmean_help", lang))
        _card(t("card.cv", lang), fmt(cards.cv, 3), t("card.cv_help", lang))
        _card(t("card.gini", lang), fmt(cards.gini, 3), t("card.gini_help", lang))
        _card(t("card.theil", lang), fmt(cards.theil, 3), t("card.theil_help", lang, grouping=label), between)
        _card(t("card.target", lang), met, target_help)


# Three cards a row in the map's right column at 1,600 px, two on a 1,366 px laptop screen; every label whole.
CARD_PX = 130


def _card(label: str, value: str, help: str, note: str | None = None) -> None:
    with st.container(width=CARD_PX, gap=None):
        st.metric(label, value, help=help)
        if note:
            st.caption(note)


def region_panel(view: ViewState, store, meta: pd.Series, table: pd.DataFrame, lang: str) -> None:
    """The clicked region: value, rank, target status, trend sparkline, drill-down."""
    row = table[table["code"] == view.region]
    if row.empty:
        return
    row = row.iloc[0]
    with st.container(border=True):
        cols = st.columns([1.8, 2.4, 2.8, 2.5])      # it sits under the map, in the map's column
        cols[0].markdown(f"#### {escape(str(row['label']))}")
        cols[0].caption(view.region)
        label = f"{t('panel.value', lang)} ({meta[f'unit_{lang}']})" if meta[f"unit_{lang}"] else t("panel.value", lang)
        if np.isnan(row["value"]):
            cols[1].metric(label, t("common.no_data", lang))
        else:
            cols[1].metric(label, fmt(row["value"]),
                           delta=t("panel.rank", lang, rank=int(row["rank"]), n=table.attrs["n_with_data"]),
                           delta_color="off")
            if pd.notna(row["meets"]):
                cols[1].caption(t("panel.meets" if row["meets"] else "panel.misses", lang,
                                  target=fmt(table.attrs["target"])))
        panel = store.panel(meta.name, view.level)
        if view.region in panel.index:
            series = panel.loc[view.region].dropna()
            with cols[2]:
                chart(sparkline(series, meta[f"unit_{lang}"]), key="spark", lang=lang, modebar=False)
        if view.level != "county" and data.has_children(view.region):
            cols[3].button(t("panel.drill", lang), key="drill", type="primary", on_click=controls.update_view,
                           kwargs={"scope": province_of(view.region), "region": "",
                                   "level": "city" if view.level == "province" else "county"})
        if cols[3].button(t("profile.open", lang), key="open-profile", icon=":material/location_city:"):
            st.switch_page("views/profile.py")
        cols[3].button(t("panel.clear", lang), key="clear-region", on_click=controls.update_view,
                       kwargs={"region": ""})


def sparkline(series: pd.Series, unit: str) -> go.Figure:
    fig = go.Figure(go.Scatter(x=series.index.astype(int), y=series.values, mode="lines+markers",
                               line={"color": "#4a78b0", "width": 2}, marker={"size": 4},
                               hovertemplate="%{x}: %{y:,.4g} " + escape(unit) + "<extra></extra>"))
    fig.update_layout(height=130, margin={"l": 0, "r": 0, "t": 5, "b": 0}, font={"family": FONT_FAMILY, "size": 11},
                      xaxis={"showgrid": False, "tickformat": "d"}, yaxis={"showgrid": False},
                      plot_bgcolor="white")
    return fig


def source_note(store, meta: pd.Series, target, level: str, year: int, scope: str, lang: str) -> None:
    """Where the numbers come from, their unit, caveats, flags and the target's quote (the same for every visitor
    of the view: cached.source_note)."""
    st.caption(cached.source_note(store, meta.name, level, year, scope, int(meta["direction"]),
                                  None if target is None else target.name, lang))


def source_note_text(store, meta: pd.Series, target, table: pd.DataFrame, lang: str) -> str:
    """Markdown for `source_note`: source, unit, caveats, coverage, flags counted, the target's quote."""
    lines = [f"**{t('common.source', lang)}**: {escape(citation(store.sources, meta['source'], lang))} · "
             f"**{t('common.unit', lang)}**: "
             f"{escape(str(meta[f'unit_{lang}']))}"]
    caveat = meta.get(f"caveats_{lang}")
    if isinstance(caveat, str) and caveat.strip():
        lines.append(f"**{t('map.caveats', lang)}**: {escape(caveat)}")
    if "n_regions" in table.attrs:
        share = table.attrs.get("population_share_with_data")
        lines.append(t("map.coverage", lang, n=table.attrs["n_with_data"], of=table.attrs["n_regions"],
                       pop="—" if share is None else f"{share:.1%}"))
    flags = table["flag"].astype(str)
    flagged = flags[flags != ""]
    if len(flagged):
        counts = pd.Series([f for fs in flagged for f in fs.split(";") if f]).value_counts()
        lines.append("⚑ " + ", ".join(f"{t(f'flag.{f}', lang)}: {n}" for f, n in counts.items()))
    if target is not None:
        lines.append(t("map.target_quote", lang, doc=escape(str(target["document"])),
                       quote=escape(str(target["quote"]))))
    return "  \n".join(lines)
