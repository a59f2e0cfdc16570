"""From (store, choices) to what the composite-index page shows: the indicator matrix, the index,
its weights, the Monte-Carlo rank band, the map layer and the charts.

Pure functions, no streamlit. Every number comes from ``metrics.composite``; this
module only picks the indicators and year, lines the data up and arranges the
results. An index is a modelling choice, so every result carries the choices
and the data left out with it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from figures.china_map import MapLayer
from figures.map_view import map_layer
from figures.style import AVERAGE_COLOR, FONT_FAMILY, GROUP_COLORS
from i18n import t
from metrics._data import UndefinedMeasure
from metrics.composite import composite_index, rank_sensitivity, topsis
from state import ViewState

METHODS = ("minmax", "zscore")
WEIGHTINGS = ("equal", "domain_equal", "entropy", "custom")
AGGREGATIONS = ("linear", "geometric", "topsis")
# Left out of the default set: the catalog itself says higher education is not a basic
# public service (shown for context only); a user may still tick it.
NOT_BASIC = {"stu_teacher_college"}


@dataclass(frozen=True)
class IndexChoice:
    """Every modelling choice behind one index; the page shows all of them next to the result."""
    indicators: tuple[str, ...]
    year: int
    method: str = "minmax"
    weighting: str = "equal"
    aggregation: str = "linear"
    custom: tuple[float, ...] = ()      # one weight per indicator when weighting == "custom"


@dataclass
class IndexResult:
    table: pd.DataFrame                 # code, label, score, rank (1 = best, NaN if incomplete), missing
    weights: pd.Series                  # indicator -> weight (sum 1)
    choice: IndexChoice
    n_incomplete: int
    normalised: pd.DataFrame | None = None                 # regions x indicators as the engine scored them
    incomplete: list[str] = field(default_factory=list)   # "label (missing indicators)" of regions left out
    uncovered: list[str] = field(default_factory=list)    # regions with no data on any chosen indicator
    note: str = ""                      # why the index could not be computed, if it could not


def candidates(store, level: str, domain: str | None = None) -> pd.DataFrame:
    """Indicators an index can use at `level`: those with a direction (not context), not an urban/rural
    variant of another (it would count the same service twice), and no upload its owner has not added."""
    cat = store.indicators(level=level, domain=domain)
    variant = cat["variant_of"].fillna("").astype(str) != ""
    not_added = cat.index.isin(list(getattr(store, "index_excluded", ())))   # uploads join when their owner adds them
    return cat[cat["direction"].isin([1, -1]) & ~variant & ~not_added]


def default_selection(cat: pd.DataFrame) -> list[str]:
    return [i for i in cat.index if i not in NOT_BASIC] or list(cat.index)


def common_years(store, indicators, level: str) -> list[int]:
    """Years in which every chosen indicator has data at `level`."""
    years: set[int] | None = None
    for ind in indicators:
        ys = set(store.years(ind, level))
        years = ys if years is None else years & ys
    return sorted(years or ())


def indicator_matrix(store, indicators, level: str, year: int, regions: pd.DataFrame) -> pd.DataFrame:
    """Regions in view (rows, code index) x indicators (columns) for one year; NaN where missing."""
    cols = {}
    for ind in indicators:
        v = store.values(ind, level, year)
        cols[ind] = regions["code"].map(v.set_index("code")["value"]).to_numpy(float)
    return pd.DataFrame(cols, index=regions["code"].to_numpy(), columns=list(indicators))


def coherent(choice: IndexChoice) -> tuple[IndexChoice, list[str]]:
    """Fix combinations the engine cannot compute (entropy or geometric on z-scores, which can be
    negative) by switching to min–max; returns the ids of the notes that say so."""
    notes = []
    if choice.method == "zscore" and choice.aggregation != "topsis":
        if choice.weighting == "entropy":
            notes.append("composite.entropy_zscore")
        elif choice.aggregation == "geometric":
            notes.append("composite.geometric_zscore")
    if notes:
        choice = replace(choice, method="minmax")
    if choice.aggregation == "topsis":
        notes.append("composite.topsis_note")
    return choice, notes


def weight_vector(choice: IndexChoice, cat: pd.DataFrame):
    """What the engine gets as `weights`: a name ("equal", "entropy") or one number per indicator.
    "domain_equal" gives each domain the same total, shared equally by its indicators."""
    if choice.weighting == "custom":
        return np.asarray(choice.custom, float)
    if choice.weighting == "domain_equal":
        domains = cat.loc[list(choice.indicators), "domain"]
        per_domain = domains.map(domains.value_counts())
        return (1.0 / per_domain).to_numpy(float)
    return choice.weighting


def build_index(store, choice: IndexChoice, level: str, regions: pd.DataFrame, lang: str = "zh") -> IndexResult:
    """Score and rank every region in view with the engine; regions missing an indicator are left out."""
    cat = store.catalog
    labels = regions["name" if lang == "zh" else "name_en"].to_numpy()
    X = indicator_matrix(store, choice.indicators, level, choice.year, regions)
    directions = cat.loc[list(choice.indicators), "direction"].to_numpy(int)
    table = pd.DataFrame({"code": X.index, "label": labels})
    table["missing"] = [", ".join(cat.loc[c, f"name_{lang}"] for c in X.columns[row.isna()])
                        for _, row in X.iterrows()]
    empty = IndexResult(table.assign(score=np.nan, rank=np.nan), pd.Series(dtype=float), choice, len(table))
    if len(choice.indicators) < 2:
        return replace(empty, note=t("composite.need_two", lang))
    try:
        if choice.aggregation == "topsis":
            weights = weight_vector(choice, cat)
            score = topsis(X.to_numpy(), directions, weights)
            base = composite_index(X.to_numpy(), directions, weights, "minmax", "linear")
            w, n_incomplete = base.weights, base.n_incomplete
            rank = pd.Series(score).rank(ascending=False, method="min").to_numpy()
            normalised = None
        else:
            ci = composite_index(X.to_numpy(), directions, weight_vector(choice, cat), choice.method,
                                 choice.aggregation)
            score, w, n_incomplete = ci.score, ci.weights, ci.n_incomplete
            rank = np.where(ci.rank > 0, ci.rank, np.nan).astype(float)
            normalised = pd.DataFrame(ci.normalised, index=labels, columns=list(choice.indicators))
    except (UndefinedMeasure, ValueError) as err:
        return replace(empty, note=str(err))
    table["score"] = score
    table["rank"] = rank
    partial = table["score"].isna() & X.notna().any(axis=1).to_numpy()
    incomplete = [f"{r.label} ({r.missing})" for r in table[partial].itertuples()]
    uncovered = table.loc[table["score"].isna() & ~partial, "label"].astype(str).tolist()
    return IndexResult(table, pd.Series(w, index=list(choice.indicators)), choice, n_incomplete, normalised,
                       incomplete, uncovered=uncovered)


def sensitivity(store, choice: IndexChoice, level: str, regions: pd.DataFrame, result: IndexResult,
                n_draws: int = 1000, seed: int = 0) -> pd.DataFrame | None:
    """Median rank and 5–95 % band per region when the weights are redrawn around the chosen ones
    (engine: `rank_sensitivity`); None when the index itself could not be built."""
    if result.note:
        return None
    X = indicator_matrix(store, choice.indicators, level, choice.year, regions)
    directions = store.catalog.loc[list(choice.indicators), "direction"].to_numpy(int)
    rs = rank_sensitivity(X.to_numpy(), directions, weight_vector(choice, store.catalog), choice.method,
                          choice.aggregation, n_draws=n_draws, seed=seed)
    band = result.table[["code", "label", "score", "rank"]].copy()
    keep = rs.base_rank > 0
    band["median_rank"] = np.where(keep, rs.median_rank, np.nan)
    band["rank_p05"] = np.where(keep, rs.rank_p05, np.nan)
    band["rank_p95"] = np.where(keep, rs.rank_p95, np.nan)
    band.attrs.update(n_draws=rs.n_draws, seed=rs.seed)
    return band


# ── figures ──────────────────────────────────────────────────────────────────

def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=height, plot_bgcolor="white",
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, font={"family": FONT_FAMILY, "size": 12})
    return fig


def headline(result: IndexResult, lang: str) -> str:
    """The finding: who leads and who trails, and how many regions are scored."""
    has = result.table.dropna(subset=["score"]).sort_values("rank")
    if has.empty:
        return t("composite.headline_empty", lang, year=result.choice.year)
    return t("composite.headline", lang, year=result.choice.year, best=escape(str(has.iloc[0]["label"])),
             worst=escape(str(has.iloc[-1]["label"])), n=len(has), m=len(result.choice.indicators))


def index_layer(result: IndexResult, band: pd.DataFrame | None, view: ViewState, lang: str) -> MapLayer:
    """Map layer coloured by score (classes from the view's scheme); hover gives rank and band."""
    table = result.table.rename(columns={"score": "value"}).assign(flag="", gap_avg=np.nan, gap_avg_pct=np.nan,
                                                                 gap_target=np.nan)
    layer = map_layer(table, replace(view, mode="value"), t("composite.score", lang), 1, lang)
    n = int(table["value"].notna().sum())
    bands = band.set_index("code") if band is not None else None
    hover = []
    for row in table.itertuples():
        name = f"<b>{escape(str(row.label))}</b>"
        if np.isnan(row.value):
            hover.append(f"{name}<br>{t('composite.hover_missing', lang, missing=escape(row.missing or '—'))}")
            continue
        lines = [name, f"{t('composite.score', lang)}: {row.value:.3f}",
                 t("composite.hover_rank", lang, rank=int(row.rank), n=n)]
        if bands is not None and row.code in bands.index:
            b = bands.loc[row.code]
            lines.append(t("composite.hover_band", lang, lo=f"{b.rank_p05:.0f}", hi=f"{b.rank_p95:.0f}",
                           med=f"{b.median_rank:.0f}"))
        hover.append("<br>".join(lines))
    return replace(layer, hover=hover, hovertemplate=MapLayer.hovertemplate, name_hover=None, notes=None)


def ranking_figure(result: IndexResult, band: pd.DataFrame | None, lang: str, title: str) -> go.Figure:
    """Regions from best to worst: the chosen rank as a dot, the Monte-Carlo 5–95 % band as a bar,
    the median rank as a tick. Rank 1 = best, at the top."""
    data = (band if band is not None else result.table).dropna(subset=["score"]).sort_values("rank")
    fig = go.Figure()
    if band is not None:
        fig.add_trace(go.Bar(
            y=data["label"], x=data["rank_p95"] - data["rank_p05"], base=data["rank_p05"], orientation="h",
            marker_color="rgba(74,120,176,0.25)", name=t("composite.band", lang),
            customdata=np.c_[data["rank_p05"], data["rank_p95"], data["median_rank"]],
            hovertemplate="%{y}: " + t("composite.hover_band", lang, lo="%{customdata[0]:.0f}",
                                       hi="%{customdata[1]:.0f}", med="%{customdata[2]:.0f}") + "<extra></extra>"))
        fig.add_trace(go.Scatter(y=data["label"], x=data["median_rank"], mode="markers", name=t("composite.median", lang),
                                 marker={"symbol": "line-ns-open", "size": 12, "color": AVERAGE_COLOR},
                                 hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        y=data["label"], x=data["rank"], mode="markers", name=t("composite.chosen_rank", lang),
        marker={"size": 9, "color": GROUP_COLORS[0]}, customdata=data["score"],
        hovertemplate="%{y}: " + t("composite.rank", lang) + " %{x:.0f} · " + t("composite.score", lang)
                      + " %{customdata:.3f}<extra></extra>"))
    n = len(data)
    fig.update_xaxes(title=t("composite.rank_axis", lang), range=[0.5, n + 0.5],
                     dtick=5 if n > 12 else 1, gridcolor="#eef0f3", zeroline=False)
    fig.update_yaxes(autorange="reversed", dtick=1)
    height = max(400, 19 * n + 200)
    fig = _layout(fig, title, height)
    # Legend below the axis title: its offset in plot fractions depends on the plot's height in pixels.
    fig.update_layout(barmode="overlay", margin={"t": 70, "b": 110},
                      legend={"orientation": "h", "x": 0, "yanchor": "top", "y": -62 / (height - 180)})
    return fig


def weights_figure(result: IndexResult, catalog: pd.DataFrame, domain_names: dict, lang: str,
                   title: str) -> go.Figure:
    """The weights the index actually used (after rescaling to sum 1), one colour per domain."""
    w = result.weights
    labels = [f"{'↑' if catalog.loc[i, 'direction'] > 0 else '↓'} {catalog.loc[i, f'name_{lang}']}" for i in w.index]
    domains = [catalog.loc[i, "domain"] for i in w.index]
    fig = go.Figure()
    for k, domain in enumerate(dict.fromkeys(domains)):
        keep = [d == domain for d in domains]
        part = w[keep] * 100
        name = domain_names.get(domain, domain)
        fig.add_trace(go.Bar(
            x=part.to_numpy(), y=[lab for lab, ok in zip(labels, keep) if ok], orientation="h", name=name,
            marker_color=GROUP_COLORS[k % len(GROUP_COLORS)], text=[f"{v:.1f}%" for v in part],
            textposition="outside", cliponaxis=False,
            hovertemplate="%{y} (" + escape(str(name)) + "): %{x:.1f} %<extra></extra>"))
    fig.update_xaxes(title=t("composite.weight_axis", lang), gridcolor="#eef0f3",
                     range=[0, float(w.max()) * 100 * 1.18 if len(w) else 1])
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    fig.update_layout(legend={"orientation": "h", "y": -0.15, "x": 0, "yanchor": "top"}, barmode="relative")
    return _layout(fig, title, max(300, 24 * len(w) + 170))


def index_frame(result: IndexResult, band: pd.DataFrame | None, lang: str) -> pd.DataFrame:
    """The data behind the page, one row per region, for download."""
    out = result.table[["code", "label", "score", "rank", "missing"]].copy()
    if band is not None:
        out = out.merge(band[["code", "median_rank", "rank_p05", "rank_p95"]], on="code", how="left")
    return out.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)


