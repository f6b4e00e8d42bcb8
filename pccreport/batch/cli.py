"""Batch builds and input checks behind ``pccreport build`` (its options are parsed in commands.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import signal
import sys
import time
import uuid
from pathlib import Path

from ..config import Paths
from ..errors import PccReportError, printable, printable_lines

log = logging.getLogger("pccreport")
FAILED = ("failed", "locked", "interrupted", "no-data")  # statuses that make the exit status non-zero


def _say(line: str) -> None:
    """Print one line of a listing; control characters an input may carry are shown as escapes, never obeyed."""
    print(printable(line))


def describe_failure(exc: BaseException) -> str:
    """One line saying what failed: for a notebook, which cell and the error line."""
    import papermill.exceptions as pme

    if isinstance(exc, pme.PapermillExecutionError):
        return printable(f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}".splitlines()[0])
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip("- ")]
    return printable(lines[0]) if lines else type(exc).__name__


def _check(paths: Paths, work: list[tuple[str, str]], not_built: list[tuple[str, str, str, str]] = (),
           as_json: bool = False) -> int:
    from ..inputs.validate import check_inputs

    rows: list[dict] = []
    for f, q, status, detail in not_built:  # refused by the selection (outside the data or the plan's years)
        rows.append({"force": f, "quarter": q, "status": status, "error": detail})
    for f, q in work:
        res = check_inputs(paths, f, q)
        # missing KPIs are not a failure: the report shows "data not supplied" in that scorecard
        rows.append({"force": f, "quarter": q, "status": "problems" if res.problems else "ok",
                     "problems": list(res.problems), "warnings": list(res.warnings),
                     "not_supplied": list(res.missing_kpis)})
    code = 1 if any(r["status"] in FAILED or r["status"] == "problems" for r in rows) else 0
    if as_json:
        print(json.dumps(listing_record("check", rows, code), indent=2))
        return code
    for r in rows:
        if "problems" not in r:
            _say(f"{r['force']} {r['quarter']}: {r['status']}: {r['error']}")
            continue
        _say(f"{r['force']} {r['quarter']}: " + (f"{len(r['problems'])} problem(s)" if r["problems"] else "OK"))
        for line in r["problems"]:
            _say(f"  {line}")
        for w in r["warnings"]:
            _say(f"  warning: {w}")
        for m in r["not_supplied"]:
            _say(f"  note: data not supplied for {m}")
    return code


def listing_record(mode: str, rows: list[dict], code: int) -> dict:
    """``--dry-run --json`` and ``--check --json``: the run record (:func:`run_record`) of a run that built nothing.

    The same keys at the top and for every force-quarter, so one reader takes all three; ``mode`` says which
    (``run``, ``log`` and ``index`` are null: nothing was started or written). A dry run's status is ``build`` or
    ``skip``; a check's is ``ok`` or ``problems``, with ``problems`` and ``not_supplied`` added to each.
    """
    record = run_record(None, [{"seconds": 0.0, **r} for r in rows], None, None, code)
    record["mode"] = mode
    if mode == "check":
        for item, row in zip(record["results"], rows):
            item.update({k: row.get(k, []) for k in ("problems", "not_supplied")})
    return record


class _NoiseFilter(logging.Filter):
    """Drop the kernel and WeasyPrint chatter that says nothing about the report (debugger, fonts, CSS hints)."""

    # Seen in real run logs: the kernel's TCP and debugger notices (one per notebook), WeasyPrint's font-subsetting
    # notice and its remarks on the screen-only @media rules of the HTML report (which the PDF rightly ignores).
    NOISE = ("Kernel is running over TCP without encryption", "frozen modules", "-Xfrozen_modules",
             "PYDEVD_DISABLE_FILE_VALIDATION", "Debugger warning", "Using fontTools instead of HarfBuzz",
             "Invalid media type", "Expected a media type", "Ignored `", "unknown property")

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return not any(n in msg for n in self.NOISE)


def filter_noise(text: str) -> str:
    """A worker's captured log without the lines :class:`_NoiseFilter` drops."""
    return "".join(ln for ln in text.splitlines(keepends=True) if not any(n in ln for n in _NoiseFilter.NOISE))


