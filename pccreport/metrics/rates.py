"""Crime rates per 1,000 population, national rank and most-similar-group (peer) average.

Methods: rate = count ÷ population × 1,000, with the population ONS used for its own published rate (ONS's tables
name the mid-year estimate behind each rate, so rates computed from counts match ONS's); rank 1 = lowest rate among
territorial forces, City of London left out by default as ONS does; peer average weighted as HMICFRS does:
Σ offences ÷ Σ population of the group × 1,000 (not the mean of the forces' rates).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

PER = 1000.0
UNRANKED_DEFAULT = ("city-of-london",)


def rate_per_1000(count: float, population: float) -> float:
    """Rate per 1,000 population; ValueError (not NaN) when the count or population is missing or not positive."""
    if count is None or population is None or math.isnan(count) or math.isnan(population):
        raise ValueError("a rate needs both a count and a population")
    if population <= 0:
        raise ValueError(f"a rate needs a population above zero, got {population}")
    if count < 0:
        raise ValueError(f"a count cannot be negative, got {count}")
    return count / population * PER


def basis_year(basis: str) -> int | None:
    """The mid-year of a population basis such as 'mid-2017 estimate' (None if the text names no year)."""
    m = re.search(r"(?:mid-?|\b)(\d{4})", basis or "")
    return int(m.group(1)) if m else None


def ons_basis_year(period_end: str) -> int:
    """The mid-year ONS divides by for 12 months ending ``period_end`` ('YYYY-MM'): the year before it ends.

    ONS, "Crime in England and Wales: Police force area data tables", notes: rates use the mid-year population
    estimate for the year before the end of the period (year ending June 2025 → mid-2024).
    """
    return int(period_end[:4]) - 1


def population_estimate(pfa: pd.Series | None, force: str, want: int) -> tuple[float, str]:
    """(population, basis in words) for a force: mid-``want`` if present, else the latest earlier estimate, said so.

    ``pfa`` is indexed by (force, year). Falling back to the latest available estimate is named beside the figure,
    e.g. "mid-2023 estimate, the latest available; ONS uses mid-2024", so a reader knows the rate is not ONS's own.
    """
    if pfa is None:
        return math.nan, f"no mid-{want} population estimate supplied"
    if (force, want) in pfa.index:
        return float(pfa.loc[(force, want)]), f"mid-{want} estimate"
    years = sorted(y for f, y in pfa.index if f == force and y < want)
    if not years:
        return math.nan, f"no mid-{want} population estimate supplied"
    y = years[-1]
    return float(pfa.loc[(force, y)]), f"mid-{y} estimate, the latest available; ONS uses mid-{want}"


def force_rates(crime: pd.DataFrame, period_end: str, offence_group: str,
                population: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per force for a period and offence group: count, population used, its basis, rate and ONS's rate.

    The population is the one ONS gives beside its count; where ONS gives none, the force-area (PFA) mid-year
    estimate for the year its basis names is taken from ``population``. A suppressed or missing count, or a force
    with no population, has a NaN rate and a ``note`` saying why (it is then left out of ranks and peer averages).
    """
    rows = crime[(crime["period_end"] == period_end) & (crime["offence_group"] == offence_group)].copy()
    if rows.empty:
        raise LookupError(f"no national figures for '{offence_group}' for the 12 months to {period_end}")
    pfa = None
    if population is not None and not population.empty:
        pfa = population[population["area_type"] == "pfa"].set_index(["force", "year"])["population"]
    out = []
    for r in rows.itertuples(index=False):
        pop, basis, note = r.population, r.population_basis, ""
        want = basis_year(basis) or ons_basis_year(period_end)
        if pop is None or pd.isna(pop):
            pop, basis = population_estimate(pfa, r.force, want)
        count = float(r.count) if pd.notna(r.count) else math.nan
        if pd.isna(count):
            note = f"suppressed by ONS ({r.suppressed})" if r.suppressed else "no count published"
            rate = math.nan
        elif pop is None or pd.isna(pop) or pop <= 0:
            note, rate = f"no population estimate (ONS uses mid-{want}; the population files have none for this force)", math.nan
        else:
            rate = rate_per_1000(count, float(pop))
        out.append({"force": r.force, "count": count, "population": float(pop) if pd.notna(pop) else math.nan,
                    "population_basis": basis, "rate": rate, "ons_rate": r.ons_rate, "note": note})
    return pd.DataFrame(out).set_index("force")


