"""Command line for analysts who automate the round (same code as the Plans page).

    python -m plans list
    python -m plans template --plan bj2018 --units 610300 --level county --years 2019-2020 -o bj.xlsx
    python -m plans score --plan bj2018 --year 2020 returned1.xlsx returned2.xlsx -o scorecard.xlsx
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plans.model import PlanError
from plans.score import export_xlsx, plan_values, scorecard
from plans.storage import get_plan, latest, list_plans, rounds
from plans.workbook import read_returns, template, template_csv


def _years(text: str) -> list[int]:
    a, _, b = text.partition("-")
    lo, hi = int(a), int(b or a)
    if hi < lo or hi - lo > 50:
        raise argparse.ArgumentTypeError(f"years {text!r}: write Y1-Y2, e.g. 2019-2020")
    return list(range(lo, hi + 1))


def _store():
    from store import saved
    from store.model import load_store
    return load_store(extra=saved.load_all())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m plans", description="Plan monitoring: list, template, score.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="one plan a line: id TAB title")
    tp = sub.add_parser("template", help="the monitoring workbook for a plan's units and years")
    tp.add_argument("--plan", required=True)
    tp.add_argument("--units", help="region code whose sub-units report (default: the plan's scope)")
    tp.add_argument("--level", choices=["province", "city", "county"], help="default: the plan's level")
    tp.add_argument("--years", type=_years, required=True, help="Y1-Y2")
    tp.add_argument("-o", "--output", required=True, help="FILE.xlsx or FILE.csv")
    sp = sub.add_parser("score", help="scorecard from one or more returned files")
    sp.add_argument("--plan", required=True)
    sp.add_argument("--year", type=int, required=True)
    sp.add_argument("--units")
    sp.add_argument("--level", choices=["province", "city", "county"])
    sp.add_argument("files", nargs="+")
    sp.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    try:
        if a.cmd == "list":
            for p in list_plans():
                print(f"{p.id}\t{p.title}")
            return 0
        plan = get_plan(a.plan)
        scope, level = a.units or plan.scope_code, a.level or plan.level
        if a.cmd == "template":
            make = template_csv if a.output.lower().endswith(".csv") else template
            Path(a.output).write_bytes(make(plan, scope, level, a.years, store=_store()))
            print(f"wrote {a.output}")
            return 0
        files = [(Path(f).name, Path(f).read_bytes()) for f in a.files]
        rnd = read_returns(plan, files, scope, level)
        for e in rnd.errors:
            print(e, file=sys.stderr)
        for m in rnd.pending():
            print(f"{m.file}: column {m.column!r} not used: {m.note}", file=sys.stderr)
        if len(rnd.conflicts):
            print(f"{len(rnd.conflicts)} conflicting figures left out (see the page's 填报进度)", file=sys.stderr)
        report = rnd.column_report()
        print(report.to_string(index=False) if len(report) else "no column matched", file=sys.stderr)
        store = _store()
        current = rnd.observations.assign(source="本次填报：" + rnd.observations["file"].astype(str),
                                          round=int(rounds(plan.id)["round"].max() or 0) + 1
                                          if len(rounds(plan.id)) else 1)
        saved_rounds = latest(rounds(plan.id))
        import pandas as pd
        values_in = pd.concat([saved_rounds, current], ignore_index=True) if len(saved_rounds) else current
        codes = rnd.progress["code"].tolist()
        years = sorted(set(range(a.year - 4, a.year + 1)) | set(rnd.years))
        values = plan_values(plan, level, codes, years, store, values_in)
        card = scorecard(plan, a.year, values, scope, level, population=store.population(level, a.year))
        Path(a.output).write_bytes(export_xlsx(card))
        t = card.targets
        print(f"wrote {a.output}: {len(t)} targets, {card.evaluable()} evaluable, "
              f"{int((t['status'] == 'met').sum())} met, {int((t['status'] == 'not_met').sum())} not met, "
              f"{int((t['status'] == 'no_data').sum())} without data")
        return 0
    except (PlanError, KeyError, OSError) as exc:
        print(str(exc).strip("'\""), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
