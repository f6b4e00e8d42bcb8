"""Compute every metric of a plan for a quarter: value, comparison, control-chart verdict and statement.

Every number comes from a method in ``pccreport.metrics`` or ``pccreport.metrics.spc``; every sentence from a template in
``pccreport.report.statements``. A metric whose data is missing, whose denominator is zero or whose series is too short for
a control chart gets a named outcome in words, never an exception or a NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..ingest.processed import ReportData
from ..inputs.plan import Metric, Plan, SpcSettings
from ..metrics import compare as cmp_
from ..metrics import durations, outcomes, poisson, ranges, rates, rolling, seasonal, survey
from ..metrics.spc import XmrResult, XmrSettings, chart_unavailable, consecutive_tail, signal_phrase, xmr
from ..periods import Quarter, month_label
from . import statements as st
from .steps import step_phrases

MIN_XMR_POINTS = XmrSettings().min_points
CSV_COLUMNS = ["priority", "scorecard", "metric_id", "metric", "area", "period", "value", "unit", "comparison",
               "change", "change_unit", "good", "verdict", "statement", "significant", "test", "rating",
               "previous_rating"]
NATIONAL_NOT_SUPPLIED = "national figures not supplied"
GAP_VERDICT = "gap in the data"  # months missing inside the data's span; "data not supplied" is an input never given


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
    # The 12-month significance test behind the rating: None when no test applies (rating: rag.score).
    significant: bool | None = None
    test: str = ""
    test_period: str = "over 12 months"  # what the test compared, for the rating's words
    previous_rating: str = ""
    previous_status: str = ""
    # For comparison charts: the latest figure's 95% interval, the figure it is compared with and the comparators'
    # own figures (area -> (value, low, high)); None / empty where the measure has none.
    low: float | None = None
    high: float | None = None
    previous_value: float | None = None
    previous_label: str = ""
    comparators: dict[str, tuple[float, float | None, float | None]] = field(default_factory=dict)
    # Seasonal measures: chart positions whose special-cause signal the season explains (drawn as common cause).
    seasonal_points: tuple[int, ...] = ()
    # Missing months inside the data's span that left this measure without a value ('' when none did).
    gap: str = ""

    def row(self) -> dict:
        """The machine-readable row written to scorecard.csv."""
        from .rag import score

        return {
            "priority": self.priority, "scorecard": self.scorecard, "metric_id": self.metric.id,
            "metric": self.metric.name, "area": self.metric.area, "period": self.period, "value": self.value,
            "unit": self.unit, "comparison": self.comparison, "change": self.change, "change_unit": self.change_unit,
            "good": self.good, "verdict": self.verdict, "statement": " ".join(self.statements),
            "significant": self.significant, "test": self.test, "rating": score(self).shown,
            "previous_rating": self.previous_rating,
        }

    def frame(self) -> pd.DataFrame:
        """The data behind the chart: value per month (Period index) with the XmR mean, limits, bands and signals."""
        from .result_view import metric_frame

        return metric_frame(self)

    def __repr__(self) -> str:
        from .result_view import result_repr

        return result_repr(self)

    def _repr_html_(self) -> str:
        from .result_view import result_html

        return result_html(self)


def xmr_settings(spc: SpcSettings) -> XmrSettings:
    """The chart settings a plan (or one metric) names, as the XmR function takes them."""
    return XmrSettings(run_length=spc.run_length, trend_length=spc.trend_length,
                       screen_moving_ranges=spc.screen_moving_ranges,
                       two_of_three_includes_beyond_limits=spc.two_of_three_includes_beyond_limits,
                       baseline_points=spc.baseline_points,
                       rebase_at=tuple(pd.Period(m, "M") for m in spc.rebase_at), min_points=spc.min_points)


def compute_plan(plan: Plan, data: ReportData, quarter: Quarter, settings: XmrSettings | None = None) -> list[MetricResult]:
    """Every metric of the plan, in plan order (chart settings: the metric's, else ``settings``, else the plan's)."""
    out = []
    for p in plan.priorities:
        for sc in p.scorecards:
            for m in sc.metrics:
                out.append(compute_metric(m, p.id, sc.title, plan, data, quarter, settings))
    return out


def attach_previous(results: list[MetricResult], plan: Plan, data: ReportData, quarter: Quarter,
                    settings: XmrSettings | None = None) -> list[MetricResult]:
    """Set each result's previous-quarter rating, computed from the same data cut at the previous quarter's end."""
    from .rag import score

    before = {(r.priority, r.metric.id): r for r in compute_plan(plan, data, quarter.previous(), settings)}
    for r in results:
        prev = before.get((r.priority, r.metric.id))
        if prev is not None:
            g = score(prev)
            r.previous_rating, r.previous_status = g.label, g.status
    return results


def priority_scores(results: list[MetricResult]) -> dict[int, dict]:
    """Each priority's score (``rag.priority_score``, 0–100, rounded) this quarter and last, and how many rated
    measures each rests on; a priority with no rated measure has no entry."""
    from .rag import priority_score, score

    out = {}
    for p in dict.fromkeys(r.priority for r in results):
        mine = [r for r in results if r.priority == p]
        now, rated = priority_score([score(r).status for r in mine])
        before, rated_before = priority_score([r.previous_status for r in mine])
        if now is not None:
            out[p] = {"now": round(now), "rated": rated, "before": None if before is None else round(before),
                      "rated_before": rated_before}
    return out


def priority_frame(results: list[MetricResult]) -> pd.DataFrame:
    """Each priority's score and how many of its measures are rated each way, this quarter and last (the published
    scorecard of the pledge)."""
    from .rag import LABELS, score

    scores = priority_scores(results)
    rows = []
    for p in dict.fromkeys(r.priority for r in results):
        mine = [r for r in results if r.priority == p]
        sc = scores.get(p, {})
        row: dict = {"priority": p, "measures": len(mine), "score": sc.get("now"), "rated": sc.get("rated", 0),
                     "score (previous quarter)": sc.get("before"), "rated (previous quarter)": sc.get("rated_before", 0)}
        for status, label in LABELS.items():
            row[label] = sum(1 for r in mine if score(r).status == status)
            row[f"{label} (previous quarter)"] = sum(1 for r in mine if r.previous_status == status)
        rows.append(row)
    return pd.DataFrame(rows)


def scorecard_frame(results: list[MetricResult]) -> pd.DataFrame:
    """The scorecard as a DataFrame with the CSV columns."""
    return pd.DataFrame([r.row() for r in results], columns=CSV_COLUMNS)


def compute_metric(m: Metric, priority: int, scorecard: str, plan: Plan, data: ReportData, quarter: Quarter,
                   settings: XmrSettings | None = None) -> MetricResult:
    """One metric's result; missing data gives a 'data not supplied' result, never an exception or NaN."""
    end = quarter.end_month
    base = MetricResult(m, priority, scorecard, month_label(end), None, m.unit)
    chart = xmr_settings(m.spc) if m.spc else (settings or xmr_settings(plan.spc))
    try:
        if m.measure == "volume":
            return _volume(base, data.crime_counts(m.crime_types), end, chart)
        if m.measure == "outcome_rate":
            return _outcome_rate(base, data, plan, end, chart)
        if m.measure == "rate":
            return _rate(base, data, plan, end)
        df = _kpi(data, m.kpi, m.area, end)
        if m.measure == "proportion":
            return _proportion(base, df, end, chart, data)
        if m.measure == "duration":
            median = _kpi(data, m.median_kpi, m.area, end) if m.median_kpi else None
            return _duration(base, df, median, end, chart)
        if m.measure == "range":
            return _range(base, df, end, chart)
        if m.measure == "vs_national":
            return _vs_national(base, df, data, end)
        if m.measure == "survey_estimate":
            return _survey_estimate(base, df, data, end)
        return _value(base, df, end, chart)
    except LookupError as exc:
        reason = str(exc).strip("'\"")
        base.supplied = False
        base.verdict = NATIONAL_NOT_SUPPLIED if reason.startswith(NATIONAL_NOT_SUPPLIED) else "data not supplied"
        text = reason if reason.startswith(NATIONAL_NOT_SUPPLIED) else f"data not supplied ({reason})"
        base.statements = [st.render("missing", name=m.name, reason=text)]
        return base


