"""The national batch: N registry forces for one quarter (sample data generated for each), wall time and peak memory
of the whole process tree, then a second run with nothing changed (medians of several).

    .venv/bin/python benchmarks/bench_national.py --sizes 2 4 8 43 --unchanged-repeats 5

``--plan public`` builds every force from public data alone (the default plan, no KPIs or narrative); the default,
``--plan sample``, gives every force Wiltshire's plan and sample KPIs.
``--sizes`` takes force counts (the first N registry forces alphabetically, Wiltshire always included); 43 = all.
``--tiny`` (run by tests/test_benchmarks.py on every CI run): 2 forces, 18 months of sample data, one metric per
priority, one unchanged re-run, results written under ``--out`` only; it checks the script still works and measures
nothing worth quoting.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import PY, RUN_ALL, TINY_START, all_forces, conditions, median, out_dir, sample_root, save, timed

from pccreport.config import DEFAULT_ROOT, Paths


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[2, 4, 8])
    ap.add_argument("--unchanged-repeats", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--name", default="national_batch", help="results/<name>.json")
    ap.add_argument("--plan", choices=["sample", "public"], default="sample",
                    help="sample: Wiltshire's plan with KPIs for every force; public: public data alone, the default plan")
    ap.add_argument("--tiny", action="store_true", help="smoke test: 2 forces, 1 priority, 1 unchanged re-run")
    ap.add_argument("--out", help="folder for <name>.json (default benchmarks/results)")
    args = ap.parse_args()
    if args.tiny:
        args.sizes, args.unchanged_repeats = [2], 1
    registry = all_forces(Paths(DEFAULT_ROOT))
    rows = []
    for n in args.sizes:
        forces = ["wiltshire"] + [f for f in registry if f != "wiltshire"][: n - 1]
        paths = sample_root(Path(tempfile.mkdtemp(prefix=f"pcc-bench-national-{n}-")) / "root", forces,
                            start=TINY_START if args.tiny else "2020-10", tiny=args.tiny, public=args.plan == "public")
        # The chosen forces by name: with the public-data default plan, 'all' would also select every force of the
        # registry, and a force with its own plan (Dorset) but no data in this root would fail as "no data".
        cmd = [PY, RUN_ALL, "--root", str(paths.root), *[a for f in forces for a in ("--force", f)],
               "--quarter", "2023-Q1", "--jobs", str(args.jobs)]
        cond = conditions()
        wall, peak = timed(cmd)
        unchanged = [timed(cmd)[0] for _ in range(args.unchanged_repeats)]
        built = len(forces)
        rows.append({"forces": n, "force_quarters_built": built, "first_run_s": round(wall, 1),
                     "per_force_s": round(wall / built, 1),
                     "peak_rss_mb": round(peak), "unchanged_runs_s": [round(x, 2) for x in unchanged],
                     "unchanged_median_s": median(unchanged), "conditions_at_start": cond})
        print(rows[-1], flush=True)
    save(args.name, {"quarter": "2023-Q1", "jobs": args.jobs, "plan": args.plan, "tiny": args.tiny, "runs": rows,
                     "conditions_at_end": conditions()}, out_dir(args.out))


if __name__ == "__main__":
    main()
