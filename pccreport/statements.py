"""The one place scorecard sentences are phrased: a template per statement kind, filled from computed results."""

from __future__ import annotations

import math

TEMPLATES = {
    "volume": "{name} to {period}: {value} in the last 12 months, {change} year on year (R12){judgement}.",
    "outcome_rate": "{name}, R12 to {period}: {value}, {change} year on year{judgement}. Discrete rate for {month}: {discrete}.",
    "proportion": "{name}, 12 months to {period}: {value} (±{margin}pts, n = {n}), {change} year on year — {significance}.",
    "value": "{name} for {period}: {value}{target}; {change} on the same month last year{judgement}.",
    "xmr": "{period} ({value}) shows {verdict}{assurance}.",
    "missing": "{name}: {reason}.",
}


def render(kind: str, **fields: object) -> str:
    """Fill the template for ``kind``; a field left as None or NaN is an error, never a 'nan' in a sentence."""
    for key, val in fields.items():
        if val is None or (isinstance(val, float) and math.isnan(val)):
            raise ValueError(f"statement '{kind}' is missing '{key}'")
    return TEMPLATES[kind].format(**fields)


def fmt_count(x: float) -> str:
    """Whole number with thousands separators."""
    return f"{x:,.0f}"


def fmt_value(x: float, unit: str) -> str:
    """A value in its unit: counts with separators, percents to 1 dp, seconds as h:mm:ss or m:ss, days to 0 dp."""
    if unit == "percent":
        return f"{x:.1f}%"
    if unit == "seconds":
        return fmt_duration(x)
    if unit == "days":
        return f"{x:,.0f} days"
    return fmt_count(x)


def fmt_duration(seconds: float) -> str:
    """Durations as the seed writes them: 1:54:53 over an hour, 12:26 under it, '48.0 secs' under a minute."""
    if seconds < 59.95:
        return f"{seconds:.1f} secs"
    total = int(round(seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def change_pct(change: float | None, note: str = "") -> str:
    """'up 6.1%', 'down 0.1%', 'unchanged', or the reason no change is known."""
    if change is None:
        return note or "no comparison available"
    if round(change, 1) == 0:
        return "unchanged"
    return f"{'up' if change > 0 else 'down'} {abs(change):.1f}%"


def change_pp(change: float | None, note: str = "") -> str:
    """'up 1.2pts' / 'down 3.8pts' for a change in percentage points."""
    if change is None:
        return note or "no comparison available"
    if round(change, 1) == 0:
        return "unchanged"
    return f"{'up' if change > 0 else 'down'} {abs(change):.1f}pts"


def judgement(change: float | None, direction: str) -> str:
    """', an improvement' / ', a deterioration' for this metric's good direction; empty if there is no change."""
    if change is None or round(change, 1) == 0:
        return ""
    good = (change > 0) == (direction == "up")
    return ", an improvement" if good else ", a deterioration"


def is_good(change: float | None, direction: str) -> bool | None:
    """True if the change is in the metric's good direction, None if there is none."""
    if change is None or round(change, 1) == 0:
        return None
    return (change > 0) == (direction == "up")
