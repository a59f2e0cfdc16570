"""Plans: bundled targets, the workbook out and back, bad input, rounds with a diff, the scorecard, the CLI.

Values typed into workbooks here are test values (labelled as such in 备注), not statistics.
"""
from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import load_workbook

from plans import storage
from plans.model import Plan, Target, bundled_plans, check_plan, copy_plan, units_table
from plans.score import export_xlsx, plan_values, scorecard
from store.messages import in_lang
from plans.workbook import (
    FORM_SHEET,
    GUIDE_SHEET,
    diff,
    read_returns,
    template,
    template_csv,
)
from store.model import load_store

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
PLANS = {p.id: p for p in bundled_plans()}
BJ = PLANS["bj2018"]


@pytest.fixture(scope="module")
def store():
    return load_store()


def fill(xlsx: bytes, values: dict, note: str = "测试数据") -> bytes:
    """Type test values into the 填报 sheet: {(code, year, header name): value}."""
    wb = load_workbook(io.BytesIO(xlsx))
    ws = wb[FORM_SHEET]
    header = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    for row in range(5, ws.max_row + 1):
        key = (ws.cell(row, 1).value, ws.cell(row, 3).value)
        for (code, year, name), v in values.items():
            if (code, year) == key:
                ws.cell(row, header[name]).value = v
                ws.cell(row, header["备注"]).value = note
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_one_catalog_entry_per_indicator_and_every_bundled_plan_makes_its_workbook():
    from plans.model import catalog
    cat = catalog()
    assert cat.index.is_unique, sorted(cat.index[cat.index.duplicated()])   # a plan target uses the bundled id
    assert cat.loc["doctors_per_1000", "source"] != "plan_returns"              # the NBS series, not a stand-in
    for plan in bundled_plans():                   # each workbook opens (the national plan's crashed on a twin id)
        codes = units_table(plan.scope_code, plan.level)["code"]
        wb = load_workbook(io.BytesIO(template(plan, plan.scope_code, plan.level, [plan.period_end or 2020])))
        assert wb[FORM_SHEET].max_row >= len(codes), plan.id


def test_every_seed_target_is_in_a_plan_with_its_kind():
    targets = pd.read_csv(ROOT / "data/bundled/targets.csv", dtype=str)
    ids = {t.id: t for p in PLANS.values() for t in p.targets}
    assert set(targets["id"]) <= set(ids)                       # all 82 quantified targets
    assert len(PLANS) == 6 and PLANS["cq2015"].targets == []    # 重庆 2015 has no quantified target
    assert [t.kind for t in PLANS["cn14fyp"].targets].count("qualitative") == 2
    assert ids["nd01"].kind == "share_of_units" and ids["cn14"].kind == "plan_total"
    assert ids["gd01"].kind == "spread" and ids["gd01"].lead == "省财政部门"
    assert ids["nd09"].lead == "市民政局" and "财政局" in ids["nd09"].partners   # 宁德's 分工 table
    assert ids["xm03"].indicator == "beds_per_1000"                           # shared with the bundled catalog
    assert ids["nd13"].indicator == ids["xm41"].indicator == ids["cn18"].indicator == "sports_area_pc"
    assert all(check_plan(p) == [] for p in PLANS.values())


def test_units_of_a_scope():
    assert len(units_table("610300", "county")) == 12
    assert len(units_table("440000", "city")) == 21
    assert len(units_table("100000", "province")) == 31


