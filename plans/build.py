"""Build the bundled plans' targets and their indicator catalog (build time only; needs ../shared/seeds).

Run ``python -m plans.build`` after editing the tables below or data/bundled/targets.csv. It writes
``data/bundled/plan_targets.csv`` and ``data/bundled/plan_indicators.csv``; ``plans.csv`` is curated by hand.
Why a script: the targets come from ``targets.csv`` (quotes already verbatim), the departments from the
seeds' own 分工 tables (宁德 2013: a 责任单位 line after each task; 广东 2019: 省财政部门牵头), and the
catalog entries for the indicators the bundled catalog lacks are one table here, in one place.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "bundled"
SEEDS = ROOT.parent / "shared" / "seeds"
ALL_LEVELS = "province;city;county"

# id, name_zh, name_en, domain, unit_zh, unit_en, direction: indicators the plans need that the bundled catalog lacks.
INDICATORS = [
    ("edu_balanced_county", "通过义务教育基本均衡发展评估验收（是=1，否=0）",
     "Passed the national compulsory-education balance review (yes = 1, no = 0)", "education", "是=1/否=0",
     "yes = 1 / no = 0", 1),
    ("preschool_gross_enrol", "学前教育毛入园率", "Gross pre-school enrolment rate", "education", "%", "%", 1),
    ("senior_sec_gross_enrol", "高中阶段教育毛入学率", "Gross senior-secondary enrolment rate", "education", "%", "%", 1),
    ("compulsory_retention", "九年义务教育巩固率", "Nine-year compulsory education retention rate", "education",
     "%", "%", 1),
    ("schooling_years_working_age", "劳动年龄人口平均受教育年限", "Mean years of schooling of the working-age population",
     "education", "年", "years", 1),
    ("model_high_school_share", "达到省级示范标准的普通高中比例", "Share of senior high schools at the provincial model standard",
     "education", "%", "%", 1),
    ("vocational_enrolment", "中等职业学校在校生规模", "Secondary vocational school enrolment", "education", "万人",
     "10,000 students", 1),
    ("new_kindergarten_places", "新增幼儿园学位", "New kindergarten places", "childcare", "万个", "10,000 places", 1),
    ("new_compulsory_places", "新增义务教育学位", "New compulsory-school places", "education", "万个", "10,000 places", 1),
    ("top_high_school_student_share", "在省一级达标高中就学的普通高中学生比例",
     "Share of senior high students in provincial first-grade schools", "education", "%", "%", 1),
    ("vocational_grad_local_jobs", "职业院校毕业生留厦就业率", "Vocational graduates employed in Xiamen", "employment",
     "%", "%", 1),
    ("vocational_dual_certificate", "职业学校毕业生“双证书”获得率",
     "Vocational graduates holding both diploma and skill certificate", "education", "%", "%", 1),
    ("new_urban_jobs", "城镇新增就业（累计）", "New urban jobs (cumulative)", "employment", "万人", "10,000 persons", 1),
    ("urban_unemployment_rate", "城镇登记失业率", "Registered urban unemployment rate", "employment", "%", "%", -1),
    ("subsidised_skill_training", "参加各类补贴性职业技能培训", "Subsidised vocational skill training", "employment",
     "万人次", "10,000 person-times", 1),
    ("resident_medical_insurance_rate", "城乡居民医疗保险参保率", "Residents' medical insurance coverage", "health",
     "%", "%", 1),
    ("medical_insurance_rate", "基本医疗保险参保率", "Basic medical insurance coverage", "health", "%", "%", 1),
    ("resident_pension_insurance_rate", "城乡居民社会养老保险参保率", "Residents' pension insurance coverage", "elderly",
     "%", "%", 1),
    ("pension_insurance_rate", "基本养老保险参保率", "Basic pension insurance coverage", "elderly", "%", "%", 1),
    ("other_social_insurance_rate", "其它社会保险参保率", "Coverage of other social insurance", "employment", "%", "%", 1),
    ("social_security_card_coverage", "社会保障卡持卡人口覆盖率", "Social security card coverage", "employment",
     "%", "%", 1),
    ("elderly_beds_per_1000_elderly", "每千名老年人拥有养老床位数", "Elderly-care beds per 1,000 older people", "elderly",
     "张/千名老年人", "beds per 1,000 older people", 1),
    ("public_health_funding_pc", "人均基本公共卫生服务经费标准", "Basic public health service funding per capita",
     "health", "元/人", "yuan per person", 1),
    ("natural_growth_rate", "人口自然增长率", "Natural population growth rate", "context", "‰", "‰", -1),
    ("housing_security_coverage", "城镇居民住房保障覆盖面", "Urban housing security coverage", "housing", "%", "%", 1),
    ("affordable_housing_coverage", "保障性安居工程覆盖面", "Affordable housing programme coverage", "housing", "%", "%", 1),
    ("affordable_housing_units", "各类保障性住房建设量", "Affordable housing units built", "housing", "万套",
     "10,000 units", 1),
    ("sports_area_pc", "人均体育场地面积", "Sports ground area per capita", "culture_sports", "平方米/人",
     "m² per person", 1),
    ("new_revenue_public_service_share", "新增财力用于公共服务领域的比例",
     "Share of new fiscal revenue spent on public services", "fiscal", "%", "%", 1),
    ("rural_sanitary_toilet_rate", "农村卫生厕所普及率", "Rural sanitary toilet coverage", "infrastructure", "%", "%", 1),
    ("primary_care_standard_rate", "基层医疗卫生机构标准化达标率", "Primary care facilities meeting the standard",
     "health", "%", "%", 1),
    ("gp_per_10k", "每万人口全科医生数", "General practitioners per 10,000 people", "health", "名/万人",
     "GPs per 10,000 people", 1),
    ("land_revenue_housing_share", "土地出让收益用于保障性安居工程的比例",
     "Share of land-sale revenue spent on affordable housing", "fiscal", "%", "%", 1),
    ("basic_ps_exp_pc", "人均基本公共服务支出", "Basic public service expenditure per capita", "fiscal", "元/人",
     "yuan per person", 1),
    ("life_expectancy", "人均预期寿命", "Life expectancy", "health", "岁", "years", 1),
    ("public_transport_share", "城市公共交通机动化出行分担率", "Public transport share of motorised trips",
     "infrastructure", "%", "%", 1),
    ("air_quality_good_days", "空气质量优良天数比率", "Share of days with good air quality", "infrastructure",
     "%", "%", 1),
    ("built_up_green_coverage", "建成区绿化覆盖率", "Green coverage of built-up area", "infrastructure", "%", "%", 1),
    ("waste_safe_treatment_rate", "垃圾无害化处理率", "Safe treatment rate of household waste", "infrastructure",
     "%", "%", 1),
    ("medical_beds_total", "医疗机构床位数", "Beds in medical institutions", "health", "万张", "10,000 beds", 1),
    ("obstetric_beds_per_1000_births", "每千分娩量产科床位数", "Obstetric beds per 1,000 deliveries", "health",
     "张/千例分娩", "beds per 1,000 deliveries", 1),
    ("paediatric_beds_per_1000_children", "每千名儿童儿科床位数", "Paediatric beds per 1,000 children", "health",
     "张/千名儿童", "beds per 1,000 children", 1),
    ("mental_health_beds_per_10k", "每万人精神卫生床位", "Mental health beds per 10,000 people", "health", "张/万人",
     "beds per 10,000 people", 1),
    ("primary_care_visit_share_change", "基层医疗卫生机构诊疗量占比（较2015年提高）",
     "Primary care share of visits (rise over 2015)", "health", "百分点", "percentage points", 1),
    ("primary_care_dual_standard_rate", "基层医疗卫生机构基础设施、基本设备双达标率",
     "Primary care facilities meeting building and equipment standards", "health", "%", "%", 1),
    ("private_reserved_beds_per_1000", "为社会力量办医预留的床位（每千常住人口）",
     "Beds reserved for private providers per 1,000 residents", "health", "张/千人", "beds per 1,000 people", 1),
    ("private_provider_share", "社会资本办医机构开放床位数和服务量占比", "Private providers' share of beds and services",
     "health", "%", "%", 1),
    ("e_health_record_rate", "居民健康档案电子建档率", "Electronic health record coverage", "health", "%", "%", 1),
    ("tcm_health_mgmt_coverage", "中医药健康管理目标人群覆盖率", "Traditional Chinese medicine health management coverage",
     "health", "%", "%", 1),
    ("maternal_mortality", "孕产妇死亡率", "Maternal mortality ratio", "health", "/10万", "per 100,000 births", -1),
    ("infant_mortality", "婴儿死亡率", "Infant mortality rate", "health", "‰", "‰", -1),
    ("road_network_density", "城市建成区平均路网密度", "Road network density of built-up area", "infrastructure",
     "公里/平方公里", "km per km²", 1),
    ("high_end_elderly_bed_share", "高端养老床位数占比", "Share of high-end elderly-care beds", "elderly", "%", "%", 1),
    ("water_quality_class3_share", "流域水质达到或优于III类的比例", "River sections at water-quality class III or better",
     "infrastructure", "%", "%", 1),
    ("sewage_treatment_rate", "城镇污水集中处理率", "Urban sewage treatment rate", "infrastructure", "%", "%", 1),
    ("water_leakage_rate", "供水管网漏损率", "Water supply network leakage rate", "infrastructure", "%", "%", -1),
    ("piped_gas_share", "管道燃气占燃气使用比例", "Piped gas share of gas use", "infrastructure", "%", "%", 1),
    ("water_supply_guarantee_rate", "城镇供水保证率", "Urban water supply guarantee rate", "infrastructure", "%", "%", 1),
    ("childcare_places_per_1000", "每千人口拥有3岁以下婴幼儿托位数", "Childcare places for under-3s per 1,000 people",
     "childcare", "个/千人", "places per 1,000 people", 1),
    ("doctors_per_1000", "每千人口拥有执业(助理)医师数", "Licensed (assistant) doctors per 1,000 people", "health",
     "人/千人", "doctors per 1,000 people", 1),
    ("nurses_per_1000", "每千人口拥有注册护士数", "Registered nurses per 1,000 people", "health", "人/千人",
     "nurses per 1,000 people", 1),
    ("nursing_bed_share", "养老机构护理型床位占比", "Nursing beds' share in elderly-care institutions", "elderly",
     "%", "%", 1),
    ("new_area_elderly_facility_rate", "新建城区、居住(小)区配套建设养老服务设施达标率",
     "New districts with elderly-care facilities to standard", "elderly", "%", "%", 1),
    ("elderly_service_beds_total", "养老服务床位总量", "Elderly-care service beds", "elderly", "万张", "10,000 beds", 1),
    ("old_community_renovation", "城镇老旧小区改造", "Old urban residential compounds renovated", "housing", "万个",
     "10,000 compounds", 1),
    ("disability_subsidy_coverage", "困难残疾人生活补贴和重度残疾人护理补贴目标人群覆盖率",
     "Coverage of the disability living and care subsidies", "vulnerable", "%", "%", 1),
    ("culture_facility_visits_per_10k", "每万人接受公共文化设施服务", "Public cultural facility visits per 10,000 people",
     "culture_sports", "万次/万人", "10,000 visits per 10,000 people", 1),
    ("community_facility_area_per_100hh", "每百户居民拥有社区综合服务设施面积",
     "Community service facility area per 100 households", "culture_sports", "平方米/百户", "m² per 100 households", 1),
]

# Target id -> (plan, indicator, kind). kind: per_unit (each unit's own figure against the target), share_of_units
# (the share of units whose figure passes), plan_total (the units' figures summed, against the plan-wide target),
# spread (the plan's gap measure across units), qualitative (no number: listed with its quote).
_PER = "per_unit"
TARGETS = {
    "nd01": ("nd2013", "edu_balanced_county", "share_of_units"), "nd02": ("nd2013", "preschool_gross_enrol", _PER),
    "nd03": ("nd2013", "senior_sec_gross_enrol", _PER), "nd04": ("nd2013", "new_urban_jobs", "plan_total"),
    "nd05": ("nd2013", "urban_unemployment_rate", _PER), "nd06": ("nd2013", "resident_medical_insurance_rate", _PER),
    "nd07": ("nd2013", "resident_pension_insurance_rate", _PER),
    "nd08": ("nd2013", "other_social_insurance_rate", _PER),
    "nd09": ("nd2013", "elderly_beds_per_1000_elderly", _PER), "nd10": ("nd2013", "public_health_funding_pc", _PER),
    "nd11": ("nd2013", "natural_growth_rate", _PER), "nd12": ("nd2013", "housing_security_coverage", _PER),
    "nd13": ("nd2013", "sports_area_pc", _PER), "nd14": ("nd2013", "new_revenue_public_service_share", _PER),
    "bj01": ("bj2018", "model_high_school_share", _PER), "bj02": ("bj2018", "vocational_enrolment", "plan_total"),
    "bj03": ("bj2018", "social_security_card_coverage", _PER), "bj04": ("bj2018", "rural_sanitary_toilet_rate", _PER),
    "bj05": ("bj2018", "primary_care_standard_rate", _PER), "bj06": ("bj2018", "gp_per_10k", _PER),
    "bj07": ("bj2018", "land_revenue_housing_share", _PER),
    "gd01": ("gd2019", "basic_ps_exp_pc", "spread"),
    "xm01": ("xm2017", "compulsory_retention", _PER), "xm02": ("xm2017", "schooling_years_working_age", _PER),
    "xm03": ("xm2017", "beds_per_1000", _PER), "xm04": ("xm2017", "life_expectancy", _PER),
    "xm05": ("xm2017", "elderly_beds_per_1000_elderly", _PER), "xm06": ("xm2017", "affordable_housing_coverage", _PER),
    "xm07": ("xm2017", "public_transport_share", _PER), "xm08": ("xm2017", "air_quality_good_days", _PER),
    "xm09": ("xm2017", "park_green_pc", _PER), "xm10": ("xm2017", "built_up_green_coverage", _PER),
    "xm11": ("xm2017", "waste_safe_treatment_rate", _PER), "xm12": ("xm2017", "affordable_housing_units", "plan_total"),
    "xm13": ("xm2017", "new_kindergarten_places", "plan_total"),
    "xm14": ("xm2017", "preschool_gross_enrol", _PER),
    "xm15": ("xm2017", "new_compulsory_places", "plan_total"), "xm16": ("xm2017", "senior_sec_gross_enrol", _PER),
    "xm17": ("xm2017", "top_high_school_student_share", _PER),
    "xm18": ("xm2017", "vocational_grad_local_jobs", _PER), "xm19": ("xm2017", "vocational_dual_certificate", _PER),
    "xm20": ("xm2017", "medical_beds_total", "plan_total"),
    "xm21": ("xm2017", "obstetric_beds_per_1000_births", _PER),
    "xm22": ("xm2017", "paediatric_beds_per_1000_children", _PER),
    "xm23": ("xm2017", "mental_health_beds_per_10k", _PER),
    "xm24": ("xm2017", "primary_care_visit_share_change", _PER),
    "xm25": ("xm2017", "primary_care_dual_standard_rate", _PER), "xm26": ("xm2017", "gp_per_10k", _PER),
    "xm27": ("xm2017", "private_reserved_beds_per_1000", _PER), "xm28": ("xm2017", "private_provider_share", _PER),
    "xm29": ("xm2017", "e_health_record_rate", _PER), "xm30": ("xm2017", "tcm_health_mgmt_coverage", _PER),
    "xm31": ("xm2017", "maternal_mortality", _PER), "xm32": ("xm2017", "infant_mortality", _PER),
    "xm33": ("xm2017", "road_network_density", _PER), "xm34": ("xm2017", "high_end_elderly_bed_share", _PER),
    "xm35": ("xm2017", "water_quality_class3_share", _PER), "xm36": ("xm2017", "sewage_treatment_rate", _PER),
    "xm37": ("xm2017", "toilets_per_10k", _PER), "xm38": ("xm2017", "water_leakage_rate", _PER),
    "xm39": ("xm2017", "piped_gas_share", _PER), "xm40": ("xm2017", "water_supply_guarantee_rate", _PER),
    "xm41": ("xm2017", "sports_area_pc", _PER),
    "cn01": ("cn14fyp", "childcare_places_per_1000", _PER), "cn02": ("cn14fyp", "preschool_gross_enrol", _PER),
    "cn03": ("cn14fyp", "compulsory_retention", _PER), "cn04": ("cn14fyp", "senior_sec_gross_enrol", _PER),
    "cn05": ("cn14fyp", "schooling_years_working_age", _PER),
    "cn06": ("cn14fyp", "subsidised_skill_training", "plan_total"), "cn07": ("cn14fyp", "life_expectancy", _PER),
    "cn08": ("cn14fyp", "doctors_per_1000", _PER), "cn09": ("cn14fyp", "nurses_per_1000", _PER),
    "cn10": ("cn14fyp", "medical_insurance_rate", _PER), "cn11": ("cn14fyp", "nursing_bed_share", _PER),
    "cn12": ("cn14fyp", "new_area_elderly_facility_rate", _PER), "cn13": ("cn14fyp", "pension_insurance_rate", _PER),
    "cn14": ("cn14fyp", "elderly_service_beds_total", "plan_total"),
    "cn15": ("cn14fyp", "old_community_renovation", "plan_total"),
    "cn16": ("cn14fyp", "disability_subsidy_coverage", _PER),
    "cn17": ("cn14fyp", "culture_facility_visits_per_10k", _PER),
    "cn18": ("cn14fyp", "sports_area_pc", _PER), "cn19": ("cn14fyp", "community_facility_area_per_100hh", _PER),
}
# The national file's two non-numeric targets (targets.csv leaves them out): listed as not quantifiable.
QUALITATIVE = [
    ("cn20", "cn14fyp", "孤儿和事实无人抚养儿童保障", "应保尽保"),
    ("cn21", "cn14fyp", "城镇户籍低保、低收入家庭申请公租房和符合条件的农村低收入群体住房安全", "应保尽保"),
]
# 宁德 2013's 分工: target -> line number (1-based) of the 责任单位 line of its task in the seed document.
NINGDE_DUTIES = {"nd01": 81, "nd02": 89, "nd03": 85, "nd04": 123, "nd05": 123, "nd06": 141, "nd07": 137,
                 "nd08": 145, "nd09": 169, "nd10": 95, "nd11": 151, "nd12": 183, "nd13": 117, "nd14": 207}
NINGDE_SEED = "000_0664d1fff8d8d7ee.txt"
GUANGDONG = ("省财政部门", "省有关部门")  # 粤财办〔2019〕1号 四(一)：省财政部门牵头负责……省有关部门按照职责分工

# 广东 2019's gap is over per-capita basic public service spending, which no public table holds per city; the
# atlas has two of its parts per city (education, health), so the same 30 % measure is also checked on each.
GUANGDONG_PARTS = [("gd01a", "edu_exp_pc", "人均地方财政教育支出"), ("gd01b", "health_exp_pc", "人均地方财政医疗卫生支出")]

COLUMNS = ["plan", "id", "indicator", "kind", "indicator_text", "comparator", "value", "unit", "target_year",
           "quote", "lead", "partners", "note"]


def _duties(line: str) -> tuple[str, str]:
    """'责任单位:市教育局、财政局,各县(市、区)政府' -> lead '市教育局', partners '财政局；各县(市、区)政府' (verbatim)."""
    text = line.split("责任单位:", 1)[1].strip()
    parts = [p.strip() for p in re.split(r"[,、](?![^()]*\))", text) if p.strip()]  # not inside (市、区)
    return parts[0], "；".join(parts[1:])


def build() -> None:
    targets = pd.read_csv(BUNDLED / "targets.csv", dtype=str, keep_default_na=False)
    lines = (SEEDS / NINGDE_SEED).read_text(encoding="utf-8").splitlines()
    catalog = pd.read_csv(BUNDLED / "indicators.csv", dtype=str, keep_default_na=False)
    known = set(catalog["id"]) | {i[0] for i in INDICATORS}
    rows = []
    for t in targets.to_dict("records"):
        plan, indicator, kind = TARGETS[t["id"]]
        assert indicator in known, indicator
        lead, partners = "", ""
        if t["id"] in NINGDE_DUTIES:
            lead, partners = _duties(lines[NINGDE_DUTIES[t["id"]] - 1])
        elif plan == "gd2019":
            lead, partners = GUANGDONG
        rows.append({"plan": plan, "id": t["id"], "indicator": indicator, "kind": kind,
                     "indicator_text": t["indicator_text"], "comparator": t["comparator"], "value": t["value"],
                     "unit": t["unit"], "target_year": t["target_year"].split(".")[0], "quote": t["quote"],
                     "lead": lead, "partners": partners, "note": ""})
        if t["id"] == "gd01":
            rows += [{**rows[-1], "id": tid, "indicator": ind, "indicator_text": f"区域间{text}差距",
                      "note": f"分项近似：同一30%差距口径用于{text}（图集已有各市数据）。"}
                     for tid, ind, text in GUANGDONG_PARTS]
    missing = set(TARGETS) - {r["id"] for r in rows}
    assert not missing, missing
    for tid, plan, text, quote in QUALITATIVE:
        rows.append({"plan": plan, "id": tid, "indicator": "", "kind": "qualitative", "indicator_text": text,
                     "comparator": "", "value": "", "unit": "", "target_year": "2025", "quote": quote,
                     "lead": "", "partners": "", "note": ""})
    pd.DataFrame(rows, columns=COLUMNS).to_csv(BUNDLED / "plan_targets.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    cat = pd.DataFrame([{"id": i, "name_zh": zh, "name_en": en, "domain": dom, "unit_zh": uz, "unit_en": ue,
                         "direction": d, "levels": ALL_LEVELS,
                         "definition_zh": f"规划目标指标：{zh}（{uz}），口径以规划文件和填报单位说明为准。",
                         "definition_en": f"Plan target indicator: {en} ({ue}); as defined by the plan and the "
                                          "reporting units.",
                         "source": "plan_returns", "caveats_zh": "由各填报单位报送，本工具不核实。",
                         "caveats_en": "Reported by the units; not verified by this tool.", "agencies": "",
                         "variant_of": "", "variant": ""} for i, zh, en, dom, uz, ue, d in INDICATORS
                        if i not in set(catalog["id"])])   # one id per indicator: the bundled series wins
    cat.to_csv(BUNDLED / "plan_indicators.csv", index=False)
    print(f"{len(rows)} targets, {len(cat)} plan indicators")


if __name__ == "__main__":
    build()