def latest_period(crime: pd.DataFrame, offence_group: str, end: str) -> str:
    """The latest 12-month period ('YYYY-MM') ONS has published for an offence group, up to ``end``.

    ONS publishes police recorded crime quarterly and some months after the period, so a report for a quarter uses
    the newest table available and says which 12 months it covers.
    """
    periods = crime.loc[crime["offence_group"] == offence_group, "period_end"]
    have = sorted(periods.unique())
    periods = [p for p in have if p <= end]
    if not periods:
        later = f"; the ONS tables supplied cover 12 months to {', '.join(have)}, after this period" if have else ""
        raise LookupError(f"no national figures for '{offence_group}' for 12 months ending on or before {end}{later}")
    return periods[-1]


def covering_period(periods, end: str) -> str | None:
    """The earliest 12-month period ('YYYY-MM') ending after ``end`` whose 12 months include ``end``; None if none.

    Used only when no period ends by ``end``: ONS publishes months after the period, so a quarter's report made
    before the next table comes out has only a later one, and the 12 months that contain the quarter are the
    nearest official figure.
    """
    e = pd.Period(end, "M")
    later = sorted(p for p in set(periods) if pd.Period(p, "M") > e and pd.Period(p, "M") - 11 <= e)
    return later[0] if later else None


def report_period(crime: pd.DataFrame, offence_group: str, end: str) -> tuple[str, str]:
    """(period, note): the latest period ending by ``end``, else the earliest covering it (``covering_period``).

    ``note`` is '' for the first case and says what was used and why for the second; LookupError (from
    ``latest_period``, naming the periods there are) when neither exists.
    """
    try:
        return latest_period(crime, offence_group, end), ""
    except LookupError:
        periods = crime.loc[crime["offence_group"] == offence_group, "period_end"].astype(str)
        cover = covering_period(periods, end)
        if cover is None:
            raise
    e, c = pd.Period(end, "M").strftime("%b-%y"), pd.Period(cover, "M").strftime("%b-%y")
    return cover, f"no ONS table supplied ends by {e}; the 12 months to {c} are the nearest that include {e}"


@dataclass(frozen=True)
class Rank:
    """Position of one force by rate (1 = lowest) among the forces with a rate; who was left out and why."""

    force: str
    rank: int | None
    of: int
    left_out: dict[str, str] = field(default_factory=dict)

    @property
    def phrase(self) -> str:
        """'lowest of 42', '3rd lowest of 42', '10th highest of 42' (rank 33), 'highest of 42', or why not ranked."""
        if self.rank is None:
            return f"not ranked ({self.left_out.get(self.force, 'no rate')})"
        if self.rank == 1:
            return f"lowest of {self.of}"
        if self.rank == self.of:
            return f"highest of {self.of}"
        if self.rank > (self.of + 1) / 2:  # phrased from the nearer end: 33rd lowest of 42 is 10th highest
            return f"{ordinal(self.of - self.rank + 1)} highest of {self.of}"
        return f"{ordinal(self.rank)} lowest of {self.of}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st …"""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank(rates: pd.DataFrame, force: str, unranked: tuple[str, ...] = UNRANKED_DEFAULT) -> Rank:
    """Rank ``force`` by rate, 1 = lowest, ties sharing the better place; unranked forces and missing rates left out."""
    left_out = {f: "not ranked by convention (tiny resident population)" for f in unranked if f in rates.index}
    pool = rates.drop(index=[f for f in unranked if f in rates.index])
    for f, r in pool.iterrows():
        if pd.isna(r["rate"]):
            left_out[f] = r["note"] or "no rate"
    pool = pool[pool["rate"].notna()]
    if force not in pool.index:
        if force not in rates.index:
            left_out[force] = "not in the national table"
        return Rank(force, None, len(pool), left_out)
    place = int(pool["rate"].rank(method="min").loc[force])
    return Rank(force, place, len(pool), left_out)


@dataclass(frozen=True)
class PeerAverage:
    """The most similar group's rate: Σ count ÷ Σ population × 1,000 over the peers with figures."""

    rate: float
    count: float
    population: float
    forces: tuple[str, ...]
    left_out: dict[str, str] = field(default_factory=dict)


def peer_average(rates: pd.DataFrame, peers: list[str]) -> PeerAverage:
    """HMICFRS-style weighted group rate (a ratio of sums, not a mean of rates); peers without figures are left out."""
    if not peers:
        raise LookupError("no most similar group is set for this force (params/forces.yaml 'peers' or the plan)")
    left_out: dict[str, str] = {}
    used = []
    for p in peers:
        if p not in rates.index:
            left_out[p] = "not in the national table"
        elif pd.isna(rates.loc[p, "rate"]):
            left_out[p] = rates.loc[p, "note"] or "no rate"
        else:
            used.append(p)
    if not used:
        raise LookupError(f"none of the peer forces has a rate ({', '.join(f'{k}: {v}' for k, v in left_out.items())})")
    c = float(rates.loc[used, "count"].sum())
    pop = float(rates.loc[used, "population"].sum())
    return PeerAverage(rate_per_1000(c, pop), c, pop, tuple(used), left_out)
