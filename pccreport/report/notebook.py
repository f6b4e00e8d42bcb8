"""What the notebooks call: load a force-quarter's context once, then render each part of the report as HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ..config import Paths
from ..hashing import sha256_file
from ..ingest.processed import ASB, ReportData
from ..inputs.narrative import Narrative, load_narrative
from ..inputs.plan import Plan, load_plan
from ..periods import Quarter
from ..registry import Force, load_registry, validate_force
from . import comparison, explore, sections
from .fragment import Fragment
from . import statements as st
from .provenance import Provenance, collect
from .scorecard import MetricResult, attach_previous, compute_plan, priority_scores

SOURCE_LABELS = {"police_uk": "data.police.uk street-level crime (Home Office)", "kpi": "force systems (KPI CSV)"}
NATIONAL_SOURCE = "ONS, Police force area data tables (Home Office police recorded crime; mid-year population)"
NATIONAL_FILE = Path("national") / "recorded_crime.parquet"


@dataclass
class ReportContext:
    """Everything one force-quarter's report needs, loaded from params/ and data/processed/ only.

    ``results`` (and so ``scorecard``, ``result()`` and every section) is derived from ``plan`` and ``quarter`` when
    read: edit a target or a metric of ``ctx.plan`` in a notebook, re-run the cell that shows it, and it is
    recomputed; while they are unchanged the computed results are reused.
    """

    paths: Paths
    force: Force
    quarter: Quarter
    plan: Plan
    narrative: Narrative
    data: ReportData
    _results: list[MetricResult]
    provenance: Provenance
    national: pd.DataFrame | None = None
    national_note: str = ""
    names: dict[str, str] = field(default_factory=dict)
    ranked: dict[str, bool] = field(default_factory=dict)
    _computed_for: tuple[str, str] = field(default=("", ""), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._computed_for = self._inputs()  # the results handed in are those of the plan and quarter handed in

    def _inputs(self) -> tuple[str, str]:
        """What the results are computed from: the plan (every target, metric and setting) and the quarter."""
        return self.plan.model_dump_json(), self.quarter.label

    @property
    def results(self) -> list[MetricResult]:
        """Every measure's result, in plan order; recomputed if the plan or the quarter changed since last read."""
        now = self._inputs()
        if now != self._computed_for:
            self._results = attach_previous(compute_plan(self.plan, self.data, self.quarter), self.plan, self.data,
                                            self.quarter)
            self._computed_for = now
        return self._results

    def results_for(self, priority: int, scorecard: str | None = None) -> list[MetricResult]:
        return [r for r in self.results if r.priority == priority and (scorecard is None or r.scorecard == scorecard)]

    # The analyst's view in JupyterLab (explore.py): tidy frames and short reprs instead of the whole dataclass.
    @property
    def scorecard(self) -> pd.DataFrame:
        """Every measure's value, change, verdict and RAG status, indexed by metric id; ``month`` is a Period."""
        return explore.scorecard_table(self)

    def result(self, metric_id: str) -> MetricResult:
        """One measure's result by its metric id (``result(...).frame()`` is the data behind its chart)."""
        for r in self.results:
            if r.metric.id == metric_id:
                return r
        raise KeyError(f"no metric {metric_id!r} in the plan; its metric ids are {[r.metric.id for r in self.results]}")

    def with_targets(self, **targets: float | None) -> "ReportContext":
        """A copy with metric targets changed and every result recomputed, e.g. ``ctx.with_targets(all_crime=3000)``."""
        return explore.with_targets(self, targets)

    @property
    def warnings(self) -> list[str]:
        """What to know before trusting this context: quarter outside the data, narrative missing."""
        return explore.context_warnings(self)

    def __repr__(self) -> str:
        return explore.context_repr(self)

    def _repr_html_(self) -> str:
        return explore.context_html(self)


