"""Class 9, an unwritable place is a clear error with a summary: reports/, a force's folder or the log folder that
cannot be written stops the run before anything changes, listing what was not built (no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pccreport.batch import build as batch
from pccreport.batch.index import record_attempt
from pccreport.batch.writable import unwritable
from pccreport.config import DEFAULT_ROOT, Paths
from tests.conftest import make_root

RUN_ALL = str(DEFAULT_ROOT / "run_all.py")


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Paths:
    return make_root(tmp_path_factory.mktemp("unwritable"), start="2022-01", end="2023-03")


def _run(paths: Paths, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, RUN_ALL, "--root", str(paths.root), "--force", "wiltshire", "--quarter",
                           "2023-Q1", *extra], capture_output=True, text=True, timeout=300)


def _blocked(tmp: Path, how: str) -> Path:
    """A path that cannot be made a writable folder, even by root."""
    if how == "a file in the way":
        tmp.mkdir(parents=True, exist_ok=True)
        (tmp / "blocker").write_text("not a folder")
        return tmp / "blocker"
    if how == "under a file":
        tmp.mkdir(parents=True, exist_ok=True)
        (tmp / "file").write_text("x")
        return tmp / "file" / "logs"
    return Path("/proc/version/logs")  # "in /proc": no folder can be made there


@pytest.mark.parametrize("how", ["a file in the way", "under a file", "in /proc"])
def test_an_unwritable_log_folder_stops_the_run_with_a_summary(root, tmp_path, how):
    proc = _run(root, "--log-dir", str(_blocked(tmp_path, how)))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "Summary" in proc.stdout and "cannot write there" in proc.stdout and "wiltshire  2023-Q1  not built" \
        in proc.stdout
    assert not root.reports.exists() or not list(root.reports.rglob("*.html"))


def test_reports_that_is_a_file_stops_the_run_with_a_summary(tmp_path):
    paths = make_root(tmp_path, start="2022-01", end="2023-03")
    paths.reports.write_text("someone's file")
    proc = _run(paths)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "reports: cannot write there" in proc.stdout and paths.reports.read_text() == "someone's file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_a_read_only_reports_folder_is_named(tmp_path):
    d = tmp_path / "reports"
    d.mkdir()
    d.chmod(0o555)
    try:
        assert unwritable([d]) and "cannot write there" in unwritable([d])[0]
    finally:
        d.chmod(0o755)


def test_a_status_that_cannot_be_recorded_is_logged_not_raised(tmp_path, caplog):
    paths = Paths(tmp_path)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "wiltshire").write_text("a file where the force folder should be")
    record_attempt(paths, {"force": "wiltshire", "quarter": "2023-Q1", "status": "failed"})
    assert "cannot record the status" in caplog.text


def test_a_lock_that_cannot_be_made_is_a_failed_result_not_a_crash(tmp_path):
    paths = Paths(tmp_path)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "wiltshire").write_text("a file where the force folder should be")
    res = batch.run_one(paths, "wiltshire", "2023-Q1")
    assert res.status == "failed" and "cannot write under reports/wiltshire/" in res.error


def test_a_build_whose_data_processed_cannot_be_written_stops_with_a_summary(tmp_path):
    """data/processed/ (written by the ingest) was not probed: each build then failed part-way on a bare errno."""
    paths = make_root(tmp_path, start="2022-10", end="2023-03")
    paths.processed.mkdir(parents=True, exist_ok=True)
    os.rename(paths.processed, tmp_path / "moved")
    paths.processed.write_text("a file where the folder should be")
    proc = _run(paths)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "data/processed: cannot write there (it is a file, not a folder); make data/processed/ a writable" \
        in proc.stdout and "wiltshire  2023-Q1  not built" in proc.stdout
    assert paths.processed.read_text() == "a file where the folder should be"
    assert not paths.reports.exists() or not list(paths.reports.rglob("*.html"))


def test_the_probe_names_each_place_with_its_own_hint(tmp_path):
    (tmp_path / "processed").write_text("x")
    ok = tmp_path / "fine"
    lines = unwritable([ok, tmp_path / "processed", tmp_path / "processed" / "under"],
                       {tmp_path / "processed": "fix data", tmp_path / "processed" / "under": "fix under"})
    assert len(lines) == 2 and ok.is_dir() and not list(ok.iterdir())  # the probe leaves nothing behind
    assert lines[0].endswith("(it is a file, not a folder); fix data")
    assert "processed/under: cannot write there" in lines[1] and lines[1].endswith("fix under")


def test_a_full_disk_is_found_by_the_probe(tmp_path, monkeypatch):
    """A name can still be made on a full disk; the probe writes and flushes a block, which then fails."""
    import errno

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    lines = unwritable([tmp_path / "tmp"], {tmp_path / "tmp": "set TMPDIR to a writable folder with free space"})
    assert lines == [f"{tmp_path / 'tmp'}: cannot write there (No space left on device); set TMPDIR to a writable "
                     "folder with free space"]
    assert not list((tmp_path / "tmp").iterdir())
