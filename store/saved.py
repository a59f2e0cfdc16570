"""Saved user datasets: kept across restarts in ``data/user/`` (git-ignored).

Layout, and why: one Parquet file of observations per dataset
(``<id>.parquet``; typed, compact, fast to load) plus one ``manifest.json``
listing the datasets with their catalog rows and description. The manifest
is the single source of truth: a dataset exists iff the manifest lists it.

Atomicity: every file is written to a temporary file in the same directory,
flushed and fsync'ed, then moved into place with ``os.replace`` (atomic on
POSIX and Windows), and the directory is fsync'ed. A save writes the Parquet
file first and the manifest last, so a crash at any moment leaves either the
old manifest (the new Parquet is an orphan, ignored and swept up later) or the
new one (whose Parquet is already complete). Deleting removes the manifest
entry first, then the file. An advisory lock (``fcntl.flock``) serialises
writers from several Streamlit sessions.

Root: ``root`` argument, else ``$ATLAS_USER_DATA``, else ``<repo>/data/user``.
``_atomic_write``, ``_locked`` and ``user_root`` are also used by store/stories.py.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from store.ingest import CATALOG_COLUMNS, OBSERVATION_COLUMNS, TARGET_COLUMNS, ImportResult

MANIFEST = "manifest.json"
LIST_COLUMNS = ["id", "name", "description", "source", "level", "indicators", "regions", "year_min", "year_max",
                "observations", "uploaded_at"]


class SavedDataError(ValueError):
    """A save or delete we refuse (nothing to save, unknown id, indicator already saved)."""


class DatasetNameTaken(SavedDataError):
    """Another file is already saved under this name: replace it (``replace=True``) or choose another name."""

    def __init__(self, name: str, uploaded_at: str):
        super().__init__(f"已有同名数据集“{name}”（上传于 {uploaded_at}）。 / A dataset named “{name}” already exists"
                         f" (uploaded {uploaded_at}).")
        self.name, self.uploaded_at = name, uploaded_at


def user_root(root: str | os.PathLike | None = None) -> Path:
    if root is not None:
        return Path(root)
    env = os.environ.get("ATLAS_USER_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data" / "user"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. Windows: directories cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, write) -> None:
    """``write(fileobj)`` into a temp file beside ``path``, fsync, then os.replace."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


@contextlib.contextmanager
def _locked(root: Path):
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+b") as fh:
        try:
            import fcntl
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except ImportError:  # Windows: single-user app, no lock
            pass
        yield


def _read_manifest(root: Path) -> dict:
    """The manifest; SavedDataError if it exists but cannot be read (then nothing is written or swept)."""
    path = root / MANIFEST
    if not path.exists():
        return {"version": 1, "datasets": []}
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
        assert isinstance(manifest.get("datasets"), list)
        return manifest
    except (OSError, ValueError, AssertionError, AttributeError) as exc:
        raise SavedDataError(f"已保存数据的清单无法读取：{path} / "
                             f"The saved-data manifest is unreadable: {path} ({exc})")


def _read_manifest_or_empty(root: Path) -> dict:
    try:
        return _read_manifest(root)
    except SavedDataError as exc:
        warnings.warn(str(exc), stacklevel=3)
        return {"version": 1, "datasets": []}


def _write_manifest(root: Path, manifest: dict) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    _atomic_write(root / MANIFEST, lambda fh: fh.write(data))


def _sweep(root: Path, manifest: dict) -> None:
    """Remove orphans left by a crash: Parquet files not in the manifest, stale temp files."""
    listed = {d["file"] for d in manifest["datasets"]}
    now = time.time()
    for p in root.iterdir():
        if p.name.startswith("ds_") and p.suffix == ".parquet" and p.name not in listed:
            p.unlink(missing_ok=True)
        elif p.name.startswith((f".{MANIFEST}.", ".ds_")) and p.name.endswith(".tmp") \
                and now - p.stat().st_mtime > 60:  # other modules' files (stories.json) are theirs
            p.unlink(missing_ok=True)