def street_gap(series: pd.Series, end: pd.Period) -> str:
    """The missing months ('May-24 to Dec-24') the figures to ``end`` need: the 24 months to it, inside the data's span.

    Months before the first file were never asked for, so they are not a gap.
    """
    series = _upto(series, end)
    if series.empty:
        return ""
    return rolling.gap_phrase(rolling.missing_runs(series, max(end - 23, series.index.min()), end))


def report_gap(data: ReportData, quarter: Quarter) -> str:
    """The report's one 'Gap in the data' sentence for its street figures, or '' when no month is missing."""
    try:
        gap = street_gap(data.crime_counts("all"), quarter.end_month)
    except LookupError:
        return ""
    return st.render("data_gap", gap=gap) if gap else ""


def _kpi(data: ReportData, kpi: str, area: str, end: pd.Period) -> pd.DataFrame:
    df = data.kpi(kpi, area)
    df = df[df.index <= end]
    if df.empty:
        raise LookupError(f"no '{kpi}' rows for area '{area}' up to {month_label(end)} in the force KPI CSVs")
    return df


def _dir(m: Metric) -> str | None:
    """The direction good/bad words are judged in; None (no judgement) for a measure marked 'none'."""
    return None if m.direction == "none" else m.direction


def _upto(series: pd.Series, end: pd.Period) -> pd.Series:
    return series[series.index <= end]


