"""The one-click briefing in the sidebar: build the HTML and PDF of the current view, with progress."""
from __future__ import annotations

import streamlit as st

from components import controls
from figures.export import safe_filename
from i18n import t
from store import stories


def briefing_tools(store, lang: str) -> None:
    """Build the briefing of the current view (with progress), then offer HTML and PDF."""
    view = controls.current_view()
    wanted = stories.view_params(view)
    if st.button(t("pres.brief_build", lang), key="brief-build", icon=":material/description:",
                 help=t("pres.brief_help", lang)):
        st.session_state.briefing = build_briefing_files(store, view)
    done = st.session_state.get("briefing")
    if done and done["params"] == wanted and not done.get("html"):
        st.warning(done.get("error", ""))
    elif done and done["params"] == wanted:
        offer_files(done, t("pres.brief_html", lang), t("pres.brief_pdf", lang), "brief")


def offer_files(files: dict, html_label: str, pdf_label: str, key: str) -> None:
    """A built briefing's HTML and, when it was made, its PDF (else why not)."""
    st.download_button(html_label, files["html"], file_name=f"{files['name']}.html", mime="text/html",
                       key=f"{key}-html", icon=":material/download:", on_click="ignore")
    if files.get("pdf"):
        st.download_button(pdf_label, files["pdf"], file_name=f"{files['name']}.pdf", mime="application/pdf",
                           key=f"{key}-pdf", icon=":material/download:", on_click="ignore")
    elif files.get("error"):
        st.warning(files["error"])


def build_briefing_files(store, view) -> dict:
    """Build HTML and PDF for `view`, showing each step in an st.status."""
    from components import data
    from geo import boundaries
    from reports.briefing import briefing_html, briefing_pdf, build_briefing
    lang = view.lang
    with st.status(t("pres.brief_status", lang), expanded=True) as status:
        bar = st.progress(0.0, text=t("pres.brief_geometry", lang))
        geometry = boundaries.load_boundaries(view.level, "detail" if view.scope else "overview")
        where = data.region_label(view.scope, lang) if view.scope else t("brief.whole_country", lang)
        result = {"params": stories.view_params(view)}
        try:
            briefing = build_briefing(
                store, view, data.regions_in_view(view.level, view.scope), geometry,
                grouping=data.grouping(store, view.group, view.level),
                grouping_name=data.grouping_label(store, view.group, lang),
                maritime=data.maritime() if not view.scope else None, where=where,
                progress=lambda f, m: bar.progress(0.6 * f, text=m))
        except ValueError as err:
            status.update(label=str(err), state="error")
            return {**result, "error": str(err)}
        bar.progress(0.6, text=t("brief.p_html", lang))
        html = briefing_html(briefing)
        name = safe_filename(f"{briefing.meta[f'name_{lang}']}_{where}_{briefing.year}")
        result.update(html=html.encode("utf-8"), name=name)
        bar.progress(0.7, text=t("brief.p_pdf", lang))
        try:
            result["pdf"] = briefing_pdf(html)
        except Exception as err:  # noqa: BLE001 - no Chromium: the HTML is still there
            result["error"] = t("pres.brief_pdf_failed", lang, error=str(err)[:200])
        bar.progress(1.0, text=t("brief.p_done", lang, pages="HTML + PDF" if "pdf" in result else "HTML"))
        status.update(label=t("brief.p_done", lang, pages="HTML + PDF" if "pdf" in result else "HTML"),
                      state="complete", expanded=False)
    return result


def plan_briefing_files(card, lang: str, scope: str) -> dict:
    """The scorecard's briefing (reports.plan_briefing) as HTML and PDF, with the units' boundaries at the plan's
    level within ``scope`` (a province code, or "" for the country)."""
    from components import data
    from geo import boundaries
    from reports.briefing import briefing_pdf
    from reports.plan_briefing import scorecard_html
    with st.status(t("pres.brief_status", lang), expanded=False) as status:
        geometry = boundaries.load_boundaries(card.plan.level, "detail" if scope else "overview")
        html = scorecard_html(card, lang, geometry, national=not scope,
                              maritime=data.maritime() if not scope else None)
        result = {"html": html.encode("utf-8"), "name": safe_filename(f"{card.plan.id}_{card.year}_考核简报")}
        try:
            result["pdf"] = briefing_pdf(html)
        except Exception as err:  # noqa: BLE001 - no Chromium: the HTML is still there
            result["error"] = t("plans.brief.pdf_failed", lang, error=str(err)[:200])
        status.update(label=t("brief.p_done", lang, pages="HTML + PDF" if "pdf" in result else "HTML"),
                      state="complete")
    return result