class Lines(str):
    """A log argument that is several lines on purpose (the summary table, whose cells are already printable)."""


class _PrintableFormatter(logging.Formatter):
    """Log lines whose control characters (from a message quoting an input) are escapes, never terminal commands:
    an argument cannot start a line of its own (a forged "1 built, 0 failed"); only the message's own line breaks,
    and those of a :class:`Lines` argument, are kept."""

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.args, tuple) and record.args:
            args = tuple(printable_lines(a) if isinstance(a, Lines) else printable(a) if isinstance(a, str) else a
                         for a in record.args)
            record = logging.makeLogRecord({**record.__dict__, "args": args})
        return printable_lines(super().format(record))


def _setup_logging(log_file: Path | None) -> None:
    # INFO goes to the run log only; stderr gets warnings and errors, so a cron job mails only what needs a look.
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    fmt = _PrintableFormatter("%(asctime)s %(levelname)s %(message)s")
    err = logging.StreamHandler(sys.stderr)
    err.setLevel(logging.WARNING)
    handlers: list[logging.Handler] = [err]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for h in handlers:
        h.setFormatter(fmt)
        h.addFilter(_NoiseFilter())
        root.addHandler(h)
    for noisy in ("fontTools", "weasyprint", "papermill", "traitlets", "distributed", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _note_missing_kpis(paths: Paths, rows: list[dict]) -> None:
    """Mark each published report that lacks its narrative or some measures "built with warnings", saying which."""
    from .index import record_attempt
    from .notes import report_warnings, status_for

    for r in rows:
        if r["status"] in ("built", "skipped"):
            r["warnings"] = report_warnings(paths, r["force"], r["quarter"])
            if r["warnings"]:
                r["reason"] = "; ".join(x for x in (r.get("reason", ""), *r["warnings"]) if x)
                if r["status"] == "built":
                    r["status"] = status_for(r["warnings"])
                    record_attempt(paths, r)


def run_record(run_id: str | None, rows: list[dict], log_file: Path | None, index: Path | None, code: int) -> dict:
    """The machine-readable run: every force-quarter's status, time, warnings and failure (``--json``, .logs/)."""
    keys = ("force", "quarter", "status", "seconds", "reason", "warnings", "error", "notebook", "cell")
    return {"run": run_id, "mode": "build", "exit_code": code, "log": None if log_file is None else str(log_file),
            "index": None if index is None else str(index),
            "results": [{k: r.get(k, [] if k == "warnings" else "") for k in keys} for r in rows]}


def summary_table(rows: list[dict]) -> str:
    """The end-of-run table: one line per force-quarter with status, time and what happened (or failed where)."""
    lines = [("force", "quarter", "status", "time", "detail")]
    for r in rows:
        if r["status"] in FAILED:
            where = " ".join(x for x in (r.get("notebook"), f"cell {r['cell']}" if r.get("cell") else "") if x)
            detail = f"{where}: {r.get('error', '')}" if where else r.get("error", "")
        else:
            detail = r.get("reason", "") or r.get("error", "")
        secs = r.get("seconds")
        # Each cell is one line: a detail quoting an input cannot start a forged summary line or drive the terminal.
        lines.append(tuple(printable(c) for c in (r["force"], r["quarter"], r["status"],
                                                  f"{secs:.1f}s" if secs else "-", detail)))
    widths = [max(len(str(x[i])) for x in lines) for i in range(4)]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(row[:4], widths)) + "  " + str(row[4]) for row in lines]
    counts = {s: sum(r["status"] == s for r in rows) for s in ("built", "skipped", "failed", "locked", "interrupted",
                                                       "no-data")}
    # "built" counts every published build; those published with warnings or empty are said in brackets
    notes = {s: sum(r["status"] == s for r in rows) for s in ("built with warnings", "built empty")}
    counts["built"] += sum(notes.values())
    line = ", ".join(f"{n} {s}" for s, n in counts.items() if n or s in ("built", "skipped", "failed"))
    said = ", ".join(f"{n} {s}" for s, n in notes.items() if n)
    out.append(line + (f" ({said})" if said else ""))
    return "\n".join(out)


