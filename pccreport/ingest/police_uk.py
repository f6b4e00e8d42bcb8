"""data.police.uk monthly street-level and outcomes CSVs (folders or the site's zip download): validate, aggregate
to month × crime type × outcome × LSOA (with local authority / CSP from the ONS lookup), write monthly Parquet
incrementally.

Speed: all new files of a force are read by one polars ``scan_csv`` over the list of files (explicit columns and
quoting, never inference: real LSOA names such as "Bournemouth, Christchurch and Poole 040A" contain commas),
counted per file and group in the same pass and validated from the aggregate; the one read of each file's bytes
that hashes it also proves every record has every field (``csvshape``). Only a file found to be bad is read again
record by record (``csv`` module) to name the rows at fault. Incremental: a file whose size and modification time
match the manifest is not re-read or re-hashed; one whose size or time changed is hashed, and read only if its
SHA-256 changed.
"""

from __future__ import annotations

import contextvars
import csv
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
# polars is imported by the functions that read CSVs, not here: the report (notebooks, the build's context) imports
# this module only to read processed tables back, and a kernel or build process need not pay polars' import.
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import InputError, PccReportError, Problem
from ..hashing import atomic_write_json, sha256_file
from ..safefiles import call_within_bound, check_regular, check_time, open_regular, read_chunks
from . import csvshape, street_checks
from .csvshape import Shape
from .rawfiles import check_utf8, member_chunks, member_info, open_zip, utf8_problem
from .street_checks import row_checks

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
# data.police.uk LSOA names are "<local authority name> <3 digits><letter>", e.g. "Swindon 017B".
_LSOA_LAD = r"^(.+) [0-9]{3}[A-Z]$"
AREA_COLUMNS = ["lad_code", "lad_name", "csp_code", "csp_name", "pfa_code"]
# The columns the counts and checks use (the others are still split as CSV fields, and csvshape checks their text).
_READ = {"street": ["filename", "Crime ID", "Month", "Falls within", "Longitude", "LSOA code", "LSOA name",
                    "Crime type", "Last outcome category"],
         "outcomes": ["filename", "Month", "Falls within", "Outcome type"]}
_BATCH_BYTES = 256 * 1024 * 1024  # raw CSV read into memory at once (a month of the largest force is about 30 MB)
# The processed Parquet's columns, output keys and types (as the DuckDB reader before polars wrote them).
_KEYS = {"street": ["month", "crime_type", "outcome", "lsoa_code", "lsoa_name"], "outcomes": ["month", "outcome_type"]}
_OUT_SCHEMAS = {
    "street": pa.schema([*((k, pa.string()) for k in _KEYS["street"]), *((c, pa.int64()) for c in
                         ("n", "n_with_id", "n_located")), *((c, pa.string()) for c in AREA_COLUMNS)]),
    "outcomes": pa.schema([("month", pa.string()), ("outcome_type", pa.string()), ("n", pa.int64())]),
}


@dataclass
class IngestSummary:
    """What one ingest run did: files read, skipped as unchanged, rows kept and rows excluded with reasons."""

    read: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rows: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    # Rows kept whose LSOA lies outside the force area (data.police.uk publishes a few); only known with a lookup.
    outside_force_area: int = 0


