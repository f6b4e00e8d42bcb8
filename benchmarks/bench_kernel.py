"""Fresh kernel per notebook (papermill, as run_all.py does) against one warm kernel reused for all the notebooks of a
force-quarter (nbclient with a shared kernel, namespace reset between notebooks). Notebook execution only, one at a
time, interleaved, medians.

    .venv/bin/python benchmarks/bench_kernel.py --repeats 3

``--tiny`` (run by tests/test_benchmarks.py): one repeat of a one-priority plan, result under ``--out`` only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm
from common import conditions, median, out_dir, sample_root, save
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from pccreport.batch.build import notebook_runs
from pccreport.config import DEFAULT_ROOT
from pccreport.ingest.pipeline import ingest_force
from pccreport.inputs.plan import load_plan
from pccreport.registry import validate_force

NB = DEFAULT_ROOT / "notebooks"


def fresh(paths, out: Path) -> float:
    t0 = time.monotonic()
    for run in notebook_runs(load_plan(paths, "wiltshire")):
        pm.execute_notebook(str(NB / run.template), str(out / run.output), kernel_name="python3", cwd=str(NB),
                            progress_bar=False, parameters={"force": "wiltshire", "quarter": "2023-Q1",
                                                            "project_root": str(paths.root), **run.params})
    return time.monotonic() - t0


def warm(paths, out: Path) -> float:
    t0 = time.monotonic()
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(NB))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    try:
        for run in notebook_runs(load_plan(paths, "wiltshire")):
            nb = load_notebook_node(str(NB / run.template))  # as papermill reads it (adds the tags it looks for)
            nb = parameterize_notebook(nb, {"force": "wiltshire", "quarter": "2023-Q1",
                                            "project_root": str(paths.root), **run.params})
            nb.cells.insert(0, nbformat.v4.new_code_cell("%reset -f\nimport matplotlib.pyplot as _plt; _plt.close('all')"))
            NotebookClient(nb, km=km, kc=kc, timeout=600).execute(cleanup_kc=False)
            nbformat.write(nb, out / run.output)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tiny", action="store_true", help="smoke test: 1 repeat, one priority")
    ap.add_argument("--out", help="folder for kernel_reuse.json (default benchmarks/results)")
    args = ap.parse_args()
    if args.tiny:
        args.repeats = 1
    tmp = Path(tempfile.mkdtemp(prefix="pcc-bench-kernel-"))
    paths = sample_root(tmp / "root", ["wiltshire"], start="2021-01" if args.tiny else "2020-10", tiny=args.tiny)
    ingest_force(paths, validate_force("wiltshire", paths))
    (tmp / "fresh").mkdir()
    (tmp / "warm").mkdir()
    a, b = [], []
    for i in range(args.repeats):
        a.append(fresh(paths, tmp / "fresh"))
        b.append(warm(paths, tmp / "warm"))
        print(f"repeat {i + 1}: fresh kernels {a[-1]:.1f}s, one warm kernel {b[-1]:.1f}s", flush=True)
    save("kernel_reuse", {"what": "wiltshire 2023-Q1, 7 notebooks executed one after another (no HTML/PDF)",
                          "fresh_kernel_per_notebook_s": [round(x, 1) for x in a],
                          "one_warm_kernel_s": [round(x, 1) for x in b], "fresh_median_s": median(a),
                          "warm_median_s": median(b), "warm_saving": round(1 - median(b) / median(a), 2),
                          "tiny": args.tiny, "conditions": conditions()}, out_dir(args.out))


if __name__ == "__main__":
    main()
