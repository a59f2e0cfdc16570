"""Plan monitoring: plans with their targets, the monitoring workbook out, the returned files in, the scorecard.

Pure (never imports Streamlit); the Plans page (views/plans.py) and the command line (``python -m plans``)
run the same functions::

    plan = get_plan("bj2018")                                   # plans.model
    xlsx = template(plan, "610300", "county", [2019, 2020])     # plans.workbook
    rnd = read_returns(plan, [(name, data), ...])               # merged files, 填报进度, per-column reports
    card = scorecard(plan, 2020, rounds=[rnd.observations])     # plans.score
"""
