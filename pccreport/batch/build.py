"""Build one force-quarter: ingest, execute the notebooks with papermill in warm kernels, export HTML/PDF, swap in
atomically."""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import shutil
import threading
import time
import uuid
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import Paths
from ..errors import PccReportError
from ..hashing import atomic_write_json, atomic_write_text
from ..inputs.narrative import load_narrative
from ..inputs.plan import Plan, load_plan
from ..periods import Quarter
from ..registry import validate_force
from ..safefiles import time_bound
from .builds import BUILDS, check_builds_dir, clean_stale_builds, link_target, remove_own
from .locks import ForceQuarterLock, LockBusy
from .manifest import MANIFEST, NotebookRun, decide, fingerprint, notebook_runs

log = logging.getLogger("pccreport")
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Imported by every notebook: loaded in each warm kernel while the build computes the context (kernel.py's preload).
KERNEL_PRELOAD = ("pccreport.report", "pccreport.report.charts", "pccreport.report.panel_charts")
KERNEL_START_TIMEOUT = 60  # WarmKernel's default start timeout


class NotebookFailed(PccReportError):
    """A notebook of a force-quarter failed: which one, which cell, and the error line."""

    def __init__(self, notebook: str, cell: object, error: str):
        self.notebook, self.cell, self.error = notebook, cell, error
        where = f"cell {cell}" if cell not in (None, "") else "kernel"
        super().__init__(f"{notebook} {where}: {error}")


class NoMeasureData(PccReportError):
    """Every measure of a force-quarter came out "data not supplied": the report would say nothing."""


NO_DATA = "no-data"  # a status of its own: not built, exit status non-zero, the previous report kept


@dataclass
class BuildResult:
    """The outcome of building one force-quarter (status: built, skipped, failed or locked)."""

    force: str
    quarter: str
    ok: bool
    outputs: list[Path] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    status: str = ""
    reason: str = ""
    notebook: str = ""
    cell: str = ""

    def as_dict(self) -> dict:
        return {"force": self.force, "quarter": self.quarter, "ok": self.ok, "status": self.status or
                ("built" if self.ok else "failed"), "reason": self.reason, "error": self.error,
                "notebook": self.notebook, "cell": self.cell, "seconds": round(self.seconds, 2)}


def _notebook_failure(name: str, exc: BaseException) -> NotebookFailed:
    """Name the notebook, cell and error line of a papermill/nbclient failure (kernel death included)."""
    import papermill.exceptions as pme

    if isinstance(exc, NotebookFailed):
        return exc
    if isinstance(exc, pme.PapermillExecutionError):
        return NotebookFailed(name, exc.exec_count, f"{exc.ename}: {exc.evalue}".splitlines()[0])
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip("- ")]
    return NotebookFailed(name, "", f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": "))


def nav(plan: Plan) -> list[tuple[str, str]]:
    """Sidebar entries: anchor and label."""
    items = [("cover", "Cover"), ("summary", "Summary scorecard")]
    items += [(f"priority-{p.id}", f"Priority {p.id}: {p.title}") for p in plan.priorities]
    items += [("governance", "Delivery & governance"), ("glossary", "Glossary"), ("provenance", "Data sources and provenance")]
    return items


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe (CSV injection)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(CSV_FORMULA_START) else v)
    return out


