"""Where a visit's server time goes: a real `streamlit run app.py` under visitors from ws_load.py, one page of the
load mix at a time, sampled by py-spy (every thread, 200 Hz); prints the share of the page script's samples per
line of the atlas's own code, and the share of all samples outside the script (session set-up, messages).

    .venv/bin/python scripts/profile_pages.py [--seconds 12] [--top 25] [--page NAME] [--port 8770]

A sampling profiler on the served app, not cProfile in AppTest: AppTest never showed that Streamlit's
forced gc.collect(2) after each run was most of a visit (see runner.postScriptGC in .streamlit/config.toml).
Each page is warmed by six visits first. py-spy attaches to the server with ptrace (run as root here).
"""
from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.loadkit import PAGES, ROOT, free_port, start, stop, streamlit_cmd, wait_healthy, ws_load  # noqa: E402

PY_SPY = Path(sys.executable).with_name("py-spy")
OURS = re.compile(r"\((app|views/\w+|map|gaps|targets|profile|composite|data|plans)\.py:\d+\)|"
                  r"\((components|store|figures|resolve|viewmodel|metrics|geo|i18n|reports|plans|state)[/.]")


def lines(raw: Path) -> tuple[collections.Counter, int, int]:
    """py-spy's raw (collapsed) stacks -> samples per frame of our code inside the script, script and all samples."""
    ours, script, total = collections.Counter(), 0, 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, n = line.rsplit(" ", 1)
        frames, n = stack.split(";"), int(n)
        total += n
        if any("_run_script_thread" in f for f in frames):
            script += n
            for f in set(frames):
                if OURS.search(f):
                    ours[f] += n
    return ours, script, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=12, help="sampled seconds per page")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--page", action="append", help="only these pages (names as in scripts/loadkit.PAGES)")
    ap.add_argument("--port", type=int, default=8770)
    a = ap.parse_args()
    if not PY_SPY.exists():
        raise SystemExit(f"{PY_SPY} is missing: .venv/bin/pip install -r requirements-dev.txt")
    tmp = Path(tempfile.mkdtemp(prefix="profile-pages-"))
    url = f"http://127.0.0.1:{free_port(a.port, a.port + 40)}"
    proc = start(streamlit_cmd(ROOT / "app.py", int(url.rsplit(":", 1)[1])), {"ATLAS_USER_DATA": str(tmp / "ud")},
                 tmp / "server.log")
    try:
        wait_healthy(url, proc, 180)
        for name in a.page or PAGES:
            query = PAGES[name]
            ws_load(url, [query], users=1, max_visits=6)
            raw = tmp / f"{len(list(tmp.iterdir()))}.txt"
            spy = subprocess.Popen([str(PY_SPY), "record", "-p", str(proc.pid), "-o", str(raw), "--format", "raw",
                                    "-r", "200", "-d", str(int(a.seconds) + 2), "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            got = ws_load(url, [query], users=1, seconds=a.seconds)
            spy.wait()
            ours, script, total = lines(raw)
            print(f"\n=== {name} ({query}): {got['visits']} visits, p50 {got['p50_s']:.3f} s; page script "
                  f"{script / max(total, 1):.0%} of {total} samples, {script / 200 / max(got['visits'], 1) * 1e3:.1f}"
                  f" ms a visit ===")
            for frame, n in ours.most_common(a.top):
                print(f"{n:6d} {n / max(script, 1):6.1%}  {frame}")
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
