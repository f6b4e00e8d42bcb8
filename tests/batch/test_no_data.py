"""Class 3, a good report is never replaced by a worse one without being told: processed data missing while raw data
is there is an error, and a build in which no measure has data gets status ``no-data`` (non-zero exit) and publishes
nothing. Cheap: the notebooks and the ingest are stubbed here; the real context is exercised through ReportData."""

from __future__ import annotations

import os
import shutil
import types

import pytest

from pccreport.batch import build as batch
from pccreport.batch import cli
from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import PccReportError
from pccreport.ingest.processed import ReportData
from pccreport.registry import load_registry


@pytest.fixture
def root(tmp_path) -> Paths:
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    return Paths(tmp_path)


def _published(paths: Paths) -> Paths:
    final = paths.report_dir("wiltshire", "2023-Q1")
    old = final.parent / ".builds" / "2023-Q1-20230101T000000-aaaaaaaa"
    old.mkdir(parents=True)
    (old / "wiltshire-2023-Q1-report.html").write_text("previous good report")
    os.symlink(f".builds/{old.name}", final)
    return final


@pytest.mark.parametrize("supplied", [[False] * 34, [False]])
def test_a_build_where_no_measure_has_data_is_not_published(root, monkeypatch, supplied):
    final = _published(root)
    fake = types.SimpleNamespace(results=[types.SimpleNamespace(supplied=s) for s in supplied])
    monkeypatch.setattr("pccreport.ingest.pipeline.ingest_force", lambda *a, **k: None)
    monkeypatch.setattr("pccreport.ingest.pipeline.ingest_national", lambda *a, **k: None)
    monkeypatch.setattr(batch, "_run_all", lambda *a, **k: None)
    monkeypatch.setattr("pccreport.report.notebook.context", lambda *a, **k: fake)
    res = batch.run_one(root, "wiltshire", "2023-Q1", force_rebuild=True)
    assert res.status == batch.NO_DATA and not res.ok and "previous one is kept" in res.error
    assert (final / "wiltshire-2023-Q1-report.html").read_text() == "previous good report"
    assert [p.name for p in (final.parent / ".builds").iterdir()] == ["2023-Q1-20230101T000000-aaaaaaaa"]
    assert batch.NO_DATA in cli.FAILED  # so the run's exit status is non-zero


def _raw_street(paths: Paths) -> None:
    d = paths.police_uk_raw("wiltshire")
    d.mkdir(parents=True)
    (d / "2023-01-wiltshire-street.csv").write_text("Crime ID\n")


def test_processed_street_data_missing_while_raw_files_exist_is_an_error(root):
    _raw_street(root)
    with pytest.raises(PccReportError, match="processed street data .* is missing"):
        ReportData.load(root, load_registry(root)["wiltshire"])


def test_processed_kpis_missing_while_raw_kpis_exist_is_an_error(root):
    d = root.kpi_raw("wiltshire")
    d.mkdir(parents=True)
    (d / "kpis.csv").write_text("metric\n")
    with pytest.raises(PccReportError, match="processed KPIs .* are missing"):
        ReportData.load(root, load_registry(root)["wiltshire"])


def test_no_data_delivered_at_all_is_not_supplied_not_an_error(root):
    data = ReportData.load(root, load_registry(root)["wiltshire"])
    assert data.street is None and data.kpis.empty


def _stub_build(monkeypatch) -> None:
    """Skip what an empty build does not need to show here: ingest, notebooks and the HTML/PDF export."""
    from pccreport.report import render

    monkeypatch.setattr("pccreport.ingest.pipeline.ingest_force", lambda *a, **k: None)
    monkeypatch.setattr("pccreport.ingest.pipeline.ingest_national", lambda *a, **k: None)
    monkeypatch.setattr(batch, "_run_all", lambda *a, **k: None)
    monkeypatch.setattr(render, "write_html", lambda nbs, out, *a, **k: out.write_text("empty report") or "")
    monkeypatch.setattr(render, "write_pdf", lambda html, out, *a, **k: out.write_bytes(b"%PDF"))


def test_allow_empty_publishes_a_report_with_no_data_and_says_it_is_empty(root, monkeypatch):
    from pccreport.batch.notes import EMPTY, report_warnings, status_for

    final = _published(root)
    _stub_build(monkeypatch)
    # A real context over a project with no data at all: every measure "data not supplied".
    res = batch.run_one(root, "wiltshire", "2023-Q1", force_rebuild=True, allow_empty=True)
    assert res.ok and res.status == "built", res.error
    assert (final / "wiltshire-2023-Q1-report.html").read_text() == "empty report"  # published this time
    warned = report_warnings(root, "wiltshire", "2023-Q1")
    n = len(load_plan_metrics(root))
    assert warned[0] == f"empty report: none of the {n} measures has data (published because --allow-empty was given)"
    assert status_for(warned) == EMPTY
    # The same inputs without the flag: no-data, and the (empty) report just published is kept as it is.
    res = batch.run_one(root, "wiltshire", "2023-Q1", force_rebuild=True)
    assert res.status == batch.NO_DATA and "--allow-empty" in res.error


