"""The indicator store: bundled observations, catalog, targets and groupings.

Pure pandas (no Streamlit): pages wrap ``load_store`` in ``st.cache_resource``.
Observations are stored long (code, level, year, indicator, value, flag, source)
and pivoted on demand. ``level`` is stored because the registry repeats some codes
at two levels (重庆 500000 is the province and its city-level stand-in); a user
dataset without it gets the level from the registry (highest level of the code).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from geo.regions import load_regions

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "bundled"

OBS_COLUMNS = ["code", "level", "year", "indicator", "value", "flag", "source"]
CATALOG_COLUMNS = ["id", "name_zh", "name_en", "domain", "unit_zh", "unit_en", "direction",
                   "levels", "definition_zh", "definition_en", "source", "caveats_zh",
                   "caveats_en", "agencies", "variant_of", "variant"]

TARGET_COLUMNS = ["id", "indicator", "indicator_text", "comparator", "value", "unit", "target_year",
                  "scope", "scope_code", "scope_name", "document", "quote"]

# Flags a value may carry (several are joined by ";"); see data/bundled/README.md.
FLAGS = ("series_break", "suspect_jump", "suspect_value", "suspect_year", "estimate", "imputed")


@dataclass(frozen=True, eq=False)
class Store:
    """All tables of the atlas."""

    observations: pd.DataFrame
    catalog: pd.DataFrame   # indexed by id
    domains: pd.DataFrame
    targets: pd.DataFrame
    groups: pd.DataFrame    # index of groupings: id, name_zh, name_en, level, file
    sources: pd.DataFrame
    root: Path = BUNDLED
    # What this store holds, as a cache key: caches shared across sessions take it as an argument, so a
    # visitor only ever gets results computed from the data they may see.
    key: str = "bundled"
    # Saved indicators kept out of the Composite index's choice: their owner has not added them there.
    index_excluded: frozenset = frozenset()

    @cached_property
    def _series(self) -> dict[tuple[str, str], pd.DataFrame]:
        """Observations split once by (indicator, level): a page asks for several per rerun."""
        return {key: rows for key, rows in self.observations.groupby(["indicator", "level"], sort=False)}

    def _rows(self, indicator: str, level: str) -> pd.DataFrame:
        """One series' rows (shared: callers filter or pivot, never edit in place)."""
        return self._series.get((indicator, level), self.observations.iloc[:0])

    def values(self, indicator: str, level: str, year: int) -> pd.DataFrame:
        """code, value, flag, source for the regions of ``level`` in ``year``."""
        r = self._rows(indicator, level)
        r = r[r["year"] == year]
        return r[["code", "value", "flag", "source"]].sort_values("code").reset_index(drop=True)

    def panel(self, indicator: str, level: str) -> pd.DataFrame:
        """Regions x years table of values (index code, columns years)."""
        r = self._rows(indicator, level)
        p = r.pivot(index="code", columns="year", values="value")
        p.columns.name = None
        return p.sort_index()

    def flags(self, indicator: str, level: str) -> pd.DataFrame:
        """Regions x years table of flags ('' where none), aligned with ``panel``."""
        r = self._rows(indicator, level)
        p = r.pivot(index="code", columns="year", values="flag")
        p.columns.name = None
        return p.sort_index().fillna("")

    @cached_property
    def _memo(self) -> dict:
        return {}

    def memo(self, key: tuple, compute):
        """`compute()`, once per store: answers every visit asks for again (a Store never changes)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def years(self, indicator: str, level: str) -> list[int]:
        return list(self.memo(("years", indicator, level), lambda: tuple(
            sorted(int(y) for y in self._rows(indicator, level)["year"].unique()))))

    def indicators(self, level: str | None = None, domain: str | None = None) -> pd.DataFrame:
        """Catalog rows available at ``level`` and/or in ``domain``, in domain order."""
        return self.memo(("indicators", level, domain), lambda: self._indicators(level, domain)).copy()

    def _indicators(self, level: str | None, domain: str | None) -> pd.DataFrame:
        c = self.catalog
        if level is not None:
            c = c[c["levels"].str.split(";").apply(lambda ls: level in ls)]
        if domain is not None:
            c = c[c["domain"] == domain]
        order = self.domains.set_index("id")["order"]
        return c.assign(_o=c["domain"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")

    def grouping(self, group_id: str, lang: str = "zh") -> pd.Series:
        """code -> group label (``lang`` 'zh' or 'en'), from groups/<id>.csv."""
        row = self.groups.set_index("id").loc[group_id]
        return _grouping_file(self.root / row["file"])[f"group_{lang}"].rename(group_id)

    def grouping_at(self, group_id: str, regions: pd.DataFrame) -> pd.Series:
        """code -> group label for ``regions`` (columns code, province_code), indexed by their codes.

        A province-level grouping reaches cities and counties through their province; empty when
        ``group_id`` is not a grouping of this store."""
        if group_id not in set(self.groups["id"]):
            return pd.Series(dtype=object)
        labels = self.grouping(group_id)
        direct = regions["code"].map(labels)
        via_province = regions["province_code"].map(labels)
        return pd.Series(direct.fillna(via_province).to_numpy(), index=regions["code"])

    def grouping_in(self, group_id: str, level: str, regions) -> pd.Series:
        """`grouping_at` for the regions `regions(level)` draws (a function of the level), once per store."""
        return self.memo(("grouping_at", group_id, level, regions), lambda: self.grouping_at(group_id, regions(level)))

    def population(self, level: str, year: int) -> pd.Series:
        """code -> persons, from the nearest year with data (earlier year on a tie)."""
        r = self._rows("population", level)
        r = r.assign(_d=(r["year"] - year).abs()).sort_values(["code", "_d", "year"])
        first = r.drop_duplicates("code")
        return (first.set_index("code")["value"] * 1e4).rename("population")

    def coverage(self) -> pd.DataFrame:
        """Per indicator x level: regions, first/last year, years, share of the panel missing."""
        return self.memo(("coverage",), self._coverage).copy()

    def _coverage(self) -> pd.DataFrame:
        o = self.observations
        g = o.groupby(["indicator", "level"])
        cov = pd.DataFrame({
            "regions": g["code"].nunique(),
            "first_year": g["year"].min(),
            "last_year": g["year"].max(),
            "years": g["year"].nunique(),
            "values": g.size(),
            "flagged": g["flag"].apply(lambda f: int((f != "").sum())),
        })
        cov["share_missing"] = 1 - cov["values"] / (cov["regions"] * cov["years"])
        return cov.reset_index()


@lru_cache(maxsize=64)
def _grouping_file(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"code": str}).set_index("code")


def _read_catalog(path: Path) -> pd.DataFrame:
    cat = pd.read_csv(path, dtype=str, keep_default_na=False)
    cat["direction"] = cat["direction"].astype(int)
    return cat


def _with_levels(obs: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """Fill a missing ``level``: the catalog's level when the indicator has only one,
    else the code's highest level in the registry."""
    if "level" in obs.columns and obs["level"].notna().all():
        return obs
    single = catalog.set_index("id")["levels"].astype(str)
    single = single[~single.str.contains(";") & single.ne("")]
    guess = obs["indicator"].map(single)
    rank = {"province": 0, "city": 1, "county": 2}
    regions = load_regions()
    regions = regions.assign(_r=regions["level"].map(rank)).sort_values("_r")
    highest = regions.drop_duplicates("code").set_index("code")["level"]
    guess = guess.fillna(obs["code"].map(highest))
    return obs.assign(level=obs["level"].fillna(guess) if "level" in obs.columns else guess)