def test_template_layout_protection_and_prefill(store):
    xlsx = template(PLANS["gd2019"], "440000", "city", [2017, 2018], store=store)
    wb = load_workbook(io.BytesIO(xlsx))
    assert wb.sheetnames == [GUIDE_SHEET, FORM_SHEET]
    ws = wb[FORM_SHEET]
    assert ws.protection.sheet
    assert [ws.cell(2, c).value for c in (1, 2, 3)] == ["地区代码", "地区名称", "年份"]
    assert ws.max_row == 4 + 21 * 2
    header = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    edu = header["人均地方财政教育支出"]
    assert ws.cell(3, edu).value == "单位：元/人" and ws.cell(4, edu).value == "目标：≤30%（2020年）"
    gz = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "440100" and ws.cell(r, 3).value == 2018)
    want = store.values("edu_exp_pc", "city", 2018).set_index("code").loc["440100", "value"]
    assert ws.cell(gz, edu).value == pytest.approx(want)          # bundled figure pre-filled …
    assert ws.cell(gz, edu).fill.fgColor.rgb.endswith("DDEBF7")    # … and shaded
    assert "已预填" in ws.cell(gz, header["备注"]).value
    assert ws.cell(gz, 1).protection.locked and not ws.cell(gz, edu).protection.locked
    assert ws.data_validations.dataValidation[0].type == "decimal"
    assert "gd2019" in [c.value for c in wb[GUIDE_SHEET]["B"]]
    csv = template_csv(PLANS["gd2019"], "440000", "city", [2018], store=store).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("地区代码,地区名称,年份,人均基本公共服务支出（元/人）")


def test_round_trip_scores_every_bj_target():
    xlsx = template(BJ, "610300", "county", [2019, 2020])
    codes = units_table("610300", "county")["code"].tolist()
    vals = {}
    for k, code in enumerate(codes):
        vals[(code, 2019, "每万人口全科医生数")] = 2.0 + 0.05 * k
        vals[(code, 2020, "每万人口全科医生数")] = 2.2 + 0.05 * k      # 610302: 2.2 < 2.5, 610331: 2.75 ≥ 2.5
        for name in ("达到省级示范标准的普通高中比例", "社会保障卡持卡人口覆盖率", "农村卫生厕所普及率",
                     "基层医疗卫生机构标准化达标率", "土地出让收益用于保障性安居工程的比例"):
            vals[(code, 2020, name)] = 90.0
        vals[(code, 2020, "中等职业学校在校生规模")] = 0.4
    rnd = read_returns(BJ, [("bj.xlsx", fill(xlsx, vals))], years=[2019, 2020])
    assert rnd.errors == [] and rnd.pending() == []
    rep = rnd.column_report()
    assert (rep["used"] + rep["skipped"] + rep["rejected"] == rep["input"]).all()
    assert rep.set_index("indicator").loc["gp_per_10k", "used"] == 24
    assert (rnd.progress["status"] == "partial").all()             # 2019 has only one of 7 indicators
    card = scorecard(BJ, 2020, plan_values(BJ, "county", codes, [2019, 2020], None, rnd.observations.assign(
        source="test", round=1)))
    t = card.targets.set_index("target")
    assert card.evaluable() == 7 and (t["status"] != "no_data").all()
    assert t.loc["bj02", "plan_value"] == pytest.approx(4.8) and t.loc["bj02", "status"] == "met"  # 12 × 0.4 万人
    assert t.loc["bj01", "status"] == "met" and t.loc["bj04", "status"] == "met"
    assert t.loc["bj05", "status"] == "not_met"                    # 90 < 95
    gp = card.cells[card.cells["target"] == "bj06"].set_index("code")
    assert gp.loc["610302", "status"] == "not_met" and gp.loc["610331", "status"] == "met"
    assert gp.loc["610302", "gap"] == pytest.approx(-0.3)
    assert t.loc["bj06", "share_units_met"] == pytest.approx(6 / 12)  # 2.50 … 2.75 meet: k = 6 … 11
    assert gp.loc["610329", "on_pace"] is True or gp.loc["610329", "on_pace"] == True
    u = card.units.set_index("code")
    assert u.loc["610331", "share_met"] == pytest.approx(5 / 6) and u.loc["610331", "rank"] == 1
    out = load_workbook(io.BytesIO(export_xlsx(card)))
    assert set(out.sheetnames) == {"说明", "单位排名", "目标", "明细"}


