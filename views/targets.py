"""Targets: who meets each quantified target, when the rest would at the current pace,
where each target is written, and Guangdong's inter-regional spending-gap line."""
from html import escape

import pandas as pd
import streamlit as st

from components import cached, controls, data, presenter
from components.downloads import download_buttons
from figures import targets as ft
from figures.caption import source_line
from figures.map_view import fmt
from i18n import t
from metrics.gaps import SPENDING_GAP_DEFINITIONS
from resolve import spending_indicators
from viewmodel.targets import split as split_targets
from viewmodel.targets import target_level

# ── filters ──────────────────────────────────────────────────────────────────
store = data.get_store()
with_data, without_data = split_targets(store)
without_data = without_data[without_data["id"] != ft.SPENDING_TARGET_ID].reset_index(drop=True)
# Only the spending-gap tab reads an indicator from the view (`st.tabs` keeps the open tab's label).
open_tab = st.session_state.get("targets-tab")
spending_open = open_tab == t("targets.tab.gap", controls.current_view().lang) or (open_tab is None and with_data.empty)
resolved = controls.resolved(store, "spending" if spending_open else "targets")
view = resolved.view
lang = view.lang
with st.sidebar:
    controls.level_select(lang)
    controls.scope_select(lang)
    presenter.sidebar_tools(store, lang)
controls.sync_url()

# ── data ─────────────────────────────────────────────────────────────────────
where = data.region_label(view.scope, lang) if view.scope else t("map.whole_country", lang)


def scope_name(row) -> str:
    """The target's place in the reader's language (the targets table names it in Chinese)."""
    code = str(row["scope_code"])
    if lang == "zh" or row["scope"] == "national" or not code:
        return str(row["scope_name"])
    return data.region_label(code, lang)


def quote(row: pd.Series) -> None:
    """The document and its own sentence, so a presenter can cite it."""
    text = str(row.get("quote", "") or "").strip()
    body = f"> “{escape(text)}”\n>\n> — {escape(str(row['document']))}" if text else \
        f"> {t('targets.no_quote', lang)}\n>\n> — {escape(str(row['document']))}"
    st.markdown(body)


def target_tab(row: pd.Series, key: str) -> None:
    meta = store.catalog.loc[row["indicator"]]
    name, unit = meta[f"name_{lang}"], meta[f"unit_{lang}"]
    level, scope = target_level(row, view.level, view.scope)
    tv = cached.target_view(store, row["id"], level, scope, lang)
    target_year = row["target_year"]
    goal = escape(ft.goal_text(row, unit))
    heading = t("targets.heading", lang, scope=escape(scope_name(row)), name=escape(name), goal=goal,
                year=target_year if pd.notna(target_year) else "—")
    st.markdown(f"#### {heading}")
    if level != view.level:
        st.caption(t("targets.level_switched", lang, level=t(f"level.{level}", lang),
                     asked=t(f"level.{view.level}", lang)))
    if tv.year is None:
        st.info(t("targets.no_data_here", lang, name=escape(name), where=escape(where)))
        quote(row)
        return
    table, share, year = tv.table, tv.share, tv.year
    n = int(table.attrs["n_with_data"])
    st.markdown(f"**{escape(tv.sentence)}**")
    if str(row["scope"]) != "national":
        own = table[table["code"] == str(row["scope_code"])]
        own_text = t(f"targets.own.{own.iloc[0]['status']}", lang, scope=escape(scope_name(row)),
                     value=fmt(own.iloc[0]["value"])) if len(own) else ""
        level_name = t(f"targets.regions.{level}", lang)
        st.caption(t("targets.benchmark", lang, scope=escape(scope_name(row)), level=level_name) +
                   (" " + own_text if own_text else ""))
    c = st.columns(4)
    c[0].metric(t("targets.card.met", lang, year=year), f"{share.n_meeting} / {n}" if share else "—")
    c[1].metric(t("targets.card.share_regions", lang), f"{share.share_regions:.0%}" if share else "—")
    c[2].metric(t("targets.card.share_population", lang),
                f"{share.share_population:.0%}" if share and share.share_population is not None else "—",
                help=t("targets.card.share_population_help", lang))
    never = int((tv.reach["status"] == "never").sum())
    c[3].metric(t("targets.card.never", lang), str(never), help=t("targets.card.never_help", lang))
    left, right = st.columns([3, 2])
    # The slide: the map under the pace sentence, the target's document cited beside the data source.
    source = f"{source_line(store, meta, lang)} · {row['document']}"
    with left:
        st.markdown(f"**{t('targets.map_title', lang, name=escape(name), year=year, goal=goal)}**")
        presenter.figure_view(cached.target_map(store, row["id"], level, scope, lang), escape(tv.sentence), source,
                              key=f"{key}-map", name=f"target_{row['id']}_{level}_{year}", data=tv.out,
                              notes={"target": f"{row['indicator_text']} {ft.goal_text(row, unit)} ({target_year})",
                                     "document": str(row["document"]), "quote": str(row["quote"]), "unit": unit,
                                     "year": str(year)})
    with right:
        presenter.figure_view(cached.target_pace(store, row["id"], level, scope, lang, t("targets.pace_title", lang)),
                              None, source, key=f"{key}-pace", slide=False)
    quote(row)
    st.caption(t("targets.pace_caption", lang))


