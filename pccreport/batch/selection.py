"""Turn --force/--quarter arguments (repeatable, ``all``, ranges, ``latest``) into the force-quarters to build."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..config import Paths
from ..errors import ParameterError
from ..inputs.window import data_window
from ..periods import Quarter
from ..registry import load_registry, validate_force

_STREET_RE = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2]))-([a-z][a-z-]*)-street\.csv$")  # as ingest/police_uk.py names them


@dataclass
class Selection:
    """The work a run was asked for: force-quarter pairs, plus forces left out and why."""

    work: list[tuple[str, str]] = field(default_factory=list)
    not_built: list[tuple[str, str, str, str]] = field(default_factory=list)  # force, quarter, status, detail
    no_plan: list[str] = field(default_factory=list)  # registry forces left out of 'all': no params/<force>/plan.yaml
    warnings: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # months missing that figures need
    # Asked for by quarter, their plan years not yet checked (select(plan_years=False)): refuse_outside_plan_years.
    years_pending: set[tuple[str, str]] = field(default_factory=set)
    latest: set[tuple[str, str]] = field(default_factory=set)  # chosen as 'latest' (not checked against plan years)

    def no_plan_note(self) -> str:
        """One line naming the registry forces ``all`` did not build because they have no plan file."""
        if not self.no_plan:
            return ""
        return (f"{len(self.no_plan)} registry force(s) have no plan file and were not built (add "
                f"params/<force>/plan.yaml, see docs/inputs.md): {', '.join(self.no_plan)}")


def forces_with_plan(paths: Paths) -> set[str]:
    """Forces that have a plan: their own params/<force>/plan.yaml, or every registry force if the default exists."""
    own = {p.parent.name for p in paths.params.glob("*/plan.yaml")}
    if paths.param_file("default_plan.yaml").exists():
        own |= set(load_registry(paths))
    return own


def select_forces(args: list[str], paths: Paths) -> tuple[list[str], list[str]]:
    """(forces to build, registry forces left out of ``all`` because they have no plan file).

    ``all`` means every force in params/forces.yaml that has a plan; a force named explicitly must have one
    (ParameterError otherwise), but ``all`` only reports the others, so a national run is not failed by forces
    that have not adopted the report yet.
    """
    chosen: list[str] = []
    no_plan: list[str] = []
    registry = load_registry(paths)
    planned = forces_with_plan(paths)
    for a in args:
        if a == "all":
            for slug in sorted(registry):
                if slug in planned:
                    chosen.append(slug)
                elif slug not in no_plan:
                    no_plan.append(slug)
        else:
            chosen.append(validate_force(a, paths).slug)
    return list(dict.fromkeys(chosen)), no_plan


def plan_years_problem(paths: Paths, force: str, quarter: Quarter) -> str:
    """Why the quarter is outside the force's plan years, or '' (also when the plan cannot load: the build says why)."""
    from ..errors import InputError
    from ..inputs.plan import load_plan

    try:
        plan = load_plan(paths, force, check_catalogue=False)
    except InputError:
        return ""
    if plan.covers(int(quarter.month_keys[0][:4])) is False:
        return (f"outside the plan's years {plan.start_year}-{plan.end_year}: choose a quarter in those years, or "
                "update start_year/end_year in the plan")
    return ""