# The city-level entries of the four municipalities are the whole municipality: on city maps each shows its
# province-level figure, flagged, for rates and per-capita figures and the population that weights them.
MUNICIPALITIES = {"110000": "110100", "120000": "120100", "310000": "310100", "500000": "500000"}
STAND_IN = "stand_in"


def _municipality_stand_ins(obs: pd.DataFrame, cat: pd.DataFrame) -> pd.DataFrame:
    """City rows for 北京, 天津, 上海 and 重庆 from their province rows, flagged ``stand_in``, for every city
    indicator that is a rate or per-capita figure (a unit with '/' or '%') or the population, in the years the
    city series has; never where a city row already exists."""
    units = cat.set_index("id")["unit_zh"].astype(str)
    levels = cat.set_index("id")["levels"].astype(str)
    wanted = [i for i in cat["id"] if "city" in levels[i].split(";")
              and (i == "population" or "/" in units[i] or "%" in units[i])]
    prov = obs[(obs["level"] == "province") & obs["code"].isin(list(MUNICIPALITIES)) & obs["indicator"].isin(wanted)]
    if prov.empty:
        return obs
    flag = prov["flag"].astype(str)
    stand = prov.assign(code=prov["code"].map(MUNICIPALITIES), level="city",
                        flag=flag.where(flag.eq(""), flag + ";") + STAND_IN)
    cities = obs[obs["level"] == "city"]
    years = cities[["indicator", "year"]].drop_duplicates()           # only the years the city series has
    stand = stand.merge(years, on=["indicator", "year"])
    stand = stand[~stand.set_index(["indicator", "code", "year"]).index.isin(
        cities.set_index(["indicator", "code", "year"]).index)]
    return pd.concat([obs, stand], ignore_index=True)


