"""The Plans page runs in both languages on the bundled data, lists the plan's targets and draws its map."""
import pytest

from tests.apptest import figures, open_page


def test_plans_page_in_english_and_chinese():
    at = open_page("views/plans.py", {"lang": "en"})
    assert at.title[0].value == "Plan monitoring: collect, check, score"
    assert any("of 14 targets can be scored" in m.value for m in at.markdown)
    maps = [f for f in figures(at) if any(tr.get("type") == "choropleth" for tr in f["data"])]
    assert maps, "the scorecard map is drawn"
    # before any file comes back: steps 1–3 and the scorecard as step 4 (progress and diff need files)
    assert [h.value for h in at.subheader] == ["1. Reporting units and years", "2. Download the workbook",
                                                "3. Upload the returned files (several at once)", "4. Scorecard"]
    # nd2013 has per-unit targets but no unit figures yet: the blank map says so, not "no per-unit target"
    assert "No unit has figures for its per-unit targets in 2015 yet" in " ".join(c.value for c in at.caption)
    at = open_page("views/plans.py")
    assert at.title[0].value.startswith("规划监测")
    assert at.selectbox[0].value == "nd2013" and len(at.selectbox[0].options) == 6


def test_copy_a_bundled_plan_and_save_it(tmp_path, monkeypatch):
    from plans import storage
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path))
    at = open_page("views/plans.py")
    form_inputs = {w.label: w for w in at.text_input}
    form_inputs["新方案编号（字母、数字、-、_）"].set_value("nd_mine")
    form_inputs["方案名称"].set_value("<b>宁德</b> 2016 监测")
    next(b for b in at.button if b.label == "保存方案").click()
    at.run()
    assert any("已保存方案 nd_mine" in s.value for s in at.success)
    mine = storage.get_plan("nd_mine", tmp_path)
    assert mine.title == "<b>宁德</b> 2016 监测" and mine.based_on == "nd2013" and len(mine.targets) == 14
    at = open_page("views/plans.py")
    assert any("nd_mine · 我的方案·仅自己可见" in o for o in at.selectbox[0].options)


def test_another_users_plan_is_seen_only_when_shared_and_only_copied(tmp_path, monkeypatch):
    from components import identity
    from plans import storage
    from plans.model import bundled_plans, copy_plan
    from store.identity import User
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path))
    theirs = copy_plan(next(p for p in bundled_plans() if p.id == "bj2018"), "alice_bj", "宝鸡监测（alice）")
    storage.save_plan(theirs, tmp_path, user="alice")
    monkeypatch.setattr(identity, "current_user", lambda: User("bob", False, "header"))
    at = open_page("views/plans.py")
    assert not any("alice_bj" in o for o in at.selectbox[0].options)          # private: not even its name
    theirs.shared = True
    storage.save_plan(theirs, tmp_path, user="alice")
    at = open_page("views/plans.py")
    assert any("alice_bj · alice 共享的方案" in o for o in at.selectbox[0].options)
    at.selectbox[0].set_value("alice_bj").run()
    assert not [b for b in at.button if b.label == "删除此用户方案"]              # bob may not delete it
    assert {w.label: w for w in at.text_input}["新方案编号（字母、数字、-、_）"].value == "alice_bj_copy"



def test_the_scorecard_briefing_is_built_on_request_as_html_and_pdf(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path))
    at = open_page("views/plans.py")
    assert not [d for d in at.get("download_button") if "简报" in d.proto.label]
    next(b for b in at.button if b.label == "生成考核简报（HTML 和 PDF）").click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [d.proto.label for d in at.get("download_button")]
    assert "下载考核简报（HTML）" in labels and "下载考核简报（PDF）" in labels, labels


def test_a_city_plans_map_is_framed_on_its_units_not_the_province(tmp_path, monkeypatch):
    """宝鸡's plan (bj2018, its 12 counties): the scorecard map spans 宝鸡, not all of 陕西 (seen as a speck)."""
    from geo import boundaries
    from plans.model import units_table
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path))
    at = open_page("views/plans.py")
    at.selectbox[0].set_value("bj2018").run()
    geo = next(f for f in figures(at) if any(tr.get("type") == "choropleth" for tr in f["data"]))["layout"]["geo"]
    minx, miny, maxx, maxy = boundaries.bounds("county", "610000", tuple(units_table("610300", "county")["code"]))
    assert geo["lonaxis"]["range"] == pytest.approx([minx - 0.03 * (maxx - minx), maxx + 0.03 * (maxx - minx)])
    assert geo["lataxis"]["range"] == pytest.approx([miny - 0.03 * (maxy - miny), maxy + 0.03 * (maxy - miny)])
    sx0, sy0, sx1, sy1 = boundaries.bounds("province", "610000")
    assert (maxx - minx) < 0.5 * (sx1 - sx0) and (maxy - miny) < 0.5 * (sy1 - sy0)   # much tighter than 陕西
