"""Check every input of a force-quarter without building or writing anything.

Run ``python -m pccreport.inputs.validate --force wiltshire --quarter 2023-Q1`` (or ``run_all.py --check``): every problem
in the plan, the KPI catalogue, the narrative, the data.police.uk files and the KPI CSVs is listed, then the plan
metrics whose KPI is not supplied for the quarter (the report shows "data not supplied" for those).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import Paths
from ..errors import InputError, PccReportError, Problem
from ..ingest import kpis, police_uk
from ..periods import Quarter
from ..registry import validate_force
from .narrative import Narrative, load_narrative
from .plan import Plan, load_plan
from .window import data_window


@dataclass
class CheckResult:
    """What a check found: problems that stop a build, and notes (missing KPIs) that the report will show."""

    problems: list[str] = field(default_factory=list)
    missing_kpis: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # months the quarter's figures need that are not in the data


def narrative_problems(narrative: Narrative, plan: Plan, quarter: Quarter) -> list[Problem]:
    """Narrative sections for priorities the plan does not have, and a quarter outside the plan's years."""
    ids = [p.id for p in plan.priorities]
    out = [Problem(f"priorities.{pid}", f"priority {pid} is not in the plan; plan priorities are {ids}")
           for pid in narrative.priorities if pid not in ids]
    if plan.covers(quarter.first_month.year) is False:
        out.append(Problem("quarter", f"{quarter.label} is outside the plan's years {plan.start_year}-{plan.end_year}",
                           value=quarter.label))
    return out


def missing_kpis(plan: Plan, kpi_rows: pd.DataFrame, quarter: Quarter) -> list[str]:
    """Plan KPI metrics with no row for their KPI and area up to the quarter's last month, as 'metric (kpi, area)'."""
    out = []
    end = quarter.end_month
    for m in plan.metrics():
        if m.source != "kpi":
            continue
        rows = kpi_rows[(kpi_rows["metric"] == m.kpi) & (kpi_rows["area"] == m.area)] if len(kpi_rows) else kpi_rows
        if len(rows) == 0 or not (pd.PeriodIndex(rows["period"], freq="M") <= end).any():
            out.append(f"{m.id} (kpi '{m.kpi}', area '{m.area}')")
    return out


def check_inputs(paths: Paths, force: str, quarter: str) -> CheckResult:
    """Validate every input of a force-quarter, reading params/ and data/raw/ only and writing nothing."""
    res = CheckResult()
    try:
        f = validate_force(force, paths)
        q = Quarter.parse(quarter)
    except PccReportError as exc:
        res.problems.append(str(exc))
        return res

    def attempt(fn):
        try:
            return fn()
        except InputError as exc:
            res.problems.append(str(exc))
            return None

    catalogue = attempt(lambda: kpis.load_catalogue(paths.params, f.slug))
    # load_plan also checks the plan against the catalogue and registry; skip that when the catalogue is itself bad,
    # so each problem is listed once.
    plan = attempt(lambda: load_plan(paths, f.slug, check_catalogue=catalogue is not None))
    narrative = attempt(lambda: load_narrative(paths, f.slug, q.label))
    if plan is not None and narrative is not None and narrative.supplied:
        probs = narrative_problems(narrative, plan, q)
        if probs:
            res.problems.append(str(InputError(paths.params / f.slug / f"{q.label}.yaml", probs,
                                               "key narrative sections by the plan's priority ids")))
    raw = paths.police_uk_raw(f.slug)
    # Folders and zip downloads alike, as the ingest reads them: a damaged archive is found here, not at build time.
    items = attempt(lambda: [i for kind in police_uk.KINDS for i in police_uk.discover_items(raw, f.slug, kind)])
    if items == []:
        res.problems.append(f"{raw}: no data.police.uk files for {f.slug} (expected YYYY-MM-{f.slug}-street.csv)")
    with tempfile.TemporaryDirectory(prefix="pccreport-check-") as tmp:
        for item in items or []:
            attempt(lambda: police_uk.read_item(item, Path(tmp), f.slug, f.police_uk_name))
    months = {p.name[:7] for p in police_uk.discover(raw, f.slug, "street")}
    window_problems, res.warnings = data_window(months, q, plan)
    res.problems += window_problems
    frames = []
    for path in sorted(paths.kpi_raw(f.slug).glob("*.csv")):
        df = attempt(lambda: kpis.read_kpi_csv(path, f.slug, catalogue))
        if df is not None:
            frames.append(df.assign(period=df["period"].astype(str), _file=path.name))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=kpis.KPI_COLUMNS + ["_file"])
    dup = rows[rows.duplicated(["metric", "area", "period"], keep=False)]
    if len(dup):
        res.problems.append(str(InputError(paths.kpi_raw(f.slug), [
            Problem("metric/area/period", f"appears in more than one file: {sorted(set(g['_file']))}", value=" ".join(key))
            for key, g in dup.groupby(["metric", "area", "period"])], "keep each KPI month in one file only")))
    if plan is not None:
        res.missing_kpis = missing_kpis(plan, rows, q)
    return res


def validate_inputs(paths: Paths, force: str, quarter: str) -> list[str]:
    """Every problem found in the plan, narrative, data.police.uk files and KPI CSVs, as messages; empty if all good."""
    return check_inputs(paths, force, quarter).problems


def main(argv: list[str] | None = None) -> int:
    """Command line: check the inputs of force-quarters; exit 1 if any problem was found."""
    ap = argparse.ArgumentParser(prog="python -m pccreport.inputs.validate", description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="append", required=True, help="force slug (repeatable)")
    ap.add_argument("--quarter", action="append", required=True, help="quarter YYYY-Qn (repeatable)")
    ap.add_argument("--root", help="project root holding data/ and params/ (default: this project)")
    args = ap.parse_args(argv)
    paths = Paths.discover(args.root)
    bad = 0
    for force in args.force:
        for quarter in args.quarter:
            res = check_inputs(paths, force, quarter)
            print(f"{force} {quarter}: {'OK' if not res.problems else f'{len(res.problems)} problem(s)'}")
            for p in res.problems:
                print("  " + p.replace("\n", "\n  "))
            for w in res.warnings:
                print(f"  warning: {w}")
            for m in res.missing_kpis:
                print(f"  note: data not supplied for {m}; the report will say so in that scorecard")
            bad += bool(res.problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
