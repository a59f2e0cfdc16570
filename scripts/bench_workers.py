"""A meeting's load on one Streamlit process and on `WORKERS=2 ./run.sh` (HAProxy + 2 workers), same run.

    .venv/bin/python scripts/bench_workers.py [--duration 300] [--users 50] [--think 3,10] [--port 8750] [--postgres]

For each set-up: a single visitor's p50 over the page mix (the baseline), then `--users` visitors pausing
`--think` seconds for `--duration` seconds (errors, p50, p95, p95 / single p50), then throughput at
saturation (`--sat-users` visitors, no pause, `--sat-seconds`), then each worker's memory. Budgets (issue 17):
0 errors, p95 <= 4 x single p50 with 2 workers, saturation 2 vs 1 >= 1.7 x, <= 600 MB per worker.
With ``--postgres`` both set-ups run again on a throw-away PostgreSQL cluster from Debian's package
(ATLAS_DATABASE_URL; tests/pgcluster.py) after the SQLite ones, in the same run.
Prints the commands it ran. Not a timed test; ws_load.py lives in ../shared/tools.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.loadkit import PAGES, free_port, rss_mb, shown, start, stop, wait_healthy, ws_load, \
    ws_load_cmd  # noqa: E402

MIX = [q for name, q in PAGES.items() if name != "data"]     # the mix: seven views, no upload page


def run_setup(workers: int, a, tmp: Path, database_url: str = "") -> dict:
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port(a.port, a.port + 40)
    env = {"PORT": str(port), "ATLAS_USER_DATA": str(tmp / "user-data")}
    if database_url:
        env["ATLAS_DATABASE_URL"] = database_url
    if workers:
        env.update(WORKERS=str(workers), WORKER_PORT=str(free_port(port + 1, a.port + 48)))
    log = tmp / f"run-{workers}.log"
    proc = start(["./run.sh"], env, log)
    url = f"http://127.0.0.1:{port}"
    out = {"command": " ".join(f"{k}={v}" for k, v in env.items() if k not in ("ATLAS_USER_DATA",
                                                                               "ATLAS_DATABASE_URL"))
           + (" ATLAS_DATABASE_URL=postgresql://… ./run.sh" if database_url else " ./run.sh")}
    try:
        wait_healthy(url, proc, 180)
        if workers:                              # every worker up behind HAProxy, each warmed by a visit
            time.sleep(3)
        ws_load(url, MIX, users=max(1, workers) * 2, max_visits=4 * len(MIX))
        out["single"] = ws_load(url, MIX, users=1, max_visits=3 * len(MIX))
        out["single_cmd"] = shown(ws_load_cmd(url, MIX, users=1, max_visits=3 * len(MIX)))
        kw = dict(users=a.users, seconds=a.duration, think=a.think)
        out["load"] = ws_load(url, MIX, **kw)
        out["load_cmd"] = shown(ws_load_cmd(url, MIX, **kw))
        kw = dict(users=a.sat_users, seconds=a.sat_seconds)
        out["sat"] = ws_load(url, MIX, **kw)
        out["sat_cmd"] = shown(ws_load_cmd(url, MIX, **kw))
        pids = [int(p) for p in re.findall(r"\(pid (\d+)\)", log.read_text())[:workers]] if workers else [proc.pid]
        out["rss"] = [rss_mb(p) for p in pids]
    finally:
        stop(proc)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=300, help="seconds of the meeting's load (issue: 300)")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--think", default="3,10")
    ap.add_argument("--sat-users", type=int, default=24, help="visitors without pause, for throughput")
    ap.add_argument("--sat-seconds", type=float, default=45)
    ap.add_argument("--port", type=int, default=8750, help="ports from here (this machine's benchmark range)")
    ap.add_argument("--postgres", action="store_true", help="also on PostgreSQL (Debian's package)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    results = {}
    backends = [("SQLite", "")]
    cluster = None
    if a.postgres:
        from tests.pgcluster import Cluster
        cluster = Cluster()
        backends.append(("PostgreSQL", cluster.create_database("atlas_bench")))
    try:
        for backend, url in backends:
            for workers in (0, 2):
                label = f"{'1 process' if not workers else f'{workers} workers'}, {backend}"
                results[label] = r = run_setup(workers, a, tmp / f"{backend}-{workers}", url)
                print(f"\n== {label}: {r['command']}", flush=True)
                print(f"   single visitor: {r['single_cmd']}\n   load:           {r['load_cmd']}\n"
                      f"   saturation:     {r['sat_cmd']}", flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
    print(f"\n{'set-up':23} {'1 visitor p50':>13} | {a.users} visitors, {a.think} s pauses, {a.duration:.0f} s: "
          f"{'visits':>6} {'errors':>6} {'p50':>6} {'p95':>6} {'p95/1p50':>8} | saturation visits/s | MB per worker")
    for label, r in results.items():
        s, load, sat = r["single"]["p50_s"], r["load"], r["sat"]
        print(f"{label:23} {s:12.3f}s | {'':>33} {load['visits']:6d} {load['errors']:6d} {load['p50_s']:6.2f} "
              f"{load['p95_s']:6.2f} {load['p95_s'] / s:7.1f}x | {sat['visits_per_s']:8.2f} "
              f"(p50 {sat['p50_s']:.2f} s, {sat['errors']} errors) | {', '.join(f'{m:.0f}' for m in r['rss'])}")
        for sample in (load["error_samples"] + sat["error_samples"])[:3]:
            print(f"{'':23} error: {sample}")
    for backend, _ in backends:
        one, two = (results[f"{k}, {backend}"]["sat"]["visits_per_s"] for k in ("1 process", "2 workers"))
        print(f"\nthroughput at saturation, {backend}, 2 workers vs 1 process: {two / one:.2f}x (goal >= 1.7x)")


if __name__ == "__main__":
    main()
