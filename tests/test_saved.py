"""Saved user datasets on SQLite and PostgreSQL: round trip, versions, owners and visibility, the audit log,
the first-start import of the file store, export/import, and crash safety (writers killed mid-save, two
processes saving at once, PostgreSQL killed during a save)."""
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
from store import saved
from store.db import Database
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


def test_round_trip_list_and_delete(store_db):
    a = save_dataset(make_result("a"), "床位数", "卫健委报表", "市卫健委", root=store_db)
    b = save_dataset(make_result("b", n_codes=5, years=[2020]), "医生数", root=store_db)
    listed = list_datasets(root=store_db)
    assert listed["id"].tolist() == [a, b]
    row = listed.set_index("id").loc[a]
    assert (row["name"], row["description"], row["source"], row["level"]) == ("床位数", "卫健委报表", "市卫健委",
                                                                              "province")
    assert (row["regions"], row["year_min"], row["year_max"], row["observations"]) == (31, 2010, 2016, 217)
    assert row["uploaded_at"].startswith("20") and (row["owner"], row["visibility"], row["version"]) == \
        ("local", "private", 1)
    loaded = load_all(root=store_db)
    obs, cat, targets = loaded[0]
    assert targets.empty                                        # no target was set
    # the source typed when saving is the figures' source
    pd.testing.assert_frame_equal(obs, make_result("a").observations.assign(source="市卫健委"))
    assert cat.loc[0, "id"] == "user_a_0123456789" and cat.loc[0, "name_zh"] == "指标a"
    assert cat.loc[0, "source"] == "市卫健委"
    delete_dataset(a, root=store_db)
    assert list_datasets(root=store_db)["id"].tolist() == [b]
    assert len(load_all(root=store_db)) == 1
    with pytest.raises(SavedDataError):
        delete_dataset(a, root=store_db)
    log = saved.audit_log(root=store_db)
    assert log[["action", "object_id"]].values.tolist() == [["delete", a], ["save", b], ["save", a]]
    assert set(log["actor"]) == {"local"}


def test_refuses_empty_and_resaved_indicators(store_db):
    save_dataset(make_result("a"), "x", root=store_db)
    with pytest.raises(SavedDataError, match="already saved"):
        save_dataset(make_result("a"), "again", root=store_db)
    empty = make_result("e")
    empty.observations = empty.observations.iloc[:0]
    with pytest.raises(SavedDataError):
        save_dataset(empty, "empty", root=store_db)
    with pytest.raises(SavedDataError, match="already saved") as refused:     # another user's dataset holds them too
        save_dataset(make_result("a"), "x", root=store_db, user="bob")
    from store.messages import in_lang                            # in the page's language; the private name untold
    assert in_lang(refused.value, "en") == "This table is already saved as another user's dataset."
    assert in_lang(refused.value, "zh") == "这个表格已保存为 另一用户的数据集。"
    assert len(list_datasets(root=store_db)) == 1


def test_a_replaced_upload_of_the_same_name_is_a_new_version_and_the_old_one_stays(store_db):
    first = make_result("v")
    ds = save_dataset(first, "床位数", root=store_db)
    second = make_result("v")
    second.observations = second.observations.assign(value=second.observations["value"] + 1)
    with pytest.raises(saved.DatasetNameTaken):                    # not without saying so
        save_dataset(second, "床位数", "更正", root=store_db)
    assert save_dataset(second, "床位数", "更正", root=store_db, replace=True) == ds
    row = list_datasets(root=store_db).set_index("id").loc[ds]
    assert (row["version"], row["description"]) == (2, "更正") and len(list_datasets(root=store_db)) == 1
    assert load_all(root=store_db)[0][0]["value"].tolist() == second.observations["value"].tolist()
    assert saved.load_version(ds, 1, root=store_db)[0]["value"].tolist() == first.observations["value"].tolist()
    assert saved.dataset_versions(ds, root=store_db)["version"].tolist() == [1, 2]
    # explicit replacement (a monitoring round) under a new name
    assert save_dataset(make_result("v"), "床位数 2021 轮", root=store_db, replaces=ds) == ds
    assert saved.dataset_versions(ds, root=store_db)["version"].tolist() == [1, 2, 3]
    assert saved.audit_log(root=store_db)["action"].tolist() == ["replace", "replace", "save"]


