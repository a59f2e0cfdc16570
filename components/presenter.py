"""Presenter mode, figure exports (PNG/SVG), stories and the one-click briefing.

Hook for every page — one call per figure (drawn by ``components.chart``)::

    from components import presenter
    presenter.figure_view(fig, headline, source_line, key="gaps-trend")
    # headline None: the figure's own title (a sentence stating the finding)
    # source_line: presenter.source_line(store, meta, lang) -> "来源：… 单位：…"

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
(save the current view, step, export/import JSON), and the briefing report.
"""
from __future__ import annotations

import re
from dataclasses import replace
from html import escape

import streamlit as st

from components import controls
from components.chart import chart, compact_js
from components.identity import current_user
from components.importer import file_uploader
from i18n import t
from reports.briefing import source_line  # noqa: F401  (re-exported for pages)
from reports.charts import with_caption, wrap
from store import stories

SLIDE_KEY = "presenter-slide"
SLIDE_HEIGHT = 760           # px: a 1080p screen's browser viewport minus the footer
EXPORT_SIZE = (1600, 900)    # px at scale 1; PNG is saved at scale 2 (3200 × 1800)
PNG_SCALE = 2

_KEYS_JS = r"""
export default function(component) {
  const { setTriggerValue } = component;
  const actions = {ArrowLeft: "prev_year", ArrowRight: "next_year", " ": "play", ArrowUp: "prev_view",
                   ArrowDown: "next_view", Escape: "exit"};
  const typing = (el) => !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) ||
      ["slider", "combobox", "textbox", "spinbutton", "listbox", "option"].includes(el.getAttribute && el.getAttribute("role")));
  const onKey = (e) => {
    if (e.repeat || e.altKey || e.ctrlKey || e.metaKey) return;
    const action = actions[e.key];
    const target = (e.composedPath && e.composedPath()[0]) || e.target;
    if (!action || typing(target) || typing(document.activeElement)) return;
    e.preventDefault();
    e.stopPropagation();
    setTriggerValue("action", action);
  };
  if (window.__atlasPresenterKeys) document.removeEventListener("keydown", window.__atlasPresenterKeys, true);
  window.__atlasPresenterKeys = onKey;
  document.addEventListener("keydown", onKey, true);
  return () => {
    document.removeEventListener("keydown", onKey, true);
    if (window.__atlasPresenterKeys === onKey) window.__atlasPresenterKeys = null;
  };
}
"""

# Plotly's own image export of the chart on the page (its modebar "toImage" button), with the title,
# source line and size set on a copy of the layout just for the export: what is saved is what is shown.
_EXPORT_JS = r"""
export default function(component) {
  const { data, parentElement } = component;
  let box = parentElement.querySelector(".atlas-export");
  if (!box) { box = document.createElement("div"); box.className = "atlas-export"; parentElement.appendChild(box); }
  box.innerHTML = "";
  const exportAs = (fmt, button) => {
    const gd = document.querySelector(data.selector + " .js-plotly-plot");
    const bar = gd && gd._fullLayout && gd._fullLayout._modeBar;
    const toImage = bar && bar.buttons.flat().find((b) => b.name === "toImage");
    if (!toImage) { button.textContent = data.labels.missing; return; }
    const layout = gd.layout, options = gd._context.toImageButtonOptions;
    const copy = Object.assign({}, layout);
    if (data.caption) {
      // as reports.charts.with_caption: Plotly anchors a multi-line title by its first line
      const m = Object.assign({}, layout.margin || {});
      const lines = (data.title.match(/<br>/g) || []).length + 1, size = 22;
      const sourceLines = (data.source.match(/<br>/g) || []).length + 1;
      const base = (m.b === undefined || m.b === null) ? 80 : m.b;
      copy.title = {text: data.title, x: 0.01, xref: "container", xanchor: "left", y: 1, yref: "paper",
                    yanchor: "bottom", pad: {b: 8 + (lines - 1) * Math.round(size * 1.3)}, automargin: true,
                    font: {size: size}};
      copy.margin = Object.assign({}, m, {t: Math.max(m.t || 0, Math.round(size * 1.35 * lines) + 24),
                                          b: base + 14 + 19 * sourceLines, l: Math.max(m.l || 0, 24), r: Math.max(m.r || 0, 24)});
      copy.annotations = (layout.annotations || []).concat([{text: data.source, xref: "paper", yref: "paper", x: 0,
          y: 0, xanchor: "left", yanchor: "top", yshift: -(base + 6), showarrow: false, align: "left",
          font: {size: 13, color: "#5f6b7a"}}]);
    }
    gd.layout = copy;
    gd._context.toImageButtonOptions = {format: fmt, filename: data.filename, width: data.width,
                                        height: data.height, scale: fmt === "png" ? data.scale : 1};
    try { toImage.click(gd); }
    finally { gd.layout = layout; gd._context.toImageButtonOptions = options; }
  };
  for (const fmt of ["png", "svg"]) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "atlas-export-btn atlas-export-" + fmt;
    b.textContent = data.labels[fmt];
    b.title = data.labels.help;
    b.onclick = () => exportAs(fmt, b);
    box.appendChild(b);
  }
}
"""

