"""Gaps: how unequal, between whom, whether it is closing — one idea per tab."""
from html import escape

import numpy as np
import pandas as pd
import streamlit as st

from components import cached, controls, data, panels, presenter
from components.downloads import download_buttons
from figures import gaps as fg
from figures import caption
from i18n import listing, t
from metrics._data import UndefinedMeasure
from resolve import groupings
from viewmodel import gaps as gm


# ── filters ──────────────────────────────────────────────────────────────────
store = data.get_store()
resolved = controls.resolved(store, "gaps")
view, meta, year, target = resolved.view, resolved.meta, resolved.year, resolved.target
lang = view.lang
with st.sidebar:
    controls.level_select(lang)
    controls.scope_select(lang)
    controls.indicator_select(store, lang)
    controls.year_select(resolved, lang)
    group_labels = dict(zip(store.groups["id"], store.groups[f"name_{lang}"]))
    controls.select("group", groupings(store, view.level), t("gaps.grouping", lang),
                    lambda g: group_labels.get(g, g), help=t("gaps.grouping_help", lang))
    presenter.sidebar_tools(store, lang)
controls.sync_url()

if meta is None:
    st.info(t("map.no_indicator", lang, level=t(f"level.{view.level}", lang)))
    st.stop()

# ── data ─────────────────────────────────────────────────────────────────────
name, unit, direction = meta[f"name_{lang}"], meta[f"unit_{lang}"], int(meta["direction"])
regions = data.regions_in_view(view.level, view.scope)
labels = pd.Series(regions["name" if lang == "zh" else "name_en"].to_numpy(), index=regions["code"])
panel = store.panel(meta.name, view.level).reindex(regions["code"]).dropna(how="all").dropna(axis=1, how="all")
where = data.region_label(view.scope, lang) if view.scope else t("map.whole_country", lang)
if panel.empty or year is None:
    st.info(t("gaps.empty", lang, name=escape(name), level=t(f"level.{view.level}", lang), where=where))
    st.stop()
group_of = resolved.grouping.reindex(panel.index)
group_names = dict(zip(store.grouping(view.group), store.grouping(view.group, lang))) \
    if view.group in set(store.groups["id"]) else {}
grouping_name = group_labels.get(view.group, view.group)
breaks = cached.break_years(store, meta.name, view.level, view.scope)
suspect = cached.break_years(store, meta.name, view.level, view.scope, flag="suspect_year")
table = cached.region_table(store, meta.name, view.level, year, view.scope, direction,
                             None if target is None else target.name, lang)
source = caption.citation(store.sources, meta["source"], lang)
source_line = caption.source_line(store, meta, lang)      # under every figure and slide


def notes(**extra) -> dict:
    return {"indicator": name, "unit": unit, "source": source, "where": where, **extra}


# ── figures ──────────────────────────────────────────────────────────────────
panels.breadcrumbs(view, lang)
st.markdown(f"### {t('gaps.title', lang, name=escape(name), where=escape(where))}")
if suspect:             # every tab's gaps in those years: the page says so once, the trend charts mark the year
    st.warning(t("gaps.suspect_years", lang, years=listing(suspect, lang)), icon=":material/flag:")
tabs = st.tabs([t(f"gaps.tab.{k}", lang) for k in ("trend", "groups", "beta", "urban", "rank", "lisa")],
               key="gaps-tab", on_change="rerun")

with tabs[0]:
    if tabs[0].open is not False:
        trend = cached.inequality_by_year(store, meta.name, view.level, view.scope)
        measure = st.segmented_control(t("gaps.measure", lang), list(fg.MEASURES), default="cv", key="gaps-measure",
                                       format_func=lambda m: t(f"gaps.m.{m}", lang)) or "cv"
        st.caption(t(f"gaps.m_help.{measure}", lang))
        if trend[measure].notna().sum() == 0:
            st.info(t("gaps.measure_undefined", lang, measure=t(f"gaps.m.{measure}", lang)))
            download_buttons(trend, f"inequality_{meta.name}_{view.level}", notes(), lang, "dl-trend")
        else:
            presenter.figure_view(cached.gaps_trend(store, meta.name, view.level, view.scope, measure, lang), None,
                                  source_line,
                                  key="gaps-trend", name=f"inequality_{meta.name}_{view.level}", data=trend,
                                  notes=notes())
        if (since := fg.since_break(panel.columns, breaks)) is not None:
            st.caption(t("fixes.sigma_spans_break", lang, year=since))
        presenter.figure_view(cached.gaps_distribution(store, meta.name, view.level, view.scope, lang), None,
                              source_line,
                              key="gaps-dist", slide=False, name=f"panel_{meta.name}_{view.level}", notes=notes(),
                              data=panel.rename(columns=int).reset_index(names="code").assign(
                                  name=lambda f: f["code"].map(labels)))