def context(force: str, quarter: str, project_root: str | None = None, built_at: str | None = None,
            context_file: str | None = None) -> ReportContext:
    """Validate the parameters and load everything for one force-quarter (data must already be ingested).

    ``context_file`` (set by the build) names the context it computed once for all notebooks; a notebook opened on
    its own leaves it None and computes its own.
    """
    paths = Paths.discover(project_root)
    f = validate_force(force, paths)
    q = Quarter.parse(quarter)
    if context_file:
        from .context_file import context_key, read_context

        stored = read_context(context_file, context_key(f.slug, q.label, project_root, built_at))
        if stored is not None:
            return stored
    plan = load_plan(paths, f.slug)
    narrative = load_narrative(paths, f.slug, q.label)
    data = ReportData.load(paths, f)
    results = attach_previous(compute_plan(plan, data, q), plan, data, q)
    prov = collect(paths, f.slug, q.label, data.sources, built_at)
    national, note = usable_national(data.national_crime)
    if national is not None:
        prov.sources.append(national_source(paths, national))
    registry = load_registry(paths)
    ctx = ReportContext(paths, f, q, plan, narrative, data, results, prov, national, note,
                        data.force_names, {k: v.ranked for k, v in registry.items()})
    explore.warn_about(ctx)  # shown in the notebook; the exported report leaves stderr out
    return ctx


def usable_national(df: pd.DataFrame | None) -> tuple[pd.DataFrame | None, str]:
    """The national recorded-crime table ReportData loaded, if it has what the comparison needs; else None and why."""
    if df is None:
        return None, f"no ONS police force area table was found at data/processed/{NATIONAL_FILE.as_posix()}"
    needed = {"period_end", "force", "offence_group", "count", "population"}
    if not needed <= set(df.columns) or df.empty:
        return None, (f"data/processed/{NATIONAL_FILE.as_posix()} lacks columns {sorted(needed - set(df.columns))} "
                      "or has no rows")
    return df, ""


def national_source(paths: Paths, national: pd.DataFrame) -> dict:
    """The provenance line for the national table: period and file hash."""
    path = paths.processed / NATIONAL_FILE
    periods = sorted(national["period_end"].astype(str).unique())
    sha = sha256_file(path)
    label = NATIONAL_SOURCE
    if "source" in national.columns and national["source"].notna().any():
        label += " — " + ", ".join(sorted(map(str, national["source"].dropna().unique())))[:300]
    return {"source": label, "files": 1, "period": f"12 months to {periods[0]}" + (
        f" … {periods[-1]}" if len(periods) > 1 else ""), "rows": len(national), "sha256": sha[:16],
        "file_hashes": {NATIONAL_FILE.as_posix(): sha}}


def cover(ctx: ReportContext, with_comparison: bool = True) -> Fragment:
    """Cover, contents, the one-page summary scorecard with RAG status, then crime volume and comparison."""
    from . import rag

    from .scorecard import report_gap

    scored = [(r, rag.score(r)) for r in ctx.results]
    html = sections.render("cover.html.j2", force=ctx.force, plan=ctx.plan, quarter=ctx.quarter, scored=scored,
                           sample=ctx.provenance.sample, comparison=with_comparison,
                           data_gap=report_gap(ctx.data, ctx.quarter), scores=priority_scores(ctx.results))
    frames = {"scorecard": ctx.scorecard}
    if with_comparison:
        from .areas import section

        comp, comp_frames = comparison_section(ctx)
        areas_html, areas_frames = section(ctx)
        html += comp + areas_html
        frames |= comp_frames | areas_frames
    return Fragment(html, frames)


def crime_comparison(ctx: ReportContext) -> Fragment:
    """The crime volume and comparison section on its own."""
    return Fragment(*comparison_section(ctx))


def comparison_html(ctx: ReportContext) -> str:
    """Rate per 1,000 against national and peer average with rank (if national data), R12 trend, YoY by crime type."""
    return comparison_section(ctx)[0]


