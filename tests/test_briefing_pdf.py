"""The briefing opened and printed by Chromium: no request leaves the file, the PDF has its four pages."""
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from state import ViewState

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def html():
    from geo import boundaries
    from geo.regions import load_regions
    from reports.briefing import briefing_html, build_briefing
    from store.model import BUNDLED, load_store
    if not (BUNDLED / "observations.parquet").exists():
        pytest.skip("bundled observations not built (python -m store.build)")
    if not Path(CHROMIUM).exists():
        pytest.skip("no system Chromium")
    store = load_store()
    geometry = boundaries.load_boundaries("province", "overview")
    regions = load_regions("province")
    regions = regions[regions["code"].isin(geometry["code"])].drop_duplicates("code").reset_index(drop=True)
    grouping = pd.Series(regions["code"].map(store.grouping("nbs_four_regions")).to_numpy(), index=regions["code"])
    b = build_briefing(store, ViewState(indicator="beds_per_1000", year=2016), regions, geometry,
                       grouping=grouping, grouping_name="国家统计局四大地区", maritime=boundaries.maritime_geojson())
    return briefing_html(b)


def test_html_opens_offline_with_every_figure_drawn(html, tmp_path):
    from playwright.sync_api import sync_playwright
    path = tmp_path / "briefing.html"
    path.write_text(html, encoding="utf-8")
    requested = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:")) else requested.append(r.url))
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:"))
                   else r.abort())
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_function("(window.__plotsDone || 0) >= 3", timeout=60_000)
        assert page.locator("#fig-map .choroplethlocation").count() >= 31       # the provinces are drawn
        assert page.locator("#fig-trend .scatterlayer .trace").count() == 3     # CV, Gini, Theil
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "briefing-html.png"), full_page=False)
        browser.close()
    assert requested == [] and errors == []


def test_pdf_has_four_pages_and_renders(html, tmp_path):
    from reports.briefing import briefing_pdf
    pdf = briefing_pdf(html)
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(path, ARTIFACTS / "briefing.pdf")
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", out).group(1))
        assert "A4" in out or re.search(r"Page size:\s+595", out)
    else:
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 4        # findings + map · trend + decomposition · targets + regions · methods
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / "briefing-page")], check=True)
        assert len(list(ARTIFACTS.glob("briefing-page-*.png"))) >= 4
