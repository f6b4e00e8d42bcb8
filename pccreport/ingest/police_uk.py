"""data.police.uk monthly street-level and outcomes CSVs: validate, aggregate, write monthly Parquet incrementally."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import InputError, Problem
from ..hashing import atomic_write_json, atomic_write_parquet, sha256_file

STREET_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
OUTCOME_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Outcome type",
]
KINDS = {"street": STREET_COLUMNS, "outcomes": OUTCOME_COLUMNS}
_NAME_RE = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2]))-([a-z][a-z-]*)-(street|outcomes)\.csv$")
ASB = "Anti-social behaviour"
_MAX_ROWS_LISTED = 20


@dataclass
class IngestSummary:
    """What one ingest run did: files read, skipped as unchanged, rows kept and rows excluded with reasons."""

    read: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rows: int = 0
    excluded: dict[str, int] = field(default_factory=dict)


def discover(source: Path, force: str, kind: str = "street") -> list[Path]:
    """Every ``YYYY-MM-<force>-<kind>.csv`` under ``source`` (flat or in ``YYYY-MM/`` folders), sorted by month."""
    if not source.exists():
        return []
    files = []
    for p in source.rglob(f"*-{kind}.csv"):
        m = _NAME_RE.match(p.name)
        if m and m.group(2) == force:
            files.append(p)
    return sorted(files, key=lambda p: p.name)


def _read_header(path: Path) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            return next(csv.reader(f), [])
    except UnicodeDecodeError as exc:
        raise InputError(path, [Problem("(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start})")],
                         "data.police.uk files are UTF-8 CSV; re-download the file") from exc


def _check_name(path: Path, force: str) -> tuple[str, str]:
    m = _NAME_RE.match(path.name)
    if not m:
        raise InputError(path, [Problem("(file name)", "expected YYYY-MM-<force>-street.csv or -outcomes.csv",
                                        value=path.name)], "keep the file name data.police.uk gave it")
    if m.group(2) != force:
        raise InputError(path, [Problem("(file name)", f"file is for force {m.group(2)!r} but sits in the folder for {force!r}",
                                        value=path.name)], f"move it to the folder for {m.group(2)}")
    return m.group(1), m.group(3)


def read_file(path: Path, force: str, police_uk_name: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Validate one file and return (aggregated rows, excluded-row counts by reason).

    Street files aggregate to month, crime type, last outcome category and LSOA; outcomes files to month and outcome
    type. Rows without a Crime ID (anti-social behaviour) and without a location are kept, as data.police.uk intends.
    """
    month, kind = _check_name(path, force)
    expected = KINDS[kind]
    header = _read_header(path)
    if header != expected:
        missing = [c for c in expected if c not in header]
        extra = [c for c in header if c not in expected]
        detail = []
        if missing:
            detail.append(Problem("(header)", f"missing column(s) {missing}"))
        if extra:
            detail.append(Problem("(header)", f"unexpected column(s) {extra}"))
        if not detail:
            detail.append(Problem("(header)", f"columns out of order; expected {expected}", value=header))
        raise InputError(path, detail, f"a data.police.uk {kind} file has exactly the columns {expected}")

    con = duckdb.connect()
    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in expected) + "}"
    try:
        con.execute(
            f"""create temp table t as
                select row_number() over () as rownum, *
                from read_csv(?, header=true, delim=',', quote='"', escape='"', auto_detect=false,
                              columns={cols}, strict_mode=true, null_padding=false)""",
            [str(path)],
        )
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(path, [Problem("(file)", f"could not be read as CSV: {first}")],
                         "the file may be truncated or not a CSV; re-download it") from exc

    problems: list[Problem] = []
    checks = [
        ("Month", f"\"Month\" is distinct from '{month}'", f"must be {month}, the month in the file name"),
        ("Falls within", f"\"Falls within\" is distinct from '{police_uk_name}'",
         f"must be {police_uk_name!r}, the force of this folder"),
    ]
    for col, cond, msg in checks:
        bad = con.execute(f'select rownum, "{col}" from t where {cond} order by rownum limit {_MAX_ROWS_LISTED + 1}').fetchall()
        problems += [Problem(col, msg, row=r, value=v) for r, v in bad[:_MAX_ROWS_LISTED]]
    if problems:
        raise InputError(path, problems, "each file holds one month of one force; check you have the right file")

    excluded: dict[str, int] = {}
    if kind == "street":
        no_type = con.execute('select count(*) from t where "Crime type" is null').fetchone()[0]
        if no_type:
            excluded["no crime type"] = int(no_type)
        agg = con.execute(
            """select "Month" as month, "Crime type" as crime_type,
                      coalesce("Last outcome category", '') as outcome,
                      "LSOA code" as lsoa_code, "LSOA name" as lsoa_name,
                      count(*)::BIGINT as n,
                      count("Crime ID")::BIGINT as n_with_id,
                      count("Longitude")::BIGINT as n_located
               from t where "Crime type" is not null
               group by all order by all"""
        ).df()
    else:
        no_type = con.execute('select count(*) from t where "Outcome type" is null').fetchone()[0]
        if no_type:
            excluded["no outcome type"] = int(no_type)
        agg = con.execute(
            """select "Month" as month, "Outcome type" as outcome_type, count(*)::BIGINT as n
               from t where "Outcome type" is not null group by all order by all"""
        ).df()
    con.close()
    return agg, excluded


