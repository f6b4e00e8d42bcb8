"""Analyst narrative per force and quarter (params/<force>/<quarter>.yaml), rendered as safe HTML."""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re

import nh3
from markdown_it import MarkdownIt
from pydantic import AfterValidator, ConfigDict, Field, ValidationError
from typing_extensions import Annotated

from ..config import Paths
from ..errors import InputError
from ..periods import check_month
from ..yamlfile import AnalystModel, load_yaml, pydantic_problems

# Raw HTML in the source is escaped by markdown-it (html=False); nh3 then enforces an allow-list on what remains.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False})
_ALLOWED_TAGS = {"p", "em", "strong", "code", "a", "ul", "ol", "li", "br"}
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>?")
# javascript:/vbscript: anywhere; data: only as a link target, since "data:" is ordinary prose ("missing data: ...").
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]*)")  # the target of a Markdown link [text](target)
_BAD_SCHEME = re.compile(r"\b(?:javascript|vbscript)\s*:|\]\(\s*data\s*:", re.IGNORECASE)


def _markdown_only(text: str) -> str:
    """Refuse raw HTML and script links in analyst text: the rendered report must never carry them (defence in depth:
    md_inline escapes and sanitises anyway, but the analyst is told at validation time rather than surprised)."""
    tag = _HTML_TAG.search(text)
    if tag:
        raise ValueError(f"raw HTML is not allowed (found {tag.group(0)[:30]!r}); write Markdown instead: "
                         "**bold**, *italic*, [link text](https://...)")
    scheme = _BAD_SCHEME.search(text) or _BAD_SCHEME.search(html.unescape(text))  # "&#106;avascript:" too
    if scheme:
        raise ValueError(f"{scheme.group(0)!r} links are not allowed; links must start https://, http:// or mailto:")
    for target in _LINK_TARGET.findall(html.unescape(text)):
        if not re.match(r"(?i)(https?://|mailto:)", target):
            raise ValueError(f"link target {target[:60]!r} is not allowed; links must start https://, http:// or "
                             "mailto: (a relative link would point into the report's own folders)")
    return text


def _due_understood(text: str) -> str:
    if _parse_due(text) is None:
        raise ValueError("must be a date written YYYY-MM-DD, YYYY-MM, YYYY-Qn, 'Qn YYYY', 'June 2023' "
                         "or '15 June 2023'")
    return text


Text = Annotated[str, AfterValidator(_markdown_only)]


class Deliverable(AnalystModel):
    """One deliverable: action, when it is due and how far along it is."""

    model_config = ConfigDict(extra="forbid")
    action: Text
    due: Annotated[str, AfterValidator(_due_understood)]
    progress: int = Field(ge=0, le=100)
    note: Text = ""
    # When the work began ('YYYY-MM' or 'YYYY-MM-DD'); without it, 12 months before the due date is assumed.
    start: Annotated[str, AfterValidator(lambda t: check_month(t, day=True))] | None = None


class Section(AnalystModel):
    """Narrative for one priority (or for delivery & governance)."""

    model_config = ConfigDict(extra="forbid")
    outcomes: list[Text] = []
    focus: list[Text] = []
    deliverables: list[Deliverable] = []
    risks: list[Text] = []


class Narrative(AnalystModel):
    """All the analyst's words for one force-quarter."""

    model_config = ConfigDict(extra="forbid")
    force: str
    quarter: str
    author: Text = ""
    priorities: dict[int, Section] = {}
    governance: Section = Section()
    supplied: bool = True