def _chart(base: MetricResult, series: pd.Series, end: pd.Period, settings: XmrSettings, fmt) -> None:
    """XmR verdict for the latest month (MDC), or the named reason there is none."""
    m = base.metric
    base.series = series
    if m.chart != "xmr":
        return
    reason = chart_unavailable(series, settings)
    if reason:
        base.statements.append(st.render("no_chart", name=m.name, reason=reason))
        return
    s, _ = consecutive_tail(series)
    try:
        res = xmr(s, settings)
    except ValueError as exc:  # e.g. a rebase month leaving a period of one point
        base.statements.append(st.render("no_chart", name=m.name, reason=f"no control chart ({exc})"))
        return
    base.chart = res
    if s.index[-1] != end:
        base.statements.append(f"No figure for {month_label(end)}, so no control-chart verdict.")
        return
    base.verdict = res.verdict(-1, m.direction)
    sig = res.point_signal(len(s) - 1)
    if m.seasonal:
        sig = _seasonal(base, s, res, sig, end, fmt)
    assurance = res.assurance(m.target, m.direction)
    base.statements.append(st.render(
        "xmr", period=month_label(end), value=fmt(float(s.iloc[-1])),
        verdict=base.verdict + " variation" if sig is None else base.verdict,
        signal="" if sig is None else f" ({signal_phrase(sig, s.index)})",
        assurance=f"; the target of {fmt(m.target)} is {assurance}" if assurance else ""))
    base.statements.extend(step_phrases(res, fmt))


def _volume(base: MetricResult, series: pd.Series, end: pd.Period, settings: XmrSettings) -> MetricResult:
    m = base.metric
    series = _upto(series, end)
    if series.empty:
        raise LookupError(f"no data.police.uk months up to {month_label(end)}")
    ch = rolling.r12_yoy(series, end)
    mo, mo_month = rolling.month_yoy(series, end), end
    if mo.change is None:  # partial data: the quarter's latest month that has the same month a year before
        for k in (1, 2):
            alt = rolling.month_yoy(series, end - k)
            if alt.change is not None:
                mo, mo_month = alt, end - k
                break
    qy = rolling.quarter_yoy(series, end)
    base.value, base.unit = ch.current, f"{m.unit} (R12)"
    base.change, base.change_unit = ch.change, "%"
    base.comparison = "12 months to the same month last year" if ch.previous is not None else ""
    month_basis = ("month to the same month last year" if mo_month == end
                    else f"{month_label(mo_month)} to the same month last year")
    # Partial data: with no R12 comparison, the best one whose inputs exist (quarter, else month, year on year).
    for alt, label in ((qy, "quarter to the same quarter last year"), (mo, month_basis)):
        if base.change is None and alt.change is not None:
            base.change, base.comparison = alt.change, label
    if ch.current is None and qy.current is not None:
        base.value, base.unit = qy.current, f"{m.unit} (quarter)"
    base.good = st.is_good(base.change, m.direction)
    # The rating's evidence: the exact test on the 12-month totals, else on the two quarters when R12 is incomplete.
    for tested, what in ((ch, "12-month totals"), (qy, "quarters")):
        if tested.current is not None and tested.previous is not None:
            pc = poisson.compare_counts(int(round(tested.current)), int(round(tested.previous)))
            base.significant, base.test = pc.significant, f"exact test for two counts on the {what}, p = {pc.p_value:.3f}"
            if tested is qy:
                base.test_period = "on the same quarter a year before"
            break
    # The gap itself is named once per report (report_gap); a measure it leaves without a value says so.
    gap = street_gap(series, end)
    if ch.current is None and qy.current is None:
        base.statements.append(st.render("missing", name=m.name, reason=ch.note))
        if gap:
            base.gap, base.verdict = gap, GAP_VERDICT
    elif ch.current is None:
        base.statements.append(st.render(
            "quarter_volume", name=m.name, period=month_label(end), value=st.fmt_count(qy.current),
            comparison=st.comparison(qy.change, qy.note, _dir(m), "on the same quarter a year before")))
    if ch.current is None and qy.current is not None and mo.current is not None:
        base.statements.append(st.render(
            "quarter_month", month=month_label(mo_month), month_value=st.fmt_count(mo.current),
            month_comparison=st.comparison(mo.change, mo.note, None, f"on {month_label(mo_month - 12)}")))
    if ch.current is not None:
        base.statements.append(st.render(
            "volume", name=m.name, period=month_label(end), value=st.fmt_count(ch.current),
            comparison=st.comparison(ch.change, ch.note, _dir(m), f"on the 12 months to {month_label(end - 12)}"),
            month=month_label(mo_month),
            month_value=st.fmt_count(mo.current) if mo.current is not None else "not available",
            month_comparison=st.comparison(mo.change, mo.note, None, f"on {month_label(mo_month - 12)}")))
    _chart(base, series, end, settings, st.fmt_count)
    return base


