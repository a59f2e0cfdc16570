"""Shared fixtures: the real app served by `streamlit run` on a free loopback port,
and Debian's Chromium driven by Playwright, failing on any request that leaves the app's host."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(autouse=True, scope="session")
def _saved_data_of_this_run(tmp_path_factory):
    """Every test saves into a database of this run, never the checkout's data/user (a test that needs its own
    sets ATLAS_USER_DATA with monkeypatch, which restores this one after it)."""
    os.environ["ATLAS_USER_DATA"] = str(tmp_path_factory.mktemp("user-data"))
    os.environ.pop("ATLAS_DATABASE_URL", None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(tmp_dir: Path, env: dict | None = None, args: tuple = (), port: int | None = None
              ) -> tuple[subprocess.Popen, str]:
    """`python serve.py run app.py` (streamlit run, see serve.py) on a free loopback port, user data in `tmp_dir`
    (and `env` set, `args` added); returns (process, url)."""
    port = port or _free_port()
    env = {**os.environ, "ATLAS_USER_DATA": str(tmp_dir / "user-data"), **(env or {})}
    log = (tmp_dir / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "serve.py", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: see {log.name}")
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start within 60 s")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Start the app once per test session; user data goes to a temporary folder."""
    proc, url = start_app(tmp_path_factory.mktemp("server"))
    yield url
    stop_app(proc)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: ./test.sh installs Debian's chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class OffHostRequests(list):
    """Every request a page makes to a host other than the app's."""


@pytest.fixture
def page(browser, app_url, request):
    """A fresh page at 1600×900; the test fails if the page requested anything off the app's host."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    host = urlparse(app_url).netloc
    off_host = OffHostRequests()

    def on_request(req):
        parsed = urlparse(req.url)
        if parsed.scheme in ("data", "blob", "about"):
            return
        if parsed.netloc != host:
            off_host.append(req.url)
    page.on("request", on_request)
    # Block anything off-host so a leak fails fast instead of hanging on the closed network.
    page.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).netloc == host
               or urlparse(route.request.url).scheme in ("data", "blob") else route.abort())
    page.off_host_requests = off_host
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    except Exception:
        pass
    context.close()
    assert not off_host, f"requests left the app's host: {off_host[:5]}"


def wait_for_app(page, timeout: float = 90_000) -> None:
    """Wait until Streamlit has finished running the script (no 'running' indicator)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


# ── the saved-data store on both backends ───────────────────────────────────────────────────────────────

@pytest.fixture(scope="session")
def pg_cluster():
    """A temporary PostgreSQL cluster (Debian's package, run as the postgres user), stopped after the session.
    Missing PostgreSQL fails the test in CI (CI=true) and skips it elsewhere."""
    from tests.pgcluster import Cluster
    try:
        cluster = Cluster()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL could not be started: {exc}")
        pytest.skip(f"PostgreSQL could not be started: {exc}")
    yield cluster
    cluster.stop()


_DB_COUNT = [0]


def new_pg_url(cluster) -> str:
    _DB_COUNT[0] += 1
    return cluster.create_database(f"atlas_{os.getpid()}_{_DB_COUNT[0]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_db(request, tmp_path):
    """A fresh, migrated saved-data database: a SQLite file, or a new database on the test cluster."""
    from store.db import Database
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'atlas.db'}"
    else:
        url = new_pg_url(request.getfixturevalue("pg_cluster"))
    db = Database(url, legacy_root=tmp_path / "no-legacy-files")
    yield db
    db.engine.dispose()