def load_store(extra: list[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]] | None = None,
               root: Path = BUNDLED, key: str = "bundled") -> Store:
    """Load the bundled dataset, plus user datasets given as (observations, catalog rows, targets).

    User catalog ids must not reuse a bundled id: a saved dataset never silently
    replaces official figures.
    """
    cat = _read_catalog(root / "indicators.csv")
    obs = _municipality_stand_ins(pd.read_parquet(root / "observations.parquet"), cat)
    target_parts = []
    if extra:
        obs_parts, cat_parts = [obs], [cat]
        for o, c, tg in extra:
            target_parts.append(tg)
            c = c.reset_index() if "id" not in c.columns else c
            clash = set(c["id"]) & set(pd.concat(cat_parts)["id"])
            if clash:
                raise ValueError(f"indicator ids already in the store: {sorted(clash)}")
            c = c.reindex(columns=CATALOG_COLUMNS).fillna("")
            c["direction"] = pd.to_numeric(c["direction"], errors="coerce").fillna(0).astype(int)
            o = _with_levels(o.astype({"code": str}), c)
            o = o[OBS_COLUMNS].astype({"year": "int64", "value": "float64"})
            obs_parts.append(o.assign(flag=o["flag"].fillna("").astype(str)))
            cat_parts.append(c)
        obs = pd.concat(obs_parts, ignore_index=True)
        cat = pd.concat(cat_parts, ignore_index=True)
    targets = pd.read_csv(root / "targets.csv", dtype={"scope_code": str, "indicator": str},
                          keep_default_na=False, na_values={"value": [""], "target_year": [""]})
    if target_parts:
        targets = pd.concat([targets, *(tg.reindex(columns=TARGET_COLUMNS) for tg in target_parts if len(tg))],
                            ignore_index=True)
    targets["target_year"] = pd.to_numeric(targets["target_year"], errors="coerce").astype("Int64")
    targets["value"] = pd.to_numeric(targets["value"], errors="coerce")
    return Store(
        observations=obs,
        catalog=cat.set_index("id", drop=False).rename_axis(None),
        domains=pd.read_csv(root / "domains.csv"),
        targets=targets,
        groups=pd.read_csv(root / "groups.csv"),
        sources=pd.read_csv(root / "sources.csv", dtype=str, keep_default_na=False),
        root=root,
        key=key,
    )
