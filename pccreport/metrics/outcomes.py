"""Outcome rates: the share of recorded crimes with a positive outcome, over 12 months (R12), a quarter and one month.

Method: Σ positive outcomes ÷ Σ crimes over the same window (a ratio of sums, as forces report an outcome rate),
change year on year in percentage points. The positive set (charge/summons, caution, community resolution, penalty
notice …) is the plan's ``positive_outcomes``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .rolling import quarter_total, r12_ratio


@dataclass(frozen=True)
class OutcomeRate:
    """R12 and discrete-month rates in percent, each with the same window a year earlier and the change in points."""

    end: pd.Period
    r12: float | None
    r12_previous: float | None
    r12_change_pp: float | None
    discrete: float | None
    discrete_previous: float | None
    discrete_change_pp: float | None
    note: str = ""  # why the current R12 or month has no rate
    previous_note: str = ""  # why the R12 a year earlier has no rate
    discrete_previous_note: str = ""  # why the month a year earlier has no rate


def month_ratio(numerator: pd.Series, denominator: pd.Series, month: pd.Period) -> tuple[float | None, str]:
    """One month's ratio; None with a reason when the month is missing or had no crimes."""
    k, n = numerator.get(month), denominator.get(month)
    if k is None or n is None or pd.isna(k) or pd.isna(n):
        return None, f"no figures for {month.strftime('%b-%y')}"
    if n == 0:
        return None, f"no crimes recorded in {month.strftime('%b-%y')} (denominator is zero)"
    return float(k) / float(n), ""


def quarter_ratio(numerator: pd.Series, denominator: pd.Series, end: pd.Period) -> tuple[float | None, str]:
    """The quarter's rate: Σ numerator ÷ Σ denominator over the three months to ``end``; None with a reason."""
    num, den = quarter_total(numerator, end), quarter_total(denominator, end)
    if num is None or den is None:
        return None, f"the quarter to {end.strftime('%b-%y')} is not complete"
    if den == 0:
        return None, f"no crimes recorded in the quarter to {end.strftime('%b-%y')} (denominator is zero)"
    return num / den, ""


@dataclass(frozen=True)
class QuarterRate:
    """The quarter's rate and the same quarter a year earlier, in percent, with the change in points."""

    current: float | None
    previous: float | None
    change_pp: float | None
    note: str = ""


def quarter_outcome_rate(positive: pd.Series, total: pd.Series, end: pd.Period) -> QuarterRate:
    """Outcome rate over the quarter to ``end`` against the same quarter a year earlier (ratio of sums, points)."""
    cur, n1 = quarter_ratio(positive, total, end)
    prev, n2 = quarter_ratio(positive, total, end - 12)
    return QuarterRate(None if cur is None else cur * 100, None if prev is None else prev * 100,
                       None if cur is None or prev is None else (cur - prev) * 100, n1 or n2)


def outcome_rate(positive: pd.Series, total: pd.Series, end: pd.Period) -> OutcomeRate:
    """Outcome rate to ``end``: R12 and the discrete month, each against a year earlier (percent, change in points)."""
    cur, n1 = r12_ratio(positive, total, end)
    prev, n3 = r12_ratio(positive, total, end - 12)
    d, n2 = month_ratio(positive, total, end)
    d0, n4 = month_ratio(positive, total, end - 12)

    def pct(x: float | None) -> float | None:
        return None if x is None else x * 100

    def diff(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else (a - b) * 100

    return OutcomeRate(end, pct(cur), pct(prev), diff(cur, prev), pct(d), pct(d0), diff(d, d0),
                       n1 or n2, n3, n4)