def test_on_pace_from_recent_trend():
    t = Target("x", "gp_per_10k", "per_unit", "gp", ">=", 2.5, "名", 2020)
    plan = Plan("p", "test", scope_code="610300", level="county", period_end=2020, targets=[t])
    codes = units_table("610300", "county")["code"].tolist()
    v = pd.DataFrame({"code": ["610302"] * 2 + ["610303"] * 2, "year": [2017, 2018] * 2,
                      "indicator": "gp_per_10k", "value": [2.0, 2.2, 2.0, 2.05], "source": "test", "round": 1})
    cells = scorecard(plan, 2018, plan_values(plan, "county", codes, [2017, 2018], None, v)).cells.set_index("code")
    assert cells.loc["610302", "on_pace"] == True
    assert cells.loc["610303", "on_pace"] == False


def test_bad_input_named_by_row_and_column():
    xlsx = template(BJ, "610300", "county", [2020])
    wb = load_workbook(io.BytesIO(xlsx))
    ws = wb[FORM_SHEET]
    ws.title = "Sheet1"                                          # renamed sheet
    ws.protection.sheet = False
    col = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    gp, card = col["每万人口全科医生数"], col["社会保障卡持卡人口覆盖率"]
    ws.cell(5, gp).value = "2,5"                                 # not a figure: rejected
    ws.cell(6, gp).value = "2.6名/万人"                           # the column's own unit: kept
    ws.cell(7, gp).value = "1,234"                               # thousands separator: kept
    ws.cell(8, gp).value = "很多"                                 # text: rejected
    ws.append(["999999", "外星县", 2020, *[None] * (ws.max_column - 3)])   # not a unit of the plan
    ws.append(["", "合计", 2020, *[None] * (ws.max_column - 3)])         # totals row: skipped
    ws.cell(2, card).value = "社保卡持卡人口覆盖率"                  # renamed column: a close match to confirm
    buf = io.BytesIO()
    wb.save(buf)
    rnd = read_returns(BJ, [("bad.xlsx", buf.getvalue())], years=[2020])
    c = rnd.cells[rnd.cells["indicator"] == "gp_per_10k"].set_index("row")
    assert c.loc[5, "reason"] == "bad_value" and c.loc[8, "reason"] == "bad_value"
    assert c.loc[6, "outcome"] == "used" and c.loc[7, "outcome"] == "used"
    assert c.loc[17, "reason"] == "not_a_unit" and "外星县" in c.loc[17, "detail"]
    assert in_lang(c.loc[17, "detail"], "en") == "外星县 is not a unit of this plan"         # the page's language
    assert in_lang(c.loc[18, "detail"], "zh") == "汇总行，不是填报单位"
    assert in_lang(c.loc[5, "detail"], "zh").startswith("“") and "不是数字" in in_lang(c.loc[5, "detail"], "zh")
    assert c.loc[18, "outcome"] == "skipped" and c.loc[18, "reason"] == "summary_row"
    obs = rnd.observations.set_index(["code", "indicator"])["value"]
    assert obs[("610303", "gp_per_10k")] == 2.6 and obs[("610304", "gp_per_10k")] == 1234
    pending = rnd.pending()
    assert [(m.column.split(" / ")[0], m.indicator) for m in pending] == [
        ("社保卡持卡人口覆盖率", "social_security_card_coverage")]
    assert "social_security_card_coverage" not in set(rnd.observations["indicator"])   # never guessed silently
    confirmed = {(pending[0].file, pending[0].column): "social_security_card_coverage"}
    rnd2 = read_returns(BJ, [("bad.xlsx", buf.getvalue())], years=[2020], confirmed=confirmed)
    assert rnd2.pending() == [] and rnd2.column_report().set_index("indicator").loc[
        "social_security_card_coverage", "input"] == 14


