"""Crime volume and comparison: rates per 1,000, national rank and peer average (ONS police force area tables),
plus the force's own R12 trend and year-on-year change by crime type (data.police.uk street data).

Inputs are the frames the ingest writes (read defensively): ``recorded_crime`` with columns period_end ('YYYY-MM',
the end of the 12 months counted), force (slug), offence_group, count (NaN where suppressed), population; and the
force's street rows with month (Period), crime_type, n.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..metrics import rates, rolling

MIN_TREND_POINTS = 6  # fewer points than this make no trend: the figures are given as text instead of a line chart


def total_group(recorded_crime: pd.DataFrame) -> str | None:
    """The offence group holding total recorded crime (the ONS 'Total recorded crime (excluding fraud)' column)."""
    groups = [str(g) for g in recorded_crime["offence_group"].dropna().unique()]
    for g in groups:
        if g.lower().startswith("total recorded crime"):
            return g
    for g in groups:
        if "total" in g.lower() or g.lower() in ("all crime", "all"):
            return g
    return None


def force_rates(recorded_crime: pd.DataFrame, period_end: str, offence_group: str,
                ranked: dict[str, bool] | None = None, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every force's count, population, rate per 1,000 and rank for one period and offence group.

    Rates and ranks come from ``metrics.rates`` (the scorecard's own methods, so the section and the scorecard can
    never disagree): rate = count ÷ population × 1,000 with the population ONS used; rank 1 = the lowest rate among
    ranked forces with a rate; forces with ``ranked`` False (City of London) or a suppressed count get no rank.
    """
    try:
        table = rates.force_rates(recorded_crime, str(period_end), offence_group, population)
    except LookupError:
        return pd.DataFrame(columns=["force", "count", "population", "rate", "ranked", "rank"])
    unranked = tuple(f for f, ok in (ranked or {}).items() if not ok)
    df = table.reset_index()
    df["ranked"] = ~df["force"].isin(unranked)
    df["rank"] = pd.array([rates.rank(table, f, unranked).rank for f in df["force"]], dtype="Int64")
    return df.sort_values("rate", na_position="last").reset_index(drop=True)


def pooled_rate(table: pd.DataFrame, forces: list[str] | None = None) -> float | None:
    """Σ offences ÷ Σ population × 1,000 over ``forces`` (all if None) that have a rate; None if none has."""
    t = table.set_index("force")
    try:
        return rates.peer_average(t, list(t.index) if forces is None else list(forces)).rate
    except LookupError:
        return None


@dataclass
class RateComparison:
    """One force's rate per 1,000 against the national and peer-group rates for one period."""

    period_end: str
    offence_group: str
    rate: float | None
    rank: int | None
    of: int
    national: float | None
    peer: float | None
    peers: list[str]


def compare(rates: pd.DataFrame, force: str, peers: list[str], period_end: str, offence_group: str) -> RateComparison:
    """The force's rate, rank (of the ranked forces with a rate), national rate and peer-group average."""
    row = rates[rates["force"] == force]
    rate = None if row.empty or pd.isna(row["rate"].iloc[0]) else float(row["rate"].iloc[0])
    rank = None if row.empty or pd.isna(row["rank"].iloc[0]) else int(row["rank"].iloc[0])
    of = int(rates["rank"].notna().sum())
    present = [p for p in peers if p in set(rates["force"])]
    return RateComparison(str(period_end), offence_group, rate, rank, of, pooled_rate(rates),
                          pooled_rate(rates, present) if present else None, present)


def rate_history(recorded_crime: pd.DataFrame, force: str, peers: list[str], offence_group: str,
                 population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per period: the force's rate, the peer-group average and the national rate (per 1,000)."""
    rows = []
    for period in sorted(recorded_crime["period_end"].astype(str).unique()):
        r = force_rates(recorded_crime, period, offence_group, population=population)
        c = compare(r, force, peers, period, offence_group)
        rows.append({"period_end": period, "force": c.rate, "peer": c.peer, "national": c.national})
    return pd.DataFrame(rows, columns=["period_end", "force", "peer", "national"])


def r12_series(monthly: pd.Series) -> pd.Series:
    """Rolling 12-month totals of a monthly count series; NaN where any of the 12 months is missing."""
    s = rolling.monthly(monthly) if not isinstance(monthly.index, pd.PeriodIndex) else monthly
    return s.rolling(12, min_periods=12).sum()


def yoy_by_type(street: pd.DataFrame, end: pd.Period, exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """R12 count to ``end`` against the R12 to the same month a year earlier, per crime type.

    Columns: crime_type, current, previous, change (percent; NaN where there is no complete earlier year).
    A month with a file but no crimes of a type counts as zero; a month with no file makes that R12 unknown.
    """
    months = pd.PeriodIndex(sorted(street["month"].unique()), freq="M")
    full = pd.period_range(months.min(), max(months.max(), end), freq="M")
    rows = []
    for ct, g in street[~street["crime_type"].isin(exclude)].groupby("crime_type"):
        s = g.groupby("month")["n"].sum().reindex(full).astype(float)
        s[full.isin(months) & s.isna()] = 0.0
        ch = rolling.r12_yoy(s, end)
        rows.append({"crime_type": ct, "current": ch.current, "previous": ch.previous,
                     "change": np.nan if ch.change is None else ch.change})
    out = pd.DataFrame(rows, columns=["crime_type", "current", "previous", "change"])
    return out.sort_values("current", ascending=False, na_position="last").reset_index(drop=True)
