"""Presenter mode, keys, exports and the one-click briefing in a real browser against the real app.

The `page` fixture fails a test if anything is requested off the app's host.
"""
import io
import re
import struct
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, wait_for_app

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
BEDS_2016 = "/?ind=beds_per_1000&year=2016"


def _settle(page, timeout=90_000):
    page.wait_for_timeout(600)
    wait_for_app(page, timeout)


def _open(page, url: str, selector: str = ".js-plotly-plot"):
    page.goto(url)
    wait_for_app(page, 120_000)
    page.wait_for_selector(selector, timeout=120_000)
    _settle(page)


def _title(page) -> str:
    return page.locator(".st-key-presenter-slide .gtitle").first.text_content()


def test_presenter_link_hides_the_sidebar_and_arrow_left_steps_the_year(page, app_url):
    _open(page, app_url + BEDS_2016 + "&present=1", ".st-key-presenter-slide .gtitle")
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    assert page.locator('[data-testid="stMetric"]').first.is_hidden()          # the summary cards are not on the slide
    title = _title(page)
    assert "2016" in title and "新疆维吾尔自治区" in title
    size = page.locator(".st-key-presenter-slide .gtitle").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize || e.style.fontSize)")
    assert size >= 28
    box = page.locator(".st-key-presenter-slide .js-plotly-plot").first.bounding_box()
    assert box["width"] > 1400 and box["height"] >= 700                        # the whole 16:9 screen
    page.wait_for_function("() => typeof window.__atlasPresenterKeys === 'function'", timeout=60_000)
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"year=2015"), timeout=60_000)
    _settle(page)
    page.wait_for_function("() => document.querySelector('.st-key-presenter-slide .gtitle')"
                           ".textContent.includes('2015')", timeout=60_000)
    assert "present=1" in page.url
    page.screenshot(path=str(ARTIFACTS / "presenter-2015.png"))
    page.keyboard.press("Escape")
    page.wait_for_url(lambda url: "present=1" not in url, timeout=60_000)
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible", timeout=60_000)   # Esc: back to the page


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_svg_and_xlsx_downloads_of_the_map(page, app_url):
    from openpyxl import load_workbook

    from store.model import load_store
    ARTIFACTS.mkdir(exist_ok=True)
    _open(page, app_url + BEDS_2016, ".atlas-export-png")
    files = {}
    for kind, selector in [("png", ".atlas-export-png"), ("svg", ".atlas-export-svg")]:
        with page.expect_download(timeout=60_000) as download:
            page.locator(selector).first.click()
        files[kind] = Path(download.value.path()).read_bytes()
        (ARTIFACTS / f"map-export.{kind}").write_bytes(files[kind])
    assert _png_size(files["png"]) == (3200, 1800)                            # 1600 × 900 at scale 2
    svg = files["svg"].decode("utf-8")
    assert "新疆维吾尔自治区" in svg and "来源：" in svg and "5.915" in svg      # title, source line, legend
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="数据（Excel）").first.click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(book["data"].values)
    header = list(rows[0])
    got = {r[header.index("code")]: r[header.index("value")] for r in rows[1:] if r[header.index("value")] is not None}
    expected = load_store().values("beds_per_1000", "province", 2016).set_index("code")["value"]
    assert len(got) == 31
    assert got == pytest.approx(expected.to_dict())


def test_xlsx_neutralises_a_formula_looking_cell():
    """The same writer the download buttons use: a region name an upload could carry stays text."""
    import pandas as pd
    from openpyxl import load_workbook

    from figures.export import to_xlsx
    frame = pd.DataFrame({"code": ["440100", "440300"], "name": ["=HYPERLINK(\"http://x\",\"广州\")", "深圳市"],
                          "value": [6.21, 3.87]})
    sheet = load_workbook(io.BytesIO(to_xlsx(frame, {"source": "NBS"})))["data"]
    cell = sheet["B2"]
    assert cell.data_type == "s" and not str(cell.value).startswith("=")
    assert [sheet["C2"].value, sheet["C3"].value] == [6.21, 3.87]


def test_one_click_briefing_builds_html_and_pdf_with_progress(page, app_url):
    _open(page, app_url + BEDS_2016)
    page.get_by_text("演示与汇报").click()
    _settle(page)
    page.get_by_role("button", name="生成简报（HTML + PDF）").click()
    page.wait_for_selector('[data-testid="stExpander"] [data-testid="stProgress"], [data-testid="stStatusWidget"]',
                           timeout=60_000)
    pdf_button = page.get_by_role("button", name="下载简报 PDF")
    pdf_button.wait_for(timeout=240_000)
    with page.expect_download(timeout=60_000) as download:
        pdf_button.click()
    pdf = Path(download.value.path()).read_bytes()
    (ARTIFACTS / "briefing-ui.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert _pdf_pages(ARTIFACTS / "briefing-ui.pdf") == 4
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="下载简报 HTML").click()
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert "每千人口医疗卫生机构床位数" in html and "var GEO={" in html


def _pdf_pages(path: Path) -> int:
    try:
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"Pages:\s+(\d+)", out).group(1))
    except FileNotFoundError:  # no poppler: count the page objects
        return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


def test_story_import_explains_a_bad_file_and_accepts_a_good_one(page, app_url):
    import json
    _open(page, app_url + BEDS_2016)
    page.get_by_text("演示与汇报").click()
    _settle(page)
    uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    uploader.set_input_files({"name": "bad.json", "mimeType": "application/json", "buffer": b"{not json"})
    page.get_by_text("不是有效的 JSON（第 1 行第 2 列").wait_for(timeout=60_000)
    good = {"title": "汇报：床位", "views": [{"title": "2016", "params": {"ind": "beds_per_1000", "year": "2016"}},
                                          {"title": "2012", "params": {"ind": "beds_per_1000", "year": "2012"}}]}
    uploader.set_input_files({"name": "good.json", "mimeType": "application/json",
                              "buffer": json.dumps(good, ensure_ascii=False).encode("utf-8")})
    page.get_by_text("2. 2012").wait_for(timeout=60_000)           # the imported story is now the active one
    expect(page.get_by_role("button", name="从头演示")).to_be_visible(timeout=60_000)
