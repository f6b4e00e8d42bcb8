"""The one place scorecard sentences are phrased: a template per statement kind, filled from computed results."""

from __future__ import annotations

import math

TEMPLATES = {
    # R12 volume and the discrete month, each year on year.
    "volume": "{name} to {period}: {value} in the last 12 months (R12){comparison}. "
              "{month} alone: {month_value}{month_comparison}.",
    # Partial data: the quarter against the same quarter, where no R12 comparison can be made; a gap named once.
    "quarter_volume": "{name}, the three months to {period}: {value}{comparison}.",
    "quarter_month": "{month} alone: {month_value}{month_comparison}.",
    "csp_intro": "Crimes recorded by the police (total recorded crime excluding fraud, ONS) in the 12 months to {period} "
                 "for each of the force's {n} community safety partnership areas, beside the force and England and Wales.",
    "outcome_intro": "Of the {total} crimes recorded in {quarter}, {rate}% have an outcome with further action taken "
                     "so far; outcomes are as data.police.uk last published them, and later months have had less "
                     "time to reach one.",
    # One sentence wherever both counts are shown; {months} is ' (they also cover different months)' or ''.
    "counts_differ": "ONS's count ({ons} crimes, 12 months to {ons_period}) and the data.police.uk count ({street}, 12 "
                     "months to {street_period}) differ{months}: data.police.uk's street files leave out crimes it "
                     "cannot place on its map and some offences, and show each month's crimes as first recorded, "
                     "while ONS's figures are the revised official statistics.",
    # Named once per report (beside the summary scorecard), not on every measure.
    "data_gap": "Gap in the data: data.police.uk street files for {gap} are missing. Every comparison whose months "
                "exist is still made (the quarter, or the month, against the same one a year before); those that need "
                "the missing months are not, and a measure left with no comparison is not scored.",
    # Outcome rate: R12 and the discrete month, changes in percentage points.
    "outcome_rate": "{name}, R12 to {period}: {value}{comparison}. Discrete rate for {month}: {discrete}{discrete_comparison}.",
    "proportion": "{name}, 12 months to {period}: {value} (±{margin}pts, {low}–{high}, n = {n}), {change} {against}"
                  " — {significance}.",
    "value": "{name} for {period}: {value}{target}{comparison}.",
    # Rate per 1,000, national rank (1 = lowest) and the most similar group's weighted rate.
    "rate": "{name}, 12 months to {period}: {rate} per 1,000 population ({basis}), {rank} forces nationally "
            "(1 = lowest rate){left_out}; most similar group {peer}.",
    # Mean and median against a service level.
    "duration": "{name} for {period}: average {mean} {mean_sla}; median {median} {median_sla}{note}.",
    "range": "{name} has previously ranged from {low} to {high} ({first} to {last}). {period} is {value}, {position}.",
    "national": "{name}, {period}: {value}. Nationally {national}. {movement}{judgement}.",
    "xmr": "{period} ({value}) shows {verdict}{signal}{assurance}.",
    # Seasonal measures: the same calendar month of earlier years, and a signal the season explains.
    "same_months": "Seasonal measure: {period} ({value}) against the same month of earlier years ({earlier}): "
                   "{position}.",
    "seasonal_signal": "{month} is usually {side} for this measure (seasonal index {index:.2f}, from {years} earlier "
                       "years); adjusted for the season {period} is {adjusted}, inside the process limits, so this is "
                       "a seasonal {side} and not a concern on its own.",
    "benchmarks": "Benchmarks shared by other forces for {name}: {benchmarks} (not all forces share figures, and "
                  "surveys differ between forces).",
    "seasonal_points": "{months} {verb} flagged on the control chart only as the time of year usually is: adjusted "
                       "for the season, each is inside the process limits: a seasonal high or low, not a concern "
                       "on its own.",
    # A published survey estimate (CSEW): as published, with its 95% interval and the comparator's.
    "survey_estimate": "{name}, rolling year to {period}: {value} (±{margin}pts, {low}–{high}); {area} {national}"
                       "{national_margin}{difference}. {previous}{year}.",
    "no_chart": "{name}: {reason}.",
    "missing": "{name}: {reason}.",
    # Crime volume and comparison section: the force's rate against England and Wales and its peer group.
    "comparison_rate": "{force} recorded {count} crimes ({what}) in the 12 months to {period}: {rate} per 1,000 "
                       "residents ({basis}), {rank}.",
    "comparison_national": "That is {diff}% {side} the England and Wales rate of {national} per 1,000.",
    "comparison_peer": "The peer-group average is {peer} per 1,000 ({peers}; their offences added together per 1,000 of their combined population), so {force} "
                       "is {side} its peers.",
    "comparison_r12": "{current} crimes were recorded in the 12 months to {period}, {change}.",
    "trend_too_short": "{what} is not charted over time: {have}, and a trend chart needs at least {need} points.",
    "comparison_r12_missing": "No rolling 12-month total to {period}: {reason}.",
    "comparison_no_peer": "No peer group is listed for {force} (in the force register or the plan), so no peer average "
                          "is shown.",
}


