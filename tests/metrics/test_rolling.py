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
