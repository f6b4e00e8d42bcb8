"""One force-quarter, all notebooks, HTML + PDF: run_all.py against the naive shell loop, interleaved, medians.

The naive loop is what a user would otherwise write: for each notebook, one after another, ``papermill`` then
``jupyter nbconvert --to html`` then a PDF. nbconvert's own PDF routes need TeX (``--to pdf``) or Chromium
(``--to webpdf``), neither of which this project installs, so the loop makes each PDF with the ``weasyprint`` command
(the same engine run_all.py uses). Data is ingested once before timing (both routes read data/processed/). Each
repeat also times the papermill floor (the ``papermill`` command on a two-cell notebook: process start, imports, one
kernel), the unit of the issue's "at most 4x the floor" target, with the load average beside it.

    .venv/bin/python benchmarks/bench_single.py --repeats 3

``--tiny`` (run by tests/test_benchmarks.py): one repeat of a one-metric-per-priority plan on 18 months of sample
data, the naive loop on its first notebook only, result under ``--out`` only.
"""

from __future__ import annotations

import argparse
import shlex
import tempfile
from pathlib import Path

from common import PY, RUN_ALL, TINY_START, conditions, median, out_dir, sample_root, save, timed

from pccreport.batch.build import notebook_runs
from pccreport.config import DEFAULT_ROOT
from pccreport.ingest.pipeline import ingest_force
from pccreport.inputs.plan import load_plan
from pccreport.registry import validate_force


def naive_script(paths, out: Path, force: str = "wiltshire", quarter: str = "2023-Q1",
                 notebooks: int | None = None) -> str:
    """The naive loop's shell script; ``notebooks`` keeps only the first few (the tiny mode's smoke test)."""
    bin_ = Path(PY).parent
    lines = ["set -e", f"mkdir -p {out}"]
    for run in notebook_runs(load_plan(paths, force))[:notebooks]:
        src = DEFAULT_ROOT / "notebooks" / run.template
        dst = out / run.output
        params = {"force": force, "quarter": quarter, "project_root": str(paths.root), **run.params}
        ps = " ".join(f"-p {k} {shlex.quote(str(v))}" for k, v in params.items())
        lines.append(f"{bin_}/papermill -k python3 --cwd {DEFAULT_ROOT / 'notebooks'} {src} {dst} {ps}")
        lines.append(f"{bin_}/jupyter nbconvert --to html {dst}")
        lines.append(f"{bin_}/weasyprint {dst.with_suffix('.html')} {dst.with_suffix('.pdf')}")
    return "\n".join(lines)


def floor_script(tmp: Path) -> str:
    """The papermill floor: the papermill command on a two-cell notebook (process start, imports, one kernel)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("y = x + 1")]
    nbformat.write(nb, tmp / "floor.ipynb")
    return f"{Path(PY).parent}/papermill -k python3 {tmp / 'floor.ipynb'} {tmp / 'floor-out.ipynb'} -p x 2"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tiny", action="store_true", help="smoke test: 1 repeat, one priority")
    ap.add_argument("--out", help="folder for single_force_quarter.json (default benchmarks/results)")
    args = ap.parse_args()
    if args.tiny:
        args.repeats = 1
    tmp = Path(tempfile.mkdtemp(prefix="pcc-bench-single-"))
    paths = sample_root(tmp / "root", ["wiltshire"], start=TINY_START if args.tiny else "2020-10", tiny=args.tiny)
    ingest_force(paths, validate_force("wiltshire", paths))
    # Tiny mode runs the naive loop on the first notebook only: it checks the loop still runs, not how long it takes.
    script = naive_script(paths, tmp / "naive", notebooks=1 if args.tiny else None)
    floor = floor_script(tmp)
    naive, ours, floors, loads = [], [], [], []
    for i in range(args.repeats):
        loads.append(conditions()["loadavg_1_5_15"])
        floors.append(timed(floor, shell=True)[0])
        naive.append(timed(script, shell=True)[0])
        ours.append(timed([PY, RUN_ALL, "--root", str(paths.root), "--force", "wiltshire", "--quarter", "2023-Q1",
                           "--force-rebuild", "--jobs", str(args.jobs)])[0])
        print(f"repeat {i + 1} (load {loads[-1]}): papermill floor {floors[-1]:.1f}s, naive {naive[-1]:.1f}s, "
              f"run_all.py {ours[-1]:.1f}s", flush=True)
    save("single_force_quarter", {
        "what": "wiltshire 2023-Q1, 7 notebooks, HTML+PDF", "repeats": args.repeats, "jobs": args.jobs,
        "naive_loop_s": [round(x, 1) for x in naive], "run_all_s": [round(x, 1) for x in ours],
        "naive_median_s": median(naive), "run_all_median_s": median(ours),
        "speedup_median": round(median(naive) / median(ours), 2),
        "papermill_floor_s": [round(x, 2) for x in floors], "floor_median_s": median(floors),
        "run_all_over_floor_median": round(median(ours) / median(floors), 2), "loadavg_at_each_repeat": loads,
        "tiny": args.tiny, "conditions": conditions()},
        out_dir(args.out))


if __name__ == "__main__":
    main()
