"""Where user plans and saved rounds live: the saved-data database (store/db.py), with owners, visibility and
versions like every other saved object.

* User plans: objects of kind ``plan`` named by the plan's id, one version per save. A plan is its owner's until
  they share it (``Plan.shared``); only its owner or an admin changes or deletes it. Plan ids are unique across
  users (a round's indicator ids carry it); an id another user holds is refused without showing their plan.
* Rounds: each saved round is its own saved dataset (``store.saved.save_dataset``), owned by who saved it, so the
  Data page lists it, the map can show it, and it is shared like any other dataset. Its indicator ids are
  ``user_plan_<plan>__r<round>__<indicator>``, rounds numbered per plan across every user: a later round never
  overwrites an earlier one, and two users' rounds never collide.
"""
from __future__ import annotations

import json
import os
import re

import pandas as pd

from plans.model import Plan, PlanError, bundled_plans, catalog, check_plan
from store import db as dbm
from store import saved
from store.identity import User
from store.ingest import ImportReport, ImportResult

KIND = "plan"
_ROUND_ID = re.compile(r"^user_plan_(?P<plan>.+?)__r(?P<round>\d+)__(?P<indicator>.+)$")
_EVERY = User("\0every", is_admin=True)      # internal reads across owners (ids and numbers only, never shown)


def _plan(row) -> Plan:
    p = Plan.from_dict(json.loads(row.meta))
    p.id, p.bundled, p.owner, p.shared = row.name, False, row.owner, row.visibility == dbm.SHARED
    return p


def _user_plans(root, user) -> list:
    try:
        return dbm.connect(root).list(KIND, dbm.as_user(user))
    except dbm.DatabaseError as exc:
        raise PlanError(str(exc)) from exc


def list_plans(root: str | os.PathLike | None = None, user=None) -> list[Plan]:
    """Bundled plans first, then the user's own and those shared with everyone."""
    return bundled_plans() + [_plan(r) for r in _user_plans(root, user)]


def get_plan(plan_id: str, root: str | os.PathLike | None = None, user=None) -> Plan:
    for p in list_plans(root, user):
        if p.id == plan_id:
            return p
    raise PlanError(f"没有这个方案，或您无权查看：{plan_id} / No plan {plan_id!r} is available to you.")


def _holder(db: dbm.Database, plan_id: str):
    """The live plan object holding ``plan_id``, whoever owns it (None if none)."""
    return next((r for r in db.list(KIND, _EVERY, manage=True) if r.name == plan_id), None)


def save_plan(plan: Plan, root: str | os.PathLike | None = None, user=None) -> str:
    """Create a user plan, or save a new version of one the user may change; bundled plans are never overwritten
    (copy them first). ``plan.shared`` sets who sees it."""
    if plan.id in {p.id for p in bundled_plans()}:
        raise PlanError(f"内置方案 {plan.id} 不能修改，请先复制。 / Bundled plan {plan.id} cannot be changed: copy it.")
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,40}", plan.id or ""):
        raise PlanError("方案编号只能含字母、数字、-和_。 / A plan id holds letters, digits, - and _ only.")
    problems = check_plan(plan)
    if problems:
        raise PlanError("\n".join(problems))
    actor, db = dbm.as_user(user), dbm.connect(root)
    taken = PlanError(f"方案编号 {plan.id} 已被其他用户使用，请换一个。 / Plan id {plan.id} is taken by another "
                      f"user: choose another.")
    try:
        held = _holder(db, plan.id)
        if held is not None and not actor.may_manage(held.owner):
            raise taken

        def same_holder(conn):      # inside the save's transaction: nobody took the id meanwhile
            now = _holder(db, plan.id)
            if (now.id if now is not None else None) != (held.id if held is not None else None):
                raise taken
        meta = {**plan.to_dict(), "bundled": False, "owner": "", "shared": False}
        db.put(KIND, plan.id, meta, actor, obj_id=held.id if held is not None else None,
               visibility=dbm.SHARED if plan.shared else dbm.PRIVATE, check=same_holder)
    except dbm.DatabaseError as exc:
        raise PlanError(str(exc)) from exc
    return plan.id


def delete_plan(plan_id: str, root: str | os.PathLike | None = None, user=None) -> None:
    """Delete a user plan (kept in the database's history); only its owner or an admin. Its rounds stay."""
    actor, db = dbm.as_user(user), dbm.connect(root)
    row = next((r for r in _user_plans(root, actor) if r.name == plan_id), None)
    if row is None:
        raise PlanError(f"没有这个用户方案：{plan_id} / No user plan {plan_id!r}.")
    try:
        db.delete(row.id, actor, kind=KIND)
    except PermissionError:
        raise PlanError(f"只有所有者或管理员可以删除方案 {plan_id}。 / Only its owner or an admin may delete plan "
                        f"{plan_id}.") from None
    except dbm.DatabaseError as exc:
        raise PlanError(str(exc)) from exc


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


def _next_round(plan_id: str, root) -> int:
    """One more than the highest round of the plan any user has saved (their rounds' ids must not collide)."""
    numbers = [int(m["round"]) for r in dbm.connect(root).list(saved.KIND, _EVERY, manage=True)
               for i in json.loads(r.meta).get("indicators") or []
               if (m := _ROUND_ID.match(str(i))) and m["plan"] == plan_id]
    return max(numbers, default=0) + 1


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
    n = _next_round(plan.id, root)
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
