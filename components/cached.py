"""Results that are the same for every visitor of a view, computed once per process and shared across sessions.

A visit spent most of its server time recomputing what the previous visitor already had: the profile's
standing among peers and rank history, the composite index and its Monte-Carlo rank band (1,000 weight
draws), population lookups, region tables (see scripts/profile_pages.py). Each wrapper here takes the
store and the view's plain values and is cached under `store.key` — the name of exactly the data that
store holds — so a visitor only ever gets a result computed from data they may see. Results come back
as copies (st.cache_data), so a page may change what it gets. One bounded cache serves them all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd
import streamlit as st

from components import data

_SHARED: dict[str, Callable] = {}


@st.cache_data(show_spinner=False, max_entries=256)
def _call(name: str, store_key: str, args: str, _store, _args: tuple, _kw: dict):
    """`name(store, *args, **kw)`, cached by the store's key and the arguments' text (all plain values)."""
    return _SHARED[name](_store, *_args, **_kw)


def shared(fn: Callable) -> Callable:
    """Cache `fn(store, *plain_args)` across sessions under `store.key` (arguments: str, int, float, tuple)."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    _SHARED[name] = fn

    def wrapper(store, *args, **kw):
        return _call(name, store.key, repr((args, sorted(kw.items()))), store, args, kw)
    wrapper.__doc__, wrapper.__name__, wrapper.__wrapped__ = fn.__doc__, fn.__name__, fn
    return wrapper


@shared
def population(store, level: str, year: int):
    return store.population(level, int(year))


@shared
def values(store, indicator: str, level: str, year: int):
    return store.values(indicator, level, int(year))


@shared
def panel(store, indicator: str, level: str):
    return store.panel(indicator, level)


@shared
def standing(store, level: str, codes: tuple, year: int, scope: str, lang: str):
    """viewmodel.profile.standing for the regions in view at `level` within `scope`."""
    from viewmodel import profile as pm
    return pm.standing(store, level, list(codes), year, data.regions_in_view(level, scope),
                       population(store, level, year), lang)


@dataclass(frozen=True)
class ProfileTexts:
    finding: str              # the page's headline: in the better half on m of n indicators
    sources: str              # one markdown line citing every source behind the standing
    table: pd.DataFrame       # the region on every indicator (viewmodel.profile.profile_table)
    peers: pd.DataFrame       # the region beside its peers (viewmodel.profile.peer_table)


@shared
def profile_texts(store, level: str, codes: tuple, year: int, scope: str, lang: str, label: str) -> ProfileTexts:
    """What the profile page writes about `codes[0]` among `codes`, the same for every visitor of the view."""
    from figures import profile as pf
    from figures.caption import sources_text
    from viewmodel import profile as pm
    rows = standing(store, level, codes, year, scope, lang)
    return ProfileTexts(pf.headline(rows[rows["code"] == codes[0]], label, year, lang),
                        sources_text(store, rows["indicator"].unique(), lang),
                        pm.profile_table(rows, codes[0], lang), pm.peer_table(rows, lang))


@shared
def rank_history(store, level: str, code: str, scope: str, lang: str):
    from viewmodel import profile as pm
    return pm.rank_history(store, level, code, data.regions_in_view(level, scope), lang)


@shared
def trend_frame(store, indicator: str, level: str, codes: tuple, scope: str, group: str, lang: str):
    from viewmodel import profile as pm
    return pm.trend_frame(store, indicator, level, list(codes), data.regions_in_view(level, scope),
                          data.grouping(store, group, level), lang)


@shared
def build_index(store, choice, level: str, scope: str, lang: str):
    """viewmodel.composite.build_index; `choice` (a frozen IndexChoice) is plain values all through."""
    from viewmodel import composite as cm
    return cm.build_index(store, choice, level, data.regions_in_view(level, scope), lang)


