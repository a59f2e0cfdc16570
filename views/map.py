"""Map explorer: pick an indicator, level and year; read the map; click to go deeper."""
import streamlit as st

from components import cached, controls, data, panels, presenter
from figures.caption import source_line
from figures.map_view import MAX_BARS, map_layer, region_table
from i18n import t

# ── filters ──────────────────────────────────────────────────────────────────
store = data.get_store()
resolved = controls.resolved(store, "map")
view, meta, year, target = resolved.view, resolved.meta, resolved.year, resolved.target
lang = view.lang
with st.sidebar:
    controls.level_select(lang)
    controls.scope_select(lang)
    controls.indicator_select(store, lang)
    controls.year_select(resolved, lang)
    controls.mode_select(lang)
    controls.scheme_controls(lang)
    presenter.sidebar_tools(store, lang)
controls.sync_url()
for notice in resolved.notices:          # e.g. a gap-to-target link where no target applies
    st.caption(t(notice, lang))

# ── data ─────────────────────────────────────────────────────────────────────
regions = data.regions_in_view(view.level, view.scope)
if meta is None:
    # No indicator at this level yet: draw the boundaries, every region "no data", and say why.
    st.info(t("map.no_indicator", lang, level=t(f"level.{view.level}", lang)))
    name, unit, direction, year = t("map.boundaries_only", lang), "", 1, None
    table = region_table(regions[["code"]].assign(value=float("nan"), flag=""), regions, 1, lang=lang)
else:
    name = meta[f"name_{lang}"]
    unit = meta[f"unit_{lang}"]
    direction = int(meta["direction"])
    target_id = None if target is None else target.name
    table = cached.region_table(store, meta.name, view.level, year, view.scope, direction, target_id, lang)

# ── figure ───────────────────────────────────────────────────────────────────
def select_region(location: str, level: str = view.level, scope: str = view.scope) -> None:
    """A click on this map selects the region: the view (and so the URL, panel, highlight) follows."""
    controls.update_view(region=data.region_at(level, scope, location) or controls.current_view().region)


panels.breadcrumbs(view, lang)
headline = name if meta is None else \
    cached.map_headline(store, meta.name, view.level, year, view.scope, direction, target_id, lang)
source = source_line(store, meta, lang) if meta is not None else ""
if meta is not None:
    st.markdown(f"### {headline}")
left, right = st.columns([8, 5], gap="medium") if meta is not None else (st.container(), None)
with left:
    fig = data.region_map(map_layer(table, view, unit, direction, lang), view.level, view.scope) if meta is None \
        else cached.map_figure(store, meta.name, view.level, year, view.scope, target_id, view, lang)
    presenter.figure_view(fig, headline, source, key=f"map-{view.level}-{view.scope}", on_click=select_region,
                          notes={"year": str(year), "unit": unit},
                          data=table[["code", "name", "name_en", "value", "rank", "gap_avg_pct", "flag"]])
    if view.region and meta is not None:
        panels.region_panel(view, store, meta, table, lang)   # under the map that was clicked, not below the bars
if meta is None:
    st.stop()
with right:
    panels.summary_cards(table, store, meta, view, year, target_id, lang)
    many = table.attrs["n_with_data"] > MAX_BARS
    title = t("map.bar_title_top" if many else "map.bar_title", lang, name=name, year=year, n=MAX_BARS // 2)
    presenter.figure_view(cached.ranking_bar(store, meta.name, view.level, year, view.scope, target_id, lang, title),
                          title, source, key="bar",
                          slide=False, export_size=(1200, 1400))

# ── caption ──────────────────────────────────────────────────────────────────
panels.source_note(store, meta, target, view.level, year, view.scope, lang)
controls.keep_playing(store, meta.name)
