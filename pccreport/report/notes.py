"""The report's back matter text: notes on methods drawn from docs/methods.md, and a glossary of the terms used."""

from __future__ import annotations

import html
import re
from pathlib import Path

from markdown_it import MarkdownIt

PRIVATE = "For maintainers"  # the heading of methods.md's section that is not printed
# What public text must never show: file paths or names, code spans, formulas.
_LEAKS = [(re.compile(r"`"), "a code span"),
          (re.compile(r"\b[\w.-]+/[\w./-]+\.\w+\b|\b[\w-]+\.(?:py|ya?ml|parquet|csv|json|ipynb)\b"), "a file path"),
          (re.compile(r"[Σ÷√]|\d\s*×\s*\w|\bsqrt\b|\bmean\s*±"), "a formula")]
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_GLOSSARY_RE = re.compile(r'(<div class="glossary"[^>]*>)(.*?)(</div><!-- glossary -->)', re.S)
_TERM_ROW_RE = re.compile(r'<p data-term="([^"]*)">.*?</p>', re.S)


def public_leaks(text: str) -> list[str]:
    """What in ``text`` must not be in a public report: each leak found, with the words around it."""
    found = []
    for pattern, what in _LEAKS:
        for m in pattern.finditer(text):
            found.append(f"{what}: …{text[max(0, m.start() - 30):m.end() + 30]}…")
    return found


def public_methods(markdown: str) -> str:
    """The public part of methods.md: every ``##`` section but the maintainers' one, without the page's title."""
    parts = re.split(r"(?m)^(?=## )", markdown)
    return "".join(p for p in parts[1:] if not p.startswith(f"## {PRIVATE}")).strip()


def methods_html(path: Path) -> str:
    """The notes on methods as HTML (headings demoted to the report's h2), from the public part of ``path``.

    Raises ValueError naming the file and the text if the public part shows a file path, code or a formula.
    """
    text = public_methods(path.read_text(encoding="utf-8"))
    leaks = public_leaks(text)
    if leaks:
        raise ValueError(f"{path}: its public part (above '## {PRIVATE}') is printed in every report and must show "
                         f"no file path, code or formula; move these under '## {PRIVATE}': " + "; ".join(leaks))
    if not text:
        raise ValueError(f"{path}: no '## ' sections above '## {PRIVATE}', so the report would have no notes on "
                         "methods; restore the methods sections")
    # A class for the print CSS: a long reference table here may break between rows.
    return _MD.render(text).replace("<table>", '<table class="reference">')


def visible_text(page: str) -> str:
    """The words a reader sees in an HTML page or fragment: no tags, styles, attributes or embedded images."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def term_used(term: str, text: str) -> bool:
    """Whether ``text`` uses ``term`` as a whole word: an acronym exactly (CSP, S&H), a phrase in any case."""
    flags = re.I if " " in term else 0
    return re.search(rf"(?<![\w&]){re.escape(term)}(?![\w&])", text, flags) is not None


def prune_glossary(body: str) -> str:
    """Leave in the body's glossary only the terms the rest of the body uses (so a section added by any template
    is counted); a glossary left empty says so."""
    m = _GLOSSARY_RE.search(body)
    if not m:
        return body
    rest = visible_text(body[:m.start()] + body[m.end():])
    kept = [row.group(0) for row in _TERM_ROW_RE.finditer(m.group(2)) if term_used(html.unescape(row.group(1)), rest)]
    inner = "".join(kept) or "<p>This report uses none of the glossary's terms.</p>"
    return body[:m.start()] + m.group(1) + inner + m.group(3) + body[m.end():]