def test_ten_thousands_column_converted_after_confirmation():
    csv = "地区代码,地区名称,年份,中等职业学校在校生规模（人）\n610302,渭滨区,2020,4000\n".encode()
    rnd = read_returns(BJ, [("wan.csv", csv)], years=[2020])
    m = rnd.pending()[0]
    assert m.indicator == "vocational_enrolment" and m.factor == pytest.approx(1e-4)
    rnd = read_returns(BJ, [("wan.csv", csv)], years=[2020], confirmed={(m.file, m.column): m.indicator})
    assert rnd.observations["value"].tolist() == [pytest.approx(0.4)]


def test_several_files_merge_with_conflicts_and_progress():
    a = "地区代码,地区名称,年份,每万人口全科医生数（名/万人）\n610302,渭滨区,2020,2.6\n610303,金台区,2020,2.1\n"
    b = "地区代码,地区名称,年份,每万人口全科医生数（名/万人）\n610303,金台区,2020,2.4\n610304,陈仓区,2020,2.5\n" \
        "610304,陈仓区,2020,2.9\n"
    rnd = read_returns(BJ, [("a.csv", a.encode()), ("b.csv", b.encode())], years=[2020])
    p = rnd.progress.set_index("code")["status"]
    assert p["610303"] == "conflicting" and p["610302"] == "partial" and p["610322"] == "missing"
    assert sorted(rnd.conflicts["value"]) == [2.1, 2.4]
    assert "610303" not in set(rnd.observations["code"])           # conflicting figures wait for a fix
    dup = rnd.cells[(rnd.cells["file"] == "b.csv") & (rnd.cells["reason"] == "duplicate_in_file")]
    assert len(dup) == 1 and "row 3" in dup.iloc[0]["detail"]
    assert in_lang(dup.iloc[0]["detail"], "zh") == "与第 3 行重复（保留第一行）"


def test_refusals_empty_other_plan_wrong_year():
    other = template(PLANS["gd2019"], "440000", "city", [2018])
    wrong = read_returns(BJ, [("gd.xlsx", other)]).errors[0]
    assert in_lang(wrong, "en") == "gd.xlsx is a workbook of plan gd2019, not of this plan (bj2018)."
    assert in_lang(wrong, "zh") == "“gd.xlsx”是方案 gd2019 的填报表，不是本方案（bj2018）的。"
    assert read_returns(BJ, [("empty.csv", b"")]).errors
    assert read_returns(BJ, []).errors
    csv = "地区代码,年份,每万人口全科医生数（名/万人）\n610302,2016,2.6\n".encode()
    rnd = read_returns(BJ, [("old.csv", csv)], years=[2020])
    assert rnd.cells.iloc[0]["reason"] == "year_not_in_round" and not len(rnd.observations)


def test_rounds_are_kept_and_diffed(tmp_path):
    codes = ["610302", "610303"]
    r1 = pd.DataFrame({"code": codes, "year": 2020, "indicator": "gp_per_10k", "value": [2.6, 2.1]})
    ds1, n1 = storage.save_round(BJ, r1, "county", root=tmp_path)
    r2 = pd.DataFrame({"code": codes + ["610304"], "year": 2020, "indicator": "gp_per_10k",
                       "value": [2.6, 2.3, 2.5]})
    d = diff(r2, storage.latest(storage.rounds(BJ.id, tmp_path))).set_index("code")
    assert d.loc["610302", "change"] == "unchanged" and d.loc["610304", "change"] == "new"
    assert d.loc["610303", "change"] == "changed" and (d.loc["610303", "old"], d.loc["610303", "new"]) == (2.1, 2.3)
    ds2, n2 = storage.save_round(BJ, r2, "county", root=tmp_path)
    assert (n1, n2) == (1, 2) and ds1 == ds2             # the second round is the dataset's next version
    allr = storage.rounds(BJ.id, tmp_path)
    assert len(allr[allr["round"] == 1]) == 2                       # the first round stays retrievable
    assert storage.latest(allr).set_index("code").loc["610303", "value"] == 2.3


