"""Shared controls bound to the one ViewState.

The URL is read once per session (first run), then the widgets own the state. Every run
resolves the view once at the top (`resolved`: every fallback, see resolve.py), draws widgets
seeded from it, and writes it back to the URL (`sync_url`), so a copied link restores the view.
Widgets never correct the state while they are drawn: they report what the user changed through
their on_change callbacks, which run before the next run of the page script.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import streamlit as st

from i18n import t
from resolve import Resolved, resolve
from state import LEVELS, MODES, PALETTES, SCHEMES, ViewState


def current_view() -> ViewState:
    """The session's view; parsed from the URL on the session's first run."""
    if "view" not in st.session_state:
        view, notices = ViewState.from_params(st.query_params.to_dict())
        st.session_state.view = view
        st.session_state.url_notices = notices
    return st.session_state.view


def resolved(store, page: str, domain: str = "") -> Resolved:
    """The session's view with every fallback applied (resolve.resolve), kept as the session's view."""
    from components.data import regions_in_view
    result = resolve(current_view(), store, regions_in_view, page, domain)
    st.session_state.view = result.view
    return result


def update_view(**changes) -> ViewState:
    view = replace(current_view(), **changes)
    st.session_state.view = view
    return view


def sync_url() -> None:
    """Write the view to the URL (only non-default fields) and show notices for ignored parameters."""
    view = current_view()
    notices = st.session_state.pop("url_notices", [])
    if notices:
        st.toast(t("url.ignored", view.lang, params=", ".join(notices)), icon="ℹ️")
    params = view.to_params()
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def _bound(widget, field: str, key: str, **kwargs):
    """Draw `widget` seeded from view.<field>; changes go back to the view."""
    st.session_state[key] = getattr(current_view(), field)
    return widget(key=key, on_change=lambda: update_view(**{field: st.session_state[key]}), **kwargs)


def language_switch() -> str:
    options = {"zh": "中文", "en": "English"}
    return _bound(st.segmented_control, "lang", "w_lang", label=t("app.language", current_view().lang),
                  options=list(options), format_func=options.get, selection_mode="single",
                  label_visibility="collapsed")


def level_select(lang: str) -> str:
    # At Streamlit's padding "Province · Prefecture · County" is 16 px wider than the sidebar, and wraps.
    st.html("<style>.st-key-w_level button { padding-left: .625rem; padding-right: .625rem; }</style>")
    return _bound(st.segmented_control, "level", "w_level", label=t("ctl.level", lang), options=list(LEVELS),
                  format_func=lambda v: t(f"level.{v}", lang), selection_mode="single")


def select(field: str, options: list, label: str, format_func=str, **kwargs):
    """A selectbox bound to view.<field> (which `resolved` keeps among the options)."""
    return _bound(st.selectbox, field, f"w_{field}", label=label, options=options, format_func=format_func, **kwargs)


def scheme_controls(lang: str) -> None:
    view = current_view()
    select("scheme", list(SCHEMES), t("ctl.scheme", lang), lambda v: t(f"scheme.{v}", lang))
    if view.scheme not in ("continuous", "std_mean", "box", "user"):
        _bound(st.slider, "k", "w_k", label=t("ctl.k", lang), min_value=3, max_value=9)
    if view.scheme == "user":
        if parse_breaks(st.session_state.get("w_breaks", "")) is not None:   # keep a mistyped text to correct it
            st.session_state["w_breaks"] = ",".join(f"{b:g}" for b in view.breaks)
        st.text_input(t("ctl.breaks", lang), key="w_breaks", help=t("ctl.breaks_help", lang),
                      on_change=_breaks_changed)
        if parse_breaks(st.session_state["w_breaks"]) is None:
            st.warning(t("ctl.breaks_invalid", lang))
    select("palette", list(PALETTES), t("ctl.palette", lang), lambda v: t(f"palette.{v}", lang))


def parse_breaks(text: str) -> tuple[float, ...] | None:
    """User class breaks typed as "1, 2.5，4" (either comma), sorted; None when one is not a number."""
    try:
        return tuple(sorted({float(v) for v in text.replace("，", ",").split(",") if v.strip()}))
    except ValueError:
        return None


def _breaks_changed() -> None:
    breaks = parse_breaks(st.session_state["w_breaks"])
    if breaks is not None:
        update_view(breaks=breaks)


def mode_select(lang: str) -> str:
    return select("mode", list(MODES), t("ctl.mode", lang), lambda v: t(f"mode.{v}", lang))


def scope_select(lang: str) -> str:
    """Whole country, or one province (its cities or counties); only below province level."""
    from components.data import province_names
    if current_view().level == "province":
        return ""
    names = province_names(lang)
    return select("scope", ["", *names], t("ctl.scope", lang),
                  lambda c: names.get(c, t("map.whole_country", lang)))


def indicator_select(store, lang: str) -> None:
    """Domain, then indicator, seeded from the (resolved) view, so the indicator survives a page switch;
    choosing a domain picks its first indicator at its latest year."""
    view = current_view()
    menu = store.memo(("indicator_menu", view.level, lang), lambda: _indicator_menu(store, view.level, lang))
    if view.indicator not in menu.domain_of:
        return

    def domain_changed():
        update_view(indicator=menu.indicators[st.session_state["w_domain"]][0], year=None)

    st.session_state["w_domain"] = menu.domain_of[view.indicator]
    domain = st.selectbox(t("ctl.domain", lang), list(menu.indicators), key="w_domain", on_change=domain_changed,
                          format_func=lambda d: menu.domain_names.get(d, d))
    _bound(st.selectbox, "indicator", "w_indicator", label=t("ctl.indicator", lang),
           options=menu.indicators[domain], format_func=lambda i: menu.names.get(i, i))


@dataclass(frozen=True)
class _Menu:
    indicators: dict          # domain id -> indicator ids at the level, in catalog order (domains in their order)
    domain_of: dict           # indicator id -> domain id
    domain_names: dict
    names: dict               # indicator id -> name


def _indicator_menu(store, level: str, lang: str) -> _Menu:
    catalog = store.indicators(level=level)
    domains = store.domains.sort_values("order")
    present = set(catalog["domain"])
    return _Menu({d: list(catalog.index[catalog["domain"] == d]) for d in domains["id"] if d in present},
                 dict(zip(catalog.index, catalog["domain"])), dict(zip(domains["id"], domains[f"name_{lang}"])),
                 dict(zip(catalog.index, catalog[f"name_{lang}"])))


def year_select(resolved: Resolved, lang: str) -> None:
    """Year slider over the years with data, plus play/pause that steps through them."""
    years = list(resolved.years)
    if not years:
        return
    if len(years) > 1:
        _bound(st.select_slider, "year", "w_year", label=t("ctl.year", lang), options=years)
        playing = st.session_state.get("playing", False)
        # Material icons: ⏸ has no glyph in the fonts of a machine without a colour-emoji font (a blank box)
        st.button(t("ctl.pause" if playing else "ctl.play", lang), key="play",
                  icon=":material/pause:" if playing else ":material/play_arrow:",
                  on_click=lambda: st.session_state.update(playing=not playing))
    else:
        st.caption(f"{t('ctl.year', lang)}: {years[0]}")


def step_year(store, indicator: str, step: int, wrap: bool = False) -> None:
    view = current_view()
    years = store.years(indicator, view.level)
    if not years:
        return
    i = years.index(view.year) + step if view.year in years else len(years) - 1
    if wrap:
        i %= len(years)
    update_view(year=years[max(0, min(i, len(years) - 1))])


def keep_playing(store, indicator: str | None, delay: float = 1.2) -> None:
    """The play loop of every page with year_select's play button: call it last, once the page is drawn."""
    if st.session_state.get("playing") and indicator:
        time.sleep(delay)
        step_year(store, indicator, +1, wrap=True)
        st.rerun()
