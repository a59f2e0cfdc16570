"""One-time import of the file store that came before the database (``data/user/``: manifest.json,
one Parquet file per dataset, stories.json, plans.json), run by store/db.py inside a migration transaction, once
each (plans.json came later than the others: a database made before it is given its plans at the next start).

Nothing is lost and nothing is removed: each dataset, story and plan keeps its id, name, times and content as
version 1, owned by the local user and shared (before, every visitor saw everything), datasets in the
Composite index as they were; the files stay where they are. A file that cannot be read is reported in the
audit log and a warning, not silently skipped.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

from store.identity import LOCAL_USER

MANIFEST, STORIES, PLANS = "manifest.json", "stories.json", "plans.json"


def _json(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        warnings.warn(f"legacy file unreadable, not imported: {path} ({exc})", stacklevel=3)
        return None


def import_files(db, conn, root: Path) -> dict:
    """Import ``root``'s manifest datasets and stories through ``conn`` (an open transaction)."""
    from store.db import SHARED, objects, versions
    manifest = _json(root / MANIFEST) or {}
    stories = _json(root / STORIES) or {}
    counts = {"datasets": 0, "stories": 0, "unreadable": 0}
    if not manifest.get("datasets") and not stories.get("stories"):
        return counts
    db.touch_user(conn, LOCAL_USER)
    for d in manifest.get("datasets", []):
        try:
            blob = (root / d["file"]).read_bytes()
        except (OSError, KeyError) as exc:
            warnings.warn(f"saved dataset {d.get('id')} unreadable, not imported: {exc}", stacklevel=2)
            db.log(conn, LOCAL_USER, "import", str(d.get("id")), "dataset", str(d.get("name")),
                   f"file unreadable, not imported: {exc}")
            counts["unreadable"] += 1
            continue
        stamp = d.get("uploaded_at") or ""
        meta = {k: v for k, v in d.items() if k not in ("id", "name", "file", "uploaded_at")}
        conn.execute(objects.insert().values(id=d["id"], kind="dataset", name=d["name"], owner=LOCAL_USER,
                                             visibility=SHARED, in_index=True, version=1, created_at=stamp,
                                             updated_at=stamp))
        conn.execute(versions.insert().values(object_id=d["id"], version=1, created_at=stamp, created_by=LOCAL_USER,
                                              meta=json.dumps(meta, ensure_ascii=False), blob=blob))
        db.log(conn, LOCAL_USER, "import", d["id"], "dataset", d["name"], f"from {root / d['file']}")
        counts["datasets"] += 1
    for s in stories.get("stories", []):
        if not isinstance(s, dict) or not s.get("id"):
            continue
        stamp = s.get("created_at") or ""
        conn.execute(objects.insert().values(id=s["id"], kind="story", name=str(s.get("title", "")), owner=LOCAL_USER,
                                             visibility=SHARED, in_index=False, version=1, created_at=stamp,
                                             updated_at=stamp))
        conn.execute(versions.insert().values(object_id=s["id"], version=1, created_at=stamp, created_by=LOCAL_USER,
                                              meta=json.dumps(s, ensure_ascii=False)))
        db.log(conn, LOCAL_USER, "import", s["id"], "story", str(s.get("title", "")), f"from {root / STORIES}")
        counts["stories"] += 1
    return counts


def import_plans(db, conn, root: Path) -> int:
    """Import ``root``'s plans.json (user plans from before the database) as plan objects, one version each,
    owned by the local user and shared, as every visitor saw them before."""
    from store.db import SHARED, now, objects, versions
    plans = (_json(root / PLANS) or {}).get("plans") or []
    count = 0
    for p in plans:
        if not isinstance(p, dict) or not p.get("id"):
            continue
        stamp, obj_id = now(), f"plan_{p['id']}"
        db.touch_user(conn, LOCAL_USER)
        conn.execute(objects.insert().values(id=obj_id, kind="plan", name=str(p["id"]), owner=LOCAL_USER,
                                             visibility=SHARED, in_index=False, version=1, created_at=stamp,
                                             updated_at=stamp))
        conn.execute(versions.insert().values(object_id=obj_id, version=1, created_at=stamp, created_by=LOCAL_USER,
                                              meta=json.dumps(p, ensure_ascii=False)))
        db.log(conn, LOCAL_USER, "import", obj_id, "plan", str(p["id"]), f"from {root / PLANS}")
        count += 1
    return count