def load_narrative(paths: Paths, force: str, quarter: str) -> Narrative:
    """Load params/<force>/<quarter>.yaml; a missing file gives an empty narrative marked not supplied."""
    path = paths.params / force / f"{quarter}.yaml"
    if not path.exists():
        return Narrative(force=force, quarter=quarter, supplied=False)
    doc = load_yaml(path)
    if doc is None:
        from ..errors import Problem

        raise InputError(path, [Problem("(file)", "the file is empty")],
                         "write the narrative (see params/wiltshire/2023-Q1.yaml), or delete the file to show "
                         "'narrative not supplied'")
    try:
        nar = Narrative.model_validate(doc)
    except ValidationError as exc:
        raise InputError(path, pydantic_problems(exc), "see docs/inputs.md for the narrative schema") from exc
    if nar.force != force or nar.quarter != quarter:
        from ..errors import Problem

        raise InputError(path, [Problem("force/quarter", f"file says {nar.force} {nar.quarter}, expected {force} {quarter}")])
    return nar


def md_inline(text: str) -> str:
    """Render one line of analyst Markdown to sanitised inline HTML (no raw HTML, no script, no javascript: links)."""
    rendered = _MD.renderInline(str(text))
    # Relative links are dropped too: in the published folder "../../.logs/run.log" would reach the run's logs, and
    # in the PDF a relative link becomes a file:// link into the build machine.
    return nh3.clean(rendered, tags=_ALLOWED_TAGS, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer", url_relative="deny")


START_MONTHS = 12  # assumed length of a deliverable's work when no start is given (docs/methods.md)


def due_status(due: str, progress: int, as_of: dt.date, start: str | None = None) -> str:
    """'complete', 'overdue', 'at risk' (progress behind the share of time elapsed) or 'on track', at the quarter end."""
    if progress >= 100:
        return "complete"
    parsed = _parse_due(due)
    if parsed is None:
        return "due date not understood"
    if parsed <= as_of:  # due by the quarter's end and not complete
        return "overdue"
    import pandas as pd

    begin = pd.Timestamp(start).date() if start else (pd.Timestamp(parsed) - pd.DateOffset(months=START_MONTHS)).date()
    if begin < as_of and parsed > begin:
        elapsed = (as_of - begin).days / (parsed - begin).days
        if progress < elapsed * 100:
            return "at risk"
    return "on track"


def due_label(due: str) -> str:
    """A due date in the report's one format: 'Jun 2023' for a month or quarter, '15 Jun 2023' for a day."""
    parsed = _parse_due(due)
    if parsed is None:
        return due
    return f"{parsed.day} {parsed:%b %Y}" if re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2}|\d{1,2}\s+\S+\s+\d{4})\s*", due) else f"{parsed:%b %Y}"


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {"sept": 9}


def _parse_due(due: str) -> dt.date | None:
    """Due dates are written 'YYYY-MM-DD', 'YYYY-MM', 'YYYY-Qn', 'Qn YYYY', 'June 2023' or '15 June 2023'; a month or
    quarter means its last day. Nothing else is guessed at: pandas would read '01/02/2023' as 2 January, '2023' as
    January and 'now' as the day of the build."""
    from ..periods import Quarter

    text = due.strip()
    swapped = re.fullmatch(r"(Q[1-4])\s+(\d{4})", text)  # the seed writes quarters as 'Q4 2023'
    if swapped:
        text = f"{swapped.group(2)}-{swapped.group(1)}"
    if re.fullmatch(r"\d{4}-Q[1-4]", text):
        return Quarter.parse(text).end_month.end_time.date()
    m = (re.fullmatch(r"(?P<y>\d{4})-(?P<m>\d{2})(?:-(?P<d>\d{2}))?", text, re.ASCII)
         or re.fullmatch(r"(?:(?P<d>\d{1,2})\s+)?(?P<name>[A-Za-z]+)\.?\s+(?P<y>\d{4})", text, re.ASCII))
    if not m:
        return None
    year = int(m["y"])
    month = int(m["m"]) if m.groupdict().get("m") else _MONTHS.get(m["name"].lower())
    if month is None or not 1 <= month <= 12 or not 2000 <= year <= 2100:
        return None
    day = int(m["d"]) if m["d"] else calendar.monthrange(year, month)[1]
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def escape(text: str) -> str:
    """Escape plain text for HTML."""
    return html.escape(str(text))
