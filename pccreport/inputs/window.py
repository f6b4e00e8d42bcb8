"""A quarter against the months of data delivered and the plan's years: what refuses it and what its figures lack.

Month keys (``YYYY-MM``) only, no pandas: the batch checks every selected force-quarter with this before it decides
what to build, and an unchanged run should not pay for importing pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..periods import Quarter, key_index, key_label, month_key

if TYPE_CHECKING:
    from .plan import Plan


def needed_months(quarter: Quarter) -> list[str]:
    """Months the quarter's figures use: the 24 to its end (R12 now and a year before, the quarter and a year before)."""
    end = key_index(quarter.month_keys[-1])
    return [month_key(i) for i in range(end - 23, end + 1)]


def data_window(months: set[str], quarter: Quarter, plan: Plan | None) -> tuple[list[str], list[str]]:
    """(problems, warnings) of the quarter against the street files' months and the plan's years.

    A quarter outside the plan's years, or before the first / after the last month of the data, is refused; every
    month the quarter's figures need that is missing inside the data's range is a warning (the report names the gap).
    """
    problems, warnings = [], []
    own = quarter.month_keys
    if plan is not None and plan.covers(int(own[0][:4])) is False:
        problems.append(f"{quarter.label} is outside the plan's years {plan.start_year}-{plan.end_year}: choose a "
                        "quarter in those years, or update start_year/end_year in the plan")
    if not months:
        return problems, warnings
    first, last = min(months), max(months)
    if own[-1] > last or own[0] < first:
        problems.append(f"{quarter.label} is outside the data: the data.police.uk street files run from {first} to "
                        f"{last}; add the quarter's monthly files or choose a quarter in that range")
        return problems, warnings
    gone = [m for m in needed_months(quarter) if m >= first and m not in months]
    in_quarter = [key_label(m) for m in gone if m in own]
    before = [key_label(m) for m in gone if m not in own]
    if in_quarter:
        warnings.append(f"missing month(s) of the quarter itself: {', '.join(in_quarter)}; the quarter's own figures "
                        "are incomplete: add those street files before publishing")
    if before:
        warnings.append(f"missing month(s) the comparisons need: {', '.join(before)}; comparisons using them are not "
                        "made and the report names the gap")
    return problems, warnings
