"""What the notebooks call: load a force-quarter's context once, then render each part of the report as HTML."""

from __future__ import annotations

from dataclasses import dataclass

from IPython.display import HTML

from . import charts, sections
from .config import Paths
from .data import ReportData
from .narrative import Narrative, load_narrative
from .periods import Quarter
from .plan import Plan, load_plan
from .provenance import Provenance, collect
from .registry import Force, validate_force
from .scorecard import MetricResult, compute_plan

SOURCE_LABELS = {"police_uk": "data.police.uk street-level crime (Home Office)", "kpi": "force systems (KPI CSV)"}


@dataclass
class ReportContext:
    """Everything one force-quarter's report needs, loaded from params/ and data/processed/ only."""

    paths: Paths
    force: Force
    quarter: Quarter
    plan: Plan
    narrative: Narrative
    data: ReportData
    results: list[MetricResult]
    provenance: Provenance

    def results_for(self, priority: int, scorecard: str | None = None) -> list[MetricResult]:
        return [r for r in self.results if r.priority == priority and (scorecard is None or r.scorecard == scorecard)]


def context(force: str, quarter: str, project_root: str | None = None, built_at: str | None = None) -> ReportContext:
    """Validate the parameters and load everything for one force-quarter (data must already be ingested)."""
    paths = Paths.discover(project_root)
    f = validate_force(force, paths)
    q = Quarter.parse(quarter)
    plan = load_plan(paths, f.slug)
    narrative = load_narrative(paths, f.slug, q.label)
    data = ReportData.load(paths, f)
    results = compute_plan(plan, data, q)
    prov = collect(paths, f.slug, q.label, data.sources, built_at)
    return ReportContext(paths, f, q, plan, narrative, data, results, prov)


def cover(ctx: ReportContext) -> HTML:
    """Cover, contents and the one-page summary scorecard."""
    return HTML(sections.render("cover.html.j2", force=ctx.force, plan=ctx.plan, quarter=ctx.quarter,
                                results=ctx.results, sample=ctx.provenance.sample))


def priority_narrative(ctx: ReportContext, priority: int) -> HTML:
    """A priority's heading and narrative (or a visible 'narrative not supplied' box)."""
    p = ctx.plan.priority(priority)
    section = ctx.narrative.priorities.get(p.id)
    if ctx.narrative.supplied and section is None:
        from .narrative import Section

        section = Section()
    return HTML(sections.narrative_section(f"priority-{p.id}", f"Priority {p.id}: {p.title}", section, ctx.narrative,
                                           ctx.plan, ctx.quarter, ctx.force))


def scorecards(ctx: ReportContext, priority: int) -> HTML:
    """Every scorecard of a priority: statements and a control chart per metric."""
    p = ctx.plan.priority(priority)
    parts = []
    for sc in p.scorecards:
        results = ctx.results_for(p.id, sc.title)
        figures = []
        for r in results:
            if r.chart is None:
                figures.append("")
                continue
            source = SOURCE_LABELS[r.metric.source]
            fig = charts.xmr_figure(r, source)
            figures.append(charts.figure_html(fig, charts.alt_text(r)))
        parts.append(sections.render("scorecard.html.j2", title=sc.title, results=results,
                                     figures=[sections.Markup(f) for f in figures]))
    return HTML("".join(parts))


def governance(ctx: ReportContext) -> HTML:
    """The delivery and governance section."""
    return HTML(sections.narrative_section("governance", ctx.plan.governance_title, ctx.narrative.governance,
                                           ctx.narrative, ctx.plan, ctx.quarter, ctx.force))


def back_matter(ctx: ReportContext) -> HTML:
    """Glossary of the acronyms the report uses, and the provenance stamp."""
    glossary = sections.load_glossary(ctx.paths.params / "glossary.yaml")
    return HTML(sections.render("back.html.j2", glossary=sections.used_acronyms(report_text(ctx), glossary),
                                prov=ctx.provenance.as_dict()))


def report_text(ctx: ReportContext) -> str:
    """All words the report shows, for finding the acronyms it uses."""
    parts = [ctx.plan.title, ctx.plan.governance_title]
    for p in ctx.plan.priorities:
        parts.append(p.title)
        parts += [sc.title for sc in p.scorecards]
    for r in ctx.results:
        parts.append(r.metric.name)
        parts += r.statements
        if r.chart is not None:
            parts.append(r.chart.settings.describe())
    sections_ = list(ctx.narrative.priorities.values()) + [ctx.narrative.governance]
    for s in sections_:
        parts += s.outcomes + s.focus + s.risks + [d.action + " " + d.note for d in s.deliverables]
    return "\n".join(parts)
