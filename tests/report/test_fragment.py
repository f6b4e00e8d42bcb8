"""A section in a notebook: the report's HTML styled there, with the data behind it, and exported unchanged."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest
import tinycss2
from IPython.display import HTML

from pccreport.report import render
from pccreport.report.fragment import META_KEY, NB_CLASS, Fragment, notebook_css, report_html

SECTION = ('<section class="summary section-start" id="summary" data-nav="Summary scorecard"><h1>Summary</h1>'
           '<p class="rag-summary">3 measures: <span class="rag rag-red">1 Red</span>'
           '<span class="rag rag-green">2 Green</span></p><table class="scorecard"><tr><td>x &amp; y</td></tr></table>'
           '</section>')
FRAMES = {"scorecard": pd.DataFrame({"metric": ["all_crime", "asb"], "rag": ["red", "green"]}),
          "all_crime": pd.DataFrame({"value": [10.0, 12.5]}, index=pd.period_range("2023-01", periods=2, freq="M"))}


def _selectors(css: str) -> list[str]:
    out = []
    for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True):
        if rule.type == "qualified-rule":
            out += [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
        elif rule.type == "at-rule":
            out += _selectors(tinycss2.serialize(rule.content))
    return out


def test_the_notebook_stylesheet_is_the_reports_scoped_to_the_fragment_without_print_or_page_rules():
    css = notebook_css()
    selectors = _selectors(css)
    assert selectors and all(s.startswith(f".{NB_CLASS}") or s.startswith(".pccreport-data") for s in selectors)
    for needed in (".rag-red", ".rag-amber", ".rag-green", ".rag-summary", "table.scorecard tr.group th", "td.bad"):
        assert f".{NB_CLASS}.{NB_CLASS} {needed}" in selectors, needed
    assert "@page" not in css and "print" not in css and "{{ footer }}" not in css
    assert not [s for s in selectors if s.split()[-1] in ("body", "main") or ".sidebar" in s or ".jp-" in s]
    assert "#B8431A" in css  # the report's RAG red, from report.css


def test_a_fragment_shows_styled_with_its_data_and_its_report_html_is_recovered_exactly():
    frag = Fragment(SECTION, FRAMES)
    assert frag.data == SECTION and isinstance(frag, HTML)  # what a report and the section tests read
    data, meta = frag._repr_mimebundle_()
    shown = data["text/html"]
    assert shown.startswith(f'<div class="{NB_CLASS}"><style>') and SECTION in shown
    assert shown.count("<style>") == 1 and notebook_css() in shown
    assert '<details class="pccreport-data">' in shown and "<details class=\"pccreport-data\" open" not in shown
    assert "scorecard" in shown and "2023-02" in shown and "12.5" in shown  # the frames' tables, collapsed
    assert shown.index(SECTION) < shown.index("<details")  # the data after the section, outside its styling
    assert report_html({"data": data, "metadata": meta}) == SECTION
    # As nbformat stores it (text split into lines) it is recovered the same.
    assert report_html({"data": {"text/html": shown.splitlines(keepends=True)}, "metadata": meta}) == SECTION
    assert repr(frag).startswith("<Fragment: ") and "scorecard (2 rows)" in repr(frag)
    assert Fragment(SECTION)._repr_mimebundle_()[0]["text/html"].endswith("</section></div>")  # no data: no details


def test_an_output_edited_after_it_ran_is_refused_not_exported_half():
    data, meta = Fragment(SECTION, FRAMES)._repr_mimebundle_()
    edited = {"data": {"text/html": "<p>added</p>" + data["text/html"]}, "metadata": meta}
    with pytest.raises(ValueError, match="run the notebook again"):
        report_html(edited)


def _notebook(tmp_path, name: str, outputs: list[dict]):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("force = 'wiltshire'")
    params.metadata["tags"] = ["parameters"]
    cell = nbformat.v4.new_code_cell("report.scorecards(ctx, 1)")
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    nb.cells = [params, cell]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_the_exported_body_is_byte_for_byte_what_a_plain_html_output_gives(tmp_path):
    """The export of a fragment's output equals the export of the same HTML shown as before (IPython HTML)."""
    data, meta = Fragment(SECTION, FRAMES)._repr_mimebundle_()
    new = _notebook(tmp_path, "new.ipynb", [{"output_type": "execute_result", "execution_count": 1, "data": data,
                                            "metadata": meta}])
    old_data, old_meta = HTML(SECTION)._repr_html_(), {}
    old = _notebook(tmp_path, "old.ipynb", [{"output_type": "execute_result", "execution_count": 1,
                                            "data": {"text/html": old_data, "text/plain": "<IPython.core.display.HTML object>"},
                                            "metadata": old_meta}])
    body_new, body_old = (re.sub(r'cell-id=[0-9a-f-]+', "cell-id=X", render.body_html(render.merge([nb])))
                          for nb in (new, old))  # merge gives each cell a random id, as nbformat does
    assert body_new == body_old
    assert "2 Green</span>" in body_new and "<style>" not in body_new and "<details" not in body_new and NB_CLASS not in body_new
    page = render.page_html(body_new, "t", [], "f")
    assert page.count("<style>") == 1  # the report's own stylesheet only
    assert render.body_nav(body_new) == [("summary", "Summary scorecard")]
    # The notebook on disk keeps its styled output: only the export drops it.
    assert META_KEY in nbformat.read(new, as_version=4).cells[1].outputs[0].metadata


def test_a_kernel_records_the_fragments_styled_output_and_where_the_report_lies(tmp_path):
    """Through IPython's display machinery in a real kernel, as papermill runs the report's notebooks."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import pandas as pd\nfrom pccreport.report.fragment import Fragment\n"
        f"Fragment({SECTION!r}, {{'t': pd.DataFrame({{'a': [1, 2]}})}})")]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    (out,) = nb.cells[0].outputs
    assert out.output_type == "execute_result" and out.metadata[META_KEY]["report_html"]
    assert "<style>" in out.data["text/html"] and "pccreport-data" in out.data["text/html"]
    assert report_html(out) == SECTION
