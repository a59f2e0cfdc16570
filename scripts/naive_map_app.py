"""The naive baseline for scripts/bench_map.py: the same choropleth with the detail-resolution
GeoJSON embedded in every figure (what a Plotly map does by default). Not part of the app.

    streamlit run scripts/naive_map_app.py -- <level> [<repo root>]

Level "floor" draws one small polygon (北京): the cold-load floor of any st.plotly_chart map,
Streamlit's page plus its Plotly bundle. Level "bare" draws a headline and the slider and no
chart: the floor of any Streamlit page. Level "atlas-<level>" draws the atlas's own national map
(components.chart, the default indicator's latest year) under a headline and the slider, with none
of the map page's other controls, cards or bar chart: the floor of the atlas's map on its own.
"""
import json
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

sys.path.insert(0, sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).resolve().parents[1]))
from geo.boundaries import load_boundaries  # noqa: E402

level = sys.argv[1] if len(sys.argv) > 1 else "city"
if level == "bare":
    st.markdown("### 基本公共服务均等化地图")
    st.slider("year", 2000, 2019, 2019)
    st.stop()
if level.startswith("atlas-"):
    from components import chart, data
    from figures.map_view import map_layer, region_table
    from state import ViewState
    level = level.removeprefix("atlas-")
    chart.preload([data.map_geojson_url(level, "")])
    store = data.get_store()
    meta = store.indicators(level=level).iloc[0]
    year = store.years(meta.name, level)[-1]
    table = region_table(store.values(meta.name, level, year), data.regions_in_view(level, ""), int(meta["direction"]),
                         store.population(level, year))
    st.markdown(f"### {meta['name_zh']}")
    st.slider("year", 2000, 2019, 2019)
    layer = map_layer(table, ViewState(level=level), meta["unit_zh"], int(meta["direction"]), "zh")
    chart.chart(data.region_map(layer, level), key="map", lang="zh")
    st.stop()
gdf = (load_boundaries("province", "overview").query("code == '110000'") if level == "floor"
       else load_boundaries(level, "detail"))
geojson = json.loads(gdf.set_index("code").to_json())
st.markdown("### naive")
year = st.slider("year", 2000, 2019, 2019)
rng = np.random.default_rng(year)           # benchmark values, never shown as data
fig = go.Figure(go.Choropleth(geojson=geojson, locations=gdf["code"], z=rng.random(len(gdf)),
                              featureidkey="id", marker_line_width=0.3))
fig.update_geos(visible=False, fitbounds="locations")
st.plotly_chart(fig, config={"topojsonURL": "/app/static/topojson/"})