def choice_notes(result: IndexResult, catalog: pd.DataFrame, lang: str) -> dict[str, str]:
    """The modelling choices and the data left out, written into the downloaded files."""
    c = result.choice
    return {
        t("composite.note_year", lang): str(c.year),
        t("composite.note_indicators", lang): "; ".join(
            f"{catalog.loc[i, f'name_{lang}']} ({w:.3f})" for i, w in result.weights.items()),
        t("composite.note_method", lang): " · ".join([t(f"composite.method.{c.method}", lang),
                                                     t(f"composite.weighting.{c.weighting}", lang),
                                                     t(f"composite.aggregation.{c.aggregation}", lang)]),
        t("composite.note_missing", lang): "; ".join(result.incomplete + result.uncovered) or "—",
        t("composite.note_caveat", lang): t("composite.caveat", lang),
    }


def stable_count(band: pd.DataFrame, places: int = 2) -> int:
    """Regions whose 5–95 % rank band stays within `places` of their rank under the chosen weights."""
    b = band.dropna(subset=["rank"])
    move = np.maximum((b["rank"] - b["rank_p05"]).abs(), (b["rank_p95"] - b["rank"]).abs())
    return int((move <= places).sum())


def choice_lines(result: IndexResult, catalog: pd.DataFrame, lang: str) -> list[str]:
    """Markdown lines under the figures: indicators and year included, missing-data handling, method."""
    c = result.choice
    names = ", ".join(escape(f"{'↑' if catalog.loc[i, 'direction'] > 0 else '↓'}{catalog.loc[i, f'name_{lang}']}")
                      for i in c.indicators)
    lines = [t("composite.included", lang, year=c.year, m=len(c.indicators), names=names)]
    if result.incomplete:
        lines.append(t("composite.missing", lang, n=len(result.incomplete),
                       names=escape(", ".join(result.incomplete))))
    else:
        lines.append(t("composite.missing_none", lang))
    if result.uncovered:
        lines.append(t("composite.uncovered", lang, n=len(result.uncovered),
                       names=escape(", ".join(result.uncovered))))
    lines.append(t("composite.method_line", lang, method=t(f"composite.method.{c.method}", lang),
                   weighting=t(f"composite.weighting.{c.weighting}", lang),
                   aggregation=t(f"composite.aggregation.{c.aggregation}", lang)))
    return lines


