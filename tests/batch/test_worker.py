"""The build process (batch/worker.py) on its own: what it leaves out of its imports changes nothing it checks."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Run in a child: the skip marks a module missing for the whole process, which must not leak into other tests.
_CHILD = """
import sys
from pccreport.batch.worker import skip_unused_imports
skip_unused_imports()
import nbformat, papermill
from pccreport.report import render
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
nb.cells[0]["cell_type"] = "not a cell type"
try:
    nbformat.validate(nb)
except nbformat.ValidationError:
    print("invalid notebook refused")
print("rfc3987_syntax loaded" if sys.modules.get("rfc3987_syntax") else "rfc3987_syntax not loaded")
"""


def test_the_build_process_skips_the_iri_grammar_and_still_validates_notebooks():
    from pccreport.config import DEFAULT_ROOT

    proc = subprocess.run([sys.executable, "-c", _CHILD, str(DEFAULT_ROOT / "notebooks" / "00_front.ipynb")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split("\n")[:2] == ["invalid notebook refused", "rfc3987_syntax not loaded"]


_STOPPED_WITH_A_LANE_BUSY = """
import sys, threading
import pccreport.batch.build as build
import pccreport.config as config

def run_one(*args, **kwargs):
    # A notebook lane still starting its kernel (or waiting on a cell) when the stop arrives: a non-daemon thread
    # that would be joined, for as long as it blocks, by a normal interpreter exit.
    threading.Thread(target=threading.Event().wait).start()
    {how}

build.run_one = run_one
config.Paths.discover = staticmethod(lambda root: root)
from pccreport.batch.worker import main
main(["--root", ".", "--force", "wiltshire", "--quarter", "2023-Q1", "--result", sys.argv[1]])
"""


@pytest.mark.parametrize("how, code, says", [
    ("raise SystemExit(128 + 15)", 143, ""),  # SIGTERM / the parent's death, as worker._stop raises it
    ("raise RuntimeError('renderer crashed')", 1, "RuntimeError: renderer crashed"),
])
def test_a_stopped_or_failed_build_process_exits_without_waiting_for_its_notebook_lanes(tmp_path, how, code, says):
    """Whatever ends the build, the process leaves at once with its exit status (the lanes' kernels are killed)."""
    script = _STOPPED_WITH_A_LANE_BUSY.replace("{how}", how)
    # The timeout only detects a hang (the thread never ends by itself); a working exit takes about a second.
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "result.json")], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == code, proc.stderr[-2000:]
    assert says in proc.stderr
