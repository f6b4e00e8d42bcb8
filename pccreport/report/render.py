"""Export executed notebooks to one self-contained HTML report (nbconvert, inputs excluded) and an A4 PDF (WeasyPrint).

Also exports a single section (one executed notebook) on its own, for an analyst who needs only that part:
``python -m pccreport.report.render reports/wiltshire/2023-Q1/notebooks/12_priority_2.ipynb`` or, executing it first,
``python -m pccreport.report.render --force wiltshire --quarter 2023-Q1 --priority 2``.
"""

from __future__ import annotations

import argparse
import html as html_lib
import re
import sys
import tempfile
from pathlib import Path

import nbformat
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from nbconvert import HTMLExporter

from ..hashing import atomic_write_bytes, atomic_write_text
from .escape import css_string
from .fragment import META_KEY, report_html
from .notes import prune_glossary

_ENV = Environment(loader=PackageLoader("pccreport.report", "templates"), autoescape=select_autoescape(["html", "j2"]))
_SECTION_RE = re.compile(r"<section\b[^>]*>", re.S)
_ID_RE = re.compile(r'\sid="([^"]+)"')
_DATA_NAV_RE = re.compile(r'\sdata-nav="([^"]+)"')
_H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def merge(notebooks: list[Path]) -> nbformat.NotebookNode:
    """One notebook holding the output of every executed notebook in order; code and warnings (stderr) left out."""
    merged = nbformat.v4.new_notebook()
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []) or \
                    "injected-parameters" in cell.metadata.get("tags", []):
                continue
            outputs = [_report_part(o) for o in cell.get("outputs", [])
                       if not (o.output_type == "stream" and o.name == "stderr")]
            if outputs:
                new = nbformat.v4.new_code_cell(source="")
                new.outputs = outputs
                merged.cells.append(new)
        merged.metadata = nb.metadata
    return merged


