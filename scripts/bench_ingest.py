"""Benchmark the importer on a county-level long table: 2,875 counties x 20 years x 30 indicators.

Run: ``.venv/bin/python scripts/bench_ingest.py`` (about a minute on 2 cores).

Writes a ~1.7 M-row long CSV (代码,年份,指标,数值) to a temp dir, then imports it
in a fresh child process (so peak RSS is the importer's own): read_table ->
detect_roles -> import_table (matching, cleaning, duplicates, jumps,
outliers, per-row outcomes). Prints wall time per stage and peak RSS
(VmHWM from /proc, else ``resource.getrusage``), checks the budget (<= 15 s, <= 2 GB), and compares
with a naive baseline that matches and parses row by row (timed on a sample
and scaled up). A few cells are made messy on purpose (gap markers,
thousands separators, an unknown code) so the slow paths run too.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N_YEARS, N_INDICATORS = 20, 30
N_JUMPS = 50
BUDGET_S, BUDGET_MB = 15.0, 2048


def matcher_for(level):
    """The project's matcher (as the importer caches it); a code-lookup stand-in if geo.matcher is missing."""
    try:
        from store.ingest import _matcher
        return _matcher(level)
    except ImportError:
        return _CodeMatcher(level)


class _CodeMatcher:
    def __init__(self, level):
        from geo.regions import load_regions
        reg = load_regions(level)
        self.names = dict(zip(reg["code"], reg["name"]))
        self.level = level

    def match(self, values, parents=None, year=None):
        import pandas as pd
        return pd.DataFrame([{"input": v, "parent": None, "code": v if v in self.names else None,
                              "name": self.names.get(v), "level": self.level,
                              "status": "exact" if v in self.names else "unmatched", "candidates": [],
                              "note": ""} for v in values])