def test_another_users_private_dataset_is_invisible_and_only_the_owner_or_an_admin_changes_it(store_db):
    from store.identity import User
    alice, bob, admin = User("alice"), User("bob"), User("root-admin", is_admin=True)
    ds = save_dataset(make_result("priv"), "甲的私有数据", root=store_db, user=alice)
    key_bob = saved.visible_key(root=store_db, user=bob)
    assert list_datasets(root=store_db, user=bob).empty and load_all(root=store_db, user=bob) == []
    assert key_bob == "bundled" and ds in saved.visible_key(root=store_db, user=alice)
    for attempt in (lambda: delete_dataset(ds, root=store_db, user=bob),
                    lambda: saved.share_dataset(ds, True, root=store_db, user=bob),
                    lambda: saved.load_version(ds, 1, root=store_db, user=bob),
                    lambda: saved.dataset_versions(ds, root=store_db, user=bob),
                    lambda: save_dataset(make_result("priv"), "x", root=store_db, user=bob, replaces=ds)):
        with pytest.raises(SavedDataError, match="not available to you|No dataset"):
            attempt()
    with pytest.raises(SavedDataError):
        saved.audit_log(root=store_db, user=bob)
    saved.share_dataset(ds, True, root=store_db, user=alice)
    assert list_datasets(root=store_db, user=bob)["id"].tolist() == [ds]
    assert saved.visible_key(root=store_db, user=bob) == saved.visible_key(root=store_db, user=alice)
    with pytest.raises(SavedDataError, match="Only its owner or an admin"):
        delete_dataset(ds, root=store_db, user=bob)
    with pytest.raises(SavedDataError, match="Only its owner or an admin"):
        saved.set_in_index(ds, True, root=store_db, user=bob)
    # the Composite index: only when the owner adds it
    assert load_visible_excluded(store_db, bob) == {"user_priv_0123456789"}
    saved.set_in_index(ds, True, root=store_db, user=alice)
    assert load_visible_excluded(store_db, bob) == set()
    assert list_datasets(root=store_db, user=admin, manage=True)["id"].tolist() == [ds]
    saved.share_dataset(ds, False, root=store_db, user=alice)
    assert list_datasets(root=store_db, user=bob).empty
    assert list_datasets(root=store_db, user=admin).empty            # an admin's pages: own and shared only
    delete_dataset(ds, root=store_db, user=admin)                   # … but an admin manages every dataset
    log = saved.audit_log(root=store_db, user=admin)
    assert log[["actor", "action"]].values.tolist() == [
        ["root-admin", "delete"], ["alice", "unshare"], ["alice", "change"], ["alice", "share"], ["alice", "save"]]


def test_a_dataset_shared_with_a_named_group_reaches_its_members_only(store_db):
    from store.identity import User
    group = "卫生健康委员会基层卫生健康处与医政医管处联合工作组"        # longer than the 20 characters of schema 0001
    alice, bob = User("alice", groups=frozenset({group})), User("bob", groups=frozenset({group}))
    carol = User("carol", groups=frozenset({"教育局"}))
    ds = save_dataset(make_result("grp"), "组内数据", root=store_db, user=alice)
    with pytest.raises(ValueError):                                  # only a group of one's own
        saved.share_dataset(ds, "教育局", root=store_db, user=alice)
    saved.share_dataset(ds, group, root=store_db, user=alice)
    assert list_datasets(root=store_db, user=bob)["visibility"].tolist() == [f"group:{group}"]
    assert len(load_all(root=store_db, user=bob)) == 1
    assert saved.visible_key(root=store_db, user=bob) == saved.visible_key(root=store_db, user=alice)
    assert list_datasets(root=store_db, user=carol).empty and load_all(root=store_db, user=carol) == []
    with pytest.raises(SavedDataError, match="is available to you"):
        saved.load_version(ds, 1, root=store_db, user=carol)
    with pytest.raises(SavedDataError, match="Only its owner or an admin"):
        delete_dataset(ds, root=store_db, user=bob)                # a member sees it; only its owner changes it
    assert saved.audit_log(root=store_db)[["actor", "action", "detail"]].values.tolist()[0] == \
        ["alice", "share", f"group:{group}"]


def load_visible_excluded(db, user) -> set:
    return set(saved.load_visible(root=db, user=user)[1])


