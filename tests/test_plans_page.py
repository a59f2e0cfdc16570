"""The Plans page runs in both languages on the bundled data, lists the plan's targets and draws its map."""
from tests.apptest import figures, open_page


def test_plans_page_in_english_and_chinese():
    at = open_page("views/plans.py", {"lang": "en"})
    assert at.title[0].value == "Plan monitoring: collect, check, score"
    assert any("of 14 targets can be scored" in m.value for m in at.markdown)
    maps = [f for f in figures(at) if any(tr.get("type") == "choropleth" for tr in f["data"])]
    assert maps, "the scorecard map is drawn"
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
    assert any("nd_mine · 用户方案" in o for o in at.selectbox[0].options)