_EXPORT_CSS = """
.atlas-export { display: flex; gap: .5rem; }
.atlas-export-btn { font: inherit; font-size: .875rem; min-height: 2.5rem; padding: .25rem .75rem; border-radius: .5rem;
  cursor: pointer;
  border: 1px solid var(--st-border-color, #d5dae1); background: var(--st-background-color, white);
  color: var(--st-text-color, #1f2933); }
.atlas-export-btn:hover { border-color: var(--st-primary-color, #4a78b0); color: var(--st-primary-color, #4a78b0); }
"""

# Presenter mode: no sidebar or header, the slide alone, large type.
_PRESENTER_CSS = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"] {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ max-width: 100% !important; padding: .75rem 2.5rem .25rem !important; }}
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] > :not(:has(.st-key-{SLIDE_KEY})):not(.st-key-{SLIDE_KEY}),
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] > :not(:has(.st-key-{SLIDE_KEY})):not(.st-key-{SLIDE_KEY}) {{
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

_keys = st.components.v2.component("atlas_presenter_keys", js=_KEYS_JS)
_export = st.components.v2.component("atlas_figure_export", js=compact_js(_EXPORT_JS), css=compact_js(_EXPORT_CSS))


def key_class(key: str) -> str:
    """The CSS class Streamlit gives an element with this key (``st-key-`` + key, other characters as '-')."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


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
        shown = with_caption(fig, _plain(headline), source, title_size=30, width_px=1500, font_size=18)
        shown.update_layout(height=SLIDE_HEIGHT, hoverlabel={"font": {"size": 18}},
                            legend={"font": {"size": 16}})
        with st.container(key=SLIDE_KEY):
            chart(shown, key=key, lang=view.lang, on_click=on_click)
            _footer(view)
        return
    chart(fig, key=key, lang=view.lang, on_click=on_click)
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):   # one row under the figure
        export_buttons(key, headline, source, name or key, view.lang, export_size)
        if data is not None:
            _data_buttons(data, _file_name(name or key), {"title": _plain(headline), "source": source,
                                                          **(notes or {})}, view.lang, key)


def _data_buttons(frame, name: str, notes: dict, lang: str, key: str) -> None:
    """CSV and XLSX of the numbers behind the figure (formula-safe, notes inside, built on click)."""
    from components.downloads import download_buttons
    download_buttons(frame, name, notes, lang, key=f"data-{key}")


def export_buttons(chart_key: str, headline: str, source: str, name: str, lang: str,
                   size: tuple[int, int] = EXPORT_SIZE) -> None:
    """PNG (scale 2) and SVG buttons for the chart drawn with `chart_key`; the files carry the headline
    as title and the source line at the bottom. Drawn in the browser, nothing leaves it."""
    _export(key=f"export-{chart_key}", height="content", width="content", data={
        "selector": "." + key_class(chart_key), "title": wrap(_plain(headline), size[0] / 22 - 4),
        "source": wrap(source, size[0] / 13 - 4), "caption": True, "filename": _file_name(name), "width": size[0], "height": size[1],
        "scale": PNG_SCALE,
        "labels": {"png": t("pres.png", lang), "svg": t("pres.svg", lang), "help": t("pres.export_help", lang),
                   "missing": t("pres.export_missing", lang)}})


def _file_name(text: str) -> str:
    return re.sub(r"[^\w\-]+", "_", str(text)).strip("_")[:120] or "figure"


def _plain(headline: str) -> str:
    """Markdown emphasis is not Plotly markup; everything else (escaped names) is kept."""
    return headline.replace("**", "").replace("### ", "").strip()


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
    story, pos = _active_story()
    with st.container(key="presenter-footer", horizontal=True, vertical_alignment="center"):
        year = f"**{view.year}**" if view.year else ""
        playing = "⏸" if st.session_state.get("playing") else "▶"
        st.markdown(f"{year} &nbsp; {playing} &nbsp; {t('pres.keys', lang)}")
        if story is not None and story.views:
            st.markdown(t("pres.story_pos", lang, pos=pos + 1, n=len(story.views),
                          title=escape(story.views[min(pos, len(story.views) - 1)].title)))
        if st.button(t("pres.exit", lang), key="presenter-exit", icon=":material/close_fullscreen:"):
            st.session_state.playing = False
            controls.update_view(presenter=False)
            st.rerun()


# ── stories ──────────────────────────────────────────────────────────────────

def _active_story():
    sid = st.session_state.get("story_id")
    if not sid:
        return None, 0
    try:
        return stories.get_story(sid, user=current_user()), int(st.session_state.get("story_pos", 0))
    except stories.StoryError:
        st.session_state.pop("story_id", None)
        return None, 0


def _current_page() -> str:
    """The running page's script relative to app.py ("views/map.py"); "" if Streamlit won't say."""
    try:
        from pathlib import Path

        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
        manager = get_script_run_ctx().pages_manager
        info = manager.get_pages()[manager.current_page_script_hash]
        return Path(info["script_path"]).relative_to(Path(manager.main_script_parent)).as_posix()
    except Exception:  # noqa: BLE001 - private API; stories then simply stay on the page
        return ""


def show_story_view(story: stories.Story, pos: int) -> None:
    """Switch to view `pos` of `story` (keeping language and presenter mode), on its page."""
    step = story.views[pos]
    view = controls.current_view()
    st.session_state.view = replace(step.view(), lang=view.lang, presenter=view.presenter)
    st.session_state.story_id, st.session_state.story_pos = story.id, pos
    st.session_state.playing = False
    if step.page and step.page != _current_page():
        st.switch_page(step.page)


def step_story(step: int) -> bool:
    """Move to the previous/next view of the active story — or, in a fresh session (a shared link),
    of the latest saved story, from the view matching the screen (↓ from elsewhere starts at its first
    view). False if there is no story to move in."""
    story, pos = _active_story()
    if story is None:
        saved = [s for s in stories.list_stories(user=current_user()) if s.views]
        if not saved:
            return False
        story = saved[-1]
        here = stories.view_params(controls.current_view())
        pos = next((i for i, v in enumerate(story.views) if v.params == here), -1 if step > 0 else 1)
    if not story.views:
        return False
    show_story_view(story, max(0, min(pos + step, len(story.views) - 1)))
    return True


def _default_title(store, lang: str) -> str:
    view = controls.current_view()
    name = store.catalog.loc[view.indicator, f"name_{lang}"] if view.indicator in store.catalog.index else ""
    where = t("brief.whole_country", lang)
    if view.scope:
        from components.data import region_label
        where = region_label(view.scope, lang)
    return " · ".join(str(x) for x in (name, where, view.year) if x)


def sidebar_tools(store, lang: str) -> None:
    """The sidebar panel: present, stories, briefing. Its widgets are sent only while it is open:
    closed (as every page opens), the browser has eight fewer widgets to load and draw."""
    tools = st.expander(t("pres.tools", lang), icon=":material/co_present:", key="pres-tools", on_change="rerun")
    if not tools.open:
        return
    with tools:
        if st.button(t("pres.start", lang), key="presenter-start", type="primary", icon=":material/slideshow:",
                     width="stretch", help=t("pres.start_help", lang)):
            controls.update_view(presenter=True)
            st.rerun()
        _story_tools(store, lang)
        st.divider()
        briefing_tools(store, lang)


def _pick_story() -> None:
    st.session_state.story_id, st.session_state.story_pos = st.session_state["story-select"], 0


def _story_tools(store, lang: str) -> None:
    saved = stories.list_stories(user=current_user())
    by_id = {s.id: s for s in saved}
    options = ["", *by_id]
    current = st.session_state.get("story_id", "")
    if current not in by_id:
        current = ""
    st.session_state["story-select"] = current            # the active story owns the widget, as in controls
    chosen = st.selectbox(t("pres.story", lang), options, key="story-select", on_change=_pick_story,
                          format_func=lambda i: by_id[i].title if i else t("pres.story_new", lang))
    default = _default_title(store, lang)
    if st.session_state.get("_story_default") != default:  # a new view proposes its own title
        st.session_state["_story_default"] = st.session_state["story-view-title"] = default
    view_title = st.text_input(t("pres.view_title", lang), key="story-view-title", max_chars=stories.MAX_TITLE)
    params = stories.view_params(controls.current_view())
    if not chosen:
        story_title = st.text_input(t("pres.story_title", lang), key="story-title", max_chars=stories.MAX_TITLE)
        if st.button(t("pres.story_create", lang), key="story-create", icon=":material/add:"):
            try:
                sid = stories.save_story(stories.make_story(story_title, [(view_title, params, _current_page())]),
                                         user=current_user())
            except stories.StoryError as err:
                st.error(str(err))
            else:
                st.session_state.story_id, st.session_state.story_pos = sid, 0
                st.rerun()
    else:
        story = by_id[chosen]
        pos = int(st.session_state.get("story_pos", 0))
        st.markdown("  \n".join(f"{'▸ ' if i == pos else ''}{i + 1}. {escape(v.title)}"
                                for i, v in enumerate(story.views)) or t("pres.story_empty", lang))
        cols = st.columns(2)
        if cols[0].button(t("pres.story_add", lang), key="story-add", icon=":material/add:"):
            try:
                stories.save_story(stories.make_story(story.title, [*story.views, (view_title, params,
                                                                                   _current_page())],
                                                      story.id, story.created_at), user=current_user())
            except stories.StoryError as err:
                st.error(str(err))
            else:
                st.session_state.story_pos = len(story.views)
                st.rerun()
        if story.views and cols[1].button(t("pres.story_play", lang), key="story-play", icon=":material/play_arrow:"):
            controls.update_view(presenter=True)
            show_story_view(story, 0)
            st.rerun()
        cols = st.columns(2)
        cols[0].download_button(t("pres.story_export", lang), stories.export_story(story),
                                file_name=f"{_file_name(story.title)}.story.json",
                                mime="application/json", key="story-export", icon=":material/download:",
                                on_click="ignore")
        if current_user().may_manage(story.extra.get("owner", "")):
            if cols[1].button(t("pres.story_delete", lang), key="story-delete", icon=":material/delete:"):
                stories.delete_story(story.id, user=current_user())
                st.session_state.pop("story_id", None)
                st.rerun()
            shared = story.extra.get("visibility") == "shared"
            if st.toggle(t("db.share", lang), value=shared, key=f"story-share-{story.id}") != shared:
                stories.share_story(story.id, not shared, user=current_user())
                st.rerun()
    upload = file_uploader(t("pres.story_import", lang), types=["json"], key="story-import", lang=lang)
    if upload is not None and st.session_state.get("_story_imported") != upload.file_id:
        st.session_state["_story_imported"] = upload.file_id
        try:
            sid = stories.save_story(stories.import_story(upload.getvalue()), user=current_user())
        except stories.StoryError as err:
            st.error(str(err))
        else:
            st.session_state.story_id, st.session_state.story_pos = sid, 0
            st.success(t("pres.story_imported", lang))
            st.rerun()


# ── briefing ─────────────────────────────────────────────────────────────────

def briefing_tools(store, lang: str) -> None:
    """Build the briefing of the current view (with progress), then offer HTML and PDF."""
    view = controls.current_view()
    wanted = stories.view_params(view)
    if st.button(t("pres.brief_build", lang), key="brief-build", icon=":material/description:",
                 help=t("pres.brief_help", lang)):
        st.session_state.briefing = build_briefing_files(store, view)
    done = st.session_state.get("briefing")
    if done and done["params"] == wanted and not done.get("html"):
        st.warning(done.get("error", ""))
    elif done and done["params"] == wanted:
        st.download_button(t("pres.brief_html", lang), done["html"], file_name=f"{done['name']}.html",
                           mime="text/html", key="brief-html", icon=":material/download:", on_click="ignore")
        if done.get("pdf"):
            st.download_button(t("pres.brief_pdf", lang), done["pdf"], file_name=f"{done['name']}.pdf",
                               mime="application/pdf", key="brief-pdf", icon=":material/download:",
                               on_click="ignore")
        elif done.get("error"):
            st.warning(done["error"])


def build_briefing_files(store, view) -> dict:
    """Build HTML and PDF for `view`, showing each step in an st.status."""
    from components import data
    from geo import boundaries
    from reports.briefing import briefing_html, briefing_pdf, build_briefing
    lang = view.lang
    with st.status(t("pres.brief_status", lang), expanded=True) as status:
        bar = st.progress(0.0, text=t("pres.brief_geometry", lang))
        geometry = boundaries.load_boundaries(view.level, "detail" if view.scope else "overview")
        where = data.region_label(view.scope, lang) if view.scope else t("brief.whole_country", lang)
        result = {"params": stories.view_params(view)}
        try:
            briefing = build_briefing(
                store, view, data.regions_in_view(view.level, view.scope), geometry,
                grouping=data.grouping(store, view.group, view.level),
                grouping_name=data.grouping_label(store, view.group, lang),
                maritime=data.maritime() if not view.scope else None, where=where,
                progress=lambda f, m: bar.progress(0.6 * f, text=m))
        except ValueError as err:
            status.update(label=str(err), state="error")
            return {**result, "error": str(err)}
        bar.progress(0.6, text=t("brief.p_html", lang))
        html = briefing_html(briefing)
        name = _file_name(f"{briefing.meta[f'name_{lang}']}_{where}_{briefing.year}")
        result.update(html=html.encode("utf-8"), name=name)
        bar.progress(0.7, text=t("brief.p_pdf", lang))
        try:
            result["pdf"] = briefing_pdf(html)
        except Exception as err:  # noqa: BLE001 - no Chromium: the HTML is still there
            result["error"] = t("pres.brief_pdf_failed", lang, error=str(err)[:200])
        bar.progress(1.0, text=t("brief.p_done", lang, pages="HTML + PDF" if "pdf" in result else "HTML"))
        status.update(label=t("brief.p_done", lang, pages="HTML + PDF" if "pdf" in result else "HTML"),
                      state="complete", expanded=False)
    return result
