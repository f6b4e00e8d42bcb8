"""Shared fixtures: the real public data beside the repo, and a sample project root built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.sample import generate, generate_national

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


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory) -> Paths:
    """A project root with sample data for Wiltshire (Oct 2020 to Jun 2023), shared read-only by tests."""
    return make_root(tmp_path_factory.mktemp("sample"))
