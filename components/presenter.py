"""Presenter mode and the one way a page draws a figure (with its exports); the sidebar's tools.

Hook for every page — one call per figure (drawn by ``components.chart``)::

    from components import presenter
    presenter.figure_view(fig, headline, source_line, key="gaps-trend")
    # headline None: the figure's own title (a sentence stating the finding)
    # source_line: figures.caption.source_line(store, meta, lang) -> "来源：… 单位：…"

Normal mode: the figure as usual (components.chart), then PNG and SVG buttons that
save it with the headline as title, its legend and the source line under it,
so a figure pasted into a report (汇报材料) stands on its own. Presenter mode
(``ViewState.presenter``, URL ``present=1``): this figure alone, full width,
large type, headline as its title and source line at the bottom; sidebar and
everything else on the page hidden; keyboard: ←/→ year, space play/pause,
↑/↓ previous/next view of the active story, Esc leaves presenter mode. A page
with several figures passes ``slide=False`` for all but the one to present.
``on_click=f`` calls ``f(location)`` for a region clicked on a map (components.chart); ``data=frame`` adds
the CSV/XLSX buttons (figures.export, formula-safe) for the numbers behind the figure.

``sidebar_tools(store, lang)`` is the sidebar panel: start presenting, stories
(components.stories_panel) and the briefing report (components.briefing_panel).
PNG/SVG: components.figure_export.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

import streamlit as st

from components import controls
from components.briefing_panel import briefing_tools
from components.chart import chart
from components.figure_export import EXPORT_SIZE, export_buttons, plain
from figures.export import safe_filename
from components.stories_panel import active_story, step_story, story_tools
from figures.caption import with_caption
from figures.china_map import fit_national
from i18n import t

SLIDE_KEY = "presenter-slide"
SLIDE_HEIGHT = 760           # px: a 1080p screen's browser viewport minus the footer
SLIDE_WIDTH = 1840           # px: a 1920-wide screen's slide, less the page's side padding

# Presenter mode: no sidebar or header, the slide alone, large type.
_PRESENTER_CSS = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"] {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ max-width: 100% !important; padding: .75rem 2.5rem .25rem !important; }}
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"]
  > :not(:has(.st-key-{SLIDE_KEY})):not(.st-key-{SLIDE_KEY}),
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"]
  > :not(:has(.st-key-{SLIDE_KEY})):not(.st-key-{SLIDE_KEY}) {{
  display: none !important; }}
[data-testid="stTabPanel"] > [data-testid="stVerticalBlock"] > :not(:has(.st-key-{SLIDE_KEY})):not(.st-key-{SLIDE_KEY}),
[data-testid="stColumn"] > [data-testid="stVerticalBlock"] > :not(:has(.st-key-{SLIDE_KEY})):not(.st-key-{SLIDE_KEY}) {{
  display: none !important; }}
[data-testid="stHorizontalBlock"]:has(.st-key-{SLIDE_KEY}) > [data-testid="stColumn"]:not(:has(.st-key-{SLIDE_KEY})) {{
  display: none !important; }}
[data-testid="stColumn"]:has(.st-key-{SLIDE_KEY}) {{ width: 100% !important; flex: 1 1 100% !important; }}
.st-key-presenter-footer p {{ font-size: 1.1rem !important; margin: 0; }}
.st-key-presenter-footer {{ color: #5f6b7a; }}
</style>
"""

_keys = st.components.v2.component("atlas_presenter_keys",
                                   js=Path(__file__).with_name("presenter_keys.js").read_text())


def active() -> bool:
    """Presenter mode on? (A page can skip work the slide won't show.)"""
    return controls.current_view().presenter


# ── figures ──────────────────────────────────────────────────────────────────

