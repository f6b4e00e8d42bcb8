"""The unchanged re-run's decision path at N forces, without building N reports: this code against a baseline tree.

    .venv/bin/python benchmarks/bench_unchanged.py --forces 43 --repeats 5 --baseline /tmp/main-tree

A root with seeded sample data for N registry forces (as ``bench_national.py`` makes it, plus the national sample
tables) gets, for each arm (this checkout, and ``--baseline``: another source tree such as ``git archive main``), its
own copy (hard links) in which every force's 2023-Q1 is "published" as a stand-in: the folder layout a build leaves
(``reports/<force>/.builds/<quarter>-<id>/`` behind the ``<quarter>`` link) holding the build manifest that arm's own
code fingerprints (each arm's package sources are inputs, so each needs its own) and, with ``--scorecard``, a copy of
a real report's scorecard.csv (the skip path reads it for its warnings). Then ``run_all.py --dry-run`` and the real
no-op ``run_all.py`` of all N are timed, the arms alternating, each run checked to have built nothing (the dry run
must say ``0 to build``). The real 43-force figure, with reports that were really built, is ``bench_national.py``'s
``--unchanged-repeats``.

``--real`` builds the reports instead (each arm with its own code; one metric per priority on 18 months of sample
data, so keep ``--forces`` small): the no-op run over reports that were really built.

``--tiny`` (run by tests/test_benchmarks.py): 2 forces, 18 months of sample data, one repeat, no baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import PY, TINY_START, all_forces, conditions, median, out_dir, sample_root, save, timed

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.inputs.sample import generate_national

QUARTER = "2023-Q1"
# Writes the stand-in manifests with the arm's own code (run with that arm's tree first on sys.path).
PUBLISH = """
import json, os, shutil, sys
from pathlib import Path
from pccreport.config import Paths
from pccreport.batch.manifest import MANIFEST, fingerprint
from pccreport.hashing import atomic_write_json
paths, quarter, scorecard = Paths(Path(sys.argv[1])), sys.argv[2], sys.argv[3]
for force in sys.argv[4:]:
    build = paths.reports / force / ".builds" / f"{quarter}-standin"
    build.mkdir(parents=True, exist_ok=True)
    atomic_write_json(build / MANIFEST, {**fingerprint(paths, force, quarter), "built_at": "stand-in", "seconds": 0})
    if scorecard:
        shutil.copyfile(scorecard, build / "scorecard.csv")
    link = paths.report_dir(force, quarter)
    if not link.is_symlink():
        os.symlink(Path(".builds") / build.name, link)
"""


def arm_root(base: Paths, where: Path) -> Paths:
    """A copy of ``base``'s data and params (hard links: same inodes, sizes and mtimes) with no reports."""
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    for sub in ("data", "params"):
        subprocess.run(["cp", "-al", str(base.root / sub), str(where / sub)], check=True)
    return Paths(where)


