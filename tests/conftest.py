"""Shared fixtures: the real public data beside the repo, and a sample project root built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.inputs.sample import generate, generate_national

SHARED = (DEFAULT_ROOT.parent / "shared" / "data").resolve()


def shared(*parts: str) -> Path:
    """A path under ../shared/data; skips the test (never fakes it) if the real data is not beside the repo."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real public data not found at {p}")
    return p


def make_root(tmp: Path, forces: tuple[str, ...] = ("wiltshire",), start: str = "2020-10", end: str = "2023-06",
              national: bool = True) -> Paths:
    """A project root with the repo's params/ copied, sample data for ``forces`` and the national sample tables."""
    shutil.copytree(DEFAULT_ROOT / "params", tmp / "params")
    paths = Paths(tmp)
    for f in forces:
        generate(paths, f, start, end)
    if national:
        generate_national(paths)
    return paths


def trim_plan(paths: Paths, force: str, priorities: int = 3, metrics: int = 2) -> None:
    """Cut ``force``'s plan in ``paths`` to its first priorities, one scorecard each of its first metrics.

    For tests of the batch's mechanics (failures, locks, skips, publishing), which need real notebooks and a real
    report but not every chart of the full plan: a build then runs the same notebooks with a few charts each.
    Three priorities is the fewest a plan may have.
    """
    file = paths.params / force / "plan.yaml"
    plan = yaml.safe_load(file.read_text(encoding="utf-8"))
    plan["priorities"] = plan["priorities"][:priorities]
    for p in plan["priorities"]:
        p["scorecards"] = p["scorecards"][:1]
        p["scorecards"][0]["metrics"] = p["scorecards"][0]["metrics"][:metrics]
    file.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups
def pytest_collection_modifyitems(config, items):  # noqa: ARG001 - pytest hook signature
    """Groups for pytest-xdist's ``--dist loadgroup`` (``make test``): a module's tests run on one worker, so its
    module fixtures are built once; every module using ``built_twice`` shares one group, so the two builds are made
    once per run, not once per worker."""
    built = {item.module.__name__ for item in items if "built_twice" in item.fixturenames}
    for item in items:
        name = item.module.__name__
        item.add_marker(pytest.mark.xdist_group("built_twice" if name in built else name))


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory) -> Paths:
    """A project root with sample data for Wiltshire (Oct 2020 to Jun 2023), shared read-only by tests."""
    return make_root(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def built_twice(tmp_path_factory) -> tuple[Paths, Paths]:
    """Wiltshire 2023-Q1 built by run_all.py in two project roots holding the same inputs (nothing processed before).

    tests/batch/test_reproducible.py compares the two; tests/batch/test_faults.py uses the second as the previous good report
    that every fault must leave intact (it only adds Dorset there), so the suite pays for two builds, not three.
    The two builds run at the same time: much of a build (ingest, the context, HTML and PDF) uses one core, so on
    two cores the pair takes little more than one; that they still agree is what test_reproducible.py checks.
    """
    import subprocess
    import sys

    a = make_root(tmp_path_factory.mktemp("built_a"), start="2021-01", end="2023-06")
    b = Paths(tmp_path_factory.mktemp("built_b"))
    shutil.copytree(a.root / "params", b.root / "params")
    shutil.copytree(a.root / "data", b.root / "data")
    logs = tmp_path_factory.mktemp("built_logs")
    procs = []
    try:
        for name, paths in (("a", a), ("b", b)):
            with open(logs / f"{name}.log", "w") as out:  # a file, not a pipe: neither run can block on its output
                procs.append(subprocess.Popen([sys.executable, str(DEFAULT_ROOT / "run_all.py"), "--root",
                                               str(paths.root), "--force", "wiltshire", "--quarter", "2023-Q1",
                                               "--jobs", "2"], stdout=out, stderr=subprocess.STDOUT))
        for proc in procs:
            proc.wait(timeout=900)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for name, proc in zip("ab", procs):
        assert proc.returncode == 0, (logs / f"{name}.log").read_text()
    return a, b
