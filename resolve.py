"""From a view (as the URL or the widgets left it) to the one view a page draws: every fallback in one place.

A link may name an indicator the level lacks, a year without data, a grouping that does not apply,
a gap-to-target view where no target exists. `resolve` settles all of it before a page draws
anything, so the widgets, the figures and the URL written at the end of the run agree. Pure: no
streamlit; it sits above `state`, `store` and `viewmodel` (whose year rules it applies) and below
`components`/`views`, which call it once per run.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import pandas as pd

from figures.map_view import applicable_target
from viewmodel import composite as cf
from viewmodel import profile as pf
from state import ViewState, custom_weights, parse_spec

# What each page reads from the view; "spending" is the targets page with its spending-gap tab open (the
# only part of that page with an indicator). Other pages (data) take only the shared rules.
PAGES = ("map", "gaps", "targets", "spending", "profile", "composite", "data")
SPENDING_DOMAIN = "fiscal"          # the targets page's spending-gap tab measures these indicators

# regions(level, scope="") -> the regions drawn at `level` (within province `scope`): code, province_code, names.
Regions = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Resolved:
    """The view a page draws and what follows from it; `view` is what the URL says at the end of the run."""

    view: ViewState
    meta: pd.Series | None = None           # catalog row of view.indicator (None: the level has no indicator)
    years: tuple[int, ...] = ()             # the years the page's year can take
    target: pd.Series | None = None         # the policy target for view.indicator in view.scope
    grouping: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))  # code -> group, at view.level
    notices: tuple[str, ...] = ()           # i18n keys: fallbacks the reader should be told about
    indicators: tuple[str, ...] = ()        # composite: the indicators the index combines
    spec: tuple[str, str, str] = ("minmax", "equal", "linear")   # composite: method, weighting, aggregation
    weights: tuple[float, ...] = ()         # composite: one custom weight per indicator

    @property
    def year(self) -> int | None:
        return self.view.year if self.years else None


def resolve(view: ViewState, store, regions: Regions, page: str = "map", domain: str = "") -> Resolved:
    """The view `page` draws: `view` with every fallback applied, and the facts that follow from it.

    `domain` is the composite page's domain filter (a widget of its own, not part of the view)."""
    notices: list[str] = []
    view = _scope(view, regions)
    meta, years, indicators, spec, weights = None, (), (), ("minmax", "equal", "linear"), ()
    if page in ("map", "gaps"):
        view, meta = _indicator(view, store.indicators(level=view.level))
    if page == "profile":          # the profile's year is the page's, not the indicator's
        view, meta = _indicator(view, store.indicators(level=view.level), keep_year=True)
    if page == "spending":
        view, meta = _indicator(view, spending_indicators(store, view.level), keep_year=True)
    if page in ("map", "gaps"):
        years = tuple(store.years(view.indicator, view.level)) if meta is not None else ()
        if years and view.year not in years:
            view = replace(view, year=years[-1])
    if page == "profile":
        view = _profile_regions(view, regions)
        years = tuple(pf.profile_years(store, view.level))
        if years and view.year not in years:
            view = replace(view, year=pf.best_year(store, view.level))
    if page == "composite":
        view, indicators = _composite_indicators(view, store, domain)
        years = tuple(cf.common_years(store, indicators, view.level))
        if years and view.year not in years:
            view = replace(view, year=years[-1])
        *spec, linked = parse_spec(view.index_spec)
        spec, weights = tuple(spec), custom_weights(linked, len(indicators))
    target = store.memo(("target", meta.name, view.scope),
                        lambda: applicable_target(store.targets, meta.name, view.scope)) if meta is not None else None
    if page == "map" and view.mode == "gap_target" and target is None:
        view = replace(view, mode="value")
        notices.append("map.no_target")
    if page == "gaps":
        usable = groupings(store, view.level)
        if view.group not in usable and usable:
            view = replace(view, group=usable[0])
    grouping = store.grouping_in(view.group, view.level, regions) if page in ("gaps", "profile") else \
        pd.Series(dtype=object)
    return Resolved(view, meta, years, target, grouping, tuple(notices), indicators, spec, weights)


def _scope(view: ViewState, regions: Regions) -> ViewState:
    """Whole country at province level; below it, one province of the registry or the whole country."""
    if not view.scope:
        return view
    provinces = set(regions("province")["code"])
    return view if view.level != "province" and view.scope in provinces else replace(view, scope="")


def _indicator(view: ViewState, catalog: pd.DataFrame, keep_year: bool = False):
    """view.indicator if `catalog` has it, else its first. The default indicator ("") keeps the link's
    year; an indicator the level lacks is a real change of indicator and starts at its latest year."""
    if catalog.empty:
        return view, None
    if view.indicator not in catalog.index:
        year = view.year if keep_year or not view.indicator else None
        view = replace(view, indicator=str(catalog.index[0]), year=year)
    return view, catalog.loc[view.indicator]


def spending_indicators(store, level: str) -> pd.DataFrame:
    """Spending indicators with data at `level`: what the spending-gap line can be drawn over."""
    catalog = store.indicators(level=level)
    coverage = store.coverage()
    have = set(coverage.loc[coverage["level"] == level, "indicator"])
    return catalog[catalog.index.isin(have) & (catalog["domain"] == SPENDING_DOMAIN)]


def groupings(store, level: str) -> list[str]:
    """Groupings that apply at `level`: its own and the provinces' (which reach down through them)."""
    return list(store.groups.loc[store.groups["level"].isin(["province", level]), "id"])


def _profile_regions(view: ViewState, regions: Regions) -> ViewState:
    """The profiled region and its peers are regions on the page's map (at most MAX_PEERS peers)."""
    codes = set(regions(view.level, view.scope)["code"])
    region = view.region if view.region in codes else ""
    peers = [c for c in view.peers.split(",") if c in codes and c != region][:pf.MAX_PEERS] if view.peers else []
    return replace(view, region=region, peers=",".join(peers))


def _composite_indicators(view: ViewState, store, domain: str):
    """The link's indicators among the candidates (the default set when none remain); the view names them
    unless they are the default set of all domains, so links stay short."""
    cat = cf.candidates(store, view.level, domain or None)
    chosen = cf.chosen_indicators(view.index_indicators, cat) if not cat.empty else []
    implied = "" if not domain and chosen == cf.default_selection(cat) else ",".join(chosen)
    return replace(view, index_indicators=implied), tuple(chosen)