def run(tree: Path, cmd: list[str]) -> subprocess.CompletedProcess:
    """``cmd`` with ``tree``'s package first on sys.path (cwd outside any checkout, so '' does not shadow it)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(cmd, cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True)


def timed_arm(tree: Path, cmd: list[str]) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cwd = os.getcwd()
    os.chdir(tempfile.gettempdir())
    try:
        return timed(cmd, env=env)
    finally:
        os.chdir(cwd)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--forces", type=int, default=43, help="first N registry forces (Wiltshire always included)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--baseline", type=Path, help="another source tree (e.g. `git archive main | tar -x -C DIR`)")
    ap.add_argument("--root", type=Path, help="reuse this sample root (made here if it has no data yet); the arms' "
                    "copies go beside it, as arm-this/ and arm-baseline/")
    ap.add_argument("--scorecard", type=Path, help="a real report's scorecard.csv, copied into each stand-in")
    ap.add_argument("--name", default="unchanged", help="results/<name>.json")
    ap.add_argument("--real", action="store_true", help="build the reports (small plan) instead of stand-ins")
    ap.add_argument("--tiny", action="store_true", help="smoke test: 2 forces, 1 repeat, no baseline")
    ap.add_argument("--out", help="folder for <name>.json (default benchmarks/results)")
    args = ap.parse_args()
    if args.tiny:
        args.forces, args.repeats, args.baseline = 2, 1, None
    if args.root:
        measure(args, args.root.resolve())
        return
    with tempfile.TemporaryDirectory(prefix="pcc-bench-unchanged-") as tmp:  # the sample root and its copies go too
        measure(args, Path(tmp) / "root")


def measure(args: argparse.Namespace, root: Path) -> None:
    """Make the sample root (unless it has data), the arms' copies and their reports, then time the arms."""
    registry = all_forces(Paths(DEFAULT_ROOT))
    forces = ["wiltshire"] + [f for f in registry if f != "wiltshire"][: args.forces - 1]
    if not (root / "data" / "raw" / "police_uk").exists():
        small = args.tiny or args.real
        base = sample_root(root, forces, start=TINY_START if small else "2020-10", tiny=small)
        generate_national(base)
    base = Paths(root)
    arms = {"this": DEFAULT_ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    roots = {}
    select = [a for f in forces for a in ("--force", f)] + ["--quarter", QUARTER, "--jobs", "2"]
    first_runs = {}
    for name, tree in arms.items():
        roots[name] = arm_root(base, root.parent / f"arm-{name}")
        if args.real:
            first_runs[name] = round(timed_arm(tree, [PY, str(tree / "run_all.py"), "--root", str(roots[name].root),
                                                      *select])[0], 1)
            continue
        made = run(tree, [PY, "-c", PUBLISH, str(roots[name].root), QUARTER, str(args.scorecard or ""), *forces])
        if made.returncode:
            raise SystemExit(f"stand-ins for {name}: {made.stderr[-2000:]}")
    start = conditions()
    runs: dict[str, dict[str, list]] = {n: {"dry_run_s": [], "run_s": [], "load_1min": []} for n in arms}
    for _ in range(args.repeats):
        for name, tree in arms.items():
            cmd = [PY, str(tree / "run_all.py"), "--root", str(roots[name].root), *select]
            check = run(tree, [*cmd, "--dry-run"])
            if check.returncode or f"0 to build, {len(forces)} unchanged" not in check.stdout:
                raise SystemExit(f"{name}: the dry run would build something:\n{check.stdout[-3000:]}")
            runs[name]["load_1min"].append(round(os.getloadavg()[0], 2))
            runs[name]["dry_run_s"].append(round(timed_arm(tree, [*cmd, "--dry-run"])[0], 3))
            runs[name]["run_s"].append(round(timed_arm(tree, cmd)[0], 3))
    for name in arms:  # a real no-op run must have skipped every force-quarter
        record = max((roots[name].reports / ".logs").glob("run-*.json"), key=lambda p: p.stat().st_mtime_ns)
        statuses = {r["status"] for r in json.loads(record.read_text())["results"]}
        if statuses != {"skipped"}:
            raise SystemExit(f"{name}: a no-op run did not skip everything: {statuses}")
    result = {"forces": len(forces), "quarter": QUARTER, "repeats": args.repeats, "tiny": args.tiny,
              "reports": "built" if args.real else "stand-ins", "first_run_s": first_runs,
              "stand_in_scorecard": bool(args.scorecard) and not args.real, "conditions_at_start": start, "arms": {}}
    for name, r in runs.items():
        result["arms"][name] = {**r, "dry_run_median_s": median(r["dry_run_s"]), "run_median_s": median(r["run_s"]),
                                "tree": str(arms[name])}
    if args.baseline:
        for key in ("dry_run_median_s", "run_median_s"):
            result[f"ratio_{key}"] = round(result["arms"]["baseline"][key] / result["arms"]["this"][key], 2)
    result["conditions_at_end"] = conditions()
    save(args.name, result, out_dir(args.out))


if __name__ == "__main__":
    main()
