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