def comparison_section(ctx: ReportContext) -> tuple[str, dict[str, pd.DataFrame]]:
    """The comparison section's HTML and the frames behind it: force rates, rate history, R12 totals, YoY by type."""
    from . import charts  # matplotlib: drawn in the notebooks' kernels, not where the context is computed
    frames: dict[str, pd.DataFrame] = {}
    end = ctx.quarter.end_month
    name = ctx.force.name
    kw: dict = {"plan": ctx.plan, "quarter": ctx.quarter, "national": None, "national_reason": ctx.national_note,
                "r12": None, "yoy": None}
    if ctx.national is not None:
        kw["national"] = _national_block(ctx)
        if kw["national"] is not None:
            frames |= kw["national"]["frames"]
        else:
            kw["national_reason"] = (f"the national table has no total recorded crime figure for {name} for a period "
                                     f"ending by {end.strftime('%b-%y')}")
    street_src = SOURCE_LABELS["police_uk"]
    try:
        monthly = ctx.data.crime_counts("all")
    except LookupError as exc:
        monthly = None
        kw["r12_reason"] = kw["yoy_reason"] = f"Data not supplied: {exc}."
    if monthly is not None:
        from .scorecard import street_gap

        r12 = comparison.r12_series(monthly[monthly.index <= end])
        # Months missing inside the data's span are a gap (named on the summary page), not an input never given.
        gap = street_gap(monthly, end)
        lead = f"Gap in the data ({gap} missing)" if gap else "Data not supplied"
        if r12.dropna().empty:
            kw["r12_reason"] = (f"{lead}: fewer than 12 consecutive months of data.police.uk street data "
                                f"up to {end.strftime('%b-%y')}, so no rolling 12-month total.")
        else:
            from ..metrics import rolling

            ch = rolling.r12_yoy(monthly, end)
            stmts = []
            points = int(r12.dropna().size)
            if points >= comparison.MIN_TREND_POINTS:
                fig = charts.r12_trend_figure(r12, name, ch.change, street_src)
                figure = Markup(charts.figure_html(fig, charts.comparison_alt("r12", r12=r12)))
            else:
                figure = Markup("")
                stmts.append(st.render("trend_too_short", what="The rolling 12-month total",
                                       have=f"only {points} month{'s' if points != 1 else ''} have a full 12 months "
                                            f"of data before them",
                                       need=comparison.MIN_TREND_POINTS))
            if ch.current is not None:
                change = "no comparison with the year before" if ch.change is None else (
                    f"{st.change_pct(ch.change)} on the 12 months to {(end - 12).strftime('%b-%y')} ({ch.previous:,.0f})")
                stmts.append(st.render("comparison_r12", current=f"{ch.current:,.0f}", period=end.strftime("%b-%y"),
                                       change=change))
            else:
                stmts.append(st.render("comparison_r12_missing", period=end.strftime("%b-%y"), reason=ch.note))
            if kw["national"] and kw["national"].get("ons_count") and ch.current is not None:
                same = kw["national"]["ons_period"] == end.strftime("%b-%y")
                stmts.append(st.render("counts_differ", ons=kw["national"]["ons_count"],
                                       ons_period=kw["national"]["ons_period"], street=f"{ch.current:,.0f}",
                                       street_period=end.strftime("%b-%y"),
                                       months="" if same else " (they also cover different months)"))
            kw["r12"] = {"statements": stmts, "figure": figure}
            frames["r12"] = r12.rename("r12").to_frame().rename_axis("month")
        street = ctx.data.street
        yoy = comparison.yoy_by_type(street[street["month"] <= end], end, exclude=(ASB,))
        if yoy["change"].notna().any():
            fig = charts.yoy_by_type_figure(yoy, end, street_src)
            rows = []
            for _, row in yoy.iterrows():
                ok = pd.notna(row["change"])
                rows.append({"crime_type": row["crime_type"],
                             "current": "—" if pd.isna(row["current"]) else f"{row['current']:,.0f}",
                             "previous": "—" if pd.isna(row["previous"]) else f"{row['previous']:,.0f}",
                             "change": f"{row['change']:+.1f}%" if ok else "—",
                             "cls": ("bad" if row["change"] > 0 else "good") if ok and round(row["change"], 1) else ""})
            frames["yoy_by_type"] = yoy
            kw["yoy"] = {"figure": Markup(charts.figure_html(fig, charts.comparison_alt("yoy", yoy=yoy))), "rows": rows,
                         "end": end.strftime("%b-%y")}
        else:
            kw["yoy_reason"] = (f"{lead}: year-on-year change by crime type needs 24 consecutive months of "
                                f"data.police.uk street data up to {end.strftime('%b-%y')}.")
    return sections.render("comparison.html.j2", **kw), frames


