"""Presenter stories: save/list/replace/delete round trip, export/import, validation messages."""
import json

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


def test_save_list_get_delete_round_trip(store_db):
    story = _story()
    sid = stories.save_story(story, root=store_db)
    assert sid.startswith("st_")
    listed = stories.list_stories(root=store_db)
    assert [s.id for s in listed] == [sid]
    got = stories.get_story(sid, root=store_db)
    assert got.title == "广东卫生 2007–2016"
    assert [v.title for v in got.views] == ["全国：每千人床位 2016", "广东各市"]
    # presenter mode is how a story is shown, not part of a step
    assert got.views[1].params == {"level": "city", "scope": "440000", "ind": "beds_per_1000", "year": "2016"}
    assert got.views[1].view() == ViewState(level="city", scope="440000", indicator="beds_per_1000", year=2016)
    stories.delete_story(sid, root=store_db)
    assert stories.list_stories(root=store_db) == []
    with pytest.raises(StoryError, match="No story"):
        stories.delete_story(sid, root=store_db)


def test_saving_with_an_id_replaces_that_story(store_db):
    sid = stories.save_story(_story("第一版"), root=store_db)
    other = stories.save_story(_story("另一个"), root=store_db)
    first = stories.get_story(sid, root=store_db)
    longer = make_story("第二版", [*first.views, StoryView("2010", {"year": "2010"})], sid, first.created_at)
    assert stories.save_story(longer, root=store_db) == sid
    listed = stories.list_stories(root=store_db)
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


def test_a_corrupt_entry_is_skipped_not_fatal(store_db):
    import sqlalchemy as sa
    from store import db as dbm
    sid = stories.save_story(_story(), root=store_db)
    bad = stories.save_story(_story("坏的"), root=store_db)
    with store_db.engine.begin() as conn:     # an entry that no longer validates (as if written by other code)
        conn.execute(sa.update(dbm.versions).where(dbm.versions.c.object_id == bad).values(
            meta=json.dumps({"id": bad, "title": "x", "views": [{"title": "v", "params": {"level": "moon"}}]})))
    assert [s.id for s in stories.list_stories(root=store_db)] == [sid]


def test_root_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path / "env-root"))
    monkeypatch.delenv("ATLAS_DATABASE_URL", raising=False)
    sid = stories.save_story(_story())
    assert (tmp_path / "env-root" / "atlas.db").exists()
    assert [s.id for s in stories.list_stories()] == [sid]


def test_a_story_is_private_until_shared_and_only_its_owner_changes_it(store_db):
    sid = stories.save_story(_story("甲的汇报"), root=store_db, user="alice")
    assert stories.list_stories(root=store_db, user="bob") == []
    with pytest.raises(StoryError, match="is available to you"):
        stories.get_story(sid, root=store_db, user="bob")
    with pytest.raises(StoryError):
        stories.share_story(sid, True, root=store_db, user="bob")
    stories.share_story(sid, True, root=store_db, user="alice")
    assert stories.get_story(sid, root=store_db, user="bob").title == "甲的汇报"
    for attempt in (lambda: stories.delete_story(sid, root=store_db, user="bob"),
                    lambda: stories.save_story(make_story("乙改的", [], sid), root=store_db, user="bob")):
        with pytest.raises(StoryError):
            attempt()
    assert stories.get_story(sid, root=store_db, user="alice").title == "甲的汇报"
