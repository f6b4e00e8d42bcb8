import pandas as pd
import pytest

from pccreport.errors import ParameterError
from pccreport.periods import Quarter, month_label


def test_calendar_quarter_months():
    q = Quarter.parse("2023-Q1")
    assert q.months == [pd.Period("2023-01", "M"), pd.Period("2023-02", "M"), pd.Period("2023-03", "M")]
    assert q.end_month == pd.Period("2023-03", "M")
    assert q.describe() == "January to March 2023"
    assert month_label(q.end_month) == "Mar-23"


def test_financial_quarter_option():
    q = Quarter.parse("2023-Q4", financial=True)
    assert q.first_month == pd.Period("2024-01", "M") and q.end_month == pd.Period("2024-03", "M")
    assert Quarter.parse("2023-Q1", financial=True).describe() == "April to June 2023"


@pytest.mark.parametrize("bad", ["2023-Q5", "2023-Q0", "2023Q1", "23-Q1", "2023-q1", "", "2023-Q1 ", "../2023-Q1",
                                 "1999-Q1", None, 2023])
def test_bad_quarters_are_refused_with_what_is_valid(bad):
    with pytest.raises(ParameterError, match="is not valid"):
        Quarter.parse(bad)


@pytest.mark.parametrize("financial", [False, True])
def test_month_keys_are_the_quarters_periods_as_text(financial):
    """Quarter.month_keys (no pandas, for the batch's selection) names the same months as Quarter.months."""
    from pccreport.periods import key_label

    for year in (2022, 2023):
        for n in (1, 2, 3, 4):
            q = Quarter(year, n, financial)
            assert q.month_keys == [str(p) for p in q.months]
            assert [key_label(k) for k in q.month_keys] == [month_label(p) for p in q.months]


# check_month: the one reading of a 'YYYY-MM' month (plan rebase_at/range_from, a deliverable's start)

from pccreport.periods import check_month  # noqa: E402


@pytest.mark.parametrize("text", ["٢٠٢٣-01", "２０２３-01", "2023-01\n", " 2023-01", "2023-1", "2023-13", "1999-12",
                                  "2101-01", "2023-01-01"])
def test_check_month_refuses_other_spellings_and_years(text):
    with pytest.raises(ValueError, match="must be a month written YYYY-MM"):
        check_month(text)


def test_check_month_with_days_refuses_dates_that_do_not_exist():
    assert check_month("2024-02-29", day=True) == "2024-02-29" and check_month("2023-03", day=True) == "2023-03"
    for bad in ("2023-02-29", "2023-04-31", "2023-01-00"):
        with pytest.raises(ValueError, match="is not a date"):
            check_month(bad, day=True)
