"""Where user plans and saved rounds live: the one module to re-point when saved data moves (issue 16's
database with owners and dataset versions).

* User plans: ``plans.json`` beside the saved datasets (same root, same atomic write and lock as store/saved.py).
* Rounds: each saved round is its own saved dataset (``store.saved.save_dataset``), so the Data page lists it, the
  map can show it, and a migration carries it like any other dataset. Its indicator ids are
  ``user_plan_<plan>__r<round>__<indicator>``: a later round never overwrites an earlier one.
"""
from __future__ import annotations

import json
import os
import re

import pandas as pd

from plans.model import Plan, PlanError, bundled_plans, catalog, check_plan
from store import saved
from store.ingest import ImportReport, ImportResult

PLANS_FILE = "plans.json"
_ROUND_ID = re.compile(r"^user_plan_(?P<plan>.+?)__r(?P<round>\d+)__(?P<indicator>.+)$")


def _path(root):
    return saved.user_root(root) / PLANS_FILE


def _read(root) -> list[dict]:
    path = _path(root)
    if not path.exists():
        return []
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("plans", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise PlanError(f"已保存的方案无法读取：{exc} / Saved plans are unreadable: {exc}")


def list_plans(root: str | os.PathLike | None = None) -> list[Plan]:
    """Bundled plans first, then the user's (and shared) ones."""
    return bundled_plans() + [Plan.from_dict(d) for d in _read(root)]


def get_plan(plan_id: str, root: str | os.PathLike | None = None) -> Plan:
    for p in list_plans(root):
        if p.id == plan_id:
            return p
    raise PlanError(f"没有这个方案：{plan_id} / No plan {plan_id!r}.")


def save_plan(plan: Plan, root: str | os.PathLike | None = None) -> str:
    """Create or replace a user plan; bundled plans are never overwritten (copy them first)."""
    if plan.id in {p.id for p in bundled_plans()}:
        raise PlanError(f"内置方案 {plan.id} 不能修改，请先复制。 / Bundled plan {plan.id} cannot be changed: copy it.")
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,40}", plan.id or ""):
        raise PlanError("方案编号只能含字母、数字、-和_。 / A plan id holds letters, digits, - and _ only.")
    problems = check_plan(plan)
    if problems:
        raise PlanError("\n".join(problems))
    plan.bundled = False
    root_path = saved.user_root(root)
    with saved._locked(root_path):
        plans = [d for d in _read(root) if d["id"] != plan.id] + [plan.to_dict()]
        data = json.dumps({"version": 1, "plans": plans}, ensure_ascii=False, indent=1).encode("utf-8")
        saved._atomic_write(_path(root), lambda fh: fh.write(data))
    return plan.id


def delete_plan(plan_id: str, root: str | os.PathLike | None = None) -> None:
    root_path = saved.user_root(root)
    with saved._locked(root_path):
        plans = _read(root)
        keep = [d for d in plans if d["id"] != plan_id]
        if len(keep) == len(plans):
            raise PlanError(f"没有这个用户方案：{plan_id} / No user plan {plan_id!r}.")
        data = json.dumps({"version": 1, "plans": keep}, ensure_ascii=False, indent=1).encode("utf-8")
        saved._atomic_write(_path(root), lambda fh: fh.write(data))


def rounds(plan_id: str, root: str | os.PathLike | None = None, user=None) -> pd.DataFrame:
    """Every saved round the user may see of a plan: code, year, indicator (plan indicator id), value, source, round."""
    parts = []
    for obs, cat, _ in saved.load_all(root, user=user):
        ids = {}
        for i in cat["id"]:
            m = _ROUND_ID.match(str(i))
            if m and m["plan"] == plan_id:
                ids[i] = (m["indicator"], int(m["round"]))
        if ids:
            o = obs[obs["indicator"].isin(ids)]
            parts.append(pd.DataFrame({"code": o["code"].astype(str).to_numpy(), "year": o["year"].astype(int),
                                       "indicator": o["indicator"].map(lambda i, ids=ids: ids[i][0]).to_numpy(),
                                       "value": o["value"].astype(float).to_numpy(),
                                       "source": o["source"].astype(str).to_numpy(),
                                       "round": o["indicator"].map(lambda i, ids=ids: ids[i][1]).to_numpy()}))
    cols = ["code", "year", "indicator", "value", "source", "round"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def latest(values: pd.DataFrame) -> pd.DataFrame:
    """The latest round's value per code, year and indicator (earlier rounds stay in ``rounds``)."""
    if not len(values):
        return values
    return (values.sort_values("round").drop_duplicates(["code", "year", "indicator"], keep="last")
            .reset_index(drop=True))


def save_round(plan: Plan, observations: pd.DataFrame, level: str, label: str = "",
               root: str | os.PathLike | None = None, user=None) -> tuple[str, int]:
    """Keep a round's values as a new saved dataset owned by ``user``; returns (dataset id, round number)."""
    if observations is None or not len(observations):
        raise PlanError("这一轮没有可保存的数据。 / This round has nothing to save.")
    done = rounds(plan.id, root, user)
    n = int(done["round"].max()) + 1 if len(done) else 1
    cat = catalog()
    source = f"方案填报：{plan.title}（{plan.id}）第{n}轮" + (f"，{label}" if label else "")
    ids = {ind: f"user_plan_{plan.id}__r{n}__{ind}" for ind in observations["indicator"].unique()}
    rows = []
    for ind, iid in ids.items():
        c = cat.loc[ind].to_dict()
        c.update(id=iid, name_zh=f"{c['name_zh']}（{plan.title[:24]}·第{n}轮填报）",
                 name_en=f"{c['name_en']} ({plan.id}, round {n})", levels=level, source=source,
                 caveats_zh="由填报单位报送，本工具不核实。", caveats_en="Reported by the units; not verified by this tool.",
                 variant_of="", variant="")
        rows.append(c)
    obs = pd.DataFrame({"code": observations["code"].astype(str), "year": observations["year"].astype("int64"),
                        "indicator": observations["indicator"].map(ids), "value": observations["value"].astype(float),
                        "flag": "", "source": source})
    result = ImportResult(obs, pd.DataFrame(rows), ImportReport(), pd.DataFrame(), level)
    ds = saved.save_dataset(result, name=f"{plan.title[:40]} 第{n}轮填报", description=label or source,
                            source=source, root=root, user=user)
    return ds, n