def build(paths: Paths, force: str, quarter: str, jobs: int = 2, timeout: int = 600,
          manifest: dict | None = None, allow_empty: bool = False) -> BuildResult:
    """Build reports/<force>/<quarter>/ from scratch; the previous report stays until the new one is complete.

    ``timeout`` bounds each notebook's wall time (and each of its cells). ``manifest`` (input hashes, see
    manifest.py) is written into the build before it is swapped in, so a report and its record appear together.
    A report in which no measure has data raises NoMeasureData (nothing published) unless ``allow_empty``.
    """
    # imported here, not at the top: a run that only skips must start in well under a second
    from ..ingest.pipeline import ingest_force, ingest_national
    from .kernel import WarmKernel

    start = dt.datetime.now(dt.timezone.utc)
    f = validate_force(force, paths)
    q = Quarter.parse(quarter)
    plan = load_plan(paths, f.slug)
    load_narrative(paths, f.slug, q.label)  # validate before any work
    # Quarters of one force share data/processed/<force>/: one ingest at a time per force.
    # National tables are shared by every force: one national ingest at a time, too.
    national_lock = ForceQuarterLock(paths.reports, "national", "ingest").acquire(wait=True)
    try:
        ingest_national(paths, seconds=timeout)  # bounded as each notebook is (--timeout)
    finally:
        national_lock.release()
    ingest_lock = ForceQuarterLock(paths.reports, f.slug, "ingest").acquire(wait=True)
    try:
        ingest_force(paths, f, seconds=timeout)
    finally:
        ingest_lock.release()

    final = paths.report_dir(f.slug, q.label)
    check_builds_dir(final.parent / BUILDS)
    tmp = final.parent / BUILDS / f"{q.label}-{start.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    (tmp / "notebooks").mkdir(parents=True)
    built_at = start.replace(microsecond=0).isoformat()
    started: dict[str, float] = {}
    stop_notebooks = threading.Event()
    # The notebooks' lanes start their kernels (and the kernels their imports) at once, on the other core, while this
    # process computes the context; they start no notebook before it is written (``context_ready``).
    context_ready = threading.Event()
    params: dict = {}
    try:
        from ..report.context_file import context_key, context_path, write_context
        from ..report.notebook import context

        runs = notebook_runs(plan)
        outputs = [tmp / "notebooks" / r.output for r in runs]

        lane = threading.local()  # each notebook lane (thread) keeps one warm kernel for all its notebooks

        def execute(run: NotebookRun, out: Path) -> None:
            if stop_notebooks.is_set():  # the build already failed: start no more notebooks
                return
            src = paths.notebooks / run.template
            if not src.is_file():
                raise NotebookFailed(run.output, "", f"notebook {run.template} named in the plan is not in {paths.notebooks}")
            try:
                if getattr(lane, "kernel", None) is None:  # started before the clock: bounded by its start timeout
                    lane.kernel = WarmKernel(paths.notebooks, start_timeout=KERNEL_START_TIMEOUT,
                                             preload=KERNEL_PRELOAD)
            except Exception as exc:
                raise _notebook_failure(run.output, exc) from exc
            context_ready.wait()
            if stop_notebooks.is_set():  # the context could not be computed: the build fails with its error
                return
            started[run.output] = time.monotonic()
            try:
                lane.kernel.execute(src, out, {**params, **run.params}, timeout)
            except Exception as exc:
                raise _notebook_failure(run.output, exc) from exc
            finally:
                log.info("notebook %s finished in %.1fs", run.output, time.monotonic() - started.pop(run.output))

        def lane_done() -> None:
            kernel = getattr(lane, "kernel", None)
            lane.kernel = None
            if kernel is not None:
                try:
                    kernel.close()
                except Exception as exc:  # a kernel that died is already gone; never hide the build's own error
                    log.warning("stopping a kernel: %s: %s", type(exc).__name__, exc)

        notebooks = ThreadPoolExecutor(max_workers=1)
        notebooks_done = notebooks.submit(_run_all, execute, runs, outputs, jobs, timeout, started, lane_done)
        notebooks.shutdown(wait=False)
        try:
            # The HTML and PDF step's imports (nbconvert, WeasyPrint: 2-3 s at load 4), paid while the kernels start
            # rather than after the last notebook.
            import weasyprint  # noqa: F401

            from ..report import render

            # The scorecard and everything else a report needs, computed once here and read by every notebook.
            ctx = context(f.slug, q.label, str(paths.root), built_at)
            if not allow_empty and ctx.results and not any(r.supplied for r in ctx.results):
                raise NoMeasureData(f"none of the {len(ctx.results)} measures has data for {q.label}: the report was "
                                    "not published and the previous one is kept; check data/raw/ and run the ingest, "
                                    "or pass --allow-empty to publish it anyway")
            key = context_key(f.slug, q.label, str(paths.root), built_at)
            ctx_file = write_context(ctx, context_path(tmp, key, manifest), key)
            params.update({"force": f.slug, "quarter": q.label, "project_root": str(paths.root),
                           "built_at": built_at, "context_file": str(ctx_file)})
        except BaseException as exc:
            stop_notebooks.set()
            context_ready.set()
            if isinstance(exc, Exception):  # let the lanes stop the kernels they were starting (bounded by its start)
                wait([notebooks_done], timeout=KERNEL_START_TIMEOUT + 5)
            raise
        context_ready.set()
        notebooks_done.result()  # the first failing notebook's NotebookFailed, or a timeout
        ctx_file.unlink()  # internal to the build: not part of the published report

        # Machine-readable figures and provenance, from the same context the notebooks read.
        stem = f"{f.slug}-{q.label}"
        csv_path = tmp / "scorecard.csv"
        from ..report.scorecard import priority_frame, scorecard_frame

        # CRLF rows: the csv module then quotes a cell holding a bare CR, which a spreadsheet would otherwise take as a
        # new row starting with whatever follows it (e.g. "=cmd|...").
        atomic_write_text(csv_path, neutralise_formulas(scorecard_frame(ctx.results)).to_csv(index=False,
                                                                                             lineterminator="\r\n"))
        atomic_write_text(tmp / "priority_scores.csv",
                          neutralise_formulas(priority_frame(ctx.results)).to_csv(index=False, lineterminator="\r\n"))
        atomic_write_json(tmp / "provenance.json", ctx.provenance.as_dict())
        title = f"{f.name}: {plan.title} — {q.label}"
        footer = f"{f.name} · {plan.title} · Quarterly PCC highlight report {q.label}"
        if ctx.provenance.sample:
            footer += " · SAMPLE DATA"
        t_render = time.monotonic()
        html_text = render.write_html(outputs, tmp / f"{stem}-report.html", title, nav(plan), footer)
        render.write_pdf(html_text, tmp / f"{stem}-report.pdf")
        log.info("HTML and PDF written in %.1fs", time.monotonic() - t_render)
        if manifest is not None:
            secs = (dt.datetime.now(dt.timezone.utc) - start).total_seconds()
            atomic_write_json(tmp / MANIFEST, {**manifest, "built_at": built_at, "seconds": round(secs, 1)})
        _fsync_tree(tmp)
        _swap(tmp, final)
    except BaseException:
        stop_notebooks.set()
        _discard(tmp)
        raise
    secs = (dt.datetime.now(dt.timezone.utc) - start).total_seconds()
    return BuildResult(f.slug, q.label, True, sorted(final.rglob("*.*")), seconds=secs, status="built")


