"""One warm kernel for several notebooks: each starts from what a fresh kernel gives it, and fails as papermill says."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from papermill.exceptions import PapermillExecutionError

from pccreport.batch.kernel import WarmKernel


def notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("name = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def stdout(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [o["text"].strip() for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]


@pytest.fixture
def kernel(tmp_path):
    k = WarmKernel(tmp_path)
    yield k
    k.close()


def test_each_notebook_starts_from_a_fresh_namespace_counts_and_settings(tmp_path, kernel):
    other = tmp_path / "elsewhere"
    other.mkdir()
    dirty = notebook(tmp_path / "a.ipynb", "leak = name",
                     "import matplotlib, os, sys, warnings\nmatplotlib.rcParams['lines.linewidth'] = 9\n"
                     f"os.chdir({str(other)!r})\nsys.path.insert(0, 'added')\nwarnings.simplefilter('error')\n"
                     "import matplotlib.pyplot as plt\nplt.figure()")
    probe = notebook(tmp_path / "b.ipynb",
                     "import json, matplotlib, os, sys, warnings\nimport matplotlib.pyplot as plt\n"
                     "print(json.dumps({'leak': 'leak' in globals(), 'name': name,"
                     " 'lw': matplotlib.rcParams['lines.linewidth'], 'cwd': os.getcwd(), 'added': 'added' in sys.path,"
                     " 'error_filter': any(f[0] == 'error' for f in warnings.filters),"
                     " 'figures': len(plt.get_fignums())}))")
    fresh = WarmKernel(tmp_path)  # what a kernel that ran nothing before says
    try:
        fresh.execute(probe, tmp_path / "fresh.ipynb", {"name": "second"}, timeout=60)
    finally:
        fresh.close()
    kernel.execute(dirty, tmp_path / "a-out.ipynb", {"name": "first"}, timeout=60)
    kernel.execute(probe, tmp_path / "b-out.ipynb", {"name": "second"}, timeout=60)
    seen, expected = json.loads(stdout(tmp_path / "b-out.ipynb")[0]), json.loads(stdout(tmp_path / "fresh.ipynb")[0])
    assert seen == expected
    assert seen["leak"] is False and seen["name"] == "second" and seen["lw"] != 9 and seen["cwd"] == str(tmp_path)
    # Execution counts restart at 1 (papermill's injected-parameters cell included), as in a fresh kernel.
    out = nbformat.read(tmp_path / "b-out.ipynb", as_version=4)
    assert [c.execution_count for c in out.cells] == [1, 2, 3]
    assert "injected-parameters" in out.cells[1].metadata["tags"]


def test_a_failing_cell_is_named_as_papermill_names_it_and_the_output_is_written(tmp_path, kernel):
    kernel.execute(notebook(tmp_path / "ok.ipynb", "x = 1", "y = 2"), tmp_path / "ok-out.ipynb", {}, timeout=60)
    bad = notebook(tmp_path / "bad.ipynb", "x = 1", "raise KeyError('deliberate')")
    with pytest.raises(PapermillExecutionError) as fresh:  # papermill's own run, in a kernel of its own
        pm.execute_notebook(str(bad), str(tmp_path / "fresh-out.ipynb"), parameters={"name": "n"},
                            kernel_name="python3", progress_bar=False)
    with pytest.raises(PapermillExecutionError) as err:
        kernel.execute(bad, tmp_path / "bad-out.ipynb", {"name": "n"}, timeout=60)
    # params, injected params, x = 1, the raise: the same cell number as papermill gives
    assert (err.value.exec_count, err.value.ename) == (fresh.value.exec_count, "KeyError") == (4, "KeyError")
    assert "deliberate" in nbformat.read(tmp_path / "bad-out.ipynb", as_version=4).cells[-1].outputs[0]["evalue"]


def test_a_preloaded_kernel_shows_its_first_notebook_what_a_fresh_one_does_with_the_modules_already_loaded(tmp_path):
    probe = notebook(tmp_path / "probe.ipynb",
                     "import json, sys\nprint(json.dumps({'names': sorted(n for n in globals() if not n.startswith('_')),"
                     " 'wave': 'wave' in sys.modules}))")
    seen = {}
    for label, preload in (("fresh", ()), ("preloaded", ("no_such_module_for_this_test", "wave"))):
        k = WarmKernel(tmp_path, preload=preload)  # a module that cannot be imported is left to the notebook
        try:
            k.execute(probe, tmp_path / f"{label}.ipynb", {"name": "n"}, timeout=60)
        finally:
            k.close()
        seen[label] = json.loads(stdout(tmp_path / f"{label}.ipynb")[0])
    assert seen["preloaded"]["wave"] is True and seen["fresh"]["wave"] is False
    assert seen["preloaded"]["names"] == seen["fresh"]["names"]  # the preload leaves no name behind
    assert "name" in seen["fresh"]["names"] and "wave" not in seen["fresh"]["names"]
