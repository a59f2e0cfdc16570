"""What the bundled data's labels say on the map: context indicators have no better side, every flag
has a name in both languages, and the caption's coverage counts every region and its people."""
import numpy as np
import pandas as pd

from figures.map_view import map_layer, region_table
from i18n import t
from state import ViewState
from store.model import FLAGS, load_store

REGIONS = pd.DataFrame({"code": ["110000", "120000", "130000", "140000"],
                        "name": ["北京市", "天津市", "河北省", "山西省"],
                        "name_en": ["Beijing", "Tianjin", "Hebei", "Shanxi"]})
# Per-capita disposable income 2016 (元), 山西 left out on purpose.
VALUES = pd.DataFrame({"code": ["110000", "120000", "130000"], "value": [52530.0, 34074.0, 19725.0],
                       "flag": ["", "", "suspect_value"], "source": ["nbs"] * 3})
# Resident population 2016 (万人)
POP = pd.Series({"110000": 2195.0, "120000": 1443.0, "130000": 7375.0, "140000": 3514.0})


def test_context_indicator_legend_names_no_better_side():
    table = region_table(VALUES, REGIONS, 0)
    for lang, context in (("zh", "背景指标"), ("en", "context")):
        title = map_layer(table, ViewState(), "元/人", 0, lang).legend_title
        assert context in title
        assert t("map.better_higher", lang) not in title and t("map.better_lower", lang) not in title
    assert "越低越好" in map_layer(table, ViewState(), "名学生/每名教师", -1, "zh").legend_title


def test_every_flag_has_a_name_in_both_languages():
    for flag in FLAGS:
        for lang in ("zh", "en"):
            assert t(f"flag.{flag}", lang) != f"flag.{flag}", (flag, lang)
    layer = map_layer(region_table(VALUES, REGIONS, 0), ViewState(), "元/人", 0, "en")
    assert layer.notes[2] == "<br>⚑ suspect value"


def test_coverage_counts_regions_and_people_without_data():
    table = region_table(VALUES, REGIONS, 0, weights=POP)
    assert (table.attrs["n_with_data"], table.attrs["n_regions"]) == (3, 4)
    assert table.attrs["population_share_with_data"] == (2195 + 1443 + 7375) / POP.sum()
    line = t("map.coverage", "zh", n=3, of=4, pop=f"{table.attrs['population_share_with_data']:.1%}")
    assert "3/4" in line and "75.8%" in line
    assert "75.8% of the population" in t("map.coverage", "en", n=3, of=4, pop="75.8%")


def test_coverage_report_counts_units_without_any_data():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from report_coverage import coverage

    from geo.regions import load_regions

    store = load_store()
    cov = coverage(store, load_regions()).set_index(["indicator", "level"])
    edu = cov.loc[("edu_exp_pc", "city")]
    # 367 mainland prefecture-level units, 286 with figures and the 4 municipalities' stand-ins: about a fifth of
    # units and a seventeenth of people (an eighth without the municipalities)
    assert edu.units == 367 and edu.units_with_data == 290
    assert 0.2 < edu.missing_by_units < 0.25 and 0.05 < edu.missing_by_population < 0.07
    assert np.isclose(cov.loc[("doctors_per_1000", "province")].missing_by_units, 0)


def test_composite_index_carries_its_indicators_flags():
    from figures import composite as cf
    from geo.regions import load_regions

    store = load_store()
    regions = load_regions()
    regions = regions[(regions["level"] == "province") & regions["code"].str[:2].ne("71")
                      & regions["code"].str[:2].ne("81") & regions["code"].str[:2].ne("82")].reset_index(drop=True)
    choice = cf.IndexChoice(("beds_per_1000", "tap_water_coverage"), 2012)   # 2012: the beds series break
    result = cf.build_index(store, choice, "province", regions, "en")
    flags = result.table.set_index("code")["flag"]
    assert (flags.str.contains("series_break")).all()
    layer = cf.index_layer(result, None, ViewState(), "en")
    assert all("⚑" in h and "series break" in h for h in layer.hover)
