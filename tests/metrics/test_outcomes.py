import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pccreport.metrics.outcomes import outcome_rate, quarter_outcome_rate

IDX = pd.period_range("2021-04", "2023-03", freq="M")


def test_r12_and_discrete_rates_with_point_changes():
    total = pd.Series([100.0] * 24, IDX)
    pos = pd.Series([10.0] * 12 + [13.0] * 11 + [15.0], IDX)
    r = outcome_rate(pos, total, pd.Period("2023-03", "M"))
    assert r.r12 == pytest.approx((13 * 11 + 15) / 1200 * 100)  # 13.1667%: Σ positive ÷ Σ crimes
    assert r.r12_previous == pytest.approx(10.0) and r.r12_change_pp == pytest.approx(3.1667, abs=1e-4)
    assert r.discrete == pytest.approx(15.0) and r.discrete_change_pp == pytest.approx(5.0)


def test_ratio_of_sums_not_mean_of_monthly_rates():
    total = pd.Series([10.0] + [1000.0] * 11, IDX[12:])
    pos = pd.Series([10.0] + [100.0] * 11, IDX[12:])
    r = outcome_rate(pos, total, IDX[-1])
    assert r.r12 == pytest.approx(1110 / 11010 * 100)


def test_zero_denominator_and_missing_months_are_named():
    total = pd.Series([0.0] * 12, IDX[12:])
    r = outcome_rate(total, total, IDX[-1])
    assert r.r12 is None and "denominator is zero" in r.note and r.discrete is None
    gap = pd.Series([5.0] * 12, IDX[12:]).drop(IDX[15])
    r = outcome_rate(gap, gap, IDX[-1])
    assert r.r12 is None and "missing Jul-22" in r.note and r.discrete == pytest.approx(100.0)


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=24, max_size=24))
def test_rates_stay_between_0_and_100(pairs):
    pos = pd.Series([float(min(a, b)) for a, b in pairs], IDX)
    tot = pd.Series([float(max(a, b)) for a, b in pairs], IDX)
    r = outcome_rate(pos, tot, IDX[-1])
    for v in (r.r12, r.r12_previous, r.discrete):
        assert v is None or 0 <= v <= 100


def test_quarter_outcome_rate_is_a_ratio_of_sums_against_the_same_quarter_a_year_before():
    # Jan–Mar 2022: 30/300 = 10%; Jan–Mar 2023: (20 + 40 + 60)/(100 + 200 + 300) = 20%, so +10.0 points.
    total = pd.Series(100.0, IDX)
    pos = pd.Series(10.0, IDX)
    total[pd.Period("2023-02", "M")], total[pd.Period("2023-03", "M")] = 200.0, 300.0
    pos[pd.Period("2023-01", "M")], pos[pd.Period("2023-02", "M")], pos[pd.Period("2023-03", "M")] = 20.0, 40.0, 60.0
    q = quarter_outcome_rate(pos, total, pd.Period("2023-03", "M"))
    assert q.current == pytest.approx(20.0) and q.previous == pytest.approx(10.0)
    assert q.change_pp == pytest.approx(10.0) and q.note == ""


def test_quarter_outcome_rate_names_the_incomplete_quarter():
    total = pd.Series(100.0, IDX).drop(pd.Period("2022-02", "M"))
    q = quarter_outcome_rate(total / 10, total, pd.Period("2023-03", "M"))
    assert q.current == pytest.approx(10.0) and q.previous is None and q.change_pp is None
    assert q.note == "the quarter to Mar-22 is not complete"
