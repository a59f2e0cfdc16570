"""The saved-data database: one versioned-object table for datasets, stories, plans and rounds.

SQLite file ``<user-data root>/atlas.db`` by default (zero set-up), PostgreSQL when ``ATLAS_DATABASE_URL``
is set. Schema changes are Alembic migrations (store/migrations/), applied when a process first opens the
database; on that first open, files in today's ``data/user/`` format (manifest + Parquet + stories.json) are
imported once, nothing lost.

One versioning model: every object (``objects``: id, kind, name, owner, visibility, current version …) has
numbered ``versions``; a save adds one (its JSON ``meta`` and, for datasets, the observations as one Parquet
``blob`` — reading 5 M rows from SQL rows took 40x longer than from Parquet), older versions stay
retrievable, a delete marks the object deleted. Every write bumps the ``changes`` counter in the same
transaction — other processes compare it to invalidate their caches — and writes an ``audit`` row
(who saved, replaced, shared or deleted what, when). A write is one transaction: a crash or a database
that goes away mid-save leaves the old state or the new one.

CLI, backup and restore for either backend::

    python -m store.db export FILE.zip     # everything: objects, versions, blobs, users, audit
    python -m store.db import FILE.zip     # into an empty database
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from store.identity import LOCAL_USER, PRIVATE, SHARED, User, local_user, shared_with, visibility_of
from store.messages import Message

URL_ENV = "ATLAS_DATABASE_URL"
SQLITE_NAME = "atlas.db"
EXPORT_FORMAT = "atlas-export"
PREFIX = {"dataset": "ds", "story": "st", "plan": "plan"}   # ids as the file store made them

metadata = sa.MetaData()
users = sa.Table(
    "users", metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("last_seen", sa.String(40), nullable=False))
objects = sa.Table(
    "objects", metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False, index=True),
    sa.Column("name", sa.String(400), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False, index=True),
    sa.Column("visibility", sa.String(220), nullable=False, server_default=PRIVATE),   # or "group:<name>"
    sa.Column("in_index", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("deleted_at", sa.String(40)),
    sa.Column("deleted_by", sa.String(200)))
versions = sa.Table(
    "versions", metadata,
    sa.Column("object_id", sa.String(80), sa.ForeignKey("objects.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("meta", sa.Text, nullable=False),
    sa.Column("blob", sa.LargeBinary))
audit = sa.Table(
    "audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("object_id", sa.String(80), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("name", sa.String(400), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""))
counters = sa.Table(
    "counters", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False))


class DatabaseError(RuntimeError):
    """The database cannot be reached, or refused a read or write; the message says so in both languages."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def new_id(prefix: str, seed: str = "") -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    return f"{prefix}_{stamp}_" + hashlib.sha1(f"{seed}|{time.time_ns()}|{os.getpid()}".encode()).hexdigest()[:6]


def user_root(root: str | os.PathLike | None = None) -> Path:
    """Where local files live: ``root``, else ``$ATLAS_USER_DATA``, else ``<repo>/data/user``."""
    if root is not None:
        return Path(root)
    env = os.environ.get("ATLAS_USER_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data" / "user"


def database_url(root: str | os.PathLike | None = None) -> str:
    """``ATLAS_DATABASE_URL`` (unless a root is given explicitly), else the SQLite file under the root."""
    url = os.environ.get(URL_ENV, "").strip()
    if url and root is None:
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
    return f"sqlite:///{user_root(root) / SQLITE_NAME}"


def _unavailable(exc: BaseException) -> DatabaseError:
    """Down or unreachable (OperationalError), or refusing (read-only, …): said so, in both languages."""
    detail = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:300]
    if isinstance(exc, sa.exc.OperationalError):
        return DatabaseError(Message("store.db.unavailable", detail=detail))
    return DatabaseError(Message("store.db.refused", detail=detail))


@dataclass(frozen=True)
class Visible:
    """Who may see what (User.may_see): the owner, everyone when shared, a group's members when shared with
    it; admins manage (list, share, delete) everything."""
    user: User

    def clause(self, manage: bool = False):
        if manage and self.user.is_admin:
            return sa.true()
        return sa.or_(objects.c.owner == self.user.name, objects.c.visibility == SHARED,
                      objects.c.visibility.in_(sorted(visibility_of(g) for g in self.user.groups)))


def _check_audience(visibility: str | None, actor: User) -> None:
    """None (unchanged), private, everyone, or a group the actor belongs to (an admin: any group)."""
    if visibility in (None, PRIVATE, SHARED):
        return
    group = shared_with(visibility)
    if not (isinstance(group, str) and group and (actor.is_admin or group in actor.groups)):
        raise ValueError(visibility)


