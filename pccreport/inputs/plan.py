"""The per-force plan catalogue (params/<force>/plan.yaml): priorities, scorecards and metrics."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, model_validator
from typing_extensions import Annotated

from ..config import Paths
from ..errors import InputError, Problem
from ..periods import check_month
from ..yamlfile import AnalystModel, load_yaml, pydantic_problems

if TYPE_CHECKING:
    from ..ingest.kpis import KpiCatalogue

Slug = Field(pattern=r"^[a-z0-9_]{1,60}$")
Month = Annotated[str, AfterValidator(check_month)]  # 'YYYY-MM', ASCII digits, 2000 to 2100


class _Strict(AnalystModel):
    model_config = ConfigDict(extra="forbid")


class SpcSettings(_Strict):
    """XmR chart settings for a metric (or the plan's default); rebasing happens only at the months named here."""

    screen_moving_ranges: bool = False
    baseline_points: int | None = Field(default=None, ge=2)
    rebase_at: list[Month] = []  # months 'YYYY-MM' from which limits are recalculated, e.g. a new operating model
    run_length: int = Field(default=7, ge=6, le=8)
    trend_length: int = Field(default=7, ge=6, le=8)
    two_of_three_includes_beyond_limits: bool = True
    min_points: int = Field(default=15, ge=2)


class Metric(_Strict):
    """One metric: where its data comes from, how it is measured and which way is good."""

    id: str = Slug
    name: str
    source: Literal["police_uk", "kpi", "ons"]
    measure: Literal["volume", "outcome_rate", "proportion", "value", "rate", "duration", "range", "vs_national",
                     "survey_estimate"]
    crime_types: list[str] | Literal["all"] = "all"
    kpi: str | None = None
    area: str = "force"
    unit: str
    # none: reporting-sensitive or proactive work, where a rise is not simply bad; shown, not rated without a target.
    direction: Literal["up", "down", "none"]
    target: float | None = None
    chart: Literal["xmr", "none"] = "xmr"
    # stock: a snapshot count (e.g. outstanding suspects) whose months cannot be added, so no 12-month count test.
    stock: bool = False
    description: str = ""
    # rate: the ONS offence group (recorded_crime.parquet 'offence_group')
    offence_group: str | None = None
    # duration: the KPI holding the median beside the mean in 'kpi'; the service level in seconds
    median_kpi: str | None = None
    service_level: float | None = Field(default=None, gt=0)
    # range: the first month of the history the range is taken over ('YYYY-MM'; default all history)
    range_from: Month | None = None
    # vs_national: the KPI area holding the national figure
    national_area: str = "national"
    spc: SpcSettings | None = None
    # seasonal: a measure with a yearly pattern (ASB, drink and drug driving): compared with the same months of
    # earlier years, and a special-cause point its season explains is not called concerning
    seasonal: bool = False
    # KPI areas whose published figures are shown beside the force's (peer forces, England and Wales)
    benchmarks: list[str] = []
    # Catalogue fields added for issue 6 (additive): what the analyst promised to say about the metric and who it is
    # compared with. ``service_standard`` is the agreed standard in words (``service_level`` is its figure).
    service_standard: str = ""
    statements: list[Literal["latest", "year_on_year", "target", "control_chart", "significance", "peer_comparison"]] = []
    peer_group: Literal["none", "msg", "national", "region"] | list[str] = "none"

    @model_validator(mode="after")
    def _catalogue_fields(self) -> "Metric":
        if "target" in self.statements and self.target is None and self.service_level is None and not self.service_standard:
            raise ValueError("the 'target' statement needs a 'target', a 'service_level' figure or a 'service_standard'")
        if "peer_comparison" in self.statements and self.peer_group == "none":
            raise ValueError("the 'peer_comparison' statement needs a 'peer_group' (msg, national, region or force slugs)")
        if "control_chart" in self.statements and self.chart == "none":
            raise ValueError("the 'control_chart' statement needs a chart kind other than 'none'")
        return self

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
        if self.measure == "survey_estimate" and self.source != "kpi":
            raise ValueError("a 'survey_estimate' metric comes from source 'kpi' (published survey rows)")
        if self.measure == "duration" and self.service_level is None:
            raise ValueError("a 'duration' metric needs 'service_level' in seconds (e.g. 3600 for 1 hour)")
        return self


class Scorecard(_Strict):
    """A group of metrics shown together under one heading."""

    title: str
    # each: a control chart per metric; comparison: one chart and table of every metric's latest figure against its
    # comparators (national, benchmarks, previous period), e.g. the CJS dashboard or CSEW measures
    chart: Literal["each", "comparison"] = "each"
    metrics: list[Metric] = Field(min_length=1)


class GovernanceBody(_Strict):
    """One body in the plan's governance structure, what it produces and the bodies reporting to it."""

    name: str = Field(min_length=1, max_length=80)
    produces: list[str] = []
    reports: list["GovernanceBody"] = []


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
    start_year: int | None = Field(default=None, ge=2000, le=2100)  # the plan's years, e.g. 2022 and 2025
    end_year: int | None = Field(default=None, ge=2000, le=2100)
    governance: GovernanceBody | None = None  # drawn as the governance figure

    @model_validator(mode="after")
    def _years(self) -> "Plan":
        if self.start_year is not None and self.end_year is not None and self.end_year < self.start_year:
            raise ValueError(f"end_year {self.end_year} is before start_year {self.start_year}")
        return self

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

    def covers(self, year: int) -> bool | None:
        """Whether the plan's years include ``year``; None when the plan does not give its years."""
        if self.start_year is None or self.end_year is None:
            return None
        return self.start_year <= year <= self.end_year

    def metrics(self) -> list[Metric]:
        return [m for p in self.priorities for s in p.scorecards for m in s.metrics]

    def priority(self, pid: int) -> Priority:
        for p in self.priorities:
            if p.id == int(pid):
                return p
        raise KeyError(f"priority {pid} is not in the plan; plan priorities are {[p.id for p in self.priorities]}")


VALUE_KINDS = {"count", "duration", "percent"}
PROPORTION_KINDS = {"proportion", "survey"}


def catalogue_problems(plan: Plan, catalogue: "KpiCatalogue", forces: set[str]) -> list[Problem]:
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
                if (m.measure == "survey_estimate") != (d.kind == "published_survey"):
                    out.append(Problem(f"{at}.measure", f"{m.kpi} is a {d.kind} KPI; published survey estimates use "
                                                        "measure 'survey_estimate', and only they do", value=m.measure))
                out += [Problem(f"{at}.benchmarks", f"not a comparator area; known: {catalogue.comparators}", value=b)
                        for b in m.benchmarks if b not in catalogue.comparators]
                if m.measure == "value" and d.kind not in VALUE_KINDS:
                    out.append(Problem(f"{at}.measure", f"{m.kpi} is a {d.kind} KPI; use measure 'proportion' so its "
                                                        "sample size is used", value=m.measure))
    return out


DEFAULT_PLAN = "default_plan.yaml"


def plan_path(paths: Paths, force: str) -> Path:
    """The force's own params/<force>/plan.yaml if it has one, else the public-data default plan."""
    own = paths.params / force / "plan.yaml"
    return own if own.exists() else paths.param_file(DEFAULT_PLAN)


def uses_default_plan(paths: Paths, force: str) -> bool:
    """Whether the force is built from the public-data default plan (it has no plan.yaml of its own)."""
    return plan_path(paths, force).name == DEFAULT_PLAN


def load_plan(paths: Paths, force: str, check_catalogue: bool = True) -> Plan:
    """Load and validate params/<force>/plan.yaml, else the public-data default plan; also check the catalogue."""
    path = plan_path(paths, force)
    doc = load_yaml(path)
    if doc is None:
        raise InputError(path, [Problem("(file)", "the file is empty")], "see docs/inputs.md for the plan file schema")
    if path.name == DEFAULT_PLAN and isinstance(doc, dict):
        doc["force"] = force  # the default plan is every force's: it names none itself
    try:
        plan = Plan.model_validate(doc)
    except ValidationError as exc:
        raise InputError(path, pydantic_problems(exc), "see docs/inputs.md for the plan file schema") from exc
    if plan.force != force:
        raise InputError(path, [Problem("force", f"plan is for {plan.force!r}, expected {force!r}")])
    if check_catalogue:
        from ..ingest.kpis import load_catalogue  # pandas and pandera: imported only when a catalogue is checked
        from ..registry import load_registry

        probs = catalogue_problems(plan, load_catalogue(paths.params, force), set(load_registry(paths)))
        if probs:
            raise InputError(path, probs, "fix the plan, or add a force's own KPI to params/<force>/kpis.yaml")
    return plan