def _run_all(execute, runs: list[NotebookRun], outputs: list[Path], jobs: int, timeout: float,
             started: dict[str, float], lane_done=lambda: None) -> None:
    """Execute the notebooks in order on ``jobs`` lanes (threads), each taking the next notebook when it is free;
    stop at the first failure or at a notebook over ``timeout``. ``lane_done`` runs in each lane's thread when it
    has no more notebooks (its warm kernel is stopped there, in the thread that made it)."""
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in zip(runs, outputs):
        todo.put(item)
    failed = threading.Event()

    def work_lane() -> None:
        try:
            while not failed.is_set():
                try:
                    run, out = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    execute(run, out)
                except BaseException:
                    failed.set()
                    raise
        finally:
            lane_done()

    lanes = max(1, min(jobs, len(runs)))
    pool = ThreadPoolExecutor(max_workers=lanes)
    try:
        pending = {pool.submit(work_lane) for _ in range(lanes)}
        while pending:
            done, pending = wait(pending, timeout=1.0, return_when=FIRST_EXCEPTION)
            for fut in done:
                fut.result()  # raises NotebookFailed for the first failing notebook
            now = time.monotonic()
            for name, t0 in list(started.items()):
                if now - t0 > timeout:
                    raise NotebookFailed(name, "", f"timed out: still running after {timeout:g}s (--timeout)")
    finally:
        failed.set()  # lanes start no further notebook
        # Never wait for a hung kernel here; the worker process that runs a build kills its kernels on the way out.
        pool.shutdown(wait=False, cancel_futures=True)