def test_a_round_belongs_to_who_saved_it(tmp_path):
    from store import saved
    r1 = pd.DataFrame({"code": ["610302"], "year": 2020, "indicator": "gp_per_10k", "value": [2.6]})
    ds, n = storage.save_round(BJ, r1, "county", root=tmp_path, user="alice")
    assert storage.rounds(BJ.id, tmp_path, user="alice")["value"].tolist() == [2.6]
    assert not len(storage.rounds(BJ.id, tmp_path, user="bob"))          # private until alice shares it
    saved.share_dataset(ds, True, root=tmp_path, user="alice")
    assert storage.rounds(BJ.id, tmp_path, user="bob")["value"].tolist() == [2.6]
    assert saved.list_datasets(root=tmp_path, user="bob").set_index("id").loc[ds, "owner"] == "alice"


def test_user_plan_copy_save_refuse(tmp_path):
    mine = copy_plan(BJ, "my_bj", "宝鸡 2021 监测")
    mine.targets[5].value = 3.0
    storage.save_plan(mine, tmp_path)
    assert storage.get_plan("my_bj", tmp_path).targets[5].value == 3.0
    assert storage.get_plan("bj2018", tmp_path).targets[5].value == 2.5   # the bundled plan is untouched
    with pytest.raises(Exception, match="bj2018"):
        storage.save_plan(BJ, tmp_path)
    bad = copy_plan(BJ, "bad1")
    bad.targets[0].indicator = "no_such"
    with pytest.raises(Exception, match="no_such"):
        storage.save_plan(bad, tmp_path)


def test_a_user_plan_is_its_owners_until_shared_and_only_they_change_it(tmp_path):
    from store.identity import User
    mine = copy_plan(BJ, "alice_bj", "宝鸡 2021 监测（alice）")
    storage.save_plan(mine, tmp_path, user="alice")
    ids = lambda who: {p.id for p in storage.list_plans(tmp_path, user=who)}     # noqa: E731
    assert "alice_bj" in ids("alice") and "alice_bj" not in ids("bob")           # private
    with pytest.raises(Exception, match="无权查看"):
        storage.get_plan("alice_bj", tmp_path, user="bob")
    with pytest.raises(Exception, match="taken"):                                # bob cannot take over the id
        storage.save_plan(copy_plan(BJ, "alice_bj", "bob's"), tmp_path, user="bob")
    mine.shared = True
    mine.targets[5].value = 3.0
    storage.save_plan(mine, tmp_path, user="alice")                               # a new version, now shared
    seen = storage.get_plan("alice_bj", tmp_path, user="bob")
    assert seen.owner == "alice" and seen.shared and seen.targets[5].value == 3.0
    with pytest.raises(Exception, match="taken"):
        storage.save_plan(copy_plan(seen, "alice_bj", "bob's"), tmp_path, user="bob")
    with pytest.raises(Exception, match="Only its owner"):
        storage.delete_plan("alice_bj", tmp_path, user="bob")
    from store import db as dbm
    db = dbm.connect(tmp_path)
    row = next(r for r in db.list("plan", User("alice")) if r.name == "alice_bj")
    assert [v.version for v in db.history(row.id, User("alice"))] == [1, 2]       # the first save is kept
    storage.delete_plan("alice_bj", tmp_path, user=User("li", is_admin=True))
    assert "alice_bj" not in ids("alice")
    storage.save_plan(copy_plan(BJ, "alice_bj", "bob's"), tmp_path, user="bob")   # a deleted plan's id is free


def test_a_plan_shared_with_a_group_reaches_its_members_only(tmp_path):
    from store.identity import User
    alice, bob, carol = (User(n, groups=frozenset(g)) for n, g in (("alice", {"宝鸡市卫健局"}),
                                                                   ("bob", {"宝鸡市卫健局"}), ("carol", ())))
    mine = copy_plan(BJ, "bj_group", "宝鸡 2021 监测（组内）")
    mine.shared = "教育局"
    with pytest.raises(ValueError):                         # only a group of one's own
        storage.save_plan(mine, tmp_path, user=alice)
    mine.shared = "宝鸡市卫健局"
    storage.save_plan(mine, tmp_path, user=alice)
    assert storage.get_plan("bj_group", tmp_path, user=bob).shared == "宝鸡市卫健局"
    assert "bj_group" not in {p.id for p in storage.list_plans(tmp_path, user=carol)}
    with pytest.raises(Exception, match="无权查看"):
        storage.get_plan("bj_group", tmp_path, user=carol)


