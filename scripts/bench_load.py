"""One visitor at a time, page by page: server time per visit (ws_load.py p50) against a bare Streamlit page
(a headline and a slider) measured in the same run, just before each page, since this VM's speed drifts.

    .venv/bin/python scripts/bench_load.py [--rounds 3] [--visits 8] [--port 8750] [--baseline REV]

--baseline REV also serves the app as it was at git revision REV (extracted to a temporary folder) and measures
it in the same rounds, served as it was then (through its own serve.py, if it had one): before and after.
The bare page is served like the app (serve.py), so that ratio compares like with like. It is also served by a
stock `streamlit run`, as the issue measured it: serve.py took a bare page from ~45 ms to ~5 ms, so the two
ratios differ by that much, and both are printed.

Goals (issue 17): the city map <= 1.3 x the bare page, every page <= 2 x. Not a timed test.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.loadkit import BARE, PAGES, ROOT, free_port, rss_mb, shown, start, stop, streamlit_cmd, \
    wait_healthy, ws_load, ws_load_cmd  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="bare page + page pairs per page")
    ap.add_argument("--visits", type=int, default=8, help="visits per measurement (ws_load --max-visits)")
    ap.add_argument("--port", type=int, default=8750, help="first port to try (two or three are used)")
    ap.add_argument("--baseline", help="a git revision to measure beside this checkout, e.g. main")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = {"ATLAS_USER_DATA": str(tmp / "user-data")}
    before = None
    if a.baseline:
        (tmp / "baseline").mkdir()
        archive = subprocess.run(["git", "archive", a.baseline], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp / "baseline")], input=archive, check=True)
        before_cmd = streamlit_cmd(tmp / "baseline" / "app.py", free_port(a.port + 2, a.port + 50),
                                   serve=tmp / "baseline" / "serve.py")     # served as it was then
        before = start(before_cmd, env, tmp / "baseline.log", cwd=tmp / "baseline")
        before_url = f"http://127.0.0.1:{before_cmd[before_cmd.index('--server.port') + 1]}"
    app_port = free_port(a.port, a.port + 50)
    app_cmd = streamlit_cmd(ROOT / "app.py", app_port)
    app = start(app_cmd, env, tmp / "app.log")
    # above the app's port: it is not bound yet, and the bare page must never answer for the app
    bare_cmd = streamlit_cmd(BARE, free_port(app_port + 1, a.port + 50), ["bare", str(ROOT)])
    bare = start(bare_cmd, env, tmp / "bare.log")
    stock_cmd = streamlit_cmd(BARE, free_port(app_port + 5, a.port + 50), ["bare", str(ROOT)], serve=None)
    stock = start(stock_cmd, env, tmp / "stock.log")
    app_url, bare_url, stock_url = (f"http://127.0.0.1:{c[c.index('--server.port') + 1]}"
                                    for c in (app_cmd, bare_cmd, stock_cmd))
    try:
        wait_healthy(app_url, app)
        wait_healthy(bare_url, bare)
        wait_healthy(stock_url, stock)
        print("app:  ", shown(app_cmd))
        print("bare: ", shown(bare_cmd))
        print("stock:", shown(stock_cmd))
        if before:
            wait_healthy(before_url, before)
            print("before:", shown(before_cmd), f"(git archive {a.baseline}, in {tmp / 'baseline'})")
            ws_load(before_url, list(PAGES.values()), max_visits=2 * len(PAGES))
        print("each: ", shown(ws_load_cmd(app_url, ["QUERY"], max_visits=a.visits)), "(1 visitor, no pause)")
        for url in (bare_url, stock_url):
            ws_load(url, [""], max_visits=3)                        # warm: imports, caches of a first visit
        ws_load(app_url, list(PAGES.values()), max_visits=2 * len(PAGES))
        print(f"\n{'page':24} {'p50 s':>7} {'bare s':>7} {'ratio':>6}   {'stock s':>7} {'ratio':>6}   "
              f"{'before s':>8} {'before/now':>10}   (medians of {a.rounds} rounds; goal on both ratios)")
        for name, query in PAGES.items():
            rows = []
            for _ in range(a.rounds):
                b = ws_load(bare_url, [""], max_visits=a.visits)["p50_s"]
                s = ws_load(stock_url, [""], max_visits=a.visits)["p50_s"]
                p = ws_load(app_url, [query], max_visits=a.visits)
                if p["errors"]:
                    print(f"  {name}: {p['errors']} errors: {p['error_samples']}")
                old = ws_load(before_url, [query], max_visits=a.visits)["p50_s"] if before else float("nan")
                rows.append((p["p50_s"], b, s, old))
            page_s, bare_s, stock_s, old_s = (statistics.median(r[i] for r in rows) for i in range(4))
            ratio, stock_ratio, speedup = (statistics.median(f(*r) for r in rows) for f in (
                lambda p, b, s, o: p / b, lambda p, b, s, o: p / s, lambda p, b, s, o: o / p))
            goal = 1.3 if name == "city map" else 2.0
            verdict = "/".join("ok" if r <= goal else "MISSED" for r in (ratio, stock_ratio))
            print(f"{name:24} {page_s:7.3f} {bare_s:7.3f} {ratio:5.2f}x   {stock_s:7.3f} {stock_ratio:5.2f}x   "
                  f"{old_s:8.3f} {speedup:9.2f}x   goal <= {goal}x {verdict}   query {query!r}")
        print(f"\napp process after the run: {rss_mb(app.pid):.0f} MB")
    finally:
        for proc in (app, bare, stock, before):
            if proc:
                stop(proc)


if __name__ == "__main__":
    main()
