"""Stories in the sidebar: save the current view into a story, step through its views (presenter mode's
↑/↓ too), export and import a story as JSON."""
from __future__ import annotations

from dataclasses import replace
from html import escape

import streamlit as st

from components import controls
from components.identity import current_user, share_control
from components.importer import file_uploader
from figures.export import safe_filename
from i18n import t
from store import stories
from components.importer import table_text
from store.messages import in_lang


def active_story():
    """The story being shown and the position in it, or (None, 0)."""
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
    story, pos = active_story()
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




def _pick_story() -> None:
    st.session_state.story_id, st.session_state.story_pos = st.session_state["story-select"], 0


def story_tools(store, lang: str) -> None:
    """Choose or start a story, add the current view, play it from its start, export, delete or import."""
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
                st.error(table_text(in_lang(err, lang)))
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
                st.error(table_text(in_lang(err, lang)))
            else:
                st.session_state.story_pos = len(story.views)
                st.rerun()
        if story.views and cols[1].button(t("pres.story_play", lang), key="story-play", icon=":material/play_arrow:"):
            controls.update_view(presenter=True)
            show_story_view(story, 0)
            st.rerun()
        cols = st.columns(2)
        cols[0].download_button(t("pres.story_export", lang), stories.export_story(story),
                                file_name=f"{safe_filename(story.title)}.story.json",
                                mime="application/json", key="story-export", icon=":material/download:",
                                on_click="ignore")
        if current_user().may_manage(story.extra.get("owner", "")):
            if cols[1].button(t("pres.story_delete", lang), key="story-delete", icon=":material/delete:"):
                stories.delete_story(story.id, user=current_user())
                st.session_state.pop("story_id", None)
                st.rerun()
            shared = share_control(st, story.extra.get("visibility", "private"), f"story-share-{story.id}", lang)
            if shared is not None:
                stories.share_story(story.id, shared, user=current_user())
                st.rerun()
    upload = file_uploader(t("pres.story_import", lang), types=["json"], key="story-import", lang=lang)
    if upload is not None and st.session_state.get("_story_imported") != upload.file_id:
        st.session_state["_story_imported"] = upload.file_id
        try:
            sid = stories.save_story(stories.import_story(upload.getvalue()), user=current_user())
        except stories.StoryError as err:
            st.error(table_text(in_lang(err, lang)))
        else:
            st.session_state.story_id, st.session_state.story_pos = sid, 0
            st.success(t("pres.story_imported", lang))
            st.rerun()
