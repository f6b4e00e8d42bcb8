"""A report section in a notebook: the report's own HTML, shown there with the report's styling and its data.

A section function returns a :class:`Fragment`. Its ``data`` is the section's HTML exactly as the report exports it.
A notebook displays it wrapped in the report's stylesheet, scoped to the fragment (so the RAG colours, the summary
tiles and the tables look as in the report without restyling the rest of the notebook), followed by a collapsed
view of the tidy data behind the section (``frames``). The output's metadata records where the report's HTML lies
in what the notebook shows, and the export (:func:`report_html`, called by ``render.merge``) keeps only that part:
the exported report has no second stylesheet and no data tables, byte for byte what it was before.
"""

from __future__ import annotations

import functools
import html as html_lib
from pathlib import Path

import pandas as pd
import tinycss2
from IPython.display import HTML

NB_CLASS = "pccreport-nb"
# The class twice: JupyterLab's own table rules (`:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td`, striped
# `tbody tr:nth-child(even)`) weigh two classes, so the report's rules need as much to win inside a fragment.
SCOPE = f".{NB_CLASS}.{NB_CLASS}"
META_KEY = "pccreport"  # output metadata: {"pccreport": {"report_html": [start, end]}}
DATA_ROWS = 60  # rows of each frame shown in the notebook (the frame itself is whole in ``frames``)
_DROP_SELECTOR = ("body", "main", ".sidebar", ".jp-")  # the page around the report, not a section's look
# Notebook-only touches: JupyterLab stripes table rows and centres tables; the report does neither.
_NB_EXTRA = (f"{SCOPE} {{ max-width: 185mm; }} {SCOPE} tbody tr:nth-child(odd), {SCOPE} tbody tr:nth-child(even), "
             f"{SCOPE} tbody tr:hover {{ background: transparent; }} {SCOPE} table {{ margin-left: 0; }}"
             " .pccreport-data { font-size: 8pt; margin: 0.5em 0 1.5em; }"
             " .pccreport-data summary { cursor: pointer; color: #0072B2; }"
             " .pccreport-data .frame { overflow-x: auto; max-height: 30em; overflow-y: auto; }")


def _scope_selectors(prelude: str) -> str:
    out = []
    for sel in (s.strip() for s in prelude.split(",")):
        if sel in (":root", "html"):
            out.append(f".{NB_CLASS}")
        elif sel and not sel.startswith(_DROP_SELECTOR):
            out.append(f"{SCOPE} {sel}")
    return ", ".join(out)


def _scope_rules(rules) -> list[str]:
    out = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = _scope_selectors(tinycss2.serialize(rule.prelude))
            if selectors:
                out.append(f"{selectors} {{{tinycss2.serialize(rule.content)}}}")
        elif rule.type == "at-rule" and rule.lower_at_keyword == "media":
            query = tinycss2.serialize(rule.prelude).strip()
            if "print" in query:  # the PDF's layout: not the notebook's
                continue
            inner = _scope_rules(tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True))
            if inner:
                out.append(f"@media {query} {{{' '.join(inner)}}}")
        # @page (the PDF's margins and footer) and anything else stays out of the notebook
    return out


@functools.lru_cache(maxsize=1)
def notebook_css() -> str:
    """The report's stylesheet with every rule scoped to a fragment's wrapper, for a notebook (print rules left out)."""
    src = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    rules = tinycss2.parse_stylesheet(src, skip_whitespace=True, skip_comments=True)
    return " ".join(_scope_rules(rules)) + " " + _NB_EXTRA


def frames_html(frames: dict[str, pd.DataFrame]) -> str:
    """The collapsed 'data behind this section' view: each frame's name, size and (first rows of) its table."""
    if not frames:
        return ""
    parts = []
    for name, df in frames.items():
        parts.append(f'<p><code>{html_lib.escape(name)}</code> — {len(df):,} rows × {len(df.columns)} columns</p>'
                     f'<div class="frame">{df.to_html(max_rows=DATA_ROWS, na_rep="—", border=0)}</div>')
    names = ", ".join(html_lib.escape(n) for n in frames)
    return (f'<details class="pccreport-data"><summary>Data behind this section ({names}) — '
            f'<code>.frames</code>; not in the exported report</summary>{"".join(parts)}</details>')


class Fragment(HTML):
    """One section of the report: ``data`` is its HTML as exported, ``frames`` the tidy data behind it."""

    def __init__(self, html: str, frames: dict[str, pd.DataFrame] | None = None):
        super().__init__(html)
        self.frames: dict[str, pd.DataFrame] = dict(frames or {})

    def notebook_html(self) -> tuple[str, int, int]:
        """What a notebook shows, and where in it the report's own HTML starts and ends."""
        head = f'<div class="{NB_CLASS}"><style>{notebook_css()}</style>'
        start = len(head)
        return head + self.data + "</div>" + frames_html(self.frames), start, start + len(self.data)

    def _repr_html_(self) -> str:
        return self.notebook_html()[0]

    def _repr_mimebundle_(self, include=None, exclude=None):
        text, start, end = self.notebook_html()
        return {"text/html": text, "text/plain": repr(self)}, {META_KEY: {"report_html": [start, end]}}

    def __repr__(self) -> str:
        data = ", ".join(f"{k} ({len(v):,} rows)" for k, v in self.frames.items()) or "none"
        return f"<Fragment: {len(self.data):,} characters of report HTML; data: {data}>"


def report_html(output: dict) -> str | None:
    """The report's part of a notebook output's HTML: the fragment itself for a :class:`Fragment`, else all of it."""
    text = output.get("data", {}).get("text/html")
    if text is None:
        return None
    if isinstance(text, list):
        text = "".join(text)
    span = output.get("metadata", {}).get(META_KEY, {}).get("report_html")
    if span:
        start, end = int(span[0]), int(span[1])
        head = text[:start]
        if not (head.startswith(f'<div class="{NB_CLASS}"><style>') and head.endswith("</style>")
                and text[end:].startswith("</div>")):
            raise ValueError("a report fragment's output was edited after it ran (its marked span no longer holds "
                             "the report's HTML); run the notebook again")
        return text[start:end]
    return text
