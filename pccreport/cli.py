"""Command line for batch builds and input checks (run_all.py and ``python -m pccreport`` call this)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback

from .batch import build
from .config import Paths
from .errors import PccReportError
from .periods import Quarter
from .registry import validate_force
from .validate import check_inputs, not_supplied


def describe_failure(exc: BaseException) -> str:
    """One line saying what failed: for a notebook, which cell and the error line."""
    import papermill.exceptions as pme

    if isinstance(exc, pme.PapermillExecutionError):
        return f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}".splitlines()[0]
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip("- ")]
    return lines[0] if lines else type(exc).__name__


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="run_all.py", description="Build quarterly Police and Crime Plan reports.")
    ap.add_argument("--force", action="append", required=True, help="force slug, e.g. wiltshire (repeatable)")
    ap.add_argument("--quarter", action="append", required=True, help="quarter YYYY-Qn, e.g. 2023-Q1 (repeatable)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks executed at once (default: cores)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds a notebook cell may run before it fails")
    ap.add_argument("--check", action="store_true", help="validate every input for the force-quarters; build nothing")
    ap.add_argument("--root", help="project root holding data/, params/ and reports/ (default: this project)")
    return ap


def main(argv: list[str] | None = None) -> int:
    """Validate parameters before any work, build each force-quarter, print a summary; non-zero if anything failed."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for noisy in ("fontTools", "weasyprint", "papermill", "traitlets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    paths = Paths.discover(args.root)
    try:
        forces = [validate_force(f, paths).slug for f in args.force]
        quarters = [Quarter.parse(q).label for q in args.quarter]
    except PccReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    work = [(f, q) for f in forces for q in quarters]
    if args.check:
        bad = 0
        for f, q in work:
            res = check_inputs(paths, f, q)
            problems = res.problems
            status = "OK" if not problems else f"{len(problems)} problem(s)"
            print(f"{f} {q}: {status}")
            for p in problems:
                print(f"  {p}")
            for m in res.missing_kpis:  # not a failure: the report shows "data not supplied" in that scorecard
                print(f"  note: data not supplied for {m}")
            bad += bool(problems)
        return 1 if bad else 0
    from tqdm import tqdm

    results = []
    bar = tqdm(work, desc="force-quarters", unit="report", disable=not sys.stderr.isatty())
    for f, q in bar:
        bar.set_postfix_str(f"{f} {q}")
        t0 = time.monotonic()
        try:
            res = build(paths, f, q, jobs=args.jobs, timeout=args.timeout)
            missing = not_supplied(paths.report_dir(f, q))
            results.append((f, q, "built", f"{res.seconds:.1f}s", str(paths.report_dir(f, q))
                            + (f"  data not supplied: {', '.join(missing)}" if missing else "")))
            logging.info("built %s %s in %.1fs", f, q, res.seconds)
        except Exception as exc:  # one failing force-quarter must not stop the others
            results.append((f, q, "FAILED", f"{time.monotonic() - t0:.1f}s", describe_failure(exc)))
            logging.error("failed %s %s:\n%s", f, q, "".join(traceback.format_exception_only(exc)).strip())
    print("\nSummary")
    for row in results:
        print("  " + "  ".join(row))
    failed = sum(r[2] != "built" for r in results)
    print(f"{len(results) - failed} built, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
