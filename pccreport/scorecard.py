"""Compute every metric of a plan for a quarter: value, comparison, control-chart verdict and statement."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import statements as st
from .data import ReportData
from .metrics import rolling, survey
from .periods import Quarter, month_label
from .plan import Metric, Plan
from .spc import XmrResult, XmrSettings, xmr

MIN_XMR_POINTS = 15
CSV_COLUMNS = ["priority", "scorecard", "metric_id", "metric", "area", "period", "value", "unit", "comparison",
               "change", "change_unit", "good", "verdict", "statement"]


@dataclass
class MetricResult:
    """Everything the report says about one metric for one quarter."""

    metric: Metric
    priority: int
    scorecard: str
    period: str
    value: float | None
    unit: str
    comparison: str = ""
    change: float | None = None
    change_unit: str = ""
    good: bool | None = None
    verdict: str = ""
    statements: list[str] = field(default_factory=list)
    series: pd.Series | None = None
    chart: XmrResult | None = None
    supplied: bool = True

    def row(self) -> dict:
        """The machine-readable row written to scorecard.csv."""
        return {
            "priority": self.priority, "scorecard": self.scorecard, "metric_id": self.metric.id,
            "metric": self.metric.name, "area": self.metric.area, "period": self.period, "value": self.value,
            "unit": self.unit, "comparison": self.comparison, "change": self.change, "change_unit": self.change_unit,
            "good": self.good, "verdict": self.verdict, "statement": " ".join(self.statements),
        }


def compute_plan(plan: Plan, data: ReportData, quarter: Quarter, settings: XmrSettings = XmrSettings()) -> list[MetricResult]:
    """Every metric of the plan, in plan order."""
    out = []
    for p in plan.priorities:
        for sc in p.scorecards:
            for m in sc.metrics:
                out.append(compute_metric(m, p.id, sc.title, plan, data, quarter, settings))
    return out


def scorecard_frame(results: list[MetricResult]) -> pd.DataFrame:
    """The scorecard as a DataFrame with the CSV columns."""
    return pd.DataFrame([r.row() for r in results], columns=CSV_COLUMNS)


def compute_metric(m: Metric, priority: int, scorecard: str, plan: Plan, data: ReportData, quarter: Quarter,
                   settings: XmrSettings = XmrSettings()) -> MetricResult:
    """One metric's result; missing data gives a 'data not supplied' result, never an exception or NaN."""
    end = quarter.end_month
    base = MetricResult(m, priority, scorecard, month_label(end), None, m.unit)
    try:
        if m.measure == "volume":
            return _volume(base, data.crime_counts(m.crime_types), end, settings)
        if m.measure == "outcome_rate":
            return _outcome_rate(base, data, plan, end, settings)
        df = data.kpi(m.kpi, m.area)
        df = df[df.index <= end]
        if df.empty:
            raise LookupError(f"no '{m.kpi}' rows for area '{m.area}' up to {month_label(end)} in the force KPI CSVs")
        if m.measure == "proportion":
            return _proportion(base, df, end, settings)
        return _value(base, df, end, settings)
    except LookupError as exc:
        base.supplied = False
        base.verdict = "data not supplied"
        base.statements = [st.render("missing", name=m.name, reason=f"data not supplied ({exc})")]
        return base


def _upto(series: pd.Series, end: pd.Period) -> pd.Series:
    return series[series.index <= end]


def _chart(base: MetricResult, series: pd.Series, end: pd.Period, settings: XmrSettings, fmt) -> None:
    s = series.dropna()
    m = base.metric
    base.series = series
    if m.chart != "xmr":
        return
    if len(s) < MIN_XMR_POINTS:
        base.statements.append(f"Too few months for a control chart ({len(s)} of {MIN_XMR_POINTS} needed).")
        return
    res = xmr(s, settings)
    base.chart = res
    if s.index[-1] != end:
        base.statements.append(f"No figure for {month_label(end)}, so no control-chart verdict.")
        return
    base.verdict = res.verdict(-1, m.direction)
    assurance = res.assurance(m.target, m.direction)
    base.statements.append(st.render("xmr", period=month_label(end), value=fmt(float(s.iloc[-1])), verdict=base.verdict + " variation"
                                     if base.verdict == "common cause" else base.verdict,
                                     assurance=f"; the target of {fmt(m.target)} is {assurance}" if assurance else ""))


def _volume(base: MetricResult, series: pd.Series, end: pd.Period, settings: XmrSettings) -> MetricResult:
    m = base.metric
    series = _upto(series, end)
    if series.empty:
        raise LookupError(f"no data.police.uk months up to {month_label(end)}")
    ch = rolling.r12_yoy(series, end)
    base.value, base.unit = ch.current, f"{m.unit} (R12)"
    base.change, base.change_unit = ch.change, "%"
    base.comparison = "R12 to same month last year" if ch.previous is not None else ""
    base.good = st.is_good(ch.change, m.direction)
    if ch.current is None:
        base.statements.append(st.render("missing", name=m.name, reason=ch.note))
    else:
        base.statements.append(st.render("volume", name=m.name, period=month_label(end), value=st.fmt_count(ch.current),
                                          change=st.change_pct(ch.change, ch.note), judgement=st.judgement(ch.change, m.direction)))
    _chart(base, series, end, settings, st.fmt_count)
    return base


