"""Plan monitoring: pick a plan → units and years → workbook out → returned files in (progress, checks, diff) →
save the round → scorecard with a map and an XLSX export. Logic lives in plans/ (pure); this page only wires it."""
import itertools

import pandas as pd
import streamlit as st

from components import chart, controls, data
from components.briefing_panel import offer_files, plan_briefing_files
from components.identity import current_user, share_control, visibility_label
from components.importer import file_uploader, table_text
from i18n import t
from plans import storage
from geo.regions import province_of
from plans.map import share_met_layer
from plans.model import (
    LEVELS,
    PlanError,
    Target,
    catalog,
    copy_plan,
    scope_label,
    unit_codes,
)
from plans.score import export_xlsx, plan_values, scorecard
from store.identity import visibility_of
from store.messages import in_lang
from plans.workbook import (
    column_specs,
    diff,
    known_values,
    read_returns,
    target_text,
    template,
    template_csv,
)

view = controls.current_view()
lang = view.lang
controls.sync_url()
store = data.get_store()
cat = catalog(store.catalog)
st.title(t("plans.title", lang))
st.caption(t("plans.intro", lang))

# ── plan ─────────────────────────────────────────────────────────────────────
user = current_user()
try:
    plans = {p.id: p for p in storage.list_plans(user=user)}
except PlanError as exc:            # the database is down: the bundled plans still work
    st.error(t("plans.error", lang, msg=table_text(in_lang(exc, lang))))
    plans = {p.id: p for p in storage.bundled_plans()}


def whose(p) -> str:
    """Bundled, mine (private or shared) or another user's shared plan."""
    if p.bundled:
        return t("plans.bundled", lang)
    if p.owner == user.name:
        if isinstance(p.shared, str):
            return visibility_label(visibility_of(p.shared), lang)
        return t("plans.mine_shared" if p.shared else "plans.mine_private", lang)
    return t("plans.theirs", lang, owner=p.owner)


plan_id = st.selectbox(t("plans.pick", lang), list(plans), key="plans-plan",
                       format_func=lambda i: f"{plans[i].title}（{i} · {whose(plans[i])}）")
plan = plans[plan_id]
mine = not plan.bundled and user.may_manage(plan.owner)      # saved in place; otherwise saved as a copy
level_name = t(f"level.{plan.level}", lang)
st.markdown(table_text(t("plans.meta", lang, issuer=plan.issuer, year=plan.year or "—",
                         scope=scope_label(plan.scope_code, lang), level=level_name,
                         start=plan.period_start or "—", end=plan.period_end or "—")))
if plan.note:
    st.caption(table_text(plan.note))


def targets_frame(p) -> pd.DataFrame:
    rows = [{t("plans.col.id", lang): x.id, t("plans.col.kind", lang): t(f"plans.kind.{x.kind}", lang),
             t("plans.col.text", lang): x.text, t("plans.col.goal", lang): target_text(x) if x.value is not None
             else x.quote, t("plans.col.target_year", lang): x.target_year,
             t("plans.col.indicator", lang): cat.loc[x.indicator, f"name_{lang}"] if x.indicator in cat.index else "",
             t("plans.col.lead", lang): x.lead, t("plans.col.partners", lang): x.partners,
             t("plans.col.quote", lang): x.quote, t("plans.col.note", lang): x.note} for x in p.targets]
    return pd.DataFrame(rows)


quantified = sum(1 for x in plan.targets if x.quantified)
with st.expander(t("plans.targets", lang, n=len(plan.targets), q=quantified), expanded=False):
    st.dataframe(targets_frame(plan), hide_index=True, width="stretch", placeholder="—")

