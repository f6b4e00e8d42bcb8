"""Check every input of a force-quarter without building or writing anything."""

from __future__ import annotations

from .config import Paths
from .errors import InputError, PccReportError
from .ingest import kpis, police_uk
from .narrative import load_narrative
from .periods import Quarter
from .plan import load_plan
from .registry import validate_force


def validate_inputs(paths: Paths, force: str, quarter: str) -> list[str]:
    """Every problem found in the plan, narrative, data.police.uk files and KPI CSVs, as messages; empty if all good."""
    problems: list[str] = []
    try:
        f = validate_force(force, paths)
        q = Quarter.parse(quarter)
    except PccReportError as exc:
        return [str(exc)]
    for check in (lambda: load_plan(paths, f.slug), lambda: load_narrative(paths, f.slug, q.label)):
        try:
            check()
        except InputError as exc:
            problems.append(str(exc))
    raw = paths.police_uk_raw(f.slug)
    files = [p for kind in police_uk.KINDS for p in police_uk.discover(raw, f.slug, kind)]
    if not files:
        problems.append(f"{raw}: no data.police.uk files for {f.slug} (expected YYYY-MM-{f.slug}-street.csv)")
    for path in files:
        try:
            police_uk.read_file(path, f.slug, f.police_uk_name)
        except InputError as exc:
            problems.append(str(exc))
    for path in sorted(paths.kpi_raw(f.slug).glob("*.csv")):
        try:
            kpis.read_kpi_csv(path, f.slug)
        except InputError as exc:
            problems.append(str(exc))
    return problems
