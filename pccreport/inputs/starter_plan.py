"""Write a starter params/<force>/plan.yaml: the public-data default plan plus commented force-KPI examples."""

from __future__ import annotations

import argparse
import sys

from ..config import Paths
from ..errors import PccReportError
from ..hashing import atomic_write_text
from ..registry import validate_force
from .plan import DEFAULT_PLAN, load_plan

# Commented out so the starter plan builds from public data alone; uncomment once the force KPI CSV carries them.
KPI_EXAMPLES = """\
  # Force KPIs (from the force KPI CSV, data/raw/kpis/<force>/; metric ids in params/kpi_catalogue.yaml).
  # Uncomment a priority like this once its KPIs are supplied; a plan has 3 to 6 priorities.
  # - id: 4
  #   title: Contact and response
  #   scorecards:
  #     - title: Calls and attendance
  #       metrics:
  #         - id: calls_999_answer
  #           name: 999 average time to answer
  #           source: kpi
  #           kpi: calls_999_answer
  #           measure: value
  #           unit: seconds
  #           direction: down
  #           target: 10
  #           service_standard: Answer 999 calls in 10 seconds on average
  #           statements: [latest, target, year_on_year, control_chart]
  #         - id: victim_satisfaction
  #           name: Overall victim satisfaction
  #           source: kpi
  #           kpi: victim_satisfaction
  #           measure: proportion
  #           unit: percent
  #           direction: up
  #           statements: [latest, year_on_year, significance]
"""


HEADER = """\
# Starter Police and Crime Plan catalogue for {name}: the public-data default plan, to edit into the force's own.
# Replace the titles, priorities and metrics with the plan's (schema: docs/inputs.md, "Plan catalogue"); every
# metric below reads public data (data.police.uk street files, ONS tables), so the report builds before any force
# KPI is supplied. Force-KPI examples are commented out at the end.
"""


def starter_text(paths: Paths, force: str, name: str | None = None) -> str:
    """The starter plan's YAML for ``force``: the default plan named for it, then the commented KPI examples."""
    text = paths.param_file(DEFAULT_PLAN).read_text(encoding="utf-8")
    # The default plan's own leading comments describe the default, not a force's plan: the starter's header replaces them.
    body = text.splitlines()
    while body and (body[0].startswith("#") or not body[0].strip()):
        body.pop(0)
    lines = [f"force: {force}" if ln.startswith("force:") else ln for ln in body]
    return HEADER.format(name=name or force) + "\n".join(lines).rstrip("\n") + "\n" + KPI_EXAMPLES


def write_starter(paths: Paths, force: str, overwrite: bool = False) -> str:
    """Write params/<force>/plan.yaml under the root (refusing to replace one unless asked); returns its path."""
    f = validate_force(force, paths, require_plan=False)
    path = paths.params / f.slug / "plan.yaml"
    if path.exists() and not overwrite:
        raise PccReportError(f"{path} already exists; edit it, or pass --overwrite to replace it with the starter plan")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, starter_text(paths, f.slug, f.name))
    load_plan(paths, f.slug)  # the file written must load: a broken default plan is caught here, not at build time
    return str(path)


def main(argv: list[str] | None = None) -> int:
    """``python -m pccreport.inputs.starter_plan --force <slug> [--root R] [--overwrite]``."""
    ap = argparse.ArgumentParser(prog="python -m pccreport.inputs.starter_plan", description=__doc__)
    ap.add_argument("--force", required=True, help="force slug from params/forces.yaml, e.g. city-of-london")
    ap.add_argument("--root", help="data root holding data/ and params/ (default: $PCCREPORT_ROOT, else this project)")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing plan.yaml")
    args = ap.parse_args(argv)
    try:
        out = write_starter(Paths.discover(args.root), args.force, args.overwrite)
    except PccReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}: edit its title, period and years, and add the force's KPIs (examples at the end)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