with tabs[1]:
    if tabs[1].open:
        if group_of.notna().sum() < 2 or group_of.nunique() < 2:
            st.info(t("gaps.no_grouping", lang, grouping=grouping_name, level=t(f"level.{view.level}", lang)))
        else:
            g = gm.groups(panel, group_of, year)
            st.caption(t("gaps.groups_caption", lang, grouping=grouping_name) +
                       (" " + t("gaps.groups_outside", lang, n=g.outside) if g.outside else ""))
            presenter.figure_view(fg.theil_figure(g.theil, group_names, lang, breaks), None, source_line,
                                  key="gaps-theil", slide=False)
            presenter.figure_view(fg.dagum_figure(g.dagum, lang, breaks), None, source_line, key="gaps-dagum",
                                  name=f"decomposition_{meta.name}_{view.group}", notes=notes(grouping=grouping_name),
                                  data=g.download)
            shown = g.shown
            if shown is not None:
                d = g.results[shown]
                left, right = st.columns([2, 3])
                with left:
                    st.markdown(f"**{t('gaps.dagum_table', lang, year=shown)}**")
                    dagum_rows = fg.dagum_table(d, group_names, lang)
                    st.dataframe(dagum_rows, hide_index=True, width="stretch", placeholder="—",
                                 column_config={"component": t("gaps.col.component", lang),
                                                "value": st.column_config.NumberColumn(t("gaps.col.value", lang),
                                                                                       format="%.4f"),
                                                "share": st.column_config.NumberColumn(t("gaps.col.share", lang),
                                                                                       format="percent")})
                    download_buttons(dagum_rows, f"dagum_{shown}", {}, lang, "dl-dagum")
                with right:
                    presenter.figure_view(fg.pair_gini_figure(d, group_names, shown, lang), None, source_line,
                                          key="gaps-pairs", slide=False)
            presenter.figure_view(fg.group_gini_figure(g.dagum, group_names, lang, breaks), None, source_line,
                                  key="gaps-group-gini", slide=False)

with tabs[2]:
    if tabs[2].open:
        try:
            result, points = gm.beta_frame(panel, labels, direction, breaks)
        except UndefinedMeasure as e:
            st.info(t("gaps.beta_undefined", lang, reason=str(e)))
        else:
            presenter.figure_view(fg.beta_figure(result, points, unit, lang), None, source_line, key="gaps-beta",
                                  name=f"beta_{meta.name}_{view.level}", data=points,
                                  notes=notes(slope=f"{result.slope:.6f}",
                                              p_value=result.undefined.get("p_value") or f"{result.p_value:.4f}",
                                              speed=str(result.speed), half_life=str(result.half_life)))
            laggards = gm.laggards(points, direction)
            if (since := fg.since_break(panel.columns, breaks)) is not None:
                st.caption(t("fixes.beta_since_break", lang, year=since, last=points.attrs["last"]))
            st.caption(t("gaps.beta_caption", lang) + " " +
                       (t("gaps.beta_laggard_list", lang,
                          names=listing((escape(s) for s in laggards), lang))
                        if len(laggards) else t("gaps.beta_no_laggards", lang)))