def _dry_run(sel, decisions: dict, as_json: bool) -> int:
    """List what a run would build and why; exit status as the run itself would give for the selection."""
    rows = [{"force": f, "quarter": q, "status": "build" if d.build else "skip", "reason": d.reason,
             "warnings": list(sel.warnings.get((f, q), []))} for (f, q), d in decisions.items()]
    rows += [{"force": f, "quarter": q, "status": status, "error": detail} for f, q, status, detail in sel.not_built]
    code = 1 if any(status in FAILED for _, _, status, _ in sel.not_built) else 0
    if as_json:
        record = listing_record("dry-run", rows, code)
        if sel.no_plan:
            record["no_plan"] = sel.no_plan_note()
        print(json.dumps(record, indent=2))
        return code
    for r in rows:
        if r["status"] in ("build", "skip"):
            _say(f"{r['status']:<5}  {r['force']} {r['quarter']}  {r['reason']}")
            for w in r["warnings"]:
                _say(f"       warning: {w}")
        else:
            _say(f"{r['status']}  {r['force']} {r['quarter']}  {r['error']}")
    if sel.no_plan:
        _say(sel.no_plan_note())
    n = sum(d.build for d in decisions.values())
    _say(f"{n} to build, {len(decisions) - n} unchanged, {len(sel.not_built)} cannot be built "
          "(dry run: nothing written)")
    return code


def run_build(args: argparse.Namespace) -> int:
    """Validate parameters before any work, build what changed in parallel, print a summary; non-zero if anything failed."""
    paths = Paths.discover(args.root)
    from .selection import select

    try:
        if args.jobs < 1 or args.timeout < 1:
            raise PccReportError("--jobs and --timeout must be at least 1")
        sel = select(paths, args.force, args.quarter, plan_years=args.check)
    except PccReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        return _check(paths, sel.work, sel.not_built, getattr(args, "json", False))

    from .manifest import SharedInputs, decide
    from .selection import refuse_outside_plan_years

    shared = SharedInputs(paths)  # listed and statted once for the run, not once per force-quarter
    decisions = {(f, q): decide(paths, f, q, args.force_rebuild, seconds=args.timeout, shared=shared)[0]
                 for f, q in sel.work}
    # The plan's years are checked only where something is to be built (loading every plan was a fifth of an
    # unchanged national run). A report skipped as unchanged was built from the same plan file (its hash is in the
    # manifest) by the same code: nothing this check reads has changed since that build.
    for pair in refuse_outside_plan_years(paths, sel, [k for k, d in decisions.items() if d.build]):
        del decisions[pair]
    if args.dry_run:
        return _dry_run(sel, decisions, getattr(args, "json", False))

    run_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    log_file = Path(args.log_dir) if args.log_dir else paths.reports / ".logs"
    from .writable import summary_lines, unwritable

    places = [paths.reports, log_file, *sorted({paths.reports / f for f, _ in sel.work})]
    hints: dict[Path, str] = {}
    if any(d.build for d in decisions.values()):
        # A build also writes data/processed/ (the ingest) and the temp folder (zip members, notebooks): both are
        # probed too, so a read-only or full one stops the run here with the summary, not each build part-way.
        import tempfile

        tmp = Path(tempfile.gettempdir())
        places += [paths.processed, tmp]
        hints = {paths.processed: "make data/processed/ a writable folder, or pass --root pointing to a project "
                                  "whose data/ is writable",
                 tmp: "set TMPDIR to a writable folder with free space"}
    problems = unwritable(places, hints)
    if problems:
        print("\n".join(summary_lines(sel.work, problems)))
        return 2
    log_file = log_file / f"run-{run_id}.log"
    _setup_logging(log_file)
    log.info("run %s: %d force-quarter(s) selected, log %s", run_id, len(sel.work), log_file)
    return _run(paths, args, sel, decisions, run_id, log_file)