def _national_block(ctx: ReportContext) -> dict | None:
    """Statements, table and the two charts of the rate comparison, from the latest period in the national table."""
    from . import charts  # matplotlib: drawn in the notebooks' kernels, not where the context is computed
    nat = ctx.national
    group = comparison.total_group(nat)
    if group is None:
        return None
    nat = nat[nat["offence_group"] == group]
    # Only periods the report covers: a later ONS edition must not appear in an earlier quarter's report, unless no
    # table ends by the quarter's end; then the 12 months that include it, said so (rates.covering_period).
    end = ctx.quarter.end_month
    mine = nat[(nat["force"] == ctx.force.slug) & nat["count"].notna()]["period_end"].astype(str)
    have = sorted(p for p in mine if pd.Period(p, freq="M") <= end)
    nearest = ""
    if have:
        period = have[-1]
    else:
        from ..metrics.rates import covering_period

        period = covering_period(mine, str(end))
        if period is None:
            return None
        nearest = (f" (no ONS table supplied ends by {end.strftime('%b-%y')}; these 12 months are the nearest "
                   f"that include it)")
    nat = nat[nat["period_end"].astype(str).map(lambda p: pd.Period(p, freq="M") <= pd.Period(period, freq="M"))]
    population = ctx.data.population
    peers = ctx.plan.peers if ctx.plan.peers is not None else list(ctx.force.peers)  # as the scorecard does
    rates = comparison.force_rates(nat, period, group, ctx.ranked, population)
    c = comparison.compare(rates, ctx.force.slug, peers, period, group)
    if c.rate is None:
        return None
    p = pd.Period(period, freq="M").strftime("%b-%y")
    name = ctx.force.name
    me = rates[rates["force"] == ctx.force.slug].iloc[0]
    rank = f"ranked {c.rank} of {c.of} forces (1 = lowest rate)" if c.rank else "not ranked nationally"
    what = group.replace("(", "").replace(")", "").lower()
    stmts = [st.render("comparison_rate", force=name, count=f"{me['count']:,.0f}", what=what, period=p + nearest,
                       rate=f"{c.rate:.2f}", basis=str(me["population_basis"]), rank=rank)]
    if c.national is not None:
        diff = (c.rate - c.national) / c.national * 100
        stmts.append(st.render("comparison_national", diff=f"{abs(diff):.1f}", side="below" if diff < 0 else "above",
                               national=f"{c.national:.2f}"))
    if c.peer is not None:
        stmts.append(st.render("comparison_peer", peer=f"{c.peer:.2f}", peers=", ".join(ctx.names.get(x, x) for x in c.peers),
                               force=name, side="below" if c.rate < c.peer else "above"))
    else:
        stmts.append(st.render("comparison_no_peer", force=name))
    table = [{"area": name, "count": f"{me['count']:,.0f}", "population": f"{float(me['population']):,.0f}",
              "rate": f"{c.rate:.2f}", "rank": str(c.rank) if c.rank else "not ranked", "cls": "this"}]
    for peer in c.peers:
        row = rates[rates["force"] == peer].iloc[0]
        ok = pd.notna(row["rate"])
        table.append({"area": f"Peer: {ctx.names.get(peer, peer)}",
                      "count": f"{row['count']:,.0f}" if pd.notna(row["count"]) else "suppressed",
                      "population": f"{float(row['population']):,.0f}" if pd.notna(row["population"]) else "—",
                      "rate": f"{row['rate']:.2f}" if ok else "—",
                      "rank": str(int(row["rank"])) if pd.notna(row["rank"]) else "—", "cls": ""})
    if c.peer is not None:
        table.append({"area": "Peer-group average", "count": "", "population": "", "rate": f"{c.peer:.2f}", "rank": "",
                      "cls": "avg"})
    if c.national is not None:
        table.append({"area": "England and Wales", "count": f"{rates['count'].sum():,.0f}",
                      "population": f"{pd.to_numeric(rates['population']).sum():,.0f}", "rate": f"{c.national:.2f}",
                      "rank": "", "cls": "avg"})
    history = comparison.rate_history(nat, ctx.force.slug, c.peers, group, population)
    ranked = charts.figure_html(charts.ranked_figure(rates, ctx.force.slug, ctx.names, c.peers, period, group,
                                                     NATIONAL_SOURCE),
                                charts.comparison_alt("ranked", rates=rates, force=ctx.force.slug, force_name=name))
    # The latest period is in the table and the ranked chart; a line over time only with enough periods for a trend.
    known = history.dropna(subset=["force"])
    trend, trend_note = Markup(""), ""
    if len(known) >= comparison.MIN_TREND_POINTS:
        trend = Markup(charts.figure_html(charts.rate_comparison_figure(known, name, group, NATIONAL_SOURCE),
                                          charts.comparison_alt("rate", history=known, force_name=name)))
    elif len(known) > 1:
        shown = ", ".join(pd.Period(x, freq="M").strftime("%b-%y") for x in known["period_end"])
        trend_note = st.render("trend_too_short", what="The rate per 1,000 against peers and England and Wales",
                               have=f"the national tables give it for {len(known)} periods ({shown})",
                               need=comparison.MIN_TREND_POINTS)
    return {"statements": stmts, "table": table, "ranked": Markup(ranked), "trend": trend, "trend_note": trend_note,
            "ons_count": f"{me['count']:,.0f}", "ons_period": p, "frames": {"force_rates": rates, "rate_history": history}}