class Database:
    """One engine per URL and process; every public method is one transaction."""

    def __init__(self, url: str, legacy_root: Path | None = None):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
        self.legacy_root = legacy_root
        self._migrate()

    # ── set-up ───────────────────────────────────────────────────────────────
    def _migrate(self) -> None:
        """Alembic upgrade to head, then the one-time import of today's files; serialised across processes."""
        from alembic import command
        from alembic.config import Config
        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
        try:
            with self._migration_lock(), self.engine.begin() as conn:
                if not self.is_sqlite:
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(160016)"))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                from store.legacy import import_files, import_plans
                for once, run in (("legacy_import", import_files), ("legacy_plans", import_plans)):
                    if not conn.execute(sa.select(counters.c.value).where(counters.c.name == once)).scalar():
                        if self.legacy_root is not None:
                            run(self, conn, self.legacy_root)
                        conn.execute(counters.insert().values(name=once, value=1))
        except sa.exc.DBAPIError as exc:
            raise _unavailable(exc) from exc

    @contextlib.contextmanager
    def _migration_lock(self):
        if not self.is_sqlite:
            yield
            return
        import fcntl
        path = Path(self.url.removeprefix("sqlite:///"))
        with open(path.with_name(path.name + ".lock"), "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            yield

    @contextlib.contextmanager
    def read(self):
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.DBAPIError as exc:
            raise _unavailable(exc) from exc

    @contextlib.contextmanager
    def write(self, actor: User):
        """A write transaction: the counter is bumped first, so writers queue on it (SQLite and PostgreSQL)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(counters.update().where(counters.c.name == "changes")
                             .values(value=counters.c.value + 1))
                self.touch_user(conn, actor.name)
                yield conn
        except sa.exc.DBAPIError as exc:
            raise _unavailable(exc) from exc

    # ── primitives (inside a transaction) ────────────────────────────────────
    @staticmethod
    def touch_user(conn, name: str) -> None:
        stamp = now()
        if conn.execute(sa.update(users).where(users.c.name == name).values(last_seen=stamp)).rowcount == 0:
            conn.execute(users.insert().values(name=name, created_at=stamp, last_seen=stamp))

    @staticmethod
    def log(conn, actor: str, action: str, obj_id: str, kind: str, name: str, detail: str = "") -> None:
        conn.execute(audit.insert().values(at=now(), actor=actor, action=action, object_id=obj_id, kind=kind,
                                           name=name, detail=detail))

    # ── public API ───────────────────────────────────────────────────────────
    def changes(self) -> int:
        """The counter every write bumps: a cache built at another value is stale."""
        with self.read() as conn:
            return int(conn.execute(sa.select(counters.c.value).where(counters.c.name == "changes")).scalar() or 0)

    def put(self, kind: str, name: str, meta: dict, actor: User, blob: bytes | None = None, obj_id: str | None = None,
            visibility: str | None = None, check=None) -> tuple[str, int]:
        """Save a new object, or a new version of ``obj_id`` (only its owner or an admin may); returns
        (id, version). ``check(conn)`` runs inside the transaction first and may raise to refuse the save."""
        _check_audience(visibility, actor)
        with self.write(actor) as conn:
            if check is not None:
                check(conn)
            stamp = now()
            if obj_id is not None:
                row = self._managed(conn, obj_id, actor, kind)
                version = row.version + 1
                conn.execute(objects.update().where(objects.c.id == obj_id).values(
                    name=name, version=version, updated_at=stamp,
                    **({"visibility": visibility} if visibility else {})))
                action = "replace"
            else:
                obj_id, version, action = new_id(PREFIX.get(kind, kind[:4]), name), 1, "save"
                conn.execute(objects.insert().values(
                    id=obj_id, kind=kind, name=name, owner=actor.name, visibility=visibility or PRIVATE,
                    in_index=False, version=1, created_at=stamp, updated_at=stamp))
            conn.execute(versions.insert().values(object_id=obj_id, version=version, created_at=stamp,
                                                  created_by=actor.name, blob=blob,
                                                  meta=json.dumps(meta, ensure_ascii=False, default=str)))
            self.log(conn, actor.name, action, obj_id, kind, name, f"version {version}")
        return obj_id, version

    @staticmethod
    def _row(conn, obj_id: str, kind: str | None = None):
        q = sa.select(objects).where(objects.c.id == obj_id)
        if kind:
            q = q.where(objects.c.kind == kind)
        return conn.execute(q).first()

    def list(self, kind: str, user: User, manage: bool = False) -> list:
        """Live objects of ``kind`` the user may see (``manage``: an admin's Data page lists every one),
        oldest first, with their current version's meta (no blobs)."""
        q = (sa.select(objects, versions.c.meta)
             .join(versions, sa.and_(versions.c.object_id == objects.c.id, versions.c.version == objects.c.version))
             .where(objects.c.kind == kind, objects.c.deleted_at.is_(None), Visible(user).clause(manage))
             .order_by(objects.c.created_at, objects.c.id))
        with self.read() as conn:
            return conn.execute(q).all()

    def blobs(self, kind: str, user: User) -> list:
        """(object row fields, meta, blob) of the current version of every visible live object of ``kind``."""
        q = (sa.select(objects.c.id, objects.c.version, objects.c.in_index, versions.c.meta, versions.c.blob)
             .join(versions, sa.and_(versions.c.object_id == objects.c.id, versions.c.version == objects.c.version))
             .where(objects.c.kind == kind, objects.c.deleted_at.is_(None), Visible(user).clause())
             .order_by(objects.c.created_at, objects.c.id))
        with self.read() as conn:
            return conn.execute(q).all()

    def visible_versions(self, kind: str, user: User) -> list[tuple[str, int, bool]]:
        q = (sa.select(objects.c.id, objects.c.version, objects.c.in_index)
             .where(objects.c.kind == kind, objects.c.deleted_at.is_(None), Visible(user).clause())
             .order_by(objects.c.created_at, objects.c.id))
        with self.read() as conn:
            return [tuple(r) for r in conn.execute(q).all()]

    def get(self, obj_id: str, user: User, version: int | None = None, kind: str | None = None):
        """(object row, version row) — KeyError when it does not exist or is not visible to ``user``
        (the two are not told apart: a private object's existence is not disclosed)."""
        with self.read() as conn:
            row = conn.execute(sa.select(objects).where(objects.c.id == obj_id, Visible(user).clause(manage=True),
                                                        objects.c.deleted_at.is_(None),
                                                        *( [objects.c.kind == kind] if kind else []))).first()
            if row is None:
                raise KeyError(obj_id)
            ver = conn.execute(sa.select(versions).where(versions.c.object_id == obj_id,
                                                         versions.c.version == (version or row.version))).first()
            if ver is None:
                raise KeyError(f"{obj_id}@{version}")
            return row, ver

    def history(self, obj_id: str, user: User) -> list:
        """Every version of a visible object: version, created_at, created_by (no blobs)."""
        self.get(obj_id, user)
        with self.read() as conn:
            return conn.execute(sa.select(versions.c.version, versions.c.created_at, versions.c.created_by)
                                .where(versions.c.object_id == obj_id).order_by(versions.c.version)).all()

    def _managed(self, conn, obj_id: str, actor: User, kind: str | None):
        row = self._row(conn, obj_id, kind)
        visible = row is not None and not row.deleted_at and (actor.is_admin or actor.may_see(row.owner,
                                                                                            row.visibility))
        if not visible:
            raise KeyError(obj_id)
        if not actor.may_manage(row.owner):
            raise PermissionError(obj_id)
        return row

    def delete(self, obj_id: str, actor: User, kind: str | None = None) -> None:
        """Mark deleted (versions stay for the record and for restore); only the owner or an admin."""
        with self.write(actor) as conn:
            row = self._managed(conn, obj_id, actor, kind)
            stamp = now()
            conn.execute(objects.update().where(objects.c.id == obj_id).values(deleted_at=stamp, deleted_by=actor.name,
                                                                              updated_at=stamp))
            self.log(conn, actor.name, "delete", obj_id, row.kind, row.name, f"version {row.version}")

    def set_visibility(self, obj_id: str, visibility: str, actor: User) -> None:
        """Private, shared with everyone, or with one of the actor's groups (an admin: any group)."""
        _check_audience(visibility, actor)
        with self.write(actor) as conn:
            row = self._managed(conn, obj_id, actor, None)
            conn.execute(objects.update().where(objects.c.id == obj_id).values(visibility=visibility,
                                                                              updated_at=now()))
            self.log(conn, actor.name, "unshare" if visibility == PRIVATE else "share", obj_id, row.kind, row.name,
                     visibility)

    def set_in_index(self, obj_id: str, in_index: bool, actor: User) -> None:
        with self.write(actor) as conn:
            row = self._managed(conn, obj_id, actor, None)
            conn.execute(objects.update().where(objects.c.id == obj_id).values(in_index=bool(in_index),
                                                                              updated_at=now()))
            self.log(conn, actor.name, "change", obj_id, row.kind, row.name,
                     "composite index: " + ("added" if in_index else "removed"))

    def audit_log(self, actor: User, limit: int = 500) -> list:
        """The newest audit rows first; admins only."""
        if not actor.is_admin:
            raise PermissionError("audit")
        with self.read() as conn:
            return conn.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(limit)).all()

    # ── backup ───────────────────────────────────────────────────────────────
    def export(self, path: str | os.PathLike) -> dict:
        """Everything into one zip: tables as JSON, blobs as files. Returns counts."""
        with self.read() as conn, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            tables = {}
            for table in (users, objects, audit, counters):
                tables[table.name] = [dict(r._mapping) for r in conn.execute(sa.select(table))]
            vers = []
            for r in conn.execute(sa.select(versions)):
                row = dict(r._mapping)
                blob = row.pop("blob")
                if blob is not None:
                    row["blob"] = f"blobs/{row['object_id']}@{row['version']}.parquet"
                    zf.writestr(row["blob"], bytes(blob))
                vers.append(row)
            tables["versions"] = vers
            zf.writestr("atlas.json", json.dumps({"format": EXPORT_FORMAT, "version": 1, "tables": tables},
                                                 ensure_ascii=False, indent=1))
        return {k: len(v) for k, v in tables.items()}

    def import_(self, path: str | os.PathLike) -> dict:
        """Restore an export into an empty database (refused otherwise: nothing is merged silently)."""
        with zipfile.ZipFile(path) as zf:
            data = json.loads(zf.read("atlas.json"))
            if data.get("format") != EXPORT_FORMAT:
                raise ValueError(Message("store.db.not_export"))
            tables = data["tables"]
            with self.engine.begin() as conn:
                if conn.execute(sa.select(sa.func.count()).select_from(objects)).scalar():
                    raise ValueError(Message("store.db.import_not_empty"))
                conn.execute(sa.delete(counters))
                for table in (users, objects, counters, audit):
                    if tables.get(table.name):
                        conn.execute(table.insert(), tables[table.name])
                for row in tables.get("versions", []):
                    ref = row.pop("blob", None)
                    conn.execute(versions.insert().values(**row, blob=zf.read(ref) if ref else None))
                if conn.execute(sa.select(counters.c.value).where(counters.c.name == "changes")).first() is None:
                    conn.execute(counters.insert().values(name="changes", value=1))
                conn.execute(counters.update().where(counters.c.name == "changes")
                             .values(value=counters.c.value + 1))
                if not self.is_sqlite and tables.get("audit"):
                    conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('audit', 'id'), "
                                         "(SELECT max(id) FROM audit))"))
        return {k: len(v) for k, v in tables.items()}


