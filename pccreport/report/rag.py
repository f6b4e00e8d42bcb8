"""Rating of each scorecard measure from evidence: control-chart signals, target assurance and significant change.

The rule (printed under the scorecard from ``RULE``; explained with its assumptions in docs/methods.md):

1. **Not scored: data not supplied** (grey) when the measure has no latest value; **Not scored: gap in the data**
   when months missing inside the data's span leave it without one.
2. **With a target** (or a service level), the Making Data Count assurance icon decides, from the process limits
   of the measure's control chart: Green if the target is consistently met (every value the process can produce
   meets it), Red if it is consistently not met, Amber if hit and miss. Without a chart, the latest value is scored
   against the target: Green if met, Amber if missed by no more than ``TOLERANCE`` (10%) of it, Red otherwise.
3. **Without a target**, a measure whose catalogue direction is ``none`` (reporting-sensitive or proactive work,
   where a rise is not simply bad) is shown but **Not rated**.
4. Otherwise, in order: a special-cause signal this month on the control chart (Red if concerning, Green if
   improving); else a statistically significant change over 12 months (or the survey period; where a gap in the
   data leaves no complete 12 months, the quarter against the same quarter a year before) — the exact
   conditional test for two Poisson counts (volumes) or the two-proportion z-test (rates and surveys), at the 5%
   level — Green if in the good direction, Red if not; else **No change** when there is a chart or a test to go
   on. One month's change on the same month a year earlier never sets the rating.
5. **Not scored: no comparison** (grey) when there is neither a control chart nor a test to judge by.
"""

from __future__ import annotations

from dataclasses import dataclass

TOLERANCE = 0.10
CONCERNING = "special cause — concerning"
IMPROVING = "special cause — improving"
STATUSES = ("green", "amber", "red", "nochange", "unrated", "grey")

RULE = (
    "How measures are rated: where the plan sets a target or service level, green = the control chart's limits show "
    "the target is consistently met, red = consistently not met, amber = hit and miss (without a chart: green = met, "
    "amber = missed by up to 10%, red = missed by more). Without a target: red or green for an unusual (special "
    "cause) month on the control chart, or for a statistically significant change over 12 months (or, where a gap "
    "in the data leaves no complete 12 months, over the quarter on the same quarter a year before; exact test for "
    "two counts; two-proportion test for rates and surveys; 5% level), bad or good; otherwise no change. A single "
    "month's change on a year earlier never sets a rating. Measures where a rise is not simply good or bad "
    "(reporting-sensitive or proactive work) are shown but not rated. Grey = not scored (no data, or nothing to "
    "compare with)."
)

# A priority's score (the published scorecard the pledge asks for): each rated measure earns points for its rating,
# and the score is the share of the points its rated measures could earn. "No change" sits where "hit and miss" does:
# neither better nor worse. Not rated and not scored measures are left out, not counted as zero.
POINTS = {"green": 2, "amber": 1, "nochange": 1, "red": 0}

LABELS = {"green": "Green", "amber": "Amber", "red": "Red", "nochange": "No change", "unrated": "Not rated",
          "grey": "Not scored"}


@dataclass(frozen=True)
class Rag:
    """A rating and the reason it was given."""

    status: str  # one of STATUSES
    basis: str  # "target" | "signal" | "change" | "evidence" | "none"
    reason: str

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def shown(self) -> str:
        """The label as the report and scorecard.csv print it: grey says why ('Not scored: no comparison')."""
        if self.status != "grey":
            return self.label
        why = self.reason.split(" (", 1)[0]  # 'gap in the data (May-24 to Dec-24 missing)' -> 'gap in the data'
        return f"{self.label}: {why}"


def score_target(value: float, target: float, direction: str, tolerance: float = TOLERANCE) -> Rag:
    """Score a value against a target; ``direction`` 'down' means lower is better (the target is a ceiling)."""
    met = value <= target if direction == "down" else value >= target
    if met:
        return Rag("green", "target", "target met")
    miss = abs(value - target) / abs(target) if target else float("inf")
    if miss <= tolerance:
        return Rag("amber", "target", f"target missed by {miss * 100:.0f}% (within {tolerance * 100:.0f}%)")
    return Rag("red", "target", f"target missed by {miss * 100:.0f}%")


def score_assurance(assurance: str) -> Rag:
    """Score a Making Data Count assurance verdict ('consistently met', 'consistently not met', 'hit and miss')."""
    status = {"consistently met": "green", "consistently not met": "red", "hit and miss": "amber"}[assurance]
    return Rag(status, "target", f"target {assurance} by the process")


def score_evidence(verdict: str, significant: bool | None, good: bool | None, has_chart: bool, test: str = "",
                   period: str = "over 12 months") -> Rag:
    """Score a measure without a target from its chart verdict and its significance test (None when untested)."""
    if verdict == CONCERNING:
        return Rag("red", "signal", "unusual month on the control chart, in the bad direction")
    if verdict == IMPROVING:
        return Rag("green", "signal", "unusual month on the control chart, in the good direction")
    if significant and good is not None:
        what = "better" if good else "worse"
        return Rag("green" if good else "red", "change", f"significantly {what} {period} ({test})")
    if has_chart or significant is not None:
        return Rag("nochange", "evidence", "no signal on the control chart and no significant change")
    return Rag("grey", "none", "no comparison")


def score(result) -> Rag:
    """The rating of one MetricResult (fields read defensively so new scorecard fields do not break it)."""
    value = getattr(result, "value", None)
    if value is None and getattr(result, "gap", ""):
        return Rag("grey", "none", f"gap in the data ({result.gap} missing)")
    if value is None or not getattr(result, "supplied", True):
        return Rag("grey", "none", "data not supplied")
    metric = result.metric
    direction = getattr(metric, "direction", "up")
    target = getattr(metric, "target", None)
    if target is None and getattr(metric, "measure", "") == "duration":
        target = getattr(metric, "service_level", None)  # a service level is the duration's target
        direction = "down"
    unit = str(getattr(result, "unit", ""))
    chart = getattr(result, "chart", None)
    # Targets are set on the measure's own latest value; an R12 volume is not comparable with a monthly target.
    if target is not None and not unit.endswith("(R12)"):
        if chart is not None and getattr(result, "verdict", ""):
            return score_assurance(chart.assurance(float(target), direction))
        return score_target(float(value), float(target), direction)
    if direction == "none":
        return Rag("unrated", "none", "shown, not rated: a rise or fall is not simply good or bad")
    g = score_evidence(getattr(result, "verdict", "") or "", getattr(result, "significant", None),
                       getattr(result, "good", None), chart is not None and bool(getattr(result, "verdict", "")),
                       getattr(result, "test", ""), getattr(result, "test_period", "over 12 months"))
    if g.status == "grey" and getattr(result, "change", None) is not None:
        # Partial data may leave only one month against the same month a year before: shown, never a rating.
        return Rag("grey", "none", "no comparison (one period's change on a year before is shown but is not "
                                   "evidence for a rating)")
    return g


def priority_score(statuses: list[str]) -> tuple[float | None, int]:
    """A priority's score, 0–100: the points its rated measures earn (``POINTS``) as a share of the most they could
    earn, and how many measures were rated; None when none was."""
    rated = [POINTS[s] for s in statuses if s in POINTS]
    if not rated:
        return None, 0
    return 100 * sum(rated) / (2 * len(rated)), len(rated)
