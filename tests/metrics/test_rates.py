import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pccreport.metrics.rates import basis_year, force_rates, ordinal, peer_average, rank, rate_per_1000


def _table(rows, period="2023-03", group="Total recorded crime (excluding fraud)"):
    """A recorded_crime.parquet-shaped frame from (force, count, population, suppressed) tuples."""
    return pd.DataFrame([{"period_end": period, "force": f, "ons_code": "", "offence_group": group, "count": c,
                          "suppressed": s, "population": p, "population_basis": "mid-2021 estimate",
                          "ons_rate": math.nan if (pd.isna(c) or pd.isna(p)) else round(c / p * 1000, 1),
                          "source": "test"} for f, c, p, s in rows])


def test_rate_worked_example_matches_the_ons_rounding():
    # Wiltshire-like: 42,000 crimes in a population of 720,000 → 58.33 per 1,000.
    assert rate_per_1000(42_000, 720_000) == pytest.approx(58.3333, abs=1e-4)


def test_peer_average_is_sum_over_sum_not_the_mean_of_rates():
    t = force_rates(_table([("a", 100.0, 1_000.0, ""), ("b", 10.0, 10_000.0, ""), ("me", 50.0, 1_000.0, "")]),
                    "2023-03", "Total recorded crime (excluding fraud)")
    pa = peer_average(t, ["a", "b"])
    assert pa.rate == pytest.approx(110 / 11_000 * 1000)  # 10.0; the mean of the rates would be 50.5
    assert pa.rate != pytest.approx(np.mean([100.0, 1.0]))
    assert pa.forces == ("a", "b")


def test_rank_leaves_out_city_of_london_and_suppressed_forces():
    rows = [(f"f{i}", float(100 + i), 1_000.0, "") for i in range(42)]
    rows += [("city-of-london", 1.0, 10_000.0, ""), ("hidden", math.nan, 1_000.0, "[x] data quality")]
    t = force_rates(_table(rows), "2023-03", "Total recorded crime (excluding fraud)")
    r = rank(t, "f0")
    assert (r.rank, r.of, r.phrase) == (1, 42, "lowest of 42")
    assert "city-of-london" in r.left_out and "suppressed by ONS" in r.left_out["hidden"]
    assert rank(t, "f41").phrase == "highest of 42"
    assert rank(t, "f2").phrase == "3rd lowest of 42"
    assert rank(t, "f32").rank == 33 and rank(t, "f32").phrase == "10th highest of 42"  # from the nearer end
    assert rank(t, "f20").phrase == "21st lowest of 42" and rank(t, "f21").phrase == "21st highest of 42"
    assert rank(t, "hidden").rank is None
    with_city = rank(t, "f0", unranked=())
    assert (with_city.rank, with_city.of) == (2, 43)


def test_rates_match_ons_published_rates_when_computed_from_its_counts_and_population():
    t = force_rates(_table([("a", 41_234.0, 703_456.0, ""), ("b", 90_001.0, 1_234_567.0, "")]), "2023-03",
                    "Total recorded crime (excluding fraud)")
    assert np.allclose(t["rate"].round(1), t["ons_rate"])


def test_population_falls_back_to_the_mid_year_estimate_ons_names():
    crime = _table([("a", 100.0, math.nan, "")])
    crime["population_basis"] = "mid-2019 estimate"
    pop = pd.DataFrame([{"area_type": "pfa", "area_code": "E1", "area_name": "A", "force": "a", "year": y,
                         "population": p} for y, p in ((2019, 2_000.0), (2020, 4_000.0))])
    t = force_rates(crime, "2023-03", "Total recorded crime (excluding fraud)", pop)
    assert t.loc["a", "rate"] == pytest.approx(50.0) and t.loc["a", "population_basis"] == "mid-2019 estimate"
    assert basis_year("mid-2017 estimate") == 2017 and basis_year("") is None


def test_missing_figures_are_named_never_nan_in_a_result():
    with pytest.raises(ValueError, match="population above zero"):
        rate_per_1000(10, 0)
    with pytest.raises(ValueError, match="count and a population"):
        rate_per_1000(math.nan, 100)
    with pytest.raises(LookupError, match="no national figures"):
        force_rates(_table([("a", 1.0, 2.0, "")]), "2020-03", "Total recorded crime (excluding fraud)")
    t = force_rates(_table([("a", math.nan, 1_000.0, "[x]")]), "2023-03", "Total recorded crime (excluding fraud)")
    with pytest.raises(LookupError, match="none of the peer forces"):
        peer_average(t, ["a"])
    with pytest.raises(LookupError, match="most similar group"):
        peer_average(t, [])


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 42)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "42nd"]


@given(st.floats(0, 1e7), st.floats(1, 1e8), st.floats(0.01, 100))
def test_rates_scale_with_population(count, population, k):
    r = rate_per_1000(count, population)
    assert rate_per_1000(count * k, population * k) == pytest.approx(r, rel=1e-9, abs=1e-12)
    assert rate_per_1000(count, population * k) == pytest.approx(r / k, rel=1e-9, abs=1e-12)


@given(st.lists(st.tuples(st.floats(0, 1e6), st.floats(1, 1e7)), min_size=1, max_size=10))
def test_peer_average_lies_between_the_lowest_and_highest_peer_rate(pairs):
    rows = [(f"p{i}", c, p, "") for i, (c, p) in enumerate(pairs)]
    t = force_rates(_table(rows), "2023-03", "Total recorded crime (excluding fraud)")
    pa = peer_average(t, list(t.index))
    assert t["rate"].min() - 1e-9 <= pa.rate <= t["rate"].max() + 1e-9


def test_latest_published_period_up_to_the_quarter():
    from pccreport.metrics.rates import latest_period

    t = pd.concat([_table([("a", 1.0, 2.0, "")], period=p) for p in ("2022-09", "2022-12", "2023-06")])
    assert latest_period(t, "Total recorded crime (excluding fraud)", "2023-03") == "2022-12"
    with pytest.raises(LookupError, match="on or before 2022-06"):
        latest_period(t, "Total recorded crime (excluding fraud)", "2022-06")