def _sqlite_connect(dbapi_conn, _record) -> None:
    """Let SQLAlchemy's BEGIN be the transaction (pysqlite's own would begin late); WAL for readers
    alongside a writer; wait rather than fail when another process holds the write lock."""
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA journal_mode=WAL")
    dbapi_conn.execute("PRAGMA busy_timeout=60000")
    dbapi_conn.execute("PRAGMA foreign_keys=ON")


_OPEN: dict[str, Database] = {}
_LOCK = threading.Lock()


def connect(root: str | os.PathLike | Database | None = None) -> Database:
    """The database for ``root`` (see ``database_url``), opened and migrated once per process."""
    if isinstance(root, Database):
        return root
    url = database_url(root)
    with _LOCK:
        db = _OPEN.get(url)
        if db is None:
            db = _OPEN[url] = Database(url, legacy_root=user_root(root))
        return db


def as_user(user: User | str | None) -> User:
    """A User from a User, a bare name (not an admin), or None: the local user."""
    if user is None:
        return local_user()
    if isinstance(user, str):
        return local_user() if user == LOCAL_USER else User(user)
    return user


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] not in ("export", "import"):
        print("usage: python -m store.db export FILE.zip | import FILE.zip", file=sys.stderr)
        return 2
    db = connect()
    counts = db.export(argv[1]) if argv[0] == "export" else db.import_(argv[1])
    shown = db.url.split("@")[-1]
    print(f"{argv[0]}ed {argv[1]} ({'sqlite' if db.is_sqlite else 'postgresql'} {shown}): "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
