"""A second force with a different plan builds a full report with no code change; gaps show, they do not crash."""

import csv
import html
import re
import shutil
import subprocess
import sys

import pytest

from pccreport.batch.build import build
from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.inputs.plan import load_plan
from tests.conftest import make_root, trim_plan


@pytest.fixture(scope="module")
def dorset(tmp_path_factory):
    paths = make_root(tmp_path_factory.mktemp("dorset"), ("dorset",))
    # Leave one required KPI out of the CSV: the report must say "data not supplied" for it, not fail.
    kpi = paths.kpi_raw("dorset") / "kpis.csv"
    kpi.write_text("".join(ln for ln in kpi.read_text().splitlines(True) if ",drink_drug_driving_arrests," not in ln))
    # Built as the batch builds it (with its manifest), so a later unchanged run is a skip, not a second build.
    proc = subprocess.run([sys.executable, str(DEFAULT_ROOT / "run_all.py"), "--root", str(paths.root), "--force",
                           "dorset", "--quarter", "2023-Q1", "--jobs", "2"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return paths


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_dorset_report_has_its_own_priorities_metrics_and_narrative(dorset):
    page = (dorset.report_dir("dorset", "2023-Q1") / "dorset-2023-Q1-report.html").read_text(encoding="utf-8")
    text = _text(page)
    plan = load_plan(dorset, "dorset")
    assert len(plan.priorities) == 5
    for p in plan.priorities:
        assert f"Priority {p.id}: {p.title}" in text
    for m in plan.metrics():
        assert m.name in text
    assert plan.governance_title in text
    assert "rural crime team ran joint patrols" in text  # from params/dorset/2023-Q1.yaml
    assert "<em>Country Watch</em>" in page  # narrative Markdown rendered
    assert "Narrative not supplied" not in text
    assert (dorset.report_dir("dorset", "2023-Q1") / "dorset-2023-Q1-report.pdf").stat().st_size > 10_000
    executed = sorted(p.name for p in (dorset.report_dir("dorset", "2023-Q1") / "notebooks").glob("*.ipynb"))
    assert "15_priority_5.ipynb" in executed


def test_missing_kpi_shows_data_not_supplied_in_its_scorecard(dorset):
    out = dorset.report_dir("dorset", "2023-Q1")
    page = (out / "dorset-2023-Q1-report.html").read_text(encoding="utf-8")
    block = page[page.index("Score card – Rural crime"):]
    block = block[:block.index("</section>")]
    assert "Drink and drug driving arrests" in block and "Data not supplied for this measure." in block
    with open(out / "scorecard.csv", newline="") as f:
        rows = {r["metric_id"]: r for r in csv.DictReader(f)}
    assert rows["drink_drug_driving_arrests"]["verdict"] == "data not supplied"
    assert rows["rural_crime_reports"]["verdict"] != "data not supplied" and rows["rural_crime_reports"]["value"]


def test_check_lists_the_missing_kpi(dorset):
    proc = subprocess.run([sys.executable, str(DEFAULT_ROOT / "run_all.py"), "--check", "--force", "dorset",
                           "--quarter", "2023-Q1", "--root", str(dorset.root)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "dorset 2023-Q1: OK" in proc.stdout
    assert "note: data not supplied for drink_drug_driving_arrests (kpi 'drink_drug_driving_arrests'" in proc.stdout


def test_quarter_without_narrative_builds_with_a_visible_box(dorset, tmp_path):
    """Built in a copy of Dorset's root with the plan cut by ``trim_plan``: the boxes are one per priority and one
    for delivery & governance whatever the plan holds, so every chart of the full plan is not needed (and the
    module's root, whose report the other tests read, is left as it was)."""
    paths = Paths(tmp_path / "root")
    shutil.copytree(dorset.root, paths.root, ignore=shutil.ignore_patterns("reports"))
    trim_plan(paths, "dorset")
    build(paths, "dorset", "2022-Q4", jobs=2, timeout=300)
    page = (paths.report_dir("dorset", "2022-Q4") / "dorset-2022-Q4-report.html").read_text(encoding="utf-8")
    text = _text(page)
    # One box per priority and one for delivery & governance.
    assert text.count("Narrative not supplied") == len(load_plan(paths, "dorset").priorities) + 1
    assert "narrative file for this quarter has not been written" in text and "params/dorset/2022-Q4.yaml" not in text


def test_batch_summary_lists_missing_kpis(dorset, capsys):
    """The summary names the measures the report marked 'data not supplied', also when the report is skipped as
    unchanged (the fixture built it with run_all.py), so a scheduled run keeps saying what is missing."""
    from pccreport.batch.commands import run_all

    assert run_all(["--force", "dorset", "--quarter", "2023-Q1", "--root", str(dorset.root)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"dorset\s+2023-Q1\s+skipped\s.*data not supplied: drink_drug_driving_arrests", out), out
