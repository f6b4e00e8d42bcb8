"""Faults while building: a kernel that dies, a notebook that hangs past --timeout, a full disk, SIGKILL between
writing and renaming, and corrupt processed Parquet. In each case the previous good report is intact, nothing partial
is left under reports/, the other force-quarters still build and the summary says what failed and why.

(A cell that raises, and a run killed part-way, are in test_batch.py; they are not repeated here.)
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from pccreport.batch import build as batch
from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.ingest import police_uk
from pccreport.ingest.pipeline import ingest_force, ingest_national
from pccreport.inputs.sample import generate
from pccreport.registry import load_registry
from tests.batch.test_batch import published, run_all
from tests.conftest import make_root, trim_plan

FAULTY_CELLS = {
    "kernel_death": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    "hang": "import time\ntime.sleep(3600)",
}


@pytest.fixture(scope="module")
def faulty_notebooks():
    """Notebooks that kill their own kernel or hang, among the project's notebooks for this module only."""
    names = {}
    meta = nbformat.read(DEFAULT_ROOT / "notebooks" / "priority.ipynb", as_version=4).metadata
    for kind, code in FAULTY_CELLS.items():
        name = f"zz_test_{kind}_{uuid.uuid4().hex[:8]}.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.metadata = meta
        params = nbformat.v4.new_code_cell('force = "wiltshire"\nquarter = "2023-Q1"\npriority = 1\n'
                                           'project_root = None\nbuilt_at = None')
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, nbformat.v4.new_code_cell(code)]
        nbformat.write(nb, DEFAULT_ROOT / "notebooks" / name)
        names[kind] = name
    yield names
    for name in names.values():
        (DEFAULT_ROOT / "notebooks" / name).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def root(built_twice) -> Paths:
    """Wiltshire 2023-Q1 already built (the previous good report every fault must leave intact); Dorset's data added,
    18 months of it (2022-01 to 2023-06: the quarter and the same one a year before): Dorset only has to build."""
    paths = built_twice[1]
    generate(paths, "dorset", "2022-01", "2023-06")
    trim_plan(paths, "dorset")  # Dorset is the other force-quarter the batch goes on with: its content is not tested
    return paths


class plan_notebook:
    """For the duration of a with-block: Wiltshire's plan cut by ``trim_plan`` (3 priorities x 2 metrics) with its
    priority 1 pointed at another notebook.

    The fault tests check that a failed build publishes nothing and leaves the previous (full-plan) report intact;
    they need the real notebooks around the faulty one, not every chart of the full plan. The plan is restored
    afterwards, so the root's inputs are again those of the published report (test_reproducible.py compares it).
    """

    def __init__(self, paths: Paths, notebook: str | None = None):
        self.paths = paths
        self.file = paths.params / "wiltshire" / "plan.yaml"
        self.notebook = notebook

    def __enter__(self):
        self.original = self.file.read_text(encoding="utf-8")
        trim_plan(self.paths, "wiltshire")
        if self.notebook is not None:
            plan = yaml.safe_load(self.file.read_text(encoding="utf-8"))
            plan["priorities"][0]["notebook"] = self.notebook
            self.file.write_text(yaml.safe_dump(plan), encoding="utf-8")

    def __exit__(self, *exc):
        self.file.write_text(self.original, encoding="utf-8")


def partial_files(paths: Paths) -> list[Path]:
    """Temporary or unpublished files under reports/: atomic-write temps, unrenamed links, builds not published."""
    out = [p for p in paths.reports.rglob("*.tmp")] + list(paths.reports.rglob(".link-*"))
    for fdir in (paths.reports.iterdir() if paths.reports.exists() else []):
        b = fdir / ".builds"
        if b.is_dir():
            live = {os.readlink(q) for q in fdir.iterdir() if q.is_symlink()}
            out += [p for p in b.iterdir() if f".builds/{p.name}" not in live]
    return out


def summary_line(proc: subprocess.CompletedProcess, force: str) -> str:
    summary = proc.stdout.split("Summary", 1)[1]
    return next(ln for ln in summary.splitlines() if ln.startswith(force))


