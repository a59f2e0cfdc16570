"""Pages read whole on a 1,366 × 768 laptop screen, the common office machine, in both languages:
no card label or button text cut, no chart title running out of its chart."""
import pytest

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser

# Card labels and level buttons whose text is wider than their box (Streamlit cuts it with "…").
CUT = ("() => [...document.querySelectorAll('[data-testid=stMetricLabel] *, .st-key-w_level button')]"
       ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
# Chart titles that run past their chart's edge (Plotly titles don't wrap by themselves).
TITLES_OUT = """() => [...document.querySelectorAll('.atlas-chart')].flatMap(gd => {
  const box = gd.getBoundingClientRect();
  return [...gd.querySelectorAll('.gtitle')].filter(t => t.getBoundingClientRect().right > box.right + 1)
    .map(t => t.textContent); })"""
CHARTS_DRAWN = ("(n) => [...document.querySelectorAll('.atlas-chart')]"
                ".filter(gd => gd.querySelector('.main-svg')).length >= n")


@pytest.fixture
def laptop(page):
    page.set_viewport_size({"width": 1366, "height": 768})
    return page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_page_on_a_laptop(laptop, app_url, lang):
    """The six cards wrap two to a row instead of cutting 人口加权平均 / Weighted mean, the three
    level names sit on one row, and the ranking bar's title stays inside its chart."""
    laptop.goto(app_url + f"/?level=city&lang={lang}")
    wait_for_app(laptop)
    laptop.wait_for_function(CHARTS_DRAWN, arg=2, timeout=90_000)
    laptop.wait_for_function("() => document.querySelectorAll('[data-testid=stMetric]').length >= 6", timeout=60_000)
    assert laptop.evaluate(CUT) == []
    rows = laptop.evaluate("() => new Set([...document.querySelectorAll('[data-testid=stMetric]')]"
                           ".map(e => Math.round(e.getBoundingClientRect().top))).size")
    assert rows == 3
    tops = laptop.evaluate("() => [...document.querySelectorAll('.st-key-w_level button')]"
                           ".map(b => Math.round(b.getBoundingClientRect().top))")
    assert len(tops) == 3 and len(set(tops)) == 1, tops
    assert laptop.evaluate(TITLES_OUT) == []


@pytest.mark.parametrize("path, charts", [("/gaps?level=city", 2), ("/targets", 2),
                                          ("/profile?region=440300&level=city", 3)])
def test_long_english_titles_wrap_to_the_chart(laptop, app_url, path, charts):
    """English headlines are the longest: each wraps to the width its chart is drawn at."""
    laptop.goto(app_url + path + "&lang=en" if "?" in path else app_url + path + "?lang=en")
    wait_for_app(laptop)
    laptop.wait_for_function(CHARTS_DRAWN, arg=charts, timeout=90_000)
    assert laptop.evaluate(TITLES_OUT) == []
    assert laptop.evaluate(CUT) == []
    wrapped = laptop.evaluate("() => [...document.querySelectorAll('.atlas-chart .gtitle')]"
                              ".filter(t => t.querySelectorAll('tspan.line').length > 1).length")
    assert wrapped >= 1                                   # at 1,366 px at least one title needed a second line