def test_each_users_rounds_are_versions_of_one_dataset_and_never_collide(tmp_path):
    from store import saved
    r = pd.DataFrame({"code": ["610302", "610303"], "year": 2020, "indicator": "gp_per_10k", "value": [2.6, 2.0]})
    ds_a1, n1 = storage.save_round(BJ, r, "county", root=tmp_path, user="alice")            # private to alice
    ds_b1, m1 = storage.save_round(BJ, r.assign(value=[2.7, 2.1]), "county", root=tmp_path, user="bob")
    assert (n1, m1) == (1, 1) and ds_a1 != ds_b1
    assert storage.rounds(BJ.id, tmp_path, user="bob")["value"].tolist() == [2.7, 2.1]      # not alice's
    ds_a2, n2 = storage.save_round(BJ, r.iloc[[1]].assign(value=2.4), "county", root=tmp_path, user="alice")
    assert (ds_a2, n2) == (ds_a1, 2)                                       # the same dataset, its next version
    mine = storage.rounds(BJ.id, tmp_path, user="alice")
    assert mine[["code", "value", "round"]].values.tolist() == [["610302", 2.6, 1], ["610303", 2.0, 1],
                                                                   ["610303", 2.4, 2]]
    now = storage.latest(mine).set_index("code")["value"]
    assert now.to_dict() == {"610302": 2.6, "610303": 2.4}
    # the dataset's current version holds every value reported so far (the map shows these), the first round stays
    cur, cat, _ = saved.load_version(ds_a1, root=tmp_path, user="alice")
    assert sorted(cur["value"]) == [2.4, 2.6] and len(cat) == 1
    assert sorted(saved.load_version(ds_a1, 1, root=tmp_path, user="alice")[0]["value"]) == [2.0, 2.6]
    assert len(saved.list_datasets(root=tmp_path, user="alice")) == 1
    saved.share_dataset(ds_a1, True, root=tmp_path, user="alice")
    both = storage.rounds(BJ.id, tmp_path, user="bob")
    assert set(both["owner"]) == {"alice", "bob"}
    assert storage.latest(both).set_index("code")["value"].to_dict() == {"610302": 2.7, "610303": 2.4}  # last saved


def test_rounds_saved_one_dataset_a_round_before_versions_are_still_read(tmp_path):
    from plans.model import catalog
    from store import saved
    from store.ingest import ImportReport, ImportResult
    iid = "user_plan_bj2018__r3__gp_per_10k"
    obs = pd.DataFrame({"code": ["610302"], "year": [2020], "indicator": [iid], "value": [2.2], "flag": "",
                        "source": "方案填报：宝鸡（bj2018）第3轮"})
    cat = pd.DataFrame([{**catalog().loc["gp_per_10k"].to_dict(), "id": iid, "levels": "county"}])
    saved.save_dataset(ImportResult(obs, cat, ImportReport(), pd.DataFrame(), "county"), "宝鸡 第3轮填报",
                       root=tmp_path)
    old = storage.rounds(BJ.id, tmp_path)
    assert old[["code", "indicator", "value", "round"]].values.tolist() == [["610302", "gp_per_10k", 2.2, 3]]
    storage.save_round(BJ, obs.assign(indicator="gp_per_10k", value=2.5), "county", root=tmp_path)
    assert storage.latest(storage.rounds(BJ.id, tmp_path))["value"].tolist() == [2.5]