def deliverables_frame(section, quarter: Quarter) -> pd.DataFrame:
    """A narrative section's deliverables: action, start, due, progress and the status the report shows."""
    from ..inputs.narrative import due_status

    as_of = quarter.end_month.end_time.date()
    rows = [{"action": d.action, "start": d.start, "due": d.due, "progress": d.progress,
             "status": due_status(d.due, d.progress, as_of, d.start), "note": d.note}
            for d in (section.deliverables if section is not None else [])]
    return pd.DataFrame(rows, columns=["action", "start", "due", "progress", "status", "note"])


def priority_narrative(ctx: ReportContext, priority: int) -> Fragment:
    """A priority's heading and narrative (or a visible 'narrative not supplied' box)."""
    p = ctx.plan.priority(priority)
    section = ctx.narrative.priorities.get(p.id)
    if ctx.narrative.supplied and section is None:
        from ..inputs.narrative import Section

        section = Section()
    return Fragment(sections.narrative_section(f"priority-{p.id}", f"Priority {p.id}: {p.title}", section,
                                               ctx.narrative, ctx.plan, ctx.quarter, ctx.force),
                    {"deliverables": deliverables_frame(section, ctx.quarter)})


def scorecards(ctx: ReportContext, priority: int) -> Fragment:
    """Every scorecard of a priority: statements and a control chart per metric."""
    from . import charts  # matplotlib: drawn in the notebooks' kernels, not where the context is computed
    p = ctx.plan.priority(priority)
    parts = []
    for sc in p.scorecards:
        results = ctx.results_for(p.id, sc.title)
        if sc.chart == "comparison":
            parts.append(comparison_panel(ctx, sc.title, results))
            continue
        figures = []
        for r in results:
            if r.metric.measure == "duration" and r.metric.median_kpi and r.series is not None and r.supplied:
                figures.append(_mean_median_html(ctx, r))
                continue
            if r.chart is None:
                figures.append("")
                continue
            source = SOURCE_LABELS[r.metric.source]
            fig = charts.xmr_figure(r, source)
            figures.append(charts.figure_html(fig, charts.alt_text(r)))
        parts.append(sections.render("scorecard.html.j2", title=sc.title, results=results,
                                     figures=[sections.Markup(f) for f in figures],
                                     r_index={r.metric.id: i for i, r in enumerate(results)}))
    table = ctx.scorecard
    frames = {"scorecard": table[table["priority"] == p.id]} if not table.empty else {}
    frames |= {r.metric.id: r.frame() for r in ctx.results_for(p.id) if r.supplied}
    return Fragment("".join(parts), frames)


def comparison_panel(ctx: ReportContext, title: str, results: list[MetricResult]) -> str:
    """A scorecard drawn as one comparison chart and table: each measure's latest figure, its 95% interval where it
    has one, its comparators and the figure it is compared with, then its statements."""
    from . import charts, panel_charts, rag

    fig = panel_charts.comparison_figure(results, f"{title}, {ctx.quarter.end_month.strftime('%b-%y')}")
    sources = sorted({SOURCE_LABELS[r.metric.source] for r in results})
    figure = "" if fig is None else charts.figure_html(fig, panel_charts.comparison_alt(results),
                                                       note=f"Source: {'; '.join(sources)}. " + PANEL_NOTE)
    rows = []
    for r in results:
        unit = r.unit if r.unit in ("percent", "days", "seconds") else "count"
        rows.append({
            "name": r.metric.name, "period": _period_label(r), "value": sections.fmt_result_value(r),
            "interval": "—" if r.low is None else f"{r.low:.1f}–{r.high:.1f}%",
            "comparators": "; ".join(f"{a}: {st.fmt_value(v, unit)}" for a, (v, _, _) in r.comparators.items()) or "—",
            "change": "—" if r.change is None else f"{sections.fmt_result_change(r)} on the {r.comparison}"
                      + _significance(r),
            "rating": rag.score(r).label, "supplied": r.supplied})
    statements, benchmarked = _panel_statements(results)
    return sections.render("comparison_panel.html.j2", title=title, rows=rows, figure=Markup(figure),
                           statements=statements, benchmark_note=benchmarked)


