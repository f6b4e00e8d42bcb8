"""The analyst's view of a report context in JupyterLab: tidy frames, short reprs, warnings, changed targets."""

from __future__ import annotations

import copy
import html
import warnings
from typing import Any

import pandas as pd

from . import rag
from .result_view import metric_frame, result_html, result_repr  # noqa: F401 - re-exported for analysts
from .scorecard import MetricResult

# ``ctx`` below is a notebook.ReportContext, typed Any because notebook imports this module (no import cycle).
ReportContext = Any


class ContextWarning(UserWarning):
    """Something an analyst should know about a loaded context: quarter outside the data, narrative missing."""


def scorecard_table(ctx: ReportContext) -> pd.DataFrame:
    """One row per measure: value, change, control-chart verdict and RAG status, with ``month`` as a monthly Period."""
    rows = []
    for r in ctx.results:
        status = rag.score(r)
        month = _last_month(r, ctx.quarter.end_month)
        rows.append({"priority": r.priority, "scorecard": r.scorecard, "metric_id": r.metric.id,
                     "metric": r.metric.name, "month": month, "value": r.value, "unit": r.unit,
                     "target": r.metric.target, "change": r.change, "change_unit": r.change_unit,
                     "verdict": r.verdict, "rag": status.status, "rag_reason": status.reason,
                     "supplied": r.supplied})
    df = pd.DataFrame(rows)
    if not df.empty:
        df["month"] = pd.PeriodIndex(df["month"], freq="M")
    return df.set_index("metric_id") if not df.empty else df


def _last_month(r: MetricResult, end: pd.Period) -> pd.Period:
    """The month the measure's latest value is for: the series' last month up to the quarter's end, else that end."""
    if r.series is not None and len(r.series):
        idx = pd.PeriodIndex(r.series.index, freq="M") if not isinstance(r.series.index, pd.PeriodIndex) \
            else r.series.index
        upto = idx[idx <= end]
        if len(upto):
            return upto.max()
    return end


def with_targets(ctx: ReportContext, targets: dict[str, float | None]) -> ReportContext:
    """A copy of ``ctx`` with metric targets replaced and every result recomputed (the plan file is not touched)."""
    plan = ctx.plan.model_copy(deep=True)
    known = {m.id: m for m in plan.metrics()}
    unknown = sorted(set(targets) - set(known))
    if unknown:
        raise KeyError(f"no metric {unknown} in the plan; its metric ids are {sorted(known)}")
    for mid, value in targets.items():
        known[mid].target = value
    changed = copy.copy(ctx)
    changed.plan = plan  # its results are recomputed from this plan when first read (ReportContext.results)
    return changed


def context_warnings(ctx: ReportContext) -> list[str]:
    """What the analyst should know before trusting the context: quarter outside the data, narrative missing."""
    out = []
    months = ctx.data.street_months
    if months is not None and len(months):
        first, last = months.min(), months.max()
        q = ctx.quarter
        if q.end_month > last or q.first_month < first:
            out.append(f"{q.label} is outside the data.police.uk data for {ctx.force.name} ({first.strftime('%b-%y')} "
                       f"to {last.strftime('%b-%y')}): its measures will say 'data not supplied' or use older months")
    if not ctx.narrative.supplied:
        out.append(f"no narrative for {ctx.quarter.label}: write params/{ctx.force.slug}/{ctx.quarter.label}.yaml, "
                   "or the report shows 'narrative not supplied' in each section")
    return out


def warn_about(ctx: ReportContext) -> None:
    """Show :func:`context_warnings` as Python warnings (visible in a notebook; kept out of the exported report)."""
    for w in context_warnings(ctx):
        warnings.warn(w, ContextWarning, stacklevel=3)


def context_repr(ctx: ReportContext) -> str:
    """A one-line summary of a context instead of its whole contents."""
    n_sup = sum(r.supplied for r in ctx.results)
    return (f"<ReportContext {ctx.force.slug} {ctx.quarter.label}: {len(ctx.plan.priorities)} priorities, "
            f"{len(ctx.results)} measures ({n_sup} supplied), narrative "
            f"{'supplied' if ctx.narrative.supplied else 'not supplied'}>")


def context_html(ctx: ReportContext) -> str:
    """The context in a notebook: its summary line and the scorecard table."""
    table = scorecard_table(ctx)
    cols = ["priority", "metric", "month", "value", "unit", "target", "verdict", "rag"]
    body = table[cols].to_html(na_rep="—", float_format=lambda v: f"{v:,.2f}") if not table.empty else ""
    return f"<p><code>{html.escape(context_repr(ctx))}</code></p>{body}"
