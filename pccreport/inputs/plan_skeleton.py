"""A starter params/<force>/plan.yaml (`pccreport new-plan`): three priorities on data.police.uk data, valid as is."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..config import Paths
from ..errors import ParameterError
from ..hashing import atomic_write_text
from ..registry import validate_force
from .plan import Plan

# The data.police.uk outcome categories counted as "further action taken", as in the sample plans.
POSITIVE_OUTCOMES = [
    "Awaiting court outcome", "Suspect charged as part of another case", "Offender sent to prison",
    "Offender given suspended prison sentence", "Offender fined", "Offender given community sentence",
    "Offender given conditional discharge", "Offender given absolute discharge",
    "Offender ordered to pay compensation", "Offender otherwise dealt with", "Offender deprived of property",
    "Defendant found not guilty", "Defendant sent to Crown Court", "Court result unavailable",
    "Court case unable to proceed", "Offender given a caution", "Offender given a drugs possession warning",
    "Local resolution", "Offender given penalty notice",
]
HEADER = """\
# Starter Police and Crime Plan catalogue for {name}, written by `pccreport new-plan`.
# Replace the titles, priorities and metrics with the plan's own (schema: docs/inputs.md, "Plan catalogue");
# every metric below reads data.police.uk street data, so the report builds before any force KPI is supplied.
"""


def _volume(mid: str, name: str, crime_types: list[str] | str) -> dict:
    return {"id": mid, "name": name, "source": "police_uk", "measure": "volume", "crime_types": crime_types,
            "unit": "crimes", "direction": "down", "statements": ["latest", "year_on_year", "control_chart"]}


def plan_skeleton(force: str, name: str) -> dict:
    """The starter plan as a mapping: three priorities, each with one scorecard of data.police.uk metrics."""
    return {
        "force": force,
        "title": "Police and Crime Plan",
        "period": "",
        "commissioner": f"Police and Crime Commissioner for {name}",
        "positive_outcomes": POSITIVE_OUTCOMES,
        "priorities": [
            {"id": 1, "title": "Reduce crime", "scorecards": [{"title": "Crime volume", "metrics": [
                _volume("all_crime", "All recorded crime", "all"),
                {"id": "fat_rate_all", "name": "Further action taken (FAT) rate, all crime", "source": "police_uk",
                 "measure": "outcome_rate", "crime_types": "all", "unit": "percent", "direction": "up"}]}]},
            {"id": 2, "title": "Protect people from harm", "scorecards": [{"title": "Violence", "metrics": [
                _volume("violence", "Violence and sexual offences", ["Violence and sexual offences"])]}]},
            {"id": 3, "title": "Safer neighbourhoods", "scorecards": [{"title": "Neighbourhood crime", "metrics": [
                _volume("burglary", "Burglary", ["Burglary"]),
                _volume("asb", "Anti-social behaviour", ["Anti-social behaviour"])]}]},
        ],
    }


def write_plan_skeleton(paths: Paths, force: str, overwrite: bool = False) -> Path:
    """Write params/<force>/plan.yaml from :func:`plan_skeleton`; refuses to replace a plan unless ``overwrite``."""
    f = validate_force(force, paths, require_plan=False)
    path = paths.params / f.slug / "plan.yaml"
    if path.exists() and not overwrite:
        raise ParameterError(f"params/{f.slug}/plan.yaml already exists; edit it, or pass --overwrite to replace it")
    doc = plan_skeleton(f.slug, f.name)
    Plan.model_validate(doc)  # the starter must load as written; a schema change that breaks it fails here first
    text = HEADER.format(name=f.name) + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    return path
