"""The analysis pages in headless Chromium: they draw, their tabs switch, and nothing leaves the
app's host (checked by the `page` fixture on every test)."""
import pytest
from playwright.sync_api import expect

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser

POLYGONS = "path.choroplethlocation"


def wait_for_count(page, selector: str, at_least: int, timeout: float = 60_000) -> None:
    page.wait_for_function(f"() => document.querySelectorAll('{selector}').length >= {at_least}", timeout=timeout)


def open_tab(page, label: str) -> None:
    page.get_by_role("tab", name=label).click()
    wait_for_app(page, 60_000)


def test_gaps_page_trend_then_spatial_clusters(page, app_url):
    page.goto(app_url + "/gaps?ind=beds_per_1000")
    wait_for_app(page, 60_000)
    wait_for_count(page, ".js-plotly-plot", 2)
    title = page.locator(".js-plotly-plot .gtitle").first.text_content()
    assert "变异系数" in title and ("降至" in title or "升至" in title)
    assert "ind=beds_per_1000" in page.url
    open_tab(page, "空间集聚")
    wait_for_count(page, POLYGONS, 31)
    expect(page.get_by_text("莫兰指数", exact=False).first).to_be_visible(timeout=60_000)
    open_tab(page, "分组分解")
    wait_for_count(page, ".js-plotly-plot .heatmaplayer", 1)


def test_targets_page_map_pace_and_spending_gap(page, app_url):
    page.goto(app_url + "/targets?lang=en")
    wait_for_app(page, 60_000)
    wait_for_count(page, POLYGONS, 31)
    expect(page.get_by_text("already meet", exact=False).first).to_be_visible(timeout=60_000)
    open_tab(page, "Guangdong spending gap")
    wait_for_count(page, ".js-plotly-plot", 1)
    expect(page.get_by_text("30% line", exact=False).first).to_be_visible(timeout=60_000)
