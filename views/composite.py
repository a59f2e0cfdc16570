"""Composite index: choose indicators, year and method; map and rank the index; see how far the
ranks move when the weights vary. An index is a modelling choice, and the page says so."""
import streamlit as st

from components import cached, controls, data, presenter
from components.downloads import download_buttons
from figures.caption import sources_text
from i18n import t
from state import AGGREGATIONS, CUSTOM_WEIGHTS, METHODS, WEIGHTINGS, format_spec
from viewmodel import composite as cm

# ── filters ──────────────────────────────────────────────────────────────────
store = data.get_store()
level = controls.current_view().level
domain_key = f"cmp-domain-{level}"                     # the domain filter is the page's, not the link's
domains = ["", *dict.fromkeys(cm.candidates(store, level)["domain"])]
if st.session_state.get(domain_key, "") not in domains:
    st.session_state[domain_key] = ""
resolved = controls.resolved(store, "composite", domain=st.session_state.get(domain_key, ""))
view, chosen, years = resolved.view, list(resolved.indicators), list(resolved.years)
lang = view.lang
domain_names = dict(zip(store.domains["id"], store.domains[f"name_{lang}"]))
spec_keys = ("cmp-method", "cmp-weighting", "cmp-aggregation")
weight_keys = [f"cmp-w-{i}" for i in chosen]
for key, value in [*zip(spec_keys, resolved.spec), *zip(weight_keys, resolved.weights)]:
    st.session_state[key] = value                      # the link owns the radios and sliders


def _spec_changed():
    parts = [st.session_state[k] for k in spec_keys]
    weights = tuple(st.session_state[k] for k in weight_keys) if parts[1] == "custom" else ()
    controls.update_view(index_spec=format_spec(*parts, weights))


with st.sidebar:
    controls.level_select(lang)
    controls.scope_select(lang)
    domain = st.selectbox(t("composite.domain", lang), domains, key=domain_key,
                          format_func=lambda d: domain_names.get(d, t("composite.all_domains", lang)))
    cat = cm.candidates(store, level, domain or None)
    names = dict(zip(cat.index, cat[f"name_{lang}"]))
    st.session_state["cmp-ind"] = chosen
    st.multiselect(t("composite.indicators", lang), list(cat.index), format_func=lambda i: names.get(i, i),
                   key="cmp-ind", placeholder=t("common.choose", lang),
                   on_change=lambda: controls.update_view(index_indicators=",".join(st.session_state["cmp-ind"])))
    if years:
        controls.select("year", years, t("composite.year", lang), help=t("composite.year_help", lang))
    method = st.radio(t("composite.method", lang), METHODS, key="cmp-method", on_change=_spec_changed,
                      format_func=lambda m: t(f"composite.method.{m}", lang))
    weighting = st.radio(t("composite.weighting", lang), WEIGHTINGS, key="cmp-weighting", on_change=_spec_changed,
                         format_func=lambda w: t(f"composite.weighting.{w}", lang))
    custom = ()
    if weighting == "custom":
        st.caption(t("composite.custom_help", lang))
        lo, hi, step = CUSTOM_WEIGHTS
        custom = tuple(st.slider(names.get(i, i), lo, hi, step=step, key=key, on_change=_spec_changed)
                       for i, key in zip(chosen, weight_keys))
    aggregation = st.radio(t("composite.aggregation", lang), AGGREGATIONS, key="cmp-aggregation",
                           on_change=_spec_changed, format_func=lambda a: t(f"composite.aggregation.{a}", lang))
    draws = st.select_slider(t("composite.draws", lang), [200, 500, 1000, 2000, 5000], value=1000, key="cmp-draws")
    presenter.sidebar_tools(store, lang)
controls.sync_url()

st.title(t("composite.title", lang))
st.info(t("composite.caveat", lang), icon="⚖️")
if cat.empty:
    st.warning(t("composite.no_candidates", lang, level=t(f"level.{view.level}", lang)))
    st.stop()
if len(chosen) < 2:
    st.warning(t("composite.need_two", lang))
    st.stop()
if not years:
    detail = "; ".join(f"{names[i]} {min(ys)}–{max(ys)}" if (ys := store.years(i, view.level)) else
                       f"{names[i]} —" for i in chosen)
    st.warning(t("composite.no_year", lang, detail=detail))
    st.stop()

# ── data ─────────────────────────────────────────────────────────────────────
choice, notes = cm.coherent(cm.IndexChoice(tuple(chosen), int(view.year), method, weighting, aggregation, custom))
for note in notes:
    st.caption("ℹ️ " + t(note, lang))
texts = cached.composite_texts(store, choice, view.level, view.scope, lang, draws)
if texts["note"]:
    st.error(texts["note"])
    st.stop()
# ── figures ──────────────────────────────────────────────────────────────────
finding = texts["finding"]
sources = sources_text(store, choice.indicators, lang)
st.markdown(f"### {finding}")
left, right = st.columns([3, 2], gap="medium")
band = None
with right:
    # st.spinner shows only if the draws take over half a second (a new choice). st.status sleeps 0.05 s
    # whenever it is created (Streamlit 1.67), which was half of every visit to this page.
    with st.spinner(t("composite.sensitivity_running", lang, draws=draws)):
        band = cached.sensitivity(store, choice, view.level, view.scope, lang, n_draws=draws, seed=0)
    st.caption(":material/check_circle: " + t("composite.sensitivity_done", lang, draws=draws, seed=0))
    if band is not None:
        title = t("composite.rank_title", lang, stable=texts["stable"], n=texts["ranked"])
    else:
        title = t("composite.rank_title_plain", lang)
    presenter.figure_view(cached.composite_ranking(store, choice, view.level, view.scope, lang, draws, title), None,
                          sources.replace("**", ""),
                          key="cmp-rank", slide=False, export_size=(1200, 1400))
    if band is not None:
        st.caption(t("composite.sensitivity_caption", lang, draws=draws))
with left:
    fig = cached.composite_map(store, choice, view.level, view.scope, lang, draws, view)
    # The slide: the index on the map under the finding (who leads, who trails); the numbers behind map and ranks.
    presenter.figure_view(fig, finding, sources.replace("**", ""), key=f"cmp-map-{view.level}-{view.scope}",
                          name=f"composite_{view.level}_{choice.year}", data=texts["index_frame"],
                          notes=texts["notes"])

# ── what went in ─────────────────────────────────────────────────────────────
left, right = st.columns([1, 1], gap="medium")
with left:
    presenter.figure_view(cached.composite_weights(store, choice, view.level, view.scope, lang,
                                                   t("composite.weights_title", lang)), None, sources.replace("**", ""),
                          key="cmp-weights", slide=False)
with right:
    st.markdown("  \n".join(texts["choice_lines"]))
    for note in texts["implicit"]:
        st.caption("ℹ️ " + note)
    st.caption(sources)
normalised = texts["normalised"]
if normalised is not None:
    # Shown on request: a table in a closed expander is still built and sent on every visit.
    if st.toggle(t("composite.normalised", lang), key="cmp-normalised"):
        st.dataframe(texts["normalised_shown"], width="stretch", placeholder="—")
        download_buttons(normalised.reset_index(), "composite_normalised", {}, lang, "dl-normalised")
