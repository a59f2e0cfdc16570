"""Benchmark plan monitoring at county scale: every county-level unit × 20 indicators × 3 years.

Run: ``.venv/bin/python scripts/bench_plans.py`` (a few minutes on 2 cores).

Prints each budget of issue 15 beside its baseline, measured in the same run:

* template: ``plans.workbook.template`` vs pandas ``DataFrame.to_excel`` (openpyxl) writing the same cells;
  budget ≤ 2 × and ≤ 5 MB.
* import of the filled workbook: ``plans.workbook.read_returns`` per cell vs today's import of the same file
  (``read_table`` → ``detect_roles`` → ``import_table``, the Data page's path, as scripts/bench_ingest.py runs it);
  budget ≤ 1.5 × per cell, ≤ 1 GB peak (each import runs in a fresh child process: VmHWM is its own).
* scorecard: ``plans.score.scorecard`` vs one ``metrics.summary.summarise`` call per indicator over the same units;
  budget ≤ 5 ×.

The figures in the workbook are synthetic benchmark values (never saved, never shown as statistics).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metrics.summary import summarise
from plans.model import Plan, bundled_plans, units_table
from plans.score import plan_values, scorecard
from plans.workbook import column_specs, template

YEARS = [2018, 2019, 2020]
N_IND = 20


class _Synthetic:
    """Stands in for a store: synthetic benchmark values for every cell, so the template comes back filled."""

    def __init__(self, codes, indicators):
        rng = np.random.default_rng(15)
        idx = pd.MultiIndex.from_product([codes, YEARS, indicators], names=["code", "year", "indicator"])
        self.observations = idx.to_frame(index=False).assign(
            level="county", value=np.round(rng.uniform(1, 100, len(idx)), 2), source="benchmark (synthetic)")


def bench_plan() -> Plan:
    xm = next(p for p in bundled_plans() if p.id == "xm2017")
    targets = [t for t in xm.targets if t.quantified][:N_IND]
    return Plan("bench", "benchmark plan", scope_code="100000", level="county", period_end=2020, targets=targets)


def best_of(fn, n=2) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
data = Path(sys.argv[2]).read_bytes()
t0 = time.perf_counter()
if sys.argv[3] == "plans":
    from scripts.bench_plans import bench_plan
    from plans.workbook import read_returns
    rnd = read_returns(bench_plan(), [("filled.xlsx", data)], "100000", "county", [2018, 2019, 2020])
    n = int(len(rnd.observations))
    assert not rnd.errors and not len(rnd.conflicts), rnd.errors
else:
    from store.ingest import detect_roles, import_table, read_table
    raw = read_table(data, "filled.xlsx", sheet="填报")
    res = import_table(raw, detect_roles(raw), level="county")
    n = int(len(res.observations))
took = time.perf_counter() - t0
peak = 0.0
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        peak = int(line.split()[1]) / 1024
print(json.dumps({"seconds": took, "observations": n, "peak_mb": peak}))
"""


def child(kind: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path), kind], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    plan = bench_plan()
    units = units_table("100000", "county")
    codes = units["code"].tolist()
    specs = column_specs(plan)
    cells = len(codes) * len(YEARS) * len(specs)
    print(f"{len(codes):,} county-level units × {len(specs)} indicators × {len(YEARS)} years = {cells:,} value cells")

    # --- template vs pandas to_excel of the same cells
    blank = template(plan, "100000", "county", YEARS)
    t_tpl = best_of(lambda: template(plan, "100000", "county", YEARS))
    frame = pd.DataFrame([(c, n, y) for c, n in zip(codes, units["name"]) for y in YEARS],
                         columns=["地区代码", "地区名称", "年份"])
    for name in specs["name"]:
        frame[name] = np.nan
    frame["备注"] = ""

    def pandas_xlsx():
        with tempfile.TemporaryFile() as fh:
            frame.to_excel(fh, index=False, engine="openpyxl")
    t_pd = best_of(pandas_xlsx)
    print(f"template      {t_tpl:6.2f} s  vs pandas to_excel {t_pd:6.2f} s  = {t_tpl / t_pd:4.2f} ×  (budget ≤ 2 ×); "
          f"file {len(blank) / 1e6:.2f} MB (budget ≤ 5 MB)")

    # --- import of the filled workbook vs today's import of the same file
    store = _Synthetic(codes, specs["indicator"].tolist())
    filled = template(plan, "100000", "county", YEARS, store=store)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "filled.xlsx"
        path.write_bytes(filled)
        ours = child("plans", path)
        today = child("ingest", path)
    per_ours = ours["seconds"] / cells * 1e6
    per_today = today["seconds"] / cells * 1e6
    print(f"import        {ours['seconds']:6.2f} s = {per_ours:5.2f} µs/cell vs today's import "
          f"{today['seconds']:6.2f} s "
          f"= {per_today:5.2f} µs/cell  = {per_ours / per_today:4.2f} ×  (budget ≤ 1.5 ×); "
          f"peak {ours['peak_mb']:.0f} MB (today's {today['peak_mb']:.0f} MB; budget ≤ 1024 MB); "
          f"{ours['observations']:,} / {today['observations']:,} values read")

    # --- scorecard vs one summarise per indicator
    values = plan_values(plan, "county", codes, YEARS, store)
    t_card = best_of(lambda: scorecard(plan, 2020, values, "100000", "county"), 7)
    by_ind = {i: g[g["year"] == 2020].set_index("code")["value"].reindex(codes).to_numpy()
              for i, g in values.groupby("indicator")}
    t_sum = best_of(lambda: [summarise(v) for v in by_ind.values()], 7)
    print(f"scorecard     {t_card:6.2f} s  vs {len(by_ind)} × summarise {t_sum:6.2f} s  = {t_card / t_sum:4.2f} ×  "
          f"(budget ≤ 5 ×)")

    seeds = [p for p in bundled_plans()]
    n_all = sum(len(p.targets) for p in seeds)
    n_q = sum(1 for p in seeds for t in p.targets if t.quantified)
    print(f"targets: {n_all} in {len(seeds)} bundled plans; {n_q} quantified, all evaluable once a workbook is filled;"
          f" {n_all - n_q} qualitative (listed with their quote)")


if __name__ == "__main__":
    main()