def _clean_json(value):
    if isinstance(value, float) and pd.isna(value):
        return ""
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def save_dataset(result: ImportResult, name: str, description: str = "", source: str = "",
                 root: str | os.PathLike | None = None, replace: bool = False) -> str:
    """Keep an import for good; returns the dataset id. Refuses empty results,
    indicator ids already saved (the same file imported twice) and a name already
    taken (:class:`DatasetNameTaken`) unless ``replace``: then the dataset of that
    name goes in the same manifest write. (Keeping the old one as a version waits
    for the database of issue #16.)"""
    obs = result.observations
    if obs is None or not len(obs):
        raise SavedDataError("没有可保存的数据。 / Nothing to save.")
    if not str(name).strip():
        raise SavedDataError("请填写数据集名称。 / Please name the dataset.")
    obs = obs[OBSERVATION_COLUMNS].reset_index(drop=True)
    catalog = result.catalog.reindex(columns=CATALOG_COLUMNS)
    if str(source or "").strip():  # what the user typed when saving is the figures' source, shown under each
        source = str(source).strip()
        obs, catalog = obs.assign(source=source), catalog.assign(source=source)
    root = user_root(root)
    with _locked(root):
        manifest = _read_manifest(root)
        same_name = [d for d in manifest["datasets"] if d["name"] == str(name).strip()]
        if same_name and not replace:
            raise DatasetNameTaken(same_name[0]["name"], same_name[0].get("uploaded_at", ""))
        others = [d for d in manifest["datasets"] if d not in same_name]
        holders = [d["name"] for d in others if set(catalog["id"]) & set(d["indicators"])]
        if holders:  # named for people, not by internal ids
            listed = "、".join(f"“{n}”" for n in holders)
            raise SavedDataError(f"这个表格已保存为 {listed}。 / This table is already saved as {listed}.")
        stamp = datetime.now(timezone.utc)
        ds_id = "ds_" + stamp.strftime("%Y%m%d%H%M%S") + "_" + hashlib.sha1(
            ("|".join(catalog["id"]) + str(time.time_ns())).encode()).hexdigest()[:6]
        fname = f"{ds_id}.parquet"
        _atomic_write(root / fname, lambda fh: obs.to_parquet(fh, index=False))
        entry = {
            "id": ds_id, "name": str(name).strip(), "description": description or "",
            "source": source or (catalog["source"].iloc[0] if len(catalog) else ""),
            "level": result.level or "", "file": fname,
            "indicators": catalog["id"].tolist(),
            "regions": int(obs["code"].nunique()), "year_min": int(obs["year"].min()),
            "year_max": int(obs["year"].max()), "observations": len(obs),
            "uploaded_at": stamp.isoformat(timespec="seconds"),
            "catalog": [{k: _clean_json(v) for k, v in row.items()} for row in catalog.to_dict("records")],
            "targets": [{k: _clean_json(v) for k, v in row.items()}
                        for row in result.targets.reindex(columns=TARGET_COLUMNS).to_dict("records")],
        }
        manifest = {"version": 1, "datasets": [*others, entry]}
        _write_manifest(root, manifest)
        _sweep(root, manifest)  # the replaced dataset's file is no longer listed: swept
    return ds_id


def list_datasets(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per saved dataset: name, description, source, level, coverage, upload time."""
    manifest = _read_manifest_or_empty(user_root(root))
    rows = [{k: d.get(k) for k in LIST_COLUMNS} for d in manifest["datasets"]]
    for r in rows:
        r["indicators"] = len(r["indicators"] or [])
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def load_all(root: str | os.PathLike | None = None) -> list[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """(observations, catalog, targets) per saved dataset, for ``load_store(extra=...)``.

    A dataset whose file is missing or unreadable (or an unreadable manifest)
    is left out with a warning rather than breaking the whole app.
    """
    root = user_root(root)
    out = []
    for d in _read_manifest_or_empty(root)["datasets"]:
        try:
            obs = pd.read_parquet(root / d["file"])
        except Exception as exc:  # noqa: BLE001
            warnings.warn(f"saved dataset {d['id']} unreadable: {exc}", stacklevel=2)
            continue
        out.append((obs[OBSERVATION_COLUMNS], pd.DataFrame(d["catalog"], columns=CATALOG_COLUMNS),
                    pd.DataFrame(d.get("targets", []), columns=TARGET_COLUMNS)))
    return out


def delete_dataset(ds_id: str, root: str | os.PathLike | None = None) -> None:
    """Forget a saved dataset: manifest entry first (atomic), then its file."""
    root = user_root(root)
    with _locked(root):
        manifest = _read_manifest(root)
        keep = [d for d in manifest["datasets"] if d["id"] != ds_id]
        if len(keep) == len(manifest["datasets"]):
            raise SavedDataError(f"没有这个数据集：{ds_id} / No saved dataset {ds_id}.")
        gone = next(d for d in manifest["datasets"] if d["id"] == ds_id)
        _write_manifest(root, {"version": 1, "datasets": keep})
        (root / gone["file"]).unlink(missing_ok=True)
        _fsync_dir(root)
