"""Saved user datasets, kept in the database (store/db.py) as versioned objects of kind ``dataset``.

Each version holds the observations as one Parquet blob and the catalog rows, targets, description, source
and coverage as JSON. Every dataset has an owner (the user who saved it), a visibility (private until its
owner shares it) and a Composite-index flag (an upload joins the index only when its owner adds it).
Saving under a name the same owner already uses is refused unless the save says ``replace``: then it adds
a version (the old one stays retrievable); ``replaces=`` does so by id.
Only the owner or an admin replaces, shares or deletes.

``root`` (a folder, whose ``atlas.db`` is used, or an open ``store.db.Database``) and ``user`` (a
``store.identity.User`` or a name; default: the local user) are accepted by every function, so callers
written for the single-user file store keep working.
"""
from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from store import db as dbm
from store.db import DatabaseError, user_root  # noqa: F401 - user_root: part of this module's API
from store.identity import User
from store.ingest import CATALOG_COLUMNS, OBSERVATION_COLUMNS, TARGET_COLUMNS, ImportResult
from store.messages import Message

KIND = "dataset"
LIST_COLUMNS = ["id", "name", "description", "source", "level", "indicators", "regions", "year_min", "year_max",
                "observations", "uploaded_at", "owner", "visibility", "in_index", "version", "created_at"]
UserArg = User | str | None


class SavedDataError(ValueError):
    """A save, share or delete we refuse (nothing to save, unknown id, not allowed, database down)."""


class DatasetNameTaken(SavedDataError):
    """The same owner already saved a dataset under this name: replace it (``replace=True``: the old one stays
    as an earlier version) or choose another name."""

    def __init__(self, name: str, uploaded_at: str):
        super().__init__(Message("store.saved.name_taken", name=name, uploaded_at=uploaded_at))
        self.name, self.uploaded_at = name, uploaded_at


def _db(root) -> dbm.Database:
    return dbm.connect(root)


@contextlib.contextmanager
def _refusals(ds_id: str = ""):
    """The database's refusals as SavedDataError, said the same way whether the dataset is missing or private."""
    try:
        yield
    except KeyError:
        raise SavedDataError(Message("store.saved.not_available", id=ds_id)) from None
    except PermissionError:
        raise SavedDataError(Message("store.saved.not_owner", id=ds_id)) from None
    except DatabaseError as exc:
        raise SavedDataError(exc.args[0] if exc.args else str(exc)) from exc


