import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pccreport.metrics.durations import check, from_durations
from pccreport.report import statements


def test_seed_example_mean_breaches_median_does_not():
    d = check(6893, 2816, 3600)  # 1:54:53 and 46:56 against an SLA of 1 hour
    assert d.mean_breaches and d.median_breaches is False and "skewing the mean" in d.skew_note
    assert statements.fmt_duration(d.mean) == "1:54:53" and statements.fmt_duration(d.median) == "46:56"


def test_from_durations_matches_the_standard_library():
    logs = [600, 900, 1200, 1500, 2400, 36_000, 40_000, np.nan]
    d = from_durations(logs, 3600)
    clean = [x for x in logs if not np.isnan(x)]
    assert d.mean == pytest.approx(statistics.fmean(clean)) and d.median == pytest.approx(statistics.median(clean))
    assert d.mean_breaches and not d.median_breaches


def test_all_missing_is_a_clear_error():
    with pytest.raises(ValueError, match="no durations"):
        from_durations([np.nan, np.nan], 3600)
    with pytest.raises(ValueError, match="needs a mean"):
        check(np.nan, None, 3600)


def test_no_service_level_means_no_breach_claimed():
    d = check(100, 50, None)
    assert d.mean_breaches is None and d.skew_note == ""


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=200))
def test_median_and_mean_lie_within_the_data(xs):
    d = from_durations(xs, 3600)
    assert min(xs) - 1e-6 <= d.median <= max(xs) + 1e-6
    assert min(xs) - 1e-6 <= d.mean <= max(xs) + 1e-6
