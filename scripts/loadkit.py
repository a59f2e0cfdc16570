"""Shared by the load benchmarks and the team set-up's tests: start Streamlit processes, drive them with
`../shared/tools/ws_load.py` (simulated visitors over Streamlit's websocket), read a process's memory.

Not used by the app: ws_load.py lives beside the checkout (../shared/tools) and only benchmarks need it.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WS_LOAD = ROOT.parent / "shared" / "tools" / "ws_load.py"
BARE = ROOT / "scripts" / "naive_map_app.py"      # its "bare" mode: a headline and a slider

# The page mix: name -> ws_load query ("page=NAME|query" opens a page other than the map).
PAGES = {
    "city map": "level=city",
    "province gaps": "page=gaps|level=province",
    "targets": "page=targets",
    "composite": "page=composite",
    "province profile": "page=profile|level=province&region=440000",
    "county map Guangdong": "level=county&scope=440000",
    "province map 2010": "level=province&year=2010",
    "data": "page=data",
}


def free_port(start: int = 0, end: int = 0) -> int:
    """A free loopback port, within [start, end) when given (a hand-run benchmark keeps to its range)."""
    for port in (range(start, end) if start else [0]):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in {start}-{end}")


def wait_healthy(url: str, proc: subprocess.Popen | None = None, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
            time.sleep(0.3)
    raise RuntimeError(f"{url} not healthy within {seconds:.0f} s")


def streamlit_cmd(script: Path, port: int, args: list[str] = (), serve: Path | None = ROOT / "serve.py") -> list[str]:
    """`streamlit run script` as the app is served: through `serve` (serve.py) where that checkout has one;
    serve=None: a stock `streamlit run`."""
    launcher = [str(serve)] if serve and serve.exists() else ["-m", "streamlit"]
    return [sys.executable, *launcher, "run", str(script), "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true", "--", *args]


def start(cmd: list[str], env: dict | None = None, log: Path | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    """A process in its own session, so `stop` ends it and every child it started."""
    out = log.open("w") if log else subprocess.DEVNULL
    return subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass


def ws_load_cmd(url: str, queries: list[str], users: int = 1, seconds: float = 600, think: str = "0,0",
                max_visits: int = 5000) -> list[str]:
    if not WS_LOAD.exists():
        raise SystemExit(f"{WS_LOAD} is missing: the load tool lives beside the checkout (../shared/tools)")
    cmd = [sys.executable, str(WS_LOAD), url, "--users", str(users), "--seconds", str(seconds),
           "--think", think, "--max-visits", str(max_visits)]
    for q in queries:
        cmd += ["--query", q]
    return cmd


def ws_load(url: str, queries: list[str], **kw) -> dict:
    """Run ws_load.py and return its JSON line (visits, errors, p50_s, p95_s, max_s, visits_per_s …)."""
    cmd = ws_load_cmd(url, queries, **kw)
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def shown(cmd: list[str]) -> str:
    """A command as one would type it from the checkout's root."""
    return " ".join(c if c and " " not in c and "|" not in c and "&" not in c else f"'{c}'"
                    for c in [(os.path.relpath(c, ROOT) if c.startswith("/") and Path(c).exists() else c)
                              for c in cmd])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")
