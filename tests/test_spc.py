import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pccreport.spc import RULE_LIMIT, RULE_RUN, RULE_TREND, RULE_TWO_OF_THREE, XmrSettings, xmr

WORKED = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def test_worked_example_unscreened():
    r = xmr(pd.Series(WORKED))
    assert r.mean.iloc[0] == pytest.approx(1.944, abs=1e-3)
    assert r.mr_mean.iloc[0] == pytest.approx(1.882, abs=1e-3)
    assert r.lower.iloc[0] == pytest.approx(-3.06, abs=0.005) and r.upper.iloc[0] == pytest.approx(6.95, abs=0.005)
    assert any(s.rule == RULE_LIMIT and s.points == (4,) and s.side == "high" for s in r.signals)


def test_worked_example_screened():
    r = xmr(pd.Series(WORKED), XmrSettings(screen_moving_ranges=True))
    assert r.mr_mean.iloc[0] == pytest.approx(1.0)
    assert r.lower.iloc[0] == pytest.approx(-0.72, abs=0.005) and r.upper.iloc[0] == pytest.approx(4.60, abs=0.005)


def test_four_point_example():
    r = xmr(pd.Series([10, 50, 40, 30]))
    assert r.upper.iloc[0] == pytest.approx(85.7) and r.lower.iloc[0] == pytest.approx(-20.7)


def test_trend_of_seven_and_tie_breaks_it():
    r = xmr(pd.Series(range(1, 8)))
    trends = [s for s in r.signals if s.rule == RULE_TREND]
    assert trends and trends[0].points == tuple(range(7)) and trends[0].side == "high"
    assert not [s for s in xmr(pd.Series([1, 2, 3, 3, 4, 5, 6])).signals if s.rule == RULE_TREND]


def test_run_of_seven_below_mean():
    values = [10, 11, 9, 10, 11, 9, 10, 8, 8, 8, 8, 8, 8, 8, 12, 11, 12, 12]
    r = xmr(pd.Series(values))
    runs = [s for s in r.signals if s.rule == RULE_RUN and s.side == "low"]
    assert runs and runs[0].points == tuple(range(7, 14))
    assert r.verdict(10, "up") == "special cause — concerning"
    assert r.verdict(10, "down") == "special cause — improving"


def test_two_of_three_variants():
    base = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10]
    r = xmr(pd.Series(base))
    band, limit = r.upper_band.iloc[0], r.upper.iloc[0]
    between = (band + limit) / 2
    values = base + [between, 10, between]
    fixed = XmrSettings(baseline_points=len(base))
    hits = [s for s in xmr(pd.Series(values), fixed).signals if s.rule == RULE_TWO_OF_THREE]
    assert hits and hits[0].side == "high" and hits[0].points == (10, 12)
    beyond = base + [limit + 5, 10, between]
    pre_2023 = XmrSettings(baseline_points=len(base), two_of_three_includes_beyond_limits=False)
    assert [s for s in xmr(pd.Series(beyond), fixed).signals if s.rule == RULE_TWO_OF_THREE]
    assert not [s for s in xmr(pd.Series(beyond), pre_2023).signals if s.rule == RULE_TWO_OF_THREE]


def test_rebasing_steps_the_limits():
    idx = pd.period_range("2021-01", periods=24, freq="M")
    values = pd.Series([10.0, 12, 11, 9, 10, 11, 12, 10, 9, 11, 10, 12] + [30.0, 32, 31, 29, 30, 31, 32, 30, 29, 31, 30, 32], idx)
    r = xmr(values, XmrSettings(rebase_at=(pd.Period("2022-01", "M"),)))
    assert r.mean.iloc[0] == pytest.approx(values[:12].mean()) and r.mean.iloc[-1] == pytest.approx(values[12:].mean())


def test_assurance_against_target():
    r = xmr(pd.Series([10, 11, 9, 10, 11, 9, 10, 11, 9, 10]))
    assert r.assurance(1, "up") == "consistently met"
    assert r.assurance(100, "up") == "consistently not met"
    assert r.assurance(10, "up") == "hit and miss"
    assert r.assurance(100, "down") == "consistently met"


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=60))
def test_limits_are_symmetric_about_the_mean(values):
    r = xmr(pd.Series(values))
    assert np.allclose(r.upper - r.mean, r.mean - r.lower)
    assert (r.upper >= r.lower).all()


def test_too_short_series_is_a_clear_error():
    with pytest.raises(ValueError, match="at least two points"):
        xmr(pd.Series([1.0]))