@dataclass(frozen=True)
class Item:
    """One monthly file to ingest: a CSV on disk, or a member of a zip archive (read without unpacking by hand)."""

    name: str
    path: Path
    member: str | None = None

    @property
    def label(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    def stat(self) -> tuple[int, int]:
        st = check_regular(self.path)  # a FIFO or device would hang the hash; refused with its name instead
        if self.member is None:
            return st.st_size, st.st_mtime_ns
        with open_zip(self.path) as z:
            info = member_info(z, self.path, self.member)
        return info.file_size, st.st_mtime_ns

    def scan(self) -> Shape:
        """SHA-256, UTF-8 check and separator count from one bounded read of the file or member."""
        if self.member is None:
            with open_regular(self.path) as f:
                return csvshape.scan(read_chunks(f, self.path))
        return csvshape.scan(member_chunks(self.path, self.member))


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


def discover_items(source: Path, force: str, kind: str = "street") -> list[Item]:
    """CSV files for ``force`` under ``source`` plus matching members of every ``*.zip`` there (or ``source`` itself
    if it is a zip), e.g. the data.police.uk custom download ``YYYY-MM/YYYY-MM-<force>-street.csv`` tree."""
    if not source.exists():
        return []
    items = [Item(p.name, p) for p in discover(source, force, kind)] if source.is_dir() else []
    # Every file is a regular file inside the delivered folder (once links resolve): never a FIFO, a device or a
    # link to somewhere nobody delivered data.
    within = source if source.is_dir() else source.parent
    for it in items:
        check_regular(it.path, within)
    zips = [source] if source.is_file() and source.suffix.lower() == ".zip" else sorted(source.rglob("*.zip"))
    for zp in zips:
        with open_zip(zp, within) as z:
            members = z.namelist()
        for mem in members:
            base = mem.rsplit("/", 1)[-1]
            m = _NAME_RE.match(base)
            if m and m.group(2) == force and m.group(3) == kind:
                items.append(Item(base, zp, mem))
    return sorted(items, key=lambda i: (i.name, i.label))


def _read_header(path: Path) -> list[str]:
    try:
        # The first line only, as bytes: a text-mode read would decode a whole buffer and blame line 1 for a bad
        # byte further down (that one is reported at its own line by _locate_bad_row).
        with open_regular(path) as f:
            first = f.readline(1 << 16).decode("utf-8-sig")
        return next(csv.reader([first]), [])
    except UnicodeDecodeError as exc:
        raise InputError(path, [Problem("(header)", f"line 1 is not UTF-8 text ({exc.reason} at column "
                                                    f"{exc.start + 1}); this is not a data.police.uk CSV")],
                         "data.police.uk files are UTF-8 CSV; re-download the file") from exc
    except csv.Error as exc:
        raise InputError(path, [Problem("(header)", f"line 1 is not a CSV header: {exc}")],
                         "data.police.uk files are CSV; re-download the file") from exc


def _check_name(path: Path, force: str) -> tuple[str, str]:
    m = _NAME_RE.match(path.name)
    if not m:
        raise InputError(path, [Problem("(file name)", "expected YYYY-MM-<force>-street.csv or -outcomes.csv",
                                        value=path.name)], "keep the file name data.police.uk gave it")
    if m.group(2) != force:
        raise InputError(path, [Problem("(file name)", f"file is for force {m.group(2)!r} but sits in the folder for {force!r}",
                                        value=path.name)], f"move it to the folder for {m.group(2)}")
    return m.group(1), m.group(3)


def _has_records(path: Path) -> bool:
    """Whether anything but blank space follows the header line (one small read)."""
    with open_regular(path) as f:
        f.readline(1 << 16)
        return bool(f.read(4096).strip())


def _check_header(path: Path, kind: str) -> None:
    expected = KINDS[kind]
    header = _read_header(path)
    if header == expected:
        # A month with no records would count as a month of zero crimes, a figure no force has ever had: a download
        # cut short after its header, not data.
        if not _has_records(path):
            raise InputError(path, [Problem("(file)", f"holds the {kind} header but no records")],
                             "re-download the month from data.police.uk; if it really is empty, remove the file so "
                             "the month shows as missing")
        return
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


def _text_schema(kind: str) -> dict:
    """Every column of a ``kind`` file read as text (polars is imported by the ingest's reads only, not by the
    report, which imports this module to read the processed tables back)."""
    import polars as pl

    return {c: pl.String for c in KINDS[kind]}


def _scan(paths: list[Path], kind: str) -> pl.LazyFrame:
    """Every file of ``paths`` as one lazy frame: explicit all-text columns and quoting, never inference (real LSOA
    names such as "Bournemouth, Christchurch and Poole 040A" contain commas), a record with too many fields an error,
    an empty field (quoted or not) null, and each row's file in ``filename``. Records with too few fields are
    padded by polars; ``csvshape`` proves there are none before a file's rows are used."""
    import polars as pl

    return pl.scan_csv([str(p) for p in paths], has_header=True, separator=",", quote_char='"',
                       schema=_text_schema(kind), null_values=[""], encoding="utf8", truncate_ragged_lines=False,
                       include_file_paths="filename", glob=False, raise_if_empty=False)


def _records(path: Path, kind: str) -> pl.DataFrame:
    """One file's records in file order with ``rownum`` from 1, read by the ``csv`` module so that a record with
    too few or too many fields is an error naming its row and the first field missing (blank lines are skipped,
    as a CSV reader does); an empty field is null."""
    import polars as pl

    expected = KINDS[kind]
    rows: list[list[str]] = []
    problem = None
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            next(reader, None)
            for rec in reader:
                if not rec:
                    continue
                if len(rec) < len(expected):
                    problem = Problem(expected[len(rec)], f"record ends after {len(rec)} of {len(expected)} fields "
                                                          "(file truncated, or a quote not closed)", row=len(rows) + 1)
                elif len(rec) > len(expected):
                    problem = Problem(expected[-1], f"record has {len(rec)} fields, more than the {len(expected)} "
                                                    "columns (a field with a comma not quoted)", row=len(rows) + 1)
                if problem:
                    break
                rows.append(rec)
                if not len(rows) & 0xFFFF:
                    check_time(path)
    except csv.Error as exc:
        problem = Problem("(record)", f"{exc}", row=max(reader.line_num - 1, 1))
    except UnicodeDecodeError as exc:
        problem = utf8_problem(path) or Problem("(file)", f"not UTF-8 text ({exc.reason})")
    if problem:
        problem.message = f"could not be read as CSV: {problem.message}"
        raise InputError(path, [problem], "the file may be truncated or not a CSV; re-download it")
    frame = pl.DataFrame(list(zip(*rows)) if rows else [[] for _ in expected], schema=_text_schema(kind), orient="col")
    return frame.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in expected) \
        .with_row_index("rownum", offset=1)


