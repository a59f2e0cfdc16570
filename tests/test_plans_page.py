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
