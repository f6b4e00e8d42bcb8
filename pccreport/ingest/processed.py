"""The processed data one force's report reads (data/processed/ only), with monthly series accessors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import Paths
from ..errors import InputError, PccReportError
from ..registry import Force
from . import kpis as kpi_ingest
from . import police_uk

ASB = police_uk.ASB


@dataclass
class ReportData:
    """Street counts and KPIs for one force, plus the source manifests used for provenance."""

    force: Force
    street: pd.DataFrame | None
    kpis: pd.DataFrame
    sources: list[dict] = field(default_factory=list)
    street_months: pd.PeriodIndex | None = None
    # National figures (data/processed/national/): ONS recorded crime by force and mid-year populations; None if absent.
    national_crime: pd.DataFrame | None = None
    population: pd.DataFrame | None = None
    # Display names of every force in the registry, by slug, for sentences that name other forces.
    force_names: dict[str, str] = field(default_factory=dict)
    # Each published survey KPI's design factor, from the KPI catalogue (1 where none is given).
    design_factors: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: Paths, force: Force) -> "ReportData":
        """Read data/processed/<force>/ (run the ingest first)."""
        out = paths.processed_force(force.slug)
        try:
            street = police_uk.load_street(out / "police_uk")
        except InputError as exc:
            # No street data is "not supplied" only if none was delivered; delivered but not processed (or deleted
            # since) is an error, or a report of blanks would replace a good one.
            if police_uk.discover_items(paths.police_uk_raw(force.slug), force.slug):
                raise PccReportError(f"processed street data for {force.name} is missing from data/processed/ "
                                     "although data/raw/ has street files: run the ingest again") from exc
            street = None
        if not (out / "kpis" / "kpis.parquet").exists() and paths.kpi_raw(force.slug).is_dir() and \
                any(paths.kpi_raw(force.slug).glob("*.csv")):
            raise PccReportError(f"processed KPIs for {force.name} are missing from data/processed/ although "
                                 "data/raw/kpis/ has KPI files: run the ingest again")
        kpis = kpi_ingest.load(out / "kpis")
        sources = _sources(out)
        months = None if street is None else pd.PeriodIndex(sorted(street["month"].unique()), freq="M")
        national_crime, population = load_national(paths)
        from ..registry import load_registry

        names = {slug: f.name for slug, f in load_registry(paths).items()}
        cat = kpi_ingest.load_catalogue(paths.params, force.slug)
        defts = {k: d.design_factor for k, d in cat.metrics.items() if d.design_factor != 1.0}
        return cls(force, street, kpis, sources, months, national_crime, population, names, defts)

    def _types(self, crime_types: list[str] | str) -> pd.DataFrame:
        if self.street is None:
            raise LookupError("no data.police.uk street data has been processed for this force")
        df = self.street
        if crime_types == "all":
            return df[df["crime_type"] != ASB]
        return df[df["crime_type"].isin(crime_types)]

    def _monthly(self, df: pd.DataFrame) -> pd.Series:
        counts = df.groupby("month")["n"].sum()
        full = pd.period_range(self.street_months.min(), self.street_months.max(), freq="M")
        s = counts.reindex(full).astype(float)
        # A month whose file was ingested but has none of these crimes is a real zero; a month with no file is missing.
        present = full.isin(self.street_months)
        s[present & s.isna()] = 0.0
        return s

    def crime_counts(self, crime_types: list[str] | str) -> pd.Series:
        """Monthly recorded crimes of these types ('all' = every type except anti-social behaviour)."""
        return self._monthly(self._types(crime_types))

    def positive_counts(self, crime_types: list[str] | str, positive: list[str]) -> pd.Series:
        """Monthly crimes (by month recorded) whose last outcome is in the positive-outcome set."""
        df = self._types(crime_types)
        return self._monthly(df[df["outcome"].isin(positive)])

    def kpi(self, metric: str, area: str = "force") -> pd.DataFrame:
        """Rows of one KPI for one area, indexed by month."""
        df = self.kpis[(self.kpis["metric"] == metric) & (self.kpis["area"] == area)]
        return df.set_index("period").sort_index()

    def design_factor(self, metric: str) -> float:
        """The survey design factor the KPI catalogue gives ``metric`` (1: a simple random sample)."""
        return self.design_factors.get(metric, 1.0)

    @property
    def last_street_month(self) -> pd.Period | None:
        return None if self.street_months is None else self.street_months.max()


def _sources(out: Path) -> list[dict]:
    rows = []
    for manifest in (out / "police_uk" / "manifest.json", out / "kpis" / "kpis_manifest.json"):
        if manifest.exists():
            for name, meta in json.loads(manifest.read_text(encoding="utf-8")).items():
                rows.append({"file": name, **meta})
    return rows


def _national_delivered(paths: Paths) -> bool:
    """Whether data/raw/ holds any national table (ONS or Home Office): then every national output must exist."""
    from .national import raw_dirs

    return any(d.is_dir() and any(not f.name.startswith(".") for f in d.iterdir()) for d in raw_dirs(paths).values())


def _national_table(paths: Paths, name: str) -> pd.DataFrame | None:
    """One table of data/processed/national/, None only when no national table was delivered at all: missing or
    unreadable while data/raw/ has the tables is an error, or ranks and rates would vanish from a report that
    would still be called built."""
    path = paths.processed / "national" / name
    if not path.exists():
        if _national_delivered(paths):
            raise PccReportError(f"processed national table {name} is missing from data/processed/national/ "
                                 "although data/raw/ has the ONS or Home Office tables: run the ingest again")
        return None
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise PccReportError(f"processed national table {name} in data/processed/national/ cannot be read "
                             f"({type(exc).__name__}: {str(exc)[:120]}): run the ingest again") from exc


def load_national(paths: Paths) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """data/processed/national/recorded_crime.parquet and population.parquet, each None when nothing national was
    delivered (an error when data/raw/ has national tables but the processed one is missing)."""
    return _national_table(paths, "recorded_crime.parquet"), _national_table(paths, "population.parquet")


def load_national_csp(paths: Paths) -> pd.DataFrame | None:
    """data/processed/national/recorded_crime_csp.parquet (ONS table C2 by CSP), None when nothing national was
    delivered."""
    return _national_table(paths, "recorded_crime_csp.parquet")
