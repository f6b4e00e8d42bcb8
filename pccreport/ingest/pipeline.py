"""Ingest one force's raw inputs into data/processed/ (validated first, written atomically, incremental)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Paths
from ..registry import Force
from ..safefiles import INGEST_SECONDS, time_bound
from . import kpis, national, police_uk


@dataclass
class IngestResult:
    """What an ingest did for one force."""

    street: police_uk.IngestSummary
    kpi_files: list[str]


def ingest_force(paths: Paths, force: Force, seconds: float = INGEST_SECONDS) -> IngestResult:
    """Validate and process data.police.uk files and KPI CSVs for ``force``; raises InputError on bad input.

    The whole ingest (hashing, polars CSV reads, KPI reads) is bounded to ``seconds`` of wall time; past it, an
    InputError names the file being read.
    """
    with time_bound(seconds):
        return _ingest_force(paths, force)


def _ingest_force(paths: Paths, force: Force) -> IngestResult:
    out = paths.processed_force(force.slug)
    catalogue = kpis.load_catalogue(paths.params, force.slug)  # unknown metrics are refused before anything is written
    # With the ONS lookup in data/raw/ons/geography/, street counts also carry local authority and CSP.
    street = police_uk.ingest(paths.police_uk_raw(force.slug), out / "police_uk", force.slug, force.police_uk_name,
                              areas=national.read_areas(paths), ons_code=force.ons_code)
    kpi_files = kpis.ingest(paths.kpi_raw(force.slug), out / "kpis", force.slug, catalogue)
    return IngestResult(street, kpi_files)


def ingest_national(paths: Paths, seconds: float = INGEST_SECONDS) -> national.NationalSummary:
    """Validate and process the national inputs (ONS population, geography, recorded crime; Home Office tables)
    into data/processed/national/; raises InputError on bad input and writes nothing then. Bounded to ``seconds``
    of wall time as ``ingest_force`` is."""
    with time_bound(seconds):
        return national.ingest_national(paths)
