"""Plans as first-class objects: a document's targets, each tied to one catalog indicator and of one kind.

Bundled plans are ``data/bundled/plans.csv`` + ``plan_targets.csv`` (written by ``python -m plans.build``);
indicators the bundled catalog lacks are in ``plan_indicators.csv`` (same columns as ``indicators.csv``).
User plans (created, or copied from a bundled one and edited) are kept by ``plans.storage``.

Kinds: ``per_unit`` (each unit's own figure against the target), ``share_of_units`` (the share of units whose
figure passes, e.g. 90% 的县(市、区)通过…), ``plan_total`` (units' figures summed at the plan's scope, e.g.
五年累计城镇新增就业), ``spread`` (the plan's own gap measure across units, Guangdong's 30 %) and
``qualitative`` (no number, e.g. 应保尽保: listed with its quote, never scored).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from geo.regions import LEVELS, children, load_regions, region_name
from store.messages import Message

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "bundled"
KINDS = ("per_unit", "share_of_units", "plan_total", "spread", "qualitative")
SCORED_PER_UNIT = ("per_unit", "share_of_units")
COMPARATORS = (">=", "<=", "=")
NATIONAL = "100000"
NOT_PROVINCES = ("710000", "810000", "820000")  # 台湾, 香港, 澳门: outside the 31 provinces that report


class PlanError(ValueError):
    """A plan we refuse (bilingual message: the pages show it as is)."""


@dataclass
class Target:
    id: str
    indicator: str          # catalog id ('' for qualitative)
    kind: str
    text: str               # the document's name for what is measured
    comparator: str = ">="  # the value must be <comparator> target
    value: float | None = None
    unit: str = ""          # as the document writes it
    target_year: int | None = None
    quote: str = ""
    lead: str = ""          # 牵头单位
    partners: str = ""      # 配合单位, '；'-separated
    note: str = ""

    @property
    def quantified(self) -> bool:
        return self.kind != "qualitative" and self.value is not None and bool(self.indicator)


@dataclass
class Plan:
    id: str
    title: str
    issuer: str = ""
    year: int | None = None
    scope_code: str = NATIONAL
    level: str = "province"
    period_start: int | None = None
    period_end: int | None = None
    document: str = ""
    note: str = ""
    targets: list[Target] = field(default_factory=list)
    bundled: bool = False
    based_on: str = ""      # the plan this one was copied from
    owner: str = ""
    shared: bool | str = False          # True: everyone; a group's name: that group (store.identity)

    def indicators(self) -> list[str]:
        """The indicator ids the units report, in target order, once each."""
        return list(dict.fromkeys(t.indicator for t in self.targets if t.quantified))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Plan:
        d = dict(d)
        d["targets"] = [Target(**{k: v for k, v in t.items() if k in Target.__dataclass_fields__})
                        for t in d.get("targets", [])]
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def _int(v) -> int | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else int(f)


def _float(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


@lru_cache(maxsize=1)
def _bundled() -> tuple[Plan, ...]:
    plans = pd.read_csv(BUNDLED / "plans.csv", dtype=str, keep_default_na=False)
    rows = pd.read_csv(BUNDLED / "plan_targets.csv", dtype=str, keep_default_na=False)
    out = []
    for p in plans.to_dict("records"):
        targets = [Target(id=r["id"], indicator=r["indicator"], kind=r["kind"], text=r["indicator_text"],
                          comparator=r["comparator"], value=_float(r["value"]), unit=r["unit"],
                          target_year=_int(r["target_year"]), quote=r["quote"], lead=r["lead"],
                          partners=r["partners"], note=r["note"])
                   for r in rows[rows["plan"] == p["id"]].to_dict("records")]
        out.append(Plan(id=p["id"], title=p["title"], issuer=p["issuer"], year=_int(p["year"]),
                        scope_code=p["scope_code"], level=p["level"], period_start=_int(p["period_start"]),
                        period_end=_int(p["period_end"]), document=p["document"], note=p["note"],
                        targets=targets, bundled=True))
    return tuple(out)


def bundled_plans() -> list[Plan]:
    """The seed documents and the national 14th FYP, each with all its targets (fresh copies: edit freely)."""
    return [Plan.from_dict(p.to_dict()) for p in _bundled()]


@lru_cache(maxsize=1)
def _catalog() -> pd.DataFrame:
    frames = [pd.read_csv(BUNDLED / f, dtype=str, keep_default_na=False) for f in ("indicators.csv",
                                                                                    "plan_indicators.csv")]
    cat = pd.concat(frames, ignore_index=True)
    cat["direction"] = cat["direction"].astype(int)
    return cat.set_index("id", drop=False).rename_axis(None)


def catalog(extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Bundled catalog + plan indicators (+ ``extra`` rows, e.g. a store's saved indicators), indexed by id."""
    cat = _catalog()
    if extra is not None and len(extra):
        extra = extra.reset_index(drop=True)
        cat = pd.concat([cat, extra[~extra["id"].isin(cat.index)].set_index("id", drop=False)])
    return cat


