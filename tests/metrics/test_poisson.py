"""The exact conditional test for two Poisson counts, against R's published worked example."""

import pytest

from pccreport.metrics.poisson import compare_counts


def test_rothman_greenland_worked_example_matches_r_poisson_test():
    # R's ?poisson.test example (Rothman & Greenland 1998, Table 3.1): 11 cases in 800 person-years against
    # 6 + 8 + 7 = 21 in 1083 + 1050 + 878 = 3011; R prints p-value = 0.07967 and rate ratio 1.971488.
    r = compare_counts(11, 21, 800, 3011)
    assert r.p_value == pytest.approx(0.07967, abs=5e-6)
    assert r.rate_ratio == pytest.approx(1.971488, abs=5e-7)
    assert not r.significant


def test_equal_exposure_counts_significance():
    assert compare_counts(55, 50).significant is False  # one month's +10% of a small count is noise
    big = compare_counts(1200, 1000)
    assert big.significant and big.p_value < 0.001
    assert compare_counts(0, 0).p_value == 1.0 and compare_counts(0, 0).rate_ratio is None


def test_negative_count_is_refused_with_what_was_given():
    with pytest.raises(ValueError, match="counts must be >= 0"):
        compare_counts(-1, 3)
