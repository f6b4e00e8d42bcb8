"""The exported report a reviewer reads: complete, self-contained HTML; an A4 PDF with no blank or clipped pages;
each section exportable on its own. Reads the session's sample build (``built_twice[0]``, the national sample tables
included), which no test here writes into."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from pccreport.inputs.plan import load_plan
from pccreport.report import rag, render
from pccreport.report.sections import load_glossary

STEM = "wiltshire-2023-Q1-report"


@pytest.fixture(scope="module")
def report(built_twice):
    """The sample report as run_all.py builds it: the session's first build (see conftest.py), read only here."""
    paths = built_twice[0]
    out = paths.report_dir("wiltshire", "2023-Q1")
    return paths, out, (out / f"{STEM}.html").read_text(encoding="utf-8")


def _visible_text(page: str) -> str:
    body = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    body = re.sub(r'src="data:[^"]*"', "", body)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_every_priority_metric_glossary_and_provenance_is_in_the_html(report):
    paths, _, page = report
    text = _visible_text(page)
    plan = load_plan(paths, "wiltshire")
    for p in plan.priorities:
        assert f"Priority {p.id}: {p.title}" in text
        for sc in p.scorecards:
            assert f"Score card – {sc.title}" in text
    panels = {m.id for p in plan.priorities for sc in p.scorecards if sc.chart == "comparison" for m in sc.metrics}
    for m in plan.metrics():
        if m.id in panels:  # a comparison panel: one chart for the scorecard, a table row and statements per measure
            assert f"<td>{html.escape(m.name)}</td>" in page, f"metric {m.name!r} has no row in its panel"
            continue
        block = re.search(rf"<h3>{re.escape(html.escape(m.name))}</h3>(.*?)</div>\s*"
                          rf"(?=<div class=\"metric|</div>\s*(<div class=\"card-row|</section))", page, re.S)
        assert block, f"metric {m.name!r} has no section"
        if m.chart == "none":  # a measure shown as statements only (e.g. rate per 1,000 vs national)
            assert "<li>" in block.group(1), f"metric {m.name!r} shows no statement"
        else:
            assert "<img" in block.group(1) or "Data not supplied" in block.group(1) or "Too few" in block.group(1)
    assert 'id="glossary"' in page and "Glossary" in text
    glossary = load_glossary(paths.params / "glossary.yaml")
    assert "R12" in glossary and f"R12 {glossary['R12']}" in text
    # The glossary holds exactly the terms the rest of the report uses, checked here on the page a reader gets.
    listed = re.search(r'<div class="glossary".*?</div><!-- glossary -->', page, re.S).group(0)
    rest = _visible_text(page.replace(listed, ""))
    shown = {html.unescape(t) for t in re.findall(r'data-term="([^"]*)"', listed)}
    for term in glossary:
        flags = re.I if " " in term else 0
        used = re.search(rf"(?<![\w&]){re.escape(term)}(?![\w&])", rest, flags) is not None
        assert (term in shown) == used, term
    assert {"Special cause", "Process limits", "Common cause", "R12"} <= shown  # the sample uses each of these
    assert "Notes on methods" in text and "Assumptions and caveats" in text and "Who can change it" in text
    assert 'id="provenance"' in page
    for needle in ("Data sources and provenance", "SHA-256", "Built by pccreport", "force = wiltshire",
                   "quarter = 2023-Q1", "SAMPLE DATA", "ONS, Police force area data tables"):
        assert needle in text, needle
    assert "Crime volume and comparison" in text and "ranked" in text and "Peer-group average" in text
    assert rag.RULE[:60] in text  # the rating rule is printed with the scorecard


