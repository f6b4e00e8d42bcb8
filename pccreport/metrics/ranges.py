"""Historic range: the minimum and maximum of a series over the months before the latest, and where the latest sits."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class HistoricRange:
    """The earlier values' span (low–high over first..last) and the latest value's place relative to it."""

    low: float
    high: float
    first: pd.Period
    last: pd.Period
    months: int
    latest: float
    position: str  # 'below', 'at the low', 'within', 'at the high', 'above'


def historic_range(series: pd.Series, end: pd.Period, start: pd.Period | None = None) -> HistoricRange:
    """Min–max of the values from ``start`` (default: the first) to the month before ``end``, with ``end``'s value placed in it."""
    s = series.astype(float).dropna()
    latest = s.get(end)
    if latest is None or pd.isna(latest):
        raise LookupError(f"no figure for {end.strftime('%b-%y')}")
    hist = s[(s.index < end) & ((s.index >= start) if start is not None else True)]
    if hist.empty:
        raise LookupError(f"no earlier months before {end.strftime('%b-%y')} to form a range")
    lo, hi = float(hist.min()), float(hist.max())
    if latest < lo:
        pos = "below"
    elif latest > hi:
        pos = "above"
    elif latest == lo:
        pos = "at the low"
    elif latest == hi:
        pos = "at the high"
    else:
        pos = "within"
    return HistoricRange(lo, hi, hist.index.min(), hist.index.max(), len(hist), float(latest), pos)
