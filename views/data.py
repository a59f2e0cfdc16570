"""Data: saved datasets, a template to start from, and the import wizard
(file → preview → column roles → indicator metadata → validation report → save)."""
import streamlit as st

from components import controls, data, datasets
from components.identity import current_user
from components.importer import (edit_meta, edit_roles, file_uploader, merger_choice, sheet_picker, show_report,
                                 table_text)
from i18n import t
from store import ingest, saved
from store.messages import in_lang

view = controls.current_view()
lang = view.lang
controls.sync_url()
st.title(t("data.title", lang))

# ── saved datasets ───────────────────────────────────────────────────────────
st.subheader(t("data.saved", lang))
datasets.saved_list(lang)

# ── template ─────────────────────────────────────────────────────────────────
with st.expander(t("data.template", lang)):
    level = st.selectbox(t("ctl.level", lang), ["province", "city", "county"], key="tpl-level",
                         format_func=lambda v: t(f"level.{v}", lang))
    st.download_button(t("data.template_download", lang), ingest.template(level),
                       file_name=f"atlas_template_{level}.csv", mime="text/csv")

# ── import wizard ────────────────────────────────────────────────────────────
st.subheader(t("data.import", lang))
upload = file_uploader(t("data.upload", lang), types=["csv", "tsv", "txt", "xlsx", "xls"], key="upload",
                      lang=lang, help=t("data.upload_help", lang))
if upload is None:
    st.stop()
content = upload.getvalue()
sheet = None
if upload.name.lower().endswith((".xlsx", ".xls")):
    try:
        sheet = sheet_picker(content, lang)
    except ingest.IngestError as exc:
        st.error(table_text(in_lang(exc, lang)))
        st.stop()
try:
    raw = ingest.read_table(content, upload.name, sheet=sheet)
except ingest.IngestError as exc:
    st.error(in_lang(exc, lang))
    st.stop()

st.markdown(f"**1 · {t('data.step_preview', lang)}** — {raw.n_rows:,} {t('data.rows', lang)}")
for line in raw.notes:
    st.caption(table_text(in_lang(line, lang)))
st.dataframe(raw.body.head(20), width="stretch", placeholder="—")

st.markdown(f"**2 · {t('data.step_roles', lang)}**")
roles = edit_roles(raw, ingest.detect_roles(raw), lang)

st.markdown(f"**3 · {t('data.step_meta', lang)}**")
meta, level = edit_meta(raw, roles, data.get_store(), lang)

st.markdown(f"**4 · {t('data.step_report', lang)}**")
key = (raw.digest, sheet, repr(roles), repr(meta), level)
if st.session_state.get("import_key") != key:
    with st.spinner(t("data.validating", lang)):
        st.session_state.import_result = ingest.import_table(raw, roles, meta, level=level)
    st.session_state.import_key = key
result = st.session_state.import_result
show_report(result, lang)
merger_choice(result, raw, lang)

st.markdown(f"**5 · {t('data.step_save', lang)}**")
with st.form("save"):
    name = st.text_input(t("data.name", lang), value=meta.name_zh or upload.name)
    description = st.text_area(t("data.description", lang))
    source = st.text_input(t("data.source", lang), value=meta.source)
    replace = st.checkbox(t("fixes.replace_same_name", lang))
    submitted = st.form_submit_button(t("data.save", lang), type="primary", disabled=not result.ok or not meta.domain)
if submitted:
    try:
        saved.save_dataset(result, name, description, source, user=current_user(), replace=replace)
    except saved.DatasetNameTaken as exc:
        st.warning(table_text(t("fixes.name_taken", lang, name=exc.name, uploaded_at=exc.uploaded_at)))
    except saved.SavedDataError as exc:
        st.error(table_text(in_lang(exc, lang)))
    else:
        indicator = result.catalog.iloc[0]["id"]
        controls.update_view(indicator=indicator, level=result.level, scope="", year=None, region="")
        st.success(t("data.saved_ok", lang, name=name))
        st.page_link("views/map.py", label=t("data.open_map", lang), icon=":material/map:")