def _outcome_rate(base: MetricResult, data: ReportData, plan: Plan, end: pd.Period, settings: XmrSettings) -> MetricResult:
    m = base.metric
    pos = _upto(data.positive_counts(m.crime_types, plan.positive_outcomes), end)
    tot = _upto(data.crime_counts(m.crime_types), end)
    r = outcomes.outcome_rate(pos, tot, end)
    base.unit = "percent"
    if r.r12 is None:
        _partial_outcome_rate(base, pos, tot, end, r)
    else:
        base.value, base.change, base.change_unit = r.r12, r.r12_change_pp, "pts"
        base.comparison = "12 months to the same month last year" if r.r12_previous is not None else ""
        base.good = st.is_good(base.change, m.direction)
        k1, n1 = rolling.r12_total(pos, end)[0], rolling.r12_total(tot, end)[0]
        k0, n0 = rolling.r12_total(pos, end - 12)[0], rolling.r12_total(tot, end - 12)[0]
        if None not in (k1, n1) and n1:
            w = survey.wilson(int(k1), int(n1))
            base.low, base.high = w.low * 100, w.high * 100
        if r.r12_previous is not None:
            base.previous_value, base.previous_label = r.r12_previous, f"12 months to {month_label(end - 12)}"
        if None not in (k1, n1, k0, n0) and n1 and n0:
            c = survey.compare(int(k1), int(n1), int(k0), int(n0))
            base.significant = c.significant
            base.test = "two-proportion test" + ("" if c.p_value is None else f", p = {c.p_value:.3f}")
        discrete = "not available" if r.discrete is None else f"{r.discrete:.1f}%"
        base.statements.append(st.render(
            "outcome_rate", name=m.name, period=month_label(end), value=f"{r.r12:.1f}%",
            comparison=st.comparison(base.change, r.previous_note, _dir(m), f"on the 12 months to {month_label(end - 12)}",
                                     "pts"),
            month=month_label(end), discrete=discrete,
            discrete_comparison="" if r.discrete is None else
            st.comparison(r.discrete_change_pp, r.discrete_previous_note, None, f"on {month_label(end - 12)}", "pts")))
    monthly_rate = (pos / tot.where(tot > 0)) * 100
    _chart(base, monthly_rate, end, settings, lambda x: f"{x:.1f}%")
    return base


def _partial_outcome_rate(base: MetricResult, pos: pd.Series, tot: pd.Series, end: pd.Period,
                          r: outcomes.OutcomeRate) -> None:
    """No complete R12: the quarter against the same quarter a year before (tested), else the quarter's latest month
    that has the same month a year before (shown, never a rating), as volumes do."""
    m = base.metric
    q = outcomes.quarter_outcome_rate(pos, tot, end)
    gap = street_gap(tot, end)
    if q.current is None:
        base.statements.append(st.render("missing", name=m.name, reason=r.note))
        if gap:
            base.gap, base.verdict = gap, GAP_VERDICT
        return
    base.value = q.current
    k1, n1 = rolling.quarter_total(pos, end), rolling.quarter_total(tot, end)
    w = survey.wilson(int(k1), int(n1))
    base.low, base.high = w.low * 100, w.high * 100
    if q.change_pp is not None:
        base.change, base.change_unit, base.comparison = q.change_pp, "pts", "quarter to the same quarter last year"
        base.previous_value, base.previous_label = q.previous, f"quarter to {month_label(end - 12)}"
        k0, n0 = rolling.quarter_total(pos, end - 12), rolling.quarter_total(tot, end - 12)
        c = survey.compare(int(k1), int(n1), int(k0), int(n0))
        base.significant, base.test_period = c.significant, "on the same quarter a year before"
        base.test = "two-proportion test on the quarters" + ("" if c.p_value is None else f", p = {c.p_value:.3f}")
        comparison = st.comparison(q.change_pp, "", _dir(m), "on the same quarter a year before", "pts")
    else:
        comparison = st.comparison(None, q.note, _dir(m), "on the same quarter a year before", "pts")
    base.statements.append(st.render("quarter_volume", name=m.name, period=month_label(end),
                                     value=f"{q.current:.1f}%", comparison=comparison))
    if q.change_pp is None:
        for month in (end, end - 1, end - 2):
            d1, d0 = outcomes.month_ratio(pos, tot, month)[0], outcomes.month_ratio(pos, tot, month - 12)[0]
            if d1 is None or d0 is None:
                continue
            d1, d0 = d1 * 100, d0 * 100
            base.change, base.change_unit = d1 - d0, "pts"
            base.comparison = f"{month_label(month)} to the same month last year"
            base.statements.append(st.render(
                "quarter_month", month=month_label(month), month_value=f"{d1:.1f}%",
                month_comparison=st.comparison(d1 - d0, "", None, f"on {month_label(month - 12)}", "pts")))
            break
    base.good = st.is_good(base.change, m.direction)


