"""A measure's result as an analyst sees it: the chart's data as a tidy frame, a one-line repr, a short HTML view."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

# ``r`` below is a scorecard.MetricResult, typed Any because scorecard imports this module (no import cycle).
MetricResult = Any


def metric_frame(r: MetricResult) -> pd.DataFrame:
    """A chart's data: value per month and, with a control chart, its mean, limits, bands and the signal per point."""
    if r.chart is not None:
        c = r.chart
        df = pd.DataFrame({"value": c.values, "mean": c.mean, "lower": c.lower, "upper": c.upper,
                           "lower_band": c.lower_band, "upper_band": c.upper_band})
        sig = [c.point_signal(i) for i in range(len(df))]
        df["signal"] = [s.rule if s else "" for s in sig]
        df["side"] = [s.side if s else "" for s in sig]
    elif r.series is not None:
        df = pd.DataFrame({"value": r.series})
    else:
        return pd.DataFrame({"value": pd.Series(dtype=float)})
    if not isinstance(df.index, pd.PeriodIndex):
        df.index = pd.PeriodIndex(df.index, freq="M")
    df.index.name = "month"
    return df


def result_repr(r: MetricResult) -> str:
    """A one-line summary of a measure's result."""
    value = "not supplied" if r.value is None else (
        f"{r.value:,.0f} {r.unit}" if abs(r.value) >= 100 else f"{r.value:,.3g} {r.unit}")
    return f"<MetricResult {r.metric.id} (priority {r.priority}) {r.period}: {value}; {r.verdict or 'no chart'}>"


def result_html(r: MetricResult) -> str:
    """A measure in a notebook: summary line, its statements, and the last months of its chart data."""
    stmts = "".join(f"<li>{html.escape(s)}</li>" for s in r.statements)
    tail = metric_frame(r).tail(6).to_html(na_rep="—", float_format=lambda v: f"{v:,.2f}")
    return f"<p><code>{html.escape(result_repr(r))}</code></p><ul>{stmts}</ul>{tail}"
