"""Reporting periods: a quarter label such as ``2023-Q1`` and the months it covers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ParameterError

if TYPE_CHECKING:  # pandas is imported only where a Period is made: the batch's selection uses month keys alone
    import pandas as pd

_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$", re.ASCII)  # ASCII: "\d" alone takes "٢٠٢٣" as a year


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter (Q1 = Jan–Mar); with ``financial=True``, Q1 = Apr–Jun of the financial year starting ``year``."""

    year: int
    q: int
    financial: bool = False

    @classmethod
    def parse(cls, text: str, financial: bool = False) -> "Quarter":
        """Parse ``YYYY-Qn``; raises ParameterError saying what is valid."""
        m = _QUARTER_RE.fullmatch(text) if isinstance(text, str) else None  # fullmatch: "$" alone lets "2023-Q1\n" in
        if not m:
            raise ParameterError(
                f"quarter {text!r} is not valid: expected YYYY-Qn with n in 1-4, e.g. '2023-Q1' "
                "(calendar quarters: Q1 = Jan-Mar)."
            )
        year = int(m.group(1))
        if not 2000 <= year <= 2100:
            raise ParameterError(f"quarter {text!r} is not valid: year must be between 2000 and 2100.")
        return cls(year, int(m.group(2)), financial)

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.q}"

    @property
    def month_keys(self) -> list[str]:
        """The quarter's three months as ``YYYY-MM`` (the form of data.police.uk file names), made without pandas."""
        start = self.year * 12 + 3 * (self.q - 1) + (3 if self.financial else 0)
        return [month_key(start + i) for i in range(3)]

    @property
    def first_month(self) -> pd.Period:
        import pandas as pd

        return pd.Period(self.month_keys[0], "M")

    @property
    def end_month(self) -> pd.Period:
        return self.first_month + 2

    @property
    def months(self) -> list[pd.Period]:
        return [self.first_month + i for i in range(3)]

    def previous(self) -> "Quarter":
        """The quarter before this one (Q1's previous is Q4 of the year before)."""
        return Quarter(self.year - 1, 4, self.financial) if self.q == 1 else Quarter(self.year, self.q - 1, self.financial)

    def describe(self) -> str:
        """Human form, e.g. 'January to March 2023'."""
        a, b = self.first_month, self.end_month
        if a.year == b.year:
            return f"{a.strftime('%B')} to {b.strftime('%B %Y')}"
        return f"{a.strftime('%B %Y')} to {b.strftime('%B %Y')}"


def month_key(index: int) -> str:
    """``YYYY-MM`` of the month ``index`` months after January of year 0 (``year * 12 + month - 1``)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def key_index(key: str) -> int:
    """The month index of a ``YYYY-MM`` key (the inverse of :func:`month_key`)."""
    return int(key[:4]) * 12 + int(key[5:7]) - 1


def key_label(key: str) -> str:
    """Short month label of a ``YYYY-MM`` key, as :func:`month_label` writes it, e.g. 'Mar-23'."""
    return dt.date(int(key[:4]), int(key[5:7]), 1).strftime("%b-%y")


_MONTH_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])(?:-(\d{2}))?", re.ASCII)


def check_month(text: str, day: bool = False) -> str:
    """``text`` if it is a month ``YYYY-MM`` of 2000 to 2100 (with ``day``, also a date ``YYYY-MM-DD`` that exists);
    ValueError saying what is valid otherwise. ASCII digits and the whole text only: a regex's ``\\d`` and ``$``
    alone take "٢٠٢٣-01" and "2023-01\\n", and "2023-02-31" would fail only later, inside pandas."""
    import calendar

    m = _MONTH_RE.fullmatch(text) if isinstance(text, str) else None
    want = "a month written YYYY-MM" + (" or a date YYYY-MM-DD" if day else "") + ", e.g. 2023-03"
    if not m or (m.group(3) and not day):
        raise ValueError(f"must be {want}")
    year, month = int(m.group(1)), int(m.group(2))
    if not 2000 <= year <= 2100:
        raise ValueError(f"must be {want}, in the years 2000 to 2100")
    if m.group(3) and not 1 <= int(m.group(3)) <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"is not a date: {calendar.month_name[month]} {year} has "
                         f"{calendar.monthrange(year, month)[1]} days")
    return text


def month_label(p: pd.Period) -> str:
    """Short month label as the seed report writes it, e.g. 'Mar-23'."""
    return p.strftime("%b-%y")
