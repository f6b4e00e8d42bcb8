"""Rolling-12-month (R12) totals and year-on-year change, as police performance reports compute them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Change:
    """A current and a comparison figure; ``change`` is percent (volumes) or points (rates); None with a note if unknown."""

    current: float | None
    previous: float | None
    change: float | None
    note: str = ""


def monthly(series: pd.Series) -> pd.Series:
    """Reindex a Period-indexed monthly series onto every month of its span (missing months become NaN)."""
    if series.empty:
        return series.astype(float)
    idx = pd.period_range(series.index.min(), series.index.max(), freq="M")
    return series.astype(float).reindex(idx)


def window(series: pd.Series, end: pd.Period, months: int = 12) -> pd.Series:
    """The ``months`` values up to and including ``end`` (NaN where a month is missing)."""
    idx = pd.period_range(end - (months - 1), end, freq="M")
    return series.astype(float).reindex(idx)


def r12_total(series: pd.Series, end: pd.Period) -> tuple[float | None, str]:
    """R12 total: the sum of the 12 months to ``end``; None with a reason if any month is missing."""
    w = window(series, end)
    missing = [p.strftime("%b-%y") for p, v in w.items() if pd.isna(v)]
    if missing:
        return None, f"R12 to {end.strftime('%b-%y')} needs 12 months; missing {', '.join(missing[:6])}" + (
            "…" if len(missing) > 6 else "")
    return float(w.sum()), ""


def pct_change(current: float, previous: float) -> float | None:
    """Percentage change; None when the base is zero."""
    if previous == 0:
        return None
    return (current - previous) / previous * 100.0


def r12_yoy(series: pd.Series, end: pd.Period) -> Change:
    """R12 total to ``end`` against the R12 total to the same month a year earlier, as a percentage change."""
    cur, note_c = r12_total(series, end)
    prev, note_p = r12_total(series, end - 12)
    if cur is None or prev is None:
        return Change(cur, prev, None, note_c or note_p)
    ch = pct_change(cur, prev)
    return Change(cur, prev, ch, "" if ch is not None else "no change can be computed from a base of zero")


def month_yoy(series: pd.Series, month: pd.Period) -> Change:
    """A discrete month against the same month a year earlier, as a percentage change."""
    s = series.astype(float)
    cur, prev = s.get(month), s.get(month - 12)
    if cur is None or pd.isna(cur) or prev is None or pd.isna(prev):
        return Change(None if cur is None or pd.isna(cur) else float(cur), None, None,
                      f"no figure for {month.strftime('%b-%y') if cur is None or pd.isna(cur) else (month - 12).strftime('%b-%y')}")
    ch = pct_change(float(cur), float(prev))
    return Change(float(cur), float(prev), ch, "" if ch is not None else "no change can be computed from a base of zero")


def r12_ratio(numerator: pd.Series, denominator: pd.Series, end: pd.Period) -> tuple[float | None, str]:
    """R12 rate: Σ numerator ÷ Σ denominator over the 12 months to ``end`` (a ratio of sums, not a mean of rates)."""
    num, n1 = r12_total(numerator, end)
    den, n2 = r12_total(denominator, end)
    if num is None or den is None:
        return None, n1 or n2
    if den == 0:
        return None, f"no cases in the 12 months to {end.strftime('%b-%y')} (denominator is zero)"
    return num / den, ""


def quarter_total(series: pd.Series, end: pd.Period) -> float | None:
    """The three months to ``end`` summed; None if any of them is missing."""
    w = window(series, end, 3)
    return None if w.isna().any() else float(w.sum())


def quarter_yoy(series: pd.Series, end: pd.Period) -> Change:
    """The quarter (three months to ``end``) against the same quarter a year earlier, as a percentage change."""
    cur, prev = quarter_total(series, end), quarter_total(series, end - 12)
    if cur is None or prev is None:
        which = end if cur is None else end - 12
        return Change(cur, prev, None, f"the quarter to {which.strftime('%b-%y')} is not complete")
    ch = pct_change(cur, prev)
    return Change(cur, prev, ch, "" if ch is not None else "no change can be computed from a base of zero")


def missing_runs(series: pd.Series, start: pd.Period, end: pd.Period) -> list[tuple[pd.Period, pd.Period]]:
    """Consecutive months from ``start`` to ``end`` with no figure, as (first, last) pairs: the gaps in the data."""
    w = series.astype(float).reindex(pd.period_range(start, end, freq="M"))
    runs: list[tuple[pd.Period, pd.Period]] = []
    for p, v in w.items():
        if pd.isna(v):
            if runs and runs[-1][1] == p - 1:
                runs[-1] = (runs[-1][0], p)
            else:
                runs.append((p, p))
    return runs


def gap_phrase(runs: list[tuple[pd.Period, pd.Period]]) -> str:
    """'May-24 to Dec-24' / 'Mar-24 and Jun-24 to Jul-24'; empty when there is no gap."""
    parts = [a.strftime("%b-%y") if a == b else f"{a.strftime('%b-%y')} to {b.strftime('%b-%y')}" for a, b in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + (" and " + parts[-1] if parts else "")
