import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from pccreport.metrics.survey import compare, compare_estimates, published, wilson


@pytest.mark.parametrize("k, n, low, high", [(15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611)])
def test_wilson_worked_examples(k, n, low, high):
    p = wilson(k, n)
    assert p.low == pytest.approx(low, abs=5e-5) and p.high == pytest.approx(high, abs=5e-5)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_interval_contains_estimate_and_stays_in_unit_range(kn):
    k, n = kn
    p = wilson(k, n)
    assert 0 <= p.low <= p.p <= p.high <= 1


def test_two_proportion_test_matches_scipy_chi_square():
    # The pooled two-proportion z-test is the 2x2 chi-square test without continuity correction (z² = χ²).
    res = compare(738, 1000, 776, 1000)
    chi2, pval, _, _ = stats.chi2_contingency([[738, 262], [776, 224]], correction=False)
    assert res.z ** 2 == pytest.approx(chi2) and res.p_value == pytest.approx(pval)
    assert res.diff_pp == pytest.approx(-3.8) and res.significant == (pval < 0.05)


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        wilson(5, 0)
    with pytest.raises(ValueError):
        wilson(6, 5)
    assert math.isfinite(wilson(5, 5).low)


@pytest.mark.parametrize("k, n", [(15, 148), (0, 20), (738, 1000), (20, 20), (1, 3)])
def test_wilson_matches_scipy(k, n):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    p = wilson(k, n)
    assert p.low == pytest.approx(ci.low, abs=1e-12) and p.high == pytest.approx(ci.high, abs=1e-12)


def test_published_estimate_interval_is_wilson_at_the_estimate():
    # Newcombe (1998), Table I example: 81 of 263, Wilson interval 0.2553 to 0.3662.
    p = published(100 * 81 / 263, 263)
    assert (p.low, p.high) == (pytest.approx(0.2553, abs=5e-5), pytest.approx(0.3662, abs=5e-5))
    w = wilson(81, 263)
    assert (p.low, p.high) == (pytest.approx(w.low), pytest.approx(w.high))


def test_design_factor_shrinks_the_effective_sample():
    # A design factor of 2 makes 400 interviews worth 100: the interval is Wilson's for 30 of 100.
    p = published(30.0, 400, design_factor=2.0)
    w = wilson(30, 100)
    assert (p.low, p.high) == (pytest.approx(w.low), pytest.approx(w.high))
    assert p.n == 400


def test_compare_estimates_is_the_two_proportion_test():
    res = compare_estimates(published(73.8, 1000), published(77.6, 1000))
    chi2, pval, _, _ = stats.chi2_contingency([[738, 262], [776, 224]], correction=False)
    assert res.p_value == pytest.approx(pval) and res.diff_pp == pytest.approx(-3.8)


def test_bad_published_estimates_are_refused():
    for args in ((50.0, 0), (101.0, 10), (50.0, 10, 0.5)):
        with pytest.raises(ValueError):
            published(*args)