def test_every_write_bumps_the_counter_other_processes_watch(store_db):
    seen = [store_db.changes()]
    ds = save_dataset(make_result("c"), "c", root=store_db)
    seen.append(store_db.changes())
    saved.share_dataset(ds, True, root=store_db)
    seen.append(store_db.changes())
    delete_dataset(ds, root=store_db)
    seen.append(store_db.changes())
    assert seen == sorted(set(seen)) and len(seen) == 4


def test_env_var_sets_the_root(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path / "env"))
    monkeypatch.delenv("ATLAS_DATABASE_URL", raising=False)
    ds = save_dataset(make_result("env"), "env")
    assert (tmp_path / "env" / "atlas.db").exists()
    assert list_datasets()["id"].tolist() == [ds]


def test_empty_store_lists_nothing(store_db):
    assert list_datasets(root=store_db).empty and load_all(root=store_db) == []


LEGACY = ROOT / "tests" / "fixtures" / "legacy_user_data"


def test_first_start_imports_the_file_store_nothing_lost(tmp_path):
    """tests/fixtures/legacy_user_data was written by the file store's own code (commit 4aaa742)."""
    import json
    import shutil
    from store import stories
    from store.ingest import OBSERVATION_COLUMNS, TARGET_COLUMNS
    shutil.copytree(LEGACY, tmp_path / "user")
    before = sorted(p.name for p in (tmp_path / "user").iterdir())
    manifest = json.loads((LEGACY / "manifest.json").read_text(encoding="utf-8"))
    db = Database(f"sqlite:///{tmp_path / 'user' / 'atlas.db'}", legacy_root=tmp_path / "user")
    listed = list_datasets(root=db)
    assert listed["id"].tolist() == [d["id"] for d in manifest["datasets"]]
    assert listed["name"].tolist() == ["旧床位数 <script>", "旧医生数"]
    assert set(listed["visibility"]) == {"shared"} and listed["in_index"].all()
    for (obs, cat, targets), d in zip(load_all(root=db), manifest["datasets"]):
        pd.testing.assert_frame_equal(obs, pd.read_parquet(LEGACY / d["file"])[OBSERVATION_COLUMNS])
        assert cat.to_dict("records") == pd.DataFrame(d["catalog"]).reindex(columns=cat.columns).to_dict("records")
        assert targets.to_dict("records") == pd.DataFrame(d["targets"], columns=TARGET_COLUMNS).to_dict("records")
    row = listed.iloc[0]
    d = manifest["datasets"][0]
    assert (row["description"], row["source"], row["regions"], row["observations"], row["uploaded_at"]) == \
        (d["description"], d["source"], d["regions"], d["observations"], d["uploaded_at"][:16].replace("T", " "))
    assert [(s.id, s.title, s.views[0].page) for s in stories.list_stories(root=db)] == \
        [(s["id"], s["title"], s["views"][0]["page"])
         for s in json.loads((LEGACY / "stories.json").read_text(encoding="utf-8"))["stories"]]
    assert sorted(p.name for p in (tmp_path / "user").iterdir() if not p.name.startswith("atlas.db")) == before
    delete_dataset(listed["id"].iloc[0], root=db)
    db.engine.dispose()
    again = Database(db.url, legacy_root=tmp_path / "user")        # imported once: a deletion stays deleted
    assert list_datasets(root=again)["id"].tolist() == [listed["id"].iloc[1]]
    again.engine.dispose()


def test_first_start_on_postgresql_imports_the_file_store(tmp_path, pg_cluster):
    import shutil
    shutil.copytree(LEGACY, tmp_path / "user")
    from conftest import new_pg_url
    db = Database(new_pg_url(pg_cluster), legacy_root=tmp_path / "user")
    assert len(list_datasets(root=db)) == 2 and sum(len(o) for o, _, _ in load_all(root=db)) == 217 + 5
    db.engine.dispose()


