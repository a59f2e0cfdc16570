"""Build the bundled dataset in data/bundled/ from the raw NBS files (build time only).

Run: ``python -m store.build [--shared PATH]``. Reads shared/data (see its README),
writes ``observations.parquet`` and the grouping files. The hand-curated tables
(indicators, domains, sources, targets) are read here only to be checked.
Every derived value is computed here, never typed; region codes come from the
region registry's matcher, never from a table of our own.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from geo.matcher import RegionMatcher
from geo.regions import load_regions

SHARED_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data"
BUNDLED = Path(__file__).resolve().parents[1] / "data" / "bundled"

# Flags. One value may carry several, joined by ";" in this order.
FLAGS = {
    "series_break": "the definition changed between the previous year and this one: "
                    "a change into this year is not a real change",
    "suspect_jump": "more than a factor JUMP away from the previous available year; "
                    "kept as published, check before reading it as a trend",
    "suspect_value": "implausible against the other regions of the same year; kept as published",
    "suspect_year": "the regions' order this year does not follow the years either side, which agree: rows look "
                    "misaligned in the source; kept as published",
    "estimate": "the source derived this figure, unmarked, from the same city's neighbouring year "
                "times its province's change that year",
    "imputed": "our figure: city population between the 2010 and 2020 censuses at a constant growth rate",
}

# Year-on-year factor beyond which a value is flagged suspect_jump; spending may
# grow by half in a year (health after the 2009 reform), so it gets a wider band.
# Only neighbours at most MAX_GAP years apart are compared.
JUMP = 1.5
JUMP_SPENDING = 2.0
SPENDING = ("gen_exp_pc", "edu_exp_pc", "health_exp_pc", "edu_health_exp_pc")
MAX_GAP = 2
# A year is out of line (suspect_year) when the regions' ranks correlate below OUT_OF_LINE with both neighbouring
# years while those two agree at IN_LINE or more (the bundle's one case: 小学生师比 2006, 0.48 and 0.44 against 0.91;
# the next closest, 普通高中生师比 2006, is 0.68 and 0.66). At least MIN_REGIONS regions with all three years.
OUT_OF_LINE, IN_LINE, MIN_REGIONS = 0.6, 0.8, 10
# Shares in % and persons per 100 residents: above 100 is flagged suspect_value.
PER_100 = ("medical_insured_per100", "pension_insured_per100")
PERCENT = ("tap_water_coverage", "piped_gas_share", "gas_coverage", "green_cover_built_up", "refuse_treatment_rate",
           "unemployment_rate", "urban_share")

# NBS 分省年度数据 2000-2019 (nbs_province_2000_2019/<table>.csv, long, one column a series):
# indicator -> (table, column, scale applied to the raw value). NBS's own figures.
NBS = "nbs_province_2000_2019"
_FACILITIES = "城市概况/城市设施水平"
_INCOME = "人民生活/全体及分城乡居民收支基本情况（2013-）"
_BEDS = "卫生/每万人口医疗卫生机构床位数"
_STAFF = "卫生/每万人口卫生技术人员数"
_RATIO = "教育/各级普通学校生师比"
NBS_DIRECT = {
    "stu_teacher_primary": (_RATIO, "小学生师比(教师人数=1)", 1.0),
    "stu_teacher_junior": (_RATIO, "初中生师比(教师人数=1)", 1.0),
    "stu_teacher_senior": (_RATIO, "普通高中生师比(教师人数=1)", 1.0),
    "stu_teacher_college": (_RATIO, "普通高校生师比(教师人数=1)", 1.0),
    "beds_per_1000": (_BEDS, "每万人医疗机构床位数(张)", 0.1),          # per 10,000 -> per 1,000
    "beds_per_1000_urban": (_BEDS, "城市每万人医疗机构床位数(张)", 0.1),
    "beds_per_1000_rural": (_BEDS, "农村每万人医疗机构床位数(张)", 0.1),
    "doctors_per_1000_urban": (_STAFF, "每万人拥有城市执业(助理)医师数(人)", 0.1),
    "doctors_per_1000_rural": (_STAFF, "每万人拥有农村执业(助理)医师数(人)", 0.1),
    "nurses_per_1000_urban": (_STAFF, "每万人拥有城市注册护士数(人)", 0.1),
    "nurses_per_1000_rural": (_STAFF, "每万人拥有农村注册护士数(人)", 0.1),
    "tap_water_coverage": (_FACILITIES, "城市用水普及率(%)", 1.0),
    "gas_coverage": (_FACILITIES, "城市燃气普及率(%)", 1.0),
    "road_area_pc": (_FACILITIES, "人均城市道路面积(平方米)", 1.0),
    "buses_per_10k": (_FACILITIES, "每万人拥有公共交通车辆(标台)", 1.0),
    "toilets_per_10k": (_FACILITIES, "每万人拥有公共厕所(座)", 1.0),
    "park_green_pc": (_FACILITIES, "人均公园绿地面积(平方米/人)", 1.0),
    "green_cover_built_up": ("城市概况/城市绿地和园林", "建成区绿化覆盖率(%)", 1.0),
    "refuse_treatment_rate": ("资源和环境/城市生活垃圾清运和处理情况", "生活垃圾无害化处理率(%)", 1.0),
    "unemployment_rate": ("就业人员和工资/城镇登记失业人员及失业率", "城镇登记失业率(%)", 1.0),
    "disposable_income_pc": (_INCOME, "居民人均可支配收入(元)", 1.0),   # from 2013 (new survey)
    "disposable_income_pc_urban": (_INCOME, "城镇居民人均可支配收入(元)", 1.0),
    "disposable_income_pc_rural": (_INCOME, "农村居民人均可支配收入(元)", 1.0),
    "consumption_pc": (_INCOME, "居民人均消费支出(元)", 1.0),
    "consumption_pc_urban": (_INCOME, "城镇居民人均消费支出(元)", 1.0),
    "consumption_pc_rural": (_INCOME, "农村居民人均消费支出(元)", 1.0),
    "dibao_std_urban": ("公共管理、社会保障及其他/城乡居民最低生活保障和社会救济平均标准",
                        "城市最低生活保障平均标准(元/人、月)", 1.0),
    "dibao_std_rural": ("公共管理、社会保障及其他/城乡居民最低生活保障和社会救济平均标准",
                        "农村最低生活保障平均标准(元/人、月)", 1.0),
    "life_expectancy": ("人口/人口平均预期寿命", "平均预期寿命(岁)", 1.0),
    "natural_increase_rate": ("人口/人口出生率、死亡率和自然增长率", "人口自然增长率(‰)", 1.0),
}
# Counts divided by the bundled NBS year-end resident population (万人), times ``per``:
# indicator -> (table, column in 万 of the counted unit, per).
NBS_PER_POP = {
    "doctors_per_1000": ("卫生/卫生人员", "执业(助理)医师数(万人)", 1000),
    "nurses_per_1000": ("卫生/卫生人员", "注册护士数(万人)", 1000),
    "health_workers_per_1000": ("卫生/卫生人员", "卫生技术人员数(万人)", 1000),
    "pension_insured_per100": ("公共管理、社会保障及其他/年末城镇职工基本养老保险",
                               "城镇职工参加养老保险人数(万人)", 100),
    "medical_insured_per100": ("公共管理、社会保障及其他/城镇基本医疗保险",
                               "城镇基本医疗保险年末参保人数(万人)", 100),
    "library_books_pc": ("文化/公共图书馆", "公共图书馆总藏量(万册)", 1),
}
# Urban ÷ rural of two catalogued series (same region and year): ratio id -> (urban, rural).
URBAN_RURAL_RATIOS = {
    "beds_ratio_urban_rural": ("beds_per_1000_urban", "beds_per_1000_rural"),
    "income_ratio_urban_rural": ("disposable_income_pc_urban", "disposable_income_pc_rural"),
    "consumption_ratio_urban_rural": ("consumption_pc_urban", "consumption_pc_rural"),
    "dibao_ratio_urban_rural": ("dibao_std_urban", "dibao_std_rural"),
}
# Education + health spending per capita, the closest public proxy for 人均基本公共服务支出
# (Guangdong's 30 % KPI): sum id -> its parts (same level, region and year, both present).
SUMS = {"edu_health_exp_pc": ("edu_exp_pc", "health_exp_pc")}
# Series of nbs_province_2016_2024 (NBS portal exports, 2016-2024) continuing a 2000-2019 series.
PORTAL = {"disposable_income_pc": "分省年度数据可支配收入", "consumption_pc": "分省年度数据消费支出"}
# The seam with the 2007-2016 panel: its file -> (indicator of the 2000-2019 table, scale of that
# indicator). The old files round to 2 decimals; anything further apart is a disagreement.
SEAM_2007_2016 = {
    "primary_school": "stu_teacher_primary", "middle_school": "stu_teacher_junior",
    "high_school": "stu_teacher_senior", "college": "stu_teacher_college",
    "per_bed": "beds_per_1000", "per_bed_town": "beds_per_1000_urban",
    "per_bed_village": "beds_per_1000_rural", "water_use": "tap_water_coverage",
    "gas_use": "gas_coverage", "per_road": "road_area_pc", "per_mill_bus": "buses_per_10k",
    "per_WC": "toilets_per_10k", "per_greenarea": "park_green_pc",
    "disposable_per": "disposable_income_pc",
}
SEAM_PER_POP = {"all_peo_endow": "pension_insured_per100", "medicare": "medical_insured_per100"}
SEAM_TOLERANCE = 0.005 + 1e-9   # half a unit of the second decimal

# First year of a new definition: flagged series_break.
BREAKS = {
    "beds_per_1000": [2012],       # 2011 -> 2012 definition change (see catalog caveat)
    # 2002: NBS counts 执业(助理)医师 (licensed) instead of 医生, and staff of health institutions
    # only; the median province drops 12 % (doctors) from 2001 to 2002.
    "doctors_per_1000": [2002], "nurses_per_1000": [2002], "health_workers_per_1000": [2002],
    # 2006: urban per-capita figures divide by 城区人口 + 城区暂住人口 (temporary residents
    # included); 北京's tap-water coverage is 123 % that year.
    **{i: [2006] for i in ("tap_water_coverage", "gas_coverage", "road_area_pc", "buses_per_10k",
                           "toilets_per_10k", "park_green_pc")},
    "gen_exp_pc": [2007],          # 财政支出 (2005-06) -> 一般公共预算支出
    "edu_exp_pc": [2007],          # 2007 government budget classification reform
    "health_exp_pc": [2007],
    "edu_health_exp_pc": [2007],
}

# Boundary changes of prefecture-level cities: the first year in new borders is a series break
# for every city series of that unit (per-capita values move with the population that moved).
BOUNDARY_BREAKS = {
    ("340100", 2011): "巢湖 split: 庐江 and 巢湖市 to 合肥", ("340200", 2011): "巢湖 split: 无为 to 芜湖",
    ("340500", 2011): "巢湖 split: 和县 and 含山 to 马鞍山",
    ("340700", 2016): "枞阳 from 安庆 to 铜陵", ("340800", 2016): "枞阳 from 安庆 to 铜陵",
    ("510100", 2016): "简阳 from 资阳 to 成都", ("512000", 2016): "简阳 from 资阳 to 成都",
    ("610400", 2017): "西咸新区 handed from 咸阳 to 西安", ("610100", 2017): "西咸新区 handed from 咸阳 to 西安",
}

# Single values that look wrong, with the reason; flagged suspect_value, kept.
SUSPECT = {
    # In the 2000 column of the GPI provincial workbook 四川 and 重庆 look swapped
    # (四川 education 25.5 亿元 between 54.9 and 85.2; 重庆 64.8 between 20.4 and 33.2).
    ("edu_exp_pc", "510000", 2000), ("edu_exp_pc", "500000", 2000),
    ("health_exp_pc", "510000", 2000), ("health_exp_pc", "500000", 2000),
}

# Groupings that are not in the registry. Names are resolved with the matcher.
GUANGDONG_REGIONS = {
    ("珠三角", "Pearl River Delta"): "广州 深圳 珠海 佛山 江门 东莞 中山 惠州 肇庆",
    ("粤东", "Eastern Guangdong"): "汕头 汕尾 潮州 揭阳",
    ("粤西", "Western Guangdong"): "湛江 茂名 阳江",
    ("粤北", "Northern Guangdong"): "韶关 河源 梅州 清远 云浮",
}
# 重庆五大功能区, set out by the city party committee in 2013 (四届三次全会). The core
# zone proper is 渝中 plus the parts of five districts inside the inner ring; at county
# level those five are counted whole in the core zone (a simplification).
CHONGQING_ZONES = {
    ("都市功能核心区", "Urban core functional zone"): "渝中 大渡口 江北 沙坪坝 九龙坡 南岸",
    ("都市功能拓展区", "Urban expansion functional zone"): "北碚 渝北 巴南",
    ("城市发展新区", "New urban development zone"):
        "涪陵 长寿 江津 合川 永川 南川 綦江 大足 璧山 铜梁 潼南 荣昌",
    ("渝东北生态涵养发展区", "Northeast ecological conservation zone"):
        "万州 开州 梁平 城口 丰都 垫江 忠县 云阳 奉节 巫山 巫溪",
    ("渝东南生态保护发展区", "Southeast ecological protection zone"):
        "黔江 武隆 石柱 秀山 酉阳 彭水",
}


# ---------------------------------------------------------------- matching
def match_codes(names, level: str, parents=None, year=None, allow_missing=False) -> pd.Series:
    """Map names to 6-digit codes with the registry matcher; fail loudly on misses
    unless ``allow_missing`` (then the miss is printed and its code is None).

    Two extra rules: an 'ambiguous' English name is settled when exactly one
    candidate's registry ``name_en`` is that very spelling (Shanxi 山西 vs Shaanxi
    陕西 differ only in that convention); a unit 'remapped' into a unit that is also
    in the list (莱芜 merged into 济南 in 2019) is dropped, not added to it.
    """
    names = list(names)
    res = RegionMatcher(level).match(names, parents=parents, year=year)
    name_en = load_regions(level).set_index("code")["name_en"].str.lower()
    codes = []
    for n, status, cands, code in zip(names, res["status"], res["candidates"], res["code"]):
        if status == "ambiguous" and isinstance(cands, list | tuple):
            same = [c[0] if isinstance(c, list | tuple) else c for c in cands]
            same = [c for c in same if name_en.get(c) == str(n).strip().lower()]
            code = same[0] if len(same) == 1 else None
        codes.append(code if isinstance(code, str) and code else None)
    status = res["status"].tolist()
    exact = {c for c, s in zip(codes, status) if c and s != "remapped"}
    missing = []
    for i, (n, s, c) in enumerate(zip(names, status, res["candidates"])):
        if codes[i] is None:
            missing.append((n, s, c))
        elif s == "remapped" and codes[i] in exact:
            print(f"dropped, merged into a unit that is also listed: {n} -> {codes[i]}")
            codes[i] = None
    if missing and not allow_missing:
        raise ValueError(f"unmatched {level} names: {missing}")
    for m in missing:
        print(f"dropped, no {level} code in the registry: {m}")
    return pd.Series(codes, index=names, dtype=object)


# ---------------------------------------------------------------- readers
def read_nbs_wide(shared: Path, stem: str) -> pd.DataFrame:
    """One NBS provincial CSV (wide, 地区 x 2016年..2007年) -> long: name, year, raw."""
    df = pd.read_csv(shared / "nbs_province_2007_2016" / f"{stem}.csv", dtype=str)
    df = df[~df["地区"].str.startswith(("数据来源", "注"))]
    long = df.melt(id_vars="地区", var_name="year", value_name="raw")
    long["year"] = long["year"].str.rstrip("年").astype(int)
    long["raw"] = pd.to_numeric(long["raw"], errors="coerce")
    return long.rename(columns={"地区": "name"}).dropna(subset=["raw"])


def read_nbs_table(shared: Path, table: str) -> pd.DataFrame:
    """One table of nbs_province_2000_2019 (long: 省份编码, 省份, 年份, series...) with ``code``
    from the registry matcher (checked against the table's own code) and ``year``."""
    path = shared / NBS / f"{table}.csv"
    try:
        df = pd.read_csv(path, dtype={"省份编码": str})
    except UnicodeDecodeError:  # one table of the folder is GBK
        df = pd.read_csv(path, dtype={"省份编码": str}, encoding="gbk")
    codes = match_codes(df["省份"].unique(), "province")
    df["code"] = df["省份"].map(codes)
    if (df["code"] != df["省份编码"]).any():
        raise ValueError(f"{table}: a province's code differs from the registry's")
    return df.rename(columns={"年份": "year"})


def read_portal_export(shared: Path, stem: str) -> pd.DataFrame:
    """An NBS portal export of nbs_province_2016_2024 (header lines, '\\t,' separators, footer)
    -> long: name, year, raw."""
    lines = (shared / "nbs_province_2016_2024" / f"{stem}.csv").read_text(encoding="utf-8-sig")
    rows = [[c.strip() for c in line.split("\t,")] for line in lines.splitlines()]
    head = next(i for i, r in enumerate(rows) if r[0] == "地区")
    body = [r for r in rows[head + 1:] if len(r) > 1 and not r[0].startswith("数据来源")]
    df = pd.DataFrame([r[:len(rows[head])] for r in body], columns=rows[head]).loc[:, lambda d: d.columns != ""]
    long = df.melt(id_vars="地区", var_name="year", value_name="raw")
    long["year"] = long["year"].str.rstrip("年").astype(int)
    long["raw"] = pd.to_numeric(long["raw"], errors="coerce")
    return long.rename(columns={"地区": "name"}).dropna(subset=["raw"])


def read_resident_population(shared: Path) -> pd.DataFrame:
    """NBS year-end resident population, 万人: name, year, pop."""
    df = pd.read_csv(shared / "population" / "resident_population_province_2000_2024.csv")
    return df.rename(columns={"region": "name", "value": "pop"})[["name", "year", "pop"]]


def read_budget_expenditure(shared: Path) -> pd.DataFrame:
    """General budget expenditure .xls -> name (short), year, raw (亿元).

    Rows 1-31 hold 一般公共预算支出 for 2007-2024, rows 32-62 财政支出 for 2005-06.
    """
    with warnings.catch_warnings():  # pandas flags xlrd as deprecated; it still reads .xls
        warnings.simplefilter("ignore")
        x = pd.read_excel(shared / "fiscal" / "general_budget_expenditure_province_2005_2024.xls",
                          header=None)
    years = x.iloc[0, 4:].astype(int).tolist()
    body = x.iloc[1:, 3:].copy()
    body.columns = ["name"] + years
    long = body.melt(id_vars="name", var_name="year", value_name="raw").dropna(subset=["raw"])
    long["year"] = long["year"].astype(int)
    long["raw"] = long["raw"].astype(float)
    long["name"] = long["name"].astype(str).str.strip()
    if long.duplicated(["name", "year"]).any():
        raise ValueError("budget expenditure: a province-year occurs twice")
    return long


# Spelling slips in the GPI workbooks' English names (a typo fix, not a code table).
SPELLING = {"Yunan": "Yunnan"}


def read_components_sheet(book: pd.ExcelFile, sheet: str) -> pd.DataFrame:
    """A sheet of the GPI component workbooks: first column names, then years."""
    x = book.parse(sheet, header=0, index_col=0)
    x.columns = [int(c) for c in x.columns]
    x.index = x.index.astype(str).str.strip()
    return x


# ---------------------------------------------------------------- flags
def flag_jumps(obs: pd.DataFrame, breaks: pd.Series) -> pd.Series:
    """True where a value is more than JUMP times (or 1/JUMP of) the previous available
    year of the same region, if that year is at most MAX_GAP years back.

    On a series-break year the change is measured against the median change of all regions
    that year, so a definition change does not flag everyone but an outlier still shows."""
    o = obs.sort_values(["indicator", "level", "code", "year"])
    g = o.groupby(["indicator", "level", "code"])
    near = (o["year"] - g["year"].shift()) <= MAX_GAP
    ratio = (o["value"] / g["value"].shift()).where(near)
    on_break = breaks.reindex(o.index).fillna(False).astype(bool)
    median = ratio.groupby([o["indicator"], o["level"], o["year"]]).transform("median")
    ratio = ratio.where(~on_break, ratio / median)
    band = np.where(o["indicator"].isin(SPENDING), JUMP_SPENDING, JUMP)
    jump = near & ((ratio > band) | (ratio < 1 / band))
    # A series' first value has no previous year: if the step into the second year jumps, either
    # may be wrong (嘉峪关 2006 education spending is 1/8 of 2007), so both are flagged.
    first = g.cumcount() == 0
    jump |= first & jump.groupby([o["indicator"], o["level"], o["code"]]).shift(-1, fill_value=False)
    return jump.reindex(obs.index).fillna(False)


def flag_out_of_line_years(obs: pd.DataFrame) -> pd.Series:
    """True for every value of an (indicator, level, year) whose cross-section does not follow the years either side
    (Spearman rank correlation, see OUT_OF_LINE): one region's jump is flag_jumps' business, a whole year shuffled
    is this one's."""
    out = pd.Series(False, index=obs.index)
    for (ind, level), part in obs.groupby(["indicator", "level"]):
        ranks = part.pivot_table(index="code", columns="year", values="value")
        for year in ranks.columns:
            if year - 1 not in ranks or year + 1 not in ranks:
                continue
            three = ranks[[year - 1, year, year + 1]].dropna().rank()
            if len(three) < MIN_REGIONS:
                continue
            before, after = three[year].corr(three[year - 1]), three[year].corr(three[year + 1])
            if max(before, after) < OUT_OF_LINE and three[year - 1].corr(three[year + 1]) >= IN_LINE:
                out[part.index[part["year"] == year]] = True
    return out


def combine_flags(*named: tuple[str, pd.Series]) -> pd.Series:
    """Join boolean flag columns into the ';'-separated flag string."""
    index = named[0][1].index
    out = pd.Series("", index=index, dtype=object)
    for name, mask in named:
        mask = mask.reindex(index).fillna(False).astype(bool)
        out[mask] = np.where(out[mask] == "", name, out[mask] + ";" + name)
    return out.astype(str)


# ---------------------------------------------------------------- indicators
def province_tables(shared: Path) -> list[pd.DataFrame]:
    """All province-level observations (code, year, indicator, value, source)."""
    frames = []
    pop = read_resident_population(shared)
    pop_code = match_codes(pop["name"].unique(), "province")
    pop = pop.assign(code=pop["name"].map(pop_code))[["code", "year", "pop"]]
    tables: dict[str, pd.DataFrame] = {}

    def table(name: str) -> pd.DataFrame:
        if name not in tables:
            tables[name] = read_nbs_table(shared, name)
        return tables[name]

    def series(name: str, column: str) -> pd.DataFrame:
        t = table(name)
        return t.assign(raw=pd.to_numeric(t[column], errors="coerce"))[["code", "year", "raw"]].dropna()

    for ind, (name, column, scale) in NBS_DIRECT.items():
        d = series(name, column)
        frames.append(d.assign(indicator=ind, value=d["raw"] * scale, source=NBS))
    for ind, stem in PORTAL.items():  # 2020-2024; 2016-2019 only for the seam check
        d = read_portal_export(shared, stem)
        d = d.assign(code=d["name"].map(match_codes(d["name"].unique(), "province")))
        d = d[d["year"] > 2019]
        frames.append(d.assign(indicator=ind, value=d["raw"], source="nbs_province_2016_2024"))
    for ind, (name, column, per) in NBS_PER_POP.items():
        d = series(name, column).merge(pop, on=["code", "year"], how="inner")
        frames.append(d.assign(indicator=ind, value=d["raw"] / d["pop"] * per, source=NBS))

    # Share of the urban gas-using population on piped gas (人工煤气 + 天然气) rather than 液化石油气.
    gas = table("城市概况/城市燃气").filter(like="用气人口").apply(pd.to_numeric, errors="coerce")
    piped = gas[["人工煤气用气人口(万人)", "天然气用气人口(万人)"]].sum(axis=1, min_count=1)
    d = table("城市概况/城市燃气")[["code", "year"]].assign(value=piped / gas.sum(axis=1, min_count=2) * 100)
    frames.append(d.dropna().assign(indicator="piped_gas_share", source=NBS))

    # Public education funds (万元) per student enrolled at all levels: NBS's students per
    # 100,000 residents (幼儿园 to 高等学校), summed, times the resident population.
    funds = series("教育/教育经费情况", "国家财政性教育经费(万元)")
    levels = table("教育/每十万人口各级学校平均在校生数")
    per_100k = levels.filter(like="每十万人口").apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=5)
    students = levels[["code", "year"]].assign(per_100k=per_100k).dropna()
    d = funds.merge(students, on=["code", "year"]).merge(pop, on=["code", "year"])
    # 万元 * 1e4 / (per 100k / 1e5 * 万人 * 1e4) = 元 per student
    frames.append(d.assign(indicator="edu_funds_per_student",
                           value=d["raw"] * 1e4 / (d["per_100k"] / 1e5 * d["pop"] * 1e4), source=NBS))

    total = table("人口/总人口")
    d = total.assign(value=pd.to_numeric(total["城镇人口(万人)"], errors="coerce")
                     / pd.to_numeric(total["年末常住人口(万人)"], errors="coerce") * 100).dropna(subset=["value"])
    frames.append(d.assign(indicator="urban_share", source=NBS))

    frames.append(pop.assign(indicator="population", value=pop["pop"],
                             source="nbs_resident_population"))

    exp = read_budget_expenditure(shared)
    exp["code"] = exp["name"].map(match_codes(exp["name"].unique(), "province"))
    d = exp.merge(pop, on=["code", "year"], how="inner")
    # 亿元 * 1e8 / (万人 * 1e4) = 元/人
    frames.append(d.assign(indicator="gen_exp_pc", value=d["raw"] * 1e8 / (d["pop"] * 1e4),
                           source="nbs_budget_expenditure"))

    # Opened once: each sheet read of these 70-sheet workbooks would reparse them.
    wb = pd.ExcelFile(shared / "fiscal" / "provincial_components_1985_2018.xlsx")
    for ind, sheet in (("edu_exp_pc", "pub. exps. on education-local"),
                       ("health_exp_pc", "pub. exps. on health-local")):
        x = read_components_sheet(wb, sheet)
        long = x.rename_axis("name").reset_index().melt(id_vars="name", var_name="year",
                                                        value_name="raw").dropna()
        names = pd.Series(x.index, index=x.index).replace(SPELLING)
        long["code"] = long["name"].map(names.map(match_codes(names.unique(), "province")))
        # NBS resident population exists from 2000; the workbook's own pre-2000
        # population is non-standard, so earlier years are left out.
        d = long.merge(pop, on=["code", "year"], how="inner")
        frames.append(d.assign(indicator=ind, value=d["raw"] * 1e8 / (d["pop"] * 1e4),
                               source="gpi_provincial_components"))
    return frames