@shared
def sensitivity(store, choice, level: str, scope: str, lang: str, n_draws: int = 1000, seed: int = 0):
    """The Monte-Carlo rank band of `build_index(…)` (the slowest thing a visit asked for)."""
    from viewmodel import composite as cm
    result = build_index(store, choice, level, scope, lang)
    return cm.sensitivity(store, choice, level, data.regions_in_view(level, scope), result, n_draws=n_draws,
                          seed=seed)


@shared
def composite_texts(store, choice, level: str, scope: str, lang: str, draws: int) -> dict:
    """What the composite page writes around its figures, and its download tables, for one index choice."""
    from figures import composite as cf
    from viewmodel import composite as cm
    result = build_index(store, choice, level, scope, lang)
    if result.note:                                   # the index could not be computed: say why, nothing more
        return {"note": result.note}
    band = sensitivity(store, choice, level, scope, lang, n_draws=draws, seed=0)
    normalised = cm.normalised_frame(result, store.catalog, lang)
    return {"note": "", "finding": cf.headline(result, lang), "stable": None if band is None else cm.stable_count(band),
            "ranked": None if band is None else int(band["rank"].notna().sum()),
            "index_frame": cm.index_frame(result, band, lang), "notes": cf.choice_notes(result, store.catalog, lang),
            "choice_lines": cf.choice_lines(result, store.catalog, lang),
            "implicit": cf.implicit_notes(store, result, level, data.regions_in_view(level, scope), lang),
            "normalised": normalised, "normalised_shown": None if normalised is None else normalised.round(3)}


@shared
def region_table(store, indicator: str, level: str, year: int, scope: str, direction: int, target_id, lang: str):
    """figures.map_view.region_table of an indicator-year in view, population-weighted, against target
    `target_id` (a row label of store.targets, or None)."""
    from figures.map_view import region_table as build
    target = None if target_id is None else store.targets.loc[target_id]
    return build(values(store, indicator, level, year), data.regions_in_view(level, scope), direction,
                 population(store, level, year), target, lang)


@shared
def summary_cards(store, indicator: str, level: str, year: int, scope: str, direction: int, target_id, group: str,
                  lang: str):
    """figures.map_view.summary_cards of `region_table(…)` over grouping `group`."""
    from figures.map_view import summary_cards as build
    return build(region_table(store, indicator, level, year, scope, direction, target_id, lang),
                 data.grouping(store, group, level), population(store, level, year))


def _target_row(store, target_id: str):
    from viewmodel import targets as tm
    with_data = tm.split(store)[0]
    return with_data[with_data["id"] == target_id].iloc[0]


@shared
def target_view(store, target_id: str, level: str, scope: str, lang: str):
    """viewmodel.targets.target_view of target `target_id` over the regions in view at `level`."""
    from viewmodel import targets as tm
    return tm.target_view(store, _target_row(store, target_id), level, scope, data.regions_in_view(level, scope),
                          lambda year: population(store, level, year), lang)


@shared
def map_headline(store, indicator: str, level: str, year: int, scope: str, direction: int, target_id, lang: str):
    """components.panels.headline of `region_table(…)`: who is highest and lowest."""
    from components.panels import headline
    meta = store.catalog.loc[indicator]
    return headline(region_table(store, indicator, level, year, scope, direction, target_id, lang),
                    meta[f"name_{lang}"], meta[f"unit_{lang}"], year, scope, lang)


@shared
def indicator_note(store, indicator: str, level: str, codes: tuple, lang: str) -> str:
    from figures.profile import indicator_note as build
    return build(store, store.catalog.loc[indicator], level, list(codes), lang)


@shared
def source_note(store, indicator: str, level: str, year: int, scope: str, direction: int, target_id, lang: str) -> str:
    """components.panels.source_note_text of `region_table(…)`."""
    from components.panels import source_note_text
    target = None if target_id is None else store.targets.loc[target_id]
    return source_note_text(store, store.catalog.loc[indicator], target,
                            region_table(store, indicator, level, year, scope, direction, target_id, lang), lang)