def test_a_kernel_that_dies_fails_only_its_force_quarter_and_the_previous_report_stays(root, faulty_notebooks):
    before = published(root, "wiltshire", "2023-Q1")
    with plan_notebook(root, faulty_notebooks["kernel_death"]):
        proc = run_all(root, "--force", "wiltshire", "--force", "dorset", "--quarter", "2023-Q1", "--jobs", "2")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = summary_line(proc, "wiltshire")
    assert "failed" in line and "11_priority_1.ipynb" in line and "DeadKernelError" in line, line
    assert " built " in summary_line(proc, "dorset")  # the batch went on with the other force-quarter
    assert published(root, "wiltshire", "2023-Q1") == before
    assert "dorset-2023-Q1-report.pdf" in published(root, "dorset", "2023-Q1")
    assert partial_files(root) == []


def test_a_notebook_hanging_past_the_timeout_is_stopped_and_named(root, faulty_notebooks):
    """One lane (--jobs 1), so the only notebook that runs before the hanging one is the front notebook of the
    trimmed plan (a few seconds of work, read from the precomputed context): it is the one notebook whose time
    could otherwise approach --timeout, and the hang (an hour's sleep) passes any bound."""
    before = published(root, "wiltshire", "2023-Q1")
    with plan_notebook(root, faulty_notebooks["hang"]):
        proc = run_all(root, "--force", "wiltshire", "--quarter", "2023-Q1", "--jobs", "1", "--timeout", "20",
                       timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = summary_line(proc, "wiltshire")
    assert "failed" in line and "11_priority_1.ipynb" in line and ("timed out" in line or "Timeout" in line), line
    assert published(root, "wiltshire", "2023-Q1") == before
    assert partial_files(root) == []


def _disk_full(real):
    """Wrap a writer so it writes part of its file and then fails as a full disk does."""
    def write(*args, **kwargs):
        out = next((a for a in args if isinstance(a, (str, Path)) and str(a).endswith(".pdf")), None)
        if out is not None:
            Path(out).write_bytes(b"%PDF-1.7\n% partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return write


def test_a_full_disk_while_writing_the_report_keeps_the_previous_one(root, monkeypatch):
    from pccreport.report import render

    before = published(root, "wiltshire", "2023-Q1")
    monkeypatch.setattr(render, "write_pdf", _disk_full(render.write_pdf))
    with plan_notebook(root):  # the fault is in writing the PDF: a trimmed plan's report reaches it all the same
        res = batch.run_one(root, "wiltshire", "2023-Q1", jobs=2, timeout=300, force_rebuild=True)
    assert res.status == "failed" and "No space left on device" in res.error, res
    assert published(root, "wiltshire", "2023-Q1") == before
    assert partial_files(root) == []


def test_a_full_disk_while_writing_processed_data_leaves_it_as_it_was(tmp_path, monkeypatch):
    paths = make_root(tmp_path, start="2022-10", end="2023-03", national=False)
    force = load_registry(paths)["wiltshire"]
    ingest_force(paths, force)
    street = paths.processed_force("wiltshire") / "police_uk" / "street"
    before = {p.name: p.read_bytes() for p in street.iterdir()}
    src = paths.police_uk_raw("wiltshire")
    f = next(iter(sorted(src.rglob("2023-03-wiltshire-street.csv"))))
    # A changed month (its last row withdrawn); duplicating the rows would now be refused as rows delivered twice.
    f.write_text("".join(f.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]), encoding="utf-8")

    def full(table, where, *a, **k):
        Path(where).write_bytes(b"PAR1 partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(police_uk.pq, "write_table", full)
    with pytest.raises(OSError, match="No space left"):
        ingest_force(paths, force)
    assert {p.name: p.read_bytes() for p in street.iterdir()} == before  # no temp file left, nothing half-replaced
    monkeypatch.undo()
    summary = ingest_force(paths, force).street  # space again: the changed month is read, not taken as unchanged
    assert "2023-03-wiltshire-street.csv" in summary.read


# ---------------------------------------------------------------- SIGKILL between writing and renaming

KILL_AT_RENAME = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from pccreport.batch import build as batch
    from pccreport.hashing import atomic_write_text
    real = os.replace
    def replace(src, dst, *a, **k):
        if Path(src).name.startswith(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)  # written, not yet renamed
        return real(src, dst, *a, **k)
    os.replace = replace
    build, final = Path(sys.argv[1]), Path(sys.argv[2])
    atomic_write_text(build / "scorecard.csv", "metric,value\\r\\nx,1\\r\\n")
    batch._swap(build, final)
""")


def _published_tree(tmp: Path) -> tuple[Paths, Path, Path]:
    paths = Paths(tmp)
    final = paths.report_dir("wiltshire", "2023-Q1")
    old = final.parent / ".builds" / "2023-Q1-20230101T000000-aaaaaaaa"
    new = final.parent / ".builds" / "2023-Q1-20230102T000000-bbbbbbbb"
    old.mkdir(parents=True)
    new.mkdir()
    (old / "wiltshire-2023-Q1-report.html").write_text("previous good report")
    (new / "wiltshire-2023-Q1-report.html").write_text("new report")
    os.symlink(Path(".builds") / old.name, final)
    return paths, old, new


@pytest.mark.parametrize("moment", [".scorecard.csv.", ".link-"], ids=["file written, not renamed",
                                                                       "link made, not renamed"])
def test_sigkill_between_writing_and_renaming_leaves_the_previous_report_and_the_next_run_cleans_up(tmp_path, moment):
    paths, old, new = _published_tree(tmp_path)
    final = paths.report_dir("wiltshire", "2023-Q1")
    proc = subprocess.run([sys.executable, "-c", KILL_AT_RENAME, str(new), str(final), moment], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert os.readlink(final) == f".builds/{old.name}"
    assert (final / "wiltshire-2023-Q1-report.html").read_text() == "previous good report"
    assert partial_files(paths)  # the killed run did leave something behind...
    removed = batch.clean_stale_builds(paths, "wiltshire", "2023-Q1")  # ...which the next run (holding the lock) removes
    assert new in removed and partial_files(paths) == []
    assert (final / "wiltshire-2023-Q1-report.html").read_text() == "previous good report"


# ---------------------------------------------------------------- corrupt processed Parquet

def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:  # a flipped byte in the middle: the footer still reads, only the checksum sees it
        mid = len(data) // 2
        path.write_bytes(data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1:])


@pytest.mark.parametrize("how", ["truncated", "bit flip"])
def test_corrupt_processed_parquet_is_detected_and_rebuilt_from_raw(tmp_path, how):
    paths = make_root(tmp_path, start="2022-10", end="2023-03")
    force = load_registry(paths)["wiltshire"]
    ingest_national(paths)
    ingest_force(paths, force)
    proc = paths.processed_force("wiltshire")
    targets = [proc / "police_uk" / "street" / "2023-01.parquet", proc / "police_uk" / "outcomes" / "2023-01.parquet",
               proc / "kpis" / "kpis.parquet", paths.processed / "national" / "recorded_crime.parquet"]
    targets = [t for t in targets if t.exists()]
    assert len(targets) >= 3, targets
    good = {t: pd.read_parquet(t) for t in targets}
    for t in targets:
        _damage(t, how)
    nat = ingest_national(paths)
    res = ingest_force(paths, force)
    assert not nat.unchanged, "a damaged national table was taken as up to date"
    assert "2023-01-wiltshire-street.csv" in res.street.read
    for t in targets:
        pd.testing.assert_frame_equal(pd.read_parquet(t), good[t])
    # And once rebuilt, the next ingest trusts the files again.
    assert ingest_national(paths).unchanged and ingest_force(paths, force).street.read == []


def test_a_corrupt_processed_parquet_with_its_raw_file_gone_is_an_error_not_data(tmp_path):
    """Without the raw file the month cannot be rebuilt: reading it stops with an error naming it (the report never
    shows the other months as if that one had no crime)."""
    from pccreport.errors import PccReportError
    from pccreport.ingest.processed import ReportData

    paths = make_root(tmp_path, start="2022-10", end="2023-03", national=False)
    force = load_registry(paths)["wiltshire"]
    ingest_force(paths, force)
    street = paths.processed_force("wiltshire") / "police_uk" / "street" / "2023-01.parquet"
    _damage(street, "truncated")
    with pytest.raises(PccReportError, match=r"2023-01.parquet: processed file cannot be read .* run the ingest again"):
        ReportData.load(paths, force)