def city_tables(shared: Path) -> list[pd.DataFrame]:
    """Prefecture-level observations: census population, urban share, spending per capita."""
    frames = []
    census = pd.read_csv(shared / "census" / "census_city_2010_2020.csv",
                         dtype={"city_code": str, "province_code": str},
                         usecols=["city", "city_code", "province_code", "popu_2010",
                                  "popu_2020", "popu_urban_2010", "popu_urban_2020"])
    # 香港/澳门 rows carry figures from their own governments, not from the NBS census.
    census = census[~census["province_code"].isin(["810000", "820000"])].copy()
    # Trust the census codes only where the registry knows them at city level
    # (it gives 重庆's city-level proxy as 500000, the census 500100).
    regions = load_regions()
    known = census["city_code"].isin(regions.loc[regions["level"] == "city", "code"])
    if not known.all():
        odd = census[~known]
        census.loc[~known, "city_code"] = match_codes(
            odd["city"], "city", parents=odd["province_code"].tolist()).to_numpy()
    for year in (2010, 2020):
        pop = census[f"popu_{year}"].astype(float)
        base = pd.DataFrame({"code": census["city_code"], "year": year,
                             "source": "census_city_2010_2020"})
        frames.append(base.assign(indicator="population", value=pop / 1e4))
        frames.append(base.assign(indicator="urban_share",
                                  value=census[f"popu_urban_{year}"] / pop * 100))
    # Between the censuses, population weights follow a constant growth rate instead of jumping
    # from the 2010 to the 2020 count between 2015 and 2016 (flagged imputed: our figure).
    p10, p20 = census["popu_2010"].astype(float), census["popu_2020"].astype(float)
    both = (p10 > 0) & (p20 > 0)
    for year in range(2011, 2020):
        value = p10[both] * (p20[both] / p10[both]) ** ((year - 2010) / 10) / 1e4
        frames.append(pd.DataFrame({"code": census.loc[both, "city_code"], "year": year, "value": value,
                                    "indicator": "population", "source": "census_city_2010_2020",
                                    "imputed": True}))

    wb = pd.ExcelFile(shared / "fiscal" / "prefectural_components_2006_2018.xlsx")
    listing = wb.parse("list of prefectures included", header=0).iloc[:, :4]
    listing.columns = ["en", "zh", "prov_en", "prov_zh"]
    listing = listing.dropna(subset=["zh"])
    prov_codes = match_codes(listing["prov_zh"].unique(), "province")
    # Cities merged away since (莱芜 into 济南, 2019) have no current code: dropped
    # rather than added to the city that absorbed them.
    city_codes = match_codes(listing["zh"], "city",
                             parents=listing["prov_zh"].map(prov_codes).tolist(),
                             year=2018, allow_missing=True)
    pop = read_components_sheet(wb, "population-total")
    provincial = pd.ExcelFile(shared / "fiscal" / "provincial_components_1985_2018.xlsx")
    for ind, sheet in (("edu_exp_pc", "pub. exps. on education-local"),
                       ("health_exp_pc", "pub. exps. on health-local")):
        x = read_components_sheet(wb, sheet)
        province = read_components_sheet(provincial, sheet).rename(index=SPELLING)
        province = province.reindex(listing["prov_en"].str.strip().replace(SPELLING))[x.columns]
        imputed = imputed_cells(x.to_numpy(float), province.to_numpy(float))
        # Rows are in the listing's order; English names collide, so join by position
        # and only check that the English names line up.
        if list(x.index) != listing["en"].str.strip().tolist() or list(pop.index) != list(x.index):
            raise ValueError(f"{sheet}: rows do not follow the prefecture listing")
        # A 0 in this workbook marks a missing figure (三沙; health spending of 毕节,
        # 铜仁, 海东 in every year): such cells are left out, not divided.
        spend, people = x.to_numpy(), pop.to_numpy()
        missing = (spend <= 0) | (people <= 0)
        print(f"{sheet}: {int(missing.sum())} zero cells left out")
        per_cap = np.where(missing, np.nan, spend * 1e8 / (np.where(people > 0, people, 1) * 1e4))
        d = pd.DataFrame(per_cap, columns=x.columns)
        d["code"] = city_codes.to_numpy()
        long = d.dropna(subset=["code"]).melt(id_vars="code", var_name="year", value_name="value")
        est = pd.DataFrame(imputed, columns=x.columns).assign(code=city_codes.to_numpy())
        est = est.dropna(subset=["code"]).melt(id_vars="code", var_name="year", value_name="estimate")
        long = long.assign(estimate=est["estimate"].to_numpy()).dropna(subset=["value"])
        print(f"{sheet}: {int(long['estimate'].sum())} cells imputed from a neighbouring year")
        frames.append(long.assign(indicator=ind, source="gpi_prefectural_components"))
    return frames


