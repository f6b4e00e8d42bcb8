"""Same-month comparison and the classical (ratio-to-moving-average) seasonal index, on worked series."""

import pandas as pd
import pytest

from pccreport.metrics.seasonal import centred_moving_average, same_months, seasonal_check, seasonal_index

FACTORS = [0.8, 0.85, 0.9, 1.0, 1.1, 1.2, 1.25, 1.2, 1.05, 0.95, 0.85, 0.85]  # mean 1.0


def _series(start="2019-01", months=48, level=100.0, factors=FACTORS):
    idx = pd.period_range(start, periods=months, freq="M")
    return pd.Series([level * factors[p.month - 1] for p in idx], index=idx)


def test_centred_moving_average_of_an_exactly_seasonal_series_is_its_level():
    cma = centred_moving_average(_series()).dropna()
    assert len(cma) == 48 - 12 and cma.to_numpy() == pytest.approx(100.0)


def test_seasonal_index_recovers_the_factors():
    idx = seasonal_index(_series(), pd.Period("2023-01", "M"))
    assert [idx[m] for m in range(1, 13)] == pytest.approx(FACTORS)


def test_seasonal_index_ignores_a_gap_rather_than_shifting_the_window():
    s = _series().drop(pd.Period("2020-06", "M"))
    idx = seasonal_index(s, pd.Period("2023-01", "M"))
    assert idx[7] == pytest.approx(1.25)


def test_same_months_of_earlier_years():
    s = _series()
    s[pd.Period("2022-07", "M")] = 150
    sm = same_months(s, pd.Period("2022-07", "M"))
    assert sm.earlier == {2021: 125.0, 2020: 125.0, 2019: 125.0}
    assert sm.position == "above" and sm.low == sm.high == 125.0
    with pytest.raises(LookupError):
        same_months(s, pd.Period("2030-01", "M"))


def test_a_seasonal_high_is_within_the_limits_once_adjusted():
    s = _series()
    # July is 25% above an average month: 125 is beyond limits of 90-115 but 100 once adjusted.
    chk = seasonal_check(s, pd.Period("2022-07", "M"), 90, 115)
    assert chk.index == pytest.approx(1.25) and chk.adjusted == pytest.approx(100) and chk.within_limits
    s[pd.Period("2022-07", "M")] = 200  # far beyond even a July: still special cause
    assert not seasonal_check(s, pd.Period("2022-07", "M"), 90, 115).within_limits


def test_no_index_without_a_year_of_history():
    assert seasonal_check(_series(months=10), pd.Period("2019-10", "M"), 0, 1) is None