def _read_one(path: Path, force: str, police_uk_name: str, areas: pd.DataFrame | None = None
              ) -> tuple[pa.Table, dict[str, int]]:
    """Validate one file and return (aggregated rows, excluded-row counts by reason).

    Street files aggregate to month, crime type, last outcome category and LSOA (plus local authority and CSP when
    ``areas`` from ``ons_geography.area_table`` is given); outcomes files to month and outcome type. Rows without a
    Crime ID (anti-social behaviour) and without a location are kept, as data.police.uk intends. Every problem is
    reported with its data row and field.
    """
    import polars as pl

    month, kind = _check_name(path, force)
    _check_header(path, kind)
    check_utf8(path, "data.police.uk files are UTF-8; re-download the file")
    check_time(path)
    rows = _records(path, kind)
    problems = _row_problems(rows, month, police_uk_name, kind, areas)
    if problems:
        raise InputError(path, problems, "each file holds one month of one force; check you have the right file")
    check_time(path)
    groups = _with_areas(_groups(rows.lazy().with_columns(filename=pl.lit(str(path))), kind).collect(), kind, areas)
    # Month is then the file's own on every row (checked above), as _outputs writes it.
    frames, excluded = _outputs(groups, kind)
    return frames.get(str(path), _empty(kind)), excluded.get(str(path), {})


