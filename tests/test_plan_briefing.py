"""The scorecard's briefing: the scorecard's own numbers, every unit and target, a map, nothing requested, and a
user's text (plan title, target, departments, sources) only ever as text. Values typed here are test values."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from plans.model import bundled_plans, copy_plan, units_table
from plans.score import plan_values, scorecard
from reports.plan_briefing import findings, scorecard_html

BJ = next(p for p in bundled_plans() if p.id == "bj2018")
HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


@pytest.fixture(scope="module")
def card():
    """宝鸡's 12 county-level units in 2020: 全科医生 per 10,000 reported (test values) for 4 units."""
    plan = copy_plan(BJ, "bj_test", "宝鸡" + HOSTILE)
    plan.targets[0].lead = "卫健委" + HOSTILE
    gp = next(x for x in plan.targets if x.indicator == "gp_per_10k")
    codes = units_table(plan.scope_code, plan.level)["code"].tolist()
    reported = pd.DataFrame({"code": codes[:4], "year": 2020, "indicator": "gp_per_10k",
                             "value": [3.0, 2.0, 2.6, 1.0], "source": "测试填报" + HOSTILE, "round": 1})
    values = plan_values(plan, plan.level, codes, [2018, 2019, 2020], None, reported)
    return scorecard(plan, 2020, values, plan.scope_code, plan.level), gp


def test_the_findings_are_the_scorecards_numbers(card):
    card, gp = card
    tg = card.targets
    first, units = findings(card, "zh")
    n = tg["status"].value_counts()
    assert first == (f"{len(tg)} 项目标中 {card.evaluable()} 项可量化考核：达标 {n.get('met', 0)} 项，"
                     f"未达标 {n.get('not_met', 0)} 项，无数据 {n.get('no_data', 0)} 项。")
    ranked = card.units.dropna(subset=["share_met"]).sort_values("rank")
    assert len(ranked) == 4 and "12 个单位中 4 个有可考核的数据" in units
    assert units.index(ranked.iloc[0]["name"]) < units.index("最低")            # the leader first, the last after
    assert ranked.iloc[-1]["name"] in units.split("最低")[1]


def test_every_target_and_unit_is_listed_and_the_page_requests_nothing(card):
    card, _ = card
    html = scorecard_html(card, "zh")
    assert html.count("<script src") == 0 and "<link" not in html and "http://" not in html.split("<script>")[0]
    targets = html.split("<h2>")[2]                    # title, findings, targets, units, methods
    assert targets.count("<tr>") == len(card.targets) + 1
    units = html.split("<h2>")[3]
    assert units.count("<tr>") == len(card.units) + 1
    met = card.units.dropna(subset=["share_met"]).iloc[0]
    assert f"{int(met['met'])} / {int(met['scored'])}" in units and f"{met['share_met']:.0%}" in units
    assert "测试填报" in html and "不核实" in html


def test_a_users_text_is_text_in_the_briefing(card):
    card, _ = card
    html = scorecard_html(card, "en")
    visible = re.sub(r"<script>.*?</script>", "", html, flags=re.S)    # plotly.js and the figures' JSON aside
    assert "<img" not in visible and "alert(2)</script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in visible                # title, lead department, source: as text


def test_the_map_shows_the_units_by_share_met(card):
    from geo import boundaries
    card, _ = card
    html = scorecard_html(card, "zh", boundaries.load_boundaries("county", "detail"))
    assert html.count('class="plot"') == 1 and "var GEO={" in html
    assert html.count('"id":"610302"') == 1                               # the units' boundaries, written once
    assert '"id":"610100"' not in html                                    # and nothing beyond 宝鸡


def test_a_unit_with_nothing_scored_is_no_data_on_the_map_never_the_lowest_class(card):
    import numpy as np

    from figures.china_map import china_map
    from plans.map import share_met_layer
    card, _ = card
    layer = share_met_layer(card, "zh")
    scored = card.units["share_met"].notna().to_numpy()
    assert scored.sum() == 4 and np.isnan(layer.values[~scored]).all() and not np.isnan(layer.values[scored]).any()
    fig = china_map(layer, "x.json", national=False, bounds=(106, 33, 108, 35))
    grey = [tr for tr in fig.data if tr.name and tr.name.startswith("无数据")]
    assert len(grey) == 1 and len(grey[0].locations) == len(card.units) - 4
