"""Export executed notebooks to one self-contained HTML report (nbconvert, inputs excluded) and an A4 PDF (WeasyPrint)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from nbconvert import HTMLExporter

from .hashing import atomic_write_bytes, atomic_write_text

_ENV = Environment(loader=PackageLoader("pccreport", "templates"), autoescape=select_autoescape(["html", "j2"]))


def merge(notebooks: list[Path]) -> nbformat.NotebookNode:
    """One notebook holding the output of every executed notebook in order; code and warnings (stderr) left out."""
    merged = nbformat.v4.new_notebook()
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []) or \
                    "injected-parameters" in cell.metadata.get("tags", []):
                continue
            outputs = [o for o in cell.get("outputs", []) if not (o.output_type == "stream" and o.name == "stderr")]
            if outputs:
                new = nbformat.v4.new_code_cell(source="")
                new.outputs = outputs
                merged.cells.append(new)
        merged.metadata = nb.metadata
    return merged


def body_html(nb: nbformat.NotebookNode) -> str:
    """nbconvert's HTML for the outputs only (no inputs, no prompts)."""
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def page_html(body: str, title: str, nav: list[tuple[str, str]], footer: str) -> str:
    """Wrap a body in the report page: stylesheet, navigation sidebar, print CSS."""
    css_src = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    css = css_src.replace("{{ footer }}", footer.replace("\\", "\\\\").replace('"', '\\"'))
    return _ENV.get_template("page.html.j2").render(title=title, css=Markup(css), nav=nav, body=Markup(body))


def write_html(notebooks: list[Path], out: Path, title: str, nav: list[tuple[str, str]], footer: str) -> str:
    """Merge executed notebooks into one HTML report written atomically to ``out``; returns the HTML."""
    text = page_html(body_html(merge(notebooks)), title, nav, footer)
    atomic_write_text(out, text)
    return text


def write_pdf(html_text: str, out: Path, base_url: Path | None = None) -> None:
    """Render report HTML to an A4 PDF with WeasyPrint, written atomically."""
    from weasyprint import HTML

    pdf = HTML(string=html_text, base_url=str(base_url) if base_url else None).write_pdf()
    atomic_write_bytes(out, pdf)
