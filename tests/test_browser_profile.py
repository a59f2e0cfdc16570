"""The profile and composite pages in headless Chromium: the map's region panel opens the profile,
peers join the charts, the composite page maps and ranks the index, all without leaving the host
(checked by the `page` fixture)."""
import pytest
from playwright.sync_api import expect

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser

POLYGONS = "path.choroplethlocation"


def headline(page) -> str:
    return page.locator('[data-testid="stMarkdownContainer"] h3').first.inner_text()


def wait_for_charts(page, at_least: int, timeout: float = 30_000) -> None:
    page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot').length >= {at_least}",
                           timeout=timeout)


def test_map_region_panel_opens_the_profile(page, app_url):
    page.goto(app_url + "/?region=440000&year=2016")
    wait_for_app(page)
    page.get_by_role("button", name="查看地区画像").click()
    page.wait_for_url("**/profile**", timeout=30_000)
    wait_for_app(page)
    wait_for_charts(page, 3)
    assert "广东省" in headline(page) and "2016" in headline(page)
    assert "region=440000" in page.url


def test_profile_peers_join_the_standing_chart(page, app_url):
    page.goto(app_url + "/profile?region=110000&year=2016&lang=en")
    wait_for_app(page)
    wait_for_charts(page, 3)
    assert "Beijing" in headline(page)
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"] input').first
    box.click()
    box.fill("Shanghai")
    box.press("Enter")
    wait_for_app(page)
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot .legendtext')]"
                           ".some(e => e.textContent.includes('Shanghai'))", timeout=30_000)
    page.get_by_text("Peer comparison").wait_for(timeout=30_000)
    expect(page.get_by_text("Peer comparison")).to_be_visible(timeout=60_000)
    page.wait_for_url("**peers=310000**", timeout=10_000)      # the link reproduces the comparison


def test_composite_page_maps_and_ranks_the_index(page, app_url):
    page.goto(app_url + "/composite")
    wait_for_app(page)
    page.wait_for_function(f"() => document.querySelectorAll('{POLYGONS}').length >= 30", timeout=30_000)
    assert "综合指数" in headline(page)
    expect(page.get_by_text("建模选择而非事实").first).to_be_visible(timeout=60_000)
    before = page.locator(".js-plotly-plot").nth(2).inner_text()
    page.locator('[data-testid="stSidebar"]').get_by_text("熵权法").click()
    wait_for_app(page)
    page.wait_for_function("(b) => document.querySelectorAll('.js-plotly-plot')[2]?.innerText !== b",
                           arg=before, timeout=30_000)
    expect(page.get_by_text("熵权法").first).to_be_visible(timeout=60_000)
    page.wait_for_url("**index=minmax.entropy.linear**", timeout=10_000)