def _rate(base: MetricResult, data: ReportData, plan: Plan, end: pd.Period) -> MetricResult:
    m = base.metric
    if data.national_crime is None or data.national_crime.empty:
        raise LookupError(f"{NATIONAL_NOT_SUPPLIED} (data/processed/national/recorded_crime.parquet has not been built)")
    period, nearest = rates.report_period(data.national_crime, m.offence_group, str(end))
    end = pd.Period(period, "M")
    base.period = month_label(end)
    table = rates.force_rates(data.national_crime, str(end), m.offence_group, data.population)
    force = data.force.slug
    if force not in table.index or pd.isna(table.loc[force, "rate"]):
        why = table.loc[force, "note"] if force in table.index else "not in the national table"
        raise LookupError(f"no rate for this force for the 12 months to {month_label(end)}: {why}")
    row = table.loc[force]
    base.value, base.unit = float(row["rate"]), "per 1,000 population"
    rk = rates.rank(table, force)
    try:
        prev = rates.force_rates(data.national_crime, str(end - 12), m.offence_group, data.population)
        p_rate = prev.loc[force, "rate"] if force in prev.index else float("nan")
    except LookupError:
        p_rate = float("nan")
    if pd.notna(p_rate) and p_rate > 0:
        base.change, base.change_unit = rolling.pct_change(base.value, float(p_rate)), "%"
        base.comparison = "rate for the 12 months to the same month last year"
        base.good = st.is_good(base.change, m.direction)
    peers = plan.peers if plan.peers is not None else list(data.force.peers)
    names = data.force_names
    try:
        pa = rates.peer_average(table, peers)
        peer = f"{pa.rate:.2f} per 1,000 (all crimes of the {len(pa.forces)} peer forces per 1,000 of their combined population)"
        if pa.left_out:
            peer += "; left out: " + ", ".join(f"{names.get(k, k)} ({v})" for k, v in pa.left_out.items())
    except LookupError as exc:
        peer = f"average not available ({exc})"
    left = {names.get(k, k): v for k, v in rk.left_out.items() if k != force}
    base.verdict = rk.phrase
    base.statements.append(st.render(
        "rate", name=m.name, period=month_label(end) + (f" ({nearest})" if nearest else ""), rate=f"{base.value:.2f}",
        basis=str(row["population_basis"]),
        rank=rk.phrase, left_out=(" — " + ", ".join(f"{k} left out: {v}" for k, v in left.items())) if left else "",
        peer=peer))
    return base