def ingest(source: Path, out: Path, force: str, police_uk_name: str) -> IngestSummary:
    """Ingest every street and outcomes file for ``force`` under ``source`` into ``out``, skipping unchanged files.

    Every file is validated before anything is written; a bad file raises InputError and leaves ``out`` as it was.
    """
    manifest_path = out / "manifest.json"
    manifest = _read_manifest(manifest_path)
    summary = IngestSummary()
    pending: list[tuple[Path, str, pd.DataFrame, dict[str, int], str]] = []
    errors: list[InputError] = []
    for kind in KINDS:
        for path in discover(source, force, kind):
            digest = sha256_file(path)
            key = path.name
            prev = manifest.get(key)
            if prev and prev["sha256"] == digest and (out / kind / f"{prev['month']}.parquet").exists():
                summary.unchanged.append(key)
                summary.rows += prev["rows"]
                for reason, n in prev["excluded"].items():
                    summary.excluded[reason] = summary.excluded.get(reason, 0) + n
                continue
            try:
                agg, excluded = read_file(path, force, police_uk_name)
            except InputError as exc:
                errors.append(exc)
                continue
            pending.append((path, kind, agg, excluded, digest))
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise InputError(source, [Problem(str(e.path), "; ".join(p.describe() for p in e.problems)) for e in errors],
                         "fix or remove the files listed; nothing was written")
    for path, kind, agg, excluded, digest in pending:
        month = path.name[:7]
        atomic_write_parquet(agg, out / kind / f"{month}.parquet")
        rows = int(agg["n"].sum())
        manifest[path.name] = {"sha256": digest, "month": month, "kind": kind, "rows": rows,
                               "excluded": excluded, "source": str(path)}
        summary.read.append(path.name)
        summary.rows += rows
        for reason, n in excluded.items():
            summary.excluded[reason] = summary.excluded.get(reason, 0) + n
    if pending:
        atomic_write_json(manifest_path, manifest)
    return summary


def _read_manifest(path: Path) -> dict:
    import json

    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # an unreadable manifest only costs a full re-read


def load_street(out: Path) -> pd.DataFrame:
    """All processed street rows for a force (month as a monthly Period)."""
    return _load_kind(out, "street")


def load_outcomes(out: Path) -> pd.DataFrame:
    """All processed outcome counts for a force."""
    return _load_kind(out, "outcomes")


def _load_kind(out: Path, kind: str) -> pd.DataFrame:
    files = sorted((out / kind).glob("*.parquet"))
    if not files:
        raise InputError(out / kind, [Problem("(folder)", f"no processed {kind} files")],
                         f"put data.police.uk {kind} CSVs in data/raw/police_uk/<force>/ and run the ingest")
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    df["month"] = pd.PeriodIndex(df["month"], freq="M")
    return df
