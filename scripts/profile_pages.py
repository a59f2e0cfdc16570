"""Where a visit's server time goes: each page of the load mix run warm through Streamlit's script runner
(AppTest, the same ScriptRunner thread a real session uses) under cProfile; prints the top functions.

    .venv/bin/python scripts/profile_pages.py [--top 25] [--page NAME]

The first run of a page (imports, per-process caches) is not profiled; the second, a new visitor's, is.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.loadkit import PAGES, ROOT  # noqa: E402

PROFILE = cProfile.Profile()
_run = threading.Thread.run


def _profiled_run(self):
    """Profile the script runner's thread (cProfile only sees the thread that enables it)."""
    if not getattr(PROFILE, "on", False) or "ScriptRunner" not in type(self).__name__ + self.name:
        return _run(self)
    PROFILE.enable()
    try:
        return _run(self)
    finally:
        PROFILE.disable()


def visit(query: str):
    from streamlit.testing.v1 import AppTest
    page, _, q = query.partition("|") if query.startswith("page=") else ("", "", query)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params.update(dict(parse_qsl(q)))
    if page:
        at.switch_page(f"views/{page.removeprefix('page=')}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--page", action="append", help="only these pages (names as in scripts/loadkit.PAGES)")
    a = ap.parse_args()
    threading.Thread.run = _profiled_run
    for name in a.page or PAGES:
        query = PAGES[name]
        visit(query)                                     # warm
        global PROFILE
        PROFILE = cProfile.Profile()
        PROFILE.on = True
        t = time.perf_counter()
        visit(query)
        took = time.perf_counter() - t
        PROFILE.on = False
        out = io.StringIO()
        stats = pstats.Stats(PROFILE, stream=out)
        stats.sort_stats("cumulative").print_stats(r"wt-workers|work/main|views|components|figures|metrics|store"
                                                    r"|geo|plotly|pandas", a.top)
        body = out.getvalue()
        print(f"\n=== {name} ({query}): {took:.2f} s in AppTest ===")
        print(body[body.find("ncalls"):])


if __name__ == "__main__":
    main()
