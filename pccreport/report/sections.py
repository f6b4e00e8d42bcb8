"""HTML fragments for each part of the report, from Jinja2 templates with autoescaping on."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..inputs.narrative import Deliverable, due_label, due_status, md_inline
from ..errors import InputError, Problem
from ..yamlfile import load_yaml
from . import rag as rag_
from . import statements as st

_ENV = Environment(loader=PackageLoader("pccreport.report", "templates"), autoescape=select_autoescape(["html", "j2"]),
                   trim_blocks=True, lstrip_blocks=True)


def _md(text: str) -> Markup:
    return Markup(md_inline(text))


def _bullets(items: list[str]) -> Markup:
    if not items:
        return Markup('<p class="small">None reported.</p>')
    return Markup("<ul>" + "".join(f"<li>{md_inline(i)}</li>" for i in items) + "</ul>")


def fmt_result_value(r) -> str:
    """The latest value of a result in its unit, or '—'."""
    if r.value is None:
        return "—"
    unit = "count" if r.unit.endswith("(R12)") else r.unit
    return st.fmt_value(r.value, unit)


def fmt_result_change(r) -> str:
    """The change with its unit and a good/bad arrow."""
    if r.change is None:
        return "—"
    arrow = {True: " ▲", False: " ▼"}.get(r.good, "")
    if r.change_unit == "pts":
        return f"{r.change:+.1f}pts{arrow}"
    if r.change_unit not in ("%", ""):  # a change in the metric's own unit, e.g. days from the previous quarter
        return f"{r.change:+,.0f} {r.change_unit}{arrow}"
    return f"{r.change:+.1f}%{arrow}"


def fmt_result_target(r) -> str:
    """The plan's target for a metric in its unit, or '—' when the plan sets none."""
    target = getattr(r.metric, "target", None)
    if target is None:
        return "—"
    unit = r.unit if r.unit in ("percent", "seconds", "days") else "count"
    return ("≤ " if r.metric.direction == "down" else "≥ ") + st.fmt_value(float(target), unit)


def rag_counts(rags: list) -> list[tuple[str, str, int]]:
    """(status, label, count) for each rating present, in the order red, amber, green, no change, not rated, grey."""
    order = [(k, rag_.LABELS[k]) for k in ("red", "amber", "green", "nochange", "unrated", "grey")]
    return [(k, lbl, n) for k, lbl in order if (n := sum(1 for g in rags if g.status == k))]


def comparison_bases(results: list) -> str:
    """What the change column compares, from the comparisons the measures actually made (never a fixed phrase)."""
    seen: list[str] = []
    for r in results:
        c = getattr(r, "comparison", "")
        if c and not c.startswith(("service level", "range")):
            key = c.split(" (")[0]
            if key not in seen:
                seen.append(key)
    return "; ".join(f"against the {k}" for k in seen) if seen else "no comparisons available"


SPARK_POINTS = 24  # two years of months: enough to see a season, small enough for a table cell


def sparkline(series, width: int = 60, height: int = 11) -> Markup:
    """A small inline SVG line of the series' last ``SPARK_POINTS`` values (empty when fewer than 3 points)."""
    if series is None:
        return Markup("")
    v = [float(x) for x in list(series.dropna())[-SPARK_POINTS:]]
    if len(v) < 3:
        return Markup("")
    lo, hi = min(v), max(v)
    span = (hi - lo) or 1.0
    pts = " ".join(f"{i * (width - 2) / (len(v) - 1) + 1:.1f},{height - 1 - (x - lo) / span * (height - 2):.1f}"
                   for i, x in enumerate(v))
    return Markup(f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
                  f'aria-label="trend of the last {len(v)} values"><polyline fill="none" stroke="#1f4e79" '
                  f'stroke-width="1" points="{pts}"/></svg>')


def exceptions(scored: list) -> list:
    """(result, rating) pairs with a special-cause signal or a significant 12-month change, good or bad."""
    return [(r, g) for r, g in scored if r.supplied and (str(r.verdict).startswith("special cause") or r.significant)]


def render(template: str, **ctx) -> str:
    """Render one template with the shared helpers available."""
    return _ENV.get_template(template).render(md=_md, bullets=_bullets, fmt_value=fmt_result_value,
                                              fmt_change=fmt_result_change, fmt_target=fmt_result_target,
                                              rag=rag_.score, rag_rule=rag_.RULE,
                                              rag_counts=rag_counts, comparison_bases=comparison_bases, exceptions=exceptions, sparkline=sparkline,
                                              **ctx)


def narrative_section(anchor: str, heading: str, section, narrative, plan, quarter, force, new_page: bool = True) -> str:
    """A priority's (or governance) narrative block: outcomes, focus, deliverables, risks; on a new printed page
    unless ``new_page`` is False (governance follows on from the last priority)."""
    as_of = quarter.end_month.end_time.date()

    def status(d: Deliverable) -> str:
        return due_status(d.due, d.progress, as_of, d.start)

    return render("narrative.html.j2", anchor=anchor, heading=heading, section=section, narrative=narrative, plan=plan,
                  quarter=quarter, force=force, status=status, due_label=due_label, new_page=new_page)


def load_glossary(path) -> dict[str, str]:
    """The glossary of acronyms and terms (params/glossary.yaml)."""
    doc = load_yaml(path) or {}
    if not isinstance(doc, dict):
        raise InputError(path, [Problem("(top level)", "is not a mapping of term: meaning")],
                         "write each glossary entry as 'TERM: what it means'")
    return {str(k): str(v) for k, v in doc.items()}
