"""The real app in headless Chromium: the map draws, controls change it, links restore it,
and nothing leaves the app's host (checked by the `page` fixture on every test)."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser

POLYGONS = "path.choroplethlocation"


def polygons(page) -> int:
    return page.locator(POLYGONS).count()


def wait_for_map(page, at_least: int, timeout: float = 90_000) -> None:
    page.wait_for_function(f"() => document.querySelectorAll('{POLYGONS}').length >= {at_least}",
                           timeout=timeout)


def headline(page) -> str:
    return page.locator('[data-testid="stMarkdownContainer"] h3').first.inner_text()


def test_national_province_map_draws_offline(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    wait_for_map(page, 34)
    assert polygons(page) >= 34
    assert re.search(r"\d{4}", headline(page))


def test_city_and_county_levels_draw(page, app_url):
    page.goto(app_url + "/?level=city")
    wait_for_app(page)
    wait_for_map(page, 340)
    page.goto(app_url + "/?level=county&scope=440000")
    wait_for_app(page)
    wait_for_map(page, 100)


def test_link_restores_view_and_english_toggle(page, app_url):
    page.goto(app_url + "/?lang=en&year=2010&mode=rank")
    wait_for_app(page)
    wait_for_map(page, 34)
    assert "2010" in headline(page)
    expect(page.get_by_text("Rank", exact=False).first).to_be_visible(timeout=60_000)
    assert "year=2010" in page.url and "lang=en" in page.url


def test_changing_year_updates_map_and_url(page, app_url):
    page.goto(app_url + "/?year=2012")
    wait_for_app(page)
    wait_for_map(page, 34)
    before = headline(page)
    # the year comes first
    slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"] input[type=range]').first
    slider.focus()
    slider.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('year=2011')", timeout=15_000)
    wait_for_app(page)
    assert headline(page) != before and "2011" in headline(page)


def test_invalid_parameters_fall_back_without_traceback(page, app_url):
    page.goto(app_url + "/?level=planet&year=abc&ind=nope")
    wait_for_app(page)
    wait_for_map(page, 34)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_click_province_then_drill_down_to_its_cities(page, app_url):
    page.goto(app_url + "/?region=440000")
    wait_for_app(page)
    wait_for_map(page, 34)
    page.get_by_role("button", name=re.compile("下级地区")).click()
    page.wait_for_function("() => location.search.includes('scope=440000')", timeout=15_000)
    wait_for_app(page)
    wait_for_map(page, 21)
    assert "level=city" in page.url


def test_deep_link_on_a_fresh_server_runs_the_app_shell(browser, tmp_path):
    """The first request a new server gets may be a shared link to a page: it must still run app.py
    (navigation, language switch, wide layout), not the page file alone."""
    from tests.conftest import start_app, stop_app
    proc, url = start_app(tmp_path)
    try:
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(url + "/gaps?lang=en")
        wait_for_app(page)
        expect(page.locator('[data-testid="stSidebarNav"]').get_by_text("Gaps")).to_be_visible(timeout=90_000)
        expect(page.locator('[data-testid="stSidebar"]').get_by_text("English")).to_be_visible()
        page.close()
    finally:
        stop_app(proc)


def test_clicking_a_region_on_the_map_opens_its_panel(page, app_url):
    """A real click on a polygon (components.chart reports its location) selects that region and offers the
    drill-down."""
    page.goto(app_url + "/?year=2016")
    wait_for_app(page)
    wait_for_map(page, 34)
    # The polygon with the largest box on the main map (内蒙古): click inside it. Plotly picks the
    # clicked region from its last hover, so the pointer moves there first, as a hand would.
    box = page.evaluate("""() => {
        const paths = [...document.querySelectorAll('.geo path.choroplethlocation')]
            .map(p => p.getBoundingClientRect()).sort((a, b) => b.width * b.height - a.width * a.height);
        const r = paths[0]; return {x: r.x + r.width / 2, y: r.y + r.height / 2};
    }""")
    for dx in range(0, 60, 15):
        page.mouse.move(box["x"] + dx, box["y"])
        page.wait_for_timeout(300)
    # The hover reads the name from the GeoJSON and formats the numbers the figure sent.
    label = page.locator(".hoverlayer .hovertext").first
    expect(label).to_contain_text(re.compile("(内蒙古|新疆|西藏).*排名 \\d+ / 31.*与平均水平差 [+-]\\d+\\.\\d%"),
                                  timeout=10_000)
    page.mouse.click(box["x"] + 45, box["y"])
    page.wait_for_function("() => /region=\\d{6}/.test(location.search)", timeout=60_000)
    region = page.url.split("region=")[1][:6]
    assert region in ("150000", "650000", "540000")
    expect(page.get_by_role("button", name=re.compile("下级地区"))).to_be_visible(timeout=60_000)
    # The map follows the selection in the same rerun: the clicked region outlined on top, nothing faded.
    page.wait_for_function("() => [...document.querySelectorAll('.geo path.choroplethlocation')]"
                           ".some(p => parseFloat(getComputedStyle(p).strokeWidth) >= 2)", timeout=30_000)
    outlined = page.evaluate("""() => [...document.querySelectorAll('.geo path.choroplethlocation')]
        .filter(p => parseFloat(getComputedStyle(p).strokeWidth) >= 2).length""")
    assert outlined == 1


def test_every_figure_is_drawn_by_the_atlas_bundle_loaded_once(page, app_url):
    """Streamlit's own plotly.js (4.7 MB) is never loaded; the atlas's bundle is fetched once per tab,
    the map's boundary file once, and moving to another page reuses both."""
    page.goto(app_url + "/?level=city")
    wait_for_app(page)
    wait_for_map(page, 340)
    page.locator('[data-testid="stSidebarNav"] a').nth(1).click()          # 差距分析
    wait_for_app(page)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=90_000)
    loaded = page.evaluate("() => performance.getEntriesByType('resource').map(r => r.name)")
    assert not [u for u in loaded if "PlotlyChart" in u]
    assert len([u for u in loaded if u.endswith("/app/static/vendor/plotly-atlas.min.js")]) == 1
    assert len([u for u in loaded if "city_overview" in u]) == 1
