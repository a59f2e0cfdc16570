"""Entry point: page config, language switch and navigation.

Pages live in views/, not pages/: Streamlit runs a pages/ folder as a v1 multipage app
until st.navigation has run once in the process, so a shared deep link (/gaps) opened
on a fresh server would run the page without this file.
"""
import streamlit as st

from components import chart, data
from components.controls import current_view, language_switch
from components.identity import current_user, signed_in_line
from i18n import t

st.set_page_config(page_title="基本公共服务均等化地图 · Public Service Equity Atlas", page_icon="static/favicon.png",
                   layout="wide", initial_sidebar_state="expanded")

view = current_view()
lang = view.lang
current_user()   # nobody signed in (OIDC, or the proxy's header missing): the page stops here
map_page = st.Page("views/map.py", title=t("nav.map", lang), icon=":material/map:", url_path="map", default=True)
pages = [
    map_page,
    st.Page("views/gaps.py", title=t("nav.gaps", lang), icon=":material/stacked_line_chart:", url_path="gaps"),
    st.Page("views/targets.py", title=t("nav.targets", lang), icon=":material/flag:", url_path="targets"),
    st.Page("views/profile.py", title=t("nav.profile", lang), icon=":material/location_city:", url_path="profile"),
    st.Page("views/composite.py", title=t("nav.composite", lang), icon=":material/balance:", url_path="composite"),
    st.Page("views/plans.py", title=t("nav.plans", lang), icon=":material/assignment:", url_path="plans"),
    st.Page("views/data.py", title=t("nav.data", lang), icon=":material/upload_file:", url_path="data"),
]
navigation = st.navigation(pages, position="sidebar")
# First element of every page: the browser starts loading plotly.js (and the map's boundaries) now.
chart.preload([data.map_geojson_url(view.level, view.scope)] if navigation is map_page else [])
with st.sidebar:
    language_switch()
    signed_in_line(lang)
navigation.run()
