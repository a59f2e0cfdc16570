"""The whole monitoring round in the real app: workbook out, filled (test values, labelled 测试数据 in 备注), returned
by two units' files, progress and diff seen, saved, scorecard drawn and exported; a second round shows old → new and
keeps the first. The same for Guangdong's 21 cities with the bundled spending figures pre-filled."""
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from plans import storage
from plans.model import units_table
from tests.conftest import start_app, stop_app, wait_for_app

pytestmark = pytest.mark.browser
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def app_url(tmp_path):
    """A server of its own (the page fixture keeps requests on its host): saved rounds stay in this test."""
    proc, url = start_app(tmp_path)
    yield url
    stop_app(proc)


def pick_plan(page, url, plan_id):
    page.goto(url + "/plans")
    wait_for_app(page)
    choose(page, "plans-plan", plan_id)


def choose(page, key, text):
    """Pick a selectbox option (the page may still be settling: open the list again until it shows)."""
    option = page.locator("[role=option]", has_text=text)
    for _ in range(10):
        page.locator(f".st-key-{key} input").click()
        try:
            option.first.wait_for(timeout=3000)
            break
        except Exception:  # noqa: BLE001 - closed by a rerun: try again
            page.keyboard.press("Escape")
    option.first.click()
    wait_for_app(page)


def download(page, label) -> bytes:
    wait_for_app(page)
    with page.expect_download(timeout=90_000) as d:
        page.get_by_role("button", name=label).click()
    return open(d.value.path(), "rb").read()


