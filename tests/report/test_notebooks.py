"""Notebook tests: committed notebooks are clean, and a real papermill build of the sample report holds up."""

import csv
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from pccreport.config import DEFAULT_ROOT
from pccreport.inputs.plan import load_plan

NOTEBOOKS = sorted((DEFAULT_ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs_and_a_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs; clear them"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    ns: dict = {}
    exec(params[0].source, ns)  # noqa: S102 - our own committed notebook
    assert ns["force"] == "wiltshire" and ns["quarter"] == "2023-Q1"


@pytest.fixture(scope="module")
def built(built_twice):
    """The sample report as run_all.py builds it (the session's first build, read only here)."""
    return built_twice[0], None


def _independent_r12(paths, months):
    total = 0
    for m in months:
        f = paths.police_uk_raw("wiltshire") / m / f"{m}-wiltshire-street.csv"
        with open(f, newline="") as fh:
            total += sum(1 for r in csv.DictReader(fh) if r["Crime type"] != "Anti-social behaviour")
    return total


def test_sample_report_contains_every_priority_and_an_independently_computed_figure(built):
    paths, result = built
    out = paths.report_dir("wiltshire", "2023-Q1")
    page = (out / "wiltshire-2023-Q1-report.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    plan = load_plan(paths, "wiltshire")
    for p in plan.priorities:
        assert f"Priority {p.id}: {p.title}" in text
    for m in plan.metrics():
        assert m.name in text
    for heading in ("Police and Crime Plan delivery & governance", "Glossary", "Data sources and provenance", "SAMPLE DATA"):
        assert heading in text
    months = [f"{y}-{mm:02d}" for y, mm in [(2022, m) for m in range(4, 13)] + [(2023, m) for m in range(1, 4)]]
    r12 = _independent_r12(paths, months)
    assert f"All recorded crime to Mar-23: {r12:,} in the last 12 months" in text
    # No code, prompts or tracebacks reach the reviewer.
    for leak in ("report.context(", "import ", "jp-InputPrompt", "In&nbsp;[", "Traceback", "nan%", " nan "):
        assert leak not in page


def test_scorecard_csv_and_provenance_written_beside_the_report(built):
    paths, _ = built
    out = paths.report_dir("wiltshire", "2023-Q1")
    with open(out / "scorecard.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    plan = load_plan(paths, "wiltshire")
    assert [r["metric_id"] for r in rows] == [m.id for m in plan.metrics()]
    assert set(rows[0]) >= {"metric", "area", "period", "value", "unit", "comparison", "change", "verdict", "statement"}
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["sample"] is True and prov["quarter"] == "2023-Q1"
    assert any(s["source"].startswith("data.police.uk street") and len(s["file_hashes"]) > 24 for s in prov["sources"])
    executed = sorted(p.name for p in (out / "notebooks").glob("*.ipynb"))
    assert executed == ["00_front.ipynb", "11_priority_1.ipynb", "12_priority_2.ipynb", "13_priority_3.ipynb",
                        "14_priority_4.ipynb", "90_governance.ipynb", "99_back_matter.ipynb"]


def test_pdf_is_a4_with_page_numbers(built):
    paths, _ = built
    reader = PdfReader(paths.report_dir("wiltshire", "2023-Q1") / "wiltshire-2023-Q1-report.pdf")
    assert len(reader.pages) >= 8
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2
    first = reader.pages[0].extract_text()
    assert f"Page 1 of {len(reader.pages)}" in first


@pytest.mark.parametrize("args, expected", [
    (["--force", "narnia", "--quarter", "2023-Q1"], "Valid forces:"),
    (["--force", "../../etc", "--quarter", "2023-Q1"], "Valid forces:"),
    (["--force", "wiltshire/..", "--quarter", "2023-Q1"], "Valid forces:"),
    (["--force", "wiltshire", "--quarter", "2023-Q5"], "expected YYYY-Qn"),
])
def test_bad_parameters_are_refused_before_any_notebook_runs(tmp_path, args, expected):
    import shutil

    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    proc = subprocess.run([sys.executable, str(DEFAULT_ROOT / "run_all.py"), "--root", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and expected in proc.stderr
    assert not (tmp_path / "reports").exists() and not (tmp_path / "data" / "processed").exists()
