"""Entry point: page config, language switch and navigation. Pages live in pages/."""
import streamlit as st

from components.controls import current_view, language_switch
from i18n import t

st.set_page_config(page_title="基本公共服务均等化地图 · Public Service Equity Atlas", page_icon="static/favicon.png",
                   layout="wide", initial_sidebar_state="expanded")

view = current_view()
lang = view.lang
pages = [
    st.Page("pages/map.py", title=t("nav.map", lang), icon=":material/map:", url_path="map", default=True),
    st.Page("pages/gaps.py", title=t("nav.gaps", lang), icon=":material/stacked_line_chart:", url_path="gaps"),
    st.Page("pages/targets.py", title=t("nav.targets", lang), icon=":material/flag:", url_path="targets"),
    st.Page("pages/profile.py", title=t("nav.profile", lang), icon=":material/location_city:", url_path="profile"),
    st.Page("pages/composite.py", title=t("nav.composite", lang), icon=":material/balance:", url_path="composite"),
    st.Page("pages/data.py", title=t("nav.data", lang), icon=":material/upload_file:", url_path="data"),
]
navigation = st.navigation(pages, position="sidebar")
with st.sidebar:
    language_switch()
navigation.run()