def figure_view(fig, headline: str | None, source: str, *, key: str, name: str | None = None, slide: bool = True,
                export_size: tuple[int, int] = EXPORT_SIZE, data=None, notes: dict | None = None,
                on_click=None) -> None:
    """Draw one figure the atlas way (see the module docstring); `on_click(location)` as in
    components.chart. `headline` None = the figure's own title. `data` (a DataFrame) adds CSV/XLSX
    buttons (figures.export, as components.downloads), with `notes` in the files."""
    view = controls.current_view()
    if headline is None:
        headline = (fig.layout.title.text or "") if fig.layout.title else ""
    if view.presenter:
        if not slide:
            return
        _presenter_chrome()
        # The slide's type size goes with the caption, which puts the source line below axes drawn at it.
        shown = with_caption(fig, plain(headline), source, title_size=30, width_px=1500, font_size=18)
        shown.update_layout(height=SLIDE_HEIGHT, hoverlabel={"font": {"size": 18}},
                            legend={"font": {"size": 16}})
        margin = shown.layout.margin
        fit_national(shown, SLIDE_WIDTH, SLIDE_HEIGHT - (margin.t or 0) - (margin.b or 0))
        with st.container(key=SLIDE_KEY):
            chart(shown, key=key, lang=view.lang, on_click=on_click)
            _footer(view)
        return
    chart(fig, key=key, lang=view.lang, on_click=on_click)
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):   # one row under the figure
        export_buttons(key, headline, source, name or key, view.lang, export_size)
        if data is not None:
            _data_buttons(data, safe_filename(name or key), {"title": plain(headline), "source": source,
                                                          **(notes or {})}, view.lang, key)


def _data_buttons(frame, name: str, notes: dict, lang: str, key: str) -> None:
    """CSV and XLSX of the numbers behind the figure (formula-safe, notes inside, built on click)."""
    from components.downloads import download_buttons
    download_buttons(frame, name, notes, lang, key=f"data-{key}")


# ── presenter mode ───────────────────────────────────────────────────────────

def _presenter_chrome() -> None:
    st.html(_PRESENTER_CSS)
    result = _keys(key="presenter-keys", on_action_change=lambda: None, height=0)
    action = getattr(result, "action", None)
    if action and apply_key(action):
        st.rerun()                  # every widget, the figure and the URL follow the new view


def apply_key(action: str) -> bool:
    """What a key does to the view; True if it changed something."""
    from components.data import get_store
    view = controls.current_view()
    if action in ("prev_year", "next_year"):
        st.session_state.playing = False
        controls.step_year(get_store(), view.indicator, -1 if action == "prev_year" else 1)
    elif action == "play":
        st.session_state.playing = not st.session_state.get("playing", False)
    elif action in ("prev_view", "next_view"):
        return step_story(-1 if action == "prev_view" else 1)
    elif action == "exit":
        st.session_state.playing = False
        controls.update_view(presenter=False)
    else:
        return False
    return True


def _footer(view) -> None:
    lang = view.lang
    story, pos = active_story()
    with st.container(key="presenter-footer", horizontal=True, vertical_alignment="center"):
        year = f"**{view.year}**" if view.year else ""
        playing = ":material/pause:" if st.session_state.get("playing") else ":material/play_arrow:"
        st.markdown(f"{year} &nbsp; {playing} &nbsp; {t('pres.keys', lang)}")
        if story is not None and story.views:
            st.markdown(t("pres.story_pos", lang, pos=pos + 1, n=len(story.views),
                          title=escape(story.views[min(pos, len(story.views) - 1)].title)))
        st.button(t("pres.exit", lang), key="presenter-exit", icon=":material/close_fullscreen:",
                  on_click=apply_key, args=("exit",))


def sidebar_tools(store, lang: str) -> None:
    """The sidebar panel: present, stories, briefing. Its widgets are sent only while it is open:
    closed (as every page opens), the browser has eight fewer widgets to load and draw."""
    tools = st.expander(t("pres.tools", lang), icon=":material/co_present:", key="pres-tools", on_change="rerun")
    if not tools.open:
        return
    with tools:
        st.button(t("pres.start", lang), key="presenter-start", type="primary", icon=":material/slideshow:",
                  width="stretch", help=t("pres.start_help", lang), on_click=controls.update_view,
                  kwargs={"presenter": True})
        story_tools(store, lang)
        st.divider()
        briefing_tools(store, lang)
