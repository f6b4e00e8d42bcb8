"""The per-force plan catalogue (params/<force>/plan.yaml): priorities, scorecards and metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .config import Paths
from .errors import InputError, Problem

Slug = Field(pattern=r"^[a-z0-9_]{1,60}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpcSettings(_Strict):
    """XmR chart settings for a metric (or the plan's default); rebasing happens only at the months named here."""

    screen_moving_ranges: bool = False
    baseline_points: int | None = Field(default=None, ge=2)
    rebase_at: list[str] = []  # months 'YYYY-MM' from which limits are recalculated, e.g. a new operating model
    run_length: int = Field(default=7, ge=6, le=8)
    trend_length: int = Field(default=7, ge=6, le=8)
    two_of_three_includes_beyond_limits: bool = True
    min_points: int = Field(default=15, ge=2)

    @model_validator(mode="after")
    def _months(self) -> "SpcSettings":
        import re

        bad = [m for m in self.rebase_at if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", m)]
        if bad:
            raise ValueError(f"rebase_at months must be written YYYY-MM, e.g. 2022-09; got {bad}")
        return self


class Metric(_Strict):
    """One metric: where its data comes from, how it is measured and which way is good."""

    id: str = Slug
    name: str
    source: Literal["police_uk", "kpi", "ons"]
    measure: Literal["volume", "outcome_rate", "proportion", "value", "rate", "duration", "range", "vs_national"]
    crime_types: list[str] | Literal["all"] = "all"
    kpi: str | None = None
    area: str = "force"
    unit: str
    direction: Literal["up", "down"]
    target: float | None = None
    chart: Literal["xmr", "none"] = "xmr"
    description: str = ""
    # rate: the ONS offence group (recorded_crime.parquet 'offence_group')
    offence_group: str | None = None
    # duration: the KPI holding the median beside the mean in 'kpi'; the service level in seconds
    median_kpi: str | None = None
    service_level: float | None = Field(default=None, gt=0)
    # range: the first month of the history the range is taken over ('YYYY-MM'; default all history)
    range_from: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    # vs_national: the KPI area holding the national figure
    national_area: str = "national"
    spc: SpcSettings | None = None

    @model_validator(mode="after")
    def _source_fields(self) -> "Metric":
        if self.source == "kpi" and not self.kpi:
            raise ValueError("a metric with source 'kpi' needs 'kpi': the metric name used in the force KPI CSV")
        if self.source == "police_uk" and self.measure not in ("volume", "outcome_rate"):
            raise ValueError("police_uk metrics are measured as 'volume' or 'outcome_rate'")
        if (self.source == "ons") != (self.measure == "rate"):
            raise ValueError("'rate' metrics come from source 'ons' (national recorded crime), and 'ons' metrics are rates")
        if self.measure == "rate" and not self.offence_group:
            raise ValueError("a 'rate' metric needs 'offence_group': the ONS offence group, as in recorded_crime.parquet")
        if self.measure == "duration" and self.service_level is None:
            raise ValueError("a 'duration' metric needs 'service_level' in seconds (e.g. 3600 for 1 hour)")
        return self


class Scorecard(_Strict):
    """A group of metrics shown together under one heading."""

    title: str
    metrics: list[Metric] = Field(min_length=1)


class Priority(_Strict):
    """One Police and Crime Plan priority."""

    id: int = Field(ge=1, le=9)
    title: str
    notebook: str = Field(default="priority.ipynb", pattern=r"^[A-Za-z0-9_\-]+\.ipynb$")
    scorecards: list[Scorecard] = Field(min_length=1)


class Plan(_Strict):
    """A force's Police and Crime Plan as the report needs it."""

    force: str
    title: str
    period: str
    commissioner: str = ""
    governance_title: str = "Police and Crime Plan delivery & governance"
    positive_outcomes: list[str] = Field(min_length=1)
    peers: list[str] | None = None  # overrides params/forces.yaml 'peers' (the most similar group)
    spc: SpcSettings = SpcSettings()  # XmR defaults; a metric's own 'spc' replaces them
    priorities: list[Priority] = Field(min_length=3, max_length=6)

    @model_validator(mode="after")
    def _unique(self) -> "Plan":
        ids = [p.id for p in self.priorities]
        if len(set(ids)) != len(ids):
            raise ValueError(f"priority ids must be unique, got {ids}")
        mids = [m.id for m in self.metrics()]
        dup = sorted({m for m in mids if mids.count(m) > 1})
        if dup:
            raise ValueError(f"metric ids must be unique across the plan; repeated: {dup}")
        return self

    def metrics(self) -> list[Metric]:
        return [m for p in self.priorities for s in p.scorecards for m in s.metrics]

    def priority(self, pid: int) -> Priority:
        for p in self.priorities:
            if p.id == int(pid):
                return p
        raise KeyError(f"priority {pid} is not in the plan; plan priorities are {[p.id for p in self.priorities]}")


def pydantic_problems(exc: ValidationError) -> list[Problem]:
    """Turn a pydantic ValidationError into Problems whose field is the YAML path."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        out.append(Problem(loc, err["msg"], value=err.get("input") if not isinstance(err.get("input"), dict) else None))
    return out


def load_yaml(path: Path) -> object:
    """Safe-load a YAML file, turning syntax errors into an InputError naming the line."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(path, [Problem("(file)", f"not UTF-8 text: {exc}")], "save the file as UTF-8") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise InputError(path, [Problem(where, str(getattr(exc, "problem", exc)))], "fix the YAML syntax") from exc


def load_plan(paths: Paths, force: str) -> Plan:
    """Load and validate params/<force>/plan.yaml."""
    path = paths.params / force / "plan.yaml"
    doc = load_yaml(path)
    try:
        plan = Plan.model_validate(doc)
    except ValidationError as exc:
        raise InputError(path, pydantic_problems(exc), "see docs/inputs.md for the plan file schema") from exc
    if plan.force != force:
        raise InputError(path, [Problem("force", f"plan is for {plan.force!r}, expected {force!r}")])
    return plan
