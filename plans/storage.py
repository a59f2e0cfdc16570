"""Where user plans and saved rounds live: the saved-data database (store/db.py), with owners, visibility and
versions like every other saved object.

* User plans: objects of kind ``plan`` named by the plan's id, one version per save. A plan is its owner's until
  they share it (``Plan.shared``); only its owner or an admin changes or deletes it. Plan ids are unique across
  users (a round's indicator ids carry it); an id another user holds is refused without showing their plan.
* Rounds: a user's rounds of a plan are one saved dataset (``store.saved``), owned by who saved them; each round is
  its next version, holding every value reported so far (so the Data page lists it once, the map shows the current
  figures, and it is shared like any other dataset), and every earlier round stays retrievable as its version.
  Indicator ids are ``user_plan_<plan>__u<owner hash>__<indicator>``: two users' rounds never collide. Rounds saved
  before this (one dataset a round, ``…__r<n>__…``) are read as they are.
"""
from __future__ import annotations

import hashlib
import json
import os
import re

import pandas as pd

from plans.model import Plan, PlanError, bundled_plans, catalog, check_plan
from store import db as dbm
from store import saved
from store.identity import User
from store.ingest import ImportReport, ImportResult
from store.messages import Message

KIND = "plan"
_ROUNDS_ID = re.compile(r"^user_plan_(?P<plan>.+?)__(?P<tag>u[0-9a-f]{8})__(?P<indicator>.+)$")
_ROUND_ID = re.compile(r"^user_plan_(?P<plan>.+?)__r(?P<round>\d+)__(?P<indicator>.+)$")   # before: a dataset a round
_EVERY = User("\0every", is_admin=True)      # internal reads across owners (ids and numbers only, never shown)


def _plan(row) -> Plan:
    p = Plan.from_dict(json.loads(row.meta))
    p.id, p.bundled, p.owner, p.shared = row.name, False, row.owner, dbm.shared_with(row.visibility)
    return p


def _user_plans(root, user) -> list:
    try:
        return dbm.connect(root).list(KIND, dbm.as_user(user))
    except dbm.DatabaseError as exc:
        raise PlanError(exc.args[0] if exc.args else str(exc)) from exc


def list_plans(root: str | os.PathLike | None = None, user=None) -> list[Plan]:
    """Bundled plans first, then the user's own and those shared with everyone."""
    return bundled_plans() + [_plan(r) for r in _user_plans(root, user)]


def get_plan(plan_id: str, root: str | os.PathLike | None = None, user=None) -> Plan:
    for p in list_plans(root, user):
        if p.id == plan_id:
            return p
    raise PlanError(Message("plans.err.not_available", id=plan_id))


def _holder(db: dbm.Database, plan_id: str):
    """The live plan object holding ``plan_id``, whoever owns it (None if none)."""
    return next((r for r in db.list(KIND, _EVERY, manage=True) if r.name == plan_id), None)


def save_plan(plan: Plan, root: str | os.PathLike | None = None, user=None) -> str:
    """Create a user plan, or save a new version of one the user may change; bundled plans are never overwritten
    (copy them first). ``plan.shared`` sets who sees it."""
    if plan.id in {p.id for p in bundled_plans()}:
        raise PlanError(Message("plans.err.bundled", id=plan.id))
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,40}", plan.id or ""):
        raise PlanError(Message("plans.err.bad_id"))
    problems = check_plan(plan)
    if problems:
        raise PlanError(problems[0] if len(problems) == 1 else
                        Message("plans.err.problems", first=problems[0], n=len(problems) - 1))
    actor, db = dbm.as_user(user), dbm.connect(root)
    taken = PlanError(Message("plans.err.id_taken", id=plan.id))
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
               visibility=dbm.visibility_of(plan.shared), check=same_holder)
    except dbm.DatabaseError as exc:
        raise PlanError(exc.args[0] if exc.args else str(exc)) from exc
    return plan.id


def delete_plan(plan_id: str, root: str | os.PathLike | None = None, user=None) -> None:
    """Delete a user plan (kept in the database's history); only its owner or an admin. Its rounds stay."""
    actor, db = dbm.as_user(user), dbm.connect(root)
    row = next((r for r in _user_plans(root, actor) if r.name == plan_id), None)
    if row is None:
        raise PlanError(Message("plans.err.no_user_plan", id=plan_id))
    try:
        db.delete(row.id, actor, kind=KIND)
    except PermissionError:
        raise PlanError(Message("plans.err.not_owner", id=plan_id)) from None
    except dbm.DatabaseError as exc:
        raise PlanError(exc.args[0] if exc.args else str(exc)) from exc


def _owner_tag(owner: str) -> str:
    return "u" + hashlib.sha1(owner.encode("utf-8")).hexdigest()[:8]


def _round_ids(meta: str, plan_id: str) -> dict[str, str]:
    """Round indicator id -> plan indicator id, for a dataset's ids that belong to ``plan_id``'s rounds."""
    out = {}
    for i in json.loads(meta).get("indicators") or []:
        m = _ROUNDS_ID.match(str(i)) or _ROUND_ID.match(str(i))
        if m and m["plan"] == plan_id:
            out[str(i)] = m["indicator"]
    return out