def test_plans_saved_before_the_database_are_imported_once(tmp_path):
    import json
    legacy = copy_plan(BJ, "old_bj", "旧方案").to_dict()
    (tmp_path / "plans.json").write_text(json.dumps({"version": 1, "plans": [legacy]}, ensure_ascii=False),
                                         encoding="utf-8")
    old = storage.get_plan("old_bj", tmp_path, user="zhao")        # shared, as every visitor saw it before
    assert old.owner == "local" and old.shared and old.title == "旧方案" and len(old.targets) == len(BJ.targets)
    storage.delete_plan("old_bj", tmp_path)                         # the local user (an admin) manages it
    from store import db as dbm
    dbm._OPEN.clear()                                               # a restart: the file is not imported again
    assert "old_bj" not in {p.id for p in storage.list_plans(tmp_path)}


def test_export_is_formula_safe():
    t = Target("x", "gp_per_10k", "per_unit", "=HYPERLINK(\"http://evil\")", ">=", 2.5, "名", 2020,
               quote="@SUM(A1)", lead="+cmd")
    plan = Plan("p", "=1+1", scope_code="610300", level="county", period_end=2020, targets=[t])
    v = pd.DataFrame({"code": ["610302"], "year": [2020], "indicator": "gp_per_10k", "value": [-3.0],
                      "source": "-2+3", "round": 1})
    codes = units_table("610300", "county")["code"].tolist()
    wb = load_workbook(io.BytesIO(export_xlsx(scorecard(plan, 2020, plan_values(plan, "county", codes, [2020], None,
                                                                                 v)))))
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [x for x in texts if x[:1] in "=+-@\t\r"]
    detail = wb["明细"]
    assert detail.cell(2, 5).value == -3.0                          # numbers stay numbers


def test_cli_list_template_score(tmp_path):
    env = {**__import__("os").environ, "ATLAS_USER_DATA": str(tmp_path / "ud")}
    out = subprocess.run([sys.executable, "-m", "plans", "list"], capture_output=True, text=True, cwd=ROOT, env=env,
                         check=False)
    assert out.stdout.splitlines()[1] == f"bj2018\t{BJ.title}"
    f = tmp_path / "bj.xlsx"
    subprocess.run([sys.executable, "-m", "plans", "template", "--plan", "bj2018", "--units", "610300", "--level",
                    "county", "--years", "2020-2020", "-o", str(f)], check=True, cwd=ROOT, env=env)
    f.write_bytes(fill(f.read_bytes(), {("610302", 2020, "每万人口全科医生数"): 2.6}))
    sc = tmp_path / "sc.xlsx"
    out = subprocess.run([sys.executable, "-m", "plans", "score", "--plan", "bj2018", "--year", "2020", str(f),
                          "-o", str(sc)], capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert out.returncode == 0, out.stderr
    assert "7 evaluable" in out.stdout
    cells = pd.read_excel(sc, sheet_name="明细", dtype={"地区代码": str})
    row = cells[(cells["地区代码"] == "610302") & (cells["目标编号"] == "bj06")].iloc[0]
    assert row["数值"] == 2.6 and row["结果"] == "达标"


def test_reordered_columns_extra_title_rows_and_names_instead_of_codes():
    csv = ("宝鸡市各县区2020年监测数据（测试数据）\n"
           "年份,每万人口全科医生数（名/万人）,县区,农村卫生厕所普及率（%）\n"
           "2020,2.7,太白县,86\n2020,\"1,2\",眉县,84.5%\n").encode()
    rnd = read_returns(BJ, [("yearbook.csv", csv)], years=[2020])
    assert rnd.errors == [] and rnd.pending() == []
    obs = rnd.observations.set_index(["code", "indicator"])["value"]
    assert obs[("610331", "gp_per_10k")] == 2.7 and obs[("610331", "rural_sanitary_toilet_rate")] == 86
    assert obs[("610326", "rural_sanitary_toilet_rate")] == 84.5
    bad = rnd.cells[rnd.cells["outcome"] == "rejected"]
    assert bad[["row", "column"]].values.tolist() == [[4, "每万人口全科医生数（名/万人）"]]  # '1,2' is no figure
    assert rnd.progress.set_index("code").loc["610326", "status"] == "partial"