def _proportion(base: MetricResult, df: pd.DataFrame, end: pd.Period, settings: XmrSettings,
                data: ReportData | None = None) -> MetricResult:
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
        base.value, base.low, base.high = cur.p * 100, cur.low * 100, cur.high * 100
        k0, _ = rolling.r12_total(num, end - 12)
        n0, _ = rolling.r12_total(den, end - 12)
        if k0 is not None and n0:
            base.previous_value, base.previous_label = 100 * k0 / n0, f"12 months to {month_label(end - 12)}"
            c = survey.compare(int(k), int(n), int(k0), int(n0))
            base.change, base.change_unit = c.diff_pp, "pts"
            base.comparison = "12 months to the same month last year"
            sig = st.significance_phrase(c.diff_pp, c.margin_pp, c.significant, c.p_value)
            base.good = st.is_good(c.diff_pp, m.direction) if c.significant else None
            base.significant = c.significant
            base.test = "two-proportion test" + ("" if c.p_value is None else f", p = {c.p_value:.3f}")
        else:
            sig = "no survey a year earlier to compare with"
        base.statements.append(st.render("proportion", name=m.name, period=month_label(end), value=f"{base.value:.1f}%",
                                         margin=f"{cur.margin * 100:.1f}", low=f"{cur.low * 100:.1f}%",
                                         high=f"{cur.high * 100:.1f}%", n=st.fmt_count(n),
                                         change=st.change_pp(base.change, "no change known"), significance=sig,
                                         against=f"on the 12 months to {month_label(end - 12)}"))
        _benchmarks(base, data, end)
    _chart(base, (num / den.where(den > 0)) * 100, end, settings, lambda x: f"{x:.1f}%")
    return base


def _benchmarks(base: MetricResult, data: ReportData | None, end: pd.Period) -> None:
    """Each benchmark area's latest published figure up to ``end`` (a peer force's own survey), with its period."""
    m = base.metric
    if data is None or not m.benchmarks:
        return
    parts = []
    for area in m.benchmarks:
        df = data.kpi(m.kpi, area)
        df = df[df.index <= end]
        if df.empty:
            parts.append(f"{area} not supplied")
            continue
        when = df.index[-1]
        row = df.iloc[-1]
        v = float(row["value"]) if pd.notna(row["value"]) else 100 * float(row["numerator"]) / float(row["denominator"])
        base.comparators[f"{area} (12 months to {month_label(when)})"] = (v, None, None)
        parts.append(f"{area} {v:.1f}% (12 months to {month_label(when)})")
    base.statements.append(st.render("benchmarks", name=m.name, benchmarks="; ".join(parts)))


def _latest(series: pd.Series, end: pd.Period) -> float | None:
    v = series.get(end)
    return None if v is None or pd.isna(v) else float(v)


def _value(base: MetricResult, df: pd.DataFrame, end: pd.Period, settings: XmrSettings) -> MetricResult:
    m = base.metric
    series = df["value"].astype(float)
    unit = str(df["unit"].iloc[-1])
    base.unit = unit
    latest = _latest(series, end)
    if latest is None:
        base.statements.append(st.render("missing", name=m.name, reason=f"no figure for {month_label(end)}"))
    else:
        base.value = latest
        ch = rolling.month_yoy(rolling.monthly(series), end)
        base.change, base.change_unit = ch.change, "%"
        base.comparison = "same month last year" if ch.previous is not None else ""
        base.good = st.is_good(ch.change, m.direction)
        if unit == "count" and not m.stock:
            _count_test(base, rolling.monthly(series), end, m.direction)
        target = ""
        if m.target is not None:
            meets = base.value >= m.target if m.direction == "up" else base.value <= m.target
            target = f" ({'within' if meets else 'breaching'} the target of {st.fmt_value(m.target, unit)})"
        base.statements.append(st.render("value", name=m.name, period=month_label(end), value=st.fmt_value(base.value, unit),
                                         target=target,
                                         comparison=st.comparison(ch.change, ch.note, _dir(m), "on the same month last year")))
    _chart(base, rolling.monthly(series), end, settings, lambda x: st.fmt_value(x, unit))
    return base


def _count_test(base: MetricResult, series: pd.Series, end: pd.Period, direction: str) -> None:
    """The exact two-count test of the latest 12 months' total against the 12 months before (flows only)."""
    now, _ = rolling.r12_total(series, end)
    before, _ = rolling.r12_total(series, end - 12)
    if now is None or before is None:
        return
    pc = poisson.compare_counts(int(round(now)), int(round(before)))
    base.significant, base.test = pc.significant, f"exact test for two counts, p = {pc.p_value:.3f}"
    if pc.significant:
        base.good = st.is_good(rolling.pct_change(now, before), direction)


