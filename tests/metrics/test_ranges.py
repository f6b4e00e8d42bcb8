import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pccreport.metrics.ranges import historic_range

IDX = pd.period_range("2022-06", "2023-03", freq="M")


def test_seed_example_previously_ranged_429_to_469():
    s = pd.Series([440, 429, 455, 469, 450, 433, 447, 460, 452, 430], IDX, dtype=float)
    r = historic_range(s, IDX[-1])
    assert (r.low, r.high, r.latest, r.position) == (429, 469, 430, "within")
    assert (r.first, r.last, r.months) == (IDX[0], IDX[-2], 9)


def test_exceptionally_low_latest_is_below_the_range():
    s = pd.Series([170, 160, 181, 175, 165, 170, 172, 168, 177, 138], IDX, dtype=float)
    assert historic_range(s, IDX[-1]).position == "below"


def test_window_start_and_missing_latest():
    s = pd.Series([1000, 5, 6, 7, 8, 9, 10, 11, 12, 8], IDX, dtype=float)
    assert historic_range(s, IDX[-1], IDX[1]).high == 12
    with pytest.raises(LookupError, match="no figure for Apr-23"):
        historic_range(s, pd.Period("2023-04", "M"))
    with pytest.raises(LookupError, match="no earlier months"):
        historic_range(s, IDX[0])


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30))
def test_latest_is_placed_consistently(xs):
    idx = pd.period_range("2020-01", periods=len(xs), freq="M")
    r = historic_range(pd.Series(xs, idx), idx[-1])
    assert r.low <= r.high
    inside = r.low <= r.latest <= r.high
    assert inside == (r.position in ("within", "at the low", "at the high"))
