"""National inputs (ONS geography lookup, ONS population, ONS/Home Office recorded crime) → data/processed/national/.

Raw layout (see data/raw/README.md)::

    data/raw/ons/geography/*.csv          ONS LAD → CSP → PFA lookup (one file; the newest name wins if several)
    data/raw/ons/population/*.xlsx        ONS mid-year population estimates workbook(s), table MYE5
    data/raw/ons/recorded_crime/*.xlsx    ONS "Police force area data tables" workbooks (P1, P3)
    data/raw/ons/recorded_crime/*.csv     tables P1 or C2 of those workbooks saved as CSV
    data/raw/home_office/*.csv|xlsx|ods   Home Office police recorded crime open data tables (PFA)

Outputs: ``recorded_crime.parquet`` and ``recorded_crime_csp.parquet`` (``recorded_crime`` columns),
``population.parquet`` (``ons_population.POPULATION_COLUMNS``), ``areas.parquet`` (LSOA-name prefix → LAD/CSP/PFA)
and ``manifest.json`` (every source's SHA-256 and every row left out, with its reason). Every file is read and
validated before anything is written; a re-run with the same inputs reads nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import Paths
from ..errors import InputError, Problem
from ..hashing import atomic_write_json, atomic_write_parquet, sha256_file
from ..registry import load_registry
from ..safefiles import check_regular
from . import home_office, ons_geography, ons_population, recorded_crime
from .rawfiles import MAX_TABLE_BYTES


@dataclass
class NationalSummary:
    """What one national ingest did."""

    read: list[str] = field(default_factory=list)
    unchanged: bool = False
    recorded_crime_rows: int = 0
    population_rows: int = 0
    excluded: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def raw_dirs(paths: Paths) -> dict[str, Path]:
    """Where each national input lives under data/raw/."""
    ons = paths.raw / "ons"
    return {"geography": ons / "geography", "population": ons / "population",
            "recorded_crime": ons / "recorded_crime", "home_office": paths.raw / "home_office"}


def out_dir(paths: Paths) -> Path:
    """data/processed/national/."""
    return paths.processed / "national"


def _files(folder: Path, suffixes: tuple[str, ...], within: Path) -> list[Path]:
    """The folder's input files; InputError naming one that is not a regular file inside ``within`` (data/raw/).

    Not skipped quietly: a FIFO or a link out named like an input is a delivery gone wrong, not an absence.
    """
    if not folder.exists():
        return []
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes and not p.name.startswith((".", "~$")))
    for p in found:
        check_regular(p, within, MAX_TABLE_BYTES)
    return found


def read_areas(paths: Paths) -> pd.DataFrame | None:
    """The LSOA-name area table from the lookup in data/raw/ons/geography/, or None if there is no lookup."""
    files = _files(raw_dirs(paths)["geography"], (".csv",), paths.raw)
    if not files:
        return None
    return ons_geography.area_table(ons_geography.read_lookup(files[-1]))


def ingest_national(paths: Paths, force_rebuild: bool = False) -> NationalSummary:
    """Validate every national input and (re)write data/processed/national/ when any input changed."""
    dirs = raw_dirs(paths)
    sources = {
        "geography": _files(dirs["geography"], (".csv",), paths.raw),
        "population": _files(dirs["population"], (".xlsx",), paths.raw),
        "recorded_crime": _files(dirs["recorded_crime"], (".xlsx", ".csv"), paths.raw),
        "home_office": _files(dirs["home_office"], (".csv", ".xlsx", ".ods"), paths.raw),
    }
    out = out_dir(paths)
    manifest_path = out / "manifest.json"
    hashes = {str(p.relative_to(paths.raw)): sha256_file(p) for group in sources.values() for p in group}
    summary = NationalSummary()
    if not force_rebuild and manifest_path.exists():
        try:
            prev = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            prev = {}
        # Outputs are checked against the SHA-256 recorded when they were written: a truncated or corrupt Parquet
        # is rebuilt from data/raw/, never used.
        out_hashes = prev.get("output_sha256", {})
        if prev.get("sources") == hashes and all((out / f).is_file() and sha256_file(out / f) == out_hashes.get(f)
                                                 for f in prev.get("outputs", [])):
            summary.unchanged = True
            summary.excluded = prev.get("excluded", [])
            return summary

    registry = load_registry(paths)
    force_by_ons = {f.ons_code: f.slug for f in registry.values()}
    errors: list[InputError] = []
    lookup = None
    if sources["geography"]:
        try:
            lookup = ons_geography.read_lookup(sources["geography"][-1])
        except InputError as exc:
            errors.append(exc)
    population = ons_population.empty_population()
    if sources["population"]:
        if lookup is None and not errors:
            errors.append(InputError(dirs["geography"], [Problem("(folder)", "population needs the ONS lookup")],
                                     "put the ONS 'LAD to CSP to PFA' lookup CSV in data/raw/ons/geography/"))
        frames = []
        for p in sources["population"]:
            try:
                lad = ons_population.read_lad_population(p)
                if lookup is not None:
                    frames.append(ons_population.population_by_area(lad, lookup, force_by_ons, str(p)))
            except InputError as exc:
                errors.append(exc)
        if frames:
            population = (pd.concat(frames, ignore_index=True)
                          .drop_duplicates(["area_type", "area_code", "year"], keep="last")
                          .reset_index(drop=True))
    pfa_frames, csp_frames = [], []
    for p in sources["recorded_crime"]:
        try:
            kind, df = recorded_crime.read_any(p, registry)
        except InputError as exc:
            errors.append(exc)
            continue
        (pfa_frames if kind == "pfa" else csp_frames).append(df)
        summary.excluded += df.attrs.get("excluded", [])
    for p in sources["home_office"]:
        try:
            df = home_office.read_home_office(p, registry)
        except InputError as exc:
            errors.append(exc)
            continue
        pfa_frames.append(df)
        summary.excluded += [f"{p.name}: {n} row(s) left out: {reason}"
                             for reason, n in df.attrs.get("excluded", {}).items()]
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise InputError(paths.raw, [Problem(str(e.path), "; ".join(pr.describe() for pr in e.problems))
                                     for e in errors], "fix the files listed; nothing was written")

    crime = recorded_crime.combine(pfa_frames)
    csp = (pd.concat(csp_frames, ignore_index=True) if csp_frames
           else pd.DataFrame({c: pd.Series(dtype=str) for c in recorded_crime.CSP_COLUMNS}))
    outputs = {"recorded_crime.parquet": crime, "recorded_crime_csp.parquet": csp, "population.parquet": population}
    if lookup is not None:
        outputs["areas.parquet"] = ons_geography.area_table(lookup)
    for name, df in outputs.items():
        atomic_write_parquet(df, out / name)
    summary.read = sorted(hashes)
    summary.recorded_crime_rows = len(crime)
    summary.population_rows = len(population)
    atomic_write_json(manifest_path, {"sources": hashes, "outputs": sorted(outputs), "excluded": summary.excluded,
                                      "output_sha256": {name: sha256_file(out / name) for name in outputs}})
    return summary
