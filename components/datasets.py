"""The Data page's list of saved datasets: owner, visibility, Composite-index flag, delete — each control
shown only to those allowed to use it — and the audit log for admins."""
from __future__ import annotations

import streamlit as st

from components.identity import current_user, share_control, visibility_label
from components.importer import table_text
from i18n import t
from store import db as dbm
from store import saved
from store.messages import in_lang


def _apply(action, *args) -> None:
    try:
        action(*args, user=current_user())
    except saved.SavedDataError as exc:
        st.session_state["_dataset_error"] = exc        # shown in the page's language, as text


def saved_list(lang: str) -> None:
    user = current_user()
    if err := st.session_state.pop("_dataset_error", None):
        st.error(table_text(in_lang(err, lang)))
    try:
        datasets = saved.list_datasets(user=user, manage=True)
    except dbm.DatabaseError:
        st.warning(t("db.down", lang), icon=":material/cloud_off:")
        return
    if datasets.empty:
        st.caption(t("data.saved_empty", lang))
    for row in datasets.itertuples():
        mine = user.may_manage(row.owner)
        with st.container(border=True, key=f"ds-{row.id}"):
            left, right = st.columns([6, 2])
            left.markdown(f"**{table_text(row.name)}** · {t(f'level.{row.level}', lang)} · "
                          f"{row.regions} {t('data.regions', lang)} · {row.year_min}–{row.year_max} · "
                          f"{row.observations:,} {t('data.figures', lang)}")
            left.caption(f"{table_text(row.description)} — {t('common.source', lang)}: {table_text(row.source)} · "
                         f"{t('data.uploaded', lang)} {row.uploaded_at} · {t('db.version', lang, n=row.version)} · "
                         f"{t('db.owner', lang)}: {table_text(row.owner)} · "
                         f"{table_text(visibility_label(row.visibility, lang))}")
            if not mine:
                continue
            if (shared := share_control(right, row.visibility, f"share-{row.id}", lang)) is not None:
                _apply(saved.share_dataset, row.id, shared)
                st.rerun()
            right.toggle(t("db.in_index", lang), value=row.in_index, key=f"index-{row.id}",
                         help=t("db.in_index_help", lang),
                         on_change=lambda i=row.id, x=row.in_index: _apply(saved.set_in_index, i, not x))
            if right.button(t("data.delete", lang), key=f"del-{row.id}"):
                _apply(saved.delete_dataset, row.id)
                st.rerun()
    if user.is_admin:
        audit_log(lang)


def audit_log(lang: str) -> None:
    with st.expander(t("db.audit", lang)):
        try:
            log = saved.audit_log(user=current_user())
        except saved.SavedDataError as exc:
            st.error(table_text(in_lang(exc, lang)))
            return
        if log.empty:
            st.caption(t("db.audit_empty", lang))
            return
        # shown as text, never markup
        st.dataframe(log.drop(columns=["id"]), hide_index=True, width="stretch", placeholder="—")