def test_export_then_import_into_the_other_backend_keeps_everything(store_db, tmp_path, pg_cluster):
    from store import stories
    from store.identity import User
    a = save_dataset(make_result("x1"), "一", root=store_db, user=User("alice"))
    save_dataset(make_result("x1"), "一", "v2", root=store_db, user=User("alice"), replace=True)
    saved.share_dataset(a, True, root=store_db, user=User("alice"))
    save_dataset(make_result("x2"), "二", root=store_db, user=User("bob"))
    stories.save_story(stories.make_story("故事", [("一", {"year": "2018"})]), root=store_db)
    counts = store_db.export(tmp_path / "backup.zip")
    assert (counts["objects"], counts["versions"], counts["users"]) == (3, 4, 3)
    from conftest import new_pg_url
    other_url = f"sqlite:///{tmp_path / 'restored.db'}" if not store_db.is_sqlite else new_pg_url(pg_cluster)
    other = Database(other_url, legacy_root=tmp_path / "none")
    other.import_(tmp_path / "backup.zip")
    for user in (User("alice"), User("bob"), User("carol"), User("x", is_admin=True)):
        pd.testing.assert_frame_equal(list_datasets(root=other, user=user), list_datasets(root=store_db, user=user))
        for (o1, c1, _), (o2, c2, _) in zip(load_all(root=other, user=user), load_all(root=store_db, user=user)):
            pd.testing.assert_frame_equal(o1, o2)
    assert saved.dataset_versions(a, root=other, user="alice")["version"].tolist() == [1, 2]
    pd.testing.assert_frame_equal(saved.audit_log(root=other), saved.audit_log(root=store_db))
    assert [s.title for s in stories.list_stories(root=other)] == ["故事"]
    save_dataset(make_result("x3"), "三", root=other)                 # the restored database takes new writes
    with pytest.raises(ValueError, match="not empty"):
        other.import_(tmp_path / "backup.zip")
    other.engine.dispose()


def test_cli_export_and_import(tmp_path):
    env = {**os.environ, "ATLAS_USER_DATA": str(tmp_path / "a")}
    env.pop("ATLAS_DATABASE_URL", None)
    save_dataset(make_result("cli"), "命令行", root=tmp_path / "a")
    run = lambda *args, e=env: subprocess.run([sys.executable, "-m", "store.db", *args], cwd=ROOT, env=e,  # noqa: E731
                                              capture_output=True, text=True, timeout=120)
    out = run("export", str(tmp_path / "all.zip"))
    assert out.returncode == 0 and "objects 1" in out.stdout, out.stderr
    out = run("import", str(tmp_path / "all.zip"), e={**env, "ATLAS_USER_DATA": str(tmp_path / "b")})
    assert out.returncode == 0 and "versions 1" in out.stdout, out.stderr
    assert list_datasets(root=tmp_path / "b")["name"].tolist() == ["命令行"]
    assert run("import", str(tmp_path / "all.zip")).returncode != 0      # not into a database with data


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
    import store.saved as saved
    from store.db import Database
    from tests.test_saved import make_result
    mode, marker, url, tag = sys.argv[1:5]
    db = Database(url)
    if mode == "loop":         # saves back to back, killed at a random moment
        i = 0
        while True:
            saved.save_dataset(make_result(f"loop{{os.getpid()}}_{{i}}", n_codes=2875, years=range(2000, 2020)),
                               "loop", root=db, replace=True)  # each save a new version of "loop"
            if i == 0:
                open(marker, "w").close()
            i += 1
    else:                      # "race": wait for the go, then 5 saves as fast as possible
        while not os.path.exists(marker):
            time.sleep(0.005)
        for i in range(5):
            saved.save_dataset(make_result(f"race_{{tag}}_{{i}}", n_codes=2875, years=range(2000, 2010)),
                               f"{{tag}}-{{i}}", root=db, user=tag)
