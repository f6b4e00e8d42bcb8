import pandas as pd
import pytest

from pccreport.metrics.compare import compare

IDX = pd.period_range("2022-09", "2022-12", freq="M")


def test_seed_days_to_charge_up_15_days_is_bad():
    force = pd.Series([48.0, None, None, 63.0], IDX)
    national = pd.Series([None, None, None, 49.0], IDX)
    c = compare(force, national, IDX[-1], direction="down")
    assert (c.value, c.national, c.previous, c.change, c.vs_national) == (63, 49, 48, 15, 14)
    assert c.word == "UP" and c.good is False


def test_down_is_good_when_lower_is_better_and_no_change():
    force = pd.Series([198.0, None, None, 181.0], IDX)
    c = compare(force, None, IDX[-1], direction="down")
    assert c.word == "DOWN" and c.good is True and c.national is None
    same = compare(pd.Series([15.0, None, None, 15.0], IDX), None, IDX[-1], direction="up")
    assert same.word == "No change" and same.good is None


def test_missing_previous_quarter_and_missing_value():
    c = compare(pd.Series([None, None, None, 10.0], IDX), None, IDX[-1], "up")
    assert c.change is None and c.word == ""
    with pytest.raises(LookupError, match="no force figure"):
        compare(pd.Series([1.0, None, None, None], IDX), None, IDX[-1], "up")