def default_choice(store, level: str, year: int | None = None) -> IndexChoice | None:
    """The overall index the profile page shows: default indicators, equal weights, min–max, linear,
    for the latest year up to `year` in which they all have data (None if they share no year)."""
    chosen = default_selection(candidates(store, level))
    years = common_years(store, chosen, level)
    if len(chosen) < 2 or not years:
        return None
    usable = [y for y in years if year is None or y <= year] or years
    return IndexChoice(tuple(chosen), usable[-1])


def normalised_frame(result: IndexResult, catalog: pd.DataFrame, lang: str) -> pd.DataFrame | None:
    """The direction-aligned normalised values the engine aggregated (1 = best with min–max), regions
    in rank order: lets a reader see which indicators carry a region's score."""
    if result.normalised is None:
        return None
    z = result.normalised.copy()
    z.columns = [catalog.loc[i, f"name_{lang}"] for i in z.columns]
    z.insert(0, t("composite.score", lang), result.table["score"].to_numpy())
    z.insert(0, t("composite.rank", lang), result.table["rank"].to_numpy())
    return z.dropna(subset=[t("composite.rank", lang)]).sort_values(t("composite.rank", lang))


CUSTOM_WEIGHTS = (0.0, 5.0, 0.5)     # the custom-weight sliders: min, max, step