def _run(paths: Paths, args, sel, decisions: dict, run_id: str, log_file: Path) -> int:
    from .builds import clean_stale_builds
    from .index import record_attempt, write_index
    from .locks import ForceQuarterLock, LockBusy
    from .runner import run_dask, run_local, split_jobs

    rows: list[dict] = []
    for (f, q), d in decisions.items():
        if not d.build:
            try:  # tidy builds a killed run left behind, unless another run is busy with this force-quarter
                with ForceQuarterLock(paths.reports, f, q):
                    clean_stale_builds(paths, f, q)
            except LockBusy:
                pass
            except OSError as exc:  # a lock that is a link or cannot be made: nothing to tidy, said, not a crash
                log.error("%s %s: leftover builds not tidied: %s", f, q, exc.strerror or exc)
            rows.append({"force": f, "quarter": q, "status": "skipped", "reason": d.reason, "seconds": 0.0})
            record_attempt(paths, rows[-1])
    todo = [(f, q) for (f, q), d in decisions.items() if d.build]
    outer, inner = split_jobs(args.jobs, len(todo))
    tasks = [{"root": str(paths.root), "force": f, "quarter": q, "jobs": inner, "timeout": args.timeout,
              "force_rebuild": args.force_rebuild, "allow_empty": getattr(args, "allow_empty", False)}
             for f, q in todo]
    if tasks:
        log.info("%d to build (%s), %d unchanged", len(tasks),
                 f"Dask scheduler {args.scheduler}" if args.scheduler else f"{outer} at once x {inner} notebooks",
                 len(rows))

    stopped: list[int] = []

    def stop(signum, frame):  # noqa: ARG001
        # Tell every build process to stop: each removes its unfinished build and kills its kernels.
        stopped.append(signum)
        import psutil

        for child in psutil.Process().children():
            try:
                child.terminate()
            except psutil.Error:
                pass

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    if not tasks:
        results = iter([])
    elif args.scheduler:
        try:
            from distributed import Client

            client = Client(args.scheduler, timeout="30s")
        except (OSError, TimeoutError, ValueError) as exc:
            log.error("cannot reach the Dask scheduler at %s (%s): check the address and that the scheduler is "
                      "running, or drop --scheduler to build on this machine", args.scheduler, exc)
            for s, h in old.items():
                signal.signal(s, h)
            return 2
        results = run_dask(tasks, args.scheduler, run_id, client_factory=lambda: client)
    else:
        results = run_local(tasks, outer)
    bar = None
    if tasks:  # a run that builds nothing shows no progress bar, nor imports one
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), desc="force-quarters", unit="report", disable=not sys.stderr.isatty())
    try:
        for i, res in enumerate(results, 1):
            worker_log = printable_lines(filter_noise(res.pop("log", "")))
            if worker_log:
                with open(log_file, "a", encoding="utf-8") as fh:
                    fh.write(f"----- {res['force']} {res['quarter']} (on {res.get('host', '?')}) -----\n{worker_log}")
            if stopped and res["status"] == "failed":
                res["status"], res["error"] = "interrupted", "run stopped by signal; previous report left in place"
            rows.append(res)
            record_attempt(paths, res)
            bar.update(1)
            msg = f"[{i}/{len(tasks)}] {res['status']} {res['force']} {res['quarter']} in {res.get('seconds', 0):.1f}s"
            if res["status"] != "built":
                msg += f": {res.get('notebook', '')} {('cell ' + res['cell']) if res.get('cell') else ''} {res.get('error', '')}"
            msg = printable(msg)
            if bar.disable:  # a failure also goes to stderr, so an unattended run's mail says what failed
                log.log(logging.ERROR if res["status"] in FAILED else logging.INFO, msg)
            else:
                bar.write(msg)
    finally:
        if bar is not None:
            bar.close()
        for s, h in old.items():
            signal.signal(s, h)
    rows += [{"force": f, "quarter": q, "status": status, "error": detail, "seconds": 0.0}
             for f, q, status, detail in sel.not_built]
    _note_missing_kpis(paths, rows)
    index = write_index(paths)
    table = summary_table(rows) + (f"\n{sel.no_plan_note()}" if sel.no_plan else "")
    code = 128 + stopped[0] if stopped else (1 if any(r["status"] in FAILED for r in rows) else 0)
    record = run_record(run_id, rows, log_file, index, code)
    from ..hashing import atomic_write_json

    atomic_write_json(log_file.with_suffix(".json"), record)
    if getattr(args, "json", False):
        print(json.dumps(record, indent=2))
    else:
        print("\nSummary\n" + table)
    log.info("summary\n%s\nindex %s", Lines(table), index)
    return code