def _period_label(r: MetricResult) -> str:
    """The latest figure's period with its basis: '12 months to Mar-23' or 'rolling year to Mar-23' where the figure
    it is compared with is a 12-month one (so the latest is too), else the period as it is ('Mar-23')."""
    for basis in ("12 months to ", "rolling year to ", "quarter to "):
        if r.previous_label.lower().startswith(basis):
            return basis + r.period
    return r.period


def _significance(r: MetricResult) -> str:
    """The change's test verdict for a panel row, e.g. ': not significant (p = 0.410)'; '' where no test applies."""
    if r.significant is None:
        return ""
    p = r.test.rpartition(", ")[2] if ", p " in r.test else ""
    return f": {'significant' if r.significant else 'not significant'}" + (f" ({p})" if p else "")


def _panel_statements(results: list[MetricResult]) -> tuple[list[str], bool]:
    """A panel's statements, one line per measure, holding only what its table row does not show.

    The row already gives the latest figure, interval, comparators, change and its test, so a measure's headline
    sentence is kept only where it tests the difference from a comparator with a published interval; the benchmark
    sentence is dropped (its figures are in the comparators column, its caveat is said once under the panel).
    Returns the lines and whether any measure had benchmarks."""
    bench = st.TEMPLATES["benchmarks"].split("{", 1)[0]
    lines, benchmarked = [], False
    for r in results:
        if not r.supplied:
            lines.extend(r.statements)
            continue
        tested = any(low is not None for _, low, _ in r.comparators.values())
        kept = []
        for i, s in enumerate(r.statements):
            if s.startswith(bench):
                benchmarked = True
            elif i > 0 or tested:
                kept.append(s)
        if kept:
            lines.append(" ".join(kept) if tested else f"{r.metric.name}: " + " ".join(kept))
    return lines, benchmarked


PANEL_NOTE = ("Filled dot: this period; bar: its 95% interval (Wilson score); hollow dot: the figure it is compared "
              "with; other markers: comparators as published.")


def _mean_median_html(ctx: ReportContext, r: MetricResult) -> str:
    """Priority response: monthly mean and median against the service level."""
    from . import charts, panel_charts

    median = ctx.data.kpi(r.metric.median_kpi, r.metric.area)
    median = median["value"].astype(float)
    median = median[median.index <= ctx.quarter.end_month]
    level = float(r.metric.service_level)
    fig = panel_charts.mean_median_figure(r, median, level)
    return charts.figure_html(fig, panel_charts.mean_median_alt(r, median, level),
                              note=f"Source: {SOURCE_LABELS[r.metric.source]}. Both the average and the median "
                                      "are shown because a few very long responses pull the average up.")


def governance(ctx: ReportContext) -> Fragment:
    """The delivery and governance section, with the plan's governance structure drawn as a figure."""
    html = sections.narrative_section("governance", ctx.plan.governance_title, ctx.narrative.governance,
                                      ctx.narrative, ctx.plan, ctx.quarter, ctx.force, new_page=False)
    if ctx.plan.governance is not None:
        from . import charts, panel_charts

        fig = panel_charts.governance_figure(ctx.plan.governance)
        html += sections.render("governance_figure.html.j2", figure=Markup(charts.figure_html(
            fig, panel_charts.governance_alt(ctx.plan.governance),
            note=f"Source: {ctx.plan.title}, governance structure as the plan sets it out.")))
    return Fragment(html, {"deliverables": deliverables_frame(ctx.narrative.governance, ctx.quarter)})


def back_matter(ctx: ReportContext) -> Fragment:
    """Notes on methods (from docs/methods.md), the glossary and the provenance stamp.

    The glossary lists every entry; the page assembly (render.page_html) keeps those the finished report uses.
    """
    from .notes import methods_html

    glossary = sorted(sections.load_glossary(ctx.paths.param_file("glossary.yaml")).items(),
                      key=lambda kv: kv[0].lower())
    prov = ctx.provenance.as_dict()
    sources = pd.DataFrame([{k: v for k, v in s.items() if k != "file_hashes"} for s in prov["sources"]])
    return Fragment(sections.render("back.html.j2", glossary=glossary, methods=Markup(methods_html(ctx.paths.methods)),
                                    prov=prov, plan_title=ctx.plan.title, quarter=ctx.quarter.label),
                    {"glossary": pd.DataFrame(glossary, columns=["term", "meaning"]), "sources": sources})