def _row_problems(rows: pl.DataFrame, month: str, police_uk_name: str, kind: str, areas) -> list[Problem]:
    import polars as pl

    checks = [
        ("Month", pl.col("Month").ne_missing(month), f"must be {month}, the month in the file name"),
        ("Falls within", pl.col("Falls within").ne_missing(police_uk_name),
         f"must be {police_uk_name!r}, the force of this folder"),
    ]
    if kind == "street":
        checks += row_checks(rows)
    if areas is not None:
        prefix = pl.col("LSOA name").str.extract(_LSOA_LAD, 1).fill_null("")
        checks.append(("LSOA name", pl.col("LSOA name").is_not_null() & ~prefix.is_in(list(areas["prefix"])),
                       "LSOA name does not start with a local authority in the ONS lookup "
                       "(expected e.g. 'Swindon 017B'); update data/raw/ons/geography/ to the lookup for these "
                       "LSOA boundaries"))
    problems: list[Problem] = []
    for col, bad, msg in checks:
        found = rows.filter(bad).select("rownum", col).head(_MAX_ROWS_LISTED)
        problems += [Problem(col, msg, row=r, value=v) for r, v in found.iter_rows()]
    return problems


def _groups(frame: pl.LazyFrame, kind: str) -> pl.LazyFrame:
    """Rows counted per file and group, in one pass: for street files per crime type, last outcome and LSOA (with
    rows that have a Crime ID and a location); for outcomes files per outcome type. Month and 'Falls within' are
    not keys: ``_facts`` proves each file holds one value of each, the one its name and folder say."""
    import polars as pl

    n = pl.len().cast(pl.Int64).alias("n")
    if kind == "street":
        return frame.group_by(
            "filename", pl.col("Crime type").alias("crime_type"),
            pl.col("Last outcome category").fill_null("").alias("outcome"),
            pl.col("LSOA code").alias("lsoa_code"), pl.col("LSOA name").alias("lsoa_name"),
        ).agg(n, pl.col("Crime ID").count().cast(pl.Int64).alias("n_with_id"),
              pl.col("Longitude").count().cast(pl.Int64).alias("n_located"))
    return frame.group_by("filename", pl.col("Outcome type").alias("outcome_type")).agg(n)


def _facts(frame: pl.LazyFrame, kind: str) -> pl.LazyFrame:
    """Per file: the least and greatest Month and 'Falls within' and how many rows lack them, and for street files
    the Crime IDs given and how many distinct (``street_checks.id_counts``)."""
    import polars as pl

    facts = [e for c in ("Month", "Falls within") for e in (pl.col(c).min().alias(f"{c} min"),
                                                           pl.col(c).max().alias(f"{c} max"),
                                                           pl.col(c).null_count().alias(f"{c} missing"))]
    if kind == "street":
        facts += street_checks.id_counts()
    return frame.group_by("filename").agg(*facts)


def _one_value(lo, hi, missing, expected: str) -> bool:
    return not missing and lo == hi == expected


def _with_areas(groups: pl.DataFrame, kind: str, areas) -> pl.DataFrame:
    """The groups with local authority, CSP and force area from the ONS lookup ('' without one, or for rows with no
    location) and ``unknown_lsoa`` for an LSOA name the lookup does not know. The match runs once per distinct LSOA
    name, not once per group."""
    import polars as pl

    if kind != "street":
        return groups.with_columns(unknown_lsoa=pl.lit(False))
    if areas is None:
        return groups.with_columns(*(pl.lit("").alias(c) for c in AREA_COLUMNS), unknown_lsoa=pl.lit(False))
    lookup = pl.from_pandas(areas[["prefix", *AREA_COLUMNS]]).with_columns(pl.lit(True).alias("_known"))
    names = (groups.select("lsoa_name").unique().drop_nulls()
             .with_columns(prefix=pl.col("lsoa_name").str.extract(_LSOA_LAD, 1).fill_null(""))
             .join(lookup, on="prefix", how="left").drop("prefix"))
    return (groups.join(names, on="lsoa_name", how="left")
            .with_columns(*(pl.col(c).fill_null("") for c in AREA_COLUMNS),
                          unknown_lsoa=pl.col("_known").is_null() & pl.col("lsoa_name").is_not_null())
            .drop("_known"))