def load_plan_metrics(paths: Paths) -> list:
    from pccreport.inputs.plan import load_plan

    return load_plan(paths, "wiltshire").metrics()


def test_a_report_with_some_data_is_not_called_empty(root, tmp_path):
    from pccreport.batch.notes import WARNED, report_warnings, status_for

    final = root.report_dir("wiltshire", "2023-Q1")
    final.mkdir(parents=True)
    (final / "scorecard.csv").write_text("metric_id,verdict\r\na,data not supplied\r\nb,common cause\r\n")
    warned = report_warnings(root, "wiltshire", "2023-Q1")
    assert warned == ["data not supplied: a"] and status_for(warned) == WARNED


def test_allow_empty_flag_reaches_the_build_through_the_command_and_the_worker(root, monkeypatch, capsys):
    import json

    from pccreport.batch import manifest, selection, worker
    from pccreport.batch.commands import cli as click_cli
    from pccreport.batch.commands import invoke

    seen: list[dict] = []

    def fake_local(tasks, workers):
        for t in tasks:
            seen.append(t)
            assert ("--allow-empty" in worker.task_command(t)) == t["allow_empty"]
            yield batch.run_one(root, t["force"], t["quarter"], force_rebuild=True,
                                allow_empty=t["allow_empty"]).as_dict()

    _stub_build(monkeypatch)
    monkeypatch.setattr("pccreport.batch.runner.run_local", fake_local)
    # No street files here, so the selection would list the quarter as "no data": choose it as if there were.
    monkeypatch.setattr(selection, "select", lambda paths, f, q, **_: selection.Selection(work=[("wiltshire", "2023-Q1")]))
    monkeypatch.setattr(manifest, "decide", lambda *a, **k: (manifest.Decision(True, "no report yet"), {}))
    argv = ["build", "--root", str(root.root), "--force", "wiltshire", "--quarter", "2023-Q1", "--json"]
    assert invoke(argv) == 1
    (r,) = json.loads(capsys.readouterr().out)["results"]
    assert r["status"] == batch.NO_DATA and not root.report_dir("wiltshire", "2023-Q1").exists()
    assert invoke([*argv, "--allow-empty"]) == 0
    (r,) = json.loads(capsys.readouterr().out)["results"]
    assert r["status"] == "built empty" and r["warnings"][0].startswith("empty report: none of the")
    assert [t["allow_empty"] for t in seen] == [False, True]
    assert "--allow-empty" in click_cli.commands["build"].get_help(__import__("click").Context(click_cli))


# National tables: ranks, rates per 1,000 and peer figures come from data/processed/national/.

def _raw_national(paths: Paths) -> None:
    d = paths.raw / "ons" / "recorded_crime"
    d.mkdir(parents=True)
    (d / "table_p1.csv").write_text("Police Force Area\n")


@pytest.mark.parametrize("table", ["recorded_crime.parquet", "population.parquet"])
def test_a_processed_national_table_missing_while_raw_tables_exist_is_an_error(root, table):
    import pandas as pd

    _raw_national(root)
    out = root.processed / "national"
    out.mkdir(parents=True)
    for name in ("recorded_crime.parquet", "population.parquet", "recorded_crime_csp.parquet"):
        if name != table:
            pd.DataFrame({"x": [1]}).to_parquet(out / name)
    with pytest.raises(PccReportError, match=f"processed national table {table} is missing"):
        ReportData.load(root, load_registry(root)["wiltshire"])


def test_a_truncated_national_table_is_an_error_naming_it(root):
    from pccreport.ingest.processed import load_national_csp

    _raw_national(root)
    out = root.processed / "national"
    out.mkdir(parents=True)
    (out / "recorded_crime_csp.parquet").write_bytes(b"PAR1 truncated")
    with pytest.raises(PccReportError, match="recorded_crime_csp.parquet .* cannot be read"):
        load_national_csp(root)


def test_no_national_table_delivered_is_still_not_supplied(root):
    from pccreport.ingest.processed import load_national, load_national_csp

    (root.raw / "ons" / "recorded_crime").mkdir(parents=True)  # an empty folder delivers nothing
    assert load_national(root) == (None, None) and load_national_csp(root) is None