def check_plan(plan: Plan, cat: pd.DataFrame | None = None) -> list[str]:
    """What is wrong with a plan a user wrote (empty list: fine), as messages the page shows in its language."""
    cat = catalog() if cat is None else cat
    problems = []
    if not str(plan.title).strip():
        problems.append(Message("plans.err.no_title"))
    if plan.level not in LEVELS:
        problems.append(Message("plans.err.unknown_level", level=repr(plan.level)))
    try:
        unit_codes(plan.scope_code, plan.level)
    except (KeyError, PlanError) as exc:
        problems.append(exc.args[0] if isinstance(exc, PlanError) and exc.args else str(exc).strip("'\""))
    seen = set()
    for i, t in enumerate(plan.targets, 1):
        where = Message("plans.err.target_n", n=i, id=t.id or "?")
        if not t.id or t.id in seen:
            problems.append(Message("plans.err.bad_target_id", where=where))
        seen.add(t.id)
        if t.kind not in KINDS:
            problems.append(Message("plans.err.unknown_kind", where=where, kind=repr(t.kind)))
        if t.kind == "qualitative":
            continue
        if t.indicator not in cat.index:
            problems.append(Message("plans.err.unknown_indicator", where=where, indicator=repr(t.indicator)))
        if t.comparator not in COMPARATORS:
            problems.append(Message("plans.err.bad_comparator", where=where))
        if t.value is None:
            problems.append(Message("plans.err.no_value", where=where))
    return problems


def unit_codes(scope_code: str, level: str) -> list[str]:
    """The units that report: the sub-units of ``scope_code`` at ``level`` (100000 + province: the 31 provinces)."""
    scope_code = str(scope_code).strip()
    if level not in LEVELS:
        raise PlanError(Message("plans.err.unknown_level", level=repr(level)))
    if scope_code == NATIONAL:
        codes = sorted(set(load_regions(level)["code"]))
        return [c for c in codes if c[:2] + "0000" not in NOT_PROVINCES]
    codes = children(scope_code, level)
    if not codes:
        raise PlanError(Message("plans.err.no_units", scope=scope_code, level=level))
    return codes


def units_table(scope_code: str, level: str) -> pd.DataFrame:
    """code, name (full Chinese name), name_en of the reporting units, in code order."""
    return _units_table(str(scope_code).strip(), level).copy()


@lru_cache(maxsize=32)
def _units_table(scope_code: str, level: str) -> pd.DataFrame:
    codes = unit_codes(scope_code, level)
    regions = load_regions(level).drop_duplicates("code").set_index("code")
    return pd.DataFrame({"code": codes, "name": regions.loc[codes, "name"].to_numpy(),
                         "name_en": regions.loc[codes, "name_en"].to_numpy()})


def scope_label(scope_code: str, lang: str = "zh") -> str:
    if scope_code == NATIONAL:
        return "全国" if lang == "zh" else "China"
    return region_name(scope_code, "zh" if lang == "zh" else "en")


def copy_plan(plan: Plan, new_id: str, title: str | None = None) -> Plan:
    """A user's editable copy of ``plan`` (a bundled one, or another user's shared one)."""
    p = Plan.from_dict(plan.to_dict())
    p.id, p.bundled, p.based_on, p.owner, p.shared = new_id, False, plan.id, "", False
    p.title = title or f"{plan.title}（副本）"
    return p