def generate(path: Path) -> int:
    import numpy as np
    import pandas as pd
    from geo.regions import load_regions
    codes = load_regions("county")["code"].to_numpy()
    rng = np.random.default_rng(2026)
    years = np.arange(2005, 2005 + N_YEARS)
    inds = np.array([f"指标{i:02d}（元/人）" for i in range(N_INDICATORS)])
    n = len(codes) * N_YEARS * N_INDICATORS
    code_col = np.repeat(codes, N_YEARS * N_INDICATORS)
    year_col = np.tile(np.repeat(years, N_INDICATORS), len(codes))
    ind_col = np.tile(inds, len(codes) * N_YEARS)
    # smooth series (level x steady growth x 2 % noise), as real statistics are; N_JUMPS series get a x3 break
    level = rng.lognormal(5, 1, (len(codes), 1, N_INDICATORS))
    growth = (1 + rng.normal(0.05, 0.02, (len(codes), 1, N_INDICATORS))) ** np.arange(N_YEARS)[None, :, None]
    series = level * growth * (1 + rng.normal(0, 0.02, (len(codes), N_YEARS, N_INDICATORS)))
    broken = rng.choice(len(codes) * N_INDICATORS, N_JUMPS, replace=False)
    series[broken // N_INDICATORS, N_YEARS // 2:, broken % N_INDICATORS] *= 3
    values = np.round(series.reshape(-1), 2).astype(str).astype(object)
    messy = rng.choice(n, 2000, replace=False)
    flat = series.reshape(-1)
    full_width = str.maketrans("0123456789.", "０１２３４５６７８９．")
    values[messy[:500]] = "—"                                                 # gap marker
    values[messy[500:1000]] = [f"{flat[i]:,.2f}" for i in messy[500:1000]]    # 1,234.56
    values[messy[1000:1500]] = [f"{flat[i]:.2f}".translate(full_width) for i in messy[1000:1500]]
    values[messy[1500:]] = [f"{flat[i]:.2f}①" for i in messy[1500:]]          # footnote mark
    code_col = code_col.astype(object)
    code_col[rng.choice(n, 20, replace=False)] = "999999"
    pd.DataFrame({"代码": code_col, "年份": year_col, "指标": ind_col, "数值": values}).to_csv(
        path, index=False, encoding="utf-8")
    return n


def peak_rss_mb() -> float:
    """Peak resident memory of this process. VmHWM belongs to the process image, unlike
    ru_maxrss, which Linux carries over from the parent across fork+exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_import(path: Path) -> dict:
    """Child process: import the file, report stage times and peak RSS."""
    import pandas as pd  # noqa: F401  (imports are not part of the timing)
    from store.ingest import Limits, detect_roles, import_table, read_table
    rss0 = peak_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    data = path.read_bytes()
    raw = read_table(data, path.name, limits=Limits(max_bytes=200 * 2 ** 20, max_cells=10_000_000))
    del data
    t1 = time.perf_counter()
    roles = detect_roles(raw)
    t2 = time.perf_counter()
    res = import_table(raw, roles, level="county", matcher=matcher_for)
    t3 = time.perf_counter()
    cpu = time.process_time() - c0
    c = res.report.counts
    return {"read_s": t1 - t0, "roles_s": t2 - t1, "import_s": t3 - t2, "total_s": t3 - t0,
            "cpu_s": cpu, "load": os.getloadavg()[0],
            "peak_rss_mb": peak_rss_mb(),
            "rss_after_imports_mb": rss0,
            "roles": {"shape": roles.shape, "region": roles.region, "year": roles.year,
                      "indicator": roles.indicator, "value": roles.value},
            "counts": c, "errors": res.report.errors, "observations": len(res.observations)}


def naive_baseline(path: Path, sample: int = 3000) -> float:
    """Seconds per row when each row is matched and parsed on its own (csv module, one match call per row)."""
    import csv
    from store.ingest_clean import clean_cell
    m = matcher_for("county")
    with open(path, encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = [next(reader) for _ in range(sample)]
    t = time.perf_counter()
    for code, year, ind, value in rows:
        m.match([code])
        int(year)
        clean_cell(value)
    return (time.perf_counter() - t) / sample


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(run_import(Path(sys.argv[2]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "county_long.csv"
        t = time.perf_counter()
        n = generate(path)
        print(f"generated {n:,} rows, {path.stat().st_size / 2 ** 20:.1f} MB in {time.perf_counter() - t:.1f} s")
        out = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        if out.returncode:
            sys.exit(out.stderr)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        per_row = naive_baseline(path)
    c = r["counts"]
    print(f"roles: {r['roles']}")
    print(f"read_table {r['read_s']:.2f} s | detect_roles {r['roles_s']:.2f} s | import_table {r['import_s']:.2f} s"
          f" | total {r['total_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU (load average {r['load']:.1f} on"
          f" {os.cpu_count()} cores)")
    print(f"peak RSS {r['peak_rss_mb']:.0f} MB (of which {r['rss_after_imports_mb']:.0f} MB is the interpreter"
          f" with pandas loaded)")
    print(f"rows: input {c['input_rows']:,} = used {c['used']:,} + skipped {c['skipped']:,}"
          f" + rejected {c['rejected']:,}; observations {r['observations']:,}; missing cells {c['cells_missing']};"
          f" jumps found {c['jumps']} (planted {N_JUMPS})")
    naive = per_row * c["input_rows"]
    print(f"naive row-by-row baseline: {per_row * 1e6:.0f} us/row -> {naive:.0f} s for all rows"
          f" ({naive / r['total_s']:.0f}x slower)")
    ok = r["total_s"] <= BUDGET_S and r["peak_rss_mb"] <= BUDGET_MB and not r["errors"] and \
        c["used"] + c["skipped"] + c["rejected"] == c["input_rows"]
    print("PASS" if ok else "FAIL", f"(budget {BUDGET_S:.0f} s, {BUDGET_MB} MB)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
