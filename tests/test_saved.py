"""Saved user datasets: round trip, listing, deleting, and crash safety (a writer killed mid-save)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from store.ingest import CATALOG_COLUMNS, ImportReport, ImportResult
from store.saved import SavedDataError, delete_dataset, list_datasets, load_all, save_dataset

ROOT = Path(__file__).resolve().parents[1]


def make_result(tag: str, n_codes: int = 31, years=range(2010, 2017), level="province") -> ImportResult:
    codes = [f"{11 + i:02d}0000" for i in range(n_codes)]
    ys = list(years)
    obs = pd.DataFrame({"code": np.repeat(codes, len(ys)), "year": np.tile(ys, n_codes),
                        "indicator": f"user_{tag}_0123456789",
                        "value": np.arange(n_codes * len(ys), dtype="float64") / 7, "flag": "", "source": "测试"})
    cat = pd.DataFrame([{c: "" for c in CATALOG_COLUMNS}])
    cat.loc[0, ["id", "name_zh", "unit_zh", "levels", "domain"]] = [f"user_{tag}_0123456789", f"指标{tag}", "张",
                                                                      level, "health"]
    cat["direction"] = 1
    return ImportResult(obs, cat, ImportReport(), pd.DataFrame(), level)


def test_round_trip_list_and_delete(tmp_path):
    a = save_dataset(make_result("a"), "床位数", "卫健委报表", "市卫健委", root=tmp_path)
    b = save_dataset(make_result("b", n_codes=5, years=[2020]), "医生数", root=tmp_path)
    listed = list_datasets(root=tmp_path)
    assert listed["id"].tolist() == [a, b]
    row = listed.set_index("id").loc[a]
    assert (row["name"], row["description"], row["source"], row["level"]) == ("床位数", "卫健委报表", "市卫健委",
                                                                              "province")
    assert (row["regions"], row["year_min"], row["year_max"], row["observations"]) == (31, 2010, 2016, 217)
    assert row["uploaded_at"].startswith("20")
    loaded = load_all(root=tmp_path)
    obs, cat, targets = loaded[0]
    assert targets.empty                                        # no target was set
    # the source typed when saving is the figures' source
    pd.testing.assert_frame_equal(obs, make_result("a").observations.assign(source="市卫健委"))
    assert cat.loc[0, "id"] == "user_a_0123456789" and cat.loc[0, "name_zh"] == "指标a"
    assert cat.loc[0, "source"] == "市卫健委"
    delete_dataset(a, root=tmp_path)
    assert list_datasets(root=tmp_path)["id"].tolist() == [b]
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == [f"{b}.parquet"]
    with pytest.raises(SavedDataError):
        delete_dataset(a, root=tmp_path)


def test_refuses_empty_and_resaved_indicators(tmp_path):
    save_dataset(make_result("a"), "x", root=tmp_path)
    with pytest.raises(SavedDataError, match="already saved"):
        save_dataset(make_result("a"), "again", root=tmp_path)
    empty = make_result("e")
    empty.observations = empty.observations.iloc[:0]
    with pytest.raises(SavedDataError):
        save_dataset(empty, "empty", root=tmp_path)
    assert len(list_datasets(root=tmp_path)) == 1


def test_env_var_sets_the_root(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path / "env"))
    ds = save_dataset(make_result("env"), "env")
    assert (tmp_path / "env" / f"{ds}.parquet").exists()
    assert list_datasets()["id"].tolist() == [ds]


def test_unreadable_manifest_is_never_overwritten(tmp_path):
    ds = save_dataset(make_result("a"), "a", root=tmp_path)
    (tmp_path / "manifest.json").write_text("{ not json", encoding="utf-8")
    with pytest.warns(UserWarning, match="unreadable"):
        assert list_datasets(root=tmp_path).empty
    with pytest.raises(SavedDataError, match="unreadable"):
        save_dataset(make_result("b"), "b", root=tmp_path)
    assert (tmp_path / f"{ds}.parquet").exists()  # nothing swept while the manifest cannot be read


def test_empty_store_lists_nothing(tmp_path):
    assert list_datasets(root=tmp_path).empty and load_all(root=tmp_path) == []


def test_saved_data_merges_into_the_store(tmp_path):
    model = pytest.importorskip("store.model")
    bundled = ROOT / "data" / "bundled" / "observations.parquet"
    if not bundled.exists():
        pytest.skip("bundled observations not built yet")
    save_dataset(make_result("m"), "m", root=tmp_path)
    store = model.load_store(extra=load_all(root=tmp_path))
    assert "user_m_0123456789" in store.catalog.index


def test_real_import_saved_reloaded_and_merged(tmp_path):
    """per_bed.csv imported, saved, listed, and merged into the app's store next to the bundled data."""
    pytest.importorskip("geo.matcher")
    model = pytest.importorskip("store.model")
    nbs = ROOT.parent / "shared" / "data" / "nbs_province_2007_2016" / "per_bed.csv"
    if not nbs.exists() or not (ROOT / "data" / "bundled" / "observations.parquet").exists():
        pytest.skip("shared data or bundled observations not available")
    from store.ingest import IndicatorMeta, detect_roles, import_table, read_table
    raw = read_table(nbs.read_bytes(), nbs.name)
    res = import_table(raw, detect_roles(raw), IndicatorMeta(name_zh="每万人床位数", unit_zh="张", domain="health"),
                       level="province")
    ds = save_dataset(res, "床位（自备）", "NBS 分省年度数据", root=tmp_path)
    row = list_datasets(root=tmp_path).set_index("id").loc[ds]
    assert (row["level"], row["regions"], row["year_min"], row["year_max"], row["observations"]) == \
        ("province", 31, 2008, 2016, 248)
    store = model.load_store(extra=load_all(root=tmp_path))
    iid = res.catalog["id"].iloc[0]
    assert store.catalog.loc[iid, "name_zh"] == "每万人床位数"
    got = store.values(iid, "province", 2016).set_index("code")
    assert got.loc["110000", "value"] == 53.86 and len(got) == 31
    flags = store.observations
    assert flags.loc[(flags["indicator"] == iid) & (flags["code"] == "110000") & (flags["year"] == 2012),
                     "flag"].item() == "suspect_jump"


