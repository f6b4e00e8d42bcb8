import math

import pandas as pd
import pytest

from pccreport.metrics.areas import NOT_YET, csp_rates, outcome_shares
from pccreport.metrics.rates import population_estimate


def _pop() -> pd.DataFrame:
    rows = [("csp", "E22000001", "North", "f", 2023, 200_000.0), ("csp", "E22000002", "South", "f", 2022, 50_000.0),
            ("csp", "E22000002", "South", "f", 2023, 40_000.0), ("csp", "E22000002", "South", "f", 2024, 41_000.0)]
    return pd.DataFrame(rows, columns=["area_type", "area_code", "area_name", "force", "year", "population"])


def test_population_estimate_uses_ons_year_else_latest_earlier_and_says_so():
    pfa = _pop().set_index(["area_code", "year"])["population"]
    assert population_estimate(pfa, "E22000002", 2024) == (41_000.0, "mid-2024 estimate")
    pop, basis = population_estimate(pfa, "E22000001", 2024)
    assert pop == 200_000.0 and basis == "mid-2023 estimate, the latest available; ONS uses mid-2024"
    pop, basis = population_estimate(pfa, "E22000009", 2024)
    assert math.isnan(pop) and basis == "no mid-2024 population estimate supplied"


def test_csp_rates_hand_worked():
    c2 = pd.DataFrame({"period_end": ["2025-06"] * 3, "force": ["f"] * 3, "csp_code": ["E22000001", "E22000002", ""],
                       "csp_name": ["North", "South", "Unassigned f"], "offence_group": ["Total"] * 3,
                       "count": [10_000.0, 2_050.0, 7.0]})
    t = csp_rates(c2, _pop(), "f", "2025-06", "Total").set_index("csp_name")
    assert t.loc["North", "rate"] == pytest.approx(50.0)  # 10,000 / 200,000 (mid-2023, latest) x 1,000
    assert t.loc["South", "rate"] == pytest.approx(50.0)  # 2,050 / 41,000 (mid-2024, as ONS) x 1,000
    assert "latest available" in t.loc["North", "population_basis"]
    assert math.isnan(t.loc["Unassigned f", "rate"]) and t.loc["Unassigned f", "count"] == 7.0


def test_outcome_shares_hand_worked():
    m = pd.Period("2025-10", "M")
    street = pd.DataFrame({"month": [m, m, m, m, m - 1], "crime_type": ["Burglary", "Burglary", "Robbery",
                                                                         "Anti-social behaviour", "Burglary"],
                           "outcome": ["Local resolution", "", "Unable to prosecute suspect", "", "Local resolution"],
                           "n": [3, 1, 4, 50, 9]})
    t = outcome_shares(street, pd.PeriodIndex([m]), ["Local resolution"], "Anti-social behaviour").set_index("outcome")
    assert t["crimes"].sum() == 8  # ASB and the month before left out
    assert t.loc["Unable to prosecute suspect", "share"] == pytest.approx(50.0)
    assert t.loc["Local resolution", "share"] == pytest.approx(37.5) and t.loc["Local resolution", "positive"]
    assert t.loc[NOT_YET, "crimes"] == 1
