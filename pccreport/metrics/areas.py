"""Recorded crime by community safety partnership (CSP) and the quarter's crimes by outcome category.

Methods: a CSP's rate per 1,000 = its ONS table C2 count ÷ its mid-year population × 1,000, the population summed
from the local authorities the ONS LAD → CSP → PFA lookup puts in it (as ONS builds CSP rates), with the mid-year
basis of ``rates.population_estimate``. Outcome shares: crimes recorded in the quarter by their latest
data.police.uk outcome ÷ all the quarter's crimes (ratio of sums), and the positive-outcome rate the same way.
"""

from __future__ import annotations

import math

import pandas as pd

from .rates import ons_basis_year, population_estimate, rate_per_1000

NOT_YET = "Not yet recorded"  # data.police.uk leaves the outcome blank for crimes with no outcome recorded yet


def csp_rates(crime_csp: pd.DataFrame, population: pd.DataFrame | None, force: str, period_end: str,
              offence_group: str) -> pd.DataFrame:
    """One row per CSP of ``force``: csp_code, csp_name, count, population, population_basis, rate (NaN + note if none).

    Rows of C2 that ONS does not assign to a CSP (code blank) are kept with their count and no rate.
    """
    rows = crime_csp[(crime_csp["force"] == force) & (crime_csp["period_end"] == period_end)
                     & (crime_csp["offence_group"] == offence_group) & (crime_csp["csp_name"].fillna("") != "")]
    pop = None
    if population is not None and not population.empty:
        pop = population[population["area_type"] == "csp"].set_index(["area_code", "year"])["population"]
    want = ons_basis_year(period_end)
    out = []
    for r in rows.itertuples(index=False):
        count = float(r.count) if pd.notna(r.count) else math.nan
        code = r.csp_code or ""
        p, basis = population_estimate(pop, code, want) if code else (math.nan, "not assigned to a CSP by ONS")
        ok = not (math.isnan(count) or math.isnan(p) or p <= 0)
        out.append({"csp_code": code, "csp_name": r.csp_name, "count": count, "population": p,
                    "population_basis": basis, "rate": rate_per_1000(count, p) if ok else math.nan})
    return pd.DataFrame(out, columns=["csp_code", "csp_name", "count", "population", "population_basis", "rate"])


def outcome_shares(street: pd.DataFrame, months: pd.PeriodIndex, positive: list[str], asb: str) -> pd.DataFrame:
    """Crimes recorded in ``months`` by latest outcome: outcome, crimes, share (%), positive (bool); largest first."""
    df = street[street["month"].isin(months) & (street["crime_type"] != asb)]
    total = float(df["n"].sum())
    if total == 0:
        return pd.DataFrame(columns=["outcome", "crimes", "share", "positive"])
    by = df.assign(outcome=df["outcome"].replace("", NOT_YET).fillna(NOT_YET)).groupby("outcome")["n"].sum()
    out = pd.DataFrame({"outcome": by.index, "crimes": by.to_numpy(dtype=float)})
    out["share"] = out["crimes"] / total * 100
    out["positive"] = out["outcome"].isin(positive)
    return out.sort_values(["crimes", "outcome"], ascending=[False, True]).reset_index(drop=True)
