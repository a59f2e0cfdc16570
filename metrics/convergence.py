"""Is the gap closing? sigma- and beta-convergence, and years to a target at the current trend.

Inputs are panels ``values`` of shape (n_regions, n_years) with the matching
``years`` (need not be consecutive: a missing year is simply absent, and
growth is annualised by the real span). NaN cells are dropped per year (sigma)
or per region (beta, trend), with counts reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from metrics._data import UndefinedMeasure
from metrics.inequality import coefficient_of_variation

__all__ = [
    "sigma_convergence",
    "SigmaConvergence",
    "beta_convergence",
    "BetaConvergence",
    "years_to_target",
    "YearsToTarget",
]


def _panel(values, years):
    y = np.asarray(values, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    t = np.asarray(years, dtype=float)
    if y.ndim != 2 or y.shape[1] != t.size:
        raise ValueError(f"values shape {y.shape} does not match {t.size} years")
    if np.any(np.diff(t) <= 0):
        raise ValueError("years must be strictly increasing")
    return y, t


@dataclass(frozen=True)
class SigmaConvergence:
    years: np.ndarray
    cv: np.ndarray  # CV (or Williamson with weights) per year
    sd_log: np.ndarray  # sd of ln(values) per year (population form)
    n_regions: np.ndarray  # regions with data per year
    cv_trend: float  # OLS slope of CV on year; < 0 means dispersion is shrinking
    sd_log_trend: float

    @property
    def converging(self) -> bool:
        return self.cv_trend < 0


def sigma_convergence(values, years, weights=None) -> SigmaConvergence:
    """Dispersion by year: CV (Williamson if ``weights``) and sd of logs, plus their linear trend.

    sigma-convergence holds when dispersion falls over time. sd of logs is
    undefined with a zero or negative value in any year: raises
    ``UndefinedMeasure``. A year with no data raises too (drop it from ``years``).
    Needs at least two years for a trend.

    >>> s = sigma_convergence([[1, 2], [3, 4]], [2020, 2021])
    >>> round(float(s.cv[0]), 6), round(float(s.cv[1]), 6)  # 1/2, 1/3
    (0.5, 0.333333)
    """
    y, t = _panel(values, years)
    if t.size < 2:
        raise UndefinedMeasure("sigma-convergence needs at least two years")
    cv = np.atleast_1d(coefficient_of_variation(y, weights))
    finite = np.isfinite(y)
    if np.any(y[finite] <= 0):
        raise UndefinedMeasure("sd of logs needs strictly positive values")
    with np.errstate(invalid="ignore", divide="ignore"):
        ly = np.where(finite, np.log(np.where(finite, y, 1.0)), np.nan)
    sd_log = np.nanstd(ly, axis=0)
    cv_slope = float(np.polyfit(t, cv, 1)[0])
    sd_slope = float(np.polyfit(t, sd_log, 1)[0])
    return SigmaConvergence(t, cv, sd_log, finite.sum(axis=0), cv_slope, sd_slope)


@dataclass(frozen=True)
class BetaConvergence:
    slope: float  # b in  g_i = a + b ln y_i0
    intercept: float
    slope_se: float | None  # None (reason in ``undefined``) when every region grows at the same rate
    r_squared: float | None
    p_value: float | None  # two-sided, H0: b = 0
    span_years: float  # T
    speed: float | None  # lambda = -ln(1 + bT) / T; None if 1 + bT <= 0
    half_life: float | None  # ln 2 / lambda; None if not converging (lambda <= 0)
    n_regions: int
    n_dropped: int
    undefined: dict = field(default_factory=dict)  # name -> reason, for the fields that are None

    @property
    def converging(self) -> bool:
        return self.slope < 0


def beta_convergence(values, years) -> BetaConvergence:
    """Absolute beta-convergence: OLS of annualised log growth on initial log level.

    g_i = ln(y_iT / y_i0) / T = a + b ln(y_i0) + e_i, T = last year - first year.
    b < 0: regions that started lower grew faster (catching up).
    Implied speed lambda = -ln(1 + bT) / T, half-life = ln 2 / lambda.
    Uses the first and last column of ``values``; regions with NaN at either
    end are dropped (``n_dropped``); zero/negative values raise
    ``UndefinedMeasure`` (log undefined); fewer than 3 regions raise.
    ``speed`` is None when 1 + bT <= 0 (overshooting), ``half_life`` None when lambda <= 0.
    Every region growing at exactly the same rate gives b = 0 with ``slope_se``, ``r_squared``
    and ``p_value`` None, their reason in ``undefined``.

    >>> import numpy as np
    >>> y = np.array([[100, 180], [200, 300], [400, 520], [800, 950]])
    >>> b = beta_convergence(y, [2000, 2010])
    >>> ref = np.polyfit(np.log(y[:, 0]), np.log(y[:, 1] / y[:, 0]) / 10, 1)[0]
    >>> bool(np.isclose(b.slope, ref)), b.converging
    (True, True)
    """
    y, t = _panel(values, years)
    if t.size < 2:
        raise UndefinedMeasure("beta-convergence needs a first and a last year")
    y0, yT = y[:, 0], y[:, -1]
    keep = np.isfinite(y0) & np.isfinite(yT)
    y0, yT = y0[keep], yT[keep]
    if np.any(y0 <= 0) or np.any(yT <= 0):
        raise UndefinedMeasure("beta-convergence needs strictly positive values (logs)")
    if y0.size < 3:
        raise UndefinedMeasure("beta-convergence needs at least three regions with data")
    span = float(t[-1] - t[0])
    g = np.log(yT / y0) / span
    x = np.log(y0)
    if np.ptp(x) == 0:
        raise UndefinedMeasure("all regions start at the same level: slope undefined")
    fit = stats.linregress(x, g)
    slope, intercept, r2, p, se = fit.slope, fit.intercept, fit.rvalue**2, fit.pvalue, fit.stderr
    undefined = {}
    if np.ptp(g) == 0:  # a perfect flat fit: r, its p-value and the slope's standard error are 0 / 0
        reason = "every region grows at the same rate: no scatter around the line to test"
        undefined = {"slope_se": reason, "r_squared": reason, "p_value": reason}
        r2 = p = se = None
    base = 1.0 + slope * span
    speed = float(-np.log(base) / span) if base > 0 else None
    half = float(np.log(2) / speed) if speed is not None and speed > 0 else None
    def num(v):
        return None if v is None else float(v)

    return BetaConvergence(
        float(slope), float(intercept), num(se), num(r2), num(p), span, speed, half,
        int(y0.size), int((~keep).sum()), undefined,
    )


@dataclass(frozen=True)
class YearsToTarget:
    years_needed: np.ndarray  # 0 if already met, inf if "never" at this trend, nan if no data
    status: np.ndarray  # "met", "on_track", "never", "no_data"
    slope: np.ndarray  # units per year over the last k years
    latest: np.ndarray  # last observed value per region
    latest_year: np.ndarray


def years_to_target(values, years, target, direction=1, last_k=5) -> YearsToTarget:
    """Years until each region reaches ``target`` if its recent linear trend continues.

    Trend: OLS slope over the region's observations within the last ``last_k``
    years of ``years`` (missing cells skipped; at least two needed, else
    "no_data"). Counted from the region's latest observation.
    ``direction`` +1: higher is better (target reached when value >= target);
    -1: lower is better (e.g. students per teacher; reached when value <= target).
    "never": trend flat or moving away from the target.

    >>> r = years_to_target([[10, 12, 14], [30, 30, 30], [10, 9, 8]], [2020, 2021, 2022], 20)
    >>> r.years_needed.tolist(), r.status.tolist()
    ([3.0, 0.0, inf], ['on_track', 'met', 'never'])
    """
    y, t = _panel(values, years)
    if direction not in (1, -1):
        raise ValueError("direction must be +1 (higher is better) or -1 (lower is better)")
    recent = t >= t[-1] - (last_k - 1)
    yr, tr = y[:, recent], np.broadcast_to(t[recent], y[:, recent].shape)
    m = np.isfinite(yr)
    n = m.sum(axis=1)
    tt = np.where(m, tr, 0.0)
    yy = np.where(m, yr, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        tbar = tt.sum(1) / n
        ybar = yy.sum(1) / n
        sxx = (np.where(m, tr - tbar[:, None], 0.0) ** 2).sum(1)
        sxy = (np.where(m, (tr - tbar[:, None]) * (yr - ybar[:, None]), 0.0)).sum(1)
        slope = np.where(sxx > 0, sxy / sxx, np.nan)
    # latest observation over the whole panel
    mf = np.isfinite(y)
    last_idx = np.where(mf.any(1), y.shape[1] - 1 - np.argmax(mf[:, ::-1], axis=1), -1)
    rows = np.arange(y.shape[0])
    latest = np.where(last_idx >= 0, y[rows, np.maximum(last_idx, 0)], np.nan)
    latest_year = np.where(last_idx >= 0, t[np.maximum(last_idx, 0)], np.nan)
    gap = direction * (target - latest)  # > 0: still short of the target
    progress = direction * slope  # > 0: moving towards it
    status = np.full(y.shape[0], "no_data", dtype=object)
    need = np.full(y.shape[0], np.nan)
    has = np.isfinite(latest)
    met = has & (gap <= 0)
    status[met], need[met] = "met", 0.0
    trend_ok = has & ~met & (n >= 2) & np.isfinite(slope)
    on = trend_ok & (progress > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        need[on] = gap[on] / progress[on]
    status[on] = "on_track"
    never = trend_ok & (progress <= 0)
    status[never], need[never] = "never", np.inf
    return YearsToTarget(need, status.astype(str), slope, latest, latest_year)