with tabs[3]:
    if tabs[3].open:
        ur = gm.urban_rural(store, meta.name, view.level, regions, year)
        if ur is None:
            st.info(t("gaps.no_variants", lang, name=escape(name)))
        else:
            ratio, shown, (urban_id, rural_id) = ur.ratio, ur.shown, ur.pair
            left, right = st.columns([3, 2])
            layer = fg.ratio_layer(ratio[shown], regions, lang, t("gaps.ratio_legend", lang))
            with left:
                ratio_title = fg.ratio_title(ratio[shown], labels, name, int(shown), lang)
                st.markdown(f"**{ratio_title}**")
                presenter.figure_view(data.region_map(layer, view.level, view.scope, 520), ratio_title, source_line,
                                      key="gaps-ratio-map", name=f"urban_rural_{meta.name}",
                                      notes=notes(definition="urban / rural"),
                                      data=ratio.rename(columns=int).reset_index(names="code"))
            with right:
                presenter.figure_view(fg.ratio_trend_figure(ratio, labels, name, lang), None, source_line,
                                      key="gaps-ratio-trend", slide=False)
            st.caption(t("gaps.ratio_caption", lang, urban=escape(store.catalog.loc[urban_id, f"name_{lang}"]),
                         rural=escape(store.catalog.loc[rural_id, f"name_{lang}"])))

with tabs[4]:
    if tabs[4].open:
        # The view's own target, else another place's target for this indicator as a benchmark.
        rk = gm.ranking(store, meta.name, view.level, year, regions, cached.population(store, view.level, year),
                        direction, target, table, lang)
        ranked, benchmark = rk.table, rk.benchmark
        column = st.segmented_control(t("gaps.rank_ref", lang), rk.columns, default="gap_avg", key="gaps-rank-ref",
                                      format_func=lambda c: t(f"gaps.rank.{c}", lang)) or "gap_avg"
        avg = ranked.attrs.get("average")
        title = t(f"gaps.rank_title_{column}", lang, name=escape(name), year=year,
                  avg=f"{avg:,.4g}" if avg is not None else "—",
                  target=f"{ranked.attrs.get('target', float('nan')):,.4g}")
        if column == "gap_target" and rk.borrowed:
            title += "<br><sub>" + t("gaps.rank_benchmark", lang, scope=escape(str(benchmark["scope_name"])),
                                     year=benchmark["target_year"]) + "</sub>"
        presenter.figure_view(fg.gap_ranking_figure(ranked, group_of, group_names, column, unit, lang, title), None,
                              source_line, key="gaps-rank", name=f"gaps_{meta.name}_{year}",
                              notes=notes(year=str(year)),
                              data=ranked.drop(columns=["label"]).assign(group=ranked["code"].map(group_of)))
        st.caption(t("gaps.rank_caption", lang, grouping=grouping_name))

with tabs[5]:
    if tabs[5].open:
        y = gm.values_in_view(store, meta.name, view.level, year, regions)
        if np.isfinite(y).sum() < 4:
            st.info(t("gaps.lisa_few", lang))
        else:
            fdr = st.toggle(t("fixes.lisa_fdr", lang), key="gaps-lisa-fdr", help=t("fixes.lisa_fdr_help", lang))
            try:
                moran, lisa = cached.clusters(view.level, tuple(regions["code"]), tuple(y), fdr)
            except (ImportError, FileNotFoundError, AttributeError):
                st.info(t("gaps.no_neighbours", lang))
            except (UndefinedMeasure, ValueError) as e:
                st.info(t("gaps.lisa_undefined", lang, reason=str(e)))
            else:
                moran_title = fg.moran_title(name, year, moran, lang)
                st.markdown(f"**{moran_title}**")
                presenter.figure_view(data.region_map(fg.lisa_layer(lisa, regions, lang), view.level, view.scope, 620),
                                      moran_title, source_line, key="gaps-lisa", name=f"lisa_{meta.name}_{year}",
                                      notes=notes(year=str(year), moran_i=f"{moran.I:.4f}"),
                                      data=pd.DataFrame({"code": lisa.codes, "local_i": lisa.Ii,
                                                         "quadrant": lisa.quadrant, "p_sim": lisa.p_sim,
                                                         "cluster": lisa.cluster}))
                note = fg.lisa_note(lisa, labels, lang)
                st.caption(t("gaps.lisa_caption", lang) + (f" {note}" if note else ""))
                tested = int(np.isfinite(lisa.p_sim).sum())
                st.caption(t("fixes.lisa_uncorrected", lang, n=tested, k=f"{0.05 * tested:.1f}") if not fdr else
                           t("fixes.lisa_fdr_on", lang, threshold=f"{lisa.threshold:.3f}") if lisa.threshold > 0 else
                           t("fixes.lisa_fdr_none", lang))

# ── caption ──────────────────────────────────────────────────────────────────
panels.source_note(store, meta, target, view.level, year, view.scope, lang)
controls.keep_playing(store, meta.name)