def refuse_outside_plan_years(paths: Paths, sel: Selection, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The check :func:`select` left pending, made for ``pairs`` only: a quarter outside its force's plan years goes
    to ``sel.not_built`` (failed, as ``select`` would have put it) and out of ``sel.work`` (unless 'latest' chose it
    too, as in ``select``); returns the pairs taken out of the work."""
    moved = []
    for f, q in pairs:
        if (f, q) not in sel.years_pending:
            continue
        sel.years_pending.discard((f, q))
        problem = plan_years_problem(paths, f, Quarter.parse(q))
        if problem:
            sel.not_built.append((f, q, "failed", problem))
            if (f, q) not in sel.latest:
                sel.work.remove((f, q))
                sel.warnings.pop((f, q), None)
                moved.append((f, q))
    return moved


def quarter_range(text: str) -> list[str]:
    """``2022-Q1..2023-Q4`` → every quarter from the first to the last inclusive."""
    a, _, b = text.partition("..")
    qa, qb = Quarter.parse(a.strip()), Quarter.parse(b.strip())
    ia, ib = qa.year * 4 + qa.q - 1, qb.year * 4 + qb.q - 1
    if ib < ia:
        raise ParameterError(f"quarter range {text!r} runs backwards: write the earlier quarter first, e.g. {b}..{a}")
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(ia, ib + 1)]


def street_months(paths: Paths, force: str) -> set[str]:
    """Months (YYYY-MM) of the force's data.police.uk street files under data/raw/ (by file name)."""
    base = paths.police_uk_raw(force)
    months = set()
    if base.exists():
        for p in base.rglob("*-street.csv"):
            m = _STREET_RE.match(p.name)
            if m and m.group(2) == force:
                months.add(m.group(1))
    return months


def latest_quarter(paths: Paths, force: str) -> str | None:
    """The last calendar quarter all three months of which are in the force's data.police.uk street files."""
    months = street_months(paths, force)
    full = []
    for ym in months:
        y, mm = int(ym[:4]), int(ym[5:])
        q = (mm - 1) // 3 + 1
        if all(f"{y}-{3 * (q - 1) + k:02d}" in months for k in (1, 2, 3)):
            full.append((y, q))
    if not full:
        return None
    y, q = max(full)
    return f"{y}-Q{q}"


def select(paths: Paths, force_args: list[str], quarter_args: list[str], plan_years: bool = True) -> Selection:
    """Validate every argument before any work (ParameterError lists what is valid) and expand them.

    ``plan_years=False`` leaves the check of each quarter against its plan's years to :func:`refuse_outside_plan_years`
    (the batch run makes it only for what it will build: loading 43 plans was a fifth of an unchanged run).
    """
    forces, no_plan = select_forces(force_args, paths)
    fixed: list[str] = []
    want_latest = False
    for a in quarter_args:
        if a == "latest":
            want_latest = True
        elif ".." in a:
            fixed += quarter_range(a)
        else:
            fixed.append(Quarter.parse(a).label)
    sel = Selection()
    from_all = "all" in force_args
    for f in forces:
        months = street_months(paths, f)
        if from_all and not months and not (paths.params / f / "plan.yaml").exists():
            # 'all' over a national root: a force with no street files and no plan of its own has nothing to report.
            sel.not_built += [(f, q, "no data", f"no data.police.uk street files under {paths.police_uk_raw(f)}")
                              for q in (fixed or ["latest"])]
            continue
        quarters = []
        for q in fixed:
            # Only quarters within the range of the data: one past its end (not yet published) or before its start
            # would publish a report on data that is not there. A gap inside the range is the report's to name, and
            # a force with no street files at all is left to the build, which says what is missing.
            qq = Quarter.parse(q)
            if months and (qq.month_keys[-1] > max(months) or qq.month_keys[0] < min(months)):
                sel.not_built.append((f, q, "failed", f"outside the data: the data.police.uk street files under "
                                      f"{paths.police_uk_raw(f)} run from {min(months)} to {max(months)}"))
            elif not plan_years:
                sel.years_pending.add((f, q))
                quarters.append(q)
            elif problem := plan_years_problem(paths, f, qq):
                sel.not_built.append((f, q, "failed", problem))
            else:
                quarters.append(q)
        if want_latest:
            lq = latest_quarter(paths, f)
            if lq is None:
                sel.not_built.append((f, "latest", "failed", f"no complete quarter of data.police.uk street files under "
                                                              f"{paths.police_uk_raw(f)}; add the monthly files"))
            else:
                quarters.append(lq)
                sel.latest.add((f, lq))
        sel.work += [(f, q) for q in dict.fromkeys(quarters)]
        for q in dict.fromkeys(quarters):
            warned = data_window(months, Quarter.parse(q), None)[1]
            if warned:
                sel.warnings[(f, q)] = warned
    sel.no_plan = no_plan
    return sel
