"""Build one force-quarter: ingest, execute the notebooks with papermill, export HTML/PDF, swap in atomically."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import papermill as pm

from . import render
from .config import Paths
from .errors import PccReportError
from .hashing import atomic_write_json, atomic_write_text
from .narrative import load_narrative
from .periods import Quarter
from .pipeline import ingest_force, ingest_national
from .plan import Plan, load_plan
from .registry import validate_force

log = logging.getLogger("pccreport")
FRONT, GOVERNANCE, BACK = "00_front.ipynb", "90_governance.ipynb", "99_back_matter.ipynb"
BUILDS = ".builds"  # finished and in-progress builds; reports/<force>/<quarter> is a symlink to one
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class NotebookRun:
    """One notebook execution: which template, its output name and its extra parameters."""

    template: str
    output: str
    params: dict = field(default_factory=dict)


@dataclass
class BuildResult:
    """The outcome of building one force-quarter."""

    force: str
    quarter: str
    ok: bool
    outputs: list[Path] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


def notebook_runs(plan: Plan) -> list[NotebookRun]:
    """The notebooks of a report in order: front, one per priority, delivery & governance, back matter."""
    runs = [NotebookRun(FRONT, FRONT)]
    for p in plan.priorities:
        runs.append(NotebookRun(p.notebook, f"{10 + p.id:02d}_priority_{p.id}.ipynb", {"priority": p.id}))
    runs += [NotebookRun(GOVERNANCE, GOVERNANCE), NotebookRun(BACK, BACK)]
    return runs


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


def build(paths: Paths, force: str, quarter: str, jobs: int = 2, timeout: int = 600) -> BuildResult:
    """Build reports/<force>/<quarter>/ from scratch; the previous report stays until the new one is complete."""
    start = dt.datetime.now(dt.timezone.utc)
    f = validate_force(force, paths)
    q = Quarter.parse(quarter)
    plan = load_plan(paths, f.slug)
    load_narrative(paths, f.slug, q.label)  # validate before any work
    ingest_national(paths)
    ingest_force(paths, f)

    final = paths.report_dir(f.slug, q.label)
    tmp = final.parent / BUILDS / f"{q.label}-{start.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    (tmp / "notebooks").mkdir(parents=True)
    built_at = start.replace(microsecond=0).isoformat()
    try:
        runs = notebook_runs(plan)
        params = {"force": f.slug, "quarter": q.label, "project_root": str(paths.root), "built_at": built_at}
        outputs = [tmp / "notebooks" / r.output for r in runs]

        def execute(run: NotebookRun, out: Path) -> None:
            src = paths.notebooks / run.template
            if not src.is_file():
                raise PccReportError(f"notebook {run.template} named in the plan is not in {paths.notebooks}")
            pm.execute_notebook(str(src), str(out), parameters={**params, **run.params}, kernel_name="python3",
                                cwd=str(paths.notebooks), progress_bar=False, execution_timeout=timeout,
                                log_output=False)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(execute, r, o) for r, o in zip(runs, outputs)]
            for fut in futures:
                fut.result()

        # Machine-readable figures and provenance, from the same package code the notebooks ran.
        from .report import context

        ctx = context(f.slug, q.label, str(paths.root), built_at)
        stem = f"{f.slug}-{q.label}"
        csv_path = tmp / "scorecard.csv"
        from .scorecard import scorecard_frame

        atomic_write_text(csv_path, neutralise_formulas(scorecard_frame(ctx.results)).to_csv(index=False))
        atomic_write_json(tmp / "provenance.json", ctx.provenance.as_dict())
        title = f"{f.name}: {plan.title} — {q.label}"
        footer = f"{f.name} · {plan.title} · Quarterly PCC highlight report {q.label}"
        if ctx.provenance.sample:
            footer += " · SAMPLE DATA"
        html_text = render.write_html(outputs, tmp / f"{stem}-report.html", title, nav(plan), footer)
        render.write_pdf(html_text, tmp / f"{stem}-report.pdf")
        _swap(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    secs = (dt.datetime.now(dt.timezone.utc) - start).total_seconds()
    return BuildResult(f.slug, q.label, True, sorted(final.rglob("*.*")), seconds=secs)


def _swap(build: Path, final: Path) -> None:
    """Point ``final`` (a symlink) at the finished ``build`` with one atomic rename; readers never see a mix."""
    link = final.parent / f".link-{uuid.uuid4().hex[:8]}"
    os.symlink(Path(BUILDS) / build.name, link)
    old = None
    if final.is_symlink():
        old = final.parent / os.readlink(final)
    elif final.exists():  # a report directory from before builds were kept under .builds/
        old = final.parent / BUILDS / f"{final.name}-replaced-{uuid.uuid4().hex[:8]}"
        os.replace(final, old)
    os.replace(link, final)
    if old is not None and old.resolve() != build.resolve():
        shutil.rmtree(old, ignore_errors=True)