def rounds(plan_id: str, root: str | os.PathLike | None = None, user=None) -> pd.DataFrame:
    """Every saved round the user may see of a plan: code, year, indicator (plan indicator id), value, source,
    round (the version of the saver's rounds dataset), owner and saved_at; each round holds what it reported."""
    db, who, parts = dbm.connect(root), dbm.as_user(user), []
    for r in db.list(saved.KIND, who):
        ids = _round_ids(r.meta, plan_id)
        if not ids:
            continue
        legacy = _ROUND_ID.match(next(iter(ids)))       # one dataset a round, before rounds were versions
        before = pd.DataFrame(columns=["code", "year", "indicator", "value"])
        for v in saved.dataset_versions(r.id, db, who).itertuples():
            obs = saved.load_version(r.id, v.version, db, who)[0]
            obs = obs[obs["indicator"].isin(ids)].astype({"code": str, "year": int, "value": float})
            # what this version reported: new keys, or a value that changed (carried-over rows are not a report)
            new = obs.merge(before, on=["code", "year", "indicator"], how="left", suffixes=("", "_before"))
            new = new[new["value_before"].isna() | (new["value"] != new["value_before"])]
            parts.append(pd.DataFrame({
                "code": new["code"].to_numpy(), "year": new["year"].to_numpy(),
                "indicator": new["indicator"].map(ids).to_numpy(), "value": new["value"].to_numpy(),
                "source": new["source"].astype(str).to_numpy(),
                "round": int(legacy["round"]) if legacy else int(v.version),
                "owner": r.owner, "saved_at": v.created_at}))
            before = obs[["code", "year", "indicator", "value"]]
    cols = ["code", "year", "indicator", "value", "source", "round", "owner", "saved_at"]
    parts = [p for p in parts if len(p)]
    return (pd.concat(parts, ignore_index=True)[cols].sort_values("saved_at", kind="stable").reset_index(drop=True)
            if parts else pd.DataFrame(columns=cols))


def latest(values: pd.DataFrame) -> pd.DataFrame:
    """The latest saved value per code, year and indicator (earlier rounds stay in ``rounds``)."""
    if not len(values):
        return values
    order = "saved_at" if "saved_at" in values else "round"
    return (values.sort_values(order, kind="stable").drop_duplicates(["code", "year", "indicator"], keep="last")
            .reset_index(drop=True))


def save_round(plan: Plan, observations: pd.DataFrame, level: str, label: str = "",
               root: str | os.PathLike | None = None, user=None) -> tuple[str, int]:
    """Keep a round's values as the next version of the user's rounds dataset for this plan (made at the first
    round, owned by ``user``): that version holds every value reported so far, this round's replacing earlier
    ones, so the map shows the current figures and each earlier round stays retrievable. Returns (dataset id,
    round number)."""
    if observations is None or not len(observations):
        raise PlanError(Message("plans.err.nothing_round"))
    actor, db = dbm.as_user(user), dbm.connect(root)
    tag = _owner_tag(actor.name)
    mine = next((r for r in db.list(saved.KIND, actor) if r.owner == actor.name
                 and any((m := _ROUNDS_ID.match(i)) and m["tag"] == tag for i in _round_ids(r.meta, plan.id))), None)
    n = mine.version + 1 if mine is not None else 1
    source = f"方案填报：{plan.title}（{plan.id}）第{n}轮" + (f"，{label}" if label else "")
    ids = {ind: f"user_plan_{plan.id}__{tag}__{ind}" for ind in observations["indicator"].unique()}
    obs = pd.DataFrame({"code": observations["code"].astype(str), "year": observations["year"].astype("int64"),
                        "indicator": observations["indicator"].map(ids), "value": observations["value"].astype(float),
                        "flag": "", "source": source})
    if mine is not None:                     # the values earlier rounds reported that this one does not replace
        before = saved.load_version(mine.id, None, db, actor)[0]
        kept = before.merge(obs[["code", "year", "indicator"]], how="left", indicator=True)["_merge"] == "left_only"
        obs = pd.concat([before[kept.to_numpy()], obs], ignore_index=True)
    cat, who = catalog(), "" if actor.name == dbm.LOCAL_USER else f"·{actor.name}"
    rows = []
    for iid in dict.fromkeys(obs["indicator"]):
        ind = _ROUNDS_ID.match(iid)["indicator"]
        c = cat.loc[ind].to_dict()
        c.update(id=iid, name_zh=f"{c['name_zh']}（{plan.title[:24]}·填报{who}）",
                 name_en=f"{c['name_en']} ({plan.id}, reported{who})", levels=level, source=source,
                 caveats_zh="由填报单位报送，本工具不核实。",
                 caveats_en="Reported by the units; not verified by this tool.",
                 variant_of="", variant="")
        rows.append(c)
    result = ImportResult(obs, pd.DataFrame(rows), ImportReport(), pd.DataFrame(), level)
    try:
        ds = saved.save_dataset(result, name=f"{plan.title[:40]} 填报（{plan.id}）", description=label or source,
                                root=db, user=actor, replaces=mine.id if mine is not None else None)
    except saved.SavedDataError as exc:
        raise PlanError(exc.args[0] if exc.args else str(exc)) from exc
    return ds, n