def _outputs(groups: pl.DataFrame, kind: str) -> tuple[dict[str, pa.Table], dict[str, dict[str, int]]]:
    """Each file's output table (kept groups, sorted by the output keys, in the processed schema) and its excluded
    rows by reason."""
    import polars as pl

    col = "crime_type" if kind == "street" else "outcome_type"
    reason = "no crime type" if kind == "street" else "no outcome type"
    excluded: dict[str, dict[str, int]] = {}
    for fname, n in groups.filter(pl.col(col).is_null()).group_by("filename").agg(pl.col("n").sum()).iter_rows():
        excluded.setdefault(fname, {})[reason] = int(n)
    schema = _OUT_SCHEMAS[kind]
    # Month is the same on every row of a file (checked), so the file's groups sort by the other keys.
    kept = groups.filter(pl.col(col).is_not_null()).sort(["filename", *_KEYS[kind][1:]], nulls_last=True)
    parts = kept.partition_by("filename", as_dict=True, maintain_order=True)
    frames = {key[0]: part.with_columns(month=pl.lit(Path(key[0]).name[:7])).select(schema.names)
              .to_arrow(compat_level=pl.CompatLevel.oldest()).cast(schema) for key, part in parts.items()}
    return frames, excluded


def _empty(kind: str) -> pa.Table:
    return _OUT_SCHEMAS[kind].empty_table()


