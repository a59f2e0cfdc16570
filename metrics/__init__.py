"""Equalisation metrics engine: how unequal, between which groups, closing or widening, how far from target.

Pure numpy/scipy/PySAL; no streamlit. Inputs are plain arrays: one value per
region (n,) or a panel (n, n_years); population weights optional.

  inequality   CV / Williamson, max/min, P90/P10, range, Gini, Atkinson, Theil T/L + group decomposition
  dagum        Dagum (1997) Gini decomposition: within, net between, transvariation
  convergence  sigma- and beta-convergence, years to a target at the current trend
  gaps         gaps to average / parent / best / target, share meeting a target,
               urban-rural gap, Guangdong 30 % spending-gap KPI
  composite    normalisation, entropy weights, composite index, TOPSIS, rank sensitivity
  spatial      global Moran's I and LISA from a neighbour dict
  summary      every one-year measure in one call (map summary cards)

Undefined measures raise ``metrics._data.UndefinedMeasure`` (a ValueError);
``summary.summarise`` turns them into ``None`` plus a reason.
"""

from metrics._data import UndefinedMeasure

__all__ = ["UndefinedMeasure"]