def render(kind: str, **fields: object) -> str:
    """Fill the template for ``kind``; a field left as None or NaN is an error, never a 'nan' in a sentence."""
    for key, val in fields.items():
        if val is None or (isinstance(val, float) and math.isnan(val)):
            raise ValueError(f"statement '{kind}' is missing '{key}'")
    if kind not in TEMPLATES:
        raise ValueError(f"no statement template '{kind}'; the kinds are {sorted(TEMPLATES)}")
    try:
        return TEMPLATES[kind].format(**fields)
    except KeyError as exc:
        raise ValueError(f"statement '{kind}' needs field {exc}") from exc


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
    if unit.startswith("per 1,000"):
        return f"{x:.2f}"  # as ONS and the seed print rates: 58.61
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
    if direction == "none":  # a measure with no good direction is never called better or worse
        return None
    return (change > 0) == (direction == "up")


def change_in(change: float | None, unit: str, note: str = "") -> str:
    """A change in the metric's own unit: 'up 15 days', 'down 2 percentage points', 'no change'."""
    if change is None:
        return note or "no comparison available"
    if round(change, 1) == 0:
        return "no change"
    size = abs(change)
    if unit == "percent":
        amount = f"{size:.1f} percentage points" if size != round(size) else f"{size:.0f} percentage points"
    elif unit == "seconds":
        amount = fmt_duration(size)
    elif unit == "days":
        amount = f"{size:,.0f} days"
    else:
        amount = fmt_count(size)
    return f"{'up' if change > 0 else 'down'} {amount}"


def sla_phrase(breaches: bool | None, service_level: float | None) -> str:
    """'breaching the service level of 1:00:00' / 'within the service level of 1:00:00' / ''."""
    if breaches is None or service_level is None:
        return ""
    return f"{'breaching' if breaches else 'within'} the service level of {fmt_duration(service_level)}"


def significance_phrase(diff_pp: float, margin_pp: float, significant: bool, p_value: float | None) -> str:
    """The seed's plain verdict on a survey change ('greater than the ±5.0pt margin of error (95% CI)'), led by the test.

    The two-proportion z-test decides; the margin of error is quoted beside it. Where the two disagree (a change
    near the margin) the sentence says the change is close to the margin and reports only what the test found.
    """
    # A p-value that rounds to zero is reported as a bound, never as "p = 0.000".
    shown = "" if p_value is None else (", p < 0.001" if p_value < 0.0005 else f", p = {p_value:.3f}")
    test = "two-proportion z-test" + shown
    beyond = abs(diff_pp) > margin_pp
    if significant and beyond:
        return f"greater than the ±{margin_pp:.1f}pt margin of error (95% CI): a significant change ({test})"
    if not significant and not beyond:
        return f"within the ±{margin_pp:.1f}pt margin of error (95% CI): not a significant change ({test})"
    found = "a significant change" if significant else "no significant change"
    return f"close to the ±{margin_pp:.1f}pt margin of error (95% CI); the {test.split(',')[0]} finds {found} ({test})"


def comparison(change: float | None, note: str, direction: str | None, against: str, unit: str = "%") -> str:
    """', up 6.1% year on year, a deterioration' — or '; no comparison year on year (why)' when there is no change.

    ``unit`` is '%' for a percentage change or 'pts' for percentage points; ``direction`` None leaves out good/bad.
    """
    if change is None:
        missing = "no year-on-year comparison" if against == "year on year" else \
            "no comparison " + ("with " + against[3:] if against.startswith("on ") else against)
        return f"; {missing} ({note or 'no earlier figure'})"
    text = change_pct(change) if unit == "%" else change_pp(change)
    return f", {text} {against}" + ("" if direction is None else judgement(change, direction))