def fill(xlsx: bytes, values: dict, codes=None) -> bytes:
    """{(code, year, header name): value}; with ``codes``, keep only those units' rows (one unit's own copy)."""
    wb = load_workbook(io.BytesIO(xlsx))
    ws = wb["填报"]
    header = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    for r in range(ws.max_row, 4, -1):
        code, year = ws.cell(r, 1).value, ws.cell(r, 3).value
        if codes is not None and code not in codes:
            ws.delete_rows(r)
            continue
        for (c, y, name), v in values.items():
            if (c, y) == (code, year):
                ws.cell(r, header[name]).value = v
                ws.cell(r, header["备注"]).value = "测试数据"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(page, plan_id, files):
    page.locator(f'.st-key-plans-upload-{plan_id} [data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": n, "mimeType": XLSX, "buffer": b} for n, b in files])
    wait_for_app(page)


BJ_NAMES = ("达到省级示范标准的普通高中比例", "社会保障卡持卡人口覆盖率", "农村卫生厕所普及率",
            "基层医疗卫生机构标准化达标率", "土地出让收益用于保障性安居工程的比例")


def test_baoji_round_twice(page, app_url, tmp_path):
    url, user_data = app_url, tmp_path / "user-data"
    pick_plan(page, url, "bj2018")
    expect(page.get_by_text("共 12 个单位 × 3 个年份")).to_be_visible(timeout=60_000)
    blank = download(page, "下载填报表（XLSX）")
    codes = units_table("610300", "county")["code"].tolist()
    values = {}
    for k, code in enumerate(codes):
        values[(code, 2020, "每万人口全科医生数")] = 2.2 + 0.05 * k          # test values
        values[(code, 2020, "中等职业学校在校生规模")] = 0.4
        values.update({(code, 2020, n): 90.0 for n in BJ_NAMES})
    filled = fill(blank, values)
    # two units' offices each return their own copy
    upload(page, "bj2018", [("渭滨区.xlsx", fill(filled, {}, codes[:6])),
                            ("其他县区.xlsx", fill(filled, {}, codes[6:]))])
    expect(page.get_by_text("4. 填报进度")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("新增 84 个，修改 0 个，未变 0 个。")).to_be_visible(timeout=60_000)   # 12 units × 7
    page.get_by_role("button", name="保存本轮").click()
    expect(page.get_by_text("已保存第 1 轮", exact=False)).to_be_visible(timeout=60_000)
    expect(page.get_by_text("7 项目标中 7 项可以考核", exact=False)).to_be_visible(timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('path.choroplethlocation').length >= 12",
                           timeout=90_000)
    card = load_workbook(io.BytesIO(download(page, "导出考核结果（XLSX）")))
    rows = {(r[0], r[2]): r for r in card["明细"].iter_rows(min_row=2, values_only=True)}
    assert rows[("610302", "bj06")][4] == pytest.approx(2.2) and rows[("610302", "bj06")][7] == "未达标"
    assert rows[("610331", "bj06")][7] == "达标"

    # round 2: 渭滨区 corrects one figure
    page.reload()
    pick_plan(page, url, "bj2018")
    values[(codes[0], 2020, "每万人口全科医生数")] = 2.6
    upload(page, "bj2018", [("渭滨区-更正.xlsx", fill(fill(blank, values), {}, codes[:1]))])
    expect(page.get_by_text("新增 0 个，修改 1 个，未变 6 个。")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("已保存 1 轮", exact=False)).to_be_visible()
    page.get_by_role("button", name="保存本轮").click()
    expect(page.get_by_text("已保存第 2 轮", exact=False)).to_be_visible(timeout=60_000)
    kept = storage.rounds("bj2018", user_data)
    first = kept[(kept["round"] == 1) & (kept["code"] == codes[0]) & (kept["indicator"] == "gp_per_10k")]
    assert first["value"].tolist() == [pytest.approx(2.2)]              # the first round is still there
    assert storage.latest(kept).set_index(["code", "indicator"]).loc[(codes[0], "gp_per_10k"), "value"] == 2.6


def test_guangdong_cities_with_bundled_spending(page, app_url):
    from store.model import load_store
    url = app_url
    pick_plan(page, url, "gd2019")
    for key, year in (("plans-y0-gd2019", "2017"), ("plans-y1-gd2019", "2018")):
        box = page.locator(f".st-key-{key} input")
        box.fill(year)
        box.press("Enter")
        wait_for_app(page)
    expect(page.get_by_text("共 21 个单位 × 2 个年份")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("本范围共 84 个", exact=False)).to_be_visible()       # 21 × 2 years × edu + health
    blank = download(page, "下载填报表（XLSX）")
    ws = load_workbook(io.BytesIO(blank))["填报"]
    header = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    edu = load_store().values("edu_exp_pc", "city", 2018).set_index("code")["value"]
    gz = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "440100" and ws.cell(r, 3).value == 2018)
    assert ws.cell(gz, header["人均地方财政教育支出"]).value == pytest.approx(edu["440100"])
    codes = units_table("440000", "city")["code"].tolist()
    # test values for the one column no public table holds: 21 cities, 10,000 … 15,000 元/人
    values = {(c, 2018, "人均基本公共服务支出"): 10000 + 250 * k for k, c in enumerate(codes)}
    upload(page, "gd2019", [("广东各市.xlsx", fill(blank, values))])
    expect(page.get_by_text("新增 105 个", exact=False)).to_be_visible(timeout=90_000)   # 21 test + 84 pre-filled
    page.get_by_role("button", name="保存本轮").click()
    expect(page.get_by_text("已保存第 1 轮", exact=False)).to_be_visible(timeout=60_000)
    choose(page, "plans-year-gd2019", "2018")
    expect(page.get_by_text("3 项目标中 3 项可以考核", exact=False)).to_be_visible(timeout=60_000)
    card = load_workbook(io.BytesIO(download(page, "导出考核结果（XLSX）")))
    targets = {r[0]: r for r in card["目标"].iter_rows(min_row=2, values_only=True)}
    # (15,000 − 10,000) ÷ mean 12,500 = 40 % > 30 %
    assert targets["gd01"][8] == pytest.approx(40.0) and targets["gd01"][7] == "未达标"
    assert targets["gd01a"][7] in ("达标", "未达标") and targets["gd01a"][15] == "省财政部门"