def _discard(build: Path) -> None:
    """Remove an unfinished build. Rename it first, so a notebook thread still saving its output cannot write into
    the directory being deleted (papermill never creates folders); anything that still slips in is left under a
    .builds/<quarter>-* name, which the next run holding this force-quarter's lock removes."""
    trash = build.with_name(build.name + "-discarded")
    try:
        os.rename(build, trash)
    except OSError:
        trash = build
    for _ in range(3):
        shutil.rmtree(trash, ignore_errors=True)
        if not trash.exists():
            return
        time.sleep(0.5)


def _fsync_tree(root: Path) -> None:
    """Flush every file of a build to disk before it is published, so a power cut cannot publish empty files."""
    for p in root.rglob("*"):
        if p.is_file():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def run_one(paths: Paths, force: str, quarter: str, jobs: int = 2, timeout: int = 600,
            force_rebuild: bool = False, allow_empty: bool = False) -> BuildResult:
    """Lock, clean stale builds, skip if inputs are unchanged, else build: the unit of work of a batch run.

    Never raises for a failed build: the result says built, skipped, failed (with notebook, cell and error) or locked.
    ``allow_empty`` publishes a report in which no measure has data (the run's summary then says it is empty).
    """
    t0 = time.monotonic()
    lock = ForceQuarterLock(paths.reports, force, quarter)
    try:
        lock.acquire()
    except LockBusy as exc:
        return BuildResult(force, quarter, False, error=str(exc), status="locked")
    except OSError as exc:  # reports/<force>/ cannot be written: a failure with a reason, not a traceback
        return BuildResult(force, quarter, False, status="failed", error=f"cannot write under reports/{force}/ "
                           f"({exc.strerror or exc}); make it writable and run again")
    try:
        clean_stale_builds(paths, force, quarter)
        decision, current = decide(paths, force, quarter, force_rebuild, seconds=timeout)
        if not current:  # an input could not be read (a FIFO, a device, a link out): fail naming it, build nothing
            with time_bound(timeout):
                fingerprint(paths, force, quarter)
        if not decision.build:
            return BuildResult(force, quarter, True, status="skipped", reason=decision.reason,
                               seconds=time.monotonic() - t0)
        res = build(paths, force, quarter, jobs=jobs, timeout=timeout, manifest=current, allow_empty=allow_empty)
        res.reason = decision.reason
        return res
    except NoMeasureData as exc:
        log.error("no data %s %s: %s", force, quarter, exc)
        return BuildResult(force, quarter, False, error=str(exc), seconds=time.monotonic() - t0, status=NO_DATA)
    except Exception as exc:  # one failing force-quarter must not stop the others
        log.error("failed %s %s: %s", force, quarter, exc)
        nb = exc if isinstance(exc, NotebookFailed) else None
        lines = [ln for ln in str(exc).strip().splitlines() if ln.strip("- ")]
        fix = [ln for ln in lines[2:] if ln.strip().startswith("How to fix")]  # kept for the summary and index
        lines = lines[:2] + fix[:1]
        return BuildResult(force, quarter, False, error=nb.error if nb else ("; ".join(x.strip() for x in lines)[:500] or type(exc).__name__),
                           seconds=time.monotonic() - t0, status="failed",
                           notebook=nb.notebook if nb else "", cell=str(nb.cell) if nb and nb.cell != "" else "")
    finally:
        lock.release()


def _swap(build: Path, final: Path) -> None:
    """Point ``final`` (a symlink) at the finished ``build`` with one atomic rename; readers never see a mix."""
    builds = final.parent / BUILDS
    check_builds_dir(builds)
    if not final.is_symlink() and final.exists() and not final.is_dir():
        raise PccReportError(f"{final.parent.name}/{final.name} is a file, not a report; move it away and run again")
    link = final.parent / f".link-{uuid.uuid4().hex[:8]}"
    os.symlink(Path(BUILDS) / build.name, link)
    old = None
    if final.is_symlink():
        # Only a target inside .builds/ is ours to delete; a link an administrator pointed elsewhere is replaced,
        # and the folder it pointed at is left untouched.
        old = link_target(final)
    elif final.exists():  # a real report directory from before builds were kept under .builds/: ours, moved aside
        old = builds / f"{final.name}-replaced-{uuid.uuid4().hex[:8]}"
        os.replace(final, old)
    os.replace(link, final)
    if old is not None and old != Path(os.path.normpath(build)):
        remove_own(old, builds)