def _report_part(output: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An output as the report shows it: a section fragment without the styling and data a notebook shows it with."""
    if META_KEY not in output.get("metadata", {}):
        return output
    out = nbformat.from_dict({k: v for k, v in output.items()})
    out.data = nbformat.from_dict({**output.data, "text/html": report_html(output)})
    out.metadata = nbformat.from_dict({k: v for k, v in output.metadata.items() if k != META_KEY})
    return out


def body_html(nb: nbformat.NotebookNode) -> str:
    """nbconvert's HTML for the outputs only (no inputs, no prompts)."""
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def body_nav(body: str) -> list[tuple[str, str]]:
    """Sidebar entries (anchor, label) from the sections the body actually holds, in document order."""
    out = []
    for tag in _SECTION_RE.findall(body):  # attribute order is not kept by nbconvert, so match each separately
        anchor, label = _ID_RE.search(tag), _DATA_NAV_RE.search(tag)
        if anchor and label:
            out.append((anchor.group(1), html_lib.unescape(label.group(1))))
    return out


def page_html(body: str, title: str, nav: list[tuple[str, str]], footer: str) -> str:
    """Wrap a body in the report page: stylesheet, navigation sidebar, print CSS.

    The sidebar lists the sections present in the body (so a section added by a template appears without the caller
    knowing about it); ``nav`` is the fallback when the body marks none.
    """
    css_src = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    css = css_src.replace("{{ footer }}", css_string(footer))
    body = prune_glossary(body)  # the glossary is built from the terms the assembled report actually uses
    entries = body_nav(body) or nav
    return _ENV.get_template("page.html.j2").render(title=title, css=Markup(css), nav=entries, body=Markup(body))


def write_html(notebooks: list[Path], out: Path, title: str, nav: list[tuple[str, str]], footer: str) -> str:
    """Merge executed notebooks into one HTML report written atomically to ``out``; returns the HTML."""
    text = page_html(body_html(merge(notebooks)), title, nav, footer)
    atomic_write_text(out, text)
    return text


def pdf_bytes(html_text: str, base_url: Path | None = None) -> bytes:
    """The A4 PDF of report HTML (WeasyPrint applies the print CSS: footer, page numbers, page breaks).

    Nothing is fetched but embedded ``data:`` resources and files under ``base_url``: whatever an input put in the
    HTML, the renderer reaches neither the network nor the rest of the disk.
    """
    from weasyprint import HTML

    from .columns import install
    from .fetcher import ReportOnlyFetcher

    install()  # the score cards' balanced columns laid out at fewer trial heights, the same pages
    fetcher = ReportOnlyFetcher([base_url] if base_url else [])
    return HTML(string=html_text, base_url=str(base_url) if base_url else None, url_fetcher=fetcher).write_pdf()


def write_pdf(html_text: str, out: Path, base_url: Path | None = None) -> None:
    """Render report HTML to an A4 PDF with WeasyPrint, written atomically."""
    atomic_write_bytes(out, pdf_bytes(html_text, base_url))


def section_title(body: str, fallback: str) -> str:
    """The first heading of a section's body as plain text, for its stand-alone title."""
    m = _H1_RE.search(body)
    if not m:
        return fallback
    return html_lib.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() or fallback


def notebook_params(nb: nbformat.NotebookNode) -> dict:
    """The literal parameters papermill injected into an executed notebook (no code is run to read them)."""
    import ast

    out: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or "injected-parameters" not in cell.metadata.get("tags", []):
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    out[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return out


def _section_labels(nb: nbformat.NotebookNode, body: str, fallback: str) -> tuple[str, str]:
    """Title and footer of a stand-alone section: force, section heading and quarter where the notebook says them."""
    heading = section_title(body, fallback)
    params = notebook_params(nb)
    force, quarter = params.get("force"), params.get("quarter")
    if not force or not quarter:
        return heading, heading
    try:
        from ..config import Paths
        from ..registry import load_registry

        name = load_registry(Paths.discover(params.get("project_root")))[force].name
    except Exception:  # noqa: BLE001 - a label only; the slug is a fine fallback
        name = force
    title = f"{name}: {heading} — {quarter}"
    return title, f"{name} · {heading} · Quarterly PCC highlight report {quarter}"


def export_section(notebook: Path, out_dir: Path, title: str | None = None, footer: str | None = None,
                   pdf: bool = True) -> list[Path]:
    """Export one executed notebook on its own as ``<stem>.html`` (and ``<stem>.pdf``) in ``out_dir``."""
    nb = nbformat.read(notebook, as_version=4)
    if not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
        raise ValueError(f"{notebook} has no outputs: export an executed notebook (reports/<force>/<quarter>/"
                         f"notebooks/) or pass --force, --quarter and --priority to execute one first")
    body = body_html(merge([notebook]))
    auto_title, auto_footer = _section_labels(nb, body, notebook.stem)
    t = title or auto_title
    text = page_html(body, t, [], footer or auto_footer)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"{notebook.stem}.html"
    atomic_write_text(html_path, text)
    outs = [html_path]
    if pdf:
        pdf_path = out_dir / f"{notebook.stem}.pdf"
        write_pdf(text, pdf_path)
        outs.append(pdf_path)
    return outs


def execute_section(force: str, quarter: str, priority: int | None, out_dir: Path, project_root: str | None = None,
                    section: str | None = None) -> Path:
    """Execute one section's notebook (a priority, or front/governance/back) with papermill; returns the output."""
    import papermill as pm

    from ..config import Paths
    from ..inputs.plan import load_plan
    from ..registry import validate_force

    paths = Paths.discover(project_root)
    f = validate_force(force, paths)
    params = {"force": f.slug, "quarter": quarter, "project_root": str(paths.root)}
    if priority is not None:
        p = load_plan(paths, f.slug).priority(priority)
        template, name = p.notebook, f"{10 + p.id:02d}_priority_{p.id}.ipynb"
        params["priority"] = p.id
    else:
        template = {"front": "00_front.ipynb", "governance": "90_governance.ipynb",
                    "back": "99_back_matter.ipynb"}[section or "front"]
        name = template
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / name
    pm.execute_notebook(str(paths.notebooks / template), str(out), parameters=params, kernel_name="python3",
                        cwd=str(paths.notebooks), progress_bar=False, log_output=False)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: export one section of the report as stand-alone HTML and PDF."""
    ap = argparse.ArgumentParser(prog="python -m pccreport.report.render",
                                 description="Export one report section (an executed notebook) as HTML and A4 PDF.")
    ap.add_argument("notebooks", nargs="*", type=Path,
                    help="executed notebook(s), e.g. reports/<force>/<quarter>/notebooks/12_priority_2.ipynb; "
                         "each is exported on its own")
    ap.add_argument("--force", help="execute a section first: force slug (with --quarter and --priority/--section)")
    ap.add_argument("--quarter", help="quarter such as 2023-Q1")
    ap.add_argument("--priority", type=int, help="priority id from the plan")
    ap.add_argument("--section", choices=["front", "governance", "back"], help="a non-priority section")
    ap.add_argument("--out", type=Path, default=Path("."), help="output folder (default: current folder)")
    ap.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    ap.add_argument("--project-root", help="folder holding data/, params/ (default: this project)")
    args = ap.parse_args(argv)
    notebooks = list(args.notebooks)
    if args.force:
        if not args.quarter or (args.priority is None and not args.section):
            ap.error("--force needs --quarter and one of --priority or --section")
        with tempfile.TemporaryDirectory() as tmp:
            nb = execute_section(args.force, args.quarter, args.priority, Path(tmp), args.project_root, args.section)
            for p in export_section(nb, args.out, pdf=not args.no_pdf):
                print(p)
    elif not notebooks:
        ap.error("give executed notebook(s), or --force/--quarter/--priority to execute one")
    for nb in notebooks:
        for p in export_section(nb, args.out, pdf=not args.no_pdf):
            print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
