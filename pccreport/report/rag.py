"""RAG (red/amber/green) status of each scorecard metric, scored against its target or its direction of travel.

The scoring rule (printed in the report under the summary scorecard, from ``RULE``):

1. **Not scored** (grey) when the metric has no latest value (data not supplied).
2. **With a target** in the plan, the latest value is scored against it, direction-aware (a target is a ceiling
   for "down" metrics and a floor for "up" metrics):
   Green if the target is met; Amber if it is missed by no more than ``TOLERANCE`` (10%) of the target;
   Red if it is missed by more.
3. **Without a target**, the change (year on year) is scored against the metric's good direction:
   Green if the change is in the good direction and the latest month is not a concerning special cause;
   Red if the change is in the bad direction by at least ``MATERIAL_PCT`` (5%) or ``MATERIAL_PTS`` (2 percentage
   points), or the latest month is a concerning special cause on the control chart;
   Amber otherwise (a small change in the bad direction, no change, or a change that is not statistically
   significant, e.g. a survey difference that fails the two-proportion test).
"""

from __future__ import annotations

from dataclasses import dataclass

TOLERANCE = 0.10
MATERIAL_PCT = 5.0
MATERIAL_PTS = 2.0
CONCERNING = "special cause — concerning"

RULE = (
    "RAG status: where the plan sets a target, green = target met, amber = missed by up to 10% of the target, "
    "red = missed by more. Where there is no target, the year-on-year change is scored against the measure's good "
    "direction: green = better (and the latest month is not a concerning control-chart signal), red = worse by 5% "
    "or more (2 percentage points for rates) or a concerning control-chart signal, amber = a smaller worsening, no "
    "change, or a change that is not statistically significant. Grey = not scored (data not supplied)."
)


@dataclass(frozen=True)
class Rag:
    """A RAG status and the reason it was given."""

    status: str  # "green" | "amber" | "red" | "grey"
    basis: str  # "target" | "direction" | "none"
    reason: str

    @property
    def label(self) -> str:
        return {"green": "Green", "amber": "Amber", "red": "Red", "grey": "Not scored"}[self.status]


def score_target(value: float, target: float, direction: str, tolerance: float = TOLERANCE) -> Rag:
    """Score a value against a target; ``direction`` 'down' means lower is better (the target is a ceiling)."""
    met = value <= target if direction == "down" else value >= target
    if met:
        return Rag("green", "target", "target met")
    miss = abs(value - target) / abs(target) if target else float("inf")
    if miss <= tolerance:
        return Rag("amber", "target", f"target missed by {miss * 100:.0f}% (within {tolerance * 100:.0f}%)")
    return Rag("red", "target", f"target missed by {miss * 100:.0f}%")


def score_direction(change: float | None, change_unit: str, good: bool | None, verdict: str) -> Rag:
    """Score a year-on-year change against the metric's good direction (``good`` from the scorecard)."""
    concerning = verdict == CONCERNING
    if concerning:
        return Rag("red", "direction", "latest month is a concerning special cause")
    if good is True:
        return Rag("green", "direction", "better than a year earlier")
    if good is False and change is not None:
        material = MATERIAL_PTS if change_unit == "pts" else MATERIAL_PCT
        if abs(change) >= material:
            return Rag("red", "direction", "materially worse than a year earlier")
        return Rag("amber", "direction", "slightly worse than a year earlier")
    return Rag("amber", "direction", "no clear change from a year earlier")


def score(result) -> Rag:
    """The RAG status of one MetricResult (fields read defensively so new scorecard fields do not break it)."""
    value = getattr(result, "value", None)
    if value is None or not getattr(result, "supplied", True):
        return Rag("grey", "none", "data not supplied")
    metric = result.metric
    target = getattr(metric, "target", None)
    unit = str(getattr(result, "unit", ""))
    # Targets are set on the measure's own latest value; an R12 volume is not comparable with a monthly target.
    if target is not None and not unit.endswith("(R12)"):
        return score_target(float(value), float(target), getattr(metric, "direction", "up"))
    return score_direction(getattr(result, "change", None), getattr(result, "change_unit", ""),
                           getattr(result, "good", None), getattr(result, "verdict", "") or "")
