"""Presenter stories: save/list/replace/delete round trip, export/import, validation messages."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from state import ViewState
from store import stories
from store.stories import StoryError, StoryView, make_story


def _story(title="广东卫生 2007–2016"):
    return make_story(title, [
        ("全国：每千人床位 2016", ViewState(indicator="beds_per_1000", year=2016).to_params()),
        ("广东各市", ViewState(level="city", scope="440000", indicator="beds_per_1000", year=2016,
                            presenter=True).to_params()),
    ])


def test_save_list_get_delete_round_trip(tmp_path):
    story = _story()
    sid = stories.save_story(story, root=tmp_path)
    assert sid.startswith("st_")
    listed = stories.list_stories(root=tmp_path)
    assert [s.id for s in listed] == [sid]
    got = stories.get_story(sid, root=tmp_path)
    assert got.title == "广东卫生 2007–2016"
    assert [v.title for v in got.views] == ["全国：每千人床位 2016", "广东各市"]
    # presenter mode is how a story is shown, not part of a step
    assert got.views[1].params == {"level": "city", "scope": "440000", "ind": "beds_per_1000", "year": "2016"}
    assert got.views[1].view() == ViewState(level="city", scope="440000", indicator="beds_per_1000", year=2016)
    stories.delete_story(sid, root=tmp_path)
    assert stories.list_stories(root=tmp_path) == []
    with pytest.raises(StoryError, match="No story"):
        stories.delete_story(sid, root=tmp_path)


def test_saving_with_an_id_replaces_that_story(tmp_path):
    sid = stories.save_story(_story("第一版"), root=tmp_path)
    other = stories.save_story(_story("另一个"), root=tmp_path)
    first = stories.get_story(sid, root=tmp_path)
    longer = make_story("第二版", [*first.views, StoryView("2010", {"year": "2010"})], sid, first.created_at)
    assert stories.save_story(longer, root=tmp_path) == sid
    listed = stories.list_stories(root=tmp_path)
    assert [s.id for s in listed] == [sid, other]
    assert listed[0].title == "第二版" and len(listed[0].views) == 3
    assert listed[0].created_at == first.created_at


def test_export_import_round_trip_drops_the_id():
    story = make_story("汇报", [("2016", {"ind": "beds_per_1000", "year": "2016"}),
                              ("差距", {"ind": "beds_per_1000"}, "views/gaps.py")], story_id="st_x")
    blob = stories.export_story(story)
    assert json.loads(blob)["format"] == "atlas-story"
    back = stories.import_story(blob)
    assert back.id == ""
    assert back.title == "汇报" and back.views == story.views
    assert [v.page for v in back.views] == ["", "views/gaps.py"]
    # numbers and booleans written by hand are accepted and normalised
    hand = json.dumps({"title": "t", "views": [{"title": "v", "params": {"year": 2012, "k": 7}}]})
    assert stories.import_story(hand).views[0].params == {"year": "2012", "k": "7"}


@pytest.mark.parametrize("blob, message", [
    (b"{not json", "Not valid JSON (line 1, column 2"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"[1, 2]", "must be a JSON object"),
    (json.dumps({"format": "other", "title": "t", "views": []}).encode(), "Not an atlas story file"),
    (json.dumps({"title": "t"}).encode(), "no 'views' list"),
    (json.dumps({"title": "", "views": []}).encode(), "The story has no title"),
    (json.dumps({"title": "t", "views": [{"title": "v", "params": {"zoom": "3"}}]}).encode(),
     "View 1 has unknown parameters: zoom"),
    (json.dumps({"title": "t", "views": [{"title": "ok", "params": {}},
                                         {"title": "v", "params": {"level": "village"}}]}).encode(),
     "View 2 has invalid values: level=village"),
    (json.dumps({"title": "t", "views": [{"title": "v", "params": {"year": [2010]}}]}).encode(),
     "text or numbers"),
    (json.dumps({"title": "t", "views": [{"params": {}}]}).encode(), "View 1 has no title"),
    (b" " * (stories.MAX_BYTES + 1), "larger than"),
    (json.dumps({"title": "t", "views": [{"title": "v", "params": {}, "page": "../app.py"}]}).encode(),
     "View 1 names an invalid page"),
])
def test_import_rejects_bad_files_with_a_clear_message(blob, message):
    with pytest.raises(StoryError) as err:
        stories.import_story(blob)
    assert message in str(err.value)
    assert " / " in str(err.value)  # Chinese first, then English


def test_a_corrupt_entry_is_skipped_not_fatal(tmp_path):
    sid = stories.save_story(_story(), root=tmp_path)
    path = tmp_path / stories.STORIES
    data = json.loads(path.read_text(encoding="utf-8"))
    data["stories"].append({"id": "bad", "title": "x", "views": [{"title": "v", "params": {"level": "moon"}}]})
    path.write_text(json.dumps(data), encoding="utf-8")
    assert [s.id for s in stories.list_stories(root=tmp_path)] == [sid]


def test_root_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path / "env-root"))
    stories.save_story(_story())
    assert (tmp_path / "env-root" / stories.STORIES).exists()


def test_a_writer_killed_mid_save_leaves_the_old_file(tmp_path):
    """Kill a process while it is inside the atomic write: stories.json is still the old, valid one."""
    sid = stories.save_story(_story("原来的"), root=tmp_path)
    before = (tmp_path / stories.STORIES).read_bytes()
    root = Path(__file__).resolve().parents[1]
    script = textwrap.dedent(f"""
        import os, store.saved as saved
        from store import stories
        real = os.replace
        def die(*a, **k):
            os._exit(9)          # the process dies after the temp file is written, before the rename
        saved.os.replace = die
        stories.save_story(stories.make_story("新的", []), root={str(tmp_path)!r})
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.returncode == 9
    assert (tmp_path / stories.STORIES).read_bytes() == before
    assert [s.id for s in stories.list_stories(root=tmp_path)] == [sid]