with st.expander(t("plans.copy", lang)):
    with st.form("plans-copy"):
        new_id = st.text_input(t("plans.copy.id", lang), value=plan.id if mine else f"{plan.id}_copy")
        title = st.text_input(t("plans.copy.title", lang), value=plan.title)
        scope = st.text_input(t("plans.copy.scope", lang), value=plan.scope_code)
        level = st.selectbox(t("plans.units.level", lang), LEVELS, index=LEVELS.index(plan.level),
                             format_func=lambda v: t(f"level.{v}", lang))
        now = plan.shared if mine else False            # a copy starts private
        shared = share_control(st, visibility_of(now), "plans-share", lang)
        shared = now if shared is None else shared
        editable = pd.DataFrame([{"id": x.id, "indicator": x.indicator, "kind": x.kind, "text": x.text,
                                  "comparator": x.comparator, "value": x.value, "unit": x.unit,
                                  "target_year": x.target_year, "lead": x.lead, "partners": x.partners}
                                 for x in plan.targets],
                                columns=["id", "indicator", "kind", "text", "comparator", "value", "unit",
                                         "target_year", "lead", "partners"])
        edited = st.data_editor(editable, num_rows="dynamic", hide_index=True, key="plans-edit", width="stretch")
        if st.form_submit_button(t("plans.copy.save", lang)):
            edit = copy_plan(plan, new_id.strip(), title.strip())
            edit.scope_code, edit.level, edit.shared = scope.strip(), level, shared
            if edit.id == plan.id:                      # a new version of the same plan, not a copy of it
                edit.based_on = plan.based_on
            by_id = {x.id: x for x in plan.targets}
            targets = []
            for r in edited.to_dict("records"):
                base = by_id.get(r["id"])
                x = Target(
                    id=str(r["id"] or ""), indicator=str(r["indicator"] or ""), kind=str(r["kind"] or "per_unit"),
                    text=str(r["text"] or ""), comparator=str(r["comparator"] or ">="),
                    value=None if pd.isna(r["value"]) else float(r["value"]), unit=str(r["unit"] or ""),
                    target_year=None if pd.isna(r["target_year"]) else int(r["target_year"]),
                    quote=base.quote if base else "", lead=str(r["lead"] or ""), partners=str(r["partners"] or ""),
                    note=base.note if base else "")
                targets.append(x)
            edit.targets = targets
            try:
                storage.save_plan(edit, user=user)
                st.success(t("plans.copy.saved", lang, id=edit.id))
            except (PlanError, ValueError, TypeError) as exc:
                st.error(t("plans.error", lang, msg=table_text(in_lang(exc, lang))))
    if mine and st.button(t("plans.copy.delete", lang), key="plans-delete"):
        try:
            storage.delete_plan(plan.id, user=user)
            st.rerun()
        except PlanError as exc:
            st.error(t("plans.error", lang, msg=table_text(in_lang(exc, lang))))

# ── units and years ──────────────────────────────────────────────────────────
step = (f"{n}. " for n in itertools.count(1))        # steps 4–5 show only with files: numbered as shown
st.subheader(next(step) + t("plans.step.units", lang))
c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
scope_code = c1.text_input(t("plans.units.scope", lang), value=plan.scope_code, key=f"plans-scope-{plan.id}").strip()
level = c2.selectbox(t("plans.units.level", lang), LEVELS, index=LEVELS.index(plan.level),
                     format_func=lambda v: t(f"level.{v}", lang), key=f"plans-level-{plan.id}")
y0 = c3.number_input(t("plans.units.from", lang), 2000, 2035, plan.period_start or 2020, key=f"plans-y0-{plan.id}")
y1 = c4.number_input(t("plans.units.to", lang), 2000, 2035, plan.period_end or 2020, key=f"plans-y1-{plan.id}")
years = list(range(int(min(y0, y1)), int(max(y0, y1)) + 1))
try:
    codes = unit_codes(scope_code, level)
except (PlanError, KeyError) as exc:
    st.error(t("plans.error", lang, msg=table_text(str(exc).strip("'\""))))
    st.stop()
st.caption(t("plans.units.count", lang, n=len(codes), y=len(years)))