def test_no_code_prompts_or_leaks_and_every_image_has_alt_text(report):
    _, _, page = report
    text = _visible_text(page)
    for leak in ("report.context(", "import ", "jp-InputArea", "jp-InputPrompt", "In&nbsp;[", "Out[", "Traceback",
                 "Error:", "<pre"):
        assert leak not in page, leak
    assert not re.search(r"\b(nan|NaN|None|NaT|<NA>)\b", text), re.search(r".{40}\b(nan|NaN|None|NaT)\b.{40}", text)
    imgs = re.findall(r"<img\b[^>]*>", page)
    assert len(imgs) >= 12
    for tag in imgs:
        alt = re.search(r'alt="([^"]*)"', tag)
        assert alt and len(alt.group(1)) > 30, tag[:120]


def test_html_is_self_contained_with_no_script_and_a_sidebar(report):
    _, _, page = report
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(https?:)?//', page), "no external resources"
    assert "@import" not in page and not re.search(r"url\((['\"]?)(https?:)?//", page)
    assert "<link" not in page.lower()
    nav = re.search(r'<nav class="sidebar".*?</nav>', page, re.S).group(0)
    anchors = re.findall(r'href="#([^"]+)"', nav)
    for a in ("cover", "summary", "comparison", "priority-1", "governance", "glossary", "provenance"):
        assert a in anchors and f'id="{a}"' in page
    assert "@media print" in page and "@page" in page


def _pages(pdf: Path, out: Path, dpi: int = 40) -> list[Path]:
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out / "p")], check=True, timeout=300)
    return sorted(out.glob("p-*.png"))


def test_pdf_pages_are_a4_numbered_none_blank_none_clipped(report, tmp_path):
    _, out, _ = report
    pdf = out / f"{STEM}.pdf"
    reader = PdfReader(pdf)
    n = len(reader.pages)
    pngs = _pages(pdf, tmp_path)
    assert len(pngs) == n >= 10
    for i, png in enumerate(pngs):
        im = np.asarray(Image.open(png).convert("L"), dtype=float)
        h, w = im.shape
        assert abs(h / w - 297 / 210) < 0.01, "A4 portrait"
        ink = (im < 200).mean()
        body = im[int(h * 0.05):int(h * 0.9)]
        assert (body < 200).mean() > 0.01, f"page {i + 1} has no content above the footer"
        assert ink < 0.5
        # Nothing in the outer 8 mm of the left, right and top edges: content is inside the margins.
        edge = int(w * 8 / 210)
        for name, strip in (("left", im[:, :edge]), ("right", im[:, -edge:]), ("top", im[:edge])):
            assert strip.min() > 200, f"page {i + 1}: something reaches the {name} edge"
        text = reader.pages[i].extract_text()
        assert f"Page {i + 1} of {n}" in text and "Police and Crime Plan 2022-25" in text


def test_pdf_exceptions_and_summary_start_pages_and_later_sections_flow_on(report):
    """The exceptions and the summary scorecard each open a page; the sections after them follow one another on the
    page (a forced page per section left pages half white), their headings kept with what follows (checked from the
    layout in test_pdf_layout_keeps_figures_tables_and_metrics_whole_and_inside_the_margins)."""
    paths, out, _ = report
    reader = PdfReader(out / f"{STEM}.pdf")
    texts = [p.extract_text() for p in reader.pages]
    firsts = [[ln for ln in t.splitlines() if ln.strip()][:3] for t in texts]
    for heading in ("Exceptions for the Panel", "Summary scorecard"):
        # The section's kicker/heading is among the first lines of a page, so it starts that page.
        assert any(heading in ln for lines in firsts for ln in lines), heading
    plan = load_plan(paths, "wiltshire")
    later = ["Crime volume and comparison", "Notes on methods"] + [f"Priority {p.id}: " for p in plan.priorities]
    mid_page = [h for h in later if not any(h in ln for lines in firsts for ln in lines)]
    assert mid_page, "every later section starts a page: sections are not flowing on"


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


HEADINGS = ("h1", "h2", "h3")