""")


def _child(tmp_path, mode: str, url: str, marker: Path, tag: str = "") -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT)))
    return subprocess.Popen([sys.executable, str(script), mode, str(marker), url, tag], cwd=ROOT)


def _assert_consistent(db) -> pd.DataFrame:
    listed = list_datasets(root=db)
    loaded = load_all(root=db)
    assert len(loaded) == len(listed)  # every listed dataset loads, completely
    for (obs, cat, _), n in zip(loaded, listed["observations"]):
        assert len(obs) == n and obs["value"].notna().all() and len(cat) == 1
    return listed


def test_killed_at_random_moments_during_back_to_back_saves(store_db, tmp_path):
    save_dataset(make_result("base"), "base", root=store_db)
    rng = np.random.default_rng(7)
    for run in range(3):
        marker = tmp_path / f"marker_{run}"
        proc = _child(tmp_path, "loop", store_db.url, marker)
        try:
            deadline = time.time() + 60
            while not marker.exists():
                assert proc.poll() is None, f"child exited early ({proc.returncode})"
                assert time.time() < deadline, "child never reached the save"
                time.sleep(0.01)
            time.sleep(float(rng.uniform(0.0, 0.4)))
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        listed = _assert_consistent(store_db)
        assert listed["name"].iloc[0] == "base"
    assert len(listed) >= 2 and (listed["name"] == "loop").sum() == 1   # one dataset "loop", versioned
    versions = saved.dataset_versions(listed["id"].iloc[1], root=store_db)["version"].tolist()
    assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 3


def test_concurrent_saves_from_two_processes_all_land(store_db, tmp_path):
    marker = tmp_path / "go"
    procs = [_child(tmp_path, "race", store_db.url, marker, tag) for tag in ("alice", "bob")]
    time.sleep(2.5)   # both processes imported and connected
    marker.touch()
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    from store.identity import User
    admin = User("admin", is_admin=True)
    listed = list_datasets(root=store_db, user=admin, manage=True)
    assert sorted(listed["name"]) == sorted(f"{t}-{i}" for t in ("alice", "bob") for i in range(5))
    assert listed.groupby("owner").size().to_dict() == {"alice": 5, "bob": 5}
    assert (listed["observations"] == 28_750).all()
    assert len(saved.audit_log(root=store_db, user=admin)) == 10


def test_postgresql_killed_during_a_save_gives_a_clear_error_and_old_or_new_state(tmp_path, pg_cluster):
    """The server dies inside the transaction that saves a 1.4 M-row version: the save says the database is
    unavailable, and after a restart the dataset is at its old version or its new one, never between."""
    import threading
    from conftest import new_pg_url
    db = Database(new_pg_url(pg_cluster), legacy_root=tmp_path / "none")
    ds = save_dataset(make_result("pgkill", n_codes=2875, years=range(2000, 2020)), "kill", root=db)
    big = make_result("pgkill", n_codes=2875, years=range(2000, 2500))     # 1.44 M rows
    outcome, in_transaction = {}, threading.Event()
    put = db.put

    def put_slowly(*args, check=None, **kwargs):   # the kill lands inside the save's transaction, every time
        def checked(conn):
            check(conn)
            in_transaction.set()
            time.sleep(1.0)
        return put(*args, check=checked, **kwargs)
    db.put = put_slowly

    def save():
        try:
            outcome["id"] = save_dataset(big, "kill", root=db, replace=True)
        except SavedDataError as exc:
            outcome["error"] = str(exc)
    writer = threading.Thread(target=save)
    writer.start()
    assert in_transaction.wait(60)
    pg_cluster.kill()
    writer.join(timeout=120)
    assert not writer.is_alive()
    try:
        assert "error" in outcome, "the save finished before the kill: nothing was tested"
        assert "数据库不可用" in outcome["error"] and "The database is unavailable; nothing was changed" in \
            outcome["error"]
        with pytest.raises(saved.DatabaseError, match="unavailable"):   # while it is down, reads say so too
            list_datasets(root=db)
    finally:
        pg_cluster.start()
    pg_cluster.wait_ready()
    listed = _assert_consistent(db)
    assert listed["id"].tolist() == [ds] and listed["version"].tolist() == [1]   # old state, whole
    assert saved.dataset_versions(ds, root=db)["version"].tolist() == [1]
    db.put = put
    assert save_dataset(big, "kill", root=db, replace=True) == ds   # and the next save works
    assert _assert_consistent(db)["observations"].tolist() == [2875 * 500]
    db.engine.dispose()


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


def test_a_read_only_database_refuses_a_save_with_a_clear_message_and_still_reads(tmp_path, pg_cluster):
    import sqlalchemy as sa
    from conftest import new_pg_url
    url = new_pg_url(pg_cluster)
    db = Database(url, legacy_root=tmp_path / "none")
    ds = save_dataset(make_result("ro"), "只读前", root=db)
    with db.engine.connect() as conn:
        conn.execute(sa.text(f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET default_transaction_read_only = on"))
        conn.commit()
    db.engine.dispose()                                    # new connections are read-only
    with pytest.raises(SavedDataError, match="The database refused this; nothing was changed"):
        save_dataset(make_result("ro2"), "只读后", root=db)
    assert list_datasets(root=db)["id"].tolist() == [ds]
    db.engine.dispose()
