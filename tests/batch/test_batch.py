"""Batch runs through run_all.py: dry run, isolation of a failing notebook, incremental skip/rebuild, a killed run,
and the Dask path on a real local cluster. These run real builds (papermill, WeasyPrint), so they share one root."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml

from pccreport.batch.manifest import changed, decide, fingerprint
from pccreport.batch.selection import latest_quarter, quarter_range, select
from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.inputs.sample import generate
from tests.conftest import make_root, trim_plan

RUN_ALL = str(DEFAULT_ROOT / "run_all.py")


def run_all(paths: Paths, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, RUN_ALL, "--root", str(paths.root), *args], capture_output=True, text=True,
                          timeout=timeout)


def published(paths: Paths, force: str, quarter: str) -> dict[str, bytes]:
    """Every file of the published report (through the symlink) with its bytes."""
    d = paths.report_dir(force, quarter)
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def builds(paths: Paths, force: str, quarter: str) -> list[str]:
    """The force-quarter's folders under reports/<force>/.builds/ (another quarter's builds, from another test, are
    not counted)."""
    b = paths.reports / force / ".builds"
    return sorted(p.name for p in b.iterdir() if p.name.startswith(f"{quarter}-")) if b.exists() else []


# ---------------------------------------------------------------- fast unit tests (no builds)

def test_quarter_ranges_expand_inclusive_and_refuse_backwards():
    assert quarter_range("2022-Q3..2023-Q2") == ["2022-Q3", "2022-Q4", "2023-Q1", "2023-Q2"]
    assert quarter_range("2023-Q1..2023-Q1") == ["2023-Q1"]
    from pccreport.errors import ParameterError

    with pytest.raises(ParameterError, match="backwards"):
        quarter_range("2023-Q2..2022-Q3")


def test_latest_is_the_last_quarter_fully_covered_and_all_reports_forces_without_a_plan(tmp_path):
    paths = make_root(tmp_path, start="2022-07", end="2023-05")  # Q2 2023 is incomplete: latest is 2023-Q1
    assert latest_quarter(paths, "wiltshire") == "2023-Q1"
    sel = select(paths, ["all"], ["latest", "2022-Q4..2023-Q1"])
    # Every force has a plan (its own or the public-data default). Dorset has its own plan but no data here, so its
    # 'latest' cannot be built; the 41 forces with neither a plan of their own nor street files are "no data".
    assert [w for w in sel.work if w[0] == "wiltshire"] == [("wiltshire", "2022-Q4"), ("wiltshire", "2023-Q1")]
    assert [(f, q, st) for f, q, st, _ in sel.not_built if f == "dorset"] == [("dorset", "latest", "failed")]
    no_data = {f for f, _, st, _ in sel.not_built if st == "no data"}
    assert len(no_data) == 41 and "kent" in no_data and not sel.no_plan


def test_fingerprint_is_by_content_so_touch_is_not_a_change_but_an_edit_is(tmp_path):
    paths = make_root(tmp_path, start="2022-06", end="2023-03")
    first = fingerprint(paths, "wiltshire", "2023-Q1")
    assert "data/police_uk/2023-02/2023-02-wiltshire-street.csv" in first["inputs"]
    assert "params/wiltshire/plan.yaml" in first["inputs"] and "notebooks/priority.ipynb" in first["inputs"]
    assert any(k.startswith("package/") for k in first["inputs"])
    narrative = paths.params / "wiltshire" / "2023-Q1.yaml"
    os.utime(narrative, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert changed(first, fingerprint(paths, "wiltshire", "2023-Q1", first)) == []
    narrative.write_text(narrative.read_text() + "\n# edited\n")
    assert changed(first, fingerprint(paths, "wiltshire", "2023-Q1", first)) == ["params/wiltshire/2023-Q1.yaml"]
    kpis = paths.kpi_raw("wiltshire") / "kpis.csv"
    kpis.unlink()
    assert "data/kpis/kpis.csv (removed)" in changed(first, fingerprint(paths, "wiltshire", "2023-Q1", first))
    assert decide(paths, "wiltshire", "2023-Q1")[0].reason == "no report yet"


def test_a_notebook_over_the_timeout_fails_the_build_naming_it():
    from pccreport.batch.build import NotebookFailed, NotebookRun, _run_all

    started: dict[str, float] = {}

    def execute(run, out):
        started[run.output] = time.monotonic()
        time.sleep(4)  # stands in for a hung kernel
        started.pop(run.output)

    runs = [NotebookRun("slow.ipynb", "12_priority_2.ipynb")]
    with pytest.raises(NotebookFailed, match=r"12_priority_2.ipynb kernel: timed out: still running after 1s"):
        _run_all(execute, runs, [Path("unused")], jobs=1, timeout=1, started=started)


def test_a_cell_error_is_described_by_notebook_cell_and_error_line():
    from papermill.exceptions import PapermillExecutionError

    from pccreport.batch.build import _notebook_failure

    exc = PapermillExecutionError(cell_index=3, exec_count=4, source="x", ename="KeyError",
                                  evalue="'calls_999_answer'\nmore", traceback=[])
    failure = _notebook_failure("00_front.ipynb", exc)
    assert (failure.notebook, failure.cell, failure.error) == ("00_front.ipynb", 4, "KeyError: 'calls_999_answer'")


# ---------------------------------------------------------------- real batch runs on one shared root

@pytest.fixture(scope="module")
def failing_notebook():
    """A notebook whose second cell raises, put among the project's notebooks for this module only."""
    name = f"zz_test_failing_{uuid.uuid4().hex[:8]}.ipynb"
    path = DEFAULT_ROOT / "notebooks" / name
    nb = nbformat.v4.new_notebook()
    nb.metadata = nbformat.read(DEFAULT_ROOT / "notebooks" / "priority.ipynb", as_version=4).metadata
    params = nbformat.v4.new_code_cell('force = "wiltshire"\nquarter = "2023-Q1"\npriority = 1\nproject_root = None\n'
                                       'built_at = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell('raise RuntimeError("deliberate failure for the batch test")')]
    nbformat.write(nb, path)
    yield name
    path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def root(tmp_path_factory, failing_notebook) -> Paths:
    """Wiltshire and Dorset (their own plans, but Dorset's priority 1 notebook fails), sample data for both."""
    paths = make_root(tmp_path_factory.mktemp("batch"))
    generate(paths, "dorset", "2020-10", "2023-06")
    trim_plan(paths, "wiltshire")
    trim_plan(paths, "dorset")
    plan_file = paths.params / "dorset" / "plan.yaml"
    plan = yaml.safe_load(plan_file.read_text())
    plan["priorities"][0]["notebook"] = failing_notebook
    plan_file.write_text(yaml.safe_dump(plan))
    return paths


def test_dry_run_lists_what_would_be_built_and_why_and_writes_nothing(root, tmp_path):
    import shutil

    # The module's inputs in a root of this test's own, so the other tests' builds there cannot show here.
    fresh = Paths(tmp_path / "root")
    for part in ("params", "data/raw"):
        shutil.copytree(root.root / part, fresh.root / part)
    root = fresh
    proc = run_all(root, "--force", "wiltshire", "--force", "dorset", "--quarter", "2023-Q1", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "build  wiltshire 2023-Q1  no report yet" in proc.stdout
    assert "build  dorset 2023-Q1  no report yet" in proc.stdout
    assert "2 to build" in proc.stdout
    assert not root.reports.exists() and not root.processed.exists()


def test_a_failing_notebook_fails_only_its_force_quarter_and_the_summary_names_the_cell(root, failing_notebook):
    logs_before = set((root.reports / ".logs").glob("run-*.log"))
    # --force-rebuild: Wiltshire is built whether or not another test of the module built it first.
    proc = run_all(root, "--force", "dorset", "--force", "wiltshire", "--quarter", "2023-Q1", "--jobs", "2",
                   "--force-rebuild")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    summary = proc.stdout.split("Summary", 1)[1]
    dorset = next(ln for ln in summary.splitlines() if ln.startswith("dorset"))
    assert "failed" in dorset and "11_priority_1.ipynb cell" in dorset
    assert "RuntimeError: deliberate failure for the batch test" in dorset
    wilts = next(ln for ln in summary.splitlines() if ln.startswith("wiltshire"))
    assert " built " in wilts
    assert "1 built, 0 skipped, 1 failed" in summary
    # The good force-quarter is complete; the failed one published nothing and left no temporary build.
    assert {"wiltshire-2023-Q1-report.html", "wiltshire-2023-Q1-report.pdf", "scorecard.csv",
            "build-manifest.json"} <= set(published(root, "wiltshire", "2023-Q1"))
    assert not root.report_dir("dorset", "2023-Q1").exists() and builds(root, "dorset", "2023-Q1") == []
    index = (root.reports / "index.html").read_text()
    assert 'href="wiltshire/2023-Q1/wiltshire-2023-Q1-report.pdf"' in index
    assert "deliberate failure for the batch test" in index
    logs = sorted(set((root.reports / ".logs").glob("run-*.log")) - logs_before)
    assert len(logs) == 1 and "RuntimeError" in logs[0].read_text()
    # INFO goes to the run log only: stderr has the failure and nothing routine; the summary is printed once.
    assert " INFO " not in proc.stderr and "failed dorset 2023-Q1" in proc.stderr
    assert proc.stdout.count("Summary") == 1 and "summary" not in proc.stderr
    # The same run for machines, beside the log: every force-quarter with status, time and where it failed.
    record = json.loads(logs[0].with_suffix(".json").read_text())
    assert record["exit_code"] == 1 and record["log"] == str(logs[0])
    res = {r["force"]: r for r in record["results"]}
    assert res["dorset"]["status"] == "failed" and res["dorset"]["notebook"] == "11_priority_1.ipynb"
    assert res["dorset"]["cell"] and "deliberate failure" in res["dorset"]["error"]
    assert res["wiltshire"]["status"] == "built" and res["wiltshire"]["seconds"] > 0
    assert res["wiltshire"]["warnings"] == []


@pytest.fixture
def wiltshire_published(root) -> Paths:
    """The root with Wiltshire 2023-Q1 published: built here when run alone, a quick skip after the other tests."""
    proc = run_all(root, "--force", "wiltshire", "--quarter", "2023-Q1")
    assert proc.returncode == 0 and root.report_dir("wiltshire", "2023-Q1").is_symlink(), proc.stdout + proc.stderr
    return root


def test_unchanged_inputs_are_skipped_and_one_changed_input_rebuilds_only_its_report(wiltshire_published):
    root = wiltshire_published
    before = os.readlink(root.report_dir("wiltshire", "2023-Q1"))
    proc = run_all(root, "--force", "wiltshire", "--quarter", "2023-Q1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "skipped" in proc.stdout and "0 built, 1 skipped, 0 failed" in proc.stdout
    assert os.readlink(root.report_dir("wiltshire", "2023-Q1")) == before

    narrative = root.params / "wiltshire" / "2023-Q1.yaml"
    narrative.write_text(narrative.read_text().replace("plans on a page", "plans-on-a-page"))
    dry = run_all(root, "--force", "wiltshire", "--quarter", "2023-Q1", "--dry-run")
    assert "build  wiltshire 2023-Q1  changed: params/wiltshire/2023-Q1.yaml" in dry.stdout
    proc = run_all(root, "--force", "wiltshire", "--quarter", "2023-Q1")
    assert proc.returncode == 0 and "1 built, 0 skipped" in proc.stdout, proc.stdout + proc.stderr
    after = os.readlink(root.report_dir("wiltshire", "2023-Q1"))
    assert after != before and builds(root, "wiltshire", "2023-Q1") == [Path(after).name]
    assert "plans-on-a-page" in published(root, "wiltshire", "2023-Q1")["wiltshire-2023-Q1-report.html"].decode()
    manifest = json.loads(published(root, "wiltshire", "2023-Q1")["build-manifest.json"])
    assert manifest["inputs"]["params/wiltshire/2023-Q1.yaml"]["size"] == narrative.stat().st_size


def _wait_for_new_build(paths: Paths, old: str, timeout: float = 240) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in builds(paths, "wiltshire", "2023-Q1"):
            nbs = paths.reports / "wiltshire" / ".builds" / name / "notebooks"
            if name != old and nbs.exists() and any(nbs.glob("*.ipynb")):
                return nbs.parent
        time.sleep(0.2)
    raise AssertionError("the rebuild never started")


def _processes_using(root: Path) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any(str(root) in part for part in (p.info["cmdline"] or [])):
                out.append(p)
        except psutil.Error:
            pass
    return out


@pytest.mark.parametrize("how", ["SIGKILL the run", "SIGKILL every process of the run"])
def test_a_killed_run_leaves_the_previous_report_and_the_next_run_removes_its_leftovers(wiltshire_published, how):
    root = wiltshire_published
    link = os.readlink(root.report_dir("wiltshire", "2023-Q1"))
    before = published(root, "wiltshire", "2023-Q1")
    proc = subprocess.Popen([sys.executable, RUN_ALL, "--root", str(root.root), "--force", "wiltshire", "--quarter",
                             "2023-Q1", "--force-rebuild", "--jobs", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for_new_build(root, Path(link).name)
        if how == "SIGKILL the run":
            proc.kill()  # its build process is told by the kernel (parent-death signal) and cleans up
        else:
            os.killpg(proc.pid, signal.SIGKILL)  # nothing gets to clean up: the next run must
        proc.wait(timeout=30)
        deadline = time.monotonic() + 60
        while _processes_using(root.root) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _processes_using(root.root) == [], "a build process or kernel outlived the killed run"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert os.readlink(root.report_dir("wiltshire", "2023-Q1")) == link
    assert published(root, "wiltshire", "2023-Q1") == before
    if how == "SIGKILL the run":
        # The stopped build discarded its unfinished build (renamed out of the way, then deleted; on a loaded machine
        # a kernel still saving can leave the renamed folder behind, which the next run removes, checked below).
        leftovers = [b for b in builds(root, "wiltshire", "2023-Q1") if b != Path(link).name]
        assert all(b.endswith("-discarded") for b in leftovers), leftovers
    # The next (unchanged) run skips the work, and removes anything the killed run left behind.
    nxt = run_all(root, "--force", "wiltshire", "--quarter", "2023-Q1")
    assert nxt.returncode == 0 and "1 skipped" in nxt.stdout, nxt.stdout + nxt.stderr
    assert builds(root, "wiltshire", "2023-Q1") == [Path(link).name]
    assert not list((root.reports / "wiltshire").glob(".link-*"))


def test_a_second_run_on_the_same_force_quarter_is_refused_while_the_first_holds_the_lock(root):
    from pccreport.batch.locks import ForceQuarterLock

    with ForceQuarterLock(root.reports, "wiltshire", "2023-Q1"):
        proc = run_all(root, "--force", "wiltshire", "--quarter", "2023-Q1", "--force-rebuild")
    assert proc.returncode == 1 and "locked" in proc.stdout and "another run" in proc.stdout


def test_the_dask_path_builds_on_a_real_local_cluster(root):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, host="127.0.0.1", dashboard_address=":0",
                      processes=True) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        proc = run_all(root, "--force", "wiltshire", "--force", "dorset", "--quarter", "2023-Q2",
                       "--scheduler", cluster.scheduler_address)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # dorset's notebook still fails, on the cluster too
    log = max((root.reports / ".logs").glob("run-*.log"), key=os.path.getmtime).read_text()
    assert "Dask scheduler tcp://127.0.0.1:" in log  # INFO: in the run log, not on stderr
    summary = proc.stdout.split("Summary", 1)[1]
    assert "1 built, 0 skipped, 1 failed" in summary and "deliberate failure" in summary
    assert "wiltshire-2023-Q2-report.pdf" in published(root, "wiltshire", "2023-Q2")
    assert not root.report_dir("dorset", "2023-Q2").exists() and builds(root, "dorset", "2023-Q2") == []
    again = run_all(root, "--force", "wiltshire", "--quarter", "2023-Q2", "--dry-run")
    assert "skip   wiltshire 2023-Q2  inputs unchanged" in again.stdout
