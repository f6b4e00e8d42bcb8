"""The build process (batch/worker.py) on its own: what it leaves out of its imports changes nothing it checks."""

from __future__ import annotations

import subprocess
import sys

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