@shared
def populations(store, level: str, years: tuple):
    """Population per region (rows) and year (columns), as the gaps page weights its inequality trend."""
    return pd.DataFrame({y: population(store, level, int(y)) for y in years})


@shared
def inequality_by_year(store, indicator: str, level: str, scope: str):
    """viewmodel.gaps.inequality_by_year of the regions in view, population-weighted."""
    from viewmodel import gaps as gm
    p = _gaps_panel(store, indicator, level, scope)
    return gm.inequality_by_year(p, populations(store, level, tuple(p.columns)))


@st.cache_resource(show_spinner=False, max_entries=16)
def clusters(level: str, codes: tuple, y: tuple, fdr: bool = False):
    """viewmodel.gaps.clusters, kept: the permutations take a while. Keyed by the values themselves."""
    from viewmodel import gaps as gm
    return gm.clusters(level, codes, y, fdr)


# ── figures ──────────────────────────────────────────────────────────────────
# A figure is shared as it is (st.cache_resource), with the JSON the browser gets already made: building a
# Plotly figure and serialising it was a third of the map page's script. Never change a figure got from here
# (figure_view's slide copies it first, reports.charts.with_caption).

@st.cache_resource(show_spinner=False, max_entries=96)
def _figure(name: str, store_key: str, args: str, _store, _args: tuple):
    from figures import bundle
    fig = _SHARED[name](_store, *_args)
    fig._atlas_spec = bundle.figure_spec(fig)          # components.chart sends this instead of redoing it
    return fig


def shared_figure(fn: Callable) -> Callable:
    """Cache the figure `fn(store, *plain_args)` and its browser JSON across sessions under `store.key`."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    _SHARED[name] = fn

    def wrapper(store, *args):
        return _figure(name, store.key, repr(args), store, args)
    wrapper.__doc__, wrapper.__name__, wrapper.__wrapped__ = fn.__doc__, fn.__name__, fn
    return wrapper


@shared_figure
def map_figure(store, indicator: str, level: str, year: int, scope: str, target_id, view, lang: str):
    """The map page's choropleth of `region_table(…)` as `view` (a frozen ViewState) draws it."""
    from figures.map_view import map_layer
    meta = store.catalog.loc[indicator]
    direction = int(meta["direction"])
    table = region_table(store, indicator, level, year, scope, direction, target_id, lang)
    return data.region_map(map_layer(table, view, meta[f"unit_{lang}"], direction, lang), level, scope)


@shared_figure
def ranking_bar(store, indicator: str, level: str, year: int, scope: str, target_id, lang: str, title: str):
    from figures.map_view import ranking_bar as build
    meta = store.catalog.loc[indicator]
    direction = int(meta["direction"])
    table = region_table(store, indicator, level, year, scope, direction, target_id, lang)
    return build(table, meta[f"unit_{lang}"], direction, lang, title)


@shared_figure
def composite_ranking(store, choice, level: str, scope: str, lang: str, draws: int, title: str):
    from figures import composite as cf
    return cf.ranking_figure(build_index(store, choice, level, scope, lang),
                             sensitivity(store, choice, level, scope, lang, n_draws=draws, seed=0), lang, title)


@shared_figure
def composite_map(store, choice, level: str, scope: str, lang: str, draws: int, view):
    from figures import composite as cf
    band = sensitivity(store, choice, level, scope, lang, n_draws=draws, seed=0)
    return data.region_map(cf.index_layer(build_index(store, choice, level, scope, lang), band, view, lang),
                           level, scope)


@shared_figure
def composite_weights(store, choice, level: str, scope: str, lang: str, title: str):
    from figures import composite as cf
    domain_names = dict(zip(store.domains["id"], store.domains[f"name_{lang}"]))
    return cf.weights_figure(build_index(store, choice, level, scope, lang), store.catalog, domain_names, lang, title)


