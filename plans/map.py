"""The scorecard's map layer: units coloured by the share of their targets met (pure; the page draws it)."""
from __future__ import annotations

from html import escape

import numpy as np

from figures.china_map import MapLayer
from figures.classify import Classes
from i18n import t

BINS = np.array([0.25, 0.5, 0.75, 1.0])
COLORS = ["#D55E00", "#E69F00", "#56B4E9", "#009E73"]


def share_met_layer(card, lang: str, selected: str | None = None) -> MapLayer:
    """Four classes of the share met (0–25 %, …, 75–100 %); a unit with no scored target has no data."""
    u = card.units
    share = u["share_met"].to_numpy(dtype=float)
    index = np.where(np.isnan(share), -1, np.searchsorted(BINS, share, side="left").clip(0, 3))
    hover = []
    for row in u.itertuples():
        lines = [f"<b>{escape(str(row.name))}</b>"]
        if np.isnan(row.share_met):
            lines.append(t("common.no_data", lang))
        else:
            lines.append(t("plans.map.hover", lang, met=row.met, scored=row.scored, share=f"{row.share_met:.0%}",
                           rank=row.rank))
        hover.append("<br>".join(lines))
    labels = ["0–25%", "25–50%", "50–75%", "75–100%"]
    counts = [int((index == k).sum()) for k in range(4)]
    # a unit with nothing scored is NaN (drawn grey as "no data"), never the lowest class
    return MapLayer(codes=u["code"].tolist(), values=np.where(index < 0, np.nan, index).astype(float), hover=hover,
                    classes=Classes(index.astype(int), BINS, 0.0), legend_title=t("plans.map.legend", lang),
                    no_data_label=t("common.no_data", lang),
                    class_labels=[f"{lab} ({n})" for lab, n in zip(labels, counts)], colors=COLORS, selected=selected)
