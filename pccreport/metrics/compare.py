"""A force value against the national value and the previous quarter, with a direction word and its good/bad reading.

Method: differences, not ratios, as the Criminal Justice System dashboard reports them: value − previous quarter's
value (in the unit; percentage points for percentages), and value − national value.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class ValueComparison:
    """The force value, the national value, the previous quarter's value and the changes."""

    period: pd.Period
    value: float
    national: float | None
    previous: float | None
    change: float | None  # value − previous
    vs_national: float | None  # value − national
    word: str  # 'UP', 'DOWN', 'No change' or '' when there is no previous figure
    good: bool | None  # is the change in the metric's good direction (None if no change)


def _get(series: pd.Series | None, p: pd.Period) -> float | None:
    if series is None:
        return None
    v = series.get(p)
    return None if v is None or pd.isna(v) else float(v)


def compare(force: pd.Series, national: pd.Series | None, end: pd.Period, direction: str, step: int = 3,
            tolerance: float = 0.05) -> ValueComparison:
    """Compare the force's value at ``end`` with the national value and the value ``step`` months (a quarter) before."""
    value = _get(force, end)
    if value is None:
        raise LookupError(f"no force figure for {end.strftime('%b-%y')}")
    nat = _get(national, end)
    prev = _get(force, end - step)
    change = None if prev is None else value - prev
    if change is None:
        word, good = "", None
    elif abs(change) < tolerance:  # below the precision the change is shown at
        word, good = "No change", None
    else:
        word = "UP" if change > 0 else "DOWN"
        good = None if direction == "none" else (change > 0) == (direction == "up")
    return ValueComparison(end, value, nat, prev, change, None if nat is None else value - nat, word, good)
