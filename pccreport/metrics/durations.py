"""Skewed durations (response times): mean and median against a service level.

Method: the arithmetic mean and the median (50th percentile) of the durations; a right-skewed distribution (a few
very long logs) pulls the mean above the median, so both are shown and a breach of the service level is judged for
each. The median is the figure to read when outliers skew the mean (seed report glossary).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DurationCheck:
    """Mean and median (seconds) against a service level (seconds), with which of them breach it."""

    mean: float
    median: float | None
    service_level: float | None
    mean_breaches: bool | None
    median_breaches: bool | None

    @property
    def skew_note(self) -> str:
        """Why the two can disagree, when they do: the mean breaches and the median does not."""
        if self.mean_breaches and self.median_breaches is False:
            return "the mean breaches the service level but the median does not, so a few long cases are skewing the mean"
        return ""


def check(mean: float, median: float | None, service_level: float | None) -> DurationCheck:
    """Compare an already-computed mean and median (e.g. from a force KPI file) with a service level."""
    if mean is None or np.isnan(mean):
        raise ValueError("a duration check needs a mean")
    breach = (lambda x: None if service_level is None or x is None else bool(x > service_level))
    return DurationCheck(float(mean), None if median is None else float(median), service_level,
                         breach(mean), breach(median))


def from_durations(durations: np.ndarray | list[float], service_level: float | None) -> DurationCheck:
    """Mean and median of individual durations (seconds; missing values dropped) against a service level."""
    x = np.asarray(durations, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        raise ValueError("no durations to summarise (all missing or none given)")
    return check(float(x.mean()), float(np.median(x)), service_level)
