"""The map page in AppTest: its summary cards are the metrics engine's numbers for the view, and the
URL it writes agrees with what it draws."""
import numpy as np

from figures.map_view import fmt
from metrics.inequality import coefficient_of_variation, gini, theil_decomposition
from store.model import load_store
from tests.apptest import open_page


def test_summary_cards_are_the_engines_numbers_for_beds_2016():
    store = load_store()
    values = store.values("beds_per_1000", "province", 2016).set_index("code")["value"]
    population = store.population("province", 2016)
    groups = store.grouping("nbs_four_regions").reindex(values.index)
    y = values.to_numpy(float)
    at = open_page("views/map.py", {"ind": "beds_per_1000", "year": "2016"})
    cards = {m.label: m.value for m in at.metric}
    weighted = float(np.dot(y, population.reindex(values.index)) / population.reindex(values.index).sum())
    assert len(y) == 31 and cards["平均值"] == fmt(y.mean()) and cards["人口加权平均"] == fmt(weighted)
    assert cards["变异系数"] == fmt(coefficient_of_variation(y), 3) and cards["基尼系数"] == fmt(gini(y), 3)
    theil = theil_decomposition(y, groups.to_numpy(object), index="T")
    assert cards["泰尔指数"] == fmt(theil.total, 3)
    assert any(f"{theil.between_share:.0%}" in c.value for c in at.caption)


def test_a_gap_to_target_link_without_a_target_writes_the_value_view_it_draws():
    at = open_page("views/map.py", {"ind": "beds_per_1000", "year": "2016", "mode": "gap_target"})
    assert at.session_state["view"].mode == "value"
    assert "mode" not in at.query_params                            # the URL says what the map shows
    assert at.selectbox(key="w_mode").value == "value"              # and so does the mode box
    assert any("没有量化目标" in c.value for c in at.caption)


def test_a_headline_extreme_that_rests_on_a_flagged_figure_says_so():
    # 2006 city education spending: 嘉峪关's 64.79 元 per person (8.4 × below 2007) is the lowest, a suspect jump
    at = open_page("views/map.py", {"level": "city", "ind": "edu_exp_pc", "year": "2006"})
    headline = next(m.value for m in at.markdown if m.value.startswith("### "))
    assert "嘉峪关市（⚑ 异常跳变） 最低" in headline, headline
    at = open_page("views/map.py", {"level": "city", "ind": "edu_exp_pc", "year": "2010", "lang": "en"})
    headline = next(m.value for m in at.markdown if m.value.startswith("### "))
    assert "⚑" not in headline, headline                                  # 2010: all yearbook figures