def _clean_json(value):
    if isinstance(value, float) and pd.isna(value):
        return ""
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _clean_json(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _parquet(obs: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(obs, preserve_index=False), sink)
    return sink.getvalue()


def _frames(meta: str | dict, blob: bytes) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    meta = json.loads(meta) if isinstance(meta, str) else meta
    obs = pq.read_table(pa.BufferReader(blob)).to_pandas()
    return (obs[OBSERVATION_COLUMNS], pd.DataFrame(meta["catalog"], columns=CATALOG_COLUMNS),
            pd.DataFrame(meta.get("targets", []), columns=TARGET_COLUMNS))


def save_dataset(result: ImportResult, name: str, description: str = "", source: str = "",
                 root=None, user: UserArg = None, replace: bool = False, replaces: str | None = None) -> str:
    """Keep an import for good; returns the dataset id. A name the same owner already uses is refused
    (:class:`DatasetNameTaken`) unless ``replace``: then the save is that dataset's new version and the old one
    stays retrievable. ``replaces`` names the dataset to add a version to (monitoring rounds). Refuses empty
    results and indicator ids another dataset holds (the same file imported twice)."""
    obs = result.observations
    if obs is None or not len(obs):
        raise SavedDataError(Message("store.saved.nothing"))
    name = str(name).strip()
    if not name:
        raise SavedDataError(Message("store.saved.no_name"))
    obs = obs[OBSERVATION_COLUMNS].reset_index(drop=True)
    catalog = result.catalog.reindex(columns=CATALOG_COLUMNS)
    if str(source or "").strip():  # what the user typed when saving is the figures' source, shown under each
        source = str(source).strip()
        obs, catalog = obs.assign(source=source), catalog.assign(source=source)
    actor, db = dbm.as_user(user), _db(root)
    meta = {
        "description": description or "", "source": source or (catalog["source"].iloc[0] if len(catalog) else ""),
        "level": result.level or "", "indicators": catalog["id"].tolist(),
        "regions": int(obs["code"].nunique()), "year_min": int(obs["year"].min()),
        "year_max": int(obs["year"].max()), "observations": len(obs),
        "catalog": _records(catalog), "targets": _records(result.targets.reindex(columns=TARGET_COLUMNS)),
    }
    with _refusals(replaces or ""):
        if replaces is None:
            same = [r for r in db.list(KIND, actor) if r.name == name and r.owner == actor.name]
            if same and not replace:
                raise DatasetNameTaken(name, same[0].updated_at[:16].replace("T", " "))
            replaces = same[0].id if same else None

        def no_clash(conn):
            holders = []
            for other in conn.execute(
                    dbm.sa.select(dbm.objects.c.id, dbm.objects.c.name, dbm.objects.c.owner,
                                  dbm.objects.c.visibility, dbm.versions.c.meta)
                    .join(dbm.versions, dbm.sa.and_(dbm.versions.c.object_id == dbm.objects.c.id,
                                                    dbm.versions.c.version == dbm.objects.c.version))
                    .where(dbm.objects.c.kind == KIND, dbm.objects.c.deleted_at.is_(None))):
                if other.id != replaces and set(catalog["id"]) & set(json.loads(other.meta).get("indicators", [])):
                    seen = actor.is_admin or actor.may_see(other.owner, other.visibility)
                    holders.append(f"“{other.name}”" if seen else Message("store.saved.another_users"))
            if holders:  # named for people, not by internal ids; another user's private name is not disclosed
                raise SavedDataError(Message("store.saved.already_saved", listed=tuple(holders)))

        ds_id, _ = db.put(KIND, name, meta, actor, blob=_parquet(obs), obj_id=replaces, check=no_clash)
    return ds_id


def list_datasets(root=None, user: UserArg = None, manage: bool = False) -> pd.DataFrame:
    """One row per dataset the user may see (``manage``: an admin sees every one): name, description,
    source, level, coverage, upload time of the current version, owner, visibility, index flag, version."""
    rows = []
    for r in _db(root).list(KIND, dbm.as_user(user), manage=manage):
        meta = json.loads(r.meta)
        rows.append({**{k: meta.get(k) for k in LIST_COLUMNS}, "id": r.id, "name": r.name,
                     "indicators": len(meta.get("indicators") or []),
                     "uploaded_at": r.updated_at[:16].replace("T", " "),
                     "owner": r.owner, "visibility": r.visibility, "in_index": bool(r.in_index),
                     "version": r.version, "created_at": r.created_at[:16].replace("T", " ")})
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def load_all(root=None, user: UserArg = None) -> list[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """(observations, catalog, targets) per dataset the user may see, for ``load_store(extra=...)``."""
    return [_frames(r.meta, r.blob) for r in _db(root).blobs(KIND, dbm.as_user(user))]


def visible_key(root=None, user: UserArg = None) -> str:
    """Names exactly the saved data a user's store holds: each visible dataset's id, version and index flag."""
    seen = _db(root).visible_versions(KIND, dbm.as_user(user))
    return "saved:" + ",".join(f"{i}@{v}{'+index' if x else ''}" for i, v, x in seen) if seen else "bundled"


def load_visible(root=None, user: UserArg = None) -> tuple[list, frozenset[str]]:
    """``load_all`` plus the indicator ids kept out of the Composite index (their owner has not added them)."""
    extras, excluded = [], set()
    for r in _db(root).blobs(KIND, dbm.as_user(user)):
        frames = _frames(r.meta, r.blob)
        extras.append(frames)
        if not r.in_index:
            excluded.update(frames[1]["id"])
    return extras, frozenset(excluded)


def load_version(ds_id: str, version: int | None = None, root=None, user: UserArg = None):
    """(observations, catalog, targets) of one version (default: the current one) of a visible dataset."""
    with _refusals(ds_id):
        _, ver = _db(root).get(ds_id, dbm.as_user(user), version=version, kind=KIND)
    return _frames(ver.meta, ver.blob)


def dataset_versions(ds_id: str, root=None, user: UserArg = None) -> pd.DataFrame:
    """version, created_at, created_by of every version of a visible dataset, oldest first."""
    with _refusals(ds_id):
        rows = _db(root).history(ds_id, dbm.as_user(user))
    return pd.DataFrame([tuple(r) for r in rows], columns=["version", "created_at", "created_by"])


def delete_dataset(ds_id: str, root=None, user: UserArg = None) -> None:
    """Forget a dataset (its versions stay in the database, recorded in the audit log)."""
    with _refusals(ds_id):
        _db(root).delete(ds_id, dbm.as_user(user), kind=KIND)


def share_dataset(ds_id: str, shared: bool | str, root=None, user: UserArg = None) -> None:
    """True: every user sees it; False: only its owner (and admins, to manage it); a group's name: its members."""
    with _refusals(ds_id):
        _db(root).set_visibility(ds_id, dbm.visibility_of(shared), dbm.as_user(user))


def set_in_index(ds_id: str, in_index: bool, root=None, user: UserArg = None) -> None:
    """The owner adds the dataset's indicators to the Composite index's default choice, or takes them out."""
    with _refusals(ds_id):
        _db(root).set_in_index(ds_id, in_index, dbm.as_user(user))


def audit_log(root=None, user: UserArg = None, limit: int = 500) -> pd.DataFrame:
    """Who saved, replaced, shared or deleted what, and when; newest first; admins only."""
    with _refusals("audit"):
        rows = _db(root).audit_log(dbm.as_user(user), limit)
    return pd.DataFrame([dict(r._mapping) for r in rows],
                        columns=["id", "at", "actor", "action", "object_id", "kind", "name", "detail"])


# ── small files outside the database (kept for modules that write their own files) ─────────────────────
