"""Rates, rank and peer average against ONS's own published figures (year ending December 2019 PFA tables).

Independent check: ONS publishes counts (Table P1) and, separately, rates per 1,000 with the mid-year population it
used (Table P3: mid-2018, rounded to 100). Rates computed here from the counts and that population must equal ONS's.
The workbook is parsed minimally inside the test; the ONS loader proper lives elsewhere.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.metrics.rates import force_rates, peer_average, rank
from pccreport.registry import load_registry
from tests.conftest import shared

GROUP = "Total recorded crime (excluding fraud)"


def _number(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return np.nan


@pytest.fixture(scope="module")
def ons():
    path = shared("police_recorded_crime", "ons_pfa_tables_2018_2019", "pfatablesdec19.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p1 = pd.read_excel(path, "Table P1", header=None)
        p3 = pd.read_excel(path, "Table P3", header=None)
    pfa = lambda df: df[df[0].astype(str).str.match(r"^(E23|W15)\d{6}$")].set_index(0)
    p1, p3 = pfa(p1), pfa(p3)
    slugs = {f.ons_code: f.slug for f in load_registry(Paths(DEFAULT_ROOT)).values()}
    rows = []
    for code in p1.index:
        count = _number(p1.loc[code, 2])
        rows.append({"period_end": "2019-12", "force": slugs[code], "ons_code": code, "offence_group": GROUP,
                     "count": count, "suppressed": "" if not np.isnan(count) else f"'{p1.loc[code, 2]}' in Table P1",
                     "population": _number(p3.loc[code, 2]), "population_basis": "mid-2018 estimate",
                     "ons_rate": _number(p3.loc[code, 5]), "source": path.name})
    return pd.DataFrame(rows)


def test_rates_from_counts_match_every_published_ons_rate(ons):
    t = force_rates(ons, "2019-12", GROUP)
    published = t["ons_rate"].notna()
    assert published.sum() == 41  # Greater Manchester ('..') and City of London ('+') have no published rate
    ours, theirs, pop = (t.loc[published, c] for c in ("rate", "ons_rate", "population"))
    # P3 prints the population rounded to 100 while ONS divided by the unrounded estimate, so the two rates can
    # differ by at most rate × 50 / population (half the rounding step); beyond that the method would be wrong.
    bound = ours * 50 / (pop - 50)
    assert ((ours - theirs).abs() <= bound).all()
    assert ((ours - theirs).abs() / theirs).max() < 1e-4  # measured: 7.3e-5 at most (Dyfed-Powys)
    # All 41 agree to 1 dp; at 2 dp (as the seed prints "58.61") 29 of 41 do, because P3 rounds the population.
    assert (ours.round(1) == theirs.round(1)).all()
    assert t.loc["wiltshire", "rate"] == pytest.approx(61.45599, rel=1e-4)
    assert round(t.loc["wiltshire", "rate"], 1) == round(t.loc["wiltshire", "ons_rate"], 1)


def test_rank_leaves_out_city_of_london_and_the_suppressed_force(ons):
    t = force_rates(ons, "2019-12", GROUP)
    r = rank(t, "wiltshire")
    # Independent ranking of ONS's own published rates (pandas, on the published column).
    expected = int(t["ons_rate"].dropna().rank(method="min").loc["wiltshire"])
    assert (r.rank, r.of) == (expected, 41)
    assert "greater-manchester" in r.left_out and "city-of-london" in r.left_out


def test_peer_average_is_weighted_by_population(ons):
    t = force_rates(ons, "2019-12", GROUP)
    peers = ["warwickshire", "west-mercia"]
    pa = peer_average(t, peers)
    want = t.loc[peers, "count"].sum() / t.loc[peers, "population"].sum() * 1000
    assert pa.rate == pytest.approx(want)
    assert pa.rate != pytest.approx(t.loc[peers, "ons_rate"].mean(), abs=1e-3)
