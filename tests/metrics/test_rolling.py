import pandas as pd
import pytest

from pccreport.metrics.rolling import month_yoy, r12_ratio, r12_total, r12_yoy

IDX = pd.period_range("2021-04", "2023-03", freq="M")


def test_r12_yoy_hand_worked():
    s = pd.Series([100.0] * 12 + [110.0] * 12, IDX)
    ch = r12_yoy(s, pd.Period("2023-03", "M"))
    assert ch.current == 1320 and ch.previous == 1200 and ch.change == pytest.approx(10.0)


def test_missing_month_is_named_not_nan():
    s = pd.Series([100.0] * 24, IDX).drop(pd.Period("2022-07", "M"))
    total, note = r12_total(s, pd.Period("2023-03", "M"))
    assert total is None and "Jul-22" in note
    assert r12_yoy(s, pd.Period("2023-03", "M")).change is None


def test_month_yoy_and_zero_base():
    s = pd.Series([0.0] * 12 + [5.0] * 12, IDX)
    ch = month_yoy(s, pd.Period("2023-03", "M"))
    assert ch.change is None and "zero" in ch.note


def test_r12_ratio_is_ratio_of_sums():
    num = pd.Series([1.0] * 11 + [50.0], IDX[12:])
    den = pd.Series([10.0] * 11 + [100.0], IDX[12:])
    rate, _ = r12_ratio(num, den, pd.Period("2023-03", "M"))
    assert rate == pytest.approx(61 / 210)
    zero, note = r12_ratio(num * 0, den * 0, pd.Period("2023-03", "M"))
    assert zero is None and "zero" in note


def _gappy() -> pd.Series:
    """Jan-24..Apr-24 and Jan-25..Dec-25 present (as the real Wiltshire files): May-24..Dec-24 never published."""
    months = list(pd.period_range("2024-01", "2024-04", freq="M")) + list(pd.period_range("2025-01", "2025-12", freq="M"))
    return pd.Series([100.0 + i for i in range(len(months))], index=pd.PeriodIndex(months))


def test_quarter_yoy_hand_worked_across_a_gap():
    from pccreport.metrics.rolling import quarter_yoy

    s = _gappy()  # Q1 2024: 100+101+102 = 303; Q1 2025: 104+105+106 = 315; +3.96%
    ch = quarter_yoy(s, pd.Period("2025-03", "M"))
    assert (ch.current, ch.previous) == (315.0, 303.0)
    assert ch.change == pytest.approx(12 / 303 * 100)
    q4 = quarter_yoy(s, pd.Period("2025-12", "M"))
    assert q4.change is None and "Dec-24" in q4.note


def test_gap_is_named_as_one_run():
    from pccreport.metrics.rolling import gap_phrase, missing_runs

    runs = missing_runs(_gappy(), pd.Period("2024-01", "M"), pd.Period("2025-12", "M"))
    assert gap_phrase(runs) == "May-24 to Dec-24"
    assert gap_phrase([]) == ""
    two = [(pd.Period("2024-03", "M"),) * 2, (pd.Period("2024-06", "M"), pd.Period("2024-07", "M"))]
    assert gap_phrase(two) == "Mar-24 and Jun-24 to Jul-24"