# ----------------------------------------------------------------------------- crash safety

CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {root!r})
    import numpy as np, pandas as pd
    import store.saved as saved
    from tests.test_saved import make_result
    mode, marker, store_root = sys.argv[1], sys.argv[2], sys.argv[3]

    def stall():
        open(marker, "w").close()
        time.sleep(60)

    if mode == "parquet":      # killed while the new Parquet file is half written
        real = pd.DataFrame.to_parquet
        def slow(self, fh, **kw):
            fh.write(b"PAR1 half a file")
            fh.flush()
            stall()
        pd.DataFrame.to_parquet = slow
    elif mode == "manifest":   # killed after the Parquet is in place, before the manifest moves
        real_write = saved._write_manifest
        def slow_manifest(root, manifest):
            stall()
        saved._write_manifest = slow_manifest
    elif mode == "manifest_half":  # killed with the new manifest half written to its temp file
        real_atomic = saved._atomic_write
        def half(path, write):
            if path.name != saved.MANIFEST:
                return real_atomic(path, write)
            def write_half(fh):
                class Half:
                    def write(self, data):
                        fh.write(data[: len(data) // 2])
                        fh.flush()
                        stall()
                write(Half())
            return real_atomic(path, write_half)
        saved._atomic_write = half
    if mode == "loop":         # no stall: saves back to back, killed at a random moment
        i = 0
        while True:
            saved.save_dataset(make_result(f"loop{{os.getpid()}}_{{i}}", n_codes=2875, years=range(2000, 2020)),
                               f"loop {{os.getpid()}} {{i}}", root=store_root)  # one name per dataset
            if i == 0:
                open(marker, "w").close()
            i += 1
    saved.save_dataset(make_result("killed_" + mode, n_codes=300), "killed", root=store_root)
""")


def _run_and_kill(tmp_path, mode: str, store_root: Path, extra_delay: float = 0.0) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT)))
    marker = tmp_path / f"marker_{mode}_{time.time_ns()}"
    proc = subprocess.Popen([sys.executable, str(script), mode, str(marker), str(store_root)], cwd=ROOT)
    try:
        deadline = time.time() + 60
        while not marker.exists():
            assert proc.poll() is None, f"child exited early ({proc.returncode})"
            assert time.time() < deadline, "child never reached the save"
            time.sleep(0.01)
        time.sleep(extra_delay)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _assert_consistent(store_root: Path) -> pd.DataFrame:
    listed = list_datasets(root=store_root)
    loaded = load_all(root=store_root)
    assert len(loaded) == len(listed)  # every listed dataset loads, completely
    for (obs, cat, _), n in zip(loaded, listed["observations"]):
        assert len(obs) == n and obs["value"].notna().all() and len(cat) == 1
    return listed


@pytest.mark.parametrize("mode", ["parquet", "manifest", "manifest_half"])
def test_killed_mid_save_leaves_previous_state(tmp_path, mode):
    store_root = tmp_path / "user"
    before = save_dataset(make_result("before"), "before", root=store_root)
    _run_and_kill(tmp_path, mode, store_root)
    listed = _assert_consistent(store_root)
    assert listed["id"].tolist() == [before]  # the interrupted save left no trace in the listing
    # the next save sweeps the orphan Parquet file and still works
    after = save_dataset(make_result("after"), "after", root=store_root)
    assert _assert_consistent(store_root)["id"].tolist() == [before, after]
    assert sorted(p.name for p in store_root.glob("*.parquet")) == sorted([f"{before}.parquet", f"{after}.parquet"])


def test_killed_at_random_moments_during_back_to_back_saves(tmp_path):
    store_root = tmp_path / "user"
    save_dataset(make_result("base"), "base", root=store_root)
    rng = np.random.default_rng(7)
    for _ in range(3):
        _run_and_kill(tmp_path, "loop", store_root, extra_delay=float(rng.uniform(0.0, 0.4)))
        listed = _assert_consistent(store_root)
        assert listed["name"].iloc[0] == "base"
    assert len(listed) >= 4  # base + at least the first save of each run


def test_a_target_set_on_import_is_saved_and_held_against_the_figures(tmp_path):
    model = pytest.importorskip("store.model")
    if not (ROOT / "data" / "bundled" / "observations.parquet").exists():
        pytest.skip("bundled observations not built yet")
    from figures.map_view import applicable_target, region_table
    from geo.regions import load_regions
    from store.ingest import IndicatorMeta, detect_roles, import_table, read_table
    table = "地区,年份,学前三年入园率\n北京市,2018,96.5\n河北省,2018,93.0\n广东省,2018,95.0\n"
    raw = read_table(table.encode(), "入园率.csv")
    meta = IndicatorMeta(name_zh="学前三年入园率", unit_zh="%", domain="education", direction=1, target=95,
                         target_year=2020, target_document="某市基本公共服务均等化规划（2016）")
    res = import_table(raw, detect_roles(raw), meta, level="province")
    save_dataset(res, "入园率", root=tmp_path)
    store = model.load_store(extra=load_all(root=tmp_path))
    iid = res.catalog["id"].iloc[0]
    target = applicable_target(store.targets, iid, "440000")      # no provincial target: the user's national one
    assert (target["comparator"], target["value"], target["target_year"], target["unit"]) == (">=", 95.0, 2020, "%")
    assert target["document"] == "某市基本公共服务均等化规划（2016）"
    table = region_table(store.values(iid, "province", 2018), load_regions("province"), 1, target=target)
    assert table.set_index("code")["meets"].loc[["110000", "130000", "440000"]].tolist() == [True, False, True]
    # no direction (context) or several indicators: nothing to hold the figures against, and the report says so
    context = import_table(raw, detect_roles(raw), replace(meta, direction=0), level="province")
    assert context.targets.empty and any("目标值未保存" in w for w in context.report.warnings)
