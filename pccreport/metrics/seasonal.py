"""Seasonal measures: the latest month against the same calendar month of earlier years, and seasonal indices.

Methods: the like-for-like comparison with the same months of earlier years (as ONS compares seasonal series, e.g.
"Crime in England and Wales" quarter-on-same-quarter), and the classical ratio-to-moving-average seasonal index
(Persons 1919; Makridakis, Wheelwright & Hyndman, *Forecasting*, 3rd ed., §3/4 "classical multiplicative
decomposition"): each month's value divided by the centred 2×12 moving average of its year; a calendar month's
index is the mean of those ratios over the earlier years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SameMonths:
    """The latest month and the same calendar month in each earlier year the series holds."""

    month: pd.Period
    value: float
    earlier: dict[int, float]  # year -> value in the same calendar month

    @property
    def low(self) -> float | None:
        return min(self.earlier.values()) if self.earlier else None

    @property
    def high(self) -> float | None:
        return max(self.earlier.values()) if self.earlier else None

    @property
    def mean(self) -> float | None:
        return float(np.mean(list(self.earlier.values()))) if self.earlier else None

    @property
    def position(self) -> str:
        """'above', 'below' or 'within' the range of the same months of earlier years ('' with none)."""
        if not self.earlier:
            return ""
        if self.value > self.high:
            return "above"
        if self.value < self.low:
            return "below"
        return "within"


def same_months(series: pd.Series, month: pd.Period, years: int = 3) -> SameMonths:
    """The value at ``month`` and at the same calendar month in up to ``years`` earlier years (missing years left out)."""
    s = series.dropna()
    if month not in s.index:
        raise LookupError(f"no figure for {month.strftime('%b-%y')}")
    earlier = {int((month - 12 * k).year): float(s[month - 12 * k]) for k in range(1, years + 1) if month - 12 * k in s.index}
    return SameMonths(month, float(s[month]), earlier)


def centred_moving_average(series: pd.Series) -> pd.Series:
    """The centred 2×12 moving average (weights 1/24, 1/12 × 11, 1/24); NaN where the 13 months are not all there."""
    s = series.astype(float)
    w = np.array([0.5] + [1.0] * 11 + [0.5]) / 12
    return s.rolling(13, center=True).apply(lambda x: float(np.dot(x, w)), raw=True)


def seasonal_index(series: pd.Series, before: pd.Period) -> dict[int, float]:
    """Each calendar month's mean ratio to the centred 12-month moving average, from months before ``before``.

    Months with no centred average (the first and last six of the history) are left out; a calendar month with no
    ratio is left out of the result. Indices are normalised to average 1 over the months present (classical
    decomposition).
    """
    s = series.dropna().sort_index()
    s = s[s.index < before]
    if len(s) < 13:
        return {}
    full = s.reindex(pd.period_range(s.index.min(), s.index.max(), freq="M"))  # a gap must not shift the window
    ratio = (s / centred_moving_average(full).reindex(s.index)).dropna()
    ratio = ratio[np.isfinite(ratio)]
    if ratio.empty:
        return {}
    by_month = ratio.groupby([p.month for p in ratio.index]).mean()
    by_month = by_month / by_month.mean()
    return {int(k): float(v) for k, v in by_month.items()}


@dataclass(frozen=True)
class SeasonalCheck:
    """Whether a special-cause point is explained by its season: the point adjusted by its month's index."""

    index: float  # the calendar month's seasonal index (1 = an average month)
    adjusted: float  # value ÷ index
    within_limits: bool  # the adjusted value lies inside the chart's process limits
    years: int  # earlier years the index was estimated from


def seasonal_check(series: pd.Series, month: pd.Period, lower: float, upper: float) -> SeasonalCheck | None:
    """The seasonally adjusted value at ``month`` against the process limits; None with no index for that month.

    A point beyond a limit whose seasonally adjusted value is inside the limits is a seasonal high (or low), not
    special cause on its own.
    """
    idx = seasonal_index(series, month)
    if month.month not in idx or idx[month.month] <= 0:
        return None
    s = series.dropna()
    years = len({p.year for p in s.index if p < month - 6 and p.month == month.month})
    adjusted = float(s[month]) / idx[month.month]
    return SeasonalCheck(idx[month.month], adjusted, lower <= adjusted <= upper, years)