def spending_tab() -> None:
    threshold, row = ft.spending_threshold(store.targets)
    st.markdown(f"#### {t('targets.gap_heading', lang, line=f'{threshold:.0%}')}")
    if row is not None:
        quote(row)
    guangdong = row is not None and view.level == "city" and view.scope == str(row["scope_code"])
    if row is not None and not guangdong:
        left, right = st.columns([3, 1])
        left.caption(t("targets.gap_benchmark", lang, where=escape(where)))
        right.button(t("targets.gap_guangdong", lang), key="targets-gap-gd", type="primary",
                     on_click=controls.update_view, kwargs={"level": "city", "scope": str(row["scope_code"])})
    spend = spending_indicators(store, view.level)
    if spend.empty:
        st.info(t("targets.gap_no_indicator", lang, level=t(f"level.{view.level}", lang)))
        return
    names = dict(zip(spend.index, spend[f"name_{lang}"]))
    left, right = st.columns([2, 3])
    with left:
        indicator = controls.select("indicator", list(spend.index), t("targets.gap_indicator", lang),
                                    lambda i: names.get(i, i))
    with right:
        definition = st.segmented_control(
            t("targets.gap_definition", lang), list(SPENDING_GAP_DEFINITIONS), default="range_over_mean",
            key="targets-gap-def", format_func=lambda d: t(f"targets.def.{d}", lang)) or "range_over_mean"
    regions = data.regions_in_view(view.level, view.scope)
    panel = store.panel(indicator, view.level).reindex(regions["code"]).dropna(how="all")
    labels = dict(zip(regions["code"], regions["name" if lang == "zh" else "name_en"]))
    key = f"targets-gap-regions-{view.level}-{view.scope}-{indicator}"
    n_chosen = len(st.session_state.get(key, panel.index))
    with st.expander(t("targets.gap_regions", lang, k=n_chosen, n=len(panel))):
        chosen = st.multiselect(t("targets.gap_regions", lang, k=n_chosen, n=len(panel)), list(panel.index),
                                default=list(panel.index), format_func=lambda c: labels.get(c, c), key=key,
                                placeholder=t("common.choose", lang),
                                label_visibility="collapsed")
    frame = ft.spending_gap_by_year(panel.loc[chosen], definition, threshold)
    title = ft.spending_title(frame, definition, threshold, names[indicator], where, lang)
    if frame.empty:
        st.info(title)
        return
    meta = store.catalog.loc[indicator]
    presenter.figure_view(ft.spending_gap_figure(frame, definition, threshold, title, lang), None,
                          source_line(store, meta, lang), key="targets-gap",
                          name=f"spending_gap_{indicator}_{view.level}", data=frame,
                          notes={"indicator": names[indicator], "definition": SPENDING_GAP_DEFINITIONS[definition],
                                 "threshold": f"{threshold:.2f}", "regions": ";".join(chosen)})
    flags = store.flags(indicator, view.level).reindex(chosen)
    estimates = int(flags.apply(lambda col: col.str.contains("estimate", na=False)).to_numpy().sum())
    st.caption(t("targets.gap_caption", lang, formula=t(f"targets.def.{definition}", lang), n=len(chosen),
                 where=escape(where), unit=escape(meta[f"unit_{lang}"])) +
               (" " + t("targets.gap_estimates", lang, k=estimates) if estimates else ""))


def missing_tab() -> None:
    """Targets no bundled series measures (the spending-gap target has its own tab)."""
    st.markdown(f"#### {t('targets.missing_heading', lang, n=len(without_data))}")
    st.caption(t("targets.missing_caption", lang))
    shown = without_data.assign(goal=[ft.goal_text(r, str(r["unit"])) for _, r in without_data.iterrows()])
    st.dataframe(shown[["scope_name", "indicator_text", "goal", "target_year", "document", "quote"]], hide_index=True,
                 width="stretch", height=560, column_config={c: t(f"targets.col.{c}", lang) for c in
                                                 ("scope_name", "indicator_text", "goal", "target_year", "document",
                                                  "quote")}, placeholder="—")
    download_buttons(without_data, "targets_without_data", {"note": "targets with no bundled series"}, lang,
                     "dl-missing")


# ── figures ──────────────────────────────────────────────────────────────────
st.markdown(f"### {t('targets.title', lang, k=len(with_data), n=len(store.targets))}")
labels = [f"{r.indicator_text}（{r.scope_name}）" if lang == "zh" else
          f"{store.catalog.loc[r.indicator, 'name_en']} ({scope_name(r._asdict())})" for r in with_data.itertuples()]
labels += [t("targets.tab.gap", lang), t("targets.tab.missing", lang, n=len(without_data))]
tabs = st.tabs(labels, key="targets-tab", on_change="rerun")
for i, row in with_data.iterrows():
    with tabs[i]:
        if tabs[i].open is not False:
            target_tab(row, f"target-{row['id']}")
with tabs[-2]:
    if tabs[-2].open is not False:
        spending_tab()
with tabs[-1]:
    if tabs[-1].open is not False:
        missing_tab()
