"""`WORKERS=2 ./run.sh`: two Streamlit workers behind HAProxy, started here and stopped after.

A visitor in Chromium is on one worker; that worker is killed. HAProxy marks it down within seconds, the page
reconnects to the other worker and shows the same view (the state is in the URL), the killed worker is started
again and rejoins, and Ctrl+C (SIGINT to the process group) leaves no process behind.
"""
from __future__ import annotations

import csv
import io
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from playwright.sync_api import expect

from tests.conftest import ROOT, wait_for_app
from tests.test_browser_data import MESSY
from tests.test_browser_map import wait_for_map

pytestmark = pytest.mark.browser


def _free_ports(n: int) -> int:
    """The first of `n` consecutive free loopback ports."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        if first + n > 65535:
            continue
        try:
            socks = []
            for port in range(first, first + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports")


def _get(url: str, cookie: str = "") -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, {k.lower(): v for k, v in r.headers.items()}


class Team:
    def __init__(self, tmp: Path):
        self.port, self.stats_port, self.worker_port = _free_ports(1), _free_ports(1), _free_ports(2)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "run.log"
        env = {**os.environ, "WORKERS": "2", "PORT": str(self.port), "WORKER_PORT": str(self.worker_port),
               "STATS_PORT": str(self.stats_port), "ATLAS_USER_DATA": str(tmp / "user-data")}
        self.proc = subprocess.Popen(["./run.sh"], cwd=ROOT, env=env, stdout=self.log.open("w"),
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def status(self) -> dict[str, str]:
        """HAProxy's view of each worker: {'w1': 'UP', 'w2': 'DOWN', …}."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/;csv", timeout=5) as r:
            rows = csv.DictReader(io.StringIO(r.read().decode().lstrip("# ")))
            return {row["svname"]: row["status"].split()[0] for row in rows if row["pxname"] == "workers"
                    and row["svname"] not in ("FRONTEND", "BACKEND")}

    def wait_status(self, wanted: dict[str, str], seconds: float) -> float:
        t = time.time()
        while time.time() - t < seconds:
            try:
                if all(self.status().get(k) == v for k, v in wanted.items()):
                    return time.time() - t
            except OSError:
                pass
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            time.sleep(0.2)
        raise AssertionError(f"HAProxy did not see {wanted} within {seconds} s: {self.status()}")

    def worker_pid(self, name: str) -> int:
        """The worker's current process (run.sh prints 'worker w1 on 127.0.0.1:PORT (pid N)' at each start)."""
        pids = re.findall(rf"worker {name} on \S+ \(pid (\d+)\)", self.log.read_text())
        return int(pids[-1])

    def stop(self, sig=signal.SIGINT) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                raise


@pytest.fixture
def team(tmp_path):
    team = Team(tmp_path)
    try:
        team.wait_status({"w1": "UP", "w2": "UP"}, 180)
        yield team
    finally:
        team.stop(signal.SIGTERM)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def test_a_killed_worker_loses_no_visitor_and_rejoins(team, browser):
    # Sticky: a request carrying a worker's cookie reaches that worker, every time.
    for name in ("w1", "w2"):
        assert {_get(team.url + "/_stcore/health", f"ATLAS_WORKER={name}")[1]["x-atlas-worker"]
                for _ in range(6)} == {name}

    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(team.url + "/?level=city&year=2015")
    wait_for_app(page)
    wait_for_map(page, 340)
    cookie = {c["name"]: c["value"] for c in context.cookies()}["ATLAS_WORKER"]
    other = {"w1": "w2", "w2": "w1"}[cookie]
    headline = page.locator("h3").first.inner_text()
    assert "2015" in headline

    pid = team.worker_pid(cookie)
    os.kill(pid, signal.SIGKILL)
    took = team.wait_status({cookie: "DOWN", other: "UP"}, 10)          # out of rotation within seconds
    assert took < 6, took
    # No request reaches the dead worker: without a cookie, or with its cookie (sent on to the other one).
    for c in ("", f"ATLAS_WORKER={cookie}"):
        assert _get(team.url + "/_stcore/health", c)[1]["x-atlas-worker"] == other

    # The page reconnects by itself to the other worker and shows the same view from its URL.
    deadline = time.time() + 90
    while time.time() < deadline:
        if {c["name"]: c["value"] for c in context.cookies()}.get("ATLAS_WORKER") == other:
            break
        time.sleep(0.5)
    assert {c["name"]: c["value"] for c in context.cookies()}["ATLAS_WORKER"] == other
    wait_for_app(page)
    wait_for_map(page, 340)
    assert page.locator("h3").first.inner_text() == headline
    assert "year=2015" in page.url and "level=city" in page.url
    # An upload from the moved session passes Streamlit's XSRF check on its new worker (one cookie secret)
    # and reaches that worker (the session's cookie); the saved dataset is in the store every worker reads.
    page.locator('[data-testid="stSidebarNav"] a[href$="/data"]').click()     # same session, no page load
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "养老床位.csv", "mimeType": "text/csv", "buffer": MESSY}])
    expect(page.get_by_text("校验报告", exact=False)).to_be_visible(timeout=90_000)
    page.get_by_role("button", name="保存数据集").click()
    expect(page.get_by_text("已保存“", exact=False)).to_be_visible(timeout=60_000)
    assert {c["name"]: c["value"] for c in context.cookies()}["ATLAS_WORKER"] == other
    context.close()

    # run.sh starts the killed worker again; HAProxy takes it back once its health checks pass.
    team.wait_status({cookie: "UP", other: "UP"}, 180)
    assert team.worker_pid(cookie) != pid
    assert _get(team.url + "/_stcore/health", f"ATLAS_WORKER={cookie}")[1]["x-atlas-worker"] == cookie
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    context.add_cookies([{"name": "ATLAS_WORKER", "value": cookie, "url": team.url}])
    page = context.new_page()
    response = page.goto(team.url + "/data")
    assert response.headers["x-atlas-worker"] == cookie
    wait_for_app(page)
    expect(page.get_by_text("养老床位", exact=False).first).to_be_visible(timeout=60_000)
    context.close()

    # Ctrl+C: every worker and HAProxy stop; nothing is left listening.
    pids = [team.worker_pid("w1"), team.worker_pid("w2")]
    team.stop(signal.SIGINT)
    time.sleep(1)
    assert not [p for p in pids if _alive(p)]
    for port in (team.port, team.worker_port, team.worker_port + 1):
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, port