def _duration(base: MetricResult, df: pd.DataFrame, median_df: pd.DataFrame | None, end: pd.Period,
              settings: XmrSettings) -> MetricResult:
    m = base.metric
    series = df["value"].astype(float)
    base.unit = "seconds"
    mean = _latest(series, end)
    if mean is None:
        base.statements.append(st.render("missing", name=m.name, reason=f"no figure for {month_label(end)}"))
    else:
        median = None if median_df is None else _latest(median_df["value"].astype(float), end)
        d = durations.check(mean, median, m.service_level)
        base.value = d.mean
        base.verdict = "breaching the service level" if d.mean_breaches else "within the service level"
        base.good = not d.mean_breaches
        base.comparison = f"service level {st.fmt_duration(m.service_level)}"
        base.statements.append(st.render(
            "duration", name=m.name, period=month_label(end), mean=st.fmt_duration(d.mean),
            mean_sla=st.sla_phrase(d.mean_breaches, d.service_level),
            median="not supplied" if d.median is None else st.fmt_duration(d.median),
            median_sla="" if d.median is None else st.sla_phrase(d.median_breaches, d.service_level),
            note=f"; {d.skew_note}" if d.skew_note else ""))
    verdict = base.verdict
    _chart(base, rolling.monthly(series), end, settings, st.fmt_duration)
    if base.chart is None:
        base.verdict = verdict
    return base


def _range(base: MetricResult, df: pd.DataFrame, end: pd.Period, settings: XmrSettings) -> MetricResult:
    m = base.metric
    series = rolling.monthly(df["value"].astype(float))
    unit = str(df["unit"].iloc[-1])
    start = pd.Period(m.range_from, "M") if m.range_from else None
    r = ranges.historic_range(series, end, start)
    base.value, base.unit = r.latest, unit
    base.comparison = f"range {month_label(r.first)} to {month_label(r.last)}"
    fmt = (lambda x: st.fmt_value(x, unit))
    position = {"within": "within that range", "at the low": "at the bottom of that range",
                "at the high": "at the top of that range", "below": "below that range",
                "above": "above that range"}[r.position]
    base.statements.append(st.render("range", name=m.name, low=fmt(r.low), high=fmt(r.high), first=month_label(r.first),
                                     last=month_label(r.last), period=month_label(end), value=fmt(r.latest),
                                     position=position))
    _chart(base, series, end, settings, fmt)
    return base


def _vs_national(base: MetricResult, df: pd.DataFrame, data: ReportData, end: pd.Period) -> MetricResult:
    m = base.metric
    series = df["value"].astype(float)
    unit = str(df["unit"].iloc[-1])
    nat_df = data.kpi(m.kpi, m.national_area)
    national = nat_df["value"].astype(float) if not nat_df.empty else None
    # A change that would print as zero in the unit is 'No change', never 'DOWN 0 days'.
    c = cmp_.compare(series, national, end, m.direction, tolerance=0.05 if unit == "percent" else 0.5)
    base.value, base.unit = c.value, unit
    base.change, base.change_unit = c.change, {"percent": "pts", "count": m.unit}.get(unit, unit)
    base.comparison = f"previous quarter ({month_label(end - 3)})" if c.previous is not None else ""
    base.good = c.good
    if c.previous is not None:
        base.previous_value, base.previous_label = c.previous, f"previous quarter ({month_label(end - 3)})"
    if c.national is not None:
        base.comparators[m.national_area] = (c.national, None, None)
    fmt = (lambda x: st.fmt_value(x, unit))
    if c.change is None:
        movement = f"No figure for the previous quarter ({month_label(end - 3)})"
    elif c.word == "No change":
        movement = f"No change on the previous quarter ({month_label(end - 3)})"
    else:
        movement = (f"{c.word} {st.change_in(abs(c.change), unit).removeprefix('up ')} on the previous quarter "
                    f"({month_label(end - 3)})")
    base.statements.append(st.render(
        "national", name=m.name, period=month_label(end), value=fmt(c.value),
        national="not supplied" if c.national is None else fmt(c.national), movement=movement,
        judgement="" if c.good is None else (", an improvement" if c.good else ", a deterioration")))
    base.series = series
    return base


def _seasonal(base: MetricResult, s: pd.Series, res: XmrResult, sig, end: pd.Period, fmt):
    """A seasonal measure: the same months of earlier years, and a signal its season explains set aside."""
    try:
        sm = seasonal.same_months(s, end)
    except LookupError:
        return sig
    if sm.earlier:
        earlier = ", ".join(f"{fmt(v)} in {month_label(pd.Period(year=y, month=end.month, freq='M'))}"
                            for y, v in sorted(sm.earlier.items(), reverse=True))
        pos = {"above": "higher than in any of them", "below": "lower than in any of them",
               "within": "within their range"}[sm.position]
        base.statements.append(st.render("same_months", period=month_label(end), value=fmt(sm.value), earlier=earlier,
                                         position=pos))
    explained = _seasonal_points(s, res)
    base.seasonal_points = tuple(explained)
    earlier = [i for i in explained if i != len(s) - 1 and i >= len(s) - 12]
    if earlier:
        base.statements.append(st.render(
            "seasonal_points", months=_and([month_label(s.index[i]) for i in earlier]),
            verb="is" if len(earlier) == 1 else "are"))
    if sig is None or len(s) - 1 not in explained:
        return sig
    chk = seasonal.seasonal_check(s, end, float(res.lower.iloc[-1]), float(res.upper.iloc[-1]))
    side = "high" if sig.side == "high" else "low"
    base.verdict = f"seasonal {side}"
    base.statements.append(st.render("seasonal_signal", month=end.strftime("%B"), side=side, index=chk.index,
                                     years=chk.years, period=month_label(end), adjusted=fmt(chk.adjusted)))
    return None