def _layout_problems(page: str) -> tuple[list[str], int]:
    """From WeasyPrint's own layout: figures, tables, images or metric blocks spanning two pages, images outside the
    text area, a heading stranded at a page's foot (what follows it starts on a later page); and the number of
    images laid out."""
    from weasyprint import HTML

    doc = HTML(string=page).render()
    seen: dict[int, int] = {}
    first: dict[int, int] = {}  # element id -> the first page it has a box on
    elements: dict[int, object] = {}
    problems, n_img = [], 0
    for i, pg in enumerate(doc.pages):
        for b in _boxes(pg._page_box):
            el = getattr(b, "element", None)
            if el is not None:
                first.setdefault(id(el), i)
                elements.setdefault(id(el), el)
    root = next((el for el in elements.values() if el.tag == "html"), None)
    parents = {id(c): p for p in root.iter() for c in p} if root is not None else {}
    for key, el in elements.items():
        if el.tag not in HEADINGS or key not in parents:
            continue
        siblings = list(parents[key])
        after = [s for s in siblings[siblings.index(el) + 1:] if id(s) in first]
        if after and first[id(after[0])] > first[key]:
            problems.append(f"heading {(el.text or '').strip()[:40]!r} is stranded at the foot of page {first[key] + 1}")
    for i, pg in enumerate(doc.pages):
        pb = pg._page_box
        top, bottom = pb.content_box_y(), pb.content_box_y() + pb.height
        left, right = pb.content_box_x(), pb.content_box_x() + pb.width
        for b in _boxes(pb):
            el = getattr(b, "element", None)
            tag = getattr(b, "element_tag", None)
            classes = (el.get("class") or "").split() if el is not None else []
            # The summary scorecard is longer than a page by design, and the reference tables at the back (sources,
            # assumptions, glossary) may run on: they break between rows, never inside one.
            long_table = tag == "table" and bool({"scorecard", "provenance-table", "reference"} & set(classes))
            if tag == "tr" and el.find("th") is not None:
                continue  # a header row is repeated on every page a long table spans, by design
            keep = (tag in ("figure", "table", "img", "tr") and not long_table) or (tag == "div" and "metric" in classes)
            if not keep:
                continue
            if seen.setdefault(id(el), i) != i:
                problems.append(f"a <{tag}> is split across pages {seen[id(el)] + 1} and {i + 1}")
            if tag == "img":
                n_img += 1
                if not (top - 0.5 <= b.position_y and b.position_y + b.height <= bottom + 0.5):
                    problems.append(f"image cut off at the top or bottom of page {i + 1}")
                if not (left - 0.5 <= b.position_x and b.position_x + b.width <= right + 0.5):
                    problems.append(f"image wider than the text area on page {i + 1}")
    return sorted(set(problems)), n_img


def test_pdf_layout_keeps_figures_tables_and_metrics_whole_and_inside_the_margins(report):
    _, _, page = report
    problems, n_img = _layout_problems(page)
    assert problems == []
    assert n_img == len(re.findall(r"<img\b", page))


def test_layout_check_catches_a_split_table_and_an_overwide_image():
    import base64
    import io

    buf = io.BytesIO()
    Image.new("RGB", (40, 4), "black").save(buf, format="PNG")
    png = base64.b64encode(buf.getvalue()).decode()
    rows = "".join(f"<tr><td>{i}</td></tr>" for i in range(150))
    page = render.page_html(f"<table>{rows}</table><img alt='x' style='width: 400mm; height: 10mm' "
                            f"src='data:image/png;base64,{png}' /><h2 style='break-after: page'>Alone</h2><p>x</p>"
                            "<h2>Kept</h2><p>y</p>", "T", [], "F")
    problems, _ = _layout_problems(page)
    assert any("split across pages" in p for p in problems)
    assert any("wider than the text area" in p for p in problems)
    stranded = [p for p in problems if "stranded" in p]
    assert len(stranded) == 1 and "'Alone'" in stranded[0], problems