@shared_figure
def profile_trend(store, indicator: str, level: str, codes: tuple, scope: str, group: str, lang: str, label: str,
                  group_label: str):
    """The trend of `codes` (codes[0] is `label`) with its finding as the title."""
    from figures import profile as pf
    meta = store.catalog.loc[indicator]
    frame = trend_frame(store, indicator, level, codes, scope, group, lang)
    return pf.trend_figure(frame, meta[f"unit_{lang}"], lang, pf.trend_title(frame, label, meta[f"name_{lang}"], lang),
                           group_label=group_label, direction=int(meta["direction"]))


@shared_figure
def profile_ranks(store, level: str, code: str, scope: str, lang: str, label: str):
    """The rank history of `code` (named `label`) with its finding as the title."""
    from figures import profile as pf
    history = rank_history(store, level, code, scope, lang)
    return pf.rank_history_figure(history, lang, pf.rank_history_title(history, label, lang))


@shared_figure
def target_map(store, target_id: str, level: str, scope: str, lang: str):
    """The tab's map: who meets the target, who is on pace (target_view's tables)."""
    from figures import targets as ft
    tv = target_view(store, target_id, level, scope, lang)
    unit = store.catalog.loc[_target_row(store, target_id)["indicator"], f"unit_{lang}"]
    return data.region_map(ft.attainment_layer(tv.table, tv.reach, unit, lang), level, scope, 520)


@shared_figure
def target_pace(store, target_id: str, level: str, scope: str, lang: str, title: str):
    """The tab's pace chart: the year each region would reach the target at its recent trend."""
    from figures import targets as ft
    regions = data.regions_in_view(level, scope)
    labels = pd.Series(regions["name" if lang == "zh" else "name_en"].to_numpy(), index=regions["code"])
    tv = target_view(store, target_id, level, scope, lang)
    return ft.pace_figure(tv.reach, labels, _target_row(store, target_id)["target_year"], lang, title)


@shared_figure
def profile_standing(store, level: str, codes: tuple, year: int, scope: str, lang: str, title: str):
    from figures import profile as pf
    return pf.standing_figure(standing(store, level, codes, year, scope, lang), lang, title)


def _gaps_panel(store, indicator: str, level: str, scope: str):
    """The gaps page's panel: the regions in view with any value, the years with any value."""
    p = panel(store, indicator, level).reindex(data.regions_in_view(level, scope)["code"])
    return p.dropna(how="all").dropna(axis=1, how="all")


@shared
def break_years(store, indicator: str, level: str, scope: str, flag: str = "series_break") -> list[int]:
    """figures.gaps.break_years over the regions in view: series breaks, or with flag="suspect_year" the years
    whose values look misaligned in the source."""
    from figures import gaps as fg
    return fg.break_years(store.flags(indicator, level).reindex(index=_gaps_panel(store, indicator, level, scope).index)
                          .fillna(""), flag)


@shared_figure
def gaps_distribution(store, indicator: str, level: str, scope: str, lang: str):
    from figures import gaps as fg
    regions = data.regions_in_view(level, scope)
    labels = pd.Series(regions["name" if lang == "zh" else "name_en"].to_numpy(), index=regions["code"])
    meta = store.catalog.loc[indicator]
    return fg.distribution_figure(_gaps_panel(store, indicator, level, scope), labels, meta[f"name_{lang}"],
                                  meta[f"unit_{lang}"], lang, break_years(store, indicator, level, scope),
                                  break_years(store, indicator, level, scope, flag="suspect_year"))


@shared_figure
def gaps_trend(store, indicator: str, level: str, scope: str, measure: str, lang: str):
    from figures import gaps as fg
    return fg.trend_figure(inequality_by_year(store, indicator, level, scope), measure,
                           store.catalog.loc[indicator, f"name_{lang}"], lang,
                           break_years(store, indicator, level, scope),
                           break_years(store, indicator, level, scope, flag="suspect_year"))
