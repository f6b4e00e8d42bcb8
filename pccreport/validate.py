"""Check every input of a force-quarter without building or writing anything.

Run ``python -m pccreport.validate --force wiltshire --quarter 2023-Q1`` (or ``run_all.py --check``): every problem
in the plan, the KPI catalogue, the narrative, the data.police.uk files and the KPI CSVs is listed, then the plan
metrics whose KPI is not supplied for the quarter (the report shows "data not supplied" for those).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

import pandas as pd

from .config import Paths
from .errors import InputError, PccReportError, Problem
from .ingest import kpis, police_uk
from .narrative import Narrative, load_narrative
from .periods import Quarter
from .plan import Plan, load_plan
from .registry import load_registry, validate_force

VALUE_KINDS = {"count", "duration", "percent"}
PROPORTION_KINDS = {"proportion", "survey"}


@dataclass
class CheckResult:
    """What a check found: problems that stop a build, and notes (missing KPIs) that the report will show."""

    problems: list[str] = field(default_factory=list)
    missing_kpis: list[str] = field(default_factory=list)


def plan_problems(plan: Plan, catalogue: kpis.KpiCatalogue, forces: set[str]) -> list[Problem]:
    """Plan metrics that do not fit the KPI catalogue or the force registry, each named by its YAML path."""
    out: list[Problem] = []
    known = ", ".join(catalogue.known())
    for i, p in enumerate(plan.priorities):
        for j, sc in enumerate(p.scorecards):
            for k, m in enumerate(sc.metrics):
                at = f"priorities.{i}.scorecards.{j}.metrics.{k}"
                if isinstance(m.peer_group, list):
                    out += [Problem(f"{at}.peer_group", "not a force slug in params/forces.yaml", value=s)
                            for s in m.peer_group if s not in forces]
                if m.source != "kpi":
                    continue
                d = catalogue.metrics.get(m.kpi or "")
                if d is None:
                    out.append(Problem(f"{at}.kpi", f"not in the KPI catalogue; known metrics: {known}", value=m.kpi))
                    continue
                if m.area not in catalogue.areas:
                    out.append(Problem(f"{at}.area", f"must be one of {catalogue.areas}", value=m.area))
                if m.unit != d.unit:
                    out.append(Problem(f"{at}.unit", f"the catalogue measures {m.kpi} in {d.unit!r}", value=m.unit))
                if m.measure == "proportion" and d.kind not in PROPORTION_KINDS:
                    out.append(Problem(f"{at}.measure", f"{m.kpi} is a {d.kind} KPI with no numerator/denominator; "
                                                        "use measure 'value'", value=m.measure))
                if m.measure == "value" and d.kind not in VALUE_KINDS:
                    out.append(Problem(f"{at}.measure", f"{m.kpi} is a {d.kind} KPI; use measure 'proportion' so its "
                                                        "sample size is used", value=m.measure))
    return out


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

    plan = attempt(lambda: load_plan(paths, f.slug))
    catalogue = attempt(lambda: kpis.load_catalogue(paths.params, f.slug))
    narrative = attempt(lambda: load_narrative(paths, f.slug, q.label))
    plan_path = paths.params / f.slug / "plan.yaml"
    if plan is not None and catalogue is not None:
        probs = plan_problems(plan, catalogue, set(load_registry(paths)))
        if probs:
            res.problems.append(str(InputError(plan_path, probs, "fix the plan, or add the KPI to params/<force>/kpis.yaml")))
    if plan is not None and narrative is not None and narrative.supplied:
        probs = narrative_problems(narrative, plan, q)
        if probs:
            res.problems.append(str(InputError(paths.params / f.slug / f"{q.label}.yaml", probs,
                                               "key narrative sections by the plan's priority ids")))
    raw = paths.police_uk_raw(f.slug)
    files = [p for kind in police_uk.KINDS for p in police_uk.discover(raw, f.slug, kind)]
    if not files:
        res.problems.append(f"{raw}: no data.police.uk files for {f.slug} (expected YYYY-MM-{f.slug}-street.csv)")
    for path in files:
        attempt(lambda: police_uk.read_file(path, f.slug, f.police_uk_name))
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
    ap = argparse.ArgumentParser(prog="python -m pccreport.validate", description=__doc__.splitlines()[0])
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
            for m in res.missing_kpis:
                print(f"  note: data not supplied for {m}; the report will say so in that scorecard")
            bad += bool(res.problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