def test_one_section_exports_on_its_own_as_html_and_pdf(report, tmp_path):
    _, out, _ = report
    nb = out / "notebooks" / "12_priority_2.ipynb"
    assert render.main([str(nb), "--out", str(tmp_path)]) == 0
    page = (tmp_path / "12_priority_2.html").read_text(encoding="utf-8")
    text = _visible_text(page)
    assert "Priority 2: Reduce violence and serious harm" in text and "Priority 1:" not in text
    assert "<script" not in page and "<img" in page
    assert "<title>Wiltshire: Priority 2: Reduce violence and serious harm — 2023-Q1</title>" in page
    reader = PdfReader(tmp_path / "12_priority_2.pdf")
    assert 1 <= len(reader.pages) < 8
    first = reader.pages[0].extract_text()
    assert "Priority 2: Reduce violence and serious harm" in first
    assert f"Page 1 of {len(reader.pages)}" in first and "Quarterly PCC highlight report 2023-Q1" in first


def test_export_refuses_an_unexecuted_notebook(tmp_path):
    from pccreport.config import DEFAULT_ROOT

    with pytest.raises(ValueError, match="no outputs"):
        render.export_section(DEFAULT_ROOT / "notebooks" / "priority.ipynb", tmp_path)


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.skip("Debian chromium not installed (apt-get install chromium)")
    return exe


def _chromium_load(exe: str, page: Path, shot: Path) -> str:
    """Load a page offline (every host resolves to nothing), take a screenshot; returns Chromium's log."""
    proc = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                           "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1280,1600",
                           f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True, timeout=180)
    return proc.stdout + proc.stderr


def test_html_loads_in_headless_chromium_with_no_console_errors(report, tmp_path):
    exe = _chromium()
    _, out, _ = report
    log = _chromium_load(exe, out / f"{STEM}.html", tmp_path / "shot.png")
    assert ":CONSOLE" not in log, [ln for ln in log.splitlines() if ":CONSOLE" in ln]
    im = np.asarray(Image.open(tmp_path / "shot.png").convert("L"))
    assert im.std() > 10, "the screenshot shows the rendered report, not a blank page"
    # The check can fail: a page that logs to the console is caught.
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>console.error('boom')</script></body></html>")
    assert ":CONSOLE" in _chromium_load(exe, bad, tmp_path / "bad.png")


def test_nav_comes_from_sections_in_the_body():
    body = ('<section class="x" id="a" data-nav="Alpha &amp; beta"></section><section data-nav="B" id="b"></section>'
            '<section class="scorecard-block"></section>')
    assert render.body_nav(body) == [("a", "Alpha & beta"), ("b", "B")]
    page = render.page_html(body, "T", [("z", "Z")], 'Foot "quoted"')
    assert 'href="#a"' in page and 'href="#z"' not in page and 'Foot \\000022quoted\\000022' in page  # CSS hex escapes
    assert 'href="#z"' in render.page_html("<p>x</p>", "T", [("z", "Z")], "F")


# The deliverables a reader is given beside the report may be named; nothing else that looks like a file.
PUBLISHED_FILES = ("scorecard.csv", "priority_scores.csv", "provenance.json")


def test_public_text_shows_no_file_path_code_or_formula(report):
    from pccreport.report.notes import public_leaks

    _, out, page = report
    text = _visible_text(page)
    for name in PUBLISHED_FILES:
        text = text.replace(name, "")
    assert public_leaks(text) == []
    pdf_text = " ".join(p.extract_text() for p in PdfReader(out / f"{STEM}.pdf").pages)
    assert "params/" not in pdf_text and "Σ" not in pdf_text and "÷" not in pdf_text


def test_chart_notes_are_captions_and_methods_are_explained_once(report):
    _, _, page = report
    figures = re.findall(r'<figure class="chart">.*?</figure>', page, re.S)
    assert len(figures) >= 12
    for f in figures:
        cap = re.search(r"<figcaption>(.*?)</figcaption>", f, re.S)
        assert cap and cap.group(1).startswith("Source: "), f[-200:]
    captions = [re.search(r"<figcaption>(.*?)</figcaption>", f, re.S).group(1) for f in figures]
    # No methods sentence repeated under the charts: the control-chart method is in the notes, once.
    assert not any("Making Data Count" in c or "moving range" in c for c in captions)
    assert _visible_text(page).count("XmR control chart in the NHS England") == 1


