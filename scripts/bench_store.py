"""The saved-data store: today's file store (Parquet + manifest, commit 4aaa742's store/saved.py, loaded from
git) beside the database on SQLite and on PostgreSQL, in one run.

With 50 saved datasets of 100,000 rows each it times what a page needs to draw one indicator of one saved
dataset — the saved data read (load_all / visible key + load_visible), the cold page (that, merged
into the store by load_store, then values) and the warm page (the per-rerun check that the cached store is
still current: the manifest's mtime, or the database's change counter + the visible-versions key) — and
saving a 1.7 M-row import. Budgets: page ≤ 1.5× today, save ≤ 2× today. Medians of 5 (cold page and
saves: 3). Needs git, and PostgreSQL from Debian (started as the postgres user on a free port, fsync on, stopped after).

    .venv/bin/python scripts/bench_store.py
"""
from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store import saved  # noqa: E402
from store.db import Database  # noqa: E402
from store.ingest import CATALOG_COLUMNS, ImportReport, ImportResult  # noqa: E402
from store.model import load_store  # noqa: E402
from tests.pgcluster import Cluster  # noqa: E402

BASELINE = "4aaa742"          # the last commit with the file store
N_DATASETS, N_CODES, N_YEARS = 50, 2000, 50          # 100,000 rows each
BIG_CODES, BIG_YEARS = 2875, 592                     # 1,702,000 rows


def file_store_module():
    source = subprocess.check_output(["git", "show", f"{BASELINE}:store/saved.py"], cwd=ROOT)
    path = Path(tempfile.mkdtemp(prefix="bench-store-")) / "saved_files.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("saved_files", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def result(tag: str, n_codes: int, n_years: int) -> ImportResult:
    codes = [f"{100000 + i:06d}" for i in range(n_codes)]
    ind = f"user_bench_{tag}"
    obs = pd.DataFrame({"code": np.repeat(codes, n_years), "year": np.tile(np.arange(1900, 1900 + n_years), n_codes),
                        "indicator": ind, "value": np.random.default_rng(len(tag)).random(n_codes * n_years),
                        "flag": "", "source": "基准测试（合成数据）"})
    obs.insert(1, "level", "county")
    cat = pd.DataFrame([{c: "" for c in CATALOG_COLUMNS}])
    cat.loc[0, ["id", "name_zh", "unit_zh", "levels", "domain"]] = [ind, f"基准{tag}", "个", "county", "health"]
    cat["direction"] = 1
    return ImportResult(obs, cat, ImportReport(), pd.DataFrame(), "county")


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    files = file_store_module()
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    cluster = Cluster(fsync=True)
    try:
        stores = {
            "file store (today)": ("files", tmp / "files"),
            "SQLite": ("db", Database(f"sqlite:///{tmp / 'atlas.db'}", legacy_root=tmp / "none")),
            "PostgreSQL": ("db", Database(cluster.create_database("bench"), legacy_root=tmp / "none")),
        }
        datasets = [result(f"d{i:02d}", N_CODES, N_YEARS) for i in range(N_DATASETS)]
        target = datasets[N_DATASETS // 2].catalog.loc[0, "id"]
        bigs = [result(f"big{i}", BIG_CODES, BIG_YEARS) for i in range(3)]
        rows = {}
        for label, (kind, where) in stores.items():
            print(f"{label}: saving {N_DATASETS} datasets, then timing …", file=sys.stderr, flush=True)
            for i, r in enumerate(datasets):
                if kind == "files":
                    files.save_dataset(r, f"数据集{i}", root=where)
                else:
                    saved.save_dataset(r, f"数据集{i}", root=where)
            if kind == "files":
                def cold(where=where):
                    store = load_store(extra=files.load_all(root=where), key="x")
                    return store.values(target, "county", 1949)

                def read(where=where):
                    return files.load_all(root=where)

                def warm(where=where):
                    return (where / files.MANIFEST).stat().st_mtime_ns
                save_one = files.save_dataset
            else:
                def cold(where=where):
                    key = saved.visible_key(root=where)
                    extras, _ = saved.load_visible(root=where)
                    return load_store(extra=extras, key=key).values(target, "county", 1949)

                def read(where=where):
                    return saved.visible_key(root=where), saved.load_visible(root=where)

                def warm(where=where):   # the visible key is cached per counter value (components/data.py)
                    return where.changes()
                save_one = saved.save_dataset
            assert len(cold()) == N_CODES
            saves = []
            for i, big in enumerate(bigs):
                start = time.perf_counter()
                save_one(big, f"big{i}", root=where)
                saves.append(time.perf_counter() - start)
            rows[label] = {"read saved data (s)": timed(read, 5), "page, cold (s)": timed(cold, 3),
                           "page, warm check (ms)": timed(warm, 50) * 1000,
                           "save 1.7 M rows (s)": statistics.median(saves)}
        base = rows["file store (today)"]
        print(f"{N_DATASETS} saved datasets × {N_CODES * N_YEARS:,} rows; save: {BIG_CODES * BIG_YEARS:,} rows; "
              f"medians; ratio = × today's file store")
        print(f"{'':20s}" + "".join(f"{k:>26s}" for k in base))
        for label, r in rows.items():
            cells = "".join(f"{v:>16.3f} ({v / base[k]:4.2f}×)" for k, v in r.items())
            print(f"{label:20s}{cells}")
        print("budgets: page cold ≤ 1.5×, save ≤ 2×; 'read saved data' is the store's own part of the cold page "
              "(the rest is load_store merging the rows, the same code for all three)")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