# ── workbook out ─────────────────────────────────────────────────────────────
st.subheader(next(step) + t("plans.step.template", lang))
if plan.indicators():
    specs = column_specs(plan, cat)
    known = known_values(store, specs["indicator"].tolist(), level, codes, years)
    row = st.container(horizontal=True, gap="small")
    stem = f"{plan.id}_{scope_code}_{level}_{years[0]}-{years[-1]}"
    row.download_button(t("plans.template.xlsx", lang), lambda: template(plan, scope_code, level, years, store,
                                                                          cat=cat),
                        file_name=f"{stem}.xlsx", key="plans-xlsx", on_click="ignore", icon=":material/download:",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    row.download_button(t("plans.template.csv", lang), lambda: template_csv(plan, scope_code, level, years, store,
                                                                            cat=cat),
                        file_name=f"{stem}.csv", key="plans-csv", on_click="ignore", icon=":material/download:",
                        mime="text/csv")
    st.caption(t("plans.template.prefill", lang, n=len(known)))

# ── files back ───────────────────────────────────────────────────────────────
st.subheader(next(step) + t("plans.step.upload", lang))
uploads = file_uploader(t("plans.upload", lang), types=["xlsx", "xls", "csv", "tsv", "txt"],
                        key=f"plans-upload-{plan.id}", lang=lang, multiple=True)
confirm_key = f"plans-confirm-{plan.id}"
confirmed = st.session_state.setdefault(confirm_key, {})
rnd = None
if uploads:
    files = [(u.name, u.getvalue()) for u in uploads]
    rnd = read_returns(plan, files, scope_code, level, years, cat=cat, confirmed=confirmed)
    for e in rnd.errors:
        st.error(table_text(in_lang(e, lang)))
    for m in rnd.pending():
        options = [*m.candidates, ""]
        names = {i: f"{cat.loc[i, f'name_{lang}']}（{cat.loc[i, f'unit_{lang}']}）" for i in m.candidates}
        choice = st.selectbox(table_text(t("plans.confirm", lang, column=m.column, file=m.file,
                                           note=in_lang(m.note, lang))),
                              options,
                              format_func=lambda i, names=names: names.get(i) or t("plans.confirm.ignore", lang),
                              key=f"plans-pick-{m.file}-{m.column}")
        if st.button(t("plans.confirm.choose", lang) + " ✓", key=f"plans-ok-{m.file}-{m.column}"):
            confirmed[(m.file, m.column)] = choice
            st.rerun()

if rnd is not None and len(rnd.cells):
    st.subheader(next(step) + t("plans.step.progress", lang))
    prog = rnd.progress
    cols = st.columns(4)
    for c, s in zip(cols, ("reported", "partial", "missing", "conflicting")):
        c.metric(t(f"plans.progress.{s}", lang), int((prog["status"] == s).sum()))
    st.dataframe(prog.assign(status=prog["status"].map(lambda s: t(f"plans.progress.{s}", lang))).rename(columns={
        "code": t("plans.col.code", lang), "name": t("plans.col.unit_name", lang),
        "status": t("plans.col.status", lang),
        "filled": t("plans.col.filled", lang), "expected": t("plans.col.expected", lang),
        "files": t("plans.col.file", lang)}), hide_index=True, width="stretch", height=240, placeholder="—")
    if len(rnd.conflicts):
        st.warning(t("plans.progress.conflicts", lang))
        st.dataframe(rnd.conflicts, hide_index=True, width="stretch", placeholder="—")
    st.markdown(f"**{t('plans.report', lang)}**")
    st.dataframe(rnd.column_report().rename(columns={
        "file": t("plans.col.file", lang), "column": t("plans.col.column", lang),
        "indicator": t("plans.col.indicator", lang), "input": t("plans.col.input", lang),
        "used": t("plans.col.used", lang), "skipped": t("plans.col.skipped", lang),
        "rejected": t("plans.col.rejected", lang)}), hide_index=True, width="stretch", placeholder="—")
    odd = rnd.cells[rnd.cells["outcome"] != "used"]
    if len(odd):
        with st.expander(f"{t('plans.report.problems', lang)} ({len(odd)})"):
            odd = odd.assign(outcome=odd["outcome"].map(lambda o: t(f"plans.outcome.{o}", lang)),
                             reason=odd["reason"].map(lambda r: t(f"plans.reason.{r}", lang)),
                             detail=odd["detail"].map(lambda d: in_lang(d, lang)))
            st.dataframe(odd.rename(columns={"outcome": t("plans.col.status", lang), "file": t("plans.col.file", lang),
                                             "column": t("plans.col.column", lang),
                                             "row": t("plans.col.row", lang), "raw": t("plans.col.raw", lang),
                                             "reason": t("plans.col.reason", lang),
                                             "detail": t("plans.col.detail", lang)}),
                         hide_index=True, width="stretch", placeholder="—")

# ── diff and save ────────────────────────────────────────────────────────────
saved_rounds = storage.rounds(plan.id, user=user)
if rnd is not None and len(rnd.observations):
    st.subheader(next(step) + t("plans.step.diff", lang))
    own = saved_rounds[saved_rounds["owner"] == user.name]["round"] if len(saved_rounds) else []
    st.caption(t("plans.diff.rounds", lang, n=int(max(own, default=0))))
    d = diff(rnd.observations, storage.latest(saved_rounds))
    counts = d["change"].value_counts()
    st.markdown(t("plans.diff.counts", lang, new=int(counts.get("new", 0)), changed=int(counts.get("changed", 0)),
                  unchanged=int(counts.get("unchanged", 0))))
    shown = d[d["change"] != "unchanged"].assign(change=lambda f: f["change"].map(lambda c: t(f"plans.diff.{c}", lang)))
    st.dataframe(shown.rename(columns={"code": t("plans.col.code", lang), "year": t("plans.col.year", lang),
                                       "indicator": t("plans.col.indicator", lang), "old": t("plans.col.old", lang),
                                       "new": t("plans.col.new", lang), "change": t("plans.col.change", lang)}),
                 hide_index=True, width="stretch", height=240, placeholder="—")
    with st.form(f"plans-save-{plan.id}"):
        label = st.text_input(t("plans.save.label", lang))
        if st.form_submit_button(t("plans.save", lang), disabled=not counts.get("new", 0) + counts.get("changed", 0)):
            try:
                ds, n = storage.save_round(plan, rnd.observations, level, label, user=user)
                st.success(t("plans.save.done", lang, n=n, id=ds))
                saved_rounds = storage.rounds(plan.id, user=user)
            except (PlanError, ValueError) as exc:
                st.error(t("plans.error", lang, msg=table_text(in_lang(exc, lang))))

# ── scorecard ────────────────────────────────────────────────────────────────
st.subheader(next(step) + t("plans.step.score", lang))
st.caption(t("plans.score.rules", lang))
year = st.selectbox(t("plans.score.year", lang), years[::-1], key=f"plans-year-{plan.id}")
current = storage.latest(saved_rounds)
if rnd is not None and len(rnd.observations):
    pending = rnd.observations.assign(source=t("plans.col.file", lang) + "：" + rnd.observations["file"],
                                      round=(int(saved_rounds["round"].max()) if len(saved_rounds) else 0) + 1)
    unsaved = diff(rnd.observations, current)["change"].ne("unchanged").any()
    current = pd.concat([current, pending], ignore_index=True) if unsaved else current
values = plan_values(plan, level, codes, sorted(set(range(year - 4, year + 1)) | set(years)), store, current)
population = store.population(level, year)
card = scorecard(plan, year, values, scope_code, level, population if len(population) else None, cat)
tg = card.targets
st.markdown(t("plans.score.evaluable", lang, n=len(tg), k=card.evaluable(), m=int((tg["status"] == "met").sum()),
              x=int((tg["status"] == "not_met").sum()), d=int((tg["status"] == "no_data").sum())))
status = {s: t(f"plans.status.{s}", lang) for s in ("met", "not_met", "no_data", "not_quantifiable", "contributes")}
st.markdown(f"**{t('plans.score.targets', lang)}**")
# rounded for reading: a spread of nine equal figures is 0, not 0.0000000000000001 (the export keeps every digit)
st.dataframe(tg.round(4).assign(status=tg["status"].map(status),
                                kind=tg["kind"].map(lambda k: t(f"plans.kind.{k}", lang)))[
    ["target", "kind", "text", "goal", "status", "plan_value", "units_with_data", "share_units_met",
     "share_population_met", "cv", "max_min", "plan_gap", "lead", "partners", "quote"]].rename(columns={
        "target": t("plans.col.id", lang), "kind": t("plans.col.kind", lang), "text": t("plans.col.text", lang),
        "goal": t("plans.col.goal", lang), "status": t("plans.col.result", lang),
        "plan_value": t("plans.col.plan_value", lang), "units_with_data": t("plans.col.units_with_data", lang),
        "share_units_met": t("plans.col.share_units", lang), "share_population_met": t("plans.col.share_population",
                                                                                      lang),
        "cv": t("plans.col.cv", lang), "max_min": t("plans.col.max_min", lang), "plan_gap": t("plans.col.gap", lang),
        "lead": t("plans.col.lead", lang), "partners": t("plans.col.partners", lang),
        "quote": t("plans.col.quote", lang)}), hide_index=True, width="stretch", placeholder="—")

left, right = st.columns([3, 2])
with right:
    st.markdown(f"**{t('plans.score.units', lang)}**")
    st.dataframe(card.units.rename(columns={
        "code": t("plans.col.code", lang), "name": t("plans.col.unit_name", lang),
        "scored": t("plans.col.scored", lang), "met": t("plans.col.met", lang), "no_data": t("plans.col.no_data", lang),
        "share_met": t("plans.col.share_met", lang), "rank": t("plans.col.rank", lang)}), hide_index=True,
        width="stretch", height=420, placeholder="—")
with left:
    st.markdown(f"**{t('plans.map.title', lang, year=year)}**")
    map_scope = "" if scope_code == "100000" else province_of(scope_code)
    unit_key = f"plans-unit-{plan.id}"
    if card.units["share_met"].isna().all():       # why the map is blank: no such target, or no figures yet
        per_unit = card.targets["kind"].isin(["per_unit", "share_of_units"]).any()
        st.caption(t("plans.map.no_figures" if per_unit else "plans.map.none", lang, year=year))

    def picked(location: str) -> None:
        st.session_state[unit_key] = data.region_at(level, map_scope, location)
    inside = scope_code not in ("100000", map_scope)                  # a city's plan: framed on its units
    chart.chart(data.region_map(share_met_layer(card, lang, st.session_state.get(unit_key)), level, map_scope, 460,
                                tuple(card.units["code"]) if inside else ()),
                key=f"plans-map-{plan.id}", lang=lang, on_click=picked)
chosen = st.session_state.get(unit_key)
cells = card.cells
if chosen in set(cells["code"]):
    cells = cells[cells["code"] == chosen]
    st.markdown(f"**{t('plans.score.unit', lang, name=table_text(cells['name'].iloc[0]))}**")
else:
    st.markdown(f"**{t('plans.score.cells', lang)}**")
names = cat[f"name_{lang}"] if f"name_{lang}" in cat else pd.Series(dtype=object)
shown_cells = cells.assign(status=cells["status"].map(status),       # words, not codes; empty cells blank
                           kind=cells["kind"].map(lambda k: t(f"plans.kind.{k}", lang)),
                           indicator=cells["indicator"].map(lambda i: names.get(i, i)),
                           value=pd.to_numeric(cells["value"], errors="coerce"),
                           gap=pd.to_numeric(cells["gap"], errors="coerce"),
                           round=pd.to_numeric(cells["round"], errors="coerce"),
                           on_pace=cells["on_pace"].map({True: t("plans.pace.yes", lang),
                                                         False: t("plans.pace.no", lang)}).fillna(""),
                           source=cells["source"].fillna(""))
st.dataframe(shown_cells.rename(columns={
    "code": t("plans.col.code", lang), "name": t("plans.col.unit_name", lang), "target": t("plans.col.id", lang),
    "kind": t("plans.col.kind", lang), "indicator": t("plans.col.indicator", lang), "value": t("plans.col.value", lang),
    "goal": t("plans.col.goal", lang), "gap": t("plans.col.gap", lang), "status": t("plans.col.result", lang),
    "on_pace": t("plans.col.on_pace", lang), "source": t("plans.col.source", lang),
    "round": t("plans.col.round", lang)}), hide_index=True, width="stretch", height=300, placeholder="—")
with st.container(horizontal=True, gap="small"):
    st.download_button(t("plans.score.export", lang), export_xlsx(card), file_name=f"{plan.id}_{year}_考核.xlsx",
                       key="plans-score-xlsx", on_click="ignore", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    # the briefing of exactly this scorecard: built on request (a PDF takes seconds), offered while it is current
    brief_key = (plan.id, year, scope_code, level, pd.util.hash_pandas_object(card.cells, index=False).sum())
    if st.button(t("plans.brief.build", lang), key="plans-brief-build", icon=":material/description:"):
        st.session_state["plans-brief"] = (brief_key, plan_briefing_files(card, lang, map_scope))
    built = st.session_state.get("plans-brief")
    if built and built[0] == brief_key:
        offer_files(built[1], t("plans.brief.html", lang), t("plans.brief.pdf", lang), "plans-brief")
