"""Presenter mode, stories and keys in AppTest on the map page with the bundled NBS figures."""
from pathlib import Path

import pytest

from tests.apptest import figures as _figures

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
needs_bundle = pytest.mark.skipif(not (ROOT / "data" / "bundled" / "observations.parquet").exists(),
                                  reason="bundled observations not built yet (python -m store.build)")


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path))
    return tmp_path


def _map(params: dict, tools: bool = False):
    """The map page; `tools`: with the sidebar's 演示与汇报 panel open (its widgets exist only then)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(params)
    if tools:
        at.session_state["pres-tools"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _presenter_css(at) -> bool:
    return any("stSidebar" in h.proto.body and "display: none" in h.proto.body for h in at.get("html"))


@needs_bundle
def test_a_link_with_present_1_opens_the_slide_with_the_finding_as_title():
    at = _map({"ind": "beds_per_1000", "year": "2016", "present": "1"})
    assert _presenter_css(at)                                   # sidebar and the rest of the page hidden
    slide = _figures(at)[0]
    title = slide["layout"]["title"]
    assert title["font"]["size"] == 30                          # large type for a shared 1080p screen
    assert "新疆维吾尔自治区" in title["text"] and "6.543" in title["text"] and "2016" in title["text"]
    source = slide["layout"]["annotations"][-1]["text"]
    assert source.startswith("来源：") and "张/千人" in source
    assert len(_figures(at)) == 1                               # one figure per view: the ranking bar is not drawn
    assert at.query_params["present"] in ("1", ["1"])


@needs_bundle
def test_normal_mode_keeps_the_page_and_the_start_button_enters_presenter_mode():
    at = _map({"ind": "beds_per_1000", "year": "2016"})
    assert "presenter-start" not in [b.key for b in at.button]       # the closed panel sends no widgets
    at = _map({"ind": "beds_per_1000", "year": "2016"}, tools=True)
    assert not _presenter_css(at)
    assert len(_figures(at)) >= 2 and "title" not in _figures(at)[0]["layout"]
    at.button(key="presenter-start").click().run()
    assert at.session_state["view"].presenter
    assert at.query_params["present"] in ("1", ["1"])
    assert _presenter_css(at)


@needs_bundle
def test_a_story_is_saved_from_the_sidebar_and_stepped_with_the_arrow_keys(user_data):
    from components import presenter  # noqa: F401  (the component registers on import)
    from store import stories
    at = _map({"ind": "beds_per_1000", "year": "2016"}, tools=True)
    at.text_input(key="story-title").input("床位十年")
    at.button(key="story-create").click().run()
    assert not at.exception
    [story] = stories.list_stories(user_data)
    assert story.title == "床位十年" and story.views[0].params == {"ind": "beds_per_1000", "year": "2016"}
    assert story.views[0].page == "views/map.py"
    # a second view: 2012, added to the same story
    at.session_state["view"] = at.session_state["view"].__class__(indicator="beds_per_1000", year=2012)
    at.run()
    at.button(key="story-add").click().run()
    story = stories.get_story(story.id, user_data)
    assert [v.params["year"] for v in story.views] == ["2016", "2012"]
    assert story.views[1].title.endswith("2012")
    # present from the start
    at.button(key="story-play").click().run()
    assert at.session_state["view"].year == 2016 and at.session_state["view"].presenter
    assert "视图 1/2" in " ".join(m.value for m in at.markdown)


def _keys_app(actions: list[str], story_id: str = ""):
    """The keys as the browser component reports them (AppTest cannot run its JavaScript)."""
    from streamlit.testing.v1 import AppTest

    def script(actions, story_id):
        import streamlit as st

        from components import controls, presenter
        from state import ViewState
        if "view" not in st.session_state:
            st.session_state.view = ViewState(indicator="beds_per_1000", year=2016, presenter=True)
            st.session_state.story_id, st.session_state.story_pos = story_id, 0
            st.session_state.log = []
        for action in actions:
            changed = presenter.apply_key(action)
            view = controls.current_view()
            st.session_state.log.append((action, changed, view.year, view.presenter,
                                         st.session_state.get("playing", False)))

    at = AppTest.from_function(script, args=(actions, story_id), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state["log"]


@needs_bundle
def test_arrow_keys_step_the_years_with_data_and_space_plays():
    log = _keys_app(["prev_year", "prev_year", "prev_year", "next_year", "play", "play", "exit"])
    # beds: 2016, 2015, 2014 … 2010, 2008 (2009 is not published)
    assert [entry[2] for entry in log[:4]] == [2015, 2014, 2013, 2014]
    assert [entry[4] for entry in log[4:6]] == [True, False]
    assert log[-1][3] is False                                   # Esc leaves presenter mode


@needs_bundle
def test_up_down_step_through_the_active_story(user_data):
    from store import stories
    sid = stories.save_story(stories.make_story("t", [("a", {"ind": "beds_per_1000", "year": "2016"}),
                                                      ("b", {"ind": "beds_per_1000", "year": "2010"}),
                                                      ("c", {"ind": "beds_per_1000", "year": "2012"})]))
    log = _keys_app(["next_view", "next_view", "next_view", "prev_view"], sid)
    assert [entry[2] for entry in log] == [2010, 2012, 2012, 2010]
    assert all(entry[3] for entry in log)                         # still presenting
    # a fresh session (a shared link) steps through the latest story, from the view on screen (2016 = "a")
    assert [entry[2] for entry in _keys_app(["next_view", "next_view"])] == [2010, 2012]


@needs_bundle
def test_no_story_no_step():
    assert _keys_app(["next_view"])[0][1] is False               # nothing saved: nothing to step


def test_key_class_matches_streamlits():
    from components.figure_export import key_class
    assert key_class("map-province-") == "st-key-map-province-"
    assert key_class(" map/city 44 ") == "st-key-map-city-44"


@needs_bundle
def test_briefing_button_explains_a_level_without_data():
    at = _map({"level": "county"}, tools=True)
    at.button(key="brief-build").click().run()
    assert not at.exception
    assert any("县级还没有指标数据" in w.value for w in at.warning)
    assert not any(b.proto.label.startswith("下载简报") for b in at.get("download_button"))