def imputed_cells(city: np.ndarray, province: np.ndarray) -> np.ndarray:
    """Cells (cities x years) the GPI workbook derived from the same city's neighbouring year times
    its province's change that year: the city's year-on-year ratio equals the province's (to 1e-6).
    The later year of such a pair is the derived one, except in the first year, which is derived
    backward from the second (2006 health spending = 2007 x the province's 2006/2007)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        same = np.abs((city[:, 1:] / city[:, :-1]) / (province[:, 1:] / province[:, :-1]) - 1) < 1e-6
    out = np.zeros(city.shape, dtype=bool)
    out[:, 1:] = same
    out[:, 1] &= ~same[:, 0] | ~np.isfinite(city[:, 0])  # a 2006-2007 pair: 2007 is the anchor
    out[:, 0] = same[:, 0]
    return out


def merge_flags(*flags: pd.Series) -> pd.Series:
    """Union of ';'-separated flag strings, in the order of FLAGS."""
    order = list(FLAGS)
    joined = pd.concat(flags, axis=1).fillna("").agg(";".join, axis=1)
    return joined.map(lambda f: ";".join(sorted({x for x in f.split(";") if x}, key=order.index)))


def derived_series(obs: pd.DataFrame) -> pd.DataFrame:
    """Rows of URBAN_RURAL_RATIOS (urban ÷ rural, where rural is positive) and SUMS, each with the
    flags both of its parts carry (in ``carried``)."""
    frames = []
    on = ["level", "code", "year"]
    pairs = [(i, a, b, "ratio") for i, (a, b) in URBAN_RURAL_RATIOS.items()] + \
            [(i, a, b, "sum") for i, (a, b) in SUMS.items()]
    for rid, first, second, how in pairs:
        u, r = obs[obs["indicator"] == first], obs[obs["indicator"] == second]
        m = u.merge(r[on + ["value", "flag"]], on=on, suffixes=("", "_r"))
        if how == "ratio":
            m = m[m["value_r"] > 0]
        value = m["value"] / m["value_r"] if how == "ratio" else m["value"] + m["value_r"]
        frames.append(m.assign(indicator=rid, value=value,
                               carried=merge_flags(m["flag"], m["flag_r"]).to_numpy()))
    return pd.concat(frames, ignore_index=True)


def flag(obs: pd.DataFrame) -> pd.Series:
    """The flag string of every row (see FLAGS and data/bundled/README.md)."""
    brk = pd.Series(False, index=obs.index)
    for ind, years in BREAKS.items():
        brk |= (obs["indicator"] == ind) & obs["year"].isin(years)
    moved = pd.Series(list(zip(obs["code"], obs["year"])), index=obs.index).isin(BOUNDARY_BREAKS)
    brk |= moved & (obs["level"] == "city") & (obs["indicator"] != "population")
    # Population and a rate that crosses zero have no meaningful year-on-year ratio.
    jump = flag_jumps(obs, brk) & ~obs["indicator"].isin(["population", "natural_increase_rate"])
    est = obs["estimate"].fillna(False).astype(bool)
    ours = obs["imputed"].fillna(False).astype(bool)
    keys = pd.Series(list(zip(obs["indicator"], obs["code"], obs["year"])), index=obs.index)
    odd = (obs["level"] == "province") & keys.isin(SUSPECT)
    if odd.sum() != len(SUSPECT):
        raise ValueError("a SUSPECT value is not in the data")
    # A share above 100 % (北京 2006 tap water 123 %) cannot be right as published, nor can more
    # than 100 insured per 100 residents be read as coverage (double enrolment, 重庆 2012-).
    odd |= obs["indicator"].isin(PERCENT + PER_100) & (obs["value"] > 100.001)
    return combine_flags(("series_break", brk), ("suspect_jump", jump), ("suspect_value", odd),
                         ("suspect_year", flag_out_of_line_years(obs)), ("estimate", est), ("imputed", ours))


def build_observations(shared: Path) -> pd.DataFrame:
    """Tidy long table with flags, sorted for stable diffs.

    ``level`` is stored because the registry gives some codes at two levels
    (重庆 500000 is both the province and its city-level proxy).
    """
    cols = ["code", "year", "indicator", "value", "source", "estimate", "imputed"]
    def rows(frames, level):
        return [f.assign(**{c: f[c] if c in f else False for c in ("estimate", "imputed")})[cols].assign(level=level)
                for f in frames]

    obs = pd.concat(rows(province_tables(shared), "province") + rows(city_tables(shared), "city"),
                    ignore_index=True)
    obs["year"] = obs["year"].astype("int64")
    obs["value"] = obs["value"].astype("float64")
    obs["code"] = obs["code"].astype(str)
    obs = obs[np.isfinite(obs["value"])]
    key = ["indicator", "level", "code", "year"]
    if obs.duplicated(key).any():
        raise ValueError(f"duplicate observations:\n{obs[obs.duplicated(key, keep=False)].head(20)}")
    obs = obs.sort_values(key).reset_index(drop=True)
    obs["flag"] = flag(obs)
    # Derived series carry their parts' flags, plus their own jumps.
    ratios = derived_series(obs)
    obs = pd.concat([obs, ratios.assign(estimate=False, imputed=False)], ignore_index=True)
    obs = obs.sort_values(key).reset_index(drop=True)
    own = flag(obs.drop(columns="flag"))
    obs["flag"] = merge_flags(own, obs["flag"].where(obs["carried"].isna(), obs["carried"]))
    return obs[["code", "level", "year", "indicator", "value", "flag", "source"]]


def check_seams(shared: Path, obs: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """Compare the bundled series with the 2007-2016 panel and the 2016-2024 portal exports
    where they overlap: (values compared, every disagreement beyond the other file's rounding)."""
    prov = obs[obs["level"] == "province"]
    pop = prov.loc[prov["indicator"] == "population", ["code", "year", "value"]]
    compared, bad = 0, []

    def compare(where: str, indicator: str, other: pd.DataFrame, tolerance) -> None:
        nonlocal compared
        mine = prov.loc[prov["indicator"] == indicator, ["code", "year", "value"]]
        m = mine.merge(other[["code", "year", "other"]], on=["code", "year"])
        compared += len(m)
        off = m[(m["value"] - m["other"]).abs() > tolerance(m)]
        bad.append(off.assign(indicator=indicator, against=where))

    def with_codes(d: pd.DataFrame) -> pd.DataFrame:
        return d.assign(code=d["name"].map(match_codes(d["name"].unique(), "province")))

    for stem, ind in SEAM_2007_2016.items():
        scale = NBS_DIRECT[ind][2]
        old = with_codes(read_nbs_wide(shared, stem))
        compare(f"nbs_province_2007_2016/{stem}.csv", ind, old.assign(other=old["raw"] * scale),
                lambda m, s=scale: SEAM_TOLERANCE * s + 1e-4 * m["other"].abs())
    for stem, ind in SEAM_PER_POP.items():
        old = with_codes(read_nbs_wide(shared, stem)).merge(pop, on=["code", "year"])
        per = NBS_PER_POP[ind][2]
        # counts in 万人 to one decimal: half of 0.1 万人 per resident
        old = old.assign(other=old["raw"] / old["value"] * per, tol=0.05 / old["value"] * per + 1e-9)
        compare(f"nbs_province_2007_2016/{stem}.csv", ind, old,
                lambda m, o=old.set_index(["code", "year"])["tol"]: o.reindex(
                    pd.MultiIndex.from_frame(m[["code", "year"]])).to_numpy())
    for ind, stem in PORTAL.items():
        new = with_codes(read_portal_export(shared, stem))
        compare(f"nbs_province_2016_2024/{stem}.csv", ind, new.assign(other=new["raw"]),
                lambda m: 0.5 + 1e-9)  # the portal gives whole yuan
    return compared, pd.concat(bad, ignore_index=True)


# ---------------------------------------------------------------- groups
def build_groups(out: Path) -> pd.DataFrame:
    """Write groups/<id>.csv (code, group_zh, group_en) and return the index."""
    regions = load_regions()
    (out / "groups").mkdir(parents=True, exist_ok=True)
    en = {"东部": "East", "中部": "Central", "西部": "West", "东北": "Northeast"}
    prov = regions[(regions["level"] == "province") & regions["nbs_region"].isin(list(en))]
    nbs4 = pd.DataFrame({"code": prov["code"], "group_zh": prov["nbs_region"],
                         "group_en": prov["nbs_region"].map(en)})

    def resolve(groups: dict, level: str, parent: str) -> pd.DataFrame:
        rows = []
        for (zh, english), names in groups.items():
            names = names.split()
            codes = match_codes(names, level, parents=[parent] * len(names))
            rows += [(c, zh, english) for c in codes]
        return pd.DataFrame(rows, columns=["code", "group_zh", "group_en"])

    index = [
        ("nbs_four_regions", "国家统计局四大地区", "NBS four regions", "province", nbs4),
        ("guangdong_regions", "广东四区域（珠三角、粤东、粤西、粤北）",
         "Guangdong regions (PRD, east, west, north)", "city",
         resolve(GUANGDONG_REGIONS, "city", "440000")),
        ("chongqing_zones", "重庆五大功能区（2013）", "Chongqing five functional zones (2013)",
         "county", resolve(CHONGQING_ZONES, "county", "500000")),
    ]
    rows = []
    for gid, zh, english, level, table in index:
        table.sort_values("code").to_csv(out / "groups" / f"{gid}.csv", index=False)
        rows.append((gid, zh, english, level, f"groups/{gid}.csv"))
    return pd.DataFrame(rows, columns=["id", "name_zh", "name_en", "level", "file"])


# ---------------------------------------------------------------- checks
def check_catalog(obs: pd.DataFrame, out: Path) -> None:
    """Every observation's indicator is catalogued and every catalogued indicator has data."""
    cat = pd.read_csv(out / "indicators.csv", dtype=str, keep_default_na=False)
    have, listed = set(obs["indicator"]), set(cat["id"])
    if have - listed or listed - have:
        raise ValueError(f"catalog mismatch: uncatalogued {have - listed}, no data {listed - have}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED_DEFAULT,
                    help="folder with the raw data (default: ../shared/data)")
    ap.add_argument("--out", type=Path, default=BUNDLED)
    args = ap.parse_args(argv)
    obs = build_observations(args.shared)
    compared, seams = check_seams(args.shared, obs)
    print(f"seams: {compared} overlapping values compared, {len(seams)} disagree beyond rounding")
    if len(seams):
        print(seams.to_string())
    check_catalog(obs, args.out)
    obs.to_parquet(args.out / "observations.parquet", index=False)
    groups = build_groups(args.out)
    groups.to_csv(args.out / "groups.csv", index=False)
    flagged = obs["flag"].str.split(";").explode().value_counts()
    print(f"{len(obs)} observations, {obs['indicator'].nunique()} indicators; flags:")
    print(flagged[flagged.index != ""].to_string())


if __name__ == "__main__":
    main()