def _count(paths: list[Path], kind: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The groups (``_groups``) and per-file facts (``_facts``) of ``paths`` from one read of each file: the
    columns they need are read once, in batches of at most ``_BATCH_BYTES`` of files so that memory stays bounded
    for a large force's first ingest, and both are counted from them."""
    import polars as pl

    groups, facts = [], []
    batch: list[Path] = []
    size = 0
    for i, p in enumerate(paths):
        batch.append(p)
        size += p.stat().st_size
        if size < _BATCH_BYTES and i < len(paths) - 1:
            continue
        rows = _scan(batch, kind).select(_READ[kind]).collect().lazy()
        found = pl.collect_all([_groups(rows, kind), _facts(rows, kind)])
        groups.append(found[0])
        facts.append(found[1])
        batch, size = [], 0
    return pl.concat(groups), pl.concat(facts)


def _read_batch(files: list[Path], kind: str, force: str, police_uk_name: str, areas, labels: dict[str, str],
                shapes: dict[str, Shape] | None = None
                ) -> tuple[dict[str, pa.Table], dict[str, dict[str, int]], list[InputError]]:
    """Read many files of one kind in one polars pass; a file that fails any check is re-read alone, record by
    record, for exact rows (and is kept if it passes there)."""
    import polars as pl

    shapes = dict(shapes or {})
    errors: list[InputError] = []
    good = []
    for p in files:
        try:
            _check_header(p, kind)
            good.append(p)
        except InputError as exc:
            exc.path = labels.get(str(p), exc.path)
            errors.append(exc)
    if not good:
        return {}, {}, errors
    names = ", ".join(labels.get(str(p), p.name) for p in good[:5]) + (" …" if len(good) > 5 else "")
    reading = f"{len(good)} {kind} file(s): {names}"
    check_time(reading)
    try:
        found = call_within_bound(lambda: _count(good, kind), reading)
    except pl.exceptions.PolarsError:
        found = None  # one bad file fails the whole pass: each file is read alone below to find it and its rows
    check_time(reading)
    done: dict[str, Shape] = {}
    for p in list(good):
        try:
            if str(p) not in shapes:
                with open_regular(p) as f:
                    shapes[str(p)] = csvshape.scan(read_chunks(f, p))
            done[str(p)] = _resolved(shapes[str(p)])
        except InputError as exc:
            exc.path = labels.get(str(p), exc.path)
            errors.append(exc)
            good.remove(p)
    if found is None:
        return _read_each(good, kind, force, police_uk_name, areas, labels, errors)
    groups = _with_areas(found[0], kind, areas)
    per_file = groups.group_by("filename").agg(
        pl.col("n").sum().alias("rows"), pl.col("n").filter(pl.col("unknown_lsoa")).sum().alias("unknown"),
        (street_checks.unknown_type("crime_type").any() if kind == "street" else pl.lit(False)).alias("bad_type"))
    seen = {}
    for fname, rows, unknown, bad_type in per_file.iter_rows():
        seen[fname] = -1 if unknown or bad_type else int(rows)
    for fact in found[1].iter_rows(named=True):
        fname = fact["filename"]
        if not (_one_value(fact["Month min"], fact["Month max"], fact["Month missing"], Path(fname).name[:7])
                and _one_value(fact["Falls within min"], fact["Falls within max"], fact["Falls within missing"],
                               police_uk_name)) \
                or (kind == "street" and street_checks.too_many_repeats(fact["with_id"], fact["distinct"])):
            seen[fname] = -1
    # Not UTF-8, or a record short of fields (polars padded it): read alone, where the error names the line.
    bad = [p for p in good if seen.get(str(p), 0) < 0 or not done[str(p)].utf8
           or not done[str(p)].full_records(seen.get(str(p), 0), len(KINDS[kind]))]
    keep = [str(p) for p in good if p not in bad]
    frames, excluded = _outputs(groups.filter(pl.col("filename").is_in(keep)), kind)
    for p in keep:
        frames.setdefault(p, _empty(kind))
    if bad:
        more, more_excluded, errors = _read_each(bad, kind, force, police_uk_name, areas, labels, errors)
        frames.update(more)
        excluded.update(more_excluded)
    return frames, excluded, errors


def read_file(path: Path, force: str, police_uk_name: str, areas: pd.DataFrame | None = None
              ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Validate one file and return (aggregated rows, excluded-row counts by reason); see ``_read_one``."""
    table, excluded = _read_one(path, force, police_uk_name, areas)
    return table.to_pandas(), excluded


def _resolved(shape: Shape | Future) -> Shape:
    return shape.result() if isinstance(shape, Future) else shape


def _write_and_hash(table: pa.Table, path: Path) -> str:
    _write_parquet(table, path)
    return sha256_file(path)


def _write_parquet(table: pa.Table, path: Path) -> None:
    """Write Parquet atomically (temp file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_each(files, kind, force, police_uk_name, areas, labels, errors):
    frames, excluded = {}, {}
    for p in files:
        try:
            agg, exc_counts = _read_one(p, force, police_uk_name, areas)
            frames[str(p)] = agg
            excluded[str(p)] = exc_counts
        except InputError as exc:
            exc.path = labels.get(str(p), exc.path)
            errors.append(exc)
    return frames, excluded, errors


def ingest(source: Path, out: Path, force: str, police_uk_name: str, areas: pd.DataFrame | None = None,
           ons_code: str = "", verify: bool = False) -> IngestSummary:
    """Ingest every street and outcomes file for ``force`` under ``source`` (folders and zip archives) into
    ``out``, skipping unchanged files.

    Every file is validated before anything is written; bad files raise one InputError naming each file, row and
    field, and leave ``out`` as it was. ``areas`` (``ons_geography.area_table``) adds local authority and CSP
    columns and makes an LSOA outside the lookup an error; with the force's ``ons_code`` too, rows in LSOAs of
    another force area are counted (and kept) in ``outside_force_area``. ``verify`` re-hashes every file even when its size and
    modification time are unchanged.
    """
    manifest_path = out / "manifest.json"
    manifest = _read_manifest(manifest_path)
    summary = IngestSummary()
    pending: dict[str, list[tuple[Item, Shape | Future, tuple[int, int]]]] = {k: [] for k in KINDS}
    # A new month is read whatever its hash, so its hash and byte scan run beside the CSV engine's read of it
    # (both cores busy) instead of before it; a changed file is hashed first to learn whether to read it at all.
    hasher = ThreadPoolExecutor(max_workers=1)
    errors: list[InputError] = []
    seen: dict[str, str] = {}
    refreshed = False  # a touched-but-identical file: record its new size/time so the next run skips hashing
    for kind in KINDS:
        for item in discover_items(source, force, kind):
            if item.name in seen:
                errors.append(InputError(item.label, [Problem("(file name)", f"the same month and force is also in "
                                                              f"{seen[item.name]}", value=item.name)],
                                         "keep one copy of each monthly file"))
                continue
            seen[item.name] = item.label
            prev = manifest.get(item.name)
            stat = item.stat()
            parquet_ok = prev is not None and processed_intact(out / kind / f"{prev['month']}.parquet", prev)
            if not parquet_ok:
                pending[kind].append((item, hasher.submit(contextvars.copy_context().run, item.scan), stat))
                continue
            if parquet_ok and not verify and prev.get("size") == stat[0] and prev.get("mtime_ns") == stat[1] \
                    and prev.get("source") == item.label:
                _count_unchanged(summary, item.name, prev)
                continue
            shape = item.scan()  # the one read of a changed or new file before the CSV engine's
            if parquet_ok and prev["sha256"] == shape.sha256:
                _count_unchanged(summary, item.name, prev)
                prev.update(size=stat[0], mtime_ns=stat[1], source=item.label)
                refreshed = True
                continue
            pending[kind].append((item, shape, stat))
    results: list[tuple[Item, str, str, tuple[int, int], pd.DataFrame, dict[str, int]]] = []
    tmpdir = Path(tempfile.mkdtemp(prefix="pccreport-police-uk-"))
    try:
        for kind, items in pending.items():
            if not items:
                continue
            paths, labels, shapes = [], {}, {}
            for item, shape, _ in items:
                try:
                    _check_name(Path(item.name), force)
                except InputError as exc:
                    exc.path = item.label
                    errors.append(exc)
                    continue
                p = _materialise(item, tmpdir)
                paths.append(p)
                labels[str(p)] = item.label
                shapes[str(p)] = shape
            frames, excluded, errs = _read_batch(paths, kind, force, police_uk_name, areas, labels, shapes)
            errors += errs
            by_label = {labels[k]: k for k in labels}
            for item, shape, stat in items:
                key = by_label.get(item.label)
                if key in frames:
                    results.append((item, kind, _resolved(shape).sha256, stat, frames[key], excluded.get(key, {})))
    finally:
        hasher.shutdown(cancel_futures=True)
        shutil.rmtree(tmpdir, ignore_errors=True)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise InputError(source, [Problem(str(e.path), "; ".join(p.describe() for p in e.problems)) for e in errors],
                         "fix or remove the files listed; nothing was written")
    dirty = bool(results) or refreshed
    # Months are written two at a time (pyarrow encodes without holding the GIL); each one still atomically.
    with ThreadPoolExecutor(max_workers=2) as writers:
        written = list(writers.map(lambda r: _write_and_hash(r[4], out / r[1] / f"{r[0].name[:7]}.parquet"),
                                   results))
    for (item, kind, digest, stat, agg, excluded), parquet_sha in zip(results, written):
        month = item.name[:7]
        rows = int(pc.sum(agg.column("n")).as_py() or 0)
        outside = 0
        if ons_code and kind == "street" and "pfa_code" in agg.column_names:
            pfa = agg.column("pfa_code")
            mask = pc.and_(pc.not_equal(pfa, ""), pc.not_equal(pfa, ons_code))
            outside = int(pc.sum(pc.filter(agg.column("n"), mask)).as_py() or 0)
        manifest[item.name] = {"sha256": digest, "month": month, "kind": kind, "rows": rows, "excluded": excluded,
                               "source": item.label, "size": stat[0], "mtime_ns": stat[1],
                               "outside_force_area": outside, "parquet_sha256": parquet_sha}
        summary.read.append(item.name)
        summary.rows += rows
        summary.outside_force_area += outside
        for reason, n in excluded.items():
            summary.excluded[reason] = summary.excluded.get(reason, 0) + n
    if dirty:
        atomic_write_json(manifest_path, manifest)
    return summary


def processed_intact(path: Path, prev: dict) -> bool:
    """True if the processed Parquet exists and is the file the ingest wrote (its SHA-256 as recorded; for a
    manifest from before hashes were recorded, its footer must at least read). A truncated or corrupt file is
    False, so the month is rebuilt from data/raw/ instead of being used."""
    if not path.is_file():
        return False
    if prev.get("parquet_sha256"):
        return sha256_file(path) == prev["parquet_sha256"]
    try:
        pq.read_metadata(path)
    except Exception:  # pyarrow raises several types for a damaged file; any of them means rebuild
        return False
    return True


def _count_unchanged(summary: IngestSummary, name: str, prev: dict) -> None:
    summary.unchanged.append(name)
    summary.rows += prev["rows"]
    summary.outside_force_area += prev.get("outside_force_area", 0)
    for reason, n in prev["excluded"].items():
        summary.excluded[reason] = summary.excluded.get(reason, 0) + n


def _materialise(item: Item, tmpdir: Path) -> Path:
    """A path the CSV reader can open: the file itself, or the zip member streamed to a private temp folder."""
    if item.member is None:
        return item.path
    import hashlib

    dest = tmpdir / hashlib.sha1(item.label.encode()).hexdigest()[:12] / item.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as dst:
        for block in member_chunks(item.path, item.member):
            dst.write(block)
    return dest


def read_item(item: Item, tmpdir: Path, force: str, police_uk_name: str) -> pd.DataFrame:
    """Validate one file or zip member as the ingest would (nothing written); errors name the member."""
    path = _materialise(item, tmpdir)
    try:
        return read_file(path, force, police_uk_name)[0]
    except InputError as exc:
        exc.path = item.label
        raise


def _read_manifest(path: Path) -> dict:
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
    frames = []
    for f in files:
        try:
            frames.append(pd.read_parquet(f))
        except Exception as exc:  # pyarrow raises several types for a damaged file
            # Not InputError: ReportData reads that as "no street data", and a damaged file must stop the report.
            raise PccReportError(f"{f}: processed file cannot be read ({type(exc).__name__}: {exc}); run the ingest "
                                 "again, which rebuilds it from data/raw/") from exc
    df = pd.concat(frames, ignore_index=True)
    df["month"] = _monthly_periods(df["month"])
    return df


def _monthly_periods(months: pd.Series) -> pd.PeriodIndex:
    """'2023-01' strings as monthly Periods, each distinct month parsed once (pandas parses every row otherwise: 1.8
    s of a report's 2-5 s context on 137,000 sample rows, the largest single cost of a build's context step)."""
    codes, uniques = pd.factorize(months)
    if (codes < 0).any():  # a missing month: let pandas handle it row by row, as before
        return pd.PeriodIndex(months, freq="M")
    return pd.PeriodIndex(uniques, freq="M").take(codes)


def area_counts(street: pd.DataFrame, level: str = "lad") -> pd.DataFrame:
    """Monthly counts by crime type and local area (``level`` 'lad' or 'csp') from processed street rows.

    Rows with no location, and rows in a LAD split between CSPs (at CSP level), have area code '' and stay in as
    their own row, so the counts still add up to the force total.
    """
    if level not in ("lad", "csp"):
        raise ValueError("level must be 'lad' or 'csp'")
    cols = [f"{level}_code", f"{level}_name"]
    if not set(cols) <= set(street.columns):
        raise InputError("processed street data", [Problem(cols[0], "no local-area columns")],
                         "put the ONS LAD→CSP→PFA lookup in data/raw/ons/geography/ and run the ingest again")
    return (street.groupby(["month", "crime_type", *cols], as_index=False, observed=True)["n"].sum()
            .sort_values(["month", "crime_type", *cols], ignore_index=True))
