import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pccreport.metrics.spc import RULE_LIMIT, RULE_RUN, RULE_TREND, RULE_TWO_OF_THREE, XmrSettings, xmr

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


def test_trend_flagged_at_the_seventh_point_not_before():
    six = xmr(pd.Series(range(1, 7)))
    assert not [s for s in six.signals if s.rule == RULE_TREND]
    assert xmr(pd.Series(range(1, 7)), XmrSettings(trend_length=6)).signals  # 6 instead of 7 is a setting
    falling = xmr(pd.Series([9, 8, 7, 6, 5, 4, 3, 3]))
    t = [s for s in falling.signals if s.rule == RULE_TREND]
    assert t and t[0].points == tuple(range(7)) and t[0].side == "low"


def test_point_on_the_mean_breaks_a_run():
    broken = [4.0, 4, 4, 5, 4, 4, 4, 6, 6, 6, 6, 6, 6]  # mean exactly 5; point 3 sits on it
    r = xmr(pd.Series(broken))
    assert r.mean.iloc[0] == 5.0
    assert not [s for s in r.signals if s.rule == RULE_RUN]
    unbroken = [4.0, 4, 4, 4, 4, 4, 4, 6, 6, 6, 6, 6, 6, 6]  # mean 5, seven points below it
    runs = [s for s in xmr(pd.Series(unbroken)).signals if s.rule == RULE_RUN]
    assert [(s.side, s.points) for s in runs] == [("high", tuple(range(7, 14))), ("low", tuple(range(7)))]


def test_precedence_limit_beats_run():
    values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 12, 12, 12, 12, 12, 12, 30]
    r = xmr(pd.Series(values, dtype=float), XmrSettings(baseline_points=10))
    sig = r.point_signal(16)
    assert sig.rule == RULE_LIMIT and r.verdict(16, "down") == "special cause — concerning"


def test_rebasing_only_where_named_and_signals_do_not_cross_it():
    idx = pd.period_range("2021-01", periods=24, freq="M")
    values = pd.Series([10.0, 12, 11, 9, 10, 11, 12, 10, 9, 11, 10, 12] * 2, idx)
    one = xmr(values)
    assert one.mean.nunique() == 1  # no automatic rebasing
    two = xmr(values, XmrSettings(rebase_at=(pd.Period("2021-07", "M"),)))
    assert two.mean.iloc[5] == pytest.approx(values[:6].mean()) and two.mean.iloc[6] == pytest.approx(values[6:].mean())
    with pytest.raises(ValueError, match="monthly"):
        xmr(pd.Series([1.0, 2, 3]), XmrSettings(rebase_at=(pd.Period("2021-07", "M"),)))


def test_baseline_fixes_the_limits():
    values = pd.Series([10.0, 12, 11, 9, 10, 11, 12, 10, 9, 11, 50, 60, 70])
    r = xmr(values, XmrSettings(baseline_points=10))
    assert r.mean.iloc[-1] == pytest.approx(values[:10].mean())
    assert r.mr_mean.iloc[-1] == pytest.approx(np.abs(np.diff(values[:10])).mean())


def test_limits_match_an_independent_computation():
    # Independent: d2 for subgroups of two is 2/sqrt(pi) = 1.1284; 3 / d2 = 2.6587 (MDC rounds to 2.66).
    from scipy import integrate, stats

    d2 = integrate.quad(lambda w: 1 - (stats.norm.cdf(w) ** 2 + (1 - stats.norm.cdf(w)) ** 2) + 0, 0, np.inf)[0] * 2
    assert d2 == pytest.approx(2 / np.sqrt(np.pi), rel=1e-6)
    assert 3 / d2 == pytest.approx(2.66, abs=0.002)


def test_named_outcomes_for_short_and_gappy_series():
    from pccreport.metrics.spc import chart_unavailable, consecutive_tail

    idx = pd.period_range("2022-07", periods=9, freq="M")
    assert chart_unavailable(pd.Series(1.0, idx)) == "too few months for a control chart (9 of 15 needed)"
    idx = pd.period_range("2022-01", periods=24, freq="M")
    s = pd.Series(np.arange(24.0), idx)
    s.iloc[[5, 14]] = np.nan
    tail, missing = consecutive_tail(s)
    assert len(tail) == 9 and missing[-1] == idx[14]
    assert "9 of 15 needed" in chart_unavailable(s) and "Mar-23" in chart_unavailable(s)
    assert chart_unavailable(pd.Series(np.arange(20.0), pd.period_range("2021-01", periods=20, freq="M"))) is None
    assert "12 of 15" in chart_unavailable(pd.Series(np.arange(12.0), pd.period_range("2021-01", periods=12, freq="M")),
                                           XmrSettings(baseline_points=12))
    assert "20 needed" in chart_unavailable(pd.Series(np.arange(16.0), pd.period_range("2021-01", periods=16, freq="M")),
                                            XmrSettings(baseline_points=20))


def test_all_missing_is_a_clear_error():
    with pytest.raises(ValueError, match="at least two points"):
        xmr(pd.Series([np.nan, np.nan]))


@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=40), st.booleans())
def test_bands_sit_inside_limits_and_screening_never_widens(values, screen):
    r = xmr(pd.Series(values), XmrSettings(screen_moving_ranges=screen))
    assert (r.lower <= r.lower_band + 1e-9).all() and (r.upper_band <= r.upper + 1e-9).all()
    unscreened = xmr(pd.Series(values))
    assert (r.mr_mean <= unscreened.mr_mean + 1e-9).all()


def test_signal_phrase_names_rule_points_and_span():
    from pccreport.metrics.spc import signal_phrase

    idx = pd.period_range("2022-01", periods=16, freq="M")
    values = pd.Series([10.0, 11, 9, 10, 11, 9, 10] + [8.0] * 9, idx)
    r = xmr(values, XmrSettings(baseline_points=7))
    sig = r.point_signal(15)
    assert signal_phrase(sig, r.values.index) == "run below the mean: 9 points, Aug-22 to Apr-23"