def _outcome_rate(base: MetricResult, data: ReportData, plan: Plan, end: pd.Period, settings: XmrSettings) -> MetricResult:
    m = base.metric
    pos = _upto(data.positive_counts(m.crime_types, plan.positive_outcomes), end)
    tot = _upto(data.crime_counts(m.crime_types), end)
    cur, note = rolling.r12_ratio(pos, tot, end)
    prev, _ = rolling.r12_ratio(pos, tot, end - 12)
    base.unit = "percent"
    if cur is None:
        base.statements.append(st.render("missing", name=m.name, reason=note))
    else:
        base.value = cur * 100
        base.change = None if prev is None else (cur - prev) * 100
        base.change_unit = "pts"
        base.comparison = "R12 to same month last year" if prev is not None else ""
        base.good = st.is_good(base.change, m.direction)
        t, p = tot.get(end), pos.get(end)
        discrete = "not available" if t is None or pd.isna(t) or t == 0 else f"{p / t * 100:.1f}%"
        base.statements.append(st.render("outcome_rate", name=m.name, period=month_label(end), value=f"{base.value:.1f}%",
                                         change=st.change_pp(base.change, "no comparison for the year before"),
                                         judgement=st.judgement(base.change, m.direction), month=month_label(end),
                                         discrete=discrete))
    monthly_rate = (pos / tot.where(tot > 0)) * 100
    _chart(base, monthly_rate, end, settings, lambda x: f"{x:.1f}%")
    return base


def _proportion(base: MetricResult, df: pd.DataFrame, end: pd.Period, settings: XmrSettings) -> MetricResult:
    m = base.metric
    num, den = df["numerator"].astype(float), df["denominator"].astype(float)
    if num.isna().all():
        raise LookupError(f"'{m.kpi}' has no numerator/denominator rows, which a survey proportion needs")
    k, n_note = rolling.r12_total(num, end)
    n, _ = rolling.r12_total(den, end)
    base.unit = "percent"
    if k is None or n is None or n == 0:
        base.statements.append(st.render("missing", name=m.name, reason=n_note or "no respondents in the 12 months"))
    else:
        cur = survey.wilson(int(k), int(n))
        base.value = cur.p * 100
        k0, _ = rolling.r12_total(num, end - 12)
        n0, _ = rolling.r12_total(den, end - 12)
        if k0 is not None and n0:
            cmp = survey.compare(int(k), int(n), int(k0), int(n0))
            base.change, base.change_unit = cmp.diff_pp, "pts"
            base.comparison = "12 months to same month last year"
            sig = ("a significant change (two-proportion z-test, p < 0.05)" if cmp.significant
                   else "not a significant change (two-proportion z-test)")
            base.good = st.is_good(cmp.diff_pp, m.direction) if cmp.significant else None
        else:
            sig = "no survey a year earlier to compare with"
        base.statements.append(st.render("proportion", name=m.name, period=month_label(end), value=f"{base.value:.1f}%",
                                         margin=f"{cur.margin * 100:.1f}", n=st.fmt_count(n),
                                         change=st.change_pp(base.change, "no change known"), significance=sig))
    _chart(base, (num / den.where(den > 0)) * 100, end, settings, lambda x: f"{x:.1f}%")
    return base


def _value(base: MetricResult, df: pd.DataFrame, end: pd.Period, settings: XmrSettings) -> MetricResult:
    m = base.metric
    series = df["value"].astype(float)
    unit = str(df["unit"].iloc[-1])
    base.unit = unit
    latest = series.get(end)
    if latest is None or pd.isna(latest):
        base.statements.append(st.render("missing", name=m.name, reason=f"no figure for {month_label(end)}"))
    else:
        base.value = float(latest)
        ch = rolling.month_yoy(rolling.monthly(series), end)
        base.change, base.change_unit = ch.change, "%"
        base.comparison = "same month last year" if ch.previous is not None else ""
        base.good = st.is_good(ch.change, m.direction)
        target = ""
        if m.target is not None:
            meets = base.value >= m.target if m.direction == "up" else base.value <= m.target
            target = f" ({'within' if meets else 'breaching'} the target of {st.fmt_value(m.target, unit)})"
        base.statements.append(st.render("value", name=m.name, period=month_label(end), value=st.fmt_value(base.value, unit),
                                         target=target, change=st.change_pct(ch.change, ch.note),
                                         judgement=st.judgement(ch.change, m.direction)))
    _chart(base, rolling.monthly(series), end, settings, lambda x: st.fmt_value(x, unit))
    return base
