"""A throw-away PostgreSQL cluster from Debian's package, for tests and the store benchmark.

PostgreSQL refuses to run as root, so initdb and pg_ctl run as the ``postgres`` user (``runuser``) on a
temp dir it owns; the server listens on a free loopback port and is stopped (and the dir removed) after.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

import sqlalchemy as sa


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is missing: ./test.sh installs Debian's postgresql")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, fsync: bool = False):
        self.dir = tempfile.mkdtemp(prefix="atlas-pg-")
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.fsync = fsync
        self._as_postgres(_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                          "--no-locale")
        self.start()

    def _as_postgres(self, *args: str) -> None:
        out = subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True,
                             timeout=120)
        if out.returncode:
            raise RuntimeError(f"{os.path.basename(args[0])} failed: {out.stderr.strip() or out.stdout.strip()}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1" + ("" if self.fsync else
                                                                                     " -c fsync=off")
        self._as_postgres(_bin("pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"), "-o", options,
                          "-w", "start")

    def kill(self) -> None:
        """Stop at once, as a crash would (open transactions are lost, nothing is flushed politely)."""
        self._as_postgres(_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        try:
            self._as_postgres(_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