MAX_PAGES = 20  # the limit for the Wiltshire 2023-Q1 sample, from the seed's length


def _page_margins() -> tuple[float, float]:
    """The top and bottom @page margins (mm) of the report stylesheet, so the checks follow the CSS."""
    css = (Path(render.__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    m = re.search(r"@page \{ size: A4; margin: ([\d.]+)mm [\d.]+mm ([\d.]+)mm [\d.]+mm;", css)
    assert m, "the @page rule of report.css is not in the form the checks read"
    return float(m.group(1)), float(m.group(2))


def _page_starts_section(reader: PdfReader) -> set[int]:
    """0-based pages a new section starts at the top of (its h1 bookmark within the top 70 pt of the text area)."""
    out = set()
    top_mm = _page_margins()[0]
    for item in reader.outline:
        if isinstance(item, list):
            continue
        i = reader.get_destination_page_number(item)
        height = float(reader.pages[i].mediabox.height)
        if item.top is not None and float(item.top) > height - top_mm / 25.4 * 72 - 70:
            out.add(i)
    return out


def _content_bottom(png: Path) -> float:
    """How far down the text area (0 = top, 1 = bottom, the footer left out) the page's lowest ink is."""
    im = np.asarray(Image.open(png).convert("L"))
    h = im.shape[0]
    top_mm, bottom_mm = _page_margins()
    top, bottom = int(h * top_mm / 297), int(h * (297 - bottom_mm) / 297)  # the @page margins, footer below
    rows = np.where((im[top:bottom] < 220).any(axis=1))[0]
    return 0.0 if rows.size == 0 else (rows[-1] + 1) / (bottom - top)


def test_sample_pdf_is_at_most_20_pages(report):
    _, out, _ = report
    n = len(PdfReader(out / f"{STEM}.pdf").pages)
    assert n <= MAX_PAGES, f"{n} pages"


def test_no_page_is_more_than_half_empty_except_at_a_sections_end(report, tmp_path):
    _, out, _ = report
    pdf = out / f"{STEM}.pdf"
    reader = PdfReader(pdf)
    starts = _page_starts_section(reader)
    # Only the exceptions and the summary are forced onto a new page; any other section starting a page is counted
    # too, so every page before one is exempt as a section's end and every other page is checked.
    assert {1, 2} <= starts, "the check needs the sections' bookmarks"
    pngs = _pages(pdf, tmp_path)
    half_empty = []
    for i, png in enumerate(pngs):
        section_end = i + 1 in starts or i == len(pngs) - 1
        if not section_end and _content_bottom(png) < 0.5:
            half_empty.append(i + 1)
    assert half_empty == [], f"pages more than half empty mid-section: {half_empty}"


def test_half_empty_check_catches_a_mostly_white_page(tmp_path):
    page = render.page_html('<section class="section-start" id="a" data-nav="A"><h1>A</h1><p>One line.</p>'
                            '<p style="break-before: page">Next page.</p>' + "<p>x</p>" * 80 + "</section>"
                            '<section class="section-start" id="b" data-nav="B" style="break-before: page"><h1>B</h1>'
                            '<p>End.</p></section>',
                            "T", [], "F")
    pdf = tmp_path / "t.pdf"
    render.write_pdf(page, pdf)
    reader = PdfReader(pdf)
    assert _page_starts_section(reader) == {0, len(reader.pages) - 1}
    pngs = _pages(pdf, tmp_path)
    assert 1 not in _page_starts_section(reader)  # page 1 is not a section's end: the check applies to it
    assert _content_bottom(pngs[0]) < 0.5
    assert _content_bottom(pngs[1]) > 0.5
