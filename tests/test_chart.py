"""The atlas's own plotly.js bundle (figures.bundle, drawn by components.chart): it matches the
Python plotly package, it can draw every trace type the pages send, and figures travel lean."""
import json
import re
from pathlib import Path

import plotly.offline
import pytest

from figures import bundle
from geo.boundaries import browser_geojson_name
from i18n import t
from tests.apptest import chart_data, figures, open_page

ROOT = Path(__file__).resolve().parents[1]


def test_bundle_is_the_plotly_js_the_python_package_writes_for():
    assert bundle.version() == plotly.offline.get_plotlyjs_version()
    entry = (ROOT / "scripts" / "plotly_bundle" / "entry.js").read_text()
    built_from = set(re.findall(r"plotly\.js/lib/([a-z0-9]+)'", entry)) - {"core"}
    assert bundle.traces() == built_from | {"scatter"}            # the banner says what the build took
    assert "choropleth" in bundle.traces() and "scattergl" not in bundle.traces()
    assert 0.8e6 < bundle.PATH.stat().st_size < 2.5e6              # a third of Streamlit's 4.7 MB plotly.js


def _page_figures():
    """(page, figures) for every page and tab that draws figures, as a shared link opens it."""
    yield "map", figures(open_page("views/map.py"))
    yield "map city", figures(open_page("views/map.py", {"level": "city", "region": "440300"}))
    for tab in ("trend", "groups", "beta", "urban", "rank", "lisa"):
        yield f"gaps {tab}", figures(open_page("views/gaps.py", {"ind": "beds_per_1000"},
                                               {"gaps-tab": t(f"gaps.tab.{tab}", "zh")}))
    yield "targets", figures(open_page("views/targets.py"))
    yield "profile", figures(open_page("views/profile.py", {"region": "110000", "year": "2016"}))
    yield "composite", figures(open_page("views/composite.py"))


def test_every_figure_the_pages_draw_is_one_the_bundle_can_draw():
    seen = set()
    for page, figs in _page_figures():
        assert figs, page
        for fig in figs:
            types = {trace.get("type", "scatter") for trace in fig["data"]}
            assert types <= bundle.traces(), (page, types - bundle.traces())
            seen |= types
            # the atlas template (~1 KB), not Plotly's default (~8 KB), on every figure and rerun
            assert len(json.dumps(fig["layout"].get("template", {}))) < 1500, page
    assert {"choropleth", "scattergeo", "bar", "scatter", "heatmap"} <= seen


def test_the_map_page_preloads_its_boundaries_first_and_other_pages_only_the_bundle():
    at = open_page("views/map.py", {"level": "city"})
    sent = chart_data(at)
    preload, first_map = sent[0], next(d for d in sent if "figure" in d)
    assert "figure" not in preload and preload["bundle"] == bundle.URL
    assert preload["geojson"] == first_map["geojson"] == [f"/app/static/geo/{browser_geojson_name('city')}"]
    assert first_map["click"] is True and first_map["config"]["locale"] == "zh-CN"
    gaps = open_page("views/gaps.py")
    first = json.loads(gaps.get("bidi_component")[0].proto.json)
    assert first == {"bundle": bundle.URL, "geojson": []}


@pytest.mark.parametrize("lang,locale", [("zh", "zh-CN"), ("en", "en")])
def test_plotly_speaks_the_page_language(lang, locale):
    from components.chart import plotly_config
    config = plotly_config(lang)
    assert config["locale"] == locale and config["topojsonURL"] == "/app/static/topojson/"
    assert config["displayModeBar"] == "hover" and plotly_config(lang, modebar=False)["displayModeBar"] is False


def test_a_map_names_the_base_layers_plotly_looks_up_so_they_arrive_with_its_boundaries():
    from components.chart import topojson_names
    for page, params in (("views/map.py", {}), ("views/map.py", {"level": "county", "scope": "44"}),
                         ("views/map.py", {"level": "city", "region": "440300"})):
        sent = [d for d in chart_data(open_page(page, params)) if "figure" in d]
        maps = [d for d in sent if d["geojson"]]
        assert maps, page
        for d in maps:
            assert d["topojson"] == ["world_110m"]                    # Plotly's default scope and resolution
            assert (ROOT / "static" / "topojson" / "world_110m.json").exists()
        assert all(d["topojson"] == [] for d in sent if not d["geojson"]), page
    assert topojson_names({"layout": {"geo": {"resolution": 50}, "geo2": {}}}) == ["world_110m", "world_50m"]
