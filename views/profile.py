"""Region profile: one region on every indicator — where it stands among its peers, how it moved
over time against the averages, its rank history and composite index — beside up to five peers."""
from html import escape

import plotly.graph_objects as go
import streamlit as st

from components import cached, controls, data, presenter
from components.downloads import download_buttons
from figures import profile as pf
from figures.caption import plot_wide, source_line
from i18n import t
from viewmodel import composite as cm
from viewmodel import profile as pm


# ── filters ──────────────────────────────────────────────────────────────────
store = data.get_store()
resolved = controls.resolved(store, "profile")
view, years, meta = resolved.view, list(resolved.years), resolved.meta
lang = view.lang
regions = data.regions_in_view(view.level, view.scope)
labels = dict(zip(regions["code"], regions["name" if lang == "zh" else "name_en"]))
peers = [c for c in view.peers.split(",") if c]
with st.sidebar:
    controls.level_select(lang)
    controls.scope_select(lang)
    controls.select("region", ["", *labels], t("profile.region", lang), lambda c: labels.get(c, "—"))
    if years:
        controls.select("year", years, t("profile.year", lang), help=t("profile.year_help", lang))
    st.session_state["w_peers"] = peers
    st.multiselect(t("profile.peers", lang), [c for c in labels if c != view.region],
                   format_func=lambda c: labels.get(c, c), max_selections=pm.MAX_PEERS, key="w_peers",
                   placeholder=t("common.choose", lang),
                   on_change=lambda: controls.update_view(peers=",".join(st.session_state["w_peers"])))
    presenter.sidebar_tools(store, lang)
controls.sync_url()

st.title(t("profile.title", lang))
if not years:
    st.info(t("profile.no_regions", lang, level=t(f"level.{view.level}", lang)))
    st.stop()
if not view.region:
    st.info(t("profile.pick_region", lang))
    st.stop()

# ── data ─────────────────────────────────────────────────────────────────────
year = int(view.year)
codes = [view.region, *peers]
label = labels[view.region]
texts = cached.profile_texts(store, view.level, tuple(codes), year, view.scope, lang, label)
finding, sources = texts.finding, texts.sources

# ── where it stands ──────────────────────────────────────────────────────────
st.markdown(f"### {finding}")
choice = cm.default_choice(store, view.level, year)
with st.container(border=True):
    st.markdown(f"**{t('profile.composite_header', lang)}**")
    cols = st.columns([1, 1, 1, 3])
    if choice is None:
        cols[3].caption(t("profile.composite_none", lang))
    else:
        result = cached.build_index(store, choice, view.level, view.scope, lang)
        band = cached.sensitivity(store, choice, view.level, view.scope, lang, n_draws=1000, seed=0)
        me = result.table[result.table["code"] == view.region].iloc[0]
        n = int(result.table["score"].notna().sum())
        if me.isna()["score"]:
            cols[3].warning(t("profile.composite_missing", lang, region=escape(label), year=choice.year,
                              missing=escape(me["missing"])))
        else:
            cols[0].metric(t("profile.composite_rank", lang), f"{int(me['rank'])} / {n}",
                           help=t("profile.composite_of", lang, n=n))
            if band is not None:
                b = band.set_index("code").loc[view.region]
                cols[1].metric(t("profile.composite_band", lang), f"{b.rank_p05:.0f} – {b.rank_p95:.0f}",
                               help=t("profile.composite_band_help", lang, draws=band.attrs["n_draws"]))
            cols[2].metric(t("profile.composite_score", lang), f"{me['score']:.3f}")
        cols[3].caption(t("profile.composite_caption", lang, year=choice.year, m=len(choice.indicators)))
        if cols[3].button(t("profile.open_composite", lang), key="profile-to-composite", icon="⚖️"):
            st.switch_page("views/composite.py")

# The slide: where the region stands on every indicator, under the page's finding.
standing = cached.profile_standing(store, view.level, tuple(codes), year, view.scope, lang,
                                   t("profile.standing_title", lang))
if presenter.active():          # the slide's headline takes the top axis' place; "worse · median · better" stays
    standing = go.Figure(standing).update_xaxes(showticklabels=False, title=None)    # a copy: the shared one stays
presenter.figure_view(standing, finding, plot_wide(sources.replace("**", "")), key="profile-standing",
                      name=f"profile_standing_{view.region}_{year}")
st.caption(t("profile.standing_caption", lang) + "  \n" + sources)

st.markdown(f"#### {t('profile.table_title', lang)}")
table = texts.table
st.dataframe(table.round(2), hide_index=True, width="stretch", placeholder="—")
download_buttons(table, f"profile_{view.region}_{year}",
                 {t("profile.region", lang): label, t("profile.year", lang): str(year),
                  "": t("profile.standing_caption", lang)}, lang, key="profile-dl")

if peers:
    st.markdown(f"#### {t('profile.peers_header', lang)}")
    side = texts.peers
    st.dataframe(side.round(2), hide_index=True, width="stretch", placeholder="—")
    st.caption(t("profile.peers_caption", lang, year=year))
    download_buttons(side, f"profile_peers_{view.region}_{year}", {t("profile.year", lang): str(year)}, lang,
                     key="profile-peers-dl")

# ── trends ───────────────────────────────────────────────────────────────────
st.markdown(f"#### {t('profile.trend_header', lang)}")
pick = st.columns([1, 1, 2])
with pick[0]:
    controls.indicator_select(store, lang)
if meta is not None:
    unit = meta[f"unit_{lang}"]
    trend = cached.trend_frame(store, meta.name, view.level, tuple(codes), view.scope, view.group, lang)
    fig = cached.profile_trend(store, meta.name, view.level, tuple(codes), view.scope, view.group, lang, label,
                               pf.group_name(store, view.group, trend.attrs.get("group", ""), lang))
    presenter.figure_view(fig, None, source_line(store, meta, lang), key="profile-trend", slide=False,
                          name=f"profile_trend_{view.region}_{meta.name}", data=trend,
                          notes={t("common.unit", lang): unit})
    st.caption(cached.indicator_note(store, meta.name, view.level, tuple(codes), lang))

# ── rank history ─────────────────────────────────────────────────────────────
st.markdown(f"#### {t('profile.rank_header', lang)}")
history = cached.rank_history(store, view.level, view.region, view.scope, lang)
if history.empty:
    st.caption(t("profile.rank_empty", lang))
else:
    presenter.figure_view(cached.profile_ranks(store, view.level, view.region, view.scope, lang, label), None,
                          sources.replace("**", ""), key="profile-ranks", slide=False,
                          name=f"profile_ranks_{view.region}")
