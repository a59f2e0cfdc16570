"""Play steps through the years on the gaps page as it does on the map page (issue #19 item 14)."""
import pytest

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/gaps"])
def test_play_steps_the_years_and_pause_stops(page, app_url, path):
    page.goto(app_url + path + "?ind=beds_per_1000&year=2012")
    wait_for_app(page)
    page.get_by_role("button", name="播放").click()
    page.wait_for_function("() => location.search.includes('year=2013')", timeout=30_000)
    page.wait_for_function("() => location.search.includes('year=2014')", timeout=30_000)
    h3 = page.locator('[data-testid="stMarkdownContainer"] h3').first
    page.get_by_role("button", name="暂停").click()
    page.get_by_role("button", name="播放").wait_for(timeout=30_000)   # a step already under way may land
    wait_for_app(page)
    stopped = page.evaluate("() => location.search")
    page.wait_for_timeout(3_000)
    assert page.evaluate("() => location.search") == stopped       # paused: no more steps
    assert h3.is_visible()