def parse_spec(spec: str) -> tuple[str, str, str, tuple[float, ...]]:
    """view.index_spec "method.weighting.aggregation[.w1,w2,…]" -> its parts. Unknown parts fall back
    to the defaults; custom weights (in the order of the chosen indicators) outside the sliders' range
    or not numbers are dropped, so the page gives every indicator 1."""
    parts = (spec.split(".", 3) + ["", "", "", ""])[:4] if spec else ["", "", "", ""]
    try:
        weights = tuple(float(w) for w in parts[3].split(",")) if parts[3] else ()
    except ValueError:
        weights = ()
    lo, hi, _ = CUSTOM_WEIGHTS
    if not all(lo <= w <= hi for w in weights):
        weights = ()
    return (parts[0] if parts[0] in METHODS else METHODS[0],
            parts[1] if parts[1] in WEIGHTINGS else WEIGHTINGS[0],
            parts[2] if parts[2] in AGGREGATIONS else AGGREGATIONS[0],
            weights if parts[1] == "custom" else ())


def format_spec(method: str, weighting: str, aggregation: str, weights: tuple[float, ...] = ()) -> str:
    """The inverse of `parse_spec`; "" for the defaults so links stay short."""
    spec = (method, weighting, aggregation)
    if weighting == "custom" and weights:
        return ".".join(spec) + "." + ",".join(f"{w:g}" for w in weights)
    return "" if spec == (METHODS[0], WEIGHTINGS[0], AGGREGATIONS[0]) else ".".join(spec)


def custom_weights(weights: tuple[float, ...], n: int) -> tuple[float, ...]:
    """The link's weights when there is one per chosen indicator, else 1 each."""
    return weights if len(weights) == n else (1.0,) * n


def chosen_indicators(view_value: str, cat: pd.DataFrame) -> list[str]:
    """view.index_indicators (comma-separated ids) restricted to `cat`; the default set when none remain."""
    wanted = [i for i in view_value.split(",") if i in cat.index] if view_value else []
    return wanted or default_selection(cat)