def _seasonal_points(s: pd.Series, res: XmrResult) -> list[int]:
    """Positions with a special-cause signal that lie inside the limits once adjusted by their month's seasonal index
    (estimated from the months before each), on the signal's side of the season."""
    out = []
    for i in range(len(s)):
        sig = res.point_signal(i)
        if sig is None:
            continue
        chk = seasonal.seasonal_check(s, s.index[i], float(res.lower.iloc[i]), float(res.upper.iloc[i]))
        if chk is not None and chk.within_limits and (chk.index > 1) == (sig.side == "high"):
            out.append(i)
    return out


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _survey_estimate(base: MetricResult, df: pd.DataFrame, data: ReportData, end: pd.Period) -> MetricResult:
    """A published survey estimate (CSEW rolling year) as published, with Wilson 95% intervals (metrics.survey)."""
    m = base.metric
    base.unit = "percent"
    deft = data.design_factor(m.kpi)

    def est(frame: pd.DataFrame | None, when: pd.Period):
        if frame is None or when not in frame.index:
            return None
        row = frame.loc[when]
        if pd.isna(row["value"]) or pd.isna(row["denominator"]):
            return None
        return survey.published(float(row["value"]), int(row["denominator"]), deft)

    cur = est(df, end)
    if cur is None:
        raise LookupError(f"no '{m.kpi}' estimate for the rolling year to {month_label(end)}")
    nat_df = data.kpi(m.kpi, m.national_area)
    nat = est(nat_df if not nat_df.empty else None, end)
    base.value, base.low, base.high = cur.p * 100, cur.low * 100, cur.high * 100
    pct = lambda x: f"{x * 100:.1f}%"  # noqa: E731
    difference = ""
    if nat is not None:
        base.comparators[m.national_area] = (nat.p * 100, nat.low * 100, nat.high * 100)
        c = survey.compare_estimates(cur, nat, deft)
        side = "above" if c.diff_pp > 0 else "below"
        difference = (f"; {abs(c.diff_pp):.1f}pts {side} {m.national_area}, "
                      + ("a significant difference" if c.significant else "not a significant difference")
                      + " (two-proportion z-test" + ("" if c.p_value is None else f", p = {c.p_value:.3f}") + ")")
    prev = est(df, end - 3)
    if prev is not None:
        previous = (f"{st.change_pp((cur.p - prev.p) * 100).capitalize()} on the previous quarter (rolling year to "
                    f"{month_label(end - 3)}, {pct(prev.p)}; the two years share nine months of interviews, so the "
                    "change is not tested)")
    else:
        previous = f"No estimate for the previous quarter (rolling year to {month_label(end - 3)})"
    ago = est(df, end - 12)
    year = ""
    if ago is not None:
        c = survey.compare_estimates(cur, ago, deft)
        base.change, base.change_unit = c.diff_pp, "pts"
        base.comparison = f"rolling year to {month_label(end - 12)}"
        base.previous_value, base.previous_label = ago.p * 100, f"rolling year to {month_label(end - 12)}"
        base.significant = c.significant
        base.test = "two-proportion test on the non-overlapping years" + (
            "" if c.p_value is None else f", p = {c.p_value:.3f}")
        base.good = st.is_good(c.diff_pp, m.direction) if c.significant else None
        year = (f"; {st.change_pp(c.diff_pp)} on the year to {month_label(end - 12)}, "
                + st.significance_phrase(c.diff_pp, c.margin_pp, c.significant, c.p_value))
    base.statements.append(st.render(
        "survey_estimate", name=m.name, period=month_label(end), value=pct(cur.p), margin=f"{cur.margin * 100:.1f}",
        low=pct(cur.low), high=pct(cur.high), area=m.national_area,
        national="not supplied" if nat is None else pct(nat.p),
        national_margin="" if nat is None else f" (±{nat.margin * 100:.1f}pts)", difference=difference,
        previous=previous, year=year))
    base.series = df["value"].astype(float)
    return base
