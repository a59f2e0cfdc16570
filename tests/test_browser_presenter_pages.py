"""Presenter mode on the analysis pages in headless Chromium: `?present=1` shows one large figure with
the page's finding as its headline and the source line, sidebar hidden; the normal page gives every
figure its PNG/SVG buttons. The `page` fixture fails a test if anything is requested off the app's host.
Screenshots of both modes go to test-artifacts/ (presenter-<page>.png, normal-<page>.png)."""
import re
import time

import pytest

from tests.conftest import ARTIFACTS, wait_for_app

pytestmark = pytest.mark.browser

SLIDE = ".st-key-presenter-slide"
# page → (query, words the slide's headline must carry, whether the headline is the page's own h3 finding)
PAGES = {
    "gaps": ("ind=beds_per_1000&year=2016", ["变异系数"], False),
    "targets": ("lang=en", ["already meet"], False),
    "profile": ("region=440000&year=2016", ["广东省", "2016"], True),
    "composite": ("", ["综合指数", "居首"], True),
}


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _open(page, url: str, selector: str) -> None:
    page.goto(url)
    wait_for_app(page, 120_000)
    page.wait_for_selector(selector, timeout=120_000)
    page.wait_for_timeout(600)
    wait_for_app(page, 120_000)


@pytest.mark.parametrize("name", list(PAGES))
def test_present_link_shows_one_slide_with_the_finding(page, app_url, name):
    query, words, finding_is_h3 = PAGES[name]
    ARTIFACTS.mkdir(exist_ok=True)
    _open(page, f"{app_url}/{name}?{query}&present=1", f"{SLIDE} .gtitle")
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    title = page.locator(f"{SLIDE} .gtitle").first.text_content()
    assert all(w in title for w in words), title
    if finding_is_h3:                       # the slide's headline is the finding the page states above its figures
        h3 = page.locator('[data-testid="stMarkdownContainer"] h3').first
        assert h3.is_hidden() and _plain(h3.text_content()) == _plain(title)
    size = page.locator(f"{SLIDE} .gtitle").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize || e.style.fontSize)")
    assert size >= 28
    plots = [p for p in page.locator(".js-plotly-plot").all() if p.is_visible()]
    assert len(plots) == 1                                                  # one figure on the slide
    box = plots[0].bounding_box()
    assert box["width"] > 1400 and box["height"] >= 700
    source = page.locator(f"{SLIDE} .annotation-text").all_text_contents()
    assert any(("来源" in s or "Source" in s) for s in source), source     # the source line on the slide
    page.screenshot(path=str(ARTIFACTS / f"presenter-{name}.png"))

    _open(page, f"{app_url}/{name}?{query}", ".atlas-export-png")           # normal mode: the same page, sidebar back
    assert page.locator('[data-testid="stSidebar"]').is_visible()
    # every figure has its own PNG button (in the export component's shadow DOM: Playwright's locators pierce it)
    # (counted once both have settled: the figures draw after their buttons, or before, on a busy machine)
    counts, deadline = None, time.time() + 60
    while time.time() < deadline:
        now = (page.locator(".atlas-export-png").count(), page.locator(".js-plotly-plot").count())
        if now == counts and now[1] > 0:
            break
        counts = now
        page.wait_for_timeout(1000)
    assert counts[0] == counts[1] > 0, counts
    page.screenshot(path=str(ARTIFACTS / f"normal-{name}.png"))
